"""Financial quarters and rolling windows (DATA_MODEL.md, Reporting periods)."""

from __future__ import annotations

import pandas as pd
import pytest

from lotus_analytics.periods import (
    FinancialQuarter, PeriodError, financial_year_labels, latest_complete_quarter, long_date, month_labels, quarter_labels,
    quarter_range, rolling_window,
)


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026/27 Q1", "2026-04-01", "2026-06-30"),
        ("2026/27 Q2", "2026-07-01", "2026-09-30"),
        ("2026/27 Q3", "2026-10-01", "2026-12-31"),
        ("2026/27 Q4", "2027-01-01", "2027-03-31"),
        ("1999/00 Q4", "2000-01-01", "2000-03-31"),
    ],
)
def test_quarter_dates(label: str, start: str, end: str) -> None:
    q = FinancialQuarter.parse(label)
    assert (q.start, q.end) == (pd.Timestamp(start), pd.Timestamp(end))
    assert q.label == label


@pytest.mark.parametrize("bad", ["2026/28 Q1", "2026 Q1", "2026/27 Q5", "Q2 2026/27"])
def test_bad_quarter_labels_are_refused(bad: str) -> None:
    with pytest.raises(PeriodError, match="not a financial quarter"):
        FinancialQuarter.parse(bad)


def test_latest_complete_quarter() -> None:
    assert latest_complete_quarter(pd.Timestamp("2026-10-15")).label == "2026/27 Q2"
    assert latest_complete_quarter(pd.Timestamp("2026-09-30")).label == "2026/27 Q2"
    assert latest_complete_quarter(pd.Timestamp("2026-09-29")).label == "2026/27 Q1"
    assert latest_complete_quarter(pd.Timestamp("2026-04-01")).label == "2025/26 Q4"


def test_two_year_rolling_window_is_eight_quarters() -> None:
    w = rolling_window(FinancialQuarter.parse("2026/27 Q2"), 2)
    assert (w.start, w.end) == (pd.Timestamp("2024-10-01"), pd.Timestamp("2026-09-30"))
    assert w.financial_years == ("2024/25", "2025/26", "2026/27")
    w4 = rolling_window(FinancialQuarter.parse("2025/26 Q4"), 2)
    assert (w4.start, w4.financial_years) == (pd.Timestamp("2024-04-01"), ("2024/25", "2025/26"))


def test_quarters_per_year_of_a_window() -> None:
    w = rolling_window(FinancialQuarter.parse("2026/27 Q2"), 2)
    assert w.quarters_per_year == {"2024/25": 2, "2025/26": 4, "2026/27": 2}
    assert list(w.quarters_per_year) == list(w.financial_years)
    assert rolling_window(FinancialQuarter.parse("2025/26 Q4"), 2).quarters_per_year == {"2024/25": 4, "2025/26": 4}
    assert rolling_window(FinancialQuarter.parse("2026/27 Q1"), 1).quarters_per_year == {"2025/26": 3, "2026/27": 1}


@pytest.mark.parametrize(
    ("day", "label"),
    [("2026-03-31", "2025/26 Q4"), ("2026-04-01", "2026/27 Q1"), ("2026-06-30", "2026/27 Q1"),
     ("2026-07-01", "2026/27 Q2"), ("2026-12-31", "2026/27 Q3"), ("2027-01-01", "2026/27 Q4")],
)
def test_quarter_containing_a_day(day: str, label: str) -> None:
    assert FinancialQuarter.containing(pd.Timestamp(day)).label == label


def test_shift_and_range_cross_financial_years() -> None:
    q3 = FinancialQuarter.parse("2025/26 Q3")
    assert q3.shift(3).label == "2026/27 Q2" and q3.shift(-3).label == "2024/25 Q4"
    assert q3.shift(-8).shift(8) == q3
    labels = [q.label for q in quarter_range(q3, FinancialQuarter.parse("2026/27 Q2"))]
    assert labels == ["2025/26 Q3", "2025/26 Q4", "2026/27 Q1", "2026/27 Q2"]
    assert quarter_range(q3, q3) == [q3] and quarter_range(q3, q3.shift(-1)) == []


def test_labels_of_dates() -> None:
    days = ["2026-03-31", "2026-04-01", "2027-01-15", None, "2026-03-31"]
    dates = pd.Series(pd.to_datetime(days), index=[5, 6, 7, 8, 9])
    assert quarter_labels(dates).tolist() == ["2025/26 Q4", "2026/27 Q1", "2026/27 Q4", None, "2025/26 Q4"]
    assert financial_year_labels(dates).tolist() == ["2025/26", "2026/27", "2026/27", None, "2025/26"]
    assert month_labels(dates).tolist() == ["2026-03", "2026-04", "2027-01", None, "2026-03"]
    assert quarter_labels(dates).index.equals(dates.index)
    assert quarter_labels(pd.Series([pd.NaT])).tolist() == [None] and month_labels(dates.head(0)).empty


def test_dates_read_the_same_everywhere() -> None:
    assert long_date(pd.Timestamp("2026-07-01")) == "1 July 2026"
    w = rolling_window(FinancialQuarter.parse("2026/27 Q2"), 2)
    assert w.label == "1 October 2024 to 30 September 2026"
