"""Validation of the relative likelihood of entering the process on seeded synthetic extracts (issue 4).

Run on demand (not part of the test suite; about 10 minutes on 2 cores):

    .venv/bin/python -m validation.entry_likelihood --runs 200

For each seed and each scenario (the generator's default effects, whose marginal ratios are about 2,
and `Effects.none()`, where every ratio is about 1) it generates a North West extract at scale 1,
computes `inequalities.entry_relative_likelihood` for every dimension of schema.DIMENSIONS over the
default rolling window (two financial years ending at the latest complete quarter, packaged
defaults) and compares each interval with the generator's exact ground truth for that window. It
reports coverage, flag rates (whole interval outside the band) and how often the interval excludes 1,
each with a Wilson interval, to validation/results/entry_likelihood.json, and the headline figures
the report quotes to lotus_analytics/reports/validation_summary.json. Beside the measure's own
interval (log-Poisson rate ratio) it scores the Katz interval of WRES on the same counts, for comparison.
"""

from __future__ import annotations

import argparse
import inspect
import json
import multiprocessing
import subprocess
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from lotus_analytics import __version__, schema, synthetic
from lotus_analytics.inequalities import entry_relative_likelihood
from lotus_analytics.periods import Window, latest_complete_quarter, rolling_window
from lotus_analytics.stats import risk_ratio, wilson_interval, z_value
from lotus_analytics.synthetic import Effects
from lotus_analytics.synthetic.typed import default_config

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "validation" / "results" / "entry_likelihood.json"
SUMMARY = ROOT / "lotus_analytics" / "reports" / "validation_summary.json"
REGIONS = ("North West",)
SCALE = 1.0
SCENARIOS: dict[str, Effects] = {"injected": Effects(), "no_effect": Effects.none()}
KEY_COMPARISONS = (("ethnic_group_2", "Black and minority ethnic"), ("pmq_region", "international"))
FLAGS = ("higher", "lower")
RATE_COLUMNS = ("covers", "flagged", "excludes_one", "covers_katz", "excludes_one_katz")


def report_window(extract_date: date, years: int) -> tuple[str, Window]:
    """The default window (`years` financial years ending at the latest complete quarter) and its ground-truth key."""
    quarter = latest_complete_quarter(extract_date)
    return f"{years} years to {quarter.label}", rolling_window(quarter, years)


def _katz_comparison(table: pd.DataFrame, truth: dict[str, Any], dimension: str, confidence: float) -> pd.DataFrame:
    """The Katz interval of WRES (the measure's interval until this study) on the same counts, for comparison.

    `covers_katz` and `excludes_one_katz`: the Katz interval (stats.risk_ratio, SE = √(1/a − 1/n1 + 1/c − 1/n0))
    covers the truth, lies wholly above or below 1 (False where it is not calculable: no events, or as many
    cases as headcount). `expected_katz_coverage`: the coverage it should reach if cases are Poisson counts
    with the ground truth's expected cases and headcount: 2Φ(z·SE_Katz/SE_Poisson) − 1.
    """
    z = z_value(confidence)
    expected, people = truth["expected_cases"][dimension], truth["headcount"][dimension]
    ea = table["group"].map(expected).to_numpy(float)
    ec = np.array([expected[r] for r in table["reference"]])
    na = table["group"].map(people).to_numpy(float)
    nc = np.array([people[r] for r in table["reference"]])
    katz_se = np.sqrt(1 / ea - 1 / na + 1 / ec - 1 / nc)
    poisson_se = np.sqrt(1 / ea + 1 / ec)
    counts = table[["events", "headcount", "ref_events", "ref_headcount"]].astype(float).to_numpy()
    katz = (counts[:, 1] > counts[:, 0]) & (counts[:, 3] > counts[:, 2])
    lower, upper = np.full(len(table), np.nan), np.full(len(table), np.nan)
    if katz.any():
        _, lower[katz], upper[katz] = risk_ratio(*counts[katz].T, confidence=confidence)
    truth_ratio = table["truth"].to_numpy(float)
    return pd.DataFrame({
        "covers_katz": (lower <= truth_ratio) & (truth_ratio <= upper),
        "excludes_one_katz": (lower > 1) | (upper < 1),
        "expected_katz_coverage": 2 * sps.norm.cdf(z * katz_se / poisson_se) - 1,
    }, index=table.index)


