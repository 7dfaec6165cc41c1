"""The synthetic fault mode: faults.json points at rows that carry exactly the planted fault."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from synthetic_rules import read_text, row_violations

from lotus_analytics import schema
from lotus_analytics.synthetic import write_faulty_extract

EXTRACT_DATE = pd.Timestamp(2026, 10, 15)
ENCODINGS = {"actions.csv": "cp1252", "updates.csv": "utf-8-sig"}
REQUIRED_RULES = {"type", "enum", "date_order", "future_date", "unique", "date_format", "foreign_key", "required",
                  "encoding", "identifier_column", "missing_column"}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    out = tmp_path_factory.mktemp("faulty")
    return out, write_faulty_extract(out, seed=7)


def _read(folder, table: str) -> pd.DataFrame:
    """A table of the rows/ extract, read with the encoding it was planted in."""
    return read_text(folder / f"{table}.csv", ENCODINGS.get(f"{table}.csv", "utf-8"))


def test_faults_json_lists_every_planted_fault_with_known_rules(faulty):
    out, faults = faulty
    listed = json.loads((out / "faults.json").read_text(encoding="utf-8"))
    assert [f["row"] for f in listed] == [f.row for f in faults] and len(listed) == len(faults)
    assert REQUIRED_RULES <= {f.rule for f in faults}
    assert {f.rule for f in faults} - {"encoding"} <= set(schema.RULES)
    assert all(f.row >= 2 for f in faults if f.extract == "rows")


def test_row_faults_are_exactly_the_rule_violations_in_the_files(faulty):
    out, faults = faulty
    tables = {name: _read(out / "rows", name) for name in schema.TABLES}
    planted = {(f.table, f.row, f.column, f.rule) for f in faults if f.extract == "rows" and f.rule != "encoding"}
    assert row_violations(tables, EXTRACT_DATE) == planted


def test_planted_cells_hold_the_faulty_values(faulty):
    out, faults = faulty
    rows = [f for f in faults if f.extract == "rows"]
    cell = {(f.rule, f.table): _read(out / "rows", f.table).loc[f.row - 2, f.column] for f in rows}
    assert cell[("type", "updates")] == "maybe"
    assert cell[("enum", "cases")] == "W"
    us_date = cell[("date_format", "cases")]
    assert int(us_date.split("/")[1]) > 12  # month-first: the "day" slot holds a number above 12
    assert cell[("required", "cases")] == ""


def test_encoding_variants_decode_to_the_expected_values(faulty):
    out, faults = faulty
    raw_actions = (out / "rows" / "actions.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw_actions.decode("utf-8")
    assert (out / "rows" / "updates.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for f in (f for f in faults if f.rule == "encoding"):
        assert _read(out / "rows", f.table).loc[f.row - 2, f.column] == f.expected
    assert "–" in next(f.expected for f in faults if f.file == "actions.csv" and f.rule == "encoding")


def test_whole_file_faults_are_alone_in_their_folders(faulty):
    out, faults = faulty
    for f in (f for f in faults if f.extract != "rows"):
        folder = out / f.extract
        header = read_text(folder / "cases.csv").columns
        if f.rule == "identifier_column":
            assert f.column in header and f.column in schema.IDENTIFIER_COLUMNS
            assert read_text(folder / "cases.csv")[f.column].str.fullmatch(r"TEST\d{7}").all()
        else:
            assert f.column not in header and f.column in schema.TABLES["cases"].required_columns
        tables = {name: read_text(folder / f"{name}.csv") for name in schema.TABLES}
        tables["cases"] = tables["cases"].reindex(columns=schema.TABLES["cases"].columns, fill_value="")
        violations = row_violations(tables, EXTRACT_DATE)
        assert all(v[2] == "date_received" for v in violations) if f.rule == "missing_column" else violations == set()
