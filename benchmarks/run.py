"""Benchmarks, run on demand (`make benchmark`): figures for the README, not pass/fail tests.

1. Ingest + validate + the issue-2 measures on synthetic extracts of about 10k, 100k and 1M cases
   (all seven regions), each in a fresh process: wall time and peak memory.
   Goal: 1M cases under 60 s and under 4 GB on a 2-core machine.
2. `lotus report` on the demo store against a bare papermill run of an empty notebook (the floor).

Results go to benchmarks/results/results.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from lotus_analytics import synthetic
from lotus_analytics.schema import REGIONS

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CALIBRATION_MARGIN = 1.03  # case volumes grow slightly less than linearly with scale: aim a little high


def _extract_for(cases: int, work: Path) -> Path:
    """Write an all-region synthetic CSV extract of at least about `cases` cases (generation is not timed)."""
    per_unit = len(synthetic.generate(seed=1, regions=REGIONS, scale=1.0).cases)
    extract = synthetic.generate(seed=1, regions=REGIONS, scale=CALIBRATION_MARGIN * cases / per_unit)
    folder = work / f"extract_{cases}"
    synthetic.write_extract(extract, folder, fmt="csv")
    return folder


def pipeline_run(extract: Path, store: Path) -> dict:
    out = subprocess.run(
        [sys.executable, str(HERE / "pipeline.py"), str(extract), str(store)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _timed(command: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - t0


def report_against_floor(work: Path) -> dict:
    """Seconds for `lotus report` on the demo store vs papermill on an empty notebook."""
    empty = work / "empty.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("pass")]
    nbformat.write(nb, empty)
    t0 = time.perf_counter()
    papermill.execute_notebook(str(empty), str(work / "empty_out.ipynb"), kernel_name="python3", progress_bar=False)
    floor = time.perf_counter() - t0
    lotus = str(Path(sys.executable).with_name("lotus"))
    store, reports = work / "demo_store", work / "reports"
    subprocess.run([lotus, "synth", "--out", str(work / "demo")], check=True, capture_output=True)
    subprocess.run([lotus, "ingest", str(work / "demo"), "--store", str(store)], check=True, capture_output=True)
    report = _timed([lotus, "report", "--store", str(store), "--out", str(reports)])
    return {"report_s": round(report, 1), "empty_notebook_s": round(floor, 1), "ratio": round(report / floor, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runs = [pipeline_run(_extract_for(n, work), work / f"store_{n}") for n in args.sizes]
        report = report_against_floor(work)
    results = {"pipeline": runs, "report": report}
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2))
    print("| cases | ingest + validate (s) | measures (s) | total (s) | peak memory (MB) |")
    print("|---:|---:|---:|---:|---:|")
    for r in runs:
        print(f"| {r['cases']:,} | {r['ingest_validate_s']} | {r['measures_s']} | {r['total_s']} | {r['peak_rss_mb']:,} |")
    print(f"\n`lotus report` on the demo store: {report['report_s']} s; papermill on an empty notebook: "
          f"{report['empty_notebook_s']} s; ratio {report['ratio']}.")


if __name__ == "__main__":
    main()
