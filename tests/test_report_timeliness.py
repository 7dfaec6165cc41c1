"""The timeliness family of the report (issue 3), checked against the generator's ground truth and
against counts made here, independently, from the synthetic extract's rows."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lotus_analytics.config import load_config
from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.reports.tables import Scope, measure_tables, published_tables
from lotus_analytics.reports.timeliness_figures import timeliness_html
from lotus_analytics.store import load_store

Q_END = pd.Timestamp("2026-09-30")
WINDOW_START = pd.Timestamp("2024-10-01")
SCOPE = Scope(FinancialQuarter.parse("2026/27 Q2"), "North West")


@pytest.fixture(scope="module")
def raw(ingested) -> dict[str, pd.DataFrame]:
    return measure_tables(load_store(ingested.store), SCOPE, load_config(), families=["timeliness"])


def _current_run_start(table: pd.DataFrame) -> str:
    """The first month of the unbroken run of the last point's variation."""
    types = table["point_type"].to_numpy()
    different = np.flatnonzero(types != types[-1])
    return table["period"].iloc[different[-1] + 1 if different.size else 0]


def test_injected_triage_step_is_special_cause_improvement_from_its_month(ingested, raw):
    step = ingested.extract.ground_truth["effects"]["triage_step_month"]
    t1 = raw["spc_t1"]
    assert t1["point_type"].iloc[-1] == "special_cause_improvement"
    assert _current_run_start(t1) == step == "2024-10"
    before = t1[t1["period"] < step]
    assert (before["point_type"] != "special_cause_improvement").all()  # no improvement before the step


def test_rebased_at_the_policy_month_the_limits_restart_there(ingested):
    config = load_config(overrides={"spc.rebase_at": ["2024-10"]})
    t1 = measure_tables(load_store(ingested.store), SCOPE, config, families=["timeliness"])["spc_t1"]
    first_new = t1.index[t1["period"] == "2024-10"][0]
    assert t1["rebase_group"].iloc[first_new] == t1["rebase_group"].iloc[first_new - 1] + 1
    after = t1.iloc[first_new:]
    assert after["mean"].nunique() == 1 and after["mean"].iloc[0] < t1["mean"].iloc[0]


def test_closure_and_open_cases_match_rows_of_the_extract(ingested, raw):
    cases = ingested.extract.cases
    closed_by = cases["date_closed"] <= Q_END
    cohort = cases[(cases["date_received"] >= WINDOW_START) & (cases["date_received"] <= Q_END)]
    km = raw["closure_km"].iloc[0]
    assert (km["n"], km["closed"]) == (len(cohort), int((cohort["date_closed"] <= Q_END).sum()))
    open_then = cases[(cases["date_received"] <= Q_END) & ~closed_by]
    ages = raw["open_case_ages"].iloc[0]
    assert ages["open_cases"] == len(open_then)
    months = (Q_END.year - open_then["date_received"].dt.year) * 12 + Q_END.month - open_then["date_received"].dt.month
    # no adjustment for the day: 30 September is a month end, so every month begun by then has passed
    assert ages["months_24_plus"] == int((months >= 24).sum())
    assert ages["months_0_3"] == int((months < 3).sum())


def test_headline_t4_this_quarter_is_the_median_of_its_closures(ingested, raw):
    cases = ingested.extract.cases
    closed = cases[(cases["date_closed"] >= pd.Timestamp("2026-07-01")) & (cases["date_closed"] <= Q_END)]
    t4 = raw["timeliness_headline"].set_index("measure").loc["T4"]
    assert t4["n_this"] == len(closed)
    assert t4["median_this"] == (closed["date_closed"] - closed["date_received"]).dt.days.median()


def test_contact_gap_case_list_only_in_internal_mode(ingested):
    store = load_store(ingested.store)
    internal = published_tables(store, SCOPE, load_config(overrides={"report.disclosure_mode": "internal"}),
                                families=["timeliness"])
    public = published_tables(store, SCOPE, load_config(), families=["timeliness"])
    listed = internal["contact_gap_cases"]
    assert "contact_gap_cases" not in public
    assert len(listed) == internal["contact_gaps"]["over_target"].iloc[0] > 0
    assert (listed["gap_days"] > 28).all()
    assert set(listed["case_id"]) <= set(ingested.extract.cases["case_id"])


def test_without_updates_the_section_says_not_supplied_and_t3_comes_from_cases(ingested, tmp_path):
    shutil.copytree(ingested.store, tmp_path / "store")
    (tmp_path / "store" / "updates.parquet").unlink()
    store = load_store(tmp_path / "store")
    assert store.updates is None
    config = load_config()
    tables = published_tables(store, SCOPE, config, families=["timeliness"])
    assert "contact_gaps" not in tables
    assert "date_outcome" in tables["timeliness_headline"].set_index("measure").loc["T3", "method"]
    parts = timeliness_html(tables, window="w", target_gap_days=28, disclosure=config.disclosure)
    assert "Not supplied: the extract has no updates table" in parts["Open cases"]


def test_hidden_latest_month_shows_no_icon_and_says_why(ingested):
    """A view so narrow that the last month of a median rests on 1-7 cases: no value, icon or variation."""
    scope = replace(SCOPE, icb="QOP", profession="dental")
    config = load_config()
    tables = published_tables(load_store(ingested.store), scope, config, families=["timeliness"])
    t2 = tables["spc_t2"]
    assert t2["value"].iloc[-1] == "*" and t2["point_type"].iloc[-1] == "*"
    html = timeliness_html(tables, window="w", target_gap_days=28, disclosure=config.disclosure,
                           series=("spc_t2",))["Statistical process control"]
    assert "rests on fewer than 8 cases, so its value and variation are not shown" in html
    assert not re.search(r'aria-label="(Common cause|Special cause)', html)


def test_by_group_rows_add_up_to_the_headline_and_match_the_extract(ingested, raw):
    groups, headline = raw["timeliness_by_group"], raw["timeliness_headline"].set_index("measure")
    for (measure, grouping), rows in groups.groupby(["measure", "grouping"]):
        assert rows["n"].sum() == headline.loc[measure, "n_this"], (measure, grouping)
    cases = ingested.extract.cases
    closed = cases[(cases["date_closed"] >= pd.Timestamp("2026-07-01")) & (cases["date_closed"] <= Q_END)]
    dental = groups[(groups["measure"] == "T4") & (groups["group"] == "dental")].iloc[0]
    mine = closed[closed["profession"] == "dental"]
    assert dental["n"] == len(mine)
    assert dental["median"] == (mine["date_closed"] - mine["date_received"]).dt.days.median()
