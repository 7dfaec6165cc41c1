"""Timeliness T1-T4 of METHODS.md §1 by month or financial quarter, and their monthly series for SPC.

| id | clock starts | clock stops | unit |
|---|---|---|---|
| T1 | `date_received` | `date_triaged` | working days |
| T2 | `date_triaged` | `date_first_pag` | working days |
| T3 | the meeting | practitioner informed of its outcome | working days |
| T4 | `date_received` | `date_closed` | calendar days |

Working days (DATA_MODEL.md "Working days"): Monday-Friday days that are not England and Wales bank
holidays, after the start date up to and including the end date (same day = 0); calendar days are
reported beside them. A duration counts in the month or quarter in which its clock stopped. n, median,
90th percentile and % within target describe completed durations only; cases on the clock at a
period's end are counted in `still_waiting` and are not in these statistics, so a long queue does not
show in the median (censored waits: the Kaplan-Meier measures of `survival`).

T3 source: with the `updates` table, one duration per post-meeting outcome letter, `date_meeting` to
`date_sent` (every meeting: triage, PAG, decision panel, hearing); without it, one per case,
`date_outcome` (the decision on the outcome, made at the meeting that decided it) to
`date_practitioner_informed`. The updates table records letters sent, not meetings still awaiting
one, so T3 from updates has no `still_waiting` (missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.workdays import working_days_between

Period = Literal["month", "quarter"]
Measure = Literal["T1", "T2", "T3", "T4"]
WORKING, CALENDAR = "working days", "calendar days"
PERCENTILE_DEFINITION = "linear interpolation between order statistics (Hyndman and Fan type 7)"
OUTCOME_LETTER = "post_meeting_outcome"
PERIODS = ("month", "quarter")
_EPOCH_FY_QUARTER = FinancialQuarter(1970, 1).index  # quarter index of April-June 1970 (numpy month 3)


@dataclass(frozen=True)
class Stage:
    """One timed stage: the cases columns that start and stop its clock, and how it is described."""

    measure: str
    start: str
    end: str
    unit: str
    description: str
    completed: str
    """What one duration is, in the plural ("completed triages"), for the method text."""
    waiting: str | None
    """Who is in `still_waiting` at a period end, for the method text (None: not known)."""
    queue: tuple[str, tuple[str, ...]] | None = None
    """(column, values): only cases with one of these values wait for the stage (None: every case started)."""


STAGES: dict[str, Stage] = {
    "T1": Stage("T1", "date_received", "date_triaged", WORKING, "received to triaged", "completed triages",
                "received, not triaged and not closed at period end"),
    "T2": Stage("T2", "date_triaged", "date_first_pag", WORKING, "triaged to first PAG", "first PAG discussions",
                "triaged to PAG (triage_outcome to_pag or to_pag_urgent), no PAG yet and not closed at period end",
                queue=("triage_outcome", ("to_pag", "to_pag_urgent"))),
    "T3": Stage("T3", "date_outcome", "date_practitioner_informed", WORKING,
                "outcome decided (date_outcome, the meeting that decided it) to practitioner informed",
                "practitioners informed",
                "outcome decided, practitioner not informed and case not closed at period end"),
    "T4": Stage("T4", "date_received", "date_closed", CALENDAR, "received to closed", "closures",
                "received and not closed at period end (the open caseload)"),
}
T3_FROM_UPDATES = Stage(
    "T3", "date_meeting", "date_sent", WORKING,
    "meeting to practitioner informed of its outcome (date_meeting to date_sent of each post_meeting_outcome "
    "update, one per meeting)", "outcome letters sent", None)


def method_text(stage: Stage) -> str:
    """The method column of a stage's table."""
    counting = (
        f"working days after {stage.start} up to and including {stage.end}, England and Wales bank holidays excluded"
        if stage.unit == WORKING else f"calendar days from {stage.start} to {stage.end}"
    )
    waiting = stage.waiting or "not known (the updates table records letters sent, not meetings still awaiting one)"
    return (
        f"{stage.measure} {stage.description}: {counting}; n, median, 90th percentile and % within target are of the "
        f"{stage.completed} in the period (counted in the period in which the clock stopped); still_waiting: "
        f"{waiting}; cases still waiting are not in these statistics (time to closure allowing for open cases: "
        f"Kaplan-Meier, survival.time_to_closure); percentiles by {PERCENTILE_DEFINITION}"
    )


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as datetime64[D] (NaT where missing); an array of days is returned as it is."""
    if isinstance(values, np.ndarray) and values.dtype == np.dtype("datetime64[D]"):
        return values
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")


class _CaseDays(dict):
    """The date columns of `cases` as datetime64[D], each converted on first use only (T1-T4 share them)."""

    def __init__(self, cases: pd.DataFrame) -> None:
        super().__init__()
        self.cases = cases

    def __missing__(self, column: str) -> np.ndarray:
        self[column] = _days(self.cases[column])
        return self[column]


def per_day(days: np.ndarray, of_days: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`of_days` of each day (datetime64[D], no NaT), computed once per calendar day of their span.

    Long columns hold few distinct days, so a lookup table beats a calendar computation per row.
    """
    if len(days) == 0:
        return of_days(days)
    first = days.min()
    span = np.arange(first, days.max() + np.timedelta64(1, "D"))
    return of_days(span)[(days - first).astype(np.int64)]


