"""Time to closure allowing for open cases: Kaplan-Meier estimates and the log-rank test (METHODS.md §1, §2).

Cohort: the cases received on or before `as_of` (and on or after `since` when given; default: every
case received by `as_of` - pass the report's window start to match a window). Duration: calendar
days from `date_received` to `date_closed` for a case closed by `as_of` (an event), to `as_of` for
the others (censored: open at `as_of`, or closed after it). Averaging closed cases only would
understate waits; the Kaplan-Meier estimate uses the censored cases for as long as they were followed.

Methods (lifelines 0.30, Davidson-Pilon 2019, J Open Source Softw 4(40):1317): KaplanMeierFitter
with its exponential Greenwood ("log-log") pointwise interval; the median is the first time the
estimate reaches 0.5 or below, and its interval the times the interval's bounds do
(lifelines.utils.median_survival_times, Brookmeyer-Crowley style); "% closed within N days" is
1 − S(N). At risk at t: cases followed for t days or more (duration ≥ t), as R's summary.survfit.
The log-rank test (lifelines.statistics.multivariate_logrank_test, Mantel 1966) compares the groups
with a stated value (not `schema.NOT_STATED`, not missing); their KM rows are shown all the same.
Ties are many (whole days), so cases with the same group, duration and status are fitted once
with a frequency weight: the estimates are those of the unweighted fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times

from lotus_analytics.schema import DIMENSIONS, NOT_STATED
from lotus_analytics.timeliness import group_codes

DEFAULT_WITHIN_DAYS = (90, 180, 365)
ALL = "all"
METHOD = (
    "Kaplan-Meier (lifelines KaplanMeierFitter) of calendar days received to closed, cases open at as_of "
    "censored; median = first day the estimate is 0.5 or below (NaN: not reached), interval from the "
    "exponential Greenwood (log-log) bounds; % closed within N days = 1 - S(N) (NaN beyond the longest "
    "follow-up); at risk = cases followed for at least that many days; log-rank test across the stated "
    "groups (multivariate_logrank_test)"
)


@dataclass(frozen=True)
class Cohort:
    """Distinct (group, duration, closed) of the cohort with how many cases share them, and the groups."""

    group: np.ndarray
    days: np.ndarray
    closed: np.ndarray
    count: np.ndarray
    dimension: str
    groups: list[object]

    def of(self, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mine = self.group == g
        return self.days[mine], self.closed[mine], self.count[mine]


def _grouping(cases: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The grouping column: `by` itself, or the inequality dimension of that name derived from its source."""
    if by is None:
        return pd.DataFrame(index=cases.index)
    if by in cases.columns:
        return cases[[by]]
    if by in DIMENSIONS:  # worked out once per distinct combination of the source codes: fast on 1M rows
        dimension = DIMENSIONS[by]
        codes, sources = group_codes(cases, dimension.columns)
        groups = dimension.groups_of(*(sources[c] for c in dimension.columns)).to_numpy(dtype=object)
        return pd.DataFrame({by: groups[codes]}, index=cases.index)
    raise ValueError(f"cases has no column {by} to group time to closure by")


def closure_cohort(
    cases: pd.DataFrame, *, as_of: pd.Timestamp | str, by: str | None = None, since: pd.Timestamp | str | None = None,
) -> Cohort:
    """The cohort's follow-up in calendar days (see the module docstring), tallied by group, duration and status."""
    as_of = np.datetime64(pd.Timestamp(as_of).date(), "D")
    received = cases["date_received"].to_numpy(dtype="datetime64[D]")
    inside = received <= as_of
    if since is not None:
        inside &= received >= np.datetime64(pd.Timestamp(since).date(), "D")
    closed_on = cases["date_closed"].to_numpy(dtype="datetime64[D]")[inside]
    closed = closed_on <= as_of  # NaT compares False: open
    days = (np.where(closed, closed_on, as_of) - received[inside]).astype(np.int64)
    codes, keys = group_codes(_grouping(cases, by)[inside], [by] if by else [])
    width = int(days.max()) + 1 if len(days) else 1
    tally, count = np.unique((codes * width + days) * 2 + closed, return_counts=True)
    return Cohort(tally // 2 // width, tally // 2 % width, (tally % 2).astype(bool), count, by or ALL,
                  keys[by].tolist() if by else [ALL])


def _fit(days: np.ndarray, closed: np.ndarray, count: np.ndarray, confidence: float) -> KaplanMeierFitter:
    return KaplanMeierFitter(alpha=1 - confidence).fit(days, closed, weights=count)


