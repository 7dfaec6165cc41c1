"""Triage consistency (Appendix 2 risk levels by group within concern domain) on a hand-made extract,
against hand computations of the Mantel-Haenszel estimate and tests, and the generator's ground truth."""

import math

import numpy as np
import pandas as pd
import pytest
from measures_frames import cases_frame
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from lotus_analytics import schema
from lotus_analytics.consistency import Triage, mean_score_test, risk_level_association, risk_level_distribution
from lotus_analytics.periods import FinancialQuarter, latest_complete_quarter, rolling_window

WINDOW = rolling_window(FinancialQuarter.parse("2024/25 Q4"), 2)
RECEIVED = pd.Timestamp("2024-01-15")
LEVELS = schema.RISK_LEVELS


def cases(code: str, domains: str, **levels: int) -> list[dict]:
    return [{"date_received": RECEIVED, "date_triaged": RECEIVED, "ethnicity_code": code, "concern_domains": domains,
             "risk_level": level} for level, n in levels.items() for _ in range(n)]


# (group: high or extreme / low or moderate) per stratum, Black and minority ethnic (H) vs White (A):
#   clinical            H: 4 / 4    A: 2 / 6
#   conduct             H: 2 / 1    A: 1 / 5
#   clinical; conduct   H: 1 / 1    A: 0 / 2   (written "conduct;clinical": the same set of domains)
#   health              H: 1 / 0    A: none    (no White case: carries no information)
EXTRACT = cases_frame(
    cases("H", "clinical", low=2, moderate=2, high=3, extreme=1) + cases("A", "clinical", low=4, moderate=2, high=2)
    + cases("H", "conduct", low=1, high=2) + cases("A", "conduct", low=2, moderate=3, extreme=1)
    + cases("H", "clinical;conduct", low=1, high=1) + cases("A", "conduct;clinical", low=2)
    + cases("H", "health", high=1)
    + cases("Z", "clinical", low=1)
    + [{"date_received": RECEIVED, "ethnicity_code": "H", "concern_domains": "clinical"}]  # not triaged yet
)
STRATA = {  # [[a, b], [c, d]]: group high/extreme, group low/moderate; reference high/extreme, low/moderate
    "clinical": [[4, 4], [2, 6]], "conduct": [[2, 1], [1, 5]], "clinical; conduct": [[1, 1], [0, 2]],
}


def test_distribution_counts_and_row_percentages():
    table = risk_level_distribution(EXTRACT, dimension="ethnic_group_2", window=WINDOW)
    rows = table.set_index(["domain", "group"])
    assert table["domain"].drop_duplicates().tolist() == ["all domains", "clinical", "conduct", "health"]
    everything = rows.loc[("all domains", "Black and minority ethnic")]
    assert [everything[level] for level in LEVELS] == [4, 2, 7, 1]  # each case once
    assert (everything["total"], everything["no_risk_level"]) == (14, 1)
    clinical = rows.loc[("clinical", "Black and minority ethnic")]
    # clinical alone (2, 2, 3, 1) plus the two clinical-and-conduct cases (1 low, 1 high)
    assert [clinical[level] for level in LEVELS] == [3, 2, 4, 1] and clinical["total"] == 10
    assert [clinical[f"pct_{level}"] for level in LEVELS] == pytest.approx([30.0, 20.0, 40.0, 10.0])
    conduct = rows.loc[("conduct", "White")]
    assert [conduct[level] for level in LEVELS] == [4, 3, 0, 1] and conduct["pct_low"] == pytest.approx(50.0)
    # the not-stated group is shown, not dropped
    assert rows.loc[("all domains", "not_stated"), "low"] == 1
    assert "counts once in each of its domains" in table["method"].iloc[0]


def _mantel_haenszel_by_hand(strata: dict, z: float) -> dict:
    """The Mantel-Haenszel estimate, its Robins-Breslow-Greenland interval and the CMH statistic written out."""
    r = s = pr = ps_qr = qs = observed = expected = variance = 0.0
    for (a, b), (c, d) in strata.values():
        n = a + b + c + d
        p_, q_ = (a + d) / n, (b + c) / n
        r_, s_ = a * d / n, b * c / n
        r, s = r + r_, s + s_
        pr, ps_qr, qs = pr + p_ * r_, ps_qr + p_ * s_ + q_ * r_, qs + q_ * s_
        observed += a
        expected += (a + b) * (a + c) / n
        variance += (a + b) * (c + d) * (a + c) * (b + d) / (n**2 * (n - 1))
    odds = r / s
    se = math.sqrt(pr / (2 * r**2) + ps_qr / (2 * r * s) + qs / (2 * s**2))
    statistic = (observed - expected) ** 2 / variance
    return {"odds_ratio": odds, "lower": odds * math.exp(-z * se), "upper": odds * math.exp(z * se),
            "statistic": statistic, "p_value": stats.chi2.sf(statistic, 1)}


