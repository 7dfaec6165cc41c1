"""Row-level rules: each hand-made bad row lands in quarantine with the right rule, column and row number."""

from __future__ import annotations

import pandas as pd
import pytest
from ingest_helpers import EXTRACT_DATE, found, quarantine, rows, write_extract

from lotus_analytics.ingest import ingest
from lotus_analytics.store import load_store

CASE_FAULTS = [
    ({"sex": "unknown"}, "enum", "sex"),
    ({"concern_domains": "clinical;gossip"}, "enum", "concern_domains"),
    ({"icb_code": "X12"}, "pattern", "icb_code"),
    ({"risk_severity": "7"}, "range", "risk_severity"),
    ({"risk_severity": "high"}, "type", "risk_severity"),
    ({"suspended": "perhaps"}, "type", "suspended"),
    ({"date_received": "03/25/2024"}, "date_format", "date_received"),
    ({"date_received": ""}, "required", "date_received"),
    ({"date_triaged": "31/01/2024"}, "date_order", "date_triaged"),
    ({"date_closed": "01/01/2025"}, "future_date", "date_closed"),
    ({"risk_level": "high"}, "consistency", "risk_level"),
]


OTHER_FAULTS = [
    ("workforce", {"period": "2023-24"}, "pattern", "period"),
    ("workforce", {"headcount": "-1"}, "range", "headcount"),
    ("updates", {"update_type": "post_meeting_outcome", "meeting": "pag"}, "consistency", "date_meeting"),
    ("updates", {"date_meeting": "2024-03-01", "date_sent": "2024-02-20"}, "date_order", "date_sent"),
    ("updates", {"date_sent": "2024-01-15"}, "date_order", "date_sent"),
    ("updates", {"case_id": "C404"}, "foreign_key", "case_id"),
    ("actions", {"status": "done"}, "consistency", "date_completed"),
    ("actions", {"date_completed": "2024-07-01"}, "consistency", "date_completed"),
    ("actions", {"date_due": "2024-06-01"}, "date_order", "date_due"),
    ("reviews", {"review_type": "solo"}, "enum", "review_type"),
]


@pytest.fixture(scope="module")
def faulty_store(tmp_path_factory):
    """One extract: a valid first row per table, then one bad row per planted fault (file row = 3, 4, ...)."""
    root = tmp_path_factory.mktemp("rules")
    tables = {"cases": rows("cases", {}, *(change for change, _, _ in CASE_FAULTS))}
    for table in ("workforce", "updates", "reviews", "actions"):
        tables[table] = rows(table, {}, *(change for t, change, _, _ in OTHER_FAULTS if t == table))
    result = ingest(write_extract(root / "x", tables), root / "store", extract_date=EXTRACT_DATE)
    return root / "store", result


def _expected(table: str) -> set[tuple[int, str, str]]:
    listed = [(rule, column) for change, rule, column in CASE_FAULTS] if table == "cases" else \
        [(rule, column) for t, _, rule, column in OTHER_FAULTS if t == table]
    return {(row, rule, column) for row, (rule, column) in enumerate(listed, start=3)}


@pytest.mark.parametrize("table", ["cases", "workforce", "updates", "reviews", "actions"])
def test_each_bad_row_is_quarantined_with_its_rule_column_and_row(faulty_store, table):
    store, result = faulty_store
    assert found(store, table) == _expected(table)
    entry = result.manifest["tables"][table]
    assert entry["rows_quarantined"] == len(_expected(table)) and entry["rows_stored"] == 1
    assert entry["rows_read"] == entry["rows_stored"] + entry["rows_quarantined"]


def test_manifest_counts_quarantined_rows_by_table_and_rule(faulty_store):
    _, result = faulty_store
    assert result.manifest["quarantine"]["updates"] == {"date_order": 2, "foreign_key": 1, "consistency": 1}
    assert result.manifest["quarantine"]["cases"]["enum"] == 2
    assert result.manifest["rows_read"] == result.manifest["rows_stored"] + result.manifest["rows_quarantined"]


def test_duplicate_key_keeps_the_first_copy_and_quarantines_later_ones(tmp_path):
    cases = rows("cases", {}, {}, {}) + [dict(rows("cases", {})[0], sex="male"), dict(rows("cases", {})[0], sex="male")]
    ingest(write_extract(tmp_path / "x", {"cases": cases}), tmp_path / "store", extract_date=EXTRACT_DATE)
    assert found(tmp_path / "store", "cases") == {(5, "unique", "case_id"), (6, "unique", "case_id")}
    stored = load_store(tmp_path / "store").cases
    assert stored.loc[stored.case_id == "C1", "sex"].tolist() == ["female"]


def test_children_of_a_quarantined_row_become_orphans(tmp_path):
    extract = write_extract(tmp_path / "x", {
        "reviews": rows("reviews", {"themes": "not_a_theme"}),
        "actions": rows("actions", {}),
        "updates": rows("updates", {"case_id": "C1_1"}),
        "cases": rows("cases", {}, {"sex": "x"}),
    })
    result = ingest(extract, tmp_path / "store", extract_date=EXTRACT_DATE)
    assert found(tmp_path / "store", "reviews") == {(2, "enum", "themes")}
    assert found(tmp_path / "store", "actions") == {(2, "foreign_key", "review_id")}
    assert found(tmp_path / "store", "updates") == {(2, "foreign_key", "case_id")}
    assert result.manifest["rows_stored"] == 2  # one case, one workforce row


