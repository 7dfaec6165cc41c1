"""The entry relative-likelihood validation (validation/entry_likelihood.py) scores its runs correctly.

The study itself (200 extracts per scenario) runs on demand; here its machinery runs on 3 seeds and
is checked against a by-hand comparison of one interval with the generator's ground truth, and its
summaries against counts worked out by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lotus_analytics import schema, synthetic
from lotus_analytics.inequalities import entry_relative_likelihood
from lotus_analytics.periods import FinancialQuarter, rolling_window
from lotus_analytics.stats import risk_ratio
from validation.entry_likelihood import any_flag_per_extract, headline, proportion, run_one, summarise

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.concat([run_one(seed, "injected") for seed in SEEDS], ignore_index=True)


def test_a_run_scores_its_intervals_against_the_ground_truth_by_hand(rows: pd.DataFrame) -> None:
    """Seed 2, generated afresh: the measure's log-Poisson intervals over 1 October 2024 - 30 September 2026,
    the Katz intervals of the same counts (the comparison) and the truth of the window "2 years to 2026/27 Q2"
    give the same coverage and flag booleans as the validation rows."""
    extract = synthetic.generate(seed=2)
    truth = extract.ground_truth["entry"]["windows"]["2 years to 2026/27 Q2"]["relative_likelihood"]
    window = rolling_window(FinancialQuarter(2026, 2), 2)
    for dimension, group, reference in (("ethnic_group_2", "Black and minority ethnic", "White"),
                                        ("pmq_region", "international", "uk"), ("sex", "female", "male")):
        table = entry_relative_likelihood(extract.cases, extract.workforce, dimension=dimension, reference=reference,
                                          window=window)
        mine = table.set_index("group").loc[group]
        row = rows[(rows["seed"] == 2) & (rows["dimension"] == dimension) & (rows["group"] == group)].iloc[0]
        expected = truth[dimension][group]
        assert row["truth"] == expected
        assert (row["lower"], row["upper"]) == (mine["lower"], mine["upper"])
        assert row["covers"] == (mine["lower"] <= expected <= mine["upper"])
        assert row["flagged"] == (mine["lower"] > 1.25 or mine["upper"] < 0.8)
        assert row["excludes_one"] == (mine["lower"] > 1 or mine["upper"] < 1)
        _, katz_lower, katz_upper = risk_ratio(mine["events"], mine["headcount"], mine["ref_events"],
                                               mine["ref_headcount"])
        assert katz_lower > mine["lower"] and katz_upper < mine["upper"]  # Katz is the narrower
        assert row["covers_katz"] == (katz_lower <= expected <= katz_upper)
        assert row["excludes_one_katz"] == (katz_lower > 1 or katz_upper < 1)
    # the injected ethnicity and international effects (true ratios about 2) are flagged in every seed
    key = rows[rows["group"].isin(["Black and minority ethnic", "international"])]
    assert key["flagged"].all() and (key["truth"] > 1.9).all()


def test_summaries_count_the_calculable_runs(rows: pd.DataFrame) -> None:
    summary = summarise(rows)
    # every stated group but the reference, of every dimension, has its ground truth and a summary
    comparisons = sum(len(d.stated_groups) - 1 for d in schema.DIMENSIONS.values())
    assert len(summary) == rows.groupby(["dimension", "group"]).ngroups == comparisons
    for s in summary:
        part = rows[(rows["dimension"] == s["dimension"]) & (rows["group"] == s["group"])]
        assert s["runs"] == len(SEEDS)
        for column in ("covers", "flagged", "excludes_one", "covers_katz", "excludes_one_katz"):
            assert s[column]["count"] == part.loc[part["calculable"], column].sum()
            assert s[column]["proportion"] == s[column]["count"] / s[column]["n"]


def _made_up(scenario: str, covers: list[bool], flagged: list[bool], calculable: list[bool]) -> pd.DataFrame:
    n = len(covers)
    return pd.DataFrame({
        "scenario": scenario, "seed": range(1, n + 1), "dimension": "ethnic_group_2",
        "group": "Black and minority ethnic", "reference": "White", "events": 10, "truth": 1.0, "ratio": 1.0,
        "calculable": calculable, "covers": covers, "flagged": flagged, "excludes_one": flagged,
        "covers_katz": covers, "excludes_one_katz": flagged, "verdict": ["higher" if f else "within or uncertain" for f in flagged],
        "expected_katz_coverage": 0.94,
    })


def test_proportions_leave_out_runs_that_are_not_calculable_and_carry_wilson_intervals() -> None:
    # 4 runs, the last not calculable (its booleans are False, as run_one leaves them): 2 of 3 covered
    made = _made_up("no_effect", [True, False, True, False], [False, True, False, False], [True, True, True, False])
    [s] = summarise(made)
    assert (s["runs"], s["calculable"]) == (4, 3)
    assert s["covers"]["count"] == 2 and s["covers"]["n"] == 3
    assert s["covers"]["wilson"] == pytest.approx([0.2076596008, 0.9385080553], abs=1e-9)
    assert s["flagged"]["proportion"] == pytest.approx(1 / 3)
    assert s["flagged_higher"]["count"] == 1
    assert proportion(0, 0)["proportion"] is None


def test_the_false_flag_rate_per_extract_counts_extracts_with_any_flag() -> None:
    one = _made_up("no_effect", [True] * 4, [False, True, False, False], [True] * 4)
    other = one.assign(dimension="sex", group="female", flagged=[False, True, True, False])
    result = any_flag_per_extract(pd.concat([one, other]), "no_effect")
    assert (result["count"], result["n"], result["comparisons_per_extract"]) == (2, 4, 2)
    assert result["wilson"] == pytest.approx([0.1500389892, 0.8499610108], abs=1e-9)


def test_the_headline_takes_coverage_from_the_injected_scenario_and_flags_from_both() -> None:
    injected = _made_up("injected", [True, True, True, False], [True] * 4, [True] * 4)
    none = _made_up("no_effect", [True, False, True, True], [False, False, False, True], [True] * 4)
    made = pd.concat([injected, none, injected.assign(dimension="pmq_region", group="international", reference="uk"),
                      none.assign(dimension="pmq_region", group="international", reference="uk")], ignore_index=True)
    design = {"date_run": "2026-11-30", "runs": 4, "volume": "v", "window": "w", "band": "0.80-1.25", "goals": {}}
    result = headline(made, summarise(made), design)
    ethnicity = next(c for c in result["coverage"] if c["dimension"] == "ethnic_group_2")
    assert (ethnicity["count"], ethnicity["n"]) == (3, 4)
    false_flags = result["false_flags"]["ethnic_group_2: Black and minority ethnic"]["flagged"]
    assert (false_flags["count"], false_flags["n"]) == (1, 4)
    assert result["power"]["pmq_region: international"]["flagged"]["proportion"] == 1.0