def test_common_odds_ratio_against_a_hand_computation():
    row = risk_level_association(EXTRACT, dimension="ethnic_group_2", reference="White", window=WINDOW).iloc[0]
    assert (row["group"], row["reference"], row["strata"]) == ("Black and minority ethnic", "White", 3)
    # n counts every rated case of the group, the health case (no White case to compare with) included
    assert (row["n"], row["high_extreme"], row["ref_n"], row["ref_high_extreme"]) == (14, 8, 16, 3)
    # Σ ad/n = 24/16 + 10/9 + 2/4 = 28/9; Σ bc/n = 8/16 + 1/9 + 0 = 11/18; OR = 56/11
    assert row["odds_ratio"] == pytest.approx(56 / 11)
    # CMH: Σ (a - (a+b)(a+c)/n) = (4 - 3) + (2 - 1) + (1 - 0.5) = 2.5; Σ var = 1 + 0.5 + 0.25 = 1.75;
    # statistic 2.5² / 1.75 = 25/7 = 3.571, p = 0.0588
    hand = _mantel_haenszel_by_hand(STRATA, stats.norm.ppf(0.975))
    assert hand["statistic"] == pytest.approx(25 / 7)
    for column in ("odds_ratio", "lower", "upper", "p_value"):
        assert row[column] == pytest.approx(hand[column], rel=1e-10), column
    # and statsmodels on the same three tables, as the measure calls it
    reference = StratifiedTable([np.array(t) for t in STRATA.values()])
    assert row["odds_ratio"] == pytest.approx(reference.oddsratio_pooled)
    assert row["p_value"] == pytest.approx(reference.test_null_odds().pvalue)
    assert row["lower"] < 1 < row["upper"] and row["verdict"] == "no clear difference"


def _mean_score_by_hand(counts: dict[str, tuple[list[int], list[int]]]) -> float:
    """Generalised CMH mean-score statistic, scores 1-4, each stratum written out (group row, reference row)."""
    difference = variance = 0.0
    for group, ref in counts.values():
        n1, n2 = sum(group), sum(ref)
        n = n1 + n2
        column = [g + r for g, r in zip(group, ref)]
        mean = sum(c * s for c, s in zip(column, (1, 2, 3, 4))) / n
        square = sum(c * s * s for c, s in zip(column, (1, 2, 3, 4))) / n
        difference += sum(g * s for g, s in zip(group, (1, 2, 3, 4))) - n1 * mean
        variance += n1 * n2 / (n - 1) * (square - mean**2)
    return difference**2 / variance


def test_ordinal_mean_score_test_against_a_hand_computation():
    row = risk_level_association(EXTRACT, dimension="ethnic_group_2", reference="White", window=WINDOW).iloc[0]
    counts = {  # low, moderate, high, extreme of each informative stratum
        "clinical": ([2, 2, 3, 1], [4, 2, 2, 0]),
        "conduct": ([1, 0, 2, 0], [2, 3, 0, 1]),
        "clinical; conduct": ([1, 0, 1, 0], [2, 0, 0, 0]),
    }
    assert row["ordinal_p"] == pytest.approx(stats.chi2.sf(_mean_score_by_hand(counts), 1), rel=1e-10)


def test_mean_score_statistic_reduces_to_known_forms():
    rng = np.random.default_rng(7)
    table = rng.integers(0, 15, size=(1, 2, 4))
    # one stratum: Q = (n - 1) r², r the Pearson correlation of the group indicator and the score
    group = np.repeat([1, 0], table[0].sum(axis=1))
    score = np.concatenate([np.repeat([1, 2, 3, 4], table[0, r]) for r in (0, 1)])
    q = (len(group) - 1) * np.corrcoef(group, score)[0, 1] ** 2
    assert mean_score_test(table) == pytest.approx(stats.chi2.sf(q, 1))
    # scores 0, 0, 1, 1 over several strata: the Cochran-Mantel-Haenszel test of high/extreme vs low/moderate
    tables = rng.integers(1, 12, size=(5, 2, 4))
    binary = [np.array([[t[0, 2:].sum(), t[0, :2].sum()], [t[1, 2:].sum(), t[1, :2].sum()]]) for t in tables]
    expected = StratifiedTable(binary).test_null_odds(correction=False).pvalue
    assert mean_score_test(tables, np.array([0.0, 0.0, 1.0, 1.0])) == pytest.approx(expected)


