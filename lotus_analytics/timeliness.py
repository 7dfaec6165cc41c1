"""T1 timeliness: concern received → triage completed, in working days (METHODS.md §1).

Counting rule (DATA_MODEL.md "Working days"): Monday-Friday days that are not England and Wales
bank holidays, after `date_received` up to and including `date_triaged` (same day = 0); calendar
days are reported beside them. A case counts in the month or quarter in which its triage was
completed. n, median, 90th percentile and % within target describe completed triages only: cases not
yet triaged at a period's end are reported as `still_waiting` and are not in these statistics, so a
long queue does not show in the median (METHODS.md §1: censored waits need Kaplan-Meier estimates).
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import pandas as pd

from lotus_analytics.periods import FinancialQuarter, month_labels, quarter_labels, quarter_range
from lotus_analytics.workdays import working_days_between

Period = Literal["month", "quarter"]
PERCENTILE_DEFINITION = "linear interpolation between order statistics (Hyndman and Fan type 7)"
T1_METHOD = (
    "working days after received up to and including triaged, England and Wales bank holidays "
    "excluded; n, median, 90th percentile and % within target are of the completed triages in the "
    "period (counted in the period in which triage was completed); cases still waiting are counted in "
    "still_waiting (received, not triaged and not closed at period end) and not in these statistics - see "
    f"the Kaplan-Meier measures of the timeliness issue; percentiles by {PERCENTILE_DEFINITION}"
)
_LABELLERS = {"month": month_labels, "quarter": quarter_labels}


def triage_durations(cases: pd.DataFrame, holidays: np.ndarray) -> pd.DataFrame:
    """Per-case T1 durations: working and calendar days from received to triaged (NaN if not triaged)."""
    out = cases[["case_id", "date_received", "date_triaged"]].copy()
    out["working_days"] = working_days_between(cases["date_received"], cases["date_triaged"], holidays)
    out["calendar_days"] = (cases["date_triaged"] - cases["date_received"]).dt.days.astype(float)
    return out


def period_labels(dates: pd.Series, period: Period) -> pd.Series:
    """Month or financial quarter label of each date (missing stays None)."""
    return _LABELLERS[period](dates)


def period_end(label: str, period: Period) -> pd.Timestamp:
    """Last day of a month ("2026-07") or financial quarter ("2026/27 Q2") label."""
    if period == "quarter":
        return FinancialQuarter.parse(label).end
    return pd.Period(label, freq="M").end_time.normalize()


def _period_range(labels: pd.Series, period: Period) -> list[str]:
    """Every period label from the earliest to the latest present (so empty periods show as 0)."""
    present = labels.dropna()
    if present.empty:
        return []
    if period == "month":
        return [str(p) for p in pd.period_range(present.min(), present.max(), freq="M")]
    return [q.label for q in quarter_range(FinancialQuarter.parse(present.min()), FinancialQuarter.parse(present.max()))]


def _still_waiting(cases: pd.DataFrame, ends: pd.Series) -> np.ndarray:
    """Cases received by each period end, neither triaged nor closed by then.

    A case leaves the queue at its triage or closure, whichever is first (both are on or after
    receipt), so waiting(end) = #received by end − #left by end.
    """
    received = np.sort(cases["date_received"].to_numpy())
    left = np.sort(cases[["date_triaged", "date_closed"]].min(axis=1).dropna().to_numpy())
    end_values = ends.to_numpy()
    return np.searchsorted(received, end_values, side="right") - np.searchsorted(left, end_values, side="right")


def _summarise(durations: pd.DataFrame, target: int) -> pd.DataFrame:
    """n, median, 90th percentile and within-target counts per period of completed triages."""
    done = durations.dropna(subset=["working_days"])
    grouped = done.assign(within=done["working_days"] <= target).groupby("period")
    return pd.DataFrame({
        "n": grouped.size(),
        "median": grouped["working_days"].median(),
        "p90": grouped["working_days"].quantile(0.9),
        "median_calendar_days": grouped["calendar_days"].median(),
        "within_target": grouped["within"].sum(),
    })


def triage_timeliness(
    cases: pd.DataFrame,
    *,
    period: Period,
    target_working_days: int,
    holidays: np.ndarray,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """T1 by month or financial quarter of triage completion (× `by` groups), one row per period.

    Columns: measure, period_type, period, *by, n, median, p90, median_calendar_days, within_target,
    pct_within_target (0-100), still_waiting, target, unit, method. Periods run from the first to the
    last month/quarter with a completed triage; periods with none have n = 0 and NaN statistics.
    """
    if period not in _LABELLERS:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    missing = [c for c in by if c not in cases.columns]
    if missing:
        raise ValueError(f"cases has no column {', '.join(missing)} to group T1 by")
    labels = period_labels(cases["date_triaged"], period)
    periods = _period_range(labels, period)
    ends = pd.Series([period_end(p, period) for p in periods], dtype="datetime64[ns]")
    durations = triage_durations(cases, holidays).assign(period=labels)
    groups = cases.groupby(list(by), dropna=False, sort=True) if by else [((), cases)]
    frames = []
    for key, members in groups:
        summary = _summarise(durations.loc[members.index], target_working_days).reindex(periods)
        summary["n"] = summary["n"].fillna(0).astype("Int64")
        summary["within_target"] = summary["within_target"].fillna(0).astype("Int64")
        summary["still_waiting"] = pd.array(_still_waiting(members, ends), dtype="Int64")
        summary = summary.rename_axis("period").reset_index()
        for column, value in zip(by, key if isinstance(key, tuple) else (key,)):
            summary[column] = value
        frames.append(summary)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["period", *by, "n", "within_target"])
    n = out["n"].astype(float)
    out["pct_within_target"] = 100 * out["within_target"].astype(float) / n.where(n > 0)
    out = out.assign(measure="T1", period_type=period, target=target_working_days, unit="working days", method=T1_METHOD)
    columns = ["measure", "period_type", "period", *by, "n", "median", "p90", "median_calendar_days",
               "within_target", "pct_within_target", "still_waiting", "target", "unit", "method"]
    return out.reindex(columns=columns)
