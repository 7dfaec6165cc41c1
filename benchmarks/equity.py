"""Equity tables at 1M cases, timed step by step, and the same core work done with fairlearn's MetricFrame.

Run on demand: `.venv/bin/python benchmarks/equity.py` (needs the "benchmark" extra: fairlearn).
The all-region extract (synthetic.generate(seed=1, regions=REGIONS, scale=60), about 1M cases) is
generated first, with the stage flags of schema.with_derived, and none of that is timed. Each step
of STEPS is then timed over every region, as the reports build their tables (the fastest of
--repeats runs); a step with a fairlearn counterpart times that too, the two taking turns, and
reports LOTUS time ÷ fairlearn time (--no-fairlearn: LOTUS only, for quick runs). The progression,
triage-consistency and Kaplan-Meier steps work out what every dimension of a region shares
(progression.Cascade, consistency.Triage, survival.FollowUp) once per region, inside the timing, as
a caller tabulating every dimension would. The 1-minute load average is printed beside each step.
Results go to benchmarks/results/equity.json.

What is compared for the entry relative likelihood: fairlearn's MetricFrame computes a metric of
predictions per group of sample-level rows. Entry is a rate of cases per headcount, so its samples
are the cases received in the window (y = 1, weight 1) and the dimension's workforce rows (y = 0,
weighted by their window headcount); `selection_rate` with those weights is s = events ÷ (events +
headcount) per (region, group), so events ÷ headcount = s ÷ (1 − s), and the ratio to the reference
group follows by division. The fairlearn side is timed from the same typed tables, including its
pandas preparation (window filter, grouping of codes, headcount weights). The LOTUS side does more:
rate-ratio interval, Fisher's exact p, the verdict against the band and the labelled output table.
For the escalation funnel the samples are the window's cases, y = reached investigation, and
MetricFrame's selection_rate per (region, ICB) is the funnel's proportion; LOTUS adds the pooled
average, the 95% and 99.8% funnel limits and the verdict. Each comparison also checks that both sides
give the same figures. Steps without a fairlearn counterpart (not-stated shares, standardised ratios,
Kaplan-Meier) are timed for LOTUS only. New steps (progression, consistency) are added to STEPS.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

from lotus_analytics import consistency, organisations, progression, schema, survival, synthetic
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


def each_region(data: Data, table: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """`table(region)` for every region, stacked with a region column (the reports build one region at a time)."""
    return pd.concat([table(region).assign(region=region) for region in data.cases], ignore_index=True)


def each_dimension(data: Data, table: Callable[[str, str], pd.DataFrame]) -> pd.DataFrame:
    """`table(region, dimension)` for every region and every dimension of schema.DIMENSIONS."""
    return each_region(data, lambda region: pd.concat(
        [table(region, dimension) for dimension in schema.DIMENSIONS], ignore_index=True))


def reference(data: Data, dimension: str) -> str:
    """The configured reference group of `dimension` (an intersection's from its parts')."""
    return schema.reference_group(dimension, data.config.inequalities.reference)


def lotus_entry(data: Data) -> pd.DataFrame:
    """entry_relative_likelihood for every dimension of every region."""
    ineq = data.config.inequalities
    return each_dimension(data, lambda region, dimension: entry_relative_likelihood(
        data.cases[region], data.workforce[region], dimension=dimension, reference=reference(data, dimension),
        window=data.window, confidence=ineq.confidence, band=ineq.band))


def lotus_not_stated(data: Data) -> pd.DataFrame:
    """not_stated_share for every dimension of every region."""
    return each_dimension(data, lambda region, dimension: not_stated_share(
        data.cases[region], data.workforce[region], dimension=dimension, window=data.window))


def each_prepared(data: Data, prepare: Callable[[pd.DataFrame], Any],
                  table: Callable[[str, str, Any], pd.DataFrame]) -> pd.DataFrame:
    """`table(region, dimension, prepared)` for every region and dimension, `prepared = prepare(region's cases)`
    worked out once per region (and timed), as a report tabulating every dimension would."""
    def region_tables(region: str) -> pd.DataFrame:
        prepared = prepare(data.cases[region])
        return pd.concat([table(region, dimension, prepared) for dimension in schema.DIMENSIONS], ignore_index=True)
    return each_region(data, region_tables)


def lotus_progression(data: Data) -> pd.DataFrame:
    """progression (every transition of the cascade) for every dimension of every region, the stage flags
    worked out once per region (progression.Cascade)."""
    ineq = data.config.inequalities
    return each_prepared(data, lambda cases: progression.Cascade.of(cases, data.window),
                         lambda region, dimension, cascade: progression.progression(
                             data.cases[region], dimension=dimension, reference=reference(data, dimension),
                             window=data.window, confidence=ineq.confidence, band=ineq.band, cascade=cascade))


def lotus_risk_levels(data: Data) -> pd.DataFrame:
    """consistency.risk_level_distribution (risk levels by group within each concern domain), every dimension and
    region, levels and domains read once per region (consistency.Triage)."""
    return each_prepared(data, lambda cases: consistency.Triage.of(cases, data.window),
                         lambda region, dimension, triage: consistency.risk_level_distribution(
                             data.cases[region], dimension=dimension, window=data.window, triage=triage))


def lotus_risk_association(data: Data) -> pd.DataFrame:
    """consistency.risk_level_association (Mantel-Haenszel odds ratio, CMH tests), every dimension and region,
    levels and domains read once per region (consistency.Triage)."""
    return each_prepared(data, lambda cases: consistency.Triage.of(cases, data.window),
                         lambda region, dimension, triage: consistency.risk_level_association(
                             data.cases[region], dimension=dimension, reference=reference(data, dimension),
                             window=data.window, confidence=data.config.inequalities.confidence, triage=triage))


def lotus_time_to_closure(data: Data) -> pd.DataFrame:
    """Kaplan-Meier time to closure by group with the log-rank test, every dimension, every region (window cohort),
    the follow-up worked out once per region (survival.FollowUp)."""
    window = data.window
    return each_prepared(data, lambda cases: survival.FollowUp.of(cases, as_of=window.end, since=window.start),
                         lambda region, dimension, follow_up: survival.time_to_closure(
                             data.cases[region], as_of=window.end, by=dimension, since=window.start,
                             follow_up=follow_up))


def lotus_funnel(data: Data) -> pd.DataFrame:
    """escalation_funnel by ICB for every region: proportion of cases reaching investigation and its funnel verdict."""
    return each_region(data, lambda region: organisations.escalation_funnel(
        data.cases[region], unit="icb_code", window=data.window))


def lotus_standardised(data: Data) -> pd.DataFrame:
    """standardised_ratios by ICB for every region: escalation observed ÷ expected from profession x age band."""
    return each_region(data, lambda region: organisations.standardised_ratios(
        data.cases[region], unit="icb_code", window=data.window))


def fairlearn_progression(data: Data) -> pd.DataFrame:
    """P(next stage | this stage) per (region, group) of every transition and dimension: MetricFrame.selection_rate
    over the window's cases whose step is settled, flags from progression.TRANSITIONS."""
    cases = data.all_cases
    inside = cases[cases["date_received"].between(data.window.start, data.window.end)]
    flags = {t.step: [np.asarray(f, dtype=bool) for f in t.flags(inside)] for t in progression.TRANSITIONS}
    frames = []
    for dimension in schema.DIMENSIONS:
        sensitive = pd.DataFrame({"region": inside["region"].to_numpy(),
                                  "group": dimension_values(inside, dimension).fillna("missing").to_numpy()})
        for step, (reached, to, settled) in flags.items():
            cohort = reached & settled
            went_on = to[cohort].astype(int)
            frame = MetricFrame(metrics=selection_rate, y_true=went_on, y_pred=went_on,
                                sensitive_features=sensitive[cohort])
            frames.append(frame.by_group.rename("proportion").reset_index().assign(dimension=dimension, step=step))
    return pd.concat(frames, ignore_index=True)


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
        ref = rate.xs(reference(data, dimension), level="group")
        ratio = rate / ref.reindex(rate.index.get_level_values("region")).to_numpy()
        frames.append(pd.DataFrame({"rate": rate, "ratio": ratio}).reset_index().assign(dimension=dimension))
    return pd.concat(frames, ignore_index=True)


