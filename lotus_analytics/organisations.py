"""Organisation-level equity measures (METHODS.md §2): funnel plots of units and standardised ratios.

Units are ICBs by default, or any other column of the cases table (region, profession ...). Two
questions are answered the way the Fingertips profiles answer them (UKHSA's PHEindicatormethods):
- does a unit escalate more or fewer of its cases to investigation than the pooled average, given
  its size? (`escalation_funnel`, drawn with `funnel_curve`: inverted-Wilson funnel limits);
- does a unit reach an outcome more or less often than expected from its case mix (profession x
  age band)? (`standardised_ratios`, drawn with `ratio_funnel_curve`: indirectly standardised
  ratios and exact Poisson funnel limits).
A unit is flagged when it lies outside the 95% or 99.8% limits (PHE's assign_funnel_significance).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.periods import Window
from lotus_analytics.stats import proportion_funnel_limits, ratio_funnel_limits, standardised_ratio

ESCALATION_FLAG = "reached_investigation"
MISSING = "missing"
WITHIN = "within limits"
NOT_CALCULABLE = "not calculable"
FUNNEL_METHOD = (
    "funnel limits around the pooled average: inverted Wilson score interval, p = 0.975 (95%) and "
    "0.999 (99.8%) (PHEindicatormethods calculate_funnel_limits and assign_funnel_significance)"
)
ESCALATION_RULE = (
    "escalated = reached investigation (investigation commissioned, or an investigation start date); "
    "denominator = cases received in the window, so recent cases may not have reached it yet"
)
RATIO_METHOD = (
    "indirectly standardised ratio: expected = sum over strata of the pooled rate of all units x the "
    "unit's cases (PHEindicatormethods calculate_ISRatio); flagged when the 95% or 99.8% interval of "
    "observed/expected excludes 1 (assign_funnel_significance)"
)
INTERVAL_METHODS = {True: "exact Poisson interval (fewer than 10 observed)", False: "Byar's interval"}


def level_label(confidence: float) -> str:
    """A confidence level as readers see it: 0.95 -> "95%", 0.998 -> "99.8%"."""
    return f"{100 * confidence:.10g}%"


def level_suffix(confidence: float) -> str:
    """The column suffix of a confidence level: 0.95 -> "95", 0.998 -> "99_8"."""
    return level_label(confidence).rstrip("%").replace(".", "_")


def _levels(confidence_levels: Sequence[float]) -> list[float]:
    """Confidence levels, narrowest first, once known to lie strictly between 0 and 1."""
    if not confidence_levels or any(not 0 < c < 1 for c in confidence_levels):
        raise ValueError(f"confidence levels must lie strictly between 0 and 1, not {tuple(confidence_levels)!r}")
    return sorted(set(confidence_levels))


def _with_limits(
    frame: pd.DataFrame, size: str, levels: Sequence[float], limits: Callable[[np.ndarray, float], tuple]
) -> pd.DataFrame:
    """`frame` with lower_<level> and upper_<level> columns: `limits(frame[size], level)` at each level."""
    for level in levels:
        frame[f"lower_{level_suffix(level)}"], frame[f"upper_{level_suffix(level)}"] = limits(
            frame[size].to_numpy(), level)
    return frame


def _verdict(high: dict[float, np.ndarray], low: dict[float, np.ndarray], calculable: np.ndarray) -> np.ndarray:
    """The widest level a unit lies beyond ("above 99.8% limit" ...), else "within limits"."""
    levels = sorted(high, reverse=True)
    conditions = [~calculable, *(high[c] for c in levels), *(low[c] for c in levels)]
    choices = [NOT_CALCULABLE, *(f"above {level_label(c)} limit" for c in levels),
               *(f"below {level_label(c)} limit" for c in levels)]
    return np.select(conditions, choices, default=WITHIN)


def _window_cases(cases: pd.DataFrame, window: Window, columns: Sequence[str]) -> pd.DataFrame:
    """The `columns` of the cases received in the window (inclusive), stage flags derived when not given.

    Only those columns are copied: taking every column of a million-case table costs more than the measure.
    """
    inside = cases["date_received"].between(window.start, window.end).to_numpy()
    if not inside.any():
        raise ValueError(f"no cases were received in the window {window.label}")
    columns = list(dict.fromkeys(columns))
    if set(columns) <= set(cases.columns):
        return cases.loc[inside, columns]
    derived = schema.with_derived(cases[inside])
    missing = [c for c in columns if c not in derived.columns]
    if missing:
        raise ValueError(f"cases have no column {', '.join(missing)}")
    return derived[columns]


def _keys(values: pd.Series) -> pd.Series:
    """A grouping column with missing values labelled "missing" (reported, not dropped)."""
    return values.astype(object).where(values.notna(), MISSING)


def _missing_last(frame: pd.DataFrame) -> pd.DataFrame:
    """Units in order, the "missing" unit last."""
    return frame.sort_values("unit", key=lambda units: units.eq(MISSING), kind="stable").reset_index(drop=True)


def _flag(values: pd.Series) -> pd.Series:
    """A yes/no column as 0/1 (missing counts as no)."""
    return values.fillna(False).astype(bool).astype("int64")


def escalation_funnel(
    cases: pd.DataFrame, *, unit: str = "icb_code", window: Window, confidence_levels: Sequence[float] = (0.95, 0.998)
) -> pd.DataFrame:
    """Per unit: cases received in the window, how many reached investigation, and its funnel verdict.

    The pooled average is all escalated over all cases; each unit's limits at each level come from
    stats.proportion_funnel_limits at its own number of cases. Verdict: the widest level whose limit
    the proportion lies strictly beyond ("above 99.8% limit", "below 95% limit" ...), else "within
    limits". Columns: measure, unit_type, unit, cases, escalated, proportion, average, lower_<level>,
    upper_<level> (e.g. lower_95, upper_99_8), verdict, window, confidence, method.
    """
    levels = _levels(confidence_levels)
    inside = _window_cases(cases, window, [unit, ESCALATION_FLAG])
    keyed = pd.DataFrame({"unit": _keys(inside[unit]), "escalated": _flag(inside[ESCALATION_FLAG])})
    counts = keyed.groupby("unit").agg(cases=("escalated", "size"), escalated=("escalated", "sum"))
    out = _missing_last(counts.reset_index())
    out["proportion"] = out["escalated"] / out["cases"]
    average = out["escalated"].sum() / out["cases"].sum()
    out["average"] = average
    out = _with_limits(out, "cases", levels, lambda n, level: proportion_funnel_limits(average, n, level))
    proportion = out["proportion"].to_numpy()
    high = {c: proportion > out[f"upper_{level_suffix(c)}"].to_numpy() for c in levels}
    low = {c: proportion < out[f"lower_{level_suffix(c)}"].to_numpy() for c in levels}
    out["verdict"] = _verdict(high, low, np.ones(len(out), dtype=bool))
    limits = [f"{side}_{level_suffix(c)}" for c in levels for side in ("lower", "upper")]
    out = out.assign(measure="proportion of cases escalated to investigation", unit_type=unit, window=window.label,
                     confidence=", ".join(level_label(c) for c in levels),
                     method=f"{FUNNEL_METHOD}; {ESCALATION_RULE}")
    return out[["measure", "unit_type", "unit", "cases", "escalated", "proportion", "average", *limits, "verdict",
                "window", "confidence", "method"]]


def funnel_sizes(n_max: int, points: int = 100) -> np.ndarray:
    """`points` whole unit sizes from 1 to `n_max`, spaced as PHEindicatormethods spaces its funnel rows.

    Each size is the previous one times (n_max / previous)^(1 / steps left), rounded, and at least one
    more than the previous (calculate_funnel_limits); every size from 1 when n_max <= points.
    """
    if n_max < 1:
        raise ValueError(f"n_max must be at least 1, not {n_max!r}")
    if n_max <= points:
        return np.arange(1, int(n_max) + 1)
    sizes = [1]
    for left in range(points - 1, 0, -1):
        sizes.append(max(round((n_max / sizes[-1]) ** (1 / left) * sizes[-1]), sizes[-1] + 1))
    return np.array(sizes)


def funnel_curve(
    average: float, n_max: int, confidence_levels: Sequence[float] = (0.95, 0.998), *, points: int = 100
) -> pd.DataFrame:
    """The funnel lines of a proportion: limits around `average` for unit sizes 1 to `n_max`.

    Sizes from `funnel_sizes` (dense where the funnel bends). Columns: n, average, lower_<level>,
    upper_<level> per level (0-1 scale), e.g. lower_95, upper_99_8.
    """
    out = pd.DataFrame({"n": funnel_sizes(n_max, points).astype("int64"), "average": float(average)})
    return _with_limits(out, "n", _levels(confidence_levels),
                        lambda n, level: proportion_funnel_limits(average, n, level))


def ratio_funnel_curve(
    expected_max: float, confidence_levels: Sequence[float] = (0.95, 0.998), *, expected_min: float = 1.0,
    points: int = 100,
) -> pd.DataFrame:
    """The funnel lines of an observed/expected ratio: exact Poisson limits around 1 by expected count.

    `points` expected counts from `expected_min` to `expected_max`, evenly spaced on a log scale.
    Columns: expected, average (1), lower_<level>, upper_<level> per level.
    """
    if not 0 < expected_min < expected_max:
        raise ValueError(f"expected counts must satisfy 0 < expected_min < expected_max, not {expected_min!r}, "
                         f"{expected_max!r}")
    out = pd.DataFrame({"expected": np.geomspace(expected_min, expected_max, points), "average": 1.0})
    return _with_limits(out, "expected", _levels(confidence_levels), ratio_funnel_limits)


def standardised_ratios(
    cases: pd.DataFrame,
    *,
    unit: str = "icb_code",
    outcome: str = ESCALATION_FLAG,
    strata: Sequence[str] = ("profession", "age_band"),
    window: Window,
    confidence: float = 0.95,
    confidence_levels: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Indirectly standardised ratio of `outcome` per unit: observed ÷ expected from its case mix.

    Over the cases received in the window, the reference rate of each stratum (e.g. medical, 35-44)
    is the outcome rate of all units pooled; a unit's expected count is the sum over strata of that
    rate times the unit's cases in the stratum. Ratio O/E with the interval of O at `confidence`
    (stats.standardised_ratio: exact Poisson below 10, Byar's from 10). Verdict: the widest of
    `confidence_levels` whose interval lies wholly above or below 1 ("above 99.8% limit" ...), else
    "within limits"; "not calculable" when E = 0. Missing stratum values form their own stratum.
    Columns: measure, outcome, unit_type, unit, cases, observed, expected, ratio, lower, upper,
    verdict, strata, window, confidence, method.
    """
    levels = _levels(confidence_levels)
    strata = list(strata)
    if not strata:
        raise ValueError("strata must name at least one column (e.g. profession, age_band)")
    inside = _window_cases(cases, window, [unit, outcome, *strata])
    keyed = pd.DataFrame({"unit": _keys(inside[unit]), **{s: _keys(inside[s]) for s in strata},
                          "event": _flag(inside[outcome])})
    cells = keyed.groupby(["unit", *strata]).agg(cases=("event", "size"), observed=("event", "sum"))
    pooled = cells.groupby(level=strata).sum()
    rate = (pooled["observed"] / pooled["cases"]).rename("rate")
    cells = cells.join(rate, on=strata)
    cells["expected"] = cells["cases"] * cells["rate"]
    out = _missing_last(cells.groupby(level="unit")[["cases", "observed", "expected"]].sum().reset_index())
    calculable = (out["expected"] > 0).to_numpy()
    observed = out["observed"].to_numpy()
    expected = np.where(calculable, out["expected"], 1.0)  # E = 0 (no ratio) kept away from the division
    for column, values in zip(("ratio", "lower", "upper"), standardised_ratio(observed, expected, confidence)):
        out[column] = np.where(calculable, values, np.nan)
    intervals = {c: standardised_ratio(observed, expected, c) for c in levels}
    high = {c: intervals[c][1] > 1 for c in levels}
    low = {c: intervals[c][2] < 1 for c in levels}
    out["verdict"] = _verdict(high, low, calculable)
    interval = np.where(out["observed"] < 10, INTERVAL_METHODS[True], INTERVAL_METHODS[False])
    out = out.assign(
        measure=f"standardised ratio of {outcome.replace('_', ' ')}", outcome=outcome, unit_type=unit,
        strata=" x ".join(strata), window=window.label, confidence=level_label(confidence),
        method=[f"{RATIO_METHOD}; {text}" for text in interval],
    )
    return out[["measure", "outcome", "unit_type", "unit", "cases", "observed", "expected", "ratio", "lower", "upper",
                "verdict", "strata", "window", "confidence", "method"]]
