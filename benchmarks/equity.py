"""Equity tables at 1M cases, timed step by step, and the same core work done with fairlearn's MetricFrame.

Run on demand: `.venv/bin/python benchmarks/equity.py` (needs the "benchmark" extra: fairlearn).
The all-region extract (synthetic.generate(seed=1, regions=REGIONS, scale=60), about 1M cases) is
generated first and not timed. Each step of STEPS is then timed (best of --repeats) over every
region, as the reports build their tables; a step with a `fairlearn` counterpart times that too and
reports LOTUS time ÷ fairlearn time. Results go to benchmarks/results/equity.json.

What is compared for the entry relative likelihood: fairlearn's MetricFrame computes a metric of
predictions per group of sample-level rows. Entry is a rate of cases per headcount, so its samples
are the cases received in the window (y = 1, weight 1) and the dimension's workforce rows (y = 0,
weighted by their window headcount); `selection_rate` with those weights is s = events ÷ (events +
headcount) per (region, group), so events ÷ headcount = s ÷ (1 − s), and the ratio to the reference
group follows by division. The fairlearn side is timed from the same typed tables, including its
pandas preparation (window filter, grouping of codes, headcount weights). The LOTUS side does more:
Katz interval, Fisher's exact p, the verdict against the band and the labelled output table.
New steps (progression, consistency, funnels, Kaplan-Meier by group) are added to STEPS.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

from lotus_analytics import organisations, schema, synthetic
from lotus_analytics.config import Config, load_config
from lotus_analytics.inequalities import DEMOGRAPHIC_COLUMNS, dimension_values, entry_relative_likelihood, not_stated_share
from lotus_analytics.periods import Window, fy_start_of, latest_complete_quarter, rolling_window

RESULTS = Path(__file__).resolve().parent / "results"
SEED, SCALE = 1, 60


@dataclass(frozen=True)
class Data:
    """What every step works on: the typed tables, whole and split by region, the report window and the settings."""

    all_cases: pd.DataFrame
    all_workforce: pd.DataFrame
    cases: dict[str, pd.DataFrame]
    workforce: dict[str, pd.DataFrame]
    window: Window
    config: Config


@dataclass(frozen=True)
class Step:
    """A named, timed piece of the equity tables, with the same core work in fairlearn where there is one."""

    name: str
    lotus: Callable[[Data], pd.DataFrame]
    fairlearn: Callable[[Data], pd.DataFrame] | None = None
    compared: str = ""
    value: str = "ratio"
    """The column both sides compute, checked to agree."""


def lotus_entry(data: Data) -> pd.DataFrame:
    """entry_relative_likelihood for every dimension of every region (as the reports build it)."""
    ineq = data.config.inequalities
    return pd.concat([
        entry_relative_likelihood(data.cases[region], data.workforce[region], dimension=dimension,
                                  reference=schema.reference_group(dimension, ineq.reference), window=data.window,
                                  confidence=ineq.confidence, band=ineq.band).assign(region=region)
        for region in data.cases for dimension in schema.DIMENSIONS
    ], ignore_index=True)


def lotus_not_stated(data: Data) -> pd.DataFrame:
    """not_stated_share for every dimension of every region."""
    return pd.concat([
        not_stated_share(data.cases[region], data.workforce[region], dimension=dimension, window=data.window)
        .assign(region=region)
        for region in data.cases for dimension in schema.DIMENSIONS
    ], ignore_index=True)


def lotus_funnel(data: Data) -> pd.DataFrame:
    """escalation_funnel by ICB for every region: proportion of cases reaching investigation and its funnel verdict."""
    return pd.concat([organisations.escalation_funnel(data.cases[region], unit="icb_code", window=data.window)
                      .assign(region=region) for region in data.cases], ignore_index=True)


def lotus_standardised(data: Data) -> pd.DataFrame:
    """standardised_ratios by ICB for every region: escalation observed ÷ expected from profession x age band."""
    return pd.concat([organisations.standardised_ratios(data.cases[region], unit="icb_code", window=data.window)
                      .assign(region=region) for region in data.cases], ignore_index=True)


def fairlearn_funnel(data: Data) -> pd.DataFrame:
    """Proportion of cases escalated to investigation per (region, ICB): MetricFrame.selection_rate."""
    cases = data.all_cases
    inside = cases[cases["date_received"].between(data.window.start, data.window.end)]
    escalated = inside[organisations.ESCALATION_FLAG].fillna(False).astype(int).to_numpy()
    frame = MetricFrame(metrics=selection_rate, y_true=escalated, y_pred=escalated,
                        sensitive_features=inside[["region", "icb_code"]])
    return frame.by_group.rename("proportion").reset_index().rename(columns={"icb_code": "unit"})


def _headcount_weights(workforce: pd.DataFrame, window: Window) -> pd.Series:
    """Each workforce row's share of the window headcount: its year's window quarters ÷ all the window's
    quarters, a year with no headcount yet counting with the latest earlier year's (as LOTUS does)."""
    available = sorted(workforce["period"].unique(), key=fy_start_of)
    share: dict[str, float] = {}
    total = sum(window.quarters_per_year.values())
    for year, quarters in window.quarters_per_year.items():
        source = [p for p in available if fy_start_of(p) <= fy_start_of(year)][-1]
        share[source] = share.get(source, 0.0) + quarters / total
    return workforce["period"].map(share).fillna(0.0)


