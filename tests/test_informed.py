"""Keeping the practitioner informed (issue 5 item 3) on a hand-made extract whose answers are worked out below."""

import numpy as np
import pandas as pd
import pytest
from measures_frames import cases_frame, typed

from lotus_analytics.informed import (
    NOT_COMPARED, contact_by_group, contact_by_quarter, contact_equity, letter_durations, letters_by_group,
    letters_by_quarter, letters_equity, outcome_letters, support_by_group, support_by_quarter, support_equity,
    support_status,
)
from lotus_analytics.inequalities import dimension_values
from lotus_analytics.open_cases import NotSupplied, contact_gaps
from lotus_analytics.periods import FinancialQuarter, quarter_window
from lotus_analytics.timeliness import completed_durations
from lotus_analytics.waiting import stage_times_by_group
from lotus_analytics.workdays import bank_holidays

HOLIDAYS = bank_holidays("ENG")
T = pd.Timestamp
Q1, Q2 = FinancialQuarter.parse("2022/23 Q1"), FinancialQuarter.parse("2022/23 Q2")
WINDOW = quarter_window(Q1, Q2)  # 1 April to 30 September 2022
COMMON = dict(confidence=0.95)

# Ethnicity A = White, H (Asian) and M (Black) = Black and minority ethnic, Z = not stated.
CASES = cases_frame([
    {"date_received": T("2022-04-04"), "ethnicity_code": "A", "icb_code": "QOP",  # C1
     "wellbeing_support_offered": True, "named_contact": True},
    {"date_received": T("2022-04-11"), "ethnicity_code": "H", "icb_code": "QYG", "profession": "dental",  # C2
     "pmq_region": "international", "wellbeing_support_offered": False, "named_contact": False,
     "date_outcome": T("2022-09-15"), "date_practitioner_informed": T("2022-09-20")},
    {"date_received": T("2022-05-02"), "ethnicity_code": "M", "icb_code": "QOP"},  # C3
    {"date_received": T("2022-07-04"), "ethnicity_code": "Z", "icb_code": "QE1", "named_contact": True,  # C4
     "date_closed": T("2022-08-31")},
    {"date_received": T("2022-03-01"), "ethnicity_code": "A", "icb_code": "QOP"},  # C5: received before the window
    {"date_received": T("2022-09-20"), "ethnicity_code": "A", "icb_code": "QOP", "named_contact": True},  # C6
])


def _letter(case, meeting, held, sent, signposted=None):
    return {"case_id": case, "update_type": "post_meeting_outcome", "meeting": meeting, "date_meeting": T(held),
            "date_sent": T(sent), "support_signposted": signposted}


def _progress(case, sent, signposted=None):
    return {"case_id": case, "update_type": "progress", "date_sent": T(sent), "support_signposted": signposted}


# Working days after the meeting up to and including the day sent (2022 bank holidays: Good Friday 15 Apr,
# Easter Monday 18 Apr, Jubilee 2-3 Jun, summer 29 Aug, state funeral 19 Sep):
#   C1 triage Tue 5 Apr -> Wed 20 Apr: 9, a triage meeting: left out unless asked for
#   C1 PAG Wed 1 Jun -> Mon 6 Jun: 1 (within 5)              sent in Q1
#   C2 PAG Mon 11 Jul -> Wed 20 Jul: 7 (calendar 9)           Q2
#   C2 decision panel Thu 15 Sep -> Tue 20 Sep: 2 (calendar 5) Q2
#   C3 hearing Mon 22 Aug -> Fri 2 Sep: 8 (calendar 11)       Q2
#   C3 outcome letter with no meeting recorded, 3 Aug: left out, counted in meeting_not_recorded (Q2)
#   C4 PAG Mon 1 Aug -> Wed 3 Aug: 2 (calendar 2)             Q2
#   C5 PAG Mon 4 Jul -> Mon 18 Jul: 10 (calendar 14)          Q2 (received before the window: the letter counts)
#   C99 is not a case of the extract: left out
UPDATES = typed("updates", [
    _letter("C1", "triage", "2022-04-05", "2022-04-20"),
    _progress("C1", "2022-05-12"),
    _letter("C1", "pag", "2022-06-01", "2022-06-06"),
    _letter("C2", "pag", "2022-07-11", "2022-07-20", signposted=True),
    _letter("C2", "decision_panel", "2022-09-15", "2022-09-20"),
    _progress("C3", "2022-05-20"),
    _progress("C3", "2022-06-15"),
    _letter("C3", None, "2022-08-01", "2022-08-03"),
    _letter("C3", "hearing", "2022-08-22", "2022-09-02", signposted=False),
    _letter("C4", "pag", "2022-08-01", "2022-08-03"),
    _letter("C5", "pag", "2022-07-04", "2022-07-18"),
    _progress("C6", "2022-10-05", signposted=True),  # after the quarter end: not yet sent then
    _letter("C99", "pag", "2022-07-04", "2022-07-05"),
])