def test_a_row_breaking_several_rules_appears_once_with_all_of_them(tmp_path):
    cases = rows("cases", {"sex": "x", "age_band": "", "risk_likelihood": "0"})
    extract = write_extract(tmp_path / "x", {"cases": cases})
    result = ingest(extract, tmp_path / "store", extract_date=EXTRACT_DATE)
    q = quarantine(tmp_path / "store", "cases")
    assert len(q) == 1 and result.manifest["tables"]["cases"]["rows_quarantined"] == 1
    expected = {(2, "enum", "sex"), (2, "required", "age_band"), (2, "range", "risk_likelihood")}
    assert found(tmp_path / "store", "cases") == expected
    assert len(q.loc[0, "message"].split("; ")) == 3 and "'x'" in q.loc[0, "message"]


def test_quarantine_keeps_the_original_text_and_source(tmp_path):
    cases = rows("cases", {}, {"date_received": "03/25/2024", "sex": " Female "})
    extract = write_extract(tmp_path / "x", {"cases": cases})
    ingest(extract, tmp_path / "store", extract_date=EXTRACT_DATE)
    q = quarantine(tmp_path / "store", "cases")
    assert q.loc[0, "date_received"] == "03/25/2024"
    assert q.loc[0, "sex"] == " Female "
    assert (q.loc[0, "source_file"], q.loc[0, "source_row"]) == ("cases.csv", "3")
    assert list(q.columns[-5:]) == ["source_file", "source_row", "rule", "column", "message"]


def test_dates_are_day_first_iso_or_excel_serial_and_never_month_first(tmp_path):
    cases = rows("cases", {"date_received": "3/4/2024", "date_triaged": ""},
                 {"date_received": "2024-04-03", "date_triaged": ""},
                 {"date_received": "45385", "date_triaged": ""},
                 {"date_received": "03/04/2024 00:00", "date_triaged": ""},
                 {"date_received": "2024-04-03T09:30:00", "date_triaged": ""},
                 {"date_received": "04/13/2024", "date_triaged": ""},
                 {"date_received": "45000", "date_triaged": ""},
                 {"date_received": "32874", "date_triaged": ""},
                 {"date_received": "5", "date_triaged": ""},
                 {"date_received": "32873", "date_triaged": ""})
    ingest(write_extract(tmp_path / "x", {"cases": cases}), tmp_path / "store", extract_date=EXTRACT_DATE)
    stored = load_store(tmp_path / "store").cases
    assert stored["date_received"].tolist() == [pd.Timestamp("2024-04-03")] * 5 + \
        [pd.Timestamp("2023-03-15"), pd.Timestamp("1990-01-01")]
    assert stored["date_received"].dtype == "datetime64[ns]"
    # a number below serial 32874 (1990-01-01) is not a date: "5" would otherwise be 1900-01-04
    assert found(tmp_path / "store", "cases") == {(r, "date_format", "date_received") for r in (7, 10, 11)}


def test_codes_bools_and_sets_are_normalised(tmp_path):
    cases = rows("cases", {"sex": "Male", "region": "north west", "concern_domains": "Conduct ; clinical;conduct",
                           "suspended": "Y", "named_contact": "no", "investigation": "1"})
    ingest(write_extract(tmp_path / "x", {"cases": cases}), tmp_path / "store", extract_date=EXTRACT_DATE)
    case = load_store(tmp_path / "store").cases.iloc[0]
    assert (case.sex, case.region, case.concern_domains) == ("male", "North West", "conduct;clinical")
    assert (case.suspended, case.named_contact, case.investigation) == (True, False, True)


def test_store_is_typed_in_schema_order_with_policy_version_derived(tmp_path):
    cases = rows("cases", {}, {"date_received": "01/10/2024", "date_triaged": ""}, {"policy_version": "policy_2024"})
    ingest(write_extract(tmp_path / "x", {"cases": cases}), tmp_path / "store", extract_date=EXTRACT_DATE)
    stored = load_store(tmp_path / "store").cases
    assert stored["policy_version"].tolist() == ["framework_2013", "policy_2024", "policy_2024"]
    assert str(stored["risk_severity"].dtype) == "Int64" and str(stored["suspended"].dtype) == "boolean"
    assert stored["date_closed"].isna().all() and stored["outcome"].tolist() == [None] * 3


def test_when_every_case_is_quarantined_all_updates_are_orphans(tmp_path):
    extract = write_extract(tmp_path / "x", {"cases": rows("cases", {"sex": "x"}), "updates": rows("updates", {}, {})})
    result = ingest(extract, tmp_path / "store", extract_date=EXTRACT_DATE)
    assert found(tmp_path / "store", "updates") == {(2, "foreign_key", "case_id"), (3, "foreign_key", "case_id")}
    assert result.manifest["tables"]["cases"]["rows_stored"] == 0
    assert len(load_store(tmp_path / "store").cases) == 0
