"""Working-day counting rule of DATA_MODEL.md across England and Wales bank holidays (hand counts)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lotus_analytics.workdays import add_working_days, bank_holidays, working_days_between

HOLIDAYS = bank_holidays("ENG")


def days(start: str, end: str) -> float:
    return float(working_days_between(pd.Timestamp(start), pd.Timestamp(end), HOLIDAYS)[0])


@pytest.mark.parametrize(
    "day",
    [
        "2020-05-08",  # VE Day 75: early May bank holiday moved from Monday 4th
        "2022-06-02", "2022-06-03",  # Platinum Jubilee (spring bank holiday moved to the 2nd)
        "2022-09-19",  # State funeral of Queen Elizabeth II
        "2023-05-08",  # Coronation of King Charles III
        "2024-03-29", "2024-04-01",  # Good Friday, Easter Monday
        "2021-12-27", "2021-12-28",  # Christmas and Boxing Day on a weekend: substitute days
        "2022-12-26", "2022-12-27",  # Christmas Day on Sunday: Boxing Day then substitute
        "2020-12-28",  # Boxing Day on Saturday: substitute Monday
        "2022-01-03",  # New Year's Day on Saturday: substitute Monday
        "2023-01-02",  # New Year's Day on Sunday: substitute Monday
        "2025-04-18", "2025-04-21",  # Good Friday, Easter Monday
        "2022-08-29",  # summer bank holiday
    ],
)
def test_bank_holiday_is_in_the_calendar(day):
    assert np.datetime64(day) in HOLIDAYS


@pytest.mark.parametrize("day", ["2020-05-04", "2022-05-30", "2022-12-28", "2024-03-28"])
def test_moved_or_ordinary_days_are_working_days(day):
    assert np.datetime64(day) not in HOLIDAYS


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2022-06-01", "2022-06-01", 0),  # same day
        ("2022-06-01", "2022-06-06", 1),  # Wed -> Mon over the Jubilee Thu/Fri and a weekend
        ("2022-09-16", "2022-09-20", 1),  # Fri -> Tue over the state funeral Monday
        ("2020-05-07", "2020-05-11", 1),  # Thu -> Mon over VE Day Friday
        ("2020-05-01", "2020-05-04", 1),  # the ordinary early-May Monday was worked in 2020
        ("2023-05-05", "2023-05-09", 1),  # Fri -> Tue over the coronation Monday
        ("2024-03-28", "2024-04-02", 1),  # Thu -> Tue over Easter
        ("2021-12-24", "2021-12-29", 1),  # Fri -> Wed: Mon 27 and Tue 28 are substitute days
        ("2022-12-23", "2022-12-28", 1),  # Fri -> Wed over Boxing Day and the Christmas substitute
        ("2022-12-23", "2023-01-03", 4),  # Wed 28, Thu 29, Fri 30 Dec and Tue 3 Jan (Mon 2 Jan: New Year substitute)
        ("2020-12-24", "2020-12-29", 1),  # Thu -> Tue: Fri 25 Christmas, Mon 28 Boxing Day substitute
        ("2021-12-31", "2022-01-04", 1),  # Fri -> Tue over the New Year substitute Monday
        ("2025-04-17", "2025-04-22", 1),  # Thu before Good Friday -> Tue after Easter Monday
        ("2022-08-26", "2022-08-30", 1),  # Fri -> Tue over the summer bank holiday
        ("2026-11-27", "2026-11-30", 1),  # Fri -> Mon: the weekend does not count
        ("2026-11-28", "2026-11-29", 0),  # Sat -> Sun
        ("2026-11-02", "2026-11-30", 20),  # four whole weeks, counted after the start
        ("2026-11-06", "2026-11-02", -4),  # end before start counts negative
    ],
)
def test_hand_counts(start, end, expected):
    assert days(start, end) == expected


def test_missing_dates_give_nan_and_series_work():
    start = pd.Series(pd.to_datetime(["2022-06-01", None, "2022-09-16"]))
    end = pd.Series(pd.to_datetime(["2022-06-06", "2022-06-06", pd.NaT]))
    counts = working_days_between(start, end, HOLIDAYS)
    assert counts[0] == 1 and np.isnan(counts[1]) and np.isnan(counts[2])


def test_extra_closure_days_are_excluded():
    with_closure = bank_holidays("ENG", extra=[date(2026, 11, 30)])
    assert float(working_days_between(pd.Timestamp("2026-11-27"), pd.Timestamp("2026-12-01"), with_closure)[0]) == 1


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2022-06-01", 1, "2022-06-06"),
        ("2022-06-01", 0, "2022-06-01"),
        ("2022-06-04", 1, "2022-06-06"),  # from a Saturday
        ("2022-09-16", 1, "2022-09-20"),
        ("2026-11-02", 20, "2026-11-30"),
    ],
)
def test_add_working_days_inverts_the_count(start, n, expected):
    result = add_working_days(pd.Timestamp(start), n, HOLIDAYS)[0]
    assert result == np.datetime64(expected)
    assert days(start, expected) == n


def test_count_is_antisymmetric():
    starts = pd.Series(pd.date_range("2022-05-25", "2022-06-12"))
    ends = pd.Series([pd.Timestamp("2022-06-06")] * len(starts))
    assert (working_days_between(starts, ends, HOLIDAYS) == -working_days_between(ends, starts, HOLIDAYS)).all()
