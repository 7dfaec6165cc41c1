"""T1-T4 on hand-made extracts across the 2022 Jubilee, state-funeral and summer holidays; T1 step on the demo."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from measures_frames import cases_frame, typed

from lotus_analytics.periods import FinancialQuarter, latest_complete_quarter, month_labels, quarter_labels
from lotus_analytics.timeliness import (
    NEVER, completed_durations, group_codes, grouped_quantiles, month_numbers, monthly_series, stage_durations,
    stage_timeliness, triage_timeliness, working_days,
)
from lotus_analytics.workdays import bank_holidays, working_days_between

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
    d = stage_durations(CASES, "T1", HOLIDAYS)
    assert d["case_id"].tolist() == ["C1", "C2", "C3", "C4", "C7"]  # C5 waiting, C6 closed untriaged
    assert d["working_days"].tolist() == [1, 0, 8, 10, 2]
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


def test_bad_arguments():
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


def test_period_labels_match_the_periods_module_across_a_year_end():
    days = ["2022-03-31", "2022-04-01", "2021-12-31", "2023-01-01"]
    cases = cases_frame([{"date_received": T(d), "date_triaged": T(d)} for d in days])
    for period, labels in (("quarter", quarter_labels), ("month", month_labels)):
        t1 = triage_timeliness(cases, period=period, target_working_days=5, holidays=HOLIDAYS)
        present = t1.loc[t1["n"] > 0, "period"].tolist()
        assert present == sorted(set(labels(cases["date_triaged"])))
    assert present == ["2021-12", "2022-03", "2022-04", "2023-01"]
    assert triage_timeliness(cases, period="quarter", target_working_days=5, holidays=HOLIDAYS)["period"].tolist() == [
        "2021/22 Q3", "2021/22 Q4", "2022/23 Q1", "2022/23 Q2", "2022/23 Q3", "2022/23 Q4"]


def test_no_triaged_case_gives_an_empty_table():
    waiting = CASES[CASES["date_triaged"].isna()]
    for by in ((), ("profession",)):
        t1 = triage_timeliness(waiting.head(0), period="month", target_working_days=5, holidays=HOLIDAYS, by=by)
        assert t1.empty and "pct_within_target" in t1.columns
    assert triage_timeliness(waiting, period="month", target_working_days=5, holidays=HOLIDAYS).empty


# T2-T4 hand-made extract (2022). Working days counted by hand, after the start up to and including the end:
#   T1  A Wed 25 May -> Wed 1 Jun = 5 (Mon 30 May worked: the spring holiday moved to Thu 2 Jun)
#   T2  A Wed 1 Jun -> Wed 15 Jun = 8 (Thu 2 / Fri 3 Jun Jubilee); B Fri 10 Jun -> Mon 11 Jul = 21;
#       C Mon 20 Jun -> Wed 22 Jun = 2 (urgent); D to PAG, still waiting; E closed at triage (never queues);
#       F to PAG on 20 May, closed (withdrawn) on 30 Jun without a PAG
#   T3  E Mon 6 Jun -> Wed 8 Jun = 2; F Fri 24 Jun -> Thu 30 Jun = 4;
#       A Fri 19 Aug -> Tue 30 Aug = 6 (Mon 29 Aug summer bank holiday); C decided 28 Jul, not yet informed
#   T4  calendar days: E 1 -> 10 Jun = 9; F 16 May -> 30 Jun = 45; A 25 May -> 31 Aug = 98; B, C, D open
T2_CASES = cases_frame([
    {"date_received": T("2022-05-25"), "date_triaged": T("2022-06-01"), "triage_outcome": "to_pag",
     "date_first_pag": T("2022-06-15"), "date_outcome": T("2022-08-19"), "date_practitioner_informed": T("2022-08-30"),
     "date_closed": T("2022-08-31"), "risk_level": "high"},
    {"date_received": T("2022-06-08"), "date_triaged": T("2022-06-10"), "triage_outcome": "to_pag",
     "date_first_pag": T("2022-07-11"), "risk_level": "high", "profession": "dental"},
    {"date_received": T("2022-06-17"), "date_triaged": T("2022-06-20"), "triage_outcome": "to_pag_urgent",
     "date_first_pag": T("2022-06-22"), "date_outcome": T("2022-07-28"), "risk_level": "extreme"},
    {"date_received": T("2022-06-22"), "date_triaged": T("2022-06-27"), "triage_outcome": "to_pag",
     "risk_level": "high"},
    {"date_received": T("2022-06-01"), "date_triaged": T("2022-06-06"), "triage_outcome": "closed_nfa",
     "date_outcome": T("2022-06-06"), "date_practitioner_informed": T("2022-06-08"), "date_closed": T("2022-06-10"),
     "risk_level": "low"},
    {"date_received": T("2022-05-16"), "date_triaged": T("2022-05-20"), "triage_outcome": "to_pag",
     "date_outcome": T("2022-06-24"), "date_practitioner_informed": T("2022-06-30"), "date_closed": T("2022-06-30"),
     "risk_level": "moderate"},
])
# Outcome letters: C1 triage Wed 1 Jun -> Mon 6 Jun = 1; C1 PAG Wed 15 -> Fri 17 Jun = 2;
# C2 PAG Mon 11 -> Wed 20 Jul = 7.
UPDATES = typed("updates", [
    {"case_id": "C1", "update_type": "post_meeting_outcome", "meeting": "triage", "date_meeting": T("2022-06-01"),
     "date_sent": T("2022-06-06")},
    {"case_id": "C1", "update_type": "post_meeting_outcome", "meeting": "pag", "date_meeting": T("2022-06-15"),
     "date_sent": T("2022-06-17")},
    {"case_id": "C2", "update_type": "post_meeting_outcome", "meeting": "pag", "date_meeting": T("2022-07-11"),
     "date_sent": T("2022-07-20")},
    {"case_id": "C2", "update_type": "progress", "date_sent": T("2022-06-30")},
    {"case_id": "C99", "update_type": "post_meeting_outcome", "meeting": "pag", "date_meeting": T("2022-06-01"),
     "date_sent": T("2022-06-02")},  # a case outside the extract's scope
])


def _table(measure, period="month", target=None, **kwargs):
    table = stage_timeliness(T2_CASES, measure=measure, period=period, target=target, holidays=HOLIDAYS, **kwargs)
    return table.set_index("period") if not kwargs.get("by") else table


def test_t2_triaged_to_first_pag():
    t2 = _table("T2", target=20)
    assert t2.index.tolist() == ["2022-06", "2022-07"]
    june, july = t2.loc["2022-06"], t2.loc["2022-07"]
    assert (june["n"], june["median"], june["within_target"], june["pct_within_target"]) == (2, 5, 2, 100)
    assert june["p90"] == pytest.approx(7.4)  # [2, 8]: 2 + 0.9 x 6
    assert (july["n"], july["median"], july["within_target"], july["pct_within_target"]) == (1, 21, 0, 0)
    # waiting for a PAG: end of June B and D (F left at its closure, E never went to PAG); end of July D
    assert t2["still_waiting"].tolist() == [2, 1]
    assert set(t2["unit"]) == {"working days"} and set(t2["target"]) == {20}


def test_t3_from_cases_uses_the_decision_date():
    t3 = _table("T3", target=5)
    assert t3.index.tolist() == ["2022-06", "2022-07", "2022-08"]
    assert t3["n"].tolist() == [2, 0, 1]
    assert t3.loc["2022-06", "median"] == 3 and t3.loc["2022-08", "median"] == 6
    assert t3["within_target"].tolist() == [2, 0, 0]
    assert t3["still_waiting"].tolist() == [0, 1, 1]  # C decided on 28 July, never informed
    assert "date_outcome" in t3["method"].iloc[0]


def test_t3_from_updates_one_per_meeting():
    t3 = _table("T3", target=5, updates=UPDATES)
    assert t3.index.tolist() == ["2022-06", "2022-07"]  # C99 is not in the extract; the progress letter is no outcome
    assert t3["n"].tolist() == [2, 1]
    assert t3["median"].tolist() == [1.5, 7]
    assert t3["within_target"].tolist() == [2, 0]
    assert t3["still_waiting"].isna().all()
    assert "post_meeting_outcome" in t3["method"].iloc[0] and "not known" in t3["method"].iloc[0]


def test_t4_received_to_closed_in_calendar_days_without_target():
    t4 = _table("T4")
    assert t4.index.tolist() == ["2022-06", "2022-07", "2022-08"]
    assert t4["n"].tolist() == [2, 0, 1]
    assert t4.loc["2022-06", "median"] == 27 and t4.loc["2022-08", "median"] == 98
    assert t4.loc["2022-06", "median"] == t4.loc["2022-06", "median_calendar_days"]
    assert t4["still_waiting"].tolist() == [4, 4, 3]  # the open caseload at each month end
    assert t4["within_target"].isna().all() and t4["pct_within_target"].isna().all() and t4["target"].isna().all()
    assert set(t4["unit"]) == {"calendar days"}


def test_quarters_and_groups_with_a_missing_value():
    t2 = _table("T2", period="quarter", target=20, by=["profession", "risk_level"])
    assert t2["period"].unique().tolist() == ["2022/23 Q1", "2022/23 Q2"]
    groups = t2.drop_duplicates(["profession", "risk_level"])[["profession", "risk_level"]].values.tolist()
    assert groups == [["dental", "high"], ["medical", "extreme"], ["medical", "high"], ["medical", "low"],
                      ["medical", "moderate"]]
    dental = t2[t2["profession"] == "dental"].set_index("period")
    assert dental["n"].tolist() == [0, 1] and dental["still_waiting"].tolist() == [1, 0]
    medical_high = t2[(t2["profession"] == "medical") & (t2["risk_level"] == "high")].set_index("period")
    assert medical_high.loc["2022/23 Q1", "n"] == 1 and medical_high.loc["2022/23 Q1", "still_waiting"] == 1
    untriaged = cases_frame([{"date_received": T("2022-06-01"), "date_triaged": T("2022-06-02")},
                             {"date_received": T("2022-06-03")}])
    by_risk = stage_timeliness(untriaged, measure="T1", period="month", target=5, holidays=HOLIDAYS, by=["risk_level"])
    assert by_risk["risk_level"].tolist() == [None] and by_risk["still_waiting"].tolist() == [1]


def test_durations_computed_once_give_the_same_tables():
    done = completed_durations(T2_CASES, holidays=HOLIDAYS, updates=UPDATES)
    for measure in ("T1", "T2", "T3", "T4"):
        for by, period in (((), "month"), (("profession",), "quarter"), ((), "quarter"), (("profession",), "month")):
            pd.testing.assert_frame_equal(
                stage_timeliness(T2_CASES, measure=measure, period=period, target=5, holidays=HOLIDAYS, by=by,
                                 durations=done),
                stage_timeliness(T2_CASES, measure=measure, period=period, target=5, holidays=HOLIDAYS, by=by,
                                 updates=UPDATES))
    pd.testing.assert_frame_equal(monthly_series(T2_CASES, holidays=HOLIDAYS, durations=done),
                                  monthly_series(T2_CASES, holidays=HOLIDAYS, updates=UPDATES))


def test_month_numbers_by_hand_and_a_missing_day_is_never():
    days = np.array(["1970-01-31", "1970-02-01", "2024-03-31", "2024-04-01", "NaT"], dtype="datetime64[D]")
    # (2024 - 1970) * 12 = 648 months to January 2024: March is 650, April (a new financial year) 651.
    assert month_numbers(days).tolist() == [0, 1, 650, 651, NEVER]
    assert NEVER > 10**15  # later than any period, even as a quarter number


def test_bad_measure_is_refused():
    with pytest.raises(ValueError, match="measure must be one of T1, T2, T3, T4"):
        stage_timeliness(T2_CASES, measure="T5", period="month", target=None, holidays=HOLIDAYS)


def test_monthly_series_every_month_with_medians_and_counts():
    series = monthly_series(T2_CASES, holidays=HOLIDAYS)
    assert series.index.equals(pd.DatetimeIndex(["2022-05-01", "2022-06-01", "2022-07-01", "2022-08-01"], name="month"))
    assert series["new_concerns"].tolist() == [2, 4, 0, 0]
    # T1: May F 4; June A 5, E 1, B 2, C 1, D 3 (Fri 17 -> Mon 20 Jun = 1; Wed 22 -> Mon 27 Jun = 3)
    assert series["t1_n"].tolist() == [1, 5, 0, 0]
    assert series["t1_median"].tolist()[:2] == [4, 2] and series["t1_median"].iloc[2:].isna().all()
    assert series["t2_n"].tolist() == [0, 2, 1, 0] and series["t2_median"].iloc[1:3].tolist() == [5, 21]
    assert series["t3_n"].tolist() == [0, 2, 0, 1]
    assert series["t4_n"].tolist() == [0, 2, 0, 1] and series["t4_median"].iloc[[1, 3]].tolist() == [27, 98]
    with_letters = monthly_series(T2_CASES, holidays=HOLIDAYS, updates=UPDATES, start="2022-06-01", end="2022-07-31")
    assert with_letters.index.strftime("%Y-%m").tolist() == ["2022-06", "2022-07"]
    assert with_letters["new_concerns"].tolist() == [4, 0]
    assert with_letters["t3_n"].tolist() == [2, 1] and with_letters["t3_median"].tolist() == [1.5, 7]


def test_monthly_t1_median_drops_at_the_demo_step():
    from lotus_analytics.synthetic import generate

    extract = generate(seed=2026)
    truth = extract.ground_truth["triage_step"]
    series = monthly_series(extract.cases, holidays=HOLIDAYS, end="2026-09-30")
    step = pd.Timestamp(truth["month"])
    before = series.loc[step - pd.DateOffset(months=12):step - pd.DateOffset(months=1), "t1_median"]
    after = series.loc[step + pd.DateOffset(months=1):, "t1_median"]  # the step month mixes both regimes
    assert len(before) == 12 and len(after) == 23
    assert before.median() == pytest.approx(truth["median_working_days_before"], abs=1)
    assert after.median() == pytest.approx(truth["median_working_days_after"], abs=1)
    assert after.max() < before.min()
    assert (series["new_concerns"] > 0).all() and series["new_concerns"].sum() == (
        extract.cases["date_received"] <= T("2026-09-30")).sum()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1500), st.integers(-40, 400) | st.none()), min_size=1, max_size=40))
def test_fast_working_days_match_the_workdays_rule(pairs):
    origin = np.datetime64("2019-12-20")
    start = pd.Series([origin + np.timedelta64(a, "D") for a, _ in pairs], dtype="datetime64[ns]")
    end = pd.Series([origin + np.timedelta64(a + b, "D") if b is not None else None for a, b in pairs],
                    dtype="datetime64[ns]")
    np.testing.assert_array_equal(working_days(start, end, HOLIDAYS), working_days_between(start, end, HOLIDAYS))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", None, "c"]), st.sampled_from([2, 1, None]),
                          st.integers(-5, 60)), min_size=1, max_size=60))
def test_group_codes_sort_missing_last_and_quantiles_match_pandas(rows):
    frame = pd.DataFrame(rows, columns=["x", "y", "v"]).astype({"x": object, "y": object})
    codes, keys = group_codes(frame, ["x", "y"])
    clean = [(None if pd.isna(x) else x, None if pd.isna(y) else y) for x, y, _ in rows]
    order = sorted(set(clean), key=lambda k: tuple((v is None, v if v is not None else 0) for v in k))
    assert [order.index(k) for k in clean] == codes.tolist()
    assert list(keys.itertuples(index=False, name=None)) == order
    for q in (0.5, 0.9):
        ours = grouped_quantiles(codes, frame["v"].to_numpy(), len(keys), (q,))[0]
        np.testing.assert_allclose(ours, frame["v"].groupby(codes).quantile(q).to_numpy())


def test_group_codes_with_many_combinations_agree_with_sorting():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.integers(0, 200, 300).astype(str), "y": rng.integers(0, 200, 300)})
    frame.loc[::7, "x"] = None  # 201 x 200 possible combinations: more than the rows, so they are hashed
    codes, keys = group_codes(frame, ["x", "y"])
    rows = [(None if pd.isna(x) else x, y) for x, y in frame.itertuples(index=False)]
    order = sorted(set(rows), key=lambda k: (k[0] is None, k[0] or "", k[1]))
    assert [order.index(r) for r in rows] == codes.tolist()
    assert list(keys.itertuples(index=False, name=None)) == order
