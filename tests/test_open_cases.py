"""T5 open-case age bands and T6 longest gap without contact on hand-made extracts."""

import numpy as np
import pandas as pd
import pytest
from measures_frames import cases_frame, typed

from lotus_analytics.open_cases import (
    AGE_BANDS, NotSupplied, age_in_months, contact_gap_summary, contact_gaps, open_at, open_case_ages,
)

T = pd.Timestamp
AS_OF = T("2022-09-30")
BANDS = [column for column, _, _ in AGE_BANDS]


@pytest.mark.parametrize(
    ("received", "as_of", "months"),
    [
        ("2022-09-30", "2022-09-30", 0),
        ("2022-06-30", "2022-09-30", 3),  # the same day of the month three months on
        ("2022-07-01", "2022-09-30", 2),
        ("2022-03-31", "2022-09-30", 6),  # 31 March + 6 months = 30 September (shorter month: its last day)
        ("2023-01-31", "2023-02-28", 1),
        ("2023-01-31", "2023-02-27", 0),
        ("2024-02-29", "2025-02-28", 12),
        ("2020-10-01", "2022-09-30", 23),
    ],
)
def test_age_in_whole_calendar_months(received, as_of, months):
    assert age_in_months(pd.Series([T(received)]), T(as_of)).tolist() == [months]


# Open at 30 Sep 2022, by age: 0 months (received that day), 3 months exactly (3-6), 2 months (0-3), 6 months
# (6-12, month-end), 24 months exactly (24+), 23 months (12-24), closed after as_of (open then: 1 month, 0-3).
# Not open: closed on as_of, received after as_of.
AGE_CASES = cases_frame([
    {"date_received": T("2022-09-30")},
    {"date_received": T("2022-06-30"), "profession": "dental"},
    {"date_received": T("2022-07-01")},
    {"date_received": T("2022-03-31"), "risk_level": "high"},
    {"date_received": T("2020-09-30"), "risk_level": "high"},
    {"date_received": T("2020-10-01"), "profession": "dental"},
    {"date_received": T("2022-08-15"), "date_closed": T("2022-10-05")},
    {"date_received": T("2022-08-01"), "date_closed": T("2022-09-30")},
    {"date_received": T("2022-10-01")},
    {"date_received": T("2022-01-04"), "date_closed": T("2022-02-01"), "profession": "ophthalmic"},
])


def test_open_at_includes_cases_closed_later_only():
    assert open_at(AGE_CASES, AS_OF).tolist() == [0, 1, 2, 3, 4, 5, 6]


def test_t5_age_bands_lower_bound_inclusive():
    t5 = open_case_ages(AGE_CASES, as_of=AS_OF).iloc[0]
    assert t5[BANDS].tolist() == [3, 1, 1, 1, 1] and t5["open_cases"] == 7
    assert (t5["measure"], t5["as_of"], t5["unit"]) == ("T5", AS_OF, "cases")


def test_t5_by_groups_keeps_groups_without_open_cases():
    with pytest.raises(ValueError, match="no column nonsense to group open cases by"):
        open_case_ages(AGE_CASES, as_of=AS_OF, by=["nonsense"])
    t5 = open_case_ages(AGE_CASES, as_of=AS_OF, by=["profession"]).set_index("profession")
    assert t5.index.tolist() == ["dental", "medical", "ophthalmic"]
    assert t5.loc["dental", BANDS].tolist() == [0, 1, 0, 1, 0]
    assert t5.loc["ophthalmic", "open_cases"] == 0
    by_risk = open_case_ages(AGE_CASES, as_of=AS_OF, by=["risk_level"])
    assert by_risk["risk_level"].tolist() == ["high", None] and by_risk["open_cases"].tolist() == [2, 5]
    earlier = open_case_ages(AGE_CASES, as_of=T("2022-01-31")).iloc[0]  # the end of an earlier period
    assert earlier["open_cases"] == 3 and earlier[BANDS].tolist() == [1, 0, 0, 2, 0]