ENTRY_COMPARED = (
    "per (region, group) of every dimension: cases received in the window per 1,000 window headcount and "
    "its ratio to the reference group. fairlearn: MetricFrame(selection_rate, sensitive_features=[region, "
    "group]) over case rows (y=1) and workforce rows (y=0, weighted by window headcount), rate = s/(1-s), "
    "plus its pandas preparation; LOTUS also gives the rate-ratio interval, Fisher's exact p and the verdict"
)
PROGRESSION_COMPARED = (
    "per (region, group) of every dimension and each of the 6 transitions: P(next stage | this stage) over the "
    "window's cases whose step is settled. fairlearn: MetricFrame(selection_rate, sensitive_features=[region, "
    "group]) over those cases, y = went on, with the per-case flags of progression.TRANSITIONS (timed); LOTUS "
    "also gives the Wilson interval, the ratio to the reference with its Katz interval, Fisher p, the verdict "
    "and pending counts"
)
FUNNEL_COMPARED = (
    "per (region, ICB): proportion of the window's cases that reached investigation. fairlearn: "
    "MetricFrame(selection_rate, sensitive_features=[region, icb_code]) over those cases; LOTUS also gives "
    "the pooled average, the 95% and 99.8% inverted-Wilson funnel limits and the verdict"
)
STEPS: list[Step] = [
    Step("entry relative likelihood, every dimension, each region", lotus_entry, fairlearn_entry, ENTRY_COMPARED),
    Step("not-stated share, every dimension, each region", lotus_not_stated),
    Step("progression through the cascade (6 transitions), every dimension, each region", lotus_progression,
         fairlearn_progression, PROGRESSION_COMPARED, "proportion"),
    Step("triage risk levels by group within concern domain, every dimension, each region", lotus_risk_levels),
    Step("risk-level association (Mantel-Haenszel, CMH), every dimension, each region", lotus_risk_association),
    Step("escalation funnel by ICB, each region", lotus_funnel, fairlearn_funnel, FUNNEL_COMPARED, "proportion"),
    Step("standardised escalation ratio by ICB (profession x age band), each region", lotus_standardised),
    Step("Kaplan-Meier time to closure by group + log-rank, every dimension, each region", lotus_time_to_closure),
]


