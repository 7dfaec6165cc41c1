"""Small typed tables (schema.TABLES dtypes and column order) for hand-worked measure tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from lotus_analytics.schema import TABLES

_DTYPES = {"date": "datetime64[ns]", "int": "Int64", "bool": "boolean"}

CASE_DEFAULTS: dict[str, Any] = {
    "region": "North West", "icb_code": "QOP", "profession": "medical", "regime": "performers_list",
    "concern_source": "patient", "concern_domains": "clinical", "ethnicity_code": "A", "sex": "male",
    "age_band": "35_44", "pmq_region": "uk",
}


def typed(table: str, rows: list[dict[str, Any]], defaults: dict[str, Any] | None = None) -> pd.DataFrame:
    """A typed table: given values, then `defaults`, then missing values, in schema column order."""
    frame = pd.DataFrame([{**(defaults or {}), **row} for row in rows])
    out = pd.DataFrame(index=range(len(rows)))
    for field in TABLES[table].fields:
        values = frame[field.name] if field.name in frame else pd.Series([None] * len(rows))
        out[field.name] = values.astype(_DTYPES.get(field.kind, "object"))
    return out


def cases_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed cases with pseudonymous ids C1, C2, ... and the defaults above."""
    numbered = [{"case_id": f"C{i}", "practitioner_id": f"P{i}", **row} for i, row in enumerate(rows, 1)]
    return typed("cases", numbered, CASE_DEFAULTS)
