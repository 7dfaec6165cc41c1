"""The keeping-informed family of the report (issue 5 item 3): tables checked against counts made here from
the synthetic extract's rows, against the timeliness family's own T6, through disclosure control, and
without the updates table."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pandas as pd
import pytest

from lotus_analytics.config import load_config
from lotus_analytics.disclosure import SUPPRESSED, apply_disclosure
from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.reports.informed_figures import HEADINGS, informed_html
from lotus_analytics.reports.informed_tables import SPECS, TITLES, informed_tables
from lotus_analytics.reports.inputs import Inputs, Scope
from lotus_analytics.reports.timeliness_tables import timeliness_tables
from lotus_analytics.store import load_store

SCOPE = Scope(FinancialQuarter.parse("2026/27 Q2"), "North West")
Q_START, Q_END = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
NEEDS_UPDATES = ("informed_contact_by_quarter", "informed_contact_by_group", "informed_contact_equity")


def _publish(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: apply_disclosure(frame, SPECS[name], mode="publication") for name, frame in tables.items()}


@pytest.fixture(scope="module")
def inputs(ingested) -> Inputs:
    return Inputs(load_store(ingested.store), SCOPE, load_config())


@pytest.fixture(scope="module")
def raw(inputs) -> dict[str, pd.DataFrame]:
    return informed_tables(inputs)


def test_every_table_is_named_titled_and_passes_its_disclosure_spec(raw):
    assert set(raw) == set(TITLES) == set(SPECS)
    assert all(name.startswith("informed_") for name in raw)
    for name, table in raw.items():
        assert len(table) > 0 and table["method"].notna().all(), name  # each says how it was made
    assert set(_publish(raw)) == set(raw)  # every count and statistic named in the specs exists


def test_letters_this_quarter_match_the_extract_rows(ingested, raw):
    updates = ingested.extract.updates
    letters = updates[(updates["update_type"] == "post_meeting_outcome")
                      & updates["meeting"].isin(["pag", "decision_panel", "hearing"])
                      & updates["date_sent"].between(Q_START, Q_END)]
    row = raw["informed_letters_by_quarter"].set_index("quarter").loc["2026/27 Q2"]
    assert row["n"] == len(letters) > 0 and row["source"] == "updates" and row["meeting_not_recorded"] == 0
    assert not letters["meeting"].eq("triage").any()


def test_every_view_of_the_letters_adds_up_to_the_window_total(inputs, raw):
    total = raw["informed_letters_by_quarter"]["n"].sum()
    assert len(raw["informed_letters_by_quarter"]) == 8  # the rolling window's quarters, the default lessons range
    for grouping, rows in raw["informed_letters_by_group"].groupby("grouping"):
        assert rows["n"].sum() == total, grouping
    for dimension, rows in raw["informed_letters_equity"].groupby("dimension"):
        assert rows["n"].sum() + rows["ref_n"].iloc[0] == total, dimension  # the reference is in ref_n only


def test_contact_at_the_quarter_end_is_the_timeliness_t6(inputs, raw):
    t6 = timeliness_tables(inputs, by_group=False)["contact_gaps"].iloc[0]
    ours = raw["informed_contact_by_quarter"].iloc[-1]
    assert (ours["quarter"], ours["as_of"]) == ("2026/27 Q2", Q_END)
    assert (ours["open_cases"], ours["over_target"], ours["median_gap_days"]) == (
        t6["open_cases"], t6["over_target"], t6["median_gap_days"])
    by_icb = raw["informed_contact_by_group"]
    assert by_icb[by_icb["grouping"] == "ICB"]["open_cases"].sum() == t6["open_cases"]


def test_support_counts_cover_the_cases_received_in_the_window(ingested, raw):
    cases = ingested.extract.cases
    received = cases[cases["date_received"].between(pd.Timestamp("2024-10-01"), Q_END)]
    support = raw["informed_support_by_quarter"]
    named = support[support["measure"] == "named contact"]
    assert (named["known"] + named["unknown"]).sum() == len(received)
    assert named["yes"].sum() == int(received["named_contact"].eq(True).sum())
    assert named["unknown"].sum() == int(received["named_contact"].isna().sum())  # unknown is not "no"
    signposted = support[support["measure"] == "support signposted"]
    assert signposted["yes"].sum() >= int(received["wellbeing_support_offered"].eq(True).sum())  # letters add to it


def _is_published_count(value: object) -> bool:
    return value == SUPPRESSED or value is None or (isinstance(value, int) and value % 5 == 0)


def test_published_tables_hide_small_counts_and_what_rests_on_them(ingested):
    """A narrow view (one ICB, dental): small groups are hidden, with their medians, shares and ratios."""
    scope = replace(SCOPE, icb="QOP", profession="dental")
    published = _publish(informed_tables(Inputs(load_store(ingested.store), scope, load_config())))
    hidden = 0
    for name, table in published.items():
        for column in SPECS[name].counts:
            assert table[column].map(_is_published_count).all(), (name, column)
            hidden += int((table[column] == SUPPRESSED).sum())
    assert hidden > 0
    letters = published["informed_letters_equity"]
    small = letters["n"] == SUPPRESSED
    assert small.any() and (letters.loc[small, ["median", "pct_within_target", "ratio", "verdict"]] == SUPPRESSED).all().all()
    support = published["informed_support_by_group"]
    one_hidden = (support[["yes", "no", "unknown"]] == SUPPRESSED).sum(axis=1)
    assert not (one_hidden == 1).any()  # never a single hidden part of a shown total: a second one goes with it


def test_html_draws_every_part_from_published_tables(raw):
    config = load_config()
    parts = informed_html(_publish(raw), config=config)
    assert tuple(parts) == HEADINGS
    for heading, fragment in parts.items():
        assert re.search(r'<svg role="img" aria-label="[^"]{40,}"', fragment), heading
        assert "<table" in fragment, heading
    assert "Ethnicity (2 groups): each group against White" in parts["By demographic group"]
    assert "Place of primary qualification" in parts["By demographic group"]


def test_without_updates_contact_is_not_supplied_and_letters_come_from_cases(ingested, tmp_path):
    shutil.copytree(ingested.store, tmp_path / "store")
    (tmp_path / "store" / "updates.parquet").unlink()
    store = load_store(tmp_path / "store")
    assert store.updates is None
    tables = informed_tables(Inputs(store, SCOPE, load_config()))
    assert not set(NEEDS_UPDATES) & set(tables)
    assert set(tables["informed_letters_by_quarter"]["source"]) == {"cases"}
    named = tables["informed_support_by_quarter"]
    assert named["known"].sum() > 0
    parts = informed_html(_publish(tables), config=load_config())
    assert "Not supplied: the extract has no updates table." in parts["Contact while a case is open"]
    assert "Not supplied: the extract has no updates table" in parts["By demographic group"]
    assert "From the cases (the extract has no updates table)" in parts["Told the outcome after meetings"]