def timed(work: Callable[[Data], pd.DataFrame], data: Data) -> tuple[float, pd.DataFrame]:
    """Wall seconds of one run of `work` and its result."""
    started = time.perf_counter()
    result = work(data)
    return time.perf_counter() - started, result


def agreement(ours: pd.DataFrame, theirs: pd.DataFrame, value: str) -> float:
    """Largest relative difference between the two sides' `value` on the rows they share (LOTUS rounds
    headcount to whole people), so that the times compared are of the same figures."""
    keys = [c for c in ("region", "dimension", "step", "group", "unit") if c in theirs.columns]
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


def run_step(step: Step, data: Data, repeats: int, with_fairlearn: bool = True) -> dict[str, Any]:
    """The fastest of `repeats` runs of each side, the two sides taking turns (the machine is shared);
    the LOTUS side only unless `with_fairlearn`."""
    compare = step.fairlearn if with_fairlearn else None
    ours_s, theirs_s = [], []
    for _ in range(repeats):
        seconds, ours = timed(step.lotus, data)
        ours_s.append(seconds)
        if compare:
            seconds, theirs = timed(compare, data)
            theirs_s.append(seconds)
    out: dict[str, Any] = {"step": step.name, "lotus_s": round(min(ours_s), 3), "rows": len(ours),
                           "load_1min": round(os.getloadavg()[0], 2)}
    if compare:
        out.update(fairlearn_s=round(min(theirs_s), 3), ratio=round(min(ours_s) / min(theirs_s), 2),
                   compared=step.compared, largest_relative_difference=agreement(ours, theirs, step.value))
    print(f"{step.name}: LOTUS {out['lotus_s']} s" + (f", fairlearn {out['fairlearn_s']} s" if compare else "")
          + f" (load {out['load_1min']})", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=SCALE, help="extract scale (default 60: about 1M cases)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per step; the fastest counts")
    parser.add_argument("--no-fairlearn", action="store_true", help="time the LOTUS side only (fairlearn takes minutes)")
    args = parser.parse_args()
    started = time.perf_counter()
    data, cases = load(SEED, args.scale)
    print(f"{cases:,} cases in {len(data.cases)} regions generated in {time.perf_counter() - started:.0f} s "
          f"(not timed); window {data.window.label}", flush=True)
    load_before = os.getloadavg()
    steps = [run_step(step, data, args.repeats, not args.no_fairlearn) for step in STEPS]
    load_after = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    results = {"cases": cases, "regions": len(data.cases), "seed": SEED, "scale": args.scale,
               "repeats": args.repeats, "window": data.window.label, "load_before": load_before,
               "load_after": load_after, "steps": steps}
    (RESULTS / "equity.json").write_text(json.dumps(results, indent=2))
    print("\n| step | LOTUS (s) | fairlearn (s) | LOTUS ÷ fairlearn |\n|---|---:|---:|---:|")
    for s in steps:
        print(f"| {s['step']} | {s['lotus_s']} | {s.get('fairlearn_s', '-')} | {s.get('ratio', '-')} |")
    print(f"\nTotal LOTUS equity tables: {sum(s['lotus_s'] for s in steps):.2f} s for {cases:,} cases.")
    print("load average (1, 5, 15 min): before timing {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}"
          .format(*load_before, *load_after))


if __name__ == "__main__":
    main()
