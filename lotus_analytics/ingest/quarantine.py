"""Quarantine files: each rejected row once, with its original text and every rule it broke.

`<store>/quarantine/<table>.csv` (UTF-8) holds the row's original values (schema columns as read, and
pseudonymised identifier columns as their hashes; unknown extra columns are left out), then
`source_file`, `source_row` (spreadsheet row: the header is row 1), `rule`, `column` and `message`.
A row breaking several rules appears once, with the rules, columns and messages each joined by
"; " in the same order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lotus_analytics.ingest.reading import RawTable
from lotus_analytics.store import QUARANTINE_DIR

SEPARATOR = "; "
REASON_COLUMNS = ["rule", "column", "message"]
EXTRA_COLUMNS = ["source_file", "source_row", *REASON_COLUMNS]


def source_label(raw: RawTable) -> str:
    """The file (and sheet, for a workbook) a table was read from."""
    return f"{raw.file} [{raw.sheet}]" if raw.sheet else raw.file


def quarantine_frame(raw: RawTable, columns: list[str], failures: pd.DataFrame) -> pd.DataFrame:
    """One row per failing row: its original text in `columns`, then where it came from and why it failed."""
    reasons = failures.groupby("row", sort=True)[REASON_COLUMNS].agg(SEPARATOR.join)
    rows = reasons.index.to_numpy()
    extra = reasons.reset_index(drop=True).assign(source_file=source_label(raw), source_row=raw.source_rows[rows])
    return pd.concat([raw.text.iloc[rows][columns].reset_index(drop=True), extra[EXTRA_COLUMNS]], axis=1)


def quarantine_path(store: Path, table: str) -> Path:
    """Where a table's quarantine file lives in the store."""
    return Path(store) / QUARANTINE_DIR / f"{table}.csv"


def write_quarantine(store: Path, table: str, frame: pd.DataFrame) -> Path | None:
    """Write the table's quarantine file, or remove a stale one when no row was quarantined."""
    path = quarantine_path(store, table)
    if frame.empty:
        path.unlink(missing_ok=True)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
