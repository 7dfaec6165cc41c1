"""Improvement actions at the end of a quarter, rebuilt from dated hand-made actions: overdue by level, theme and
owner role, the improvement lead's list, days to complete and recurring themes."""

import pandas as pd
import pytest
from measures_frames import typed

from lotus_analytics.lessons import (
    action_counts,
    action_list,
    action_states,
    completion_days,
    overdue_actions,
    overdue_by_owner,
    recurring_themes,
)
from lotus_analytics.periods import FinancialQuarter

AS_OF = pd.Timestamp("2026-09-30")  # end of 2026/27 Q2
T = pd.Timestamp
BASE = {"review_id": "R1", "theme": "feedback", "owner_role": "case manager"}
ACTIONS = typed("actions", [
    {"action_id": "A1", "system_level": "local", "date_raised": T("2026-01-10"), "date_due": T("2026-03-31"), "status": "open"},
    {"action_id": "A2", "system_level": "local", "date_raised": T("2026-05-01"), "date_due": T("2026-12-31"), "status": "in_progress"},
    {"action_id": "A3", "system_level": "local", "date_raised": T("2026-02-01"), "date_due": T("2026-06-30"),
     "date_completed": T("2026-06-15"), "status": "done"},
    # completed after the quarter end: it was open, and overdue, on 30 September
    {"action_id": "A4", "system_level": "icb", "date_raised": T("2026-03-01"), "date_due": T("2026-08-31"),
     "date_completed": T("2026-10-20"), "status": "done"},
    # raised after the quarter end: not counted
    {"action_id": "A5", "system_level": "icb", "date_raised": T("2026-10-05"), "date_due": T("2026-11-30"), "status": "open"},
    {"action_id": "A6", "system_level": "region", "date_raised": T("2026-04-01"), "date_due": T("2026-05-01"), "status": "dropped"},
    # raised and due on the quarter end itself: open, not yet overdue
    {"action_id": "A7", "system_level": "region", "date_raised": AS_OF, "date_due": AS_OF, "status": "open"},
    {"action_id": "A8", "system_level": "local", "date_raised": T("2026-07-01"), "date_due": T("2026-09-29"), "status": "open"},
], BASE)


def test_overdue_by_system_level_with_total():
    table = overdue_actions(ACTIONS, as_of=AS_OF).set_index("system_level")
    assert table.index.tolist() == ["local", "icb", "region", "national", "total"]
    counts = table[["raised", "open", "overdue", "done", "dropped"]]
    assert counts.loc["local"].tolist() == [4, 3, 2, 1, 0]
    assert counts.loc["icb"].tolist() == [1, 1, 1, 0, 0]
    assert counts.loc["region"].tolist() == [2, 1, 0, 0, 1]
    assert counts.loc["national"].tolist() == [0, 0, 0, 0, 0]
    assert counts.loc["total"].tolist() == [7, 5, 3, 1, 1]
    assert (table["as_of"] == AS_OF).all() and "completed later counts as open" in table["method"].iloc[0]


def test_states_use_dates_not_todays_status():
    states = action_states(ACTIONS, AS_OF).set_index("action_id")
    assert "A5" not in states.index
    assert states.loc["A4", "state"] == "open" and bool(states.loc["A4", "overdue"])
    later = action_states(ACTIONS, T("2026-12-31")).set_index("action_id")
    assert later.loc["A4", "state"] == "done" and not later.loc["A4", "overdue"]


@pytest.mark.parametrize("as_of", ["2025-12-31", "2026-03-31", "2026-09-30", "2027-03-31"])
def test_raised_is_open_plus_done_plus_dropped(as_of):
    table = overdue_actions(ACTIONS, as_of=T(as_of))
    assert (table["raised"] == table["open"] + table["done"] + table["dropped"]).all()
    assert (table["overdue"] <= table["open"]).all()


# --- action list, owners, days to complete and recurring themes (issue 5) ---------------------------------
ROLES = ACTIONS.assign(owner_role=["case manager", "case manager", "RO", "ICB lead", "ICB lead", "RO", "RO",
                                   "RO"])


def test_action_list_overdue_first_then_open_by_due_then_done_and_dropped():
    listed = action_list(ROLES, as_of=AS_OF)
    # overdue on 30 September: A1 (due 31 March: 183 days), A4 (due 31 August: 30 days), A8 (due 29 September: 1)
    # open, not overdue: A2 (due 31 December), A7 (due 30 September, the date itself) -> A7 first
    # done: A3; dropped: A6; A5 (raised after the date) is not listed
    assert listed["action_id"].tolist() == ["A1", "A4", "A8", "A7", "A2", "A3", "A6"]
    assert listed["days_overdue"].tolist() == [183, 30, 1, 0, 0, 0, 0]
    assert listed["state"].tolist() == ["open", "open", "open", "open", "open", "done", "dropped"]
    assert listed["overdue"].tolist() == [True, True, True, False, False, False, False]
    assert listed.loc[1, "status"] == "done"  # A4: done in the extract, open (and overdue) at the date
    assert list(listed.columns) == ["action_id", "review_id", "theme", "owner_role", "system_level", "date_raised",
                                    "date_due", "date_completed", "status", "state", "overdue", "days_overdue"]


