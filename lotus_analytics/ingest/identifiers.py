"""Direct identifiers (schema.IDENTIFIER_COLUMNS): refuse the extract, or replace them by keyed hashes.

Pseudonymisation is HMAC-SHA-256 under a secret key supplied from outside the repository (hex digest
of the UTF-8 value). The hashed column never reaches the store (it is dropped after hashing); it only
stands in for the original value in quarantine files. The key itself is never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from lotus_analytics import schema
from lotus_analytics.config import KEY_ENV
from lotus_analytics.ingest.errors import IngestError
from lotus_analytics.ingest.reading import RawTable, text_column


def identifier_columns(tables: dict[str, RawTable]) -> dict[str, list[str]]:
    """Table -> the identifier columns it carries (tables without any are left out)."""
    found = {name: [c for c in raw.text.columns if c in schema.IDENTIFIER_COLUMNS] for name, raw in tables.items()}
    return {name: columns for name, columns in found.items() if columns}


def refuse(found: dict[str, list[str]], tables: dict[str, RawTable]) -> IngestError:
    """The error refusing an extract that carries direct identifiers."""
    listed = "; ".join(f"{tables[name].location}: {', '.join(columns)}" for name, columns in found.items())
    return IngestError(
        "identifier_column", listed,
        "direct identifier columns are not allowed in an extract; remove them, or ingest with --pseudonymise "
        f"and a key (environment variable {KEY_ENV} or a key file) to replace them by keyed hashes")


def hmac_hex(key: bytes, value: str) -> str:
    """HMAC-SHA-256 of the UTF-8 value under `key`, as a hex digest."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise(text: pd.Series, key: bytes) -> pd.Series:
    """Each non-empty value (stripped) replaced by its HMAC-SHA-256 hex digest, computed once per distinct value."""
    distinct = {value: hmac_hex(key, value.strip()) if value.strip() else "" for value in text.unique()}
    return text_column(text.astype(object).map(distinct))


def apply_identifier_policy(
    tables: dict[str, RawTable], pseudonymise_columns: bool, key: bytes | None
) -> dict[str, list[str]]:
    """Refuse identifiers, or hash them in place; returns table -> pseudonymised columns."""
    found = identifier_columns(tables)
    if not found:
        return {}
    if not pseudonymise_columns:
        raise refuse(found, tables)
    if not key:
        raise IngestError("identifier_column", ", ".join(tables[name].location for name in found),
                          f"pseudonymisation needs a key: set {KEY_ENV} or give a key file")
    for name, columns in found.items():
        for column in columns:
            tables[name].text[column] = pseudonymise(tables[name].text[column], key)
    return found