# T6 at 30 Sep 2022 (calendar days between receipt, each update sent by as_of, and as_of):
#   G1 1 Sep, updates 5 and 20 Sep: gaps 4, 15, 10 -> 15 (10 since the last contact)
#   G2 1 Jul (dental), no update: 91 -> over 28
#   G3 1 Jun, updates every 28 days from 3 Jun to 23 Sep, then 7 to as_of -> 28, not over (more than 28 is over)
#   G4 10 Sep, its only update on 3 Oct is after as_of: 20
#   G5 closed on 15 Sep: not open
#   G6 1 Aug (high risk), updates 2 Aug and 29 Sep: gaps 1, 58, 1 -> 58 over
GAP_CASES = cases_frame([
    {"date_received": T("2022-09-01")},
    {"date_received": T("2022-07-01"), "profession": "dental"},
    {"date_received": T("2022-06-01")},
    {"date_received": T("2022-09-10")},
    {"date_received": T("2022-08-01"), "date_closed": T("2022-09-15")},
    {"date_received": T("2022-08-01"), "risk_level": "high"},
])
_SENT = {"C1": ["2022-09-20", "2022-09-05"],
         "C3": ["2022-06-03", "2022-07-01", "2022-07-29", "2022-08-26", "2022-09-23"],
         "C4": ["2022-10-03"], "C5": ["2022-08-03"], "C6": ["2022-08-02", "2022-09-29"], "C77": ["2022-09-01"]}
GAP_UPDATES = typed("updates", [
    {"case_id": case, "update_type": "progress" if case != "C6" else "post_meeting_outcome", "date_sent": T(day),
     "date_meeting": T(day) if case == "C6" else None}
    for case, days in _SENT.items() for day in days
])


def test_t6_longest_gap_per_open_case():
    gaps = contact_gaps(GAP_CASES, GAP_UPDATES, as_of=AS_OF).set_index("case_id")
    assert gaps.index.tolist() == ["C1", "C2", "C3", "C4", "C6"]
    assert gaps["gap_days"].tolist() == [15, 91, 28, 20, 58]
    assert gaps["days_since_contact"].tolist() == [10, 91, 7, 20, 1]
    assert gaps["over_target"].tolist() == [False, True, False, False, True]
    assert gaps.loc["C2", "profession"] == "dental" and gaps.loc["C6", "risk_level"] == "high"
    assert set(gaps["target"]) == {28} and set(gaps["as_of"]) == {AS_OF}
    stricter = contact_gaps(GAP_CASES, GAP_UPDATES, as_of=AS_OF, target_days=14)
    assert stricter["over_target"].tolist() == [True, True, True, True, True]


def test_t6_summary_counts_only():
    gaps = contact_gaps(GAP_CASES, GAP_UPDATES, as_of=AS_OF)
    overall = contact_gap_summary(gaps).iloc[0]
    assert (overall["open_cases"], overall["over_target"], overall["pct_over_target"]) == (5, 2, 40)
    assert overall["median_gap_days"] == 28 and overall["target"] == 28 and overall["measure"] == "T6"
    assert "case_id" not in contact_gap_summary(gaps).columns
    by_profession = contact_gap_summary(gaps, by=["profession"]).set_index("profession")
    assert by_profession["open_cases"].tolist() == [1, 4] and by_profession["over_target"].tolist() == [1, 1]
    assert by_profession.loc["medical", "median_gap_days"] == pytest.approx(24)  # [15, 20, 28, 58]
    assert by_profession.loc["medical", "pct_over_target"] == 25
    with pytest.raises(ValueError, match="not sex"):
        contact_gap_summary(gaps, by=["sex"])
    assert contact_gap_summary(gaps.head(0), by=["icb_code"]).empty


def test_t6_with_no_update_since_receipt_and_without_the_updates_table():
    gaps = contact_gaps(GAP_CASES, GAP_UPDATES.head(0), as_of=AS_OF)
    assert gaps["gap_days"].tolist() == [29, 91, 121, 20, 60]  # receipt to as_of
    with pytest.raises(NotSupplied, match="updates table was not supplied") as raised:
        contact_gaps(GAP_CASES, None, as_of=AS_OF)
    assert raised.value.table == "updates"
    assert np.array_equal(contact_gaps(GAP_CASES.head(0), GAP_UPDATES, as_of=AS_OF)["gap_days"], [])