def _at_risk(days: np.ndarray, count: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Cases with a duration of at least each time."""
    order = np.argsort(days)
    followed = np.concatenate([np.cumsum(count[order][::-1])[::-1], [0]])
    return followed[np.searchsorted(days[order], times, side="left")]


def _step(frame: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
    """Values of a right-continuous step function (rows indexed by time) at each time."""
    at = np.searchsorted(frame.index.to_numpy(), np.asarray(times, dtype=float), side="right") - 1
    return frame.to_numpy()[at]


def _finite(value: float) -> float:
    return float(value) if np.isfinite(value) else np.nan


def _group_row(days: np.ndarray, closed: np.ndarray, count: np.ndarray, within_days: Sequence[int],
               confidence: float) -> dict[str, float]:
    """n, closed, censored, KM median and interval, % closed within each N with interval, at risk."""
    kmf = _fit(days, closed, count, confidence)
    median = _finite(kmf.median_survival_time_)
    median_ci = median_survival_times(kmf.confidence_interval_).to_numpy().reshape(-1)
    row = {
        "n": int(count.sum()), "closed": int(count[closed].sum()), "censored": int(count[~closed].sum()),
        "median_days": median, "median_lower": _finite(median_ci[0]), "median_upper": _finite(median_ci[1]),
        "at_risk_median": float(_at_risk(days, count, np.array([median]))[0]) if np.isfinite(median) else np.nan,
    }
    times = np.asarray(within_days, dtype=float)
    survival = _step(kmf.survival_function_, times)[:, 0]
    bounds = _step(kmf.confidence_interval_, times)
    estimable = (times <= days.max()) | (survival == 0)
    at_risk = _at_risk(days, count, times)
    for i, n_days in enumerate(within_days):
        ok = estimable[i]
        row[f"pct_closed_{n_days}d"] = 100 * (1 - survival[i]) if ok else np.nan
        row[f"pct_closed_{n_days}d_lower"] = 100 * (1 - bounds[i, 1]) if ok else np.nan
        row[f"pct_closed_{n_days}d_upper"] = 100 * (1 - bounds[i, 0]) if ok else np.nan
        row[f"at_risk_{n_days}d"] = int(at_risk[i])
    return row


def _compared(cohort: Cohort) -> list[int]:
    """Groups the log-rank test compares: a stated value (not NOT_STATED, not missing) and at least one case."""
    present = set(np.unique(cohort.group).tolist())
    return [g for g, value in enumerate(cohort.groups) if g in present and value is not None and value != NOT_STATED]


def logrank(cohort: Cohort) -> dict[str, float]:
    """Log-rank test across the stated groups: statistic, df and p (NaN with fewer than two groups)."""
    compared = _compared(cohort)
    if len(compared) < 2:
        return {"logrank_statistic": np.nan, "logrank_df": np.nan, "logrank_p": np.nan}
    mine = np.isin(cohort.group, compared)
    result = multivariate_logrank_test(cohort.days[mine], cohort.group[mine], cohort.closed[mine],
                                       weights=cohort.count[mine])
    return {"logrank_statistic": float(result.test_statistic), "logrank_df": float(result.degrees_of_freedom),
            "logrank_p": float(result.p_value)}


def time_to_closure(
    cases: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    by: str | None = None,
    within_days: Sequence[int] = DEFAULT_WITHIN_DAYS,
    since: pd.Timestamp | str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier time to closure, one row per group of `by` (a cases column or a schema.DIMENSIONS name).

    Columns: dimension (`by`, or "all"), group (None: value missing), n, closed, censored, median_days,
    median_lower, median_upper, at_risk_median, then per N of `within_days`: pct_closed_{N}d (0-100)
    with _lower and _upper, at_risk_{N}d; then logrank_statistic, logrank_df, logrank_p (the same on
    every row; NaN without `by` or with fewer than two stated groups), confidence, as_of, since, method.
    """
    cohort = closure_cohort(cases, as_of=as_of, by=by, since=since)
    rows = [{"dimension": cohort.dimension, "group": cohort.groups[g],
             **_group_row(*cohort.of(g), within_days, confidence)} for g in np.unique(cohort.group)]
    per_n = [f"{stem}_{n}d{end}" for n in within_days for stem, end in
             (("pct_closed", ""), ("pct_closed", "_lower"), ("pct_closed", "_upper"), ("at_risk", ""))]
    out = pd.DataFrame(rows, columns=["dimension", "group", "n", "closed", "censored", "median_days", "median_lower",
                                      "median_upper", "at_risk_median", *per_n])
    for key, value in logrank(cohort).items():
        out[key] = value
    return out.assign(confidence=confidence, as_of=pd.Timestamp(as_of),
                      since=pd.Timestamp(since) if since is not None else pd.NaT, method=METHOD)


def km_curve(
    cases: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    by: str | None = None,
    since: pd.Timestamp | str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier curve of time to closure per group, for a step chart.

    Columns: dimension, group, time (calendar days; 0 and every observed duration), survival (share
    still open), lower, upper (pointwise interval), at_risk (cases followed for at least `time` days).
    """
    cohort = closure_cohort(cases, as_of=as_of, by=by, since=since)
    frames = []
    for g in np.unique(cohort.group):
        days, closed, count = cohort.of(g)
        kmf = _fit(days, closed, count, confidence)
        times = kmf.survival_function_.index.to_numpy()
        bounds = kmf.confidence_interval_.to_numpy()
        frames.append(pd.DataFrame({
            "dimension": cohort.dimension, "group": cohort.groups[g], "time": times,
            "survival": kmf.survival_function_.to_numpy()[:, 0], "lower": bounds[:, 0], "upper": bounds[:, 1],
            "at_risk": _at_risk(days, count, times),
        }))
    columns = ["dimension", "group", "time", "survival", "lower", "upper", "at_risk"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