@pytest.fixture(scope="module")
def done():
    return letter_durations(CASES, UPDATES, holidays=HOLIDAYS)


def test_only_pag_and_decision_panel_letters_are_timed(done):
    assert sorted(done.working_days.tolist()) == [1, 2, 2, 7, 8, 10]
    assert outcome_letters(UPDATES)["meeting"].value_counts().to_dict() == {"pag": 5, "decision_panel": 1,
                                                                            "hearing": 1}
    wider = letter_durations(CASES, UPDATES, holidays=HOLIDAYS, meetings=("triage", "pag", "decision_panel", "hearing"))
    assert sorted(wider.working_days.tolist()) == [1, 2, 2, 7, 8, 9, 10]
    with pytest.raises(ValueError, match="not panel"):
        outcome_letters(UPDATES, meetings=("panel",))
    assert outcome_letters(None) is None


def test_letters_by_quarter(done):
    table = letters_by_quarter(CASES, done, quarters=[Q1, Q2], target=5, holidays=HOLIDAYS, updates=UPDATES,
                               **COMMON).set_index("quarter")
    q1, q2 = table.loc["2022/23 Q1"], table.loc["2022/23 Q2"]
    assert (q1["n"], q1["within_target"], q1["median"], q1["pct_within_target"]) == (1, 1, 1, 100)
    # Q2: [2, 2, 7, 8, 10]: median 7, p90 = 8 + 0.6 x 2, within 5: two of five; calendar [2, 5, 9, 11, 14]
    assert (q2["n"], q2["within_target"], q2["median"], q2["pct_within_target"]) == (5, 2, 7, 40)
    assert q2["p90"] == pytest.approx(9.2) and q2["median_calendar_days"] == 9
    assert table["meeting_not_recorded"].tolist() == [0, 1]
    assert table["still_waiting"].isna().all() and set(table["source"]) == {"updates"}
    assert "decision_panel" in q1["method"] and "triage" in q1["method"]
    # Wilson 95% interval of 2/5: (4 + z^2 -/+ z sqrt(z^2 + 8 x 3/5)) / (2 (5 + z^2))
    z = 1.959964
    root = z * np.sqrt(z**2 + 4 * 2 * (1 - 2 / 5))
    assert q2["pct_lower"] == pytest.approx(100 * (4 + z**2 - root) / (2 * (5 + z**2)))
    assert q2["pct_upper"] == pytest.approx(100 * (4 + z**2 + root) / (2 * (5 + z**2)))
    empty = letters_by_quarter(CASES, done, quarters=[Q1.shift(-1)], target=5, holidays=HOLIDAYS, **COMMON)
    assert (empty["n"].iloc[0], empty["within_target"].iloc[0]) == (0, 0) and np.isnan(empty["pct_within_target"].iloc[0])


def test_without_updates_letters_come_from_the_cases():
    done = letter_durations(CASES, None, holidays=HOLIDAYS)
    table = letters_by_quarter(CASES, done, quarters=[Q2], target=5, holidays=HOLIDAYS, **COMMON).iloc[0]
    # C2 decided Thu 15 Sep, told Tue 20 Sep: 2 working days (Mon 19 Sep state funeral)
    assert (table["n"], table["median"], table["within_target"], table["source"]) == (1, 2, 1, "cases")
    assert pd.isna(table["meeting_not_recorded"]) and table["still_waiting"] == 0
    assert "not supplied" in table["method"]


def test_letters_by_icb_and_profession(done):
    by_icb = letters_by_group(done, CASES["icb_code"], window=WINDOW, target=5, **COMMON).set_index("group")
    # QE1: C4 [2]; QOP: C1 1, C3 8, C5 10; QYG: C2 7 and 2
    assert by_icb.index.tolist() == ["QE1", "QOP", "QYG"]
    assert by_icb["n"].tolist() == [1, 3, 2] and by_icb["within_target"].tolist() == [1, 1, 1]
    assert by_icb["median"].tolist() == [2, 8, 4.5]
    q1_only = letters_by_group(done, CASES["profession"], window=quarter_window(Q1, Q1), target=5, **COMMON)
    assert q1_only[["group", "n"]].values.tolist() == [["medical", 1]]  # only C1's PAG letter was sent in Q1


