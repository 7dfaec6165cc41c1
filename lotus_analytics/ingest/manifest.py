"""The ingest manifest (<store>/manifest.json): what was read, what was stored, what was quarantined.

Everything in it is a function of the input except `ingested_at`, so the same extract ingested twice
gives the same manifest apart from that timestamp. The pseudonymisation key is never recorded.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from lotus_analytics import schema
from lotus_analytics.ingest.reading import RawTable
from lotus_analytics.store import MANIFEST_NAME

TIMESTAMP_KEY = "ingested_at"


def table_entry(
    raw: RawTable, stored: int, failures: pd.DataFrame, dropped: list[str], pseudonymised: list[str]
) -> dict[str, Any]:
    """The manifest record of one supplied table; asserts rows read = rows stored + rows quarantined."""
    quarantined = int(failures["row"].nunique())
    read = len(raw.text)
    if read != stored + quarantined:
        raise AssertionError(f"{raw.location}: {read} rows read but {stored} stored + {quarantined} quarantined")
    by_rule = failures.drop_duplicates(["row", "rule"])["rule"].value_counts()
    return {
        "supplied": True,
        "file": raw.file,
        "sheet": raw.sheet,
        "sha256": raw.sha256,
        "encoding": raw.encoding,
        "rows_read": read,
        "rows_stored": stored,
        "rows_quarantined": quarantined,
        "blank_rows_skipped": raw.blank_rows,
        "dropped_columns": dropped,
        "pseudonymised_columns": pseudonymised,
        "quarantined_by_rule": {rule: int(by_rule[rule]) for rule in schema.RULES if rule in by_rule.index},
    }


def _non_empty(entries: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    """Table -> entry[key], for the tables where it is not empty."""
    return {name: entry[key] for name, entry in entries.items() if entry[key]}


def build_manifest(extract: Path, extract_date: date, extract_date_source: str, entries: dict[str, dict[str, Any]],
                   data_docs: Path | None) -> dict[str, Any]:
    """The whole manifest; `entries` holds the supplied tables' records."""
    tables = {name: entries.get(name, {"supplied": False}) for name in schema.TABLES}
    return {
        "contract_version": schema.CONTRACT_VERSION,
        "extract": str(extract),
        "extract_date": extract_date.isoformat(),
        "extract_date_source": extract_date_source,
        TIMESTAMP_KEY: datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tables_supplied": [name for name in schema.TABLES if name in entries],
        "tables_not_supplied": [name for name in schema.TABLES if name not in entries],
        "rows_read": sum(e["rows_read"] for e in entries.values()),
        "rows_stored": sum(e["rows_stored"] for e in entries.values()),
        "rows_quarantined": sum(e["rows_quarantined"] for e in entries.values()),
        "dropped_columns": _non_empty(entries, "dropped_columns"),
        "pseudonymised_columns": _non_empty(entries, "pseudonymised_columns"),
        "quarantine": _non_empty(entries, "quarantined_by_rule"),
        "data_docs": None if data_docs is None else str(data_docs),
        "tables": tables,
    }


def write_manifest(store: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest as indented UTF-8 JSON."""
    path = Path(store) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def without_timestamp(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest minus its ingest timestamp: equal for equal input."""
    return {key: value for key, value in manifest.items() if key != TIMESTAMP_KEY}