def test_overdue_by_level_and_owner_role():
    table = overdue_by_owner(ROLES, as_of=AS_OF)
    rows = {(r.system_level, r.owner_role): (r.open, r.overdue) for r in table.itertuples()}
    # open at the date: A1, A2, A8 (local, case manager / case manager / RO), A4 (icb, ICB lead), A7 (region, RO)
    assert rows == {("local", "case manager"): (2, 1), ("local", "RO"): (1, 1), ("icb", "ICB lead"): (1, 1),
                    ("region", "RO"): (1, 0), ("total", ""): (5, 3)}
    assert table["system_level"].tolist()[-1] == "total"
    assert table.set_index("owner_role").loc["ICB lead", "pct_overdue"] == 100


def test_action_counts_by_theme_add_up():
    table = action_counts(ACTIONS, as_of=AS_OF, by="theme", values=("feedback", "workload")).set_index("theme")
    assert table.loc["feedback", ["raised", "open", "overdue", "done", "dropped"]].tolist() == [7, 5, 3, 1, 1]
    assert table.loc["workload", "raised"] == 0 and table.loc["total", "raised"] == 7


def test_days_to_complete_by_quarter_of_completion():
    quarters = [FinancialQuarter.parse("2026/27 Q1"), FinancialQuarter.parse("2026/27 Q2")]
    table = completion_days(ACTIONS, quarters=quarters).set_index("period")
    # A3 raised 1 February, completed 15 June (Q1): 134 days; A4 completed 20 October: after both quarters
    assert table.loc["2026/27 Q1", ["completed", "median_days"]].tolist() == [1, 134]
    assert table.loc["2026/27 Q2", "completed"] == 0 and pd.isna(table.loc["2026/27 Q2", "median_days"])
    assert table.loc["total", ["completed", "median_days"]].tolist() == [1, 134]


def test_recurring_themes_within_twelve_months_of_completion():
    actions = typed("actions", [
        # completed 1 March 2025; R2 raises workload on 1 December 2025 (within 12 months): recurred
        {"action_id": "W1", "review_id": "R1", "theme": "workload", "date_completed": T("2025-03-01")},
        # completed 1 March 2025; feedback next raised 15 March 2026 (over 12 months later): no recurrence
        {"action_id": "F1", "review_id": "R1", "theme": "feedback", "date_completed": T("2025-03-01")},
        # completed 1 June 2026 (under 12 months before 30 September 2026), nothing since: not yet followed
        {"action_id": "F2", "review_id": "R3", "theme": "feedback", "date_completed": T("2026-06-01")},
        # completed 1 July 2026, raised again by R4 on 1 August 2026: recurred though not followed 12 months
        {"action_id": "I1", "review_id": "R3", "theme": "isolation", "date_completed": T("2026-07-01")},
        # R5, dated after the completion, codes leadership but is the action's own review: not a recurrence
        {"action_id": "L1", "review_id": "R5", "theme": "leadership", "date_completed": T("2025-01-01")},
        # completed before the window: left out
        {"action_id": "W0", "review_id": "R0", "theme": "workload", "date_completed": T("2024-12-31")},
    ], {"owner_role": "RO", "system_level": "local", "date_raised": T("2024-06-01"), "date_due": T("2024-12-01"),
        "status": "done"})
    reviews = typed("reviews", [
        {"review_id": "R0", "date_review": T("2024-05-01"), "themes": "workload"},
        {"review_id": "R1", "date_review": T("2024-06-01"), "themes": "workload;feedback"},
        {"review_id": "R2", "date_review": T("2025-12-01"), "themes": "workload"},
        {"review_id": "R3", "date_review": T("2026-03-15"), "themes": "feedback;isolation"},
        {"review_id": "R4", "date_review": T("2026-08-01"), "themes": "isolation"},
        {"review_id": "R5", "date_review": T("2025-02-01"), "themes": "leadership"},
        {"review_id": "R9", "date_review": T("2026-11-01"), "themes": "feedback"},  # after the date: unseen
    ], {"review_type": "thematic"})
    table = recurring_themes(actions, reviews, since=T("2025-01-01"), as_of=AS_OF).set_index("theme")
    columns = ["completed", "recurred", "no_recurrence", "not_yet_followed", "followed"]
    assert table.loc["workload", columns].tolist() == [1, 1, 0, 0, 1]
    assert table.loc["feedback", columns].tolist() == [2, 0, 1, 1, 1]
    assert table.loc["isolation", columns].tolist() == [1, 1, 0, 0, 1]
    assert table.loc["leadership", columns].tolist() == [1, 0, 1, 0, 1]  # followed since 1 January 2026
    assert table.loc["total", columns].tolist() == [5, 2, 2, 1, 4]
    assert table.loc["feedback", "pct_recurred"] == 0 and table.loc["workload", "pct_recurred"] == 100