def test_not_calculable_and_groups_without_reference():
    white_only_low = cases_frame(cases("A", "clinical", low=5) + cases("H", "clinical", low=3, high=2))
    row = risk_level_association(white_only_low, dimension="ethnic_group_2", reference="White", window=WINDOW).iloc[0]
    assert np.isnan(row["odds_ratio"]) and row["verdict"] == "not calculable" and row["strata"] == 1
    five = risk_level_association(EXTRACT, dimension="ethnic_group_5", reference="White", window=WINDOW)
    assert five["group"].tolist() == ["Asian"]  # only groups with cases; the reference and not stated left out
    with pytest.raises(ValueError, match="reference 'uk' is not a ethnic_group_2 group"):
        risk_level_association(EXTRACT, dimension="ethnic_group_2", reference="uk", window=WINDOW)


def test_by_profession_tests_each_apart():
    dental = EXTRACT.assign(profession="dental", case_id=lambda d: d["case_id"] + "d")
    table = risk_level_association(pd.concat([EXTRACT, dental]), dimension="ethnic_group_2", reference="White",
                                   window=WINDOW, by=["profession"]).set_index("profession")
    assert table.loc["dental", "odds_ratio"] == pytest.approx(56 / 11) == table.loc["medical", "odds_ratio"]
    distribution = risk_level_distribution(pd.concat([EXTRACT, dental]), dimension="ethnic_group_2", window=WINDOW,
                                           by=["profession"])
    bme = distribution[(distribution["domain"] == "all domains") & (distribution["group"] == "Black and minority ethnic")]
    assert bme["profession"].tolist() == ["dental", "medical"]
    assert bme[list(LEVELS)].to_numpy().tolist() == [[4, 2, 7, 1], [4, 2, 7, 1]]


def test_one_triage_serves_every_table_of_the_same_cases():
    triage = Triage.of(EXTRACT, WINDOW)  # levels and domains read once, as a report of every dimension does
    for dimension in ("ethnic_group_2", "ethnic_group_5", "sex"):
        pd.testing.assert_frame_equal(risk_level_distribution(EXTRACT, dimension=dimension, window=WINDOW, triage=triage),
                                      risk_level_distribution(EXTRACT, dimension=dimension, window=WINDOW))
    shared = risk_level_association(EXTRACT, dimension="ethnic_group_2", reference="White", window=WINDOW, triage=triage)
    assert shared["odds_ratio"].iloc[0] == pytest.approx(56 / 11)
    other = rolling_window(FinancialQuarter.parse("2022/23 Q4"), 2)
    with pytest.raises(ValueError, match="triage was worked out for other cases or another window"):
        risk_level_distribution(EXTRACT, dimension="sex", window=other, triage=triage)
    with pytest.raises(ValueError, match="triage was worked out for other cases or another window"):
        risk_level_association(EXTRACT.iloc[:-1], dimension="sex", reference="male", window=WINDOW, triage=triage)


# --- against the synthetic generator's ground truth ------------------------------------------------

@pytest.mark.parametrize("effects", ["default", "none"])
def test_demo_risk_levels_are_not_found_to_differ(effects):
    """The generator draws risk levels the same way for everyone (ground truth: common odds ratio 1):
    the interval covers 1 and nothing is flagged for ethnicity (2 groups) or place of qualification."""
    from lotus_analytics.synthetic import Effects, generate

    extract = generate(seed=2026, effects=Effects() if effects == "default" else Effects.none())
    truth = extract.ground_truth["triage_risk"]["common_odds_ratio"]
    window = rolling_window(latest_complete_quarter(extract.extract_date), 2)
    for dimension, reference in (("ethnic_group_2", "White"), ("pmq_region", "uk")):
        table = risk_level_association(extract.cases, dimension=dimension, reference=reference, window=window)
        assert (table["lower"] <= truth).all() and (truth <= table["upper"]).all()
        assert (table["verdict"] == "no clear difference").all()
