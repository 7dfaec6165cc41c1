"""Ingest: an extract (CSV / Parquet folder or .xlsx workbook) into the validated analysis store.

read → refuse or pseudonymise identifiers → parse (UK dates, encodings, codes) → validate against
the Great Expectations contracts → cross-table rules → store + quarantine + manifest + data docs.
"""

from lotus_analytics.ingest.errors import IngestError
from lotus_analytics.ingest.pipeline import IngestResult, ingest

__all__ = ["IngestError", "IngestResult", "ingest"]