def fairlearn_entry(data: Data) -> pd.DataFrame:
    """Rate per 1,000 headcount and ratio to the reference, per (region, group), with MetricFrame.selection_rate."""
    cases, workforce, window = data.all_cases, data.all_workforce, data.window
    inside = cases[cases["date_received"].between(window.start, window.end)]
    frames = []
    for dimension, definition in schema.DIMENSIONS.items():
        columns = list(definition.columns)
        others = [c for c in DEMOGRAPHIC_COLUMNS if c not in columns]
        rows = workforce[workforce[columns].notna().all(axis=1) & workforce[others].isna().all(axis=1)]
        weight = rows["headcount"].to_numpy(float) * _headcount_weights(rows, window).to_numpy()
        groups = pd.concat([dimension_values(inside, dimension), dimension_values(rows, dimension)])
        sensitive = pd.DataFrame({"region": np.concatenate([inside["region"], rows["region"]]),
                                  "group": groups.fillna("missing").to_numpy()})
        y = np.concatenate([np.ones(len(inside), dtype=int), np.zeros(len(rows), dtype=int)])
        frame = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=sensitive,
                            sample_params={"sample_weight": np.concatenate([np.ones(len(inside)), weight])})
        share = frame.by_group
        rate = 1000 * share / (1 - share)
        reference = rate.xs(schema.reference_group(dimension, data.config.inequalities.reference), level="group")
        ratio = rate / reference.reindex(rate.index.get_level_values("region")).to_numpy()
        frames.append(pd.DataFrame({"rate": rate, "ratio": ratio}).reset_index().assign(dimension=dimension))
    return pd.concat(frames, ignore_index=True)


ENTRY_COMPARED = (
    "per (region, group) of every dimension: cases received in the window per 1,000 window headcount and "
    "its ratio to the reference group. fairlearn: MetricFrame(selection_rate, sensitive_features=[region, "
    "group]) over case rows (y=1) and workforce rows (y=0, weighted by window headcount), rate = s/(1-s), "
    "plus its pandas preparation; LOTUS also gives the Katz interval, Fisher's exact p and the verdict"
)
FUNNEL_COMPARED = (
    "per (region, ICB): proportion of the window's cases that reached investigation. fairlearn: "
    "MetricFrame(selection_rate, sensitive_features=[region, icb_code]) over those cases; LOTUS also gives "
    "the pooled average, the 95% and 99.8% inverted-Wilson funnel limits and the verdict"
)
STEPS: list[Step] = [
    Step("entry relative likelihood, every dimension, each region", lotus_entry, fairlearn_entry, ENTRY_COMPARED),
    Step("not-stated share, every dimension, each region", lotus_not_stated),
    Step("escalation funnel by ICB, each region", lotus_funnel, fairlearn_funnel, FUNNEL_COMPARED, "proportion"),
    Step("standardised escalation ratio by ICB (profession x age band), each region", lotus_standardised),
]


