"""What a report is asked for, checked before anything runs: the quarter, and the folder it goes to.

Light on imports (no papermill or nbconvert) so that the report kernel can make the same checks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from lotus_analytics.periods import FinancialQuarter, latest_complete_quarter, long_date


class ReportError(RuntimeError):
    """The report could not be built; the message says which step failed and why."""


def complete_quarter(quarter: str | None, extract_date: pd.Timestamp) -> FinancialQuarter:
    """The quarter to report: `quarter` if it had ended by the extract date, or the latest complete one if None.

    Raises ReportError for a quarter that had not ended (its figures would be partial).
    """
    latest = latest_complete_quarter(extract_date)
    if quarter is None:
        return latest
    wanted = FinancialQuarter.parse(quarter)
    if wanted > latest:
        raise ReportError(f"{wanted.label} (ending {long_date(wanted.end)}) is not complete at the extract date "
                          f"{long_date(extract_date)}; the latest complete quarter is {latest.label}")
    return wanted


def slug(text: str) -> str:
    """Folder-safe name: "2026/27 Q2" -> "2026-27-Q2", "North West" -> "north-west" (case kept for quarters)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def report_folder(out_root: Path, quarter: str, region: str) -> Path:
    """``<out_root>/<quarter slug>/<region slug>``."""
    return Path(out_root) / slug(FinancialQuarter.parse(quarter).label) / slug(region).lower()
