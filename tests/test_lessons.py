"""Improvement actions overdue at the end of a quarter, rebuilt from dated hand-made actions."""

import pandas as pd
import pytest
from measures_frames import typed

from lotus_analytics.lessons import action_states, overdue_actions

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
