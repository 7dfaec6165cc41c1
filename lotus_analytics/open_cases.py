"""The open caseload at a date: T5 age profile and T6 longest gap without contact (METHODS.md §1).

Open at `as_of`: received on or before `as_of` and not closed by then (no `date_closed`, or one
after `as_of`), so the profile can be taken at the end of any past quarter.

T5 age in whole calendar months from `date_received` to `as_of`: a case is m months old from the
day-of-month of its receipt m months on (the month's last day when that month is shorter: received
31 January, 1 month old on 28/29 February). Bands include their lower bound: 0-3 is under 3 months,
3-6 is 3 months up to under 6, ..., 24+ is 24 months or more.

T6 contact: any update sent to the practitioner (acknowledgement, post-meeting outcome, progress or
closure letter) on or before `as_of`. The gaps of an open case run between consecutive contacts,
with its receipt as the first end and `as_of` as the last: a case with no update since receipt has
been without contact since receipt, and the wait since the last contact is still growing. A gap over
the target (default 28 calendar days) is one of more than 28 days.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from lotus_analytics.timeliness import check_columns, group_codes, grouped_quantiles

AGE_BANDS: tuple[tuple[str, int, str], ...] = (
    ("months_0_3", 0, "0-3 months"), ("months_3_6", 3, "3-6 months"), ("months_6_12", 6, "6-12 months"),
    ("months_12_24", 12, "12-24 months"), ("months_24_plus", 24, "24 months or more"),
)
"""(column, lower bound in whole months, label) of each T5 band; the upper bound is the next band's lower bound."""
CONTACT_GROUPS = ("region", "icb_code", "profession", "risk_level")
T5_METHOD = (
    "T5 cases open at as_of (received on or before it, not closed by it) by age in whole calendar months "
    "since receipt; bands include their lower bound (0-3 = under 3 months; 24+ = 24 months or more)"
)
T6_METHOD = (
    "T6 longest gap without contact of each case open at as_of, in calendar days, between receipt, every "
    "update sent on or before as_of and as_of itself; over target = longest gap of more than the target"
)


class NotSupplied(LookupError):
    """A measure needs an optional table that the extract did not supply (report it as "not supplied")."""

    def __init__(self, table: str) -> None:
        super().__init__(f"the {table} table was not supplied")
        self.table = table


def _day(value: pd.Timestamp | str) -> np.datetime64:
    return np.datetime64(pd.Timestamp(value).date(), "D")


def open_at(cases: pd.DataFrame, as_of: pd.Timestamp | str) -> np.ndarray:
    """Positions of the cases open at `as_of`."""
    day = _day(as_of)
    received = cases["date_received"].to_numpy(dtype="datetime64[D]")
    closed = cases["date_closed"].to_numpy(dtype="datetime64[D]")
    return np.flatnonzero((received <= day) & ~(closed <= day))  # NaT compares False: never closed


def age_in_months(received: pd.Series | np.ndarray, as_of: pd.Timestamp | str) -> np.ndarray:
    """Whole calendar months from each date received to `as_of` (see the module docstring)."""
    day = pd.Timestamp(as_of)
    start = pd.DatetimeIndex(np.asarray(received, dtype="datetime64[ns]"))
    months = (day.year - start.year) * 12 + (day.month - start.month)
    anniversary = np.minimum(start.day, day.days_in_month)  # the day in as_of's month a new month is reached
    return np.asarray(months - (day.day < anniversary), dtype=np.int64)


def open_case_ages(cases: pd.DataFrame, *, as_of: pd.Timestamp | str, by: Sequence[str] = ()) -> pd.DataFrame:
    """T5: open cases at `as_of` by age band, one row per group of `cases` (groups with none show 0).

    Columns: measure, as_of, *by, open_cases, months_0_3, months_3_6, months_6_12, months_12_24,
    months_24_plus (open_cases is their total), unit, method.
    """
    check_columns(cases, by, "open cases")
    groups, keys = group_codes(cases, by)
    rows = open_at(cases, as_of)
    lower_bounds = [lower for _, lower, _ in AGE_BANDS]
    band = np.searchsorted(lower_bounds, age_in_months(cases["date_received"].iloc[rows], as_of), side="right") - 1
    counts = np.bincount(groups[rows] * len(AGE_BANDS) + band, minlength=len(keys) * len(AGE_BANDS))
    counts = counts.reshape(len(keys), len(AGE_BANDS))
    out = keys.assign(open_cases=counts.sum(axis=1), **{c: counts[:, i] for i, (c, _, _) in enumerate(AGE_BANDS)})
    out.insert(0, "as_of", pd.Timestamp(as_of))
    out.insert(0, "measure", "T5")
    return out.assign(unit="cases", method=T5_METHOD)


