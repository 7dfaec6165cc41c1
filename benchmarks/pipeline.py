"""One benchmark run in its own process: ingest + validate an extract, then every region's published
tables of the overview family (the issue-2 measures through disclosure control; the timeliness and
equity families have benchmarks of their own: benchmarks/timeliness.py, benchmarks/equity.py).

Prints one JSON line: wall seconds per step and the process's peak resident memory, so that every
size is measured in a fresh interpreter (peak memory is per process).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from lotus_analytics.config import load_config
from lotus_analytics.ingest import ingest
from lotus_analytics.periods import latest_complete_quarter
from lotus_analytics.reports.tables import Scope, published_tables
from lotus_analytics.schema import REGIONS
from lotus_analytics.store import load_store


def main(extract: Path, store: Path) -> None:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    manifest = ingest(extract, store).manifest
    timings["ingest_validate_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    data = load_store(store)
    quarter = latest_complete_quarter(data.extract_date)
    config = load_config()
    regions = [r for r in REGIONS if (data.cases["region"] == r).any()]
    tables = [published_tables(data, Scope(quarter, region), config, families=["overview"]) for region in regions]
    timings["measures_s"] = time.perf_counter() - t1
    timings["total_s"] = time.perf_counter() - t0
    print(json.dumps({
        "cases": manifest["tables"]["cases"]["rows_read"],
        "regions": len(tables),
        **{k: round(v, 2) for k, v in timings.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
