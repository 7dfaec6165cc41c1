"""`ingest`: read an extract, refuse or pseudonymise identifiers, parse, validate, store, quarantine, record.

Rows in = rows stored + rows quarantined, for every table (asserted before the manifest is written).
Duplicated keys: the first occurrence is stored and every later copy is quarantined (rule unique).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from lotus_analytics import schema
from lotus_analytics.config import Config, load_config
from lotus_analytics.ingest.crosstable import Checked, check_cross_table
from lotus_analytics.ingest.datadocs import write_data_docs
from lotus_analytics.ingest.errors import IngestError
from lotus_analytics.ingest.failures import combine
from lotus_analytics.ingest.identifiers import apply_identifier_policy
from lotus_analytics.ingest.manifest import build_manifest, table_entry, write_manifest
from lotus_analytics.ingest.parsing import parse_table
from lotus_analytics.ingest.quarantine import quarantine_frame, write_quarantine
from lotus_analytics.ingest.reading import RawTable, read_extract
from lotus_analytics.ingest.validate import failures_from_results, risk_band_failures, run_suite
from lotus_analytics.store import table_path, write_table

EXTRACT_INFO = "extract_info.json"
DATA_DOCS_DIR = "data_docs"


@dataclass(frozen=True)
class IngestResult:
    """Where the store is, its manifest and the index page of the run's data docs."""

    store: Path
    manifest: dict[str, Any]
    data_docs: Path | None

    @property
    def rows_quarantined(self) -> int:
        """Rows quarantined over all tables."""
        return int(self.manifest["rows_quarantined"])


def resolve_extract_date(extract: Path, given: date | None) -> tuple[date, str]:
    """The extract date and where it came from: the argument, else extract_info.json beside the data, else today."""
    if given is not None:
        return given, "argument"
    info = (extract if extract.is_dir() else extract.parent) / EXTRACT_INFO
    if info.is_file():
        try:
            return date.fromisoformat(json.loads(info.read_text(encoding="utf-8"))["extract_date"]), EXTRACT_INFO
        except (ValueError, KeyError, TypeError) as err:
            raise IngestError("unreadable", str(info), f"no valid ISO 'extract_date' in it ({err})") from None
    return date.today(), "today"


def _check_columns(raw: RawTable, spec: schema.Table) -> list[str]:
    """Refuse a table without its required columns; returns the unknown columns that will be dropped."""
    missing = [c for c in spec.required_columns if c not in raw.text.columns]
    if missing:
        raise IngestError("missing_column", raw.location,
                          f"the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                          f"{'are' if len(missing) > 1 else 'is'} missing from the {spec.name} table")
    return [c for c in raw.text.columns if c not in spec.columns and c not in schema.IDENTIFIER_COLUMNS]


def _without_parse_overlap(found: pd.DataFrame, parse_failures: pd.DataFrame) -> pd.DataFrame:
    """Contract failures of cells that already failed to parse are dropped (their typed value is just missing)."""

    def cell(f: pd.DataFrame) -> pd.Series:
        """A (row, column) key per failure."""
        return f["row"].astype(str) + "|" + f["column"]

    return found[~cell(found).isin(set(cell(parse_failures)))]


def _check_table(
    raw: RawTable, spec: schema.Table, extract_date: pd.Timestamp, config: Config
) -> tuple[Checked, list[Any]]:
    """Parse one table, validate it against its suite and the runtime rules; returns it and the GX results."""
    typed, parse_failures = parse_table(raw.text, spec)
    found_by_gx = run_suite(spec.name, raw.text, typed, extract_date)
    results = [result for result, _ in found_by_gx]
    found = [failures_from_results(found_by_gx, raw.text, typed)]
    found += [risk_band_failures(rule, raw.text, typed, config.risk_bands) for rule in schema.CONSISTENCY_RULES
              if rule.table == spec.name and rule.check == "risk_band"]
    contract_failures = _without_parse_overlap(combine(found), parse_failures)
    return Checked(raw.text, typed, combine([parse_failures, contract_failures])), results


def _stored_rows(name: str, checked: Checked) -> pd.DataFrame:
    """The valid rows, typed, in schema column order, with policy_version derived when absent."""
    stored = checked.typed[checked.valid].reset_index(drop=True)
    if name == "cases":
        derived = schema.policy_version_for(stored["date_received"])
        stored["policy_version"] = stored["policy_version"].where(stored["policy_version"].notna(), derived)
    return stored[schema.TABLES[name].columns]


def ingest(extract: Path, store: Path, *, extract_date: date | None = None, pseudonymise: bool = False,
           key: bytes | None = None, data_docs: Path | None = None, config: Config | None = None) -> IngestResult:
    """Ingest an extract (folder of CSV/Parquet files or one .xlsx workbook) into the analysis store.

    Valid rows go to `<store>/<table>.parquet`, rejected rows to `<store>/quarantine/<table>.csv`,
    the record of the run to `<store>/manifest.json` and GX data docs to `data_docs`
    (default `<store>/data_docs`). Whole-file problems raise IngestError.
    """
    extract, store = Path(extract), Path(store)
    config = config or load_config()
    raw_tables = read_extract(extract)
    when, when_source = resolve_extract_date(extract, extract_date)
    pseudonymised = apply_identifier_policy(raw_tables, pseudonymise, key)
    dropped = {name: _check_columns(raw, schema.TABLES[name]) for name, raw in raw_tables.items()}
    checked, results = {}, {}
    for name, raw in raw_tables.items():
        checked[name], results[name] = _check_table(raw, schema.TABLES[name], pd.Timestamp(when), config)
    check_cross_table(checked)

    store.mkdir(parents=True, exist_ok=True)
    entries = {}
    for name in schema.TABLES:
        if name not in checked:
            table_path(store, name).unlink(missing_ok=True)
            write_quarantine(store, name, pd.DataFrame())
            continue
        raw, table = raw_tables[name], checked[name]
        stored = _stored_rows(name, table)
        write_table(store, name, stored)
        kept = [c for c in raw.text.columns if c in schema.TABLES[name].columns] + pseudonymised.get(name, [])
        write_quarantine(store, name, quarantine_frame(raw, kept, table.failures))
        entries[name] = table_entry(raw, len(stored), table.failures, dropped[name], pseudonymised.get(name, []))
    docs_index = write_data_docs(Path(data_docs) if data_docs else store / DATA_DOCS_DIR, results, when.isoformat())
    manifest = build_manifest(extract, when, when_source, entries, docs_index)
    write_manifest(store, manifest)
    return IngestResult(store, manifest, docs_index)


__all__ = ["IngestError", "IngestResult", "ingest"]