def _longest_gaps(
    cases: pd.DataFrame, updates: pd.DataFrame | None, as_of: pd.Timestamp | str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(open case positions, longest gap, days since last contact), calendar days (vectorised)."""
    if updates is None:
        raise NotSupplied("updates")
    day = _day(as_of)
    rows = open_at(cases, as_of)
    sent = updates["date_sent"].to_numpy(dtype="datetime64[D]")
    # one text lookup per update, most of T6's time: looking all up beats copying the IDs sent by as_of first
    letters = pd.Index(cases["case_id"].to_numpy()[rows]).get_indexer(updates["case_id"].to_numpy())
    known = (letters >= 0) & (sent <= day)
    case = np.concatenate([np.arange(len(rows)), letters[known], np.arange(len(rows))])
    when = np.concatenate([cases["date_received"].to_numpy(dtype="datetime64[D]")[rows], sent[known],
                           np.full(len(rows), day)]).astype(np.int64)
    order = np.lexsort((when, case))  # by case, then date: receipt first and as_of last (nothing is later)
    case, when = case[order], when[order]
    same = case[1:] == case[:-1]
    gaps = np.diff(when)[same]  # every case has at least two points, so at least one gap
    first_gap = np.searchsorted(case[1:][same], np.arange(len(rows)))
    longest = np.maximum.reduceat(gaps, first_gap) if len(rows) else np.zeros(0, dtype=np.int64)
    since_last = gaps[np.append(first_gap[1:], len(gaps)) - 1] if len(rows) else np.zeros(0, dtype=np.int64)
    return rows, longest, since_last


def contact_gaps(
    cases: pd.DataFrame, updates: pd.DataFrame | None, *, as_of: pd.Timestamp | str, target_days: int = 28,
) -> pd.DataFrame:
    """T6 per open case at `as_of` (internal use only: case-level rows are never published).

    Columns: case_id, region, icb_code, profession, risk_level, gap_days (longest gap without contact),
    days_since_contact (the current gap), over_target (gap_days > target_days), as_of, target. Raises
    NotSupplied when `updates` is None.
    """
    rows, longest, since_last = _longest_gaps(cases, updates, as_of)
    out = cases[["case_id", *CONTACT_GROUPS]].iloc[rows].reset_index(drop=True)
    return out.assign(gap_days=longest, days_since_contact=since_last, over_target=longest > target_days,
                      as_of=pd.Timestamp(as_of), target=target_days)


def contact_gap_summary(gaps: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """T6 counts from `contact_gaps` per group of `by` (columns of CONTACT_GROUPS): the publishable form.

    One row per group with at least one open case. Columns: measure, as_of, *by, open_cases,
    over_target, pct_over_target (0-100), median_gap_days (median longest gap), target, unit, method.
    """
    missing = [c for c in by if c not in CONTACT_GROUPS]
    if missing:
        raise ValueError(f"contact gaps can be grouped by {', '.join(CONTACT_GROUPS)}, not {', '.join(missing)}")
    groups, keys = group_codes(gaps, by)
    size = len(keys) if len(gaps) else 0
    open_cases = np.bincount(groups, minlength=size)
    over = np.bincount(groups, weights=gaps["over_target"].to_numpy(dtype=float), minlength=size).astype(np.int64)
    out = keys.iloc[:size].assign(
        open_cases=open_cases, over_target=over,
        pct_over_target=100 * over / np.where(open_cases > 0, open_cases, np.nan),
        median_gap_days=grouped_quantiles(groups, gaps["gap_days"].to_numpy(), size, (0.5,))[0],
    )
    out.insert(0, "as_of", gaps["as_of"].iloc[0] if len(gaps) else pd.NaT)
    out.insert(0, "measure", "T6")
    return out.assign(target=gaps["target"].iloc[0] if len(gaps) else np.nan, unit="calendar days", method=T6_METHOD)