def run_one(seed: int, scenario: str, *, regions: Sequence[str] = REGIONS, scale: float = SCALE) -> pd.DataFrame:
    """One extract: every non-reference group of every dimension, its interval and the ground truth.

    Columns: scenario, seed, dimension, group, reference, events, headcount, ref_events, ref_headcount,
    ratio, lower, upper, verdict, truth, calculable, covers (lower ≤ truth ≤ upper), flagged (verdict
    higher or lower: whole interval outside the band), excludes_one, and the Katz comparison of
    `_katz_comparison`: covers_katz, excludes_one_katz, expected_katz_coverage. Rows that are not
    calculable carry NaN intervals and False flags; a group the ground truth has no ratio for (no
    headcount) is left out.
    """
    settings = default_config().inequalities  # packaged defaults: a local lotus.toml must not change the study
    extract = synthetic.generate(seed=seed, regions=regions, scale=scale, effects=SCENARIOS[scenario])
    key, window = report_window(extract.extract_date, settings.window_years)
    truth = extract.ground_truth["entry"]["windows"][key]
    frames = []
    references = extract.ground_truth["entry"]["reference"]  # the configured ones, intersections included
    for dimension in schema.DIMENSIONS:
        table = entry_relative_likelihood(
            extract.cases, extract.workforce, dimension=dimension, reference=references[dimension],
            window=window, confidence=settings.confidence, band=settings.band,
        )
        table["truth"] = table["group"].map(truth["relative_likelihood"][dimension])
        table = table[table["truth"].notna()]
        frames.append(pd.concat([table, _katz_comparison(table, truth, dimension, settings.confidence)], axis=1))
    rows = pd.concat(frames, ignore_index=True)
    rows["calculable"] = rows["ratio"].notna()
    rows["covers"] = (rows["lower"] <= rows["truth"]) & (rows["truth"] <= rows["upper"])
    rows["flagged"] = rows["verdict"].isin(FLAGS)
    rows["excludes_one"] = (rows["lower"] > 1) | (rows["upper"] < 1)
    rows = rows.assign(scenario=scenario, seed=seed)
    return rows[["scenario", "seed", "dimension", "group", "reference", "events", "headcount", "ref_events",
                 "ref_headcount", "ratio", "lower", "upper", "verdict", "truth", "calculable", *RATE_COLUMNS,
                 "expected_katz_coverage"]]


def _run_task(task: tuple[int, str]) -> pd.DataFrame:
    seed, scenario = task
    return run_one(seed, scenario)


def run_all(seeds: Sequence[int], workers: int) -> pd.DataFrame:
    """Every scenario for every seed (the same seeds, so the scenarios share their populations), with progress."""
    tasks = [(seed, scenario) for scenario in SCENARIOS for seed in seeds]
    started, frames = time.perf_counter(), []
    with multiprocessing.Pool(workers) as pool:
        for done, frame in enumerate(pool.imap_unordered(_run_task, tasks), start=1):
            frames.append(frame)
            if done % 20 == 0 or done == len(tasks):
                print(f"{done}/{len(tasks)} extracts, {time.perf_counter() - started:.0f} s", flush=True)
    rows = pd.concat(frames, ignore_index=True)
    order = rows["scenario"].map(list(SCENARIOS).index) * (1 + max(seeds)) + rows["seed"]
    return rows.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def proportion(count: int, n: int, confidence: float = 0.95) -> dict[str, Any]:
    """count of n as a proportion with its Wilson interval (None when n is 0)."""
    if n == 0:
        return {"count": 0, "n": 0, "proportion": None, "wilson": None}
    lower, upper = wilson_interval(count, n, confidence)
    return {"count": int(count), "n": int(n), "proportion": count / n, "wilson": [lower, upper]}


