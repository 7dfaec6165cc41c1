"""Working days between dates, England and Wales bank holidays excluded.

Counting rule (DATA_MODEL.md "Working days"): Monday-Friday days that are not bank holidays,
counted *after* the start date up to and including the end date, so that the same day is 0.
With numpy's half-open ``busday_count(begin, end)`` that is ``busday_count(start + 1, end + 1)``.
Bank holidays come from the maintained `holidays` package (GB, subdivision ENG), which carries the
one-off days (2020-05-08, 2022-06-02, 2022-06-03, 2022-09-19, 2023-05-08).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Iterable

import holidays as holidays_lib
import numpy as np
import pandas as pd

FIRST_YEAR = 2000
LAST_YEAR = 2040


@lru_cache(maxsize=8)
def _bank_holidays(subdivision: str, extra: tuple[date, ...]) -> np.ndarray:
    calendar = holidays_lib.country_holidays("GB", subdiv=subdivision, years=range(FIRST_YEAR, LAST_YEAR + 1))
    days = sorted(set(calendar.keys()) | set(extra))
    return np.array(days, dtype="datetime64[D]")


def bank_holidays(subdivision: str = "ENG", extra: Iterable[date] = ()) -> np.ndarray:
    """Bank holidays 2000-2040 of the UK subdivision (ENG = England and Wales) plus local closure days."""
    return _bank_holidays(subdivision, tuple(sorted(extra)))


def _as_days(values: pd.Series | np.ndarray | date | pd.Timestamp) -> np.ndarray:
    return pd.to_datetime(pd.Series(np.atleast_1d(values))).to_numpy(dtype="datetime64[D]")


def working_days_between(
    start: pd.Series | np.ndarray | date | pd.Timestamp,
    end: pd.Series | np.ndarray | date | pd.Timestamp,
    holidays: np.ndarray | None = None,
) -> np.ndarray:
    """Working days after `start` up to and including `end` (float array; NaN where a date is missing).

    A negative count means `end` is before `start`.
    """
    hol = bank_holidays() if holidays is None else holidays
    s, e = _as_days(start), _as_days(end)
    missing = np.isnat(s) | np.isnat(e)
    one = np.timedelta64(1, "D")
    safe_s = np.where(missing, np.datetime64("2000-01-01"), s)
    safe_e = np.where(missing, np.datetime64("2000-01-01"), e)
    # numpy counts a reversed span as (end, begin], so the +1 shift applies to forward spans only;
    # this keeps the count antisymmetric: between(a, b) == -between(b, a).
    forward = np.busday_count(safe_s + one, safe_e + one, holidays=hol)
    backward = np.busday_count(safe_s, safe_e, holidays=hol)
    counts = np.where(safe_s <= safe_e, forward, backward).astype(float)
    counts[missing] = np.nan
    return counts


def add_working_days(
    start: pd.Series | np.ndarray | date | pd.Timestamp,
    days: np.ndarray | int,
    holidays: np.ndarray | None = None,
) -> np.ndarray:
    """The date `days` working days after `start` (inverse of `working_days_between`; 0 = same day)."""
    hol = bank_holidays() if holidays is None else holidays
    s = _as_days(start)
    n = np.broadcast_to(np.asarray(days, dtype=int), s.shape)
    shifted = np.busday_offset(s, n, roll="backward", holidays=hol)
    # busday_offset from a non-working day rolls back first; 0 days must stay on the start date.
    return np.where(n == 0, s, shifted)
