"""Tiny hand-made extracts for the ingest tests: one valid row per table, overridable cell by cell."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd

from lotus_analytics import schema

EXTRACT_DATE = date(2024, 12, 31)

CASE = {
    "case_id": "C1", "practitioner_id": "P1", "region": "North West", "icb_code": "QOP", "profession": "medical",
    "regime": "performers_list", "concern_source": "patient", "concern_domains": "clinical",
    "date_received": "01/02/2024", "date_triaged": "05/02/2024", "risk_severity": "2", "risk_likelihood": "2",
    "risk_level": "moderate", "triage_outcome": "to_pag", "ethnicity_code": "A", "sex": "female",
    "age_band": "35_44", "pmq_region": "uk", "disability": "no",
}
WORKFORCE = {"period": "2023/24", "region": "North West", "icb_code": "QOP", "profession": "medical",
             "headcount": "100"}
UPDATE = {"case_id": "C1", "update_type": "acknowledgement", "date_sent": "2024-02-02", "channel": "email"}
REVIEW = {"review_id": "R1", "case_id": "C1", "review_type": "single_case", "date_review": "2024-06-01",
          "themes": "feedback"}
ACTION = {"action_id": "A1", "review_id": "R1", "theme": "feedback", "owner_role": "Head of Quality",
          "system_level": "icb", "date_raised": "2024-06-02", "date_due": "2024-09-01", "status": "open"}
TEMPLATES = {"cases": CASE, "workforce": WORKFORCE, "updates": UPDATE, "reviews": REVIEW, "actions": ACTION}


def rows(table: str, *changes: dict[str, str]) -> list[dict[str, str]]:
    """One row per change: the table's valid template with the change applied (ids made distinct)."""
    key = schema.TABLES[table].key
    out = []
    for i, change in enumerate(changes):
        row = dict(TEMPLATES[table])
        if key:
            row[key] = f"{row[key]}_{i}" if i else row[key]
        out.append({**row, **change})
    return out


def csv_text(records: list[dict[str, str]], columns: list[str] | None = None) -> str:
    columns = columns or list(dict.fromkeys(c for r in records for c in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def write_extract(folder: Path, tables: dict[str, list[dict[str, str]]], encoding: str = "utf-8") -> Path:
    """Write each table as <folder>/<table>.csv; cases and workforce default to one valid row."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"cases": rows("cases", {}), "workforce": rows("workforce", {}), **tables}
    for name, records in tables.items():
        (folder / f"{name}.csv").write_bytes(csv_text(records).encode(encoding))
    return folder


def quarantine(store: Path, table: str) -> pd.DataFrame:
    path = store / "quarantine" / f"{table}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else pd.DataFrame()


def found(store: Path, table: str) -> set[tuple[int, str, str]]:
    """(source_row, rule, column) of every failure in a table's quarantine file."""
    q = quarantine(store, table)
    return {
        (int(r.source_row), rule, column)
        for r in q.itertuples()
        for rule, column in zip(r.rule.split("; "), r.column.split("; "))
    }