NEVER = np.iinfo(np.int64).max // 4
"""`month_numbers` of a missing date (a clock not yet stopped): later than any period, in months or quarters."""


def month_numbers(days: np.ndarray) -> np.ndarray:
    """Numpy month number (months since January 1970) of each day; NEVER where the day is missing."""
    out = np.full(len(days), NEVER, dtype=np.int64)
    present = ~np.isnat(days)
    out[present] = per_day(days[present], lambda span: span.astype("datetime64[M]").astype(np.int64))
    return out


def _period_of(months: np.ndarray, period: Period) -> np.ndarray:
    """Consecutive integers for consecutive months or financial quarters."""
    return months if period == "month" else (months - 3) // 3


def _period_label(index: int, period: Period) -> str:
    if period == "month":
        return str(pd.Period(ordinal=index, freq="M"))
    return FinancialQuarter.from_index(index + _EPOCH_FY_QUARTER).label


def working_days(start: pd.Series | np.ndarray, end: pd.Series | np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """`workdays.working_days_between` for long columns (float; NaN where a date is missing).

    The count is additive, (s, e] = (o, e] − (o, s], so it is counted once per calendar day of the
    span from the earliest date o and each pair takes a difference (a million rows in milliseconds).
    """
    s, e = _days(start), _days(end)
    known = ~(np.isnat(s) | np.isnat(e))
    out = np.full(len(s), np.nan)
    if known.any():
        both = np.concatenate([s[known], e[known]])
        after_first = per_day(both, lambda span: working_days_between(np.full(len(span), span[0]), span, holidays))
        out[known] = after_first[known.sum():] - after_first[:known.sum()]
    return out


def group_codes(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's group number and the groups' `by` values, sorted by each column in turn.

    A missing value is a group of its own (shown as None), sorted last. With no `by`, every row is
    group 0 of one group. Vectorised: one hash factorisation per column, then the combinations present.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    sorted_values = []
    for column in by:
        codes, values = pd.factorize(frame[column])
        order = np.argsort(values.to_numpy(), kind="stable")
        rank = np.empty(len(values) + 1, dtype=np.int64)
        rank[order], rank[-1] = np.arange(len(values)), len(values)  # code -1 (missing) ranks last
        combined = combined * (len(values) + 1) + rank[codes]
        sorted_values.append(np.append(values.to_numpy(dtype=object)[order], None))
    space = int(np.prod([len(v) for v in sorted_values]))
    if space <= 4 * len(frame) + 1024:  # few possible combinations: count them rather than hash every row
        present = np.flatnonzero(np.bincount(combined, minlength=space))
        position = np.zeros(space, dtype=np.int64)
        position[present] = np.arange(len(present))
        codes = position[combined]
    else:
        codes, present = pd.factorize(combined, sort=True)
    keys, rest = {}, np.asarray(present)
    for column, values in zip(reversed(by), reversed(sorted_values)):
        keys[column] = values[rest % len(values)]
        rest = rest // len(values)
    return codes, pd.DataFrame({c: keys[c] for c in by}, index=range(len(present)))


def grouped_quantiles(key: np.ndarray, values: np.ndarray, size: int, qs: Sequence[float]) -> np.ndarray:
    """Type-7 quantiles (Hyndman and Fan; pandas' and numpy's default) of whole-number `values` per key 0..size-1.

    One integer sort of key and value together; NaN for an empty key. Returns shape (len(qs), size).
    """
    out = np.full((len(qs), size), np.nan)
    if len(values) == 0:
        return out
    whole = values.astype(np.int64)
    low = whole.min()
    width = int(whole.max() - low) + 1
    ordered = np.sort(key.astype(np.int64) * width + (whole - low)) % width + low
    n = np.bincount(key, minlength=size)
    first = np.concatenate([[0], np.cumsum(n)[:-1]])
    has = n > 0
    for i, q in enumerate(qs):
        h = (n[has] - 1) * q
        below = np.floor(h).astype(np.int64)
        above = np.minimum(below + 1, n[has] - 1)
        lo, hi = ordered[first[has] + below], ordered[first[has] + above]
        out[i, has] = lo + (h - below) * (hi - lo)
    return out


def check_columns(frame: pd.DataFrame, by: Sequence[str], what: str) -> None:
    """Refuse a grouping column the table does not have."""
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise ValueError(f"cases has no column {', '.join(missing)} to group {what} by")


@dataclass(frozen=True)
class Queue:
    """The cases that go on a stage's clock: their row in `cases`, the day it started and the day they left it.

    A case leaves at the stage's end event or its closure, whichever is first (NaT: still on the clock).
    """

    rows: np.ndarray
    started: np.ndarray
    left: np.ndarray

    @cached_property
    def started_month(self) -> np.ndarray:
        """`month_numbers` of `started`, worked out once for every table cut from this queue."""
        return month_numbers(self.started)

    @cached_property
    def left_month(self) -> np.ndarray:
        """`month_numbers` of `left` (NEVER: still on the clock), worked out once."""
        return month_numbers(self.left)


@dataclass(frozen=True)
class Durations:
    """Completed durations of one stage: the case row (position in `cases`), clock dates and length of each,
    and the stage's queue (None where it is not known: T3 from the updates table)."""

    stage: Stage
    rows: np.ndarray
    start: np.ndarray
    end: np.ndarray
    working_days: np.ndarray
    calendar_days: np.ndarray
    queue: Queue | None

    @property
    def length(self) -> np.ndarray:
        """Each duration in the stage's unit."""
        return self.working_days if self.stage.unit == WORKING else self.calendar_days

    @cached_property
    def end_month(self) -> np.ndarray:
        """`month_numbers` of `end` (the month the clock stopped), worked out once for every table and series."""
        return month_numbers(self.end)


def _queue(cases: pd.DataFrame, days: _CaseDays, stage: Stage) -> Queue:
    started = days[stage.start]
    waits = ~np.isnat(started)
    if stage.queue:
        waits &= cases[stage.queue[0]].isin(stage.queue[1]).to_numpy()
    left = np.fmin(days[stage.end][waits], days["date_closed"][waits])
    return Queue(np.flatnonzero(waits), started[waits], left)


def _completed(cases: pd.DataFrame, days: _CaseDays, measure: Measure, holidays: np.ndarray,
               updates: pd.DataFrame | None) -> Durations:
    """`completed`, with the date columns of `cases` from `days` (converted once for T1-T4)."""
    if measure not in STAGES:
        raise ValueError(f"measure must be one of {', '.join(STAGES)}, not {measure!r}")
    if measure == "T3" and updates is not None:
        letter = ((updates["update_type"].to_numpy() == OUTCOME_LETTER) & updates["date_meeting"].notna().to_numpy()
                  & updates["date_sent"].notna().to_numpy())
        rows = pd.Index(cases["case_id"]).get_indexer(updates["case_id"].to_numpy()[letter])
        known = rows >= 0  # letters of cases not in `cases` (another scope) are left out
        stage, queue = T3_FROM_UPDATES, None
        start, end = (_days(updates[c].to_numpy()[letter][known]) for c in ("date_meeting", "date_sent"))
        rows = rows[known]
    else:
        stage = STAGES[measure]
        queue = _queue(cases, days, stage)
        rows = np.flatnonzero(~np.isnat(days[stage.start]) & ~np.isnat(days[stage.end]))
        start, end = days[stage.start][rows], days[stage.end][rows]
    return Durations(stage, rows, start, end, working_days(start, end, holidays), (end - start).astype(np.int64), queue)


def completed(
    cases: pd.DataFrame, measure: Measure, *, holidays: np.ndarray, updates: pd.DataFrame | None = None,
) -> Durations:
    """The completed durations of a stage and its queue (T3 from `updates` when given; see the module docstring)."""
    return _completed(cases, _CaseDays(cases), measure, holidays, updates)


def completed_durations(
    cases: pd.DataFrame, *, holidays: np.ndarray, updates: pd.DataFrame | None = None,
) -> dict[str, Durations]:
    """`completed` for T1-T4 at once: pass it as `durations` to cut one extract many ways without recomputing."""
    days = _CaseDays(cases)
    return {measure: _completed(cases, days, measure, holidays, updates) for measure in STAGES}


def stage_durations(
    cases: pd.DataFrame, measure: Measure, holidays: np.ndarray, updates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per completed duration: case_id, start, end, working_days and calendar_days (internal use only)."""
    done = completed(cases, measure, holidays=holidays, updates=updates)
    return pd.DataFrame({
        "case_id": cases["case_id"].to_numpy()[done.rows],
        "start": done.start.astype("datetime64[ns]"),
        "end": done.end.astype("datetime64[ns]"),
        "working_days": done.working_days,
        "calendar_days": done.calendar_days.astype(float),
    })


def _cumulative_by_period(groups: np.ndarray, months: np.ndarray, period: Period, first: int, n_periods: int,
                          n_groups: int) -> np.ndarray:
    """(groups × periods) count of dates (`month_numbers`) on or before each period's end (dates before
    `first` count from it, NEVER not at all)."""
    index = np.maximum(_period_of(months, period) - first, 0)
    inside = index < n_periods
    key = groups[inside] * n_periods + index[inside]
    counts = np.bincount(key, minlength=n_groups * n_periods).reshape(n_groups, n_periods)
    return counts.cumsum(axis=1)


def _still_waiting(queue: Queue | None, groups: np.ndarray, period: Period, first: int, n_periods: int,
                   n_groups: int) -> np.ndarray:
    """Cases on the stage's clock at each period end: waiting(end) = #started by end − #left by end (NaN: unknown)."""
    if queue is None:
        return np.full(n_groups * n_periods, np.nan)
    counts = [_cumulative_by_period(groups[queue.rows], months, period, first, n_periods, n_groups)
              for months in (queue.started_month, queue.left_month)]
    return (counts[0] - counts[1]).reshape(-1).astype(float)


def _summary(key: np.ndarray, done: Durations, target: int | None, size: int) -> pd.DataFrame:
    """n, median, 90th percentile, calendar median and within-target count per key 0..size-1."""
    length = done.length
    median, p90 = grouped_quantiles(key, length, size, (0.5, 0.9))
    within = np.bincount(key, weights=length <= target, minlength=size) if target is not None else np.full(size, np.nan)
    return pd.DataFrame({
        "n": pd.array(np.bincount(key, minlength=size), dtype="Int64"),
        "median": median,
        "p90": p90,
        "median_calendar_days": grouped_quantiles(key, done.calendar_days, size, (0.5,))[0],
        "within_target": pd.array(within, dtype="Int64"),
    })


def stage_timeliness(
    cases: pd.DataFrame,
    *,
    measure: Measure,
    period: Period,
    target: int | None,
    holidays: np.ndarray,
    by: Sequence[str] = (),
    updates: pd.DataFrame | None = None,
    durations: Mapping[str, Durations] | None = None,
) -> pd.DataFrame:
    """T1-T4 by month or financial quarter in which the clock stopped (× `by` groups of cases).

    Columns: measure, period_type, period, *by, n, median, p90, median_calendar_days, within_target,
    pct_within_target (0-100), still_waiting, target, unit, method. `target` None (T4: monitor only)
    leaves within_target, pct_within_target and target missing. Every group of `cases` gets every
    period from the first to the last with a completed duration (n = 0 and NaN statistics where none);
    no completed duration gives an empty table. A missing `by` value is a group of its own.
    `durations`: `completed_durations` of these same `cases` (and `updates`), when already computed.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    check_columns(cases, by, measure)
    done = durations[measure] if durations else completed(cases, measure, holidays=holidays, updates=updates)
    groups, keys = group_codes(cases, by)
    columns = ["measure", "period_type", "period", *by, "n", "median", "p90", "median_calendar_days",
               "within_target", "pct_within_target", "still_waiting", "target", "unit", "method"]
    if len(done.rows) == 0:
        return pd.DataFrame(columns=columns)
    index = _period_of(done.end_month, period)
    first, n_periods, n_groups = int(index.min()), int(index.max() - index.min()) + 1, len(keys)
    key = groups[done.rows] * n_periods + (index - first)
    out = _summary(key, done, target, n_groups * n_periods)
    out["still_waiting"] = pd.array(
        _still_waiting(done.queue, groups, period, first, n_periods, n_groups), dtype="Int64")
    n = out["n"].astype(float)
    out["pct_within_target"] = 100 * out["within_target"].astype(float) / n.where(n > 0)
    out["period"] = np.tile([_period_label(first + i, period) for i in range(n_periods)], n_groups)
    for column in by:
        out[column] = np.repeat(keys[column].to_numpy(), n_periods)
    out = out.assign(measure=measure, period_type=period, target=pd.array([target] * len(out), dtype="Int64"),
                     unit=done.stage.unit, method=method_text(done.stage))
    return out.reindex(columns=columns)


def triage_timeliness(
    cases: pd.DataFrame,
    *,
    period: Period,
    target_working_days: int,
    holidays: np.ndarray,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """T1 by month or financial quarter of triage completion: `stage_timeliness` with measure "T1"."""
    return stage_timeliness(cases, measure="T1", period=period, target=target_working_days, holidays=holidays, by=by)


def _month_number(day: pd.Timestamp | str | np.datetime64) -> int:
    """Numpy month number (months since January 1970) of a day."""
    return int(np.datetime64(pd.Timestamp(day).date(), "M").astype(np.int64))


def monthly_series(
    cases: pd.DataFrame,
    *,
    holidays: np.ndarray,
    updates: pd.DataFrame | None = None,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    durations: Mapping[str, Durations] | None = None,
) -> pd.DataFrame:
    """Monthly series for SPC charts, indexed by month start (DatetimeIndex named "month").

    Columns: new_concerns (cases received in the month), then t1_median, t1_n ... t4_median, t4_n: the
    median (in the measure's unit) and number of the durations whose clock stopped in the month (T3
    from `updates` when given). Every month from `start` (default: the first month a case was
    received) to `end` (default: the last month with a receipt or a stopped clock - it may be
    incomplete: cut it before charting) is present: 0 concerns and n, NaN median where none.
    `durations`: `completed_durations` of these same `cases` (and `updates`), when already computed.
    """
    received = _days(cases["date_received"])
    received = received[~np.isnat(received)]
    series = durations or completed_durations(cases, holidays=holidays, updates=updates)
    stopped = np.concatenate([received, *(d.end for d in series.values())])
    first = _month_number(start) if start is not None else _month_number(received.min()) if len(received) else 0
    last = _month_number(end) if end is not None else _month_number(stopped.max()) if len(stopped) else -1
    n_months = max(last - first + 1, 0)
    months = np.arange(first, first + n_months).astype("datetime64[M]").astype("datetime64[ns]")
    out = pd.DataFrame(index=pd.DatetimeIndex(months, name="month"))
    month = month_numbers(received) - first
    out["new_concerns"] = np.bincount(month[(month >= 0) & (month < n_months)], minlength=n_months)
    for measure, done in series.items():
        month = done.end_month - first
        inside = (month >= 0) & (month < n_months)
        out[f"{measure.lower()}_median"] = grouped_quantiles(month[inside], done.length[inside], n_months, (0.5,))[0]
        out[f"{measure.lower()}_n"] = np.bincount(month[inside], minlength=n_months)
    return out
