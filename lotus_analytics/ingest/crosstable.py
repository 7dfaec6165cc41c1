"""Cross-table rules, run after every table's own rules: foreign keys and date order across tables.

Only stored rows count as parents, so a child whose parent was quarantined becomes an orphan
(rule foreign_key). Rules run in schema.FOREIGN_KEYS order (cases before reviews before actions), so
orphans cascade down the chain. A child table whose parent table was not supplied is all orphans.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.ingest.failures import combine, row_failures, shown_values


@dataclass
class Checked:
    """One table during ingest: raw text, typed values, failures so far and which rows are still valid."""

    raw: pd.DataFrame
    typed: pd.DataFrame
    failures: pd.DataFrame

    @property
    def valid(self) -> np.ndarray:
        """Rows with no failure so far."""
        ok = np.ones(len(self.typed), dtype=bool)
        ok[self.failures["row"].to_numpy(dtype=np.int64)] = False
        return ok

    def add(self, more: pd.DataFrame) -> None:
        """Record more failures."""
        self.failures = combine([self.failures, more])


def _foreign_key(fk: schema.ForeignKey, tables: dict[str, Checked]) -> pd.DataFrame:
    """Children whose key is not among the stored parent rows (or whose parent table is absent)."""
    child = tables[fk.table]
    values = child.typed[fk.column]
    parent = tables.get(fk.ref_table)
    keys = parent.typed.loc[parent.valid, fk.ref_column] if parent else pd.Series([], dtype=object)
    orphan = values.notna() & ~values.isin(keys)
    if parent:
        detail = f"no stored {fk.ref_table} row has this {fk.ref_column}"
    else:
        detail = f"the {fk.ref_table} table was not supplied"
    shown = shown_values(fk.column, child.raw, child.typed)
    return row_failures(np.flatnonzero(orphan.to_numpy()), "foreign_key", fk.column, shown, detail)


def _date_order(fk: schema.ForeignKey, child_date: str, parent_date: str, tables: dict[str, Checked]) -> pd.DataFrame:
    """Children dated before their stored parent's date (e.g. an update sent before the case was received)."""
    child, parent = tables[fk.table], tables[fk.ref_table]
    stored = parent.typed.loc[parent.valid]
    parent_dates = stored.groupby(fk.ref_column)[parent_date].min()
    if parent_dates.empty:  # no parent stored: every child is already an orphan
        return combine([])
    at = parent_dates.index.get_indexer(child.typed[fk.column])
    dates = parent_dates.to_numpy()[np.maximum(at, 0)]
    before = (at >= 0) & (child.typed[child_date].to_numpy() < dates)
    shown = shown_values(child_date, child.raw, child.typed)
    return row_failures(np.flatnonzero(before), "date_order", child_date, shown,
                        f"before the {fk.ref_table} {parent_date}")


def check_cross_table(tables: dict[str, Checked]) -> None:
    """Add foreign-key and cross-table date-order failures to the supplied tables, in place."""
    for fk in schema.FOREIGN_KEYS:
        if fk.table in tables:
            tables[fk.table].add(_foreign_key(fk, tables))
    for fk, child_date, parent_date in schema.CROSS_TABLE_DATE_ORDER:
        if fk.table in tables and fk.ref_table in tables:
            tables[fk.table].add(_date_order(fk, child_date, parent_date, tables))
