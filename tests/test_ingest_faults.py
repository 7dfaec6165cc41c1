"""The synthetic fault mode through the real ingest: every planted fault found where faults.json says."""

from __future__ import annotations

import pandas as pd
import pytest
from ingest_helpers import found

from lotus_analytics import schema
from lotus_analytics.ingest import IngestError, ingest
from lotus_analytics.store import load_store
from lotus_analytics.synthetic import write_faulty_extract


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    out = tmp_path_factory.mktemp("faulty")
    faults = write_faulty_extract(out, seed=7)
    result = ingest(out / "rows", out / "store")
    return out, faults, result


def test_quarantine_holds_exactly_the_planted_row_faults(faulty):
    out, faults, _ = faulty
    planted = {(f.table, f.row, f.rule, f.column) for f in faults if f.extract == "rows" and f.rule != "encoding"}
    quarantined = {(table, *hit) for table in schema.TABLES for hit in found(out / "store", table)}
    assert quarantined == planted


def test_manifest_balances_and_counts_the_planted_faults(faulty):
    _, faults, result = faulty
    row_faults = [f for f in faults if f.extract == "rows" and f.rule != "encoding"]
    for table, entry in result.manifest["tables"].items():
        assert entry["rows_read"] == entry["rows_stored"] + entry["rows_quarantined"]
        assert entry["rows_quarantined"] == sum(f.table == table for f in row_faults)
    assert result.manifest["extract_date_source"] == "extract_info.json"


def test_encoded_files_are_read_as_planted(faulty):
    out, faults, _ = faulty
    store = load_store(out / "store")
    for fault in (f for f in faults if f.rule == "encoding"):
        column = getattr(store, fault.table)[fault.column]
        assert fault.expected in set(column), fault.description


@pytest.mark.parametrize("extract", ["identifier_column", "missing_column"])
def test_whole_file_faults_are_refused_naming_the_column(faulty, extract, tmp_path):
    out, faults, _ = faulty
    fault = next(f for f in faults if f.extract == extract)
    with pytest.raises(IngestError) as refused:
        ingest(out / extract, tmp_path / "store")
    assert refused.value.rule == fault.rule and fault.column in str(refused.value) and fault.file in str(refused.value)


def test_clean_synthetic_extract_loads_without_quarantine(ingested):
    manifest = load_store(ingested.store).manifest
    assert manifest["rows_quarantined"] == 0
    assert manifest["tables"]["cases"]["rows_stored"] == len(ingested.extract.cases)
    stored = load_store(ingested.store).cases
    expected = ingested.extract.cases.reset_index(drop=True)
    assert stored["date_received"].tolist() == expected["date_received"].astype("datetime64[ns]").tolist()
    assert stored["ethnicity_code"].tolist() == expected["ethnicity_code"].tolist()


def test_large_table_path_on_distinct_values_finds_the_same_rows(faulty, tmp_path, monkeypatch):
    from lotus_analytics.ingest import validate

    out, _, _ = faulty
    monkeypatch.setattr(validate, "WHOLE_TABLE_ROWS", 0)  # every table through the distinct-value path
    ingest(out / "rows", tmp_path / "store")
    for table in schema.TABLES:
        assert found(tmp_path / "store", table) == found(out / "store", table)
    for table in ("cases", "updates"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "store" / f"{table}.parquet"),
                                      pd.read_parquet(out / "store" / f"{table}.parquet"))
