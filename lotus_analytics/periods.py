"""NHS financial years and quarters (April-March), and the rolling windows built from them.

`2026/27 Q1` is April-June 2026, Q2 July-September, Q3 October-December, Q4 January-March 2027.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

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
        fy = day.year if day.month >= 4 else day.year - 1
        return cls(fy, (day.month - 4) % 12 // 3 + 1)

    @property
    def label(self) -> str:
        return f"{fy_label(self.fy_start)} Q{self.quarter}"

    @property
    def start(self) -> pd.Timestamp:
        month = 4 + 3 * (self.quarter - 1)
        return pd.Timestamp(self.fy_start + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> pd.Timestamp:
        """The last day of the quarter."""
        return self.start + pd.offsets.QuarterEnd(startingMonth=3)

    def shift(self, quarters: int) -> "FinancialQuarter":
        index = self.fy_start * 4 + self.quarter - 1 + quarters
        return FinancialQuarter(index // 4, index % 4 + 1)

    def __str__(self) -> str:
        return self.label


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
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


def rolling_window(quarter: FinancialQuarter, years: int) -> Window:
    """The `years` x 4 quarters ending with `quarter` (WRES-style rolling window)."""
    first = quarter.shift(-(4 * years - 1))
    fys = tuple(fy_label(y) for y in range(first.fy_start, quarter.fy_start + 1))
    return Window(first.start, quarter.end, fys)


def quarter_labels(dates: pd.Series) -> pd.Series:
    """Financial quarter label of each date (missing stays missing)."""
    ts = pd.to_datetime(dates)
    fy = ts.dt.year.where(ts.dt.month >= 4, ts.dt.year - 1)
    q = ((ts.dt.month - 4) % 12) // 3 + 1
    label = fy.astype("Int64").astype(str) + "/" + ((fy + 1) % 100).astype("Int64").astype(str).str.zfill(2) + " Q" + q.astype("Int64").astype(str)
    return label.where(ts.notna())


def month_labels(dates: pd.Series) -> pd.Series:
    """Calendar month label (YYYY-MM) of each date."""
    ts = pd.to_datetime(dates)
    return ts.dt.strftime("%Y-%m").where(ts.notna())
