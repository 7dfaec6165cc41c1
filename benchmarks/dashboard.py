"""Dashboard redraw time on the demo data (run on demand: `.venv/bin/python benchmarks/dashboard.py`).

Builds the demo store in a temporary folder, then times the timeliness page's render for every ICB x
risk level choice, each for the first time (no cached view), and prints the median and the slowest.
Goal (issue 3): a filter change redraws in well under a second.
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

from lotus_analytics import synthetic
from lotus_analytics.config import load_config
from lotus_analytics.dashboard.views import ALL, timeliness_panels
from lotus_analytics.ingest import ingest
from lotus_analytics.periods import latest_complete_quarter
from lotus_analytics.store import load_store


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        extract = synthetic.generate()
        synthetic.write_extract(extract, Path(tmp) / "extract", fmt="csv")
        ingest(Path(tmp) / "extract", Path(tmp) / "store")
        store, config = load_store(Path(tmp) / "store"), load_config()
        quarter = latest_complete_quarter(store.extract_date).label
        choices = list(itertools.product([ALL, "QE1", "QOP", "QYG"], [ALL, "low", "moderate", "high", "extreme"]))
        timeliness_panels(store, config, quarter=quarter, icb=ALL, profession=ALL, risk_level=ALL, rebase_at=(),
                          series="spc_new_concerns")  # warm-up: imports and the first SVG renderer start
        seconds = []
        for icb, risk_level in choices:
            t0 = time.perf_counter()
            timeliness_panels(store, config, quarter=quarter, icb=icb, profession=ALL, risk_level=risk_level,
                              rebase_at=(), series="spc_t1")
            seconds.append(time.perf_counter() - t0)
    print(f"timeliness page, {len(seconds)} first-time views: median {statistics.median(seconds):.2f} s, "
          f"slowest {max(seconds):.2f} s (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
