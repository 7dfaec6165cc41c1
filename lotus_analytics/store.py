"""The analysis store: validated tables as Parquet plus the ingest manifest.

Ingest writes it; reports and dashboards read it (never the raw extract). Layout::

    <store>/cases.parquet, workforce.parquet, [updates|reviews|actions].parquet
    <store>/manifest.json
    <store>/quarantine/<table>.csv
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lotus_analytics.schema import OPTIONAL_TABLES, REQUIRED_TABLES, TABLES

MANIFEST_NAME = "manifest.json"
QUARANTINE_DIR = "quarantine"


class StoreError(RuntimeError):
    """The store is missing or incomplete; the message says what to run."""


@dataclass
class Store:
    """The validated tables of one ingest run; optional tables are None when not supplied."""

    cases: pd.DataFrame
    workforce: pd.DataFrame
    updates: pd.DataFrame | None
    reviews: pd.DataFrame | None
    actions: pd.DataFrame | None
    manifest: dict[str, Any]
    path: Path | None = None
    """The store's folder (None: tables built in memory), where quarantine/ lives."""

    @property
    def extract_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.manifest["extract_date"])


def table_path(store: Path, table: str) -> Path:
    """Where one table of the store lives."""
    return Path(store) / f"{table}.parquet"


def write_table(store: Path, table: str, frame: pd.DataFrame) -> Path:
    """Write one validated table deterministically (no index, schema column order)."""
    path = table_path(store, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return path


def read_manifest(store: Path) -> dict[str, Any]:
    """The ingest manifest, or a StoreError saying what to run when there is no store yet."""
    path = Path(store) / MANIFEST_NAME
    if not path.is_file():
        raise StoreError(f"no analysis store at {store}: run `lotus ingest EXTRACT` (or `make demo`) first")
    return json.loads(path.read_text(encoding="utf-8"))


def load_store(store: str | Path) -> Store:
    """Read the store written by ingest; optional tables that were not supplied come back as None."""
    store = Path(store)
    manifest = read_manifest(store)
    frames: dict[str, pd.DataFrame | None] = {}
    for name in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        path = table_path(store, name)
        if path.is_file():
            frames[name] = pd.read_parquet(path, columns=TABLES[name].columns)
        elif name in REQUIRED_TABLES:
            raise StoreError(f"the store at {store} has no {name} table: run `lotus ingest` again")
        else:
            frames[name] = None
    return Store(manifest=manifest, path=store, **frames)  # type: ignore[arg-type]
