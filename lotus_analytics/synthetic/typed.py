"""Turn the generator's arrays into typed tables: schema column order and the store's dtypes.

Dates datetime64[ns], ints "Int64", bools "boolean", everything else object (str or None). Ints and
bools arrive as integer codes with -1 for missing; text arrives as str or None.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Mapping

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.config import Config, load_config


def default_config() -> Config:
    """The packaged default configuration, whatever lotus.toml the working directory holds."""
    with resources.as_file(resources.files("lotus_analytics").joinpath("defaults.toml")) as path:
        return load_config(path)


def _typed_column(kind: str, values: Any) -> pd.Series:
    if kind == "date":
        days = pd.to_datetime(values).to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
        return pd.Series(days.astype("datetime64[ns]"))
    if kind in ("int", "bool"):
        codes = np.asarray(values, dtype=np.int64)
        column = pd.Series(codes, dtype="Int64") if kind == "int" else pd.Series(codes == 1, dtype="boolean")
        return column.mask(codes < 0)
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def typed_table(name: str, columns: Mapping[str, Any]) -> pd.DataFrame:
    """A typed DataFrame of table `name` from arrays (or a frame) holding every schema column."""
    table = schema.TABLES[name]
    return pd.DataFrame({f.name: _typed_column(f.kind, columns[f.name]) for f in table.fields})