def test_letters_by_ethnic_group_against_white(done):
    table = letters_equity(CASES, done, dimension="ethnic_group_2", reference="White", window=WINDOW, target=5,
                           band=(0.8, 1.25), **COMMON).set_index("group")
    # White (C1, C5): [1, 10], 1 of 2 within; BME (C2, C3): [7, 2, 8], 1 of 3; not stated (C4): [2]
    assert table.index.tolist() == ["Black and minority ethnic", "not_stated"]
    bme = table.loc["Black and minority ethnic"]
    assert (bme["n"], bme["within_target"], bme["ref_n"], bme["ref_within_target"]) == (3, 1, 2, 1)
    assert bme["median"] == 7 and bme["ref_median"] == 5.5 and bme["ref_pct_within_target"] == 50
    # ratio (1/3) / (1/2) = 2/3, Katz SE = sqrt(1/1 - 1/3 + 1/1 - 1/2); Fisher [[1, 2], [1, 1]]: p = 1
    se = np.sqrt(1 - 1 / 3 + 1 - 1 / 2)
    assert bme["ratio"] == pytest.approx(2 / 3)
    assert bme["lower"] == pytest.approx(2 / 3 * np.exp(-1.959964 * se), rel=1e-5)
    assert bme["upper"] == pytest.approx(2 / 3 * np.exp(1.959964 * se), rel=1e-5)
    assert bme["fisher_p"] == pytest.approx(1) and bme["verdict"] == "within or uncertain"
    assert bme["adverse_if"] == "lower" and bme["reference"] == "White"
    not_stated = table.loc["not_stated"]
    assert not_stated["n"] == 1 and not_stated["verdict"] == NOT_COMPARED and np.isnan(not_stated["ratio"])


def test_letter_groups_agree_with_the_waiting_by_group_measure(done):
    """One duration set, two groupings: n, median and p90 as waiting.stage_times_by_group gives them."""
    for dimension in ("ethnic_group_2", "pmq_region", "sex"):
        mine = letters_by_group(done, dimension_values(CASES, dimension), window=WINDOW, target=5, **COMMON)
        theirs = stage_times_by_group(CASES, {"T3": done}, dimension=dimension, window=WINDOW, measures=("T3",))
        theirs = theirs.assign(group=theirs["group"].fillna("missing")).sort_values("group")
        assert mine[["group", "n", "median", "p90"]].values.tolist() == theirs[["group", "n", "median", "p90"]].values.tolist()


# T6 (calendar days between receipt, every update sent by the date, and the date itself):
# 30 June: C1 4 Apr, 20 Apr, 12 May, 6 Jun, 30 Jun -> 16, 22, 25, 24: 25; C2 11 Apr -> 30 Jun: 80 over;
#          C3 2 May, 20 May, 15 Jun, 30 Jun -> 18, 26, 15: 26; C5 1 Mar -> 30 Jun: 121 over. 4 open, 2 over, median 53.
# 30 Sep: C1 6 Jun -> 30 Sep 116; C2 11 Apr, 20 Jul, 20 Sep: 100; C3 15 Jun, 3 Aug, 2 Sep, 30 Sep: 49;
#         C4 closed 31 Aug; C5 1 Mar, 18 Jul: 139; C6 20 Sep (its 5 Oct update is later): 10.
#         5 open, 4 over, median 100.
def test_contact_gaps_at_each_quarter_end():
    table = contact_by_quarter(CASES, UPDATES, quarters=[Q1, Q2], target_days=28, **COMMON).set_index("quarter")
    assert table["open_cases"].tolist() == [4, 5] and table["over_target"].tolist() == [2, 4]
    assert table["median_gap_days"].tolist() == [53, 100] and table["pct_over_target"].tolist() == [50, 80]
    assert (table["pct_lower"] < table["pct_over_target"]).all() and (table["pct_upper"] > table["pct_over_target"]).all()
    with pytest.raises(NotSupplied):
        contact_by_quarter(CASES, None, quarters=[Q1], target_days=28, **COMMON)


def test_contact_by_icb_and_by_group():
    gaps = contact_gaps(CASES, UPDATES, as_of=Q2.end)
    by_icb = contact_by_group(gaps, by="icb_code", **COMMON).set_index("group")
    assert by_icb["open_cases"].to_dict() == {"QOP": 4, "QYG": 1} and by_icb["over_target"].to_dict() == {"QOP": 3, "QYG": 1}
    table = contact_equity(CASES, gaps, dimension="ethnic_group_2", reference="White", band=(0.8, 1.25),
                           **COMMON).set_index("group")
    # White: C1 116, C5 139, C6 10 -> 3 open, 2 over; BME: C2 100, C3 49 -> 2 of 2 over (no Katz interval)
    bme = table.loc["Black and minority ethnic"]
    assert (bme["open_cases"], bme["over_target"], bme["ref_open_cases"], bme["ref_over_target"]) == (2, 2, 3, 2)
    assert bme["median_gap_days"] == 74.5 and bme["ref_median_gap_days"] == 116
    assert bme["verdict"] == "not calculable" and bme["fisher_p"] == pytest.approx(1) and bme["adverse_if"] == "higher"
    assert table.index.tolist() == ["Black and minority ethnic"]  # C4 (not stated) was closed by then


