"""T1 received → triaged on a hand-made extract across the 2022 Jubilee and state-funeral holidays."""

import numpy as np
import pandas as pd
import pytest
from measures_frames import cases_frame

from lotus_analytics.periods import FinancialQuarter, latest_complete_quarter
from lotus_analytics.timeliness import period_end, period_labels, triage_durations, triage_timeliness
from lotus_analytics.workdays import bank_holidays

HOLIDAYS = bank_holidays("ENG")
T = pd.Timestamp

# Hand counts (working days after received up to and including triaged):
# C1 Wed 1 Jun -> Mon 6 Jun = 1 (Thu 2 / Fri 3 Jun Jubilee); C2 same day = 0;
# C3 Fri 27 May -> Fri 10 Jun = 8; C4 Mon 20 Jun -> Mon 4 Jul = 10; C5 waiting;
# C6 closed untriaged on 30 Jun; C7 Thu 15 Sep -> Tue 20 Sep = 2 (Mon 19 Sep state funeral).
CASES = cases_frame([
    {"date_received": T("2022-06-01"), "date_triaged": T("2022-06-06")},
    {"date_received": T("2022-06-01"), "date_triaged": T("2022-06-01")},
    {"date_received": T("2022-05-27"), "date_triaged": T("2022-06-10"), "profession": "dental"},
    {"date_received": T("2022-06-20"), "date_triaged": T("2022-07-04")},
    {"date_received": T("2022-06-28")},
    {"date_received": T("2022-06-15"), "date_closed": T("2022-06-30")},
    {"date_received": T("2022-09-15"), "date_triaged": T("2022-09-20")},
])


def test_per_case_durations():
    d = triage_durations(CASES, HOLIDAYS)
    assert d["working_days"].tolist()[:4] == [1, 0, 8, 10]
    assert np.isnan(d["working_days"].iloc[4])
    assert d["working_days"].iloc[6] == 2
    assert d["calendar_days"].iloc[0] == 5 and d["calendar_days"].iloc[2] == 14


def test_monthly_t1_by_month_of_triage():
    t1 = triage_timeliness(CASES, period="month", target_working_days=5, holidays=HOLIDAYS).set_index("period")
    assert t1.index.tolist() == ["2022-06", "2022-07", "2022-08", "2022-09"]
    june = t1.loc["2022-06"]
    assert (june["n"], june["median"], june["within_target"]) == (3, 1, 2)
    assert june["p90"] == pytest.approx(6.6)  # [0, 1, 8]: position 1.8 -> 1 + 0.8 x 7
    assert june["pct_within_target"] == pytest.approx(200 / 3)
    assert june["median_calendar_days"] == 5
    assert t1["still_waiting"].tolist() == [2, 1, 1, 1]  # C4 and C5 at end June; then C5 only
    assert t1.loc["2022-08", "n"] == 0 and np.isnan(t1.loc["2022-08", "pct_within_target"])
    assert t1.loc["2022-09", "pct_within_target"] == 100
    assert set(t1["measure"]) == {"T1"} and set(t1["unit"]) == {"working days"}
    method = t1["method"].iloc[0]
    assert "Hyndman and Fan type 7" in method
    assert "of the completed triages in the period" in method and "not in these statistics" in method


def test_quarterly_t1():
    t1 = triage_timeliness(CASES, period="quarter", target_working_days=5, holidays=HOLIDAYS).set_index("period")
    assert t1.index.tolist() == ["2022/23 Q1", "2022/23 Q2"]
    q2 = t1.loc["2022/23 Q2"]
    assert (q2["n"], q2["median"], q2["within_target"], q2["still_waiting"]) == (2, 6, 1, 1)
    assert q2["p90"] == pytest.approx(9.2)  # [2, 10]: 2 + 0.9 x 8
    assert q2["pct_within_target"] == 50


def test_t1_by_profession_keeps_empty_periods():
    t1 = triage_timeliness(CASES, period="month", target_working_days=5, holidays=HOLIDAYS, by=["profession"])
    dental = t1[t1["profession"] == "dental"].set_index("period")
    medical = t1[t1["profession"] == "medical"].set_index("period")
    assert dental["n"].tolist() == [1, 0, 0, 0]
    assert dental["still_waiting"].tolist() == [0, 0, 0, 0]
    assert medical.loc["2022-06", "n"] == 2 and medical.loc["2022-06", "median"] == 0.5


def test_target_is_inclusive():
    t1 = triage_timeliness(CASES, period="quarter", target_working_days=8, holidays=HOLIDAYS)
    assert t1["within_target"].tolist() == [3, 1]


def test_period_end_and_bad_arguments():
    assert period_end("2022-02", "month") == T("2022-02-28")
    assert period_end("2026/27 Q2", "quarter") == T("2026-09-30")
    with pytest.raises(ValueError, match="period must be 'month' or 'quarter'"):
        triage_timeliness(CASES, period="week", target_working_days=5, holidays=HOLIDAYS)
    with pytest.raises(ValueError, match="no column nonsense"):
        triage_timeliness(CASES, period="month", target_working_days=5, holidays=HOLIDAYS, by=["nonsense"])


def test_demo_triage_step_change_matches_ground_truth():
    from lotus_analytics.synthetic import generate

    extract = generate(seed=2026)
    truth = extract.ground_truth["triage_step"]
    step = FinancialQuarter.containing(pd.Timestamp(truth["month"]))
    t1 = triage_timeliness(extract.cases, period="quarter", target_working_days=5, holidays=HOLIDAYS)
    quarters = t1["period"].map(FinancialQuarter.parse)
    complete = quarters <= latest_complete_quarter(extract.extract_date)
    before = t1[quarters < step]
    after = t1[(quarters > step) & complete]
    assert len(before) >= 8 and len(after) >= 6
    assert (before["median"] - truth["median_working_days_before"]).abs().max() <= 1.5
    assert (after["median"] - truth["median_working_days_after"]).abs().max() <= 1.0
    assert (after["pct_within_target"] > before["pct_within_target"].max()).all()


def test_period_labels_match_periods_module_with_missing_dates():
    dates = pd.Series(pd.to_datetime(["2022-03-31", None, "2022-04-01", "2022-03-31"]))
    assert period_labels(dates, "quarter").tolist() == ["2021/22 Q4", None, "2022/23 Q1", "2021/22 Q4"]
    assert period_labels(dates, "month").tolist() == ["2022-03", None, "2022-04", "2022-03"]
    assert period_labels(pd.Series([pd.NaT]), "month").tolist() == [None]


def test_no_triaged_case_gives_an_empty_table():
    waiting = CASES[CASES["date_triaged"].isna()]
    for by in ((), ("profession",)):
        t1 = triage_timeliness(waiting.head(0), period="month", target_working_days=5, holidays=HOLIDAYS, by=by)
        assert t1.empty and "pct_within_target" in t1.columns
    assert triage_timeliness(waiting, period="month", target_working_days=5, holidays=HOLIDAYS).empty
