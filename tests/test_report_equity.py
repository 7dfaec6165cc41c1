"""The equity family of the report (issue 4): ground truth recovered, disclosure control across the
linked tables, organisations published without the cells that give counts back, the headline."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from lotus_analytics.config import load_config
from lotus_analytics.disclosure import SUPPRESSED
from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.reports.equity_figures import headline, largest_gap
from lotus_analytics.reports.linked import hidden_per_line, link_entry_tables
from lotus_analytics.reports.tables import Scope, published_tables
from lotus_analytics.store import load_store

SCOPE = Scope(FinancialQuarter.parse("2026/27 Q2"), "North West")
WINDOW = "2 years to 2026/27 Q2"


@pytest.fixture(scope="module")
def published(ingested) -> dict[str, pd.DataFrame]:
    return published_tables(load_store(ingested.store), SCOPE, load_config(), families=["overview", "equity"])


def _truth(ingested, dimension: str) -> dict[str, float]:
    return ingested.extract.ground_truth["entry"]["windows"][WINDOW]["relative_likelihood"][dimension]


@pytest.mark.parametrize(("dimension", "group"), [("ethnic_group_2", "Black and minority ethnic"),
                                                  ("pmq_region", "international"),
                                                  ("ethnic_group_2_pmq_region",
                                                   "Black and minority ethnic, internationally qualified")])
def test_injected_entry_ratios_lie_inside_the_published_intervals(ingested, published, dimension, group):
    row = published["equity_entry"].set_index(["dimension", "group"]).loc[(dimension, group)]
    assert float(row["lower"]) <= _truth(ingested, dimension)[group] <= float(row["upper"])
    assert row["verdict"] == "higher"


def test_injected_progression_ratio_lies_inside_the_published_interval(ingested, published):
    truth = ingested.extract.ground_truth["progression"]["ratio"]["ethnic_group_2"]["Black and minority ethnic"]
    rows = published["equity_progression"].set_index(["dimension", "transition", "group"])
    row = rows.loc[("ethnic_group_2", "PAG → investigation", "Black and minority ethnic")]
    assert float(row["ratio_lower"]) <= truth <= float(row["ratio_upper"])


@pytest.mark.parametrize(("icb", "profession"), itertools.product([None, "QOP", "QE1"], [None, "dental", "ophthalmic"]))
def test_no_linked_line_has_exactly_one_hidden_cell(ingested, icb, profession):
    """Groups + reference + not stated = the published total: a line with one hidden cell would give it back."""
    scope = Scope(SCOPE.quarter, SCOPE.region, icb=icb, profession=profession)
    tables = published_tables(load_store(ingested.store), scope, load_config(), families=["overview", "equity"])
    lines = hidden_per_line(tables)
    assert lines and 1 not in lines
    entry = tables["equity_entry"].set_index(["dimension", "group"])
    for name in ("entry_likelihood", "equity_trend"):  # the same cells hidden wherever they are repeated
        other = tables[name]
        if name == "equity_trend":
            other = other[other["quarter"] == other["quarter"].iloc[-1]]
        other = other.set_index(["dimension", "group"])
        for column in ("events", "headcount", "ratio"):
            assert ((entry.loc[other.index, column] == SUPPRESSED) == (other[column] == SUPPRESSED)).all()


def _hand_tables(events: list[object], ref: object, not_stated: object) -> dict[str, pd.DataFrame]:
    groups = [f"g{i}" for i in range(len(events))]
    ratios = pd.DataFrame({"dimension": "d", "group": groups, "events": events, "ref_events": ref,
                           "headcount": 1000, "ref_headcount": 5000, "rate": 1.0, "ref_rate": 1.0, "ratio": 1.0,
                           "lower": 0.5, "upper": 2.0, "fisher_p": 0.5, "verdict": "within", "note": ""})
    shares = pd.DataFrame({"dimension": "d", "source": ["cases", "workforce"], "value": "not_stated",
                           "count": [not_stated, 40], "total": [500, 12000], "share": [0.1, 0.01], "note": ""})
    return {"equity_entry": ratios, "equity_not_stated": shares}


def test_worked_linked_suppression_hides_the_next_smallest_cell():
    out = link_entry_tables(_hand_tables(["*", 30, 20, 45], 300, 25))
    assert list(out["equity_entry"]["events"]) == ["*", 30, "*", 45]  # 20 is the smallest shown
    assert out["equity_entry"].loc[2, "ratio"] == "*" and out["equity_entry"].loc[1, "ratio"] == 1.0
    assert out["equity_not_stated"].loc[0, "count"] == 25


def test_worked_linked_suppression_uses_not_stated_when_no_group_is_left():
    out = link_entry_tables(_hand_tables(["*"], 300, 25))
    assert out["equity_not_stated"].loc[0, "count"] == "*" and out["equity_not_stated"].loc[0, "share"] == "*"
    assert out["equity_entry"].loc[0, "ref_events"] == 300  # the reference is hidden only as a last resort


def test_units_are_published_without_their_own_limits_or_expected_counts(published):
    assert not {"lower_95", "upper_95", "lower_99_8", "upper_99_8"} & set(published["equity_funnel"].columns)
    assert "expected" not in published["equity_isr"].columns
    assert set(published["equity_funnel"]["unit"]) == {"QE1", "QOP", "QYG"}


def test_headline_names_the_largest_credible_gap_and_the_power(published):
    gap = largest_gap(published["equity_entry"], published["equity_progression"])
    flagged = published["equity_entry"][published["equity_entry"]["verdict"] == "higher"]
    assert float(gap["lower"]) == max(float(v) for v in flagged["lower"])  # the interval furthest above 1
    text = headline(published["equity_entry"], published["equity_progression"],
                    ineq=load_config().inequalities, window="1 October 2024 to 30 September 2026")
    assert f"{float(gap['ratio']):.2f} times as likely" in text and f"interval {float(gap['lower']):.2f} to" in text
    assert "flagged in 100% of validation extracts" in text