# Support signposted by 30 Sep (cases received in the window: C1, C2, C3, C4, C6; C5 before it):
#   C1 case yes -> yes; C2 case no but its 20 Jul letter signposted -> yes; C3 case unknown, a letter says no -> no;
#   C4 and C6 nothing recorded by then (C6's 5 Oct update is later) -> unknown.
# Named contact: C1 yes, C2 no, C3 unknown, C4 yes, C6 yes.
def test_support_status_yes_no_and_unknown():
    status = support_status(CASES, UPDATES, as_of=Q2.end).set_index("case_id")
    assert status["support_signposted"].tolist() == ["yes", "yes", "no", "unknown", "unknown", "unknown"]
    assert status["named_contact"].tolist() == ["yes", "no", "unknown", "yes", "unknown", "yes"]
    from_cases = support_status(CASES, None, as_of=Q2.end)
    assert from_cases["support_signposted"].tolist() == ["yes", "no", "unknown", "unknown", "unknown", "unknown"]


def test_support_by_quarter_of_receipt_and_by_group():
    status = support_status(CASES, UPDATES, as_of=Q2.end)
    table = support_by_quarter(CASES, status, quarters=[Q1, Q2], **COMMON).set_index(["measure", "quarter"])
    counts = ["yes", "no", "unknown", "known"]
    assert table.loc[("support signposted", "2022/23 Q1"), counts].tolist() == [2, 1, 0, 3]
    assert table.loc[("support signposted", "2022/23 Q2"), counts].tolist() == [0, 0, 2, 0]
    assert np.isnan(table.loc[("support signposted", "2022/23 Q2"), "pct_yes"])  # nothing recorded: no share
    assert table.loc[("named contact", "2022/23 Q1"), counts].tolist() == [1, 1, 1, 2]
    assert table.loc[("named contact", "2022/23 Q2"), ["pct_yes", "unknown"]].tolist() == [100, 0]
    whole = support_by_group(CASES, status, CASES["profession"], window=WINDOW, **COMMON).set_index(["measure", "group"])
    assert whole.loc[("named contact", "medical"), counts].tolist() == [3, 0, 1, 3]
    assert whole.loc[("support signposted", "dental"), ["known", "yes", "pct_yes"]].tolist() == [1, 1, 100]
    assert "cases" not in whole.columns  # no total: a hidden unknown count is not given back by subtraction


def test_support_by_ethnic_group_against_white():
    status = support_status(CASES, UPDATES, as_of=Q2.end)
    table = support_equity(CASES, status, dimension="ethnic_group_2", reference="White", window=WINDOW,
                           band=(0.8, 1.25), **COMMON).set_index(["measure", "group"])
    # Named contact: White C1 yes, C6 yes (2 of 2); BME C2 no, C3 unknown (0 of 1 known): no ratio
    named = table.loc[("named contact", "Black and minority ethnic")]
    assert (named["known"], named["yes"], named["unknown"], named["ref_known"], named["ref_yes"]) == (1, 0, 1, 2, 2)
    assert named["verdict"] == "not calculable" and named["ref_pct_yes"] == 100
    # Signposted: White C1 yes, C6 unknown (1 of 1); BME C2 yes, C3 no (1 of 2)
    signposted = table.loc[("support signposted", "Black and minority ethnic")]
    assert (signposted["known"], signposted["yes"], signposted["ref_known"], signposted["ref_yes"]) == (2, 1, 1, 1)
    assert table.loc[("named contact", "not_stated"), "verdict"] == NOT_COMPARED


def test_the_durations_are_those_of_timeliness_t3_but_for_unrecorded_meetings():
    ours = letter_durations(CASES, UPDATES, holidays=HOLIDAYS, meetings=("triage", "pag", "decision_panel", "hearing"))
    theirs = completed_durations(CASES, holidays=HOLIDAYS, updates=UPDATES)["T3"]
    # T3 of timeliness also times C3's letter with no meeting recorded (Mon 1 -> Wed 3 Aug: 2); every meeting type
    # asked for, the two differ by that letter only
    assert sorted(theirs.working_days.tolist()) == sorted([*ours.working_days.tolist(), 2])
