"""NHS financial years and quarters (April-March), and the rolling windows built from them.

`2026/27 Q1` is April-June 2026, Q2 July-September, Q3 October-December, Q4 January-March 2027.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Callable

import numpy as np
import pandas as pd

_QUARTER_RE = re.compile(r"^\s*(\d{4})/(\d{2})\s*Q([1-4])\s*$")


class PeriodError(ValueError):
    """A period label cannot be read."""


@dataclass(frozen=True, order=True)
class FinancialQuarter:
    """A financial quarter, identified by the calendar year its financial year starts in."""

    fy_start: int
    quarter: int

    @classmethod
    def parse(cls, label: str) -> "FinancialQuarter":
        """Read a label like "2026/27 Q2"; the second year must follow the first."""
        m = _QUARTER_RE.match(label)
        if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
            raise PeriodError(f"'{label}' is not a financial quarter like '2026/27 Q2'")
        return cls(int(m.group(1)), int(m.group(3)))

    @classmethod
    def containing(cls, day: date | pd.Timestamp) -> "FinancialQuarter":
        """The quarter a day falls in: April-June is Q1 of the financial year starting that April."""
        return cls.from_index(day.year * 4 + (day.month - 4) // 3)

    @classmethod
    def from_index(cls, index: int) -> "FinancialQuarter":
        """Inverse of `index`."""
        return cls(index // 4, index % 4 + 1)

    @property
    def index(self) -> int:
        """Quarters since 0000/01 Q1: consecutive quarters have consecutive indexes."""
        return self.fy_start * 4 + self.quarter - 1

    @property
    def label(self) -> str:
        """The label `parse` reads, e.g. "2026/27 Q2"."""
        return f"{fy_label(self.fy_start)} Q{self.quarter}"

    @property
    def start(self) -> pd.Timestamp:
        """The first day of the quarter (1 April, 1 July, 1 October or 1 January)."""
        month = 4 + 3 * (self.quarter - 1)
        return pd.Timestamp(self.fy_start + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> pd.Timestamp:
        """The last day of the quarter."""
        return self.start + pd.offsets.QuarterEnd(startingMonth=3)

    def shift(self, quarters: int) -> "FinancialQuarter":
        """The quarter `quarters` later (earlier when negative), across financial years."""
        return FinancialQuarter.from_index(self.index + quarters)

    def __str__(self) -> str:
        return self.label


def long_date(ts: pd.Timestamp) -> str:
    """A date as readers see it everywhere: "1 July 2026"."""
    return f"{ts.day} {ts:%B %Y}"


def fy_label(fy_start: int) -> str:
    """Financial year label, e.g. 2025 -> "2025/26"."""
    return f"{fy_start}/{(fy_start + 1) % 100:02d}"


def fy_start_of(label: str) -> int:
    """Inverse of `fy_label`: "2025/26" -> 2025."""
    m = re.match(r"^(\d{4})/(\d{2})$", label)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise PeriodError(f"'{label}' is not a financial year like '2025/26'")
    return int(m.group(1))


def latest_complete_quarter(as_of: date | pd.Timestamp) -> FinancialQuarter:
    """The last financial quarter that ended on or before `as_of`."""
    current = FinancialQuarter.containing(pd.Timestamp(as_of))
    return current if pd.Timestamp(as_of) >= current.end else current.shift(-1)


@dataclass(frozen=True)
class Window:
    """An inclusive date window with the financial years it covers."""

    start: pd.Timestamp
    end: pd.Timestamp
    financial_years: tuple[str, ...]

    @property
    def label(self) -> str:
        """The window's dates as published, e.g. "1 October 2024 to 30 September 2026"."""
        return f"{long_date(self.start)} to {long_date(self.end)}"

    @property
    def quarters_per_year(self) -> dict[str, int]:
        """How many of the window's financial quarters fall in each of its financial years, in order.

        E.g. the eight quarters ending 2026/27 Q2: {"2024/25": 2, "2025/26": 4, "2026/27": 2}.
        """
        quarters = quarter_range(FinancialQuarter.containing(self.start), FinancialQuarter.containing(self.end))
        return dict(Counter(fy_label(q.fy_start) for q in quarters))


def quarter_window(first: FinancialQuarter, last: FinancialQuarter) -> Window:
    """The window from the start of quarter `first` to the end of quarter `last`."""
    fys = tuple(fy_label(y) for y in range(first.fy_start, last.fy_start + 1))
    return Window(first.start, last.end, fys)


def rolling_window(quarter: FinancialQuarter, years: int) -> Window:
    """The `years` x 4 quarters ending with `quarter` (WRES-style rolling window)."""
    return quarter_window(quarter.shift(-(4 * years - 1)), quarter)


def quarter_range(first: FinancialQuarter, last: FinancialQuarter) -> list[FinancialQuarter]:
    """Every quarter from `first` to `last` inclusive (empty when `last` comes before `first`)."""
    return [first.shift(i) for i in range(last.index - first.index + 1)]


def _label_each_date(dates: pd.Series, label: Callable[[pd.Timestamp], str]) -> pd.Series:
    """`label` of each date, computed once per distinct date (fast on 1M rows); missing stays None."""
    codes, uniques = pd.factorize(pd.to_datetime(dates))  # a missing date gets code -1: the trailing None
    labels = np.array([label(day) for day in uniques] + [None], dtype=object)
    return pd.Series(labels[codes], index=dates.index, dtype=object)


def quarter_labels(dates: pd.Series) -> pd.Series:
    """Financial quarter label of each date, e.g. "2026/27 Q2" (missing stays None)."""
    return _label_each_date(dates, lambda day: FinancialQuarter.containing(day).label)


def financial_year_labels(dates: pd.Series) -> pd.Series:
    """Financial year label of each date, e.g. "2026/27" (missing stays None)."""
    return _label_each_date(dates, lambda day: fy_label(FinancialQuarter.containing(day).fy_start))


def month_labels(dates: pd.Series) -> pd.Series:
    """Calendar month label (YYYY-MM) of each date (missing stays None)."""
    return _label_each_date(dates, lambda day: f"{day:%Y-%m}")