def best_of(repeats: int, work: Callable[[Data], pd.DataFrame], data: Data) -> tuple[float, pd.DataFrame]:
    """Fastest of `repeats` wall times (seconds) and the result of the last run."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = work(data)
        times.append(time.perf_counter() - started)
    return min(times), result


def agreement(ours: pd.DataFrame, theirs: pd.DataFrame, value: str) -> float:
    """Largest relative difference between the two sides' `value` on the rows they share (LOTUS rounds
    headcount to whole people), so that the times compared are of the same figures."""
    keys = [c for c in ("region", "dimension", "group", "unit") if c in theirs.columns]
    both = ours.merge(theirs, on=keys, suffixes=("", "_fairlearn"))
    return float(np.nanmax(np.abs(both[value] / both[f"{value}_fairlearn"] - 1)))


def load(seed: int, scale: float) -> tuple[Data, int]:
    """The all-region extract split by region (not timed) and its number of cases."""
    extract = synthetic.generate(seed=seed, regions=schema.REGIONS, scale=scale)
    config = load_config()
    window = rolling_window(latest_complete_quarter(extract.extract_date), config.inequalities.window_years)
    cases = schema.with_derived(extract.cases)  # stage flags, as the reports' inputs carry them
    regions = [r for r in schema.REGIONS if (cases["region"] == r).any()]
    data = Data(
        all_cases=cases, all_workforce=extract.workforce,
        cases={r: cases[cases["region"] == r] for r in regions},
        workforce={r: extract.workforce[extract.workforce["region"] == r] for r in regions},
        window=window, config=config,
    )
    return data, len(extract.cases)


def run_step(step: Step, data: Data, repeats: int) -> dict[str, Any]:
    seconds, ours = best_of(repeats, step.lotus, data)
    out: dict[str, Any] = {"step": step.name, "lotus_s": round(seconds, 3), "rows": len(ours)}
    if step.fairlearn:
        theirs_s, theirs = best_of(repeats, step.fairlearn, data)
        out.update(fairlearn_s=round(theirs_s, 3), ratio=round(seconds / theirs_s, 2), compared=step.compared,
                   largest_relative_difference=agreement(ours, theirs, step.value))
    print(f"{step.name}: {out}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=SCALE, help="extract scale (default 60: about 1M cases)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per step; the fastest counts")
    args = parser.parse_args()
    started = time.perf_counter()
    data, cases = load(SEED, args.scale)
    print(f"{cases:,} cases in {len(data.cases)} regions generated in {time.perf_counter() - started:.0f} s "
          f"(not timed); window {data.window.label}", flush=True)
    steps = [run_step(step, data, args.repeats) for step in STEPS]
    RESULTS.mkdir(exist_ok=True)
    results = {"cases": cases, "regions": len(data.cases), "seed": SEED, "scale": args.scale,
               "repeats": args.repeats, "window": data.window.label, "steps": steps}
    (RESULTS / "equity.json").write_text(json.dumps(results, indent=2))
    print("\n| step | LOTUS (s) | fairlearn (s) | LOTUS ÷ fairlearn |\n|---|---:|---:|---:|")
    for s in steps:
        print(f"| {s['step']} | {s['lotus_s']} | {s.get('fairlearn_s', '-')} | {s.get('ratio', '-')} |")
    print(f"\nTotal LOTUS equity tables: {sum(s['lotus_s'] for s in steps):.2f} s for {cases:,} cases.")


if __name__ == "__main__":
    main()
