"""Benchmark of the timeliness measures (issue 3), run on demand: `.venv/bin/python benchmarks/timeliness.py`.

Generates an all-region synthetic extract of about 1,040,000 cases and 5.6 million updates (seed 1,
scale 60; not timed), then times every measure a report or dashboard builds from it: T1-T4 by month
and by financial quarter, each by profession, ICB and risk level (T3 from the updates table); Kaplan-
Meier time to closure and its curve, overall and by ethnic group; T5 and T6 at the last complete
quarter's end, overall and by the three groupings; the monthly SPC series. Goal: under 10 s in total
on a 2-core machine. Prints a Markdown table, one row per call, and the totals: wall-clock seconds and
the process's CPU seconds (the wall time on an otherwise idle machine, near enough; the machine is
often shared, so the load averages before and after the timed calls are printed beside them).

By default the completed durations of T1-T4 (T3's outcome letters matched to their cases) are
computed once (`timeliness.completed_durations`, timed as its own row) and every T1-T4 table and the
monthly series reuse them, as a report or dashboard cutting one extract many ways does; `--no-reuse`
times each call on its own instead.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Callable

import pandas as pd

from lotus_analytics import synthetic
from lotus_analytics.config import load_config
from lotus_analytics.open_cases import contact_gap_summary, contact_gaps, open_case_ages
from lotus_analytics.periods import latest_complete_quarter
from lotus_analytics.schema import REGIONS
from lotus_analytics.survival import km_curve, time_to_closure
from lotus_analytics.timeliness import STAGES, completed_durations, monthly_series, stage_timeliness
from lotus_analytics.workdays import bank_holidays

GROUPINGS = ("profession", "icb_code", "risk_level")
GOAL_SECONDS = 10.0


Row = tuple[str, float, float, int]


def _timed(label: str, call: Callable[[], object], rows: list[Row]) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    rows.append((label, time.perf_counter() - wall, time.process_time() - cpu,
                 len(result) if hasattr(result, "__len__") else 0))
    return result


def run(scale: float, reuse: bool) -> list[Row]:
    """Every timed call on a freshly generated extract: (what, wall seconds, CPU seconds, rows of the result)."""
    started = time.perf_counter()
    extract = synthetic.generate(seed=1, regions=REGIONS, scale=scale)
    print(f"extract: {len(extract.cases):,} cases, {len(extract.updates):,} updates "
          f"(generated in {time.perf_counter() - started:.0f} s, not timed)\n")
    cases, updates = extract.cases, extract.updates
    config = load_config()
    targets = {"T1": config.targets.triage_working_days, "T2": config.targets.pag_working_days,
               "T3": config.targets.inform_working_days, "T4": None}
    holidays = bank_holidays(config.bank_holiday_subdivision, config.extra_closure_days)
    as_of = latest_complete_quarter(extract.extract_date).end
    rows: list[Row] = []
    durations = _timed("completed durations of T1-T4, once", lambda: completed_durations(
        cases, holidays=holidays, updates=updates), rows) if reuse else None
    for measure in STAGES:
        for period in ("month", "quarter"):
            for column in GROUPINGS:
                _timed(f"{measure} by {period} x {column}", lambda: stage_timeliness(
                    cases, measure=measure, period=period, target=targets[measure], holidays=holidays, by=[column],
                    updates=updates, durations=durations), rows)
    for by in (None, "ethnic_group_2"):
        _timed(f"Kaplan-Meier time to closure, {by or 'overall'}",
               lambda: time_to_closure(cases, as_of=as_of, by=by), rows)
        _timed(f"Kaplan-Meier curve, {by or 'overall'}", lambda: km_curve(cases, as_of=as_of, by=by), rows)
    for by in ((), *((c,) for c in GROUPINGS)):
        _timed(f"T5 open-case ages{' x ' + by[0] if by else ''}", lambda: open_case_ages(cases, as_of=as_of, by=by),
               rows)
    gaps = _timed("T6 contact gaps (case level)", lambda: contact_gaps(
        cases, updates, as_of=as_of, target_days=config.targets.contact_gap_calendar_days), rows)
    for by in ((), *((c,) for c in GROUPINGS)):
        _timed(f"T6 summary{' x ' + by[0] if by else ''}", lambda: contact_gap_summary(gaps, by=by), rows)
    _timed("monthly SPC series (new concerns, T1-T4 medians)",
           lambda: monthly_series(cases, holidays=holidays, updates=updates, end=as_of, durations=durations), rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=60.0, help="synthetic scale (60: about 1M cases)")
    parser.add_argument("--no-reuse", action="store_true", help="compute the T1-T4 durations in every call")
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = run(args.scale, reuse=not args.no_reuse)
    load_after = os.getloadavg()
    table = pd.DataFrame(rows, columns=["measure", "wall", "cpu", "rows"])
    print("| measure | wall s | CPU s | rows |\n|---|---:|---:|---:|")
    for measure, wall, cpu, n in table.itertuples(index=False):
        print(f"| {measure} | {wall:.2f} | {cpu:.2f} | {n:,} |")
    wall, cpu = table["wall"].sum(), table["cpu"].sum()
    print(f"| **total** | **{wall:.1f}** | **{cpu:.1f}** | |\n\ngoal: under {GOAL_SECONDS:.0f} s - "
          f"{'met' if wall < GOAL_SECONDS else 'not met'} (wall), {'met' if cpu < GOAL_SECONDS else 'not met'} (CPU)")
    print("load average (1, 5, 15 min): before generating {:.2f} {:.2f} {:.2f}, after timing {:.2f} {:.2f} {:.2f}"
          .format(*load_before, *load_after))


if __name__ == "__main__":
    main()
