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
Ties are many (whole days), so cases with the same group, duration and status are tallied once
with a frequency weight: the estimates are those of the unweighted fit.
Both come from lifelines itself (a dependency made for the job, rather than our own copy); what is
shared between groupings is worked out once: the follow-up days of every case (`FollowUp`), and each
Kaplan-Meier fit of a set of cases that recurs (White in ethnic_group_2 and in ethnic_group_5, a
dimension's table and its curve) when the groupings share one `FollowUp`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

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
class FollowUp:
    """The cohort's cases with their follow-up in calendar days and whether they closed by as_of.

    Build it once with `FollowUp.of(cases, as_of=..., since=...)` and pass it to `time_to_closure` or
    `km_curve` for every grouping of the same cases: the dates are then converted once, not once per table.
    """

    as_of: np.datetime64
    since: np.datetime64 | None
    inside: np.ndarray
    """Which rows of the cases table are in the cohort."""
    days: np.ndarray
    """Per case in the cohort, days from received to closed (closed by as_of) or to as_of (censored)."""
    closed: np.ndarray
    """Per case in the cohort, whether it closed by as_of."""
    fitted: dict[tuple[float, bytes], Estimate] = field(default_factory=dict, compare=False, repr=False)
    """Kaplan-Meier estimates of these cases already fitted, by confidence and tallied rows (`Cohort.fit`)."""

    @classmethod
    def of(cls, cases: pd.DataFrame, *, as_of: pd.Timestamp | str, since: pd.Timestamp | str | None = None) -> FollowUp:
        """The cases received by `as_of` (from `since`), followed to their closure or to `as_of`."""
        as_of, since = _day(as_of), None if since is None else _day(since)
        received = cases["date_received"].to_numpy(dtype="datetime64[D]")
        inside = received <= as_of
        if since is not None:
            inside &= received >= since
        closed_on = cases["date_closed"].to_numpy(dtype="datetime64[D]")[inside]
        closed = closed_on <= as_of  # NaT compares False: open
        days = (np.where(closed, closed_on, as_of) - received[inside]).astype(np.int64)
        return cls(as_of, since, inside, days, closed)


def _day(date: pd.Timestamp | str) -> np.datetime64:
    return np.datetime64(pd.Timestamp(date).date(), "D")


def _follow_up(cases: pd.DataFrame, as_of: pd.Timestamp | str, since: pd.Timestamp | str | None,
               follow_up: FollowUp | None) -> FollowUp:
    """`follow_up` once known to be of `cases` (as many rows), `as_of` and `since`; worked out here when None."""
    if follow_up is None:
        return FollowUp.of(cases, as_of=as_of, since=since)
    if (follow_up.as_of != _day(as_of) or follow_up.since != (None if since is None else _day(since))
            or len(follow_up.inside) != len(cases)):
        raise ValueError("follow_up was worked out for other cases or dates: use FollowUp.of(cases, as_of=, since=)")
    return follow_up


@dataclass(frozen=True)
class Cohort:
    """Distinct (group, duration, closed) of the cohort with how many cases share them, and the groups."""

    group: np.ndarray
    days: np.ndarray
    closed: np.ndarray
    count: np.ndarray
    dimension: str
    groups: list[object]
    fitted: dict[tuple[float, bytes], Estimate] = field(default_factory=dict, compare=False, repr=False)
    """Kaplan-Meier estimates already fitted (the FollowUp's, shared by every grouping of the same cases)."""

    def of(self, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mine = self.group == g
        return self.days[mine], self.closed[mine], self.count[mine]

    def fit(self, days: np.ndarray, closed: np.ndarray, count: np.ndarray, confidence: float) -> Estimate:
        """`kaplan_meier` of a group's tallied rows (`of`), fitted once per distinct rows and confidence: a group
        holding the same cases as one already fitted (in another grouping) gets that estimate."""
        key = (confidence, b"".join(a.tobytes() for a in (days, closed, count)))
        if key not in self.fitted:
            self.fitted[key] = kaplan_meier(days, closed, count, confidence)
        return self.fitted[key]


def _rows(cases: pd.DataFrame, columns: Sequence[str], inside: np.ndarray) -> pd.DataFrame:
    """`columns` of the rows in `inside` (faster than cases.loc[inside, columns] on a million rows)."""
    return pd.DataFrame({c: cases[c].to_numpy()[inside] for c in columns})


def _groups(cases: pd.DataFrame, by: str | None, inside: np.ndarray) -> tuple[np.ndarray, list[object]]:
    """Each cohort case's group number and the groups (sorted, missing last as None), from `by` itself or,
    for an inequality dimension of that name, from its source columns."""
    if by is None:
        return np.zeros(int(inside.sum()), dtype=np.int64), [ALL]
    if by in cases.columns:
        codes, keys = group_codes(_rows(cases, [by], inside), [by])
        return codes, keys[by].tolist()
    if by in DIMENSIONS:  # the groups of each distinct combination of source codes, not of each case: fast on 1M rows
        dimension = DIMENSIONS[by]
        combination, sources = group_codes(_rows(cases, dimension.columns, inside), dimension.columns)
        groups = dimension.groups_of(*(sources[c] for c in dimension.columns))
        codes, keys = group_codes(pd.DataFrame({by: groups.to_numpy(dtype=object)}), [by])
        return codes[combination], keys[by].tolist()
    raise ValueError(f"cases has no column {by} to group time to closure by")


def _tally(values: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (0 .. space-1), sorted, and how often each occurs: np.unique's, counted with np.bincount
    when the space is small beside the values (no sort of a million values)."""
    if space > 4 * len(values) + 1024:
        return np.unique(values, return_counts=True)
    counts = np.bincount(values, minlength=space)
    distinct = np.flatnonzero(counts)
    return distinct, counts[distinct]


def closure_cohort(
    cases: pd.DataFrame, *, as_of: pd.Timestamp | str, by: str | None = None, since: pd.Timestamp | str | None = None,
    follow_up: FollowUp | None = None,
) -> Cohort:
    """The cohort's follow-up in calendar days (see the module docstring), tallied by group, duration and status."""
    follow_up = _follow_up(cases, as_of, since, follow_up)
    codes, groups = _groups(cases, by, follow_up.inside)
    days, closed = follow_up.days, follow_up.closed
    width = int(days.max()) + 1 if len(days) else 1
    tally, count = _tally((codes * width + days) * 2 + closed, 2 * width * len(groups))
    return Cohort(tally // 2 // width, tally // 2 % width, (tally % 2).astype(bool), count, by or ALL, groups,
                  follow_up.fitted)


@dataclass(frozen=True)
class Estimate:
    """A Kaplan-Meier estimate at time 0 and at every observed duration: share still open and its pointwise interval."""

    times: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def at(self, times: np.ndarray) -> np.ndarray:
        """(times x 3) survival, lower, upper at each time (a right-continuous step function)."""
        position = np.searchsorted(self.times, times, side="right") - 1
        return np.column_stack([self.survival, self.lower, self.upper])[position]

    def median(self, curve: np.ndarray) -> float:
        """First time `curve` (the estimate or a bound) is 0.5 or below; inf when it never is."""
        return np.inf if curve[-1] > 0.5 else self.times[np.searchsorted(-curve, -0.5)]


def kaplan_meier(days: np.ndarray, closed: np.ndarray, count: np.ndarray, confidence: float) -> Estimate:
    """Kaplan-Meier estimate of tallied durations (`count` cases each) with the exponential Greenwood
    interval: lifelines' KaplanMeierFitter, fitted once on the distinct rows with their counts as weights."""
    kmf = KaplanMeierFitter(alpha=1 - confidence).fit(days, event_observed=closed, weights=count)
    bounds = kmf.confidence_interval_survival_function_.to_numpy()
    return Estimate(kmf.survival_function_.index.to_numpy(dtype=float), kmf.survival_function_.to_numpy()[:, 0],
                    bounds[:, 0], bounds[:, 1])


def _at_risk(days: np.ndarray, count: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Cases with a duration of at least each time."""
    order = np.argsort(days)
    followed = np.concatenate([np.cumsum(count[order][::-1])[::-1], [0]])
    return followed[np.searchsorted(days[order], times, side="left")]


def _finite(value: float) -> float:
    return float(value) if np.isfinite(value) else np.nan


def _group_row(cohort: Cohort, g: int, within_days: Sequence[int], confidence: float) -> dict[str, float]:
    """n, closed, censored, KM median and interval, % closed within each N with interval, at risk, of group g."""
    days, closed, count = cohort.of(g)
    km = cohort.fit(days, closed, count, confidence)
    median = _finite(km.median(km.survival))
    row = {
        "n": int(count.sum()), "closed": int(count[closed].sum()), "censored": int(count[~closed].sum()),
        "median_days": median, "median_lower": _finite(km.median(km.lower)), "median_upper": _finite(km.median(km.upper)),
        "at_risk_median": float(_at_risk(days, count, np.array([median]))[0]) if np.isfinite(median) else np.nan,
    }
    times = np.asarray(within_days, dtype=float)
    survival, lower, upper = km.at(times).T
    estimable = (times <= days.max()) | (survival == 0)
    at_risk = _at_risk(days, count, times)
    for i, n_days in enumerate(within_days):
        ok = estimable[i]
        row[f"pct_closed_{n_days}d"] = 100 * (1 - survival[i]) if ok else np.nan
        row[f"pct_closed_{n_days}d_lower"] = 100 * (1 - upper[i]) if ok else np.nan
        row[f"pct_closed_{n_days}d_upper"] = 100 * (1 - lower[i]) if ok else np.nan
        row[f"at_risk_{n_days}d"] = int(at_risk[i])
    return row


def _compared(cohort: Cohort) -> list[int]:
    """Groups the log-rank test compares: a stated value (not NOT_STATED, not missing) and at least one case."""
    present = set(np.unique(cohort.group).tolist())
    return [g for g, value in enumerate(cohort.groups) if g in present and value is not None and value != NOT_STATED]


def logrank(cohort: Cohort) -> dict[str, float]:
    """Log-rank test across the stated groups (lifelines' multivariate_logrank_test on the tallied rows,
    counts as weights): statistic, df and p (NaN with fewer than two groups)."""
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
    follow_up: FollowUp | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier time to closure, one row per group of `by` (a cases column or a schema.DIMENSIONS name).

    Columns: dimension (`by`, or "all"), group (None: value missing), n, closed, censored, median_days,
    median_lower, median_upper, at_risk_median, then per N of `within_days`: pct_closed_{N}d (0-100)
    with _lower and _upper, at_risk_{N}d; then logrank_statistic, logrank_df, logrank_p (the same on
    every row; NaN without `by` or with fewer than two stated groups), confidence, as_of, since, method.
    `follow_up`: `FollowUp.of(cases, as_of=as_of, since=since)`, to tabulate many groupings of the same
    cases without converting their dates again for each.
    """
    cohort = closure_cohort(cases, as_of=as_of, by=by, since=since, follow_up=follow_up)
    rows = [{"dimension": cohort.dimension, "group": cohort.groups[g],
             **_group_row(cohort, g, within_days, confidence)} for g in np.unique(cohort.group)]
    per_n = [f"{stem}_{n}d{end}" for n in within_days for stem, end in
             (("pct_closed", ""), ("pct_closed", "_lower"), ("pct_closed", "_upper"), ("at_risk", ""))]
    out = pd.DataFrame(rows, columns=["dimension", "group", "n", "closed", "censored", "median_days", "median_lower",
                                      "median_upper", "at_risk_median", *per_n])
    return out.assign(**logrank(cohort), confidence=confidence, as_of=pd.Timestamp(as_of),
                      since=pd.Timestamp(since) if since is not None else pd.NaT, method=METHOD)


def km_curve(
    cases: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    by: str | None = None,
    since: pd.Timestamp | str | None = None,
    confidence: float = 0.95,
    follow_up: FollowUp | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier curve of time to closure per group, for a step chart.

    Columns: dimension, group, time (calendar days; 0 and every observed duration), survival (share
    still open), lower, upper (pointwise interval), at_risk (cases followed for at least `time` days).
    `follow_up`: as for `time_to_closure`.
    """
    cohort = closure_cohort(cases, as_of=as_of, by=by, since=since, follow_up=follow_up)
    frames = []
    for g in np.unique(cohort.group):
        days, closed, count = cohort.of(g)
        km = cohort.fit(days, closed, count, confidence)
        frames.append(pd.DataFrame({
            "dimension": cohort.dimension, "group": cohort.groups[g], "time": km.times, "survival": km.survival,
            "lower": km.lower, "upper": km.upper, "at_risk": _at_risk(days, count, km.times),
        }))
    columns = ["dimension", "group", "time", "survival", "lower", "upper", "at_risk"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
