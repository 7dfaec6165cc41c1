"""Row failures: which row (position in the table), which rule, which column, and a message."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lotus_analytics import schema

COLUMNS = ["row", "rule", "column", "message"]


def row_failures(
    rows: np.ndarray, rule: str, column: str, values: pd.Series | None = None, detail: str = ""
) -> pd.DataFrame:
    """Failures of `rule` at the row positions `rows`; the message quotes each row's value when given."""
    rows = np.asarray(rows, dtype=np.int64)
    meaning = schema.RULES[rule] + (f" ({detail})" if detail else "")
    if values is None:
        messages = pd.Series(f"{column}: {meaning}", index=range(len(rows)), dtype=object)
    else:
        quoted = values.iloc[rows].astype(str).to_numpy(dtype=object)
        messages = pd.Series(f"{column} '", index=range(len(rows)), dtype=object) + quoted + f"': {meaning}"
    return pd.DataFrame({"row": rows, "rule": rule, "column": column, "message": messages.to_numpy(dtype=object)})


def shown_values(column: str, raw: pd.DataFrame, typed: pd.DataFrame) -> pd.Series:
    """The values to quote in messages: the original text when the extract has the column, else the typed value."""
    return raw[column] if column in raw.columns else typed[column].astype(str)


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """All failures in one frame (empty frame with the right columns when there are none)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=np.int64 if c == "row" else object) for c in COLUMNS})
    return pd.concat(parts, ignore_index=True)