def summarise(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Per scenario and comparison: runs, calculable runs, truth range and each rate over the calculable runs."""
    out = []
    for (scenario, dimension, group), part in rows.groupby(["scenario", "dimension", "group"], sort=False):
        ok = part[part["calculable"]]
        out.append({
            "scenario": scenario, "dimension": dimension, "group": group, "reference": part["reference"].iloc[0],
            "runs": len(part), "calculable": len(ok),
            "truth": {"mean": part["truth"].mean(), "min": part["truth"].min(), "max": part["truth"].max()},
            "ratio_mean": ok["ratio"].mean(), "mean_events": part["events"].mean(),
            **{c: proportion(int(ok[c].sum()), len(ok)) for c in RATE_COLUMNS},
            "flagged_higher": proportion(int((ok["verdict"] == "higher").sum()), len(ok)),
            "expected_katz_coverage": ok["expected_katz_coverage"].mean(),
        })
    return out


def any_flag_per_extract(rows: pd.DataFrame, scenario: str) -> dict[str, Any]:
    """Share of the scenario's extracts in which at least one comparison (of any dimension) is flagged."""
    part = rows[rows["scenario"] == scenario]
    flagged = part.groupby("seed")["flagged"].any()
    return {"comparisons_per_extract": int(part.groupby("seed").size().max()),
            **proportion(int(flagged.sum()), len(flagged))}


def _find(summary: Iterable[dict[str, Any]], scenario: str, dimension: str, group: str) -> dict[str, Any]:
    return next(s for s in summary if (s["scenario"], s["dimension"], s["group"]) == (scenario, dimension, group))


def headline(rows: pd.DataFrame, summary: list[dict[str, Any]], design: dict[str, Any]) -> dict[str, Any]:
    """The figures the report quotes: coverage of every comparison's injected truth (one extract per seed, so
    the Wilson intervals hold), the false-flag rate with no effect and the power to flag and to detect a
    relative likelihood of about 2."""
    coverage = [{"dimension": s["dimension"], "group": s["group"], "reference": s["reference"],
                 "true_relative_likelihood": s["truth"]["mean"], **s["covers"]}
                for s in summary if s["scenario"] == "injected"]
    key = [(d, g) for d, g in KEY_COMPARISONS]
    return {
        "measure": "relative likelihood of entering the process (log-Poisson rate-ratio 95% interval)",
        "date_run": design["date_run"], "package_version": __version__,
        "runs_per_scenario": design["runs"], "volume": design["volume"], "window": design["window"],
        "band": design["band"], "goals": design["goals"],
        "coverage": coverage,
        "false_flags": {
            **{f"{d}: {g}": {"flagged": _find(summary, "no_effect", d, g)["flagged"],
                             "excludes_one": _find(summary, "no_effect", d, g)["excludes_one"]} for d, g in key},
            "any_comparison_in_extract": any_flag_per_extract(rows, "no_effect"),
        },
        "power": {
            f"{d}: {g}": {"true_relative_likelihood": _find(summary, "injected", d, g)["truth"],
                          "flagged": _find(summary, "injected", d, g)["flagged_higher"],
                          "excludes_one": _find(summary, "injected", d, g)["excludes_one"]} for d, g in key
        },
    }


USED = ("lotus_analytics/synthetic", *(f"lotus_analytics/{m}" for m in (
    "inequalities.py", "schema.py", "stats.py", "periods.py", "config.py", "defaults.toml", "workdays.py")))


def source_state() -> str:
    """The commit run from, marked when a module the study uses had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *USED) != ""
    return f"{git('rev-parse', '--short', 'HEAD')}{' with uncommitted changes' if dirty else ''}"


def design_of(seeds: Sequence[int], workers: int, source: str) -> dict[str, Any]:
    """What was run: seeds, volume, window, band, scenarios and goals."""
    settings = default_config().inequalities
    extract_date = inspect.signature(synthetic.generate).parameters["extract_date"].default
    key, window = report_window(extract_date, settings.window_years)
    return {
        "runs": len(seeds), "seeds": list(seeds), "workers": workers, "date_run": date.today().isoformat(),
        "source": source,
        "volume": f"{', '.join(REGIONS)} at scale {SCALE:g} (synthetic.generate defaults: about 12,000 performers)",
        "extract_date": extract_date.isoformat(),
        "window": f"{key}: {window.label}", "confidence": settings.confidence,
        "band": f"{settings.band[0]:.2f}-{settings.band[1]:.2f}",
        "scenarios": {name: {k: v for k, v in asdict(e).items() if k.startswith("entry_")} for name, e in SCENARIOS.items()},
        "goals": {"coverage": ">= 0.94", "false_flag_rate": "<= 0.05"},
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="seeded extracts per scenario (default 200)")
    parser.add_argument("--first-seed", type=int, default=1, help="seeds run from this one upwards (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args(argv)
    seeds = list(range(args.first_seed, args.first_seed + args.runs))
    started, source = time.perf_counter(), source_state()
    rows = run_all(seeds, args.workers)
    design = design_of(seeds, args.workers, source)
    summary = summarise(rows)
    results = {
        "package_version": __version__, "generator": synthetic.generator.GENERATOR,
        "runtime_s": round(time.perf_counter() - started, 1), "design": design, "comparisons": summary,
        "any_flag_per_extract": {s: any_flag_per_extract(rows, s) for s in SCENARIOS},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    SUMMARY.write_text(json.dumps(headline(rows, summary, design), indent=1) + "\n")
    print(markdown_table(summary))
    print(f"\n{len(seeds)} runs per scenario in {results['runtime_s']} s; written {RESULTS.relative_to(ROOT)} "
          f"and {SUMMARY.relative_to(ROOT)}")


def _percent(p: dict[str, Any]) -> str:
    if p["proportion"] is None:
        return "-"
    return f"{100 * p['proportion']:.1f}% ({100 * p['wilson'][0]:.1f}-{100 * p['wilson'][1]:.1f})"


def markdown_table(summary: list[dict[str, Any]]) -> str:
    """The per-comparison results as the Markdown table of docs/validation.md."""
    lines = ["| scenario | dimension | group (vs reference) | true RL, mean (range) | calculable | coverage | "
             "flagged | interval excludes 1 | Katz coverage | Katz excludes 1 | expected Katz coverage if Poisson |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summary:
        t = s["truth"]
        lines.append(
            f"| {s['scenario']} | {s['dimension']} | {s['group']} (vs {s['reference']}) | {t['mean']:.2f} "
            f"({t['min']:.2f}-{t['max']:.2f}) | {s['calculable']}/{s['runs']} | {_percent(s['covers'])} | "
            f"{_percent(s['flagged'])} | {_percent(s['excludes_one'])} | {_percent(s['covers_katz'])} | "
            f"{_percent(s['excludes_one_katz'])} | {100 * s['expected_katz_coverage']:.1f}% |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
