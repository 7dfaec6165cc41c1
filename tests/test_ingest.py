"""Ingest of whole files: formats, encodings, extract date, identifiers, manifest, idempotence and refusals."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date

import pandas as pd
import pytest
from ingest_helpers import EXTRACT_DATE, csv_text, found, quarantine, rows, write_extract

from lotus_analytics import schema
from lotus_analytics.ingest import IngestError, ingest
from lotus_analytics.ingest.manifest import without_timestamp
from lotus_analytics.store import load_store

KEY = b"test-only-key-not-a-secret"


def test_cp1252_file_with_en_dash_and_utf8_bom_file_are_decoded(tmp_path):
    folder = write_extract(tmp_path / "x", {"reviews": rows("reviews", {})})
    actions = csv_text(rows("actions", {"owner_role": "Head of Quality – Primary Care"}))
    (folder / "actions.csv").write_bytes(actions.encode("cp1252"))
    (folder / "updates.csv").write_bytes(csv_text(rows("updates", {})).encode("utf-8-sig"))
    result = ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE)
    store = load_store(tmp_path / "store")
    assert store.actions["owner_role"].tolist() == ["Head of Quality – Primary Care"]
    assert store.updates["case_id"].tolist() == ["C1"]
    assert result.manifest["tables"]["actions"]["encoding"] == "cp1252"
    assert result.manifest["tables"]["updates"]["encoding"] == "utf-8-sig"


def test_xlsx_workbook_with_excel_serial_and_date_cells(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    cases = book.active
    cases.title = "cases"
    header = list(rows("cases", {})[0])
    cases.append(header)
    first = dict(rows("cases", {})[0], date_received=45385, date_triaged=None)
    second = dict(rows("cases", {}, {})[1], date_received=pd.Timestamp("2024-04-05").to_pydatetime(), date_triaged=None,
                  risk_severity=3, risk_likelihood=1, risk_level="low")
    # a date cell before 1990 is a date; a bare number below the serial floor (1990-01-01) is not
    third = dict(rows("cases", {}, {}, {})[2], date_received=pd.Timestamp("1985-06-01").to_pydatetime(),
                 date_triaged=None)
    fourth = dict(rows("cases", {}, {}, {}, {})[3], date_received=5, date_triaged=None)
    for record in (first, second, third, fourth):
        cases.append([record[c] for c in header])
    workforce = book.create_sheet("Workforce")
    workforce.append(list(rows("workforce", {})[0]))
    workforce.append(list(rows("workforce", {})[0].values()))
    book.save(tmp_path / "extract.xlsx")
    result = ingest(tmp_path / "extract.xlsx", tmp_path / "store", extract_date=EXTRACT_DATE)
    stored = load_store(tmp_path / "store").cases
    assert stored["date_received"].tolist() == [pd.Timestamp(d) for d in ("2024-04-03", "2024-04-05", "1985-06-01")]
    assert stored["risk_severity"].tolist() == [2, 3, 2]
    assert found(tmp_path / "store", "cases") == {(5, "date_format", "date_received")}
    assert result.manifest["tables"]["workforce"]["sheet"] == "Workforce"
    assert result.manifest["tables_not_supplied"] == ["updates", "reviews", "actions"]


def test_parquet_input_typed_or_text(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    cases = pd.DataFrame(rows("cases", {}, {}))
    cases["date_received"] = pd.to_datetime(["2024-02-01", "2024-03-01"])
    cases["date_triaged"] = None
    cases["risk_severity"] = [2.0, None]
    cases.to_parquet(folder / "cases.parquet")
    pd.DataFrame(rows("workforce", {})).to_parquet(folder / "workforce.parquet")
    ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE)
    stored = load_store(tmp_path / "store").cases
    assert stored["date_received"].tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]
    assert stored["risk_severity"].tolist()[0] == 2 and pd.isna(stored["risk_severity"].tolist()[1])


def test_future_dates_are_bounded_by_the_extract_date_argument_or_extract_info(tmp_path):
    folder = write_extract(tmp_path / "x", {"cases": rows("cases", {}, {"date_triaged": "01/06/2024"})})
    result = ingest(folder, tmp_path / "a", extract_date=date(2024, 6, 1))
    assert found(tmp_path / "a", "cases") == set() and result.manifest["extract_date_source"] == "argument"
    ingest(folder, tmp_path / "b", extract_date=date(2024, 5, 31))
    assert found(tmp_path / "b", "cases") == {(3, "future_date", "date_triaged")}
    (folder / "extract_info.json").write_text(json.dumps({"extract_date": "2024-05-31"}), encoding="utf-8")
    result = ingest(folder, tmp_path / "c")
    assert found(tmp_path / "c", "cases") == {(3, "future_date", "date_triaged")}
    assert result.manifest["extract_date"] == "2024-05-31"
    assert result.manifest["extract_date_source"] == "extract_info.json"


def test_identifier_columns_are_refused_with_their_names(tmp_path):
    cases = rows("cases", {"gmc_number": "TEST0000001", "email": "x@example.invalid"})
    folder = write_extract(tmp_path / "x", {"cases": cases})
    with pytest.raises(IngestError) as refused:
        ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE)
    assert f"{folder / 'cases.csv'}: gmc_number, email" in str(refused.value)
    assert refused.value.rule == "identifier_column"
    with pytest.raises(IngestError, match="needs a key"):
        ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE, pseudonymise=True)
    assert not (tmp_path / "store").exists()


def test_pseudonymised_identifiers_are_hashed_dropped_and_the_key_written_nowhere(tmp_path):
    folder = write_extract(tmp_path / "x", {"cases": rows("cases", {"gmc_number": "TEST0000001"},
                                                          {"gmc_number": "TEST0000002", "sex": "x"})})
    result = ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE, pseudonymise=True, key=KEY)
    store = load_store(tmp_path / "store")
    assert "gmc_number" not in store.cases.columns and list(store.cases.columns) == schema.CASES.columns
    assert quarantine(tmp_path / "store", "cases").loc[0, "gmc_number"] == \
        hmac.new(KEY, b"TEST0000002", hashlib.sha256).hexdigest()
    assert result.manifest["pseudonymised_columns"] == {"cases": ["gmc_number"]}
    written = b"".join(p.read_bytes() for p in (tmp_path / "store").rglob("*") if p.is_file())
    assert KEY not in written and b"TEST000000" not in written


def test_unknown_columns_are_dropped_and_listed_and_blank_lines_keep_row_numbers(tmp_path):
    cases = rows("cases", {"free_text": "some words"}, {"free_text": "", "sex": "x"})
    folder = write_extract(tmp_path / "x", {"cases": cases})
    text = (folder / "cases.csv").read_text(encoding="utf-8").splitlines()
    (folder / "cases.csv").write_text("\n".join([text[0], text[1], "", text[2]]) + "\n", encoding="utf-8")
    result = ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE)
    assert result.manifest["dropped_columns"] == {"cases": ["free_text"]}
    assert "free_text" not in quarantine(tmp_path / "store", "cases").columns
    assert found(tmp_path / "store", "cases") == {(4, "enum", "sex")}
    assert result.manifest["tables"]["cases"]["blank_rows_skipped"] == 1


def test_same_input_twice_gives_identical_store_and_manifest_apart_from_timestamp(tmp_path):
    folder = write_extract(tmp_path / "x", {"cases": rows("cases", {}, {"sex": "x"}), "updates": rows("updates", {})})
    first = ingest(folder, tmp_path / "a", extract_date=EXTRACT_DATE)
    second = ingest(folder, tmp_path / "b", extract_date=EXTRACT_DATE)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*")
                   if p.is_file() and "data_docs" not in p.parts and p.name != "manifest.json")
    assert [str(f) for f in files] == ["cases.parquet", "quarantine/cases.csv", "updates.parquet", "workforce.parquet"]
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    strip = {"extract", "data_docs"}  # the two runs write to different stores
    a, b = ({k: v for k, v in without_timestamp(r.manifest).items() if k not in strip} for r in (first, second))
    assert a == b
    digest = hashlib.sha256((folder / "cases.csv").read_bytes()).hexdigest()
    assert first.manifest["tables"]["cases"]["sha256"] == digest


def test_rerun_without_an_optional_table_removes_its_stale_files(tmp_path):
    folder = write_extract(tmp_path / "x", {"updates": rows("updates", {}, {"case_id": "C404"})})
    ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE)
    assert (tmp_path / "store" / "quarantine" / "updates.csv").is_file()
    (folder / "updates.csv").unlink()
    result = ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE)
    assert load_store(tmp_path / "store").updates is None
    assert not (tmp_path / "store" / "quarantine" / "updates.csv").exists()
    assert result.manifest["tables"]["updates"] == {"supplied": False}


def test_data_docs_are_written_for_the_run(tmp_path):
    folder = write_extract(tmp_path / "x", {"cases": rows("cases", {}, {"sex": "x"})})
    result = ingest(folder, tmp_path / "store", extract_date=EXTRACT_DATE, data_docs=tmp_path / "docs")
    assert result.data_docs == tmp_path / "docs" / "index.html"
    page = (tmp_path / "docs" / "cases.html").read_text(encoding="utf-8")
    assert "values must belong to this set" in page and "unexpected values found. 50% of 2 total rows" in page
    assert 'href="cases.html"' in result.data_docs.read_text(encoding="utf-8")


def _bad_extracts(tmp_path):
    ok = write_extract(tmp_path / "ok", {})
    yield "missing_table", tmp_path / "nowhere", "does not exist"
    no_workforce = write_extract(tmp_path / "nw", {})
    (no_workforce / "workforce.csv").unlink()
    yield "missing_table", no_workforce, "workforce"
    no_column = write_extract(tmp_path / "nc", {})
    header = (ok / "cases.csv").read_text().splitlines()[0].split(",")
    (no_column / "cases.csv").write_text(csv_text(rows("cases", {}), [c for c in header if c != "date_received"]))
    yield "missing_column", no_column, "date_received"
    empty = write_extract(tmp_path / "em", {})
    (empty / "updates.csv").write_bytes(b"")
    yield "empty_file", empty, "updates.csv"
    header_only = write_extract(tmp_path / "ho", {})
    (header_only / "workforce.csv").write_text("period,region,icb_code,profession,headcount\n")
    yield "empty_file", header_only, "workforce"
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    yield "unreadable", tmp_path / "broken.xlsx", "broken.xlsx"
    trailing = write_extract(tmp_path / "tc", {})  # data rows end in a comma, the header does not
    head, *body = (trailing / "cases.csv").read_text().splitlines()
    (trailing / "cases.csv").write_text("\n".join([head, *(f"{line}," for line in body)]) + "\n")
    yield "unreadable", trailing, f"{trailing / 'cases.csv'}: row 2 has 20 fields but the header has 19"
    for blank_line in (False, True):  # pyarrow reads the file, or (with a blank line) pandas does
        twice = write_extract(tmp_path / f"dh{blank_line}", {})
        lines = csv_text(rows("cases", {}), [*head.split(","), "case_id"]).splitlines()
        (twice / "cases.csv").write_text("\n".join(lines[:1] + [""] * blank_line + lines[1:]) + "\n")
        yield "unreadable", twice, "duplicated column names 'case_id'"
    corrupt = write_extract(tmp_path / "cp", {})
    (corrupt / "cases.csv").unlink()
    (corrupt / "cases.parquet").write_bytes(b"PAR1 garbage")
    yield "unreadable", corrupt, "cases.parquet"


def test_whole_file_problems_raise_one_clear_ingest_error(tmp_path):
    for rule, extract, named in _bad_extracts(tmp_path):
        with pytest.raises(IngestError) as failed:
            ingest(extract, tmp_path / "store", extract_date=EXTRACT_DATE)
        assert failed.value.rule == rule, (extract, str(failed.value))
        assert named in str(failed.value) and "\n" not in str(failed.value)


def test_short_rows_and_quoted_line_breaks_are_read_cell_by_cell(tmp_path):
    actions = rows("actions", {"owner_role": "Head of\nQuality"})
    folder = write_extract(tmp_path / "x", {"actions": actions, "reviews": rows("reviews", {})})
    result = ingest(folder, tmp_path / "a", extract_date=EXTRACT_DATE)
    assert load_store(tmp_path / "a").actions["owner_role"].tolist() == ["Head of\nQuality"]
    text = (folder / "cases.csv").read_text(encoding="utf-8").rstrip("\n")
    short = text.splitlines()[1].rsplit(",", 5)[0].replace("C1", "C2")  # the last five fields left out
    (folder / "cases.csv").write_text(f"{text}\n{short}\n", encoding="utf-8")
    result = ingest(folder, tmp_path / "b", extract_date=EXTRACT_DATE)
    required = ("ethnicity_code", "sex", "age_band", "pmq_region")  # disability is optional
    assert found(tmp_path / "b", "cases") == {(3, "required", c) for c in required}
    assert result.manifest["tables"]["cases"]["rows_read"] == 2
