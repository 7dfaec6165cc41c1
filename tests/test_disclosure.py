"""Disclosure control (METHODS.md §4): worked tables and property tests of suppression and rounding."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lotus_analytics.disclosure import (
    ENTRY_RL_SPEC,
    OVERDUE_ACTIONS_SPEC,
    SUPPRESSED,
    TRIAGE_TIMELINESS_SPEC,
    DisclosureSpec,
    apply_disclosure,
    disclosure_mode,
)


def grid(rows: list[list[int]]) -> tuple[pd.DataFrame, DisclosureSpec]:
    """Parts p0.. per row, a row-total column `all` and a final total row, as a publishable table."""
    parts = [f"p{i}" for i in range(len(rows[0]))]
    body = pd.DataFrame(rows, columns=parts)
    body["all"] = body.sum(axis=1)
    body.loc[len(body)] = body.sum()
    body.insert(0, "level", [f"r{i}" for i in range(len(rows))] + ["total"])
    return body, DisclosureSpec(counts=(*parts, "all"), row_totals={"all": tuple(parts)}, total_row_key="level")


def test_worked_secondary_suppression():
    table, spec = grid([[3, 20], [12, 30], [15, 40]])
    out = apply_disclosure(table, spec, mode="publication").set_index("level")
    # r1.a = 3 is primary; its row then hides b = 20, column p0 hides 12, column p1 hides 30.
    assert out.loc["r0", ["p0", "p1", "all"]].tolist() == [SUPPRESSED, SUPPRESSED, 25]
    assert out.loc["r1", ["p0", "p1", "all"]].tolist() == [SUPPRESSED, SUPPRESSED, 40]
    assert out.loc["r2", ["p0", "p1", "all"]].tolist() == [15, 40, 55]
    assert out.loc["total", ["p0", "p1", "all"]].tolist() == [30, 90, 120]
    assert out.loc["r0", "note"] == "* = fewer than 8 cases; * = hidden so that another cell cannot be worked out from a total"
    assert out.loc["r1", "note"] == "* = hidden so that another cell cannot be worked out from a total"
    assert out.loc["r2", "note"] == ""


def test_worked_triage_table_rates_from_rounded_counts():
    t1 = pd.DataFrame({
        "period": ["a", "b", "c", "d"], "n": [20, 5, 0, 23], "within_target": [6, 5, 0, 12],
        "median": [3.0, 2.0, np.nan, 4.5], "p90": [9.0, 4.0, np.nan, 11.0], "median_calendar_days": [5.0, 3.0, np.nan, 7.0],
        "pct_within_target": [30.0, 100.0, np.nan, 1200 / 23], "still_waiting": [8, 1, 0, 13],
    })
    out = apply_disclosure(t1, TRIAGE_TIMELINESS_SPEC, mode="publication")
    assert out["n"].tolist() == [20, SUPPRESSED, 0, 25]
    assert out["within_target"].tolist() == [SUPPRESSED, SUPPRESSED, 0, 10]
    assert out["pct_within_target"].iloc[0] == SUPPRESSED and out["pct_within_target"].iloc[1] == SUPPRESSED
    assert np.isnan(out["pct_within_target"].iloc[2])
    assert out["pct_within_target"].iloc[3] == pytest.approx(40.0)  # 10 / 25, not 12 / 23
    assert out["median"].tolist()[:2] == [3.0, SUPPRESSED] and out["p90"].iloc[1] == SUPPRESSED
    assert out["still_waiting"].tolist() == [10, SUPPRESSED, 0, 15]
    assert out["note"].iloc[1] == "* = fewer than 8 cases" and out["note"].iloc[3] == ""
    assert disclosure_mode(out) == "publication" and out.attrs["disclosure"] == "publication"


def test_worked_ratio_hidden_when_either_group_has_few_cases():
    rl = pd.DataFrame({
        "events": [5, 40, 40], "headcount": [300, 400, 800], "ref_events": [60, 60, 4], "ref_headcount": [1000, 1000, 900],
        "rate": [50 / 3, 100.0, 50.0], "ref_rate": [60.0, 60.0, 40 / 9],
        "ratio": [0.28, 1.67, 11.25], "lower": [0.1, 1.1, 4.0], "upper": [0.7, 2.5, 31.0],
        "fisher_p": [0.001, 0.02, 0.0001], "verdict": ["lower", "higher", "higher"],
    })
    out = apply_disclosure(rl, ENTRY_RL_SPEC, mode="publication")
    for column in ("ratio", "lower", "upper", "fisher_p", "verdict"):
        assert out[column].tolist()[0] == SUPPRESSED and out[column].tolist()[2] == SUPPRESSED
    assert out.loc[1, ["ratio", "verdict"]].tolist() == [1.67, "higher"]
    assert out.loc[1, "rate"] == pytest.approx(100.0) and out.loc[0, "rate"] == SUPPRESSED
    assert out.loc[1, "headcount"] == 400 and out.loc[2, "ref_events"] == SUPPRESSED
    assert "fewer than 8 cases" in out.loc[0, "note"]


def test_internal_mode_changes_nothing_but_marks_the_table():
    table, spec = grid([[3, 20], [12, 30]])
    out = apply_disclosure(table, spec, mode="internal")
    pd.testing.assert_frame_equal(out.drop(columns="disclosure"), table.reset_index(drop=True))
    assert disclosure_mode(out) == "internal" and out["disclosure"].iloc[0].startswith("internal")
    assert disclosure_mode(table) is None


@pytest.mark.parametrize(
    ("table", "spec", "mode", "message"),
    [
        (pd.DataFrame({"n": [1]}), TRIAGE_TIMELINESS_SPEC, "publication", "no column .*median"),
        (pd.DataFrame({"n": [1]}), DisclosureSpec(counts=("n",)), "public", "mode must be one of"),
        (pd.DataFrame({"system_level": ["local"], **{c: [1] for c in OVERDUE_ACTIONS_SPEC.counts}}),
         OVERDUE_ACTIONS_SPEC, "publication", "exactly one 'total' row"),
    ],
)
def test_bad_tables_get_clear_messages(table, spec, mode, message):
    with pytest.raises(ValueError, match=message):
        apply_disclosure(table, spec, mode=mode)


# --- property tests -------------------------------------------------------------------------------

small_or_large = st.one_of(st.integers(0, 9), st.integers(0, 80))
grids = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(small_or_large, min_size=width, max_size=width), min_size=1, max_size=5)
)


def total_lines(out: pd.DataFrame, spec: DisclosureSpec) -> list[list[object]]:
    """Every row (parts with their total) and every column (rows with the total row) of a grid."""
    rows = [list(out.loc[i, list(spec.counts)]) for i in out.index]
    columns = [list(out[c]) for c in spec.counts]
    return rows + columns


@settings(max_examples=150, deadline=None)
@given(grids)
def test_published_counts_are_never_1_to_7_and_are_multiples_of_5(rows):
    table, spec = grid(rows)
    out = apply_disclosure(table, spec, mode="publication")
    shown = [v for c in spec.counts for v in out[c] if v != SUPPRESSED]
    assert all(not 1 <= v <= 7 for v in shown)
    assert all(v % 5 == 0 for v in shown)


@settings(max_examples=150, deadline=None)
@given(grids)
def test_no_suppressed_cell_recoverable_by_subtraction(rows):
    table, spec = grid(rows)
    out = apply_disclosure(table, spec, mode="publication")
    for line in total_lines(out, spec):
        # With every other cell of a row or column shown, total - others would give the hidden one.
        assert sum(v == SUPPRESSED for v in line) != 1


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.floats(0, 1)), min_size=1, max_size=8))
def test_percentages_recomputed_from_published_counts(pairs):
    n = [p[0] for p in pairs]
    within = [int(p[0] * p[1]) for p in pairs]
    t1 = pd.DataFrame({"n": n, "within_target": within, "still_waiting": 0, "median": 1.0, "p90": 2.0,
                       "median_calendar_days": 1.0, "pct_within_target": [100 * w / k if k else np.nan for w, k in zip(within, n)]})
    out = apply_disclosure(t1, TRIAGE_TIMELINESS_SPEC, mode="publication")
    for _, row in out.iterrows():
        if SUPPRESSED in (row["n"], row["within_target"]):
            assert row["pct_within_target"] == SUPPRESSED
        elif row["n"]:
            assert row["pct_within_target"] == pytest.approx(100 * row["within_target"] / row["n"])
        if row["n"] == SUPPRESSED:
            assert row["median"] == SUPPRESSED and row["p90"] == SUPPRESSED


def test_every_measure_table_passes_its_spec_on_the_demo_extract():
    from lotus_analytics.disclosure import NOT_STATED_SHARE_SPEC
    from lotus_analytics.inequalities import entry_relative_likelihood, not_stated_share
    from lotus_analytics.lessons import overdue_actions
    from lotus_analytics.periods import latest_complete_quarter, rolling_window
    from lotus_analytics.synthetic import generate
    from lotus_analytics.timeliness import triage_timeliness
    from lotus_analytics.workdays import bank_holidays

    extract = generate(seed=2026)
    quarter = latest_complete_quarter(extract.extract_date)
    window = rolling_window(quarter, 2)
    tables = [
        (triage_timeliness(extract.cases, period="month", target_working_days=5, holidays=bank_holidays(),
                           by=["icb_code"]), TRIAGE_TIMELINESS_SPEC),
        (entry_relative_likelihood(extract.cases, extract.workforce, dimension="ethnic_group_5", reference="White",
                                   window=window, by=["profession"]), ENTRY_RL_SPEC),
        (not_stated_share(extract.cases, extract.workforce, dimension="ethnic_group_2", window=window), NOT_STATED_SHARE_SPEC),
        (overdue_actions(extract.actions, as_of=quarter.end), OVERDUE_ACTIONS_SPEC),
    ]
    for table, spec in tables:
        out = apply_disclosure(table, spec, mode="publication")
        shown = [v for c in spec.counts for v in out[c] if v != SUPPRESSED and v is not None]
        assert shown and all(v % 5 == 0 and not 1 <= v <= 7 for v in shown)
        assert disclosure_mode(out) == "publication" and len(out) == len(table)
    t1 = apply_disclosure(tables[0][0], TRIAGE_TIMELINESS_SPEC, mode="publication")
    assert (t1["n"] == SUPPRESSED).any() and (t1["median"] == SUPPRESSED).any()  # small ICB months exist
