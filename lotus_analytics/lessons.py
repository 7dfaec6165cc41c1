"""Improvement actions from lessons-learnt reviews: status and overdue actions at a date, by system level.

The state of each action at `as_of` (the end of the report quarter) is rebuilt from its dates where
the dates allow, not read from today's status: an action raised after `as_of` is left out, and one
completed after `as_of` was still open then. `dropped` carries no date in the data model, so a
dropped action counts as dropped at `as_of` (the only honest reading of the extract).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lotus_analytics.schema import ACTION_DONE, ACTION_DROPPED, SYSTEM_LEVELS

TOTAL = "total"
OPEN = "open"  # the state of an action raised and neither done nor dropped (status open or in_progress)
STATE_COLUMNS = (OPEN, ACTION_DONE, ACTION_DROPPED)
COUNT_COLUMNS = ["raised", OPEN, "overdue", ACTION_DONE, ACTION_DROPPED]
OVERDUE_METHOD = (
    "state at the date from the action's dates: done = completed on or before it; dropped = status "
    "dropped (no date recorded); open = raised, not done and not dropped by then (completed later counts "
    "as open); overdue = open with the due date before it"
)


def action_states(actions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each action raised by `as_of` with its state then (open, done or dropped) and overdue flag."""
    raised = actions[actions["date_raised"] <= as_of]
    done = (raised["date_completed"] <= as_of).to_numpy(dtype=bool)
    dropped = (raised["status"] == ACTION_DROPPED).to_numpy(dtype=bool) & ~done
    state = np.select([done, dropped], [ACTION_DONE, ACTION_DROPPED], default=OPEN)
    overdue = (state == OPEN) & (raised["date_due"] < as_of).to_numpy(dtype=bool)
    return raised[["action_id", "system_level"]].assign(state=state, overdue=overdue)


def overdue_actions(actions: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Actions by system level at `as_of`: raised, open, overdue, done, dropped, plus a total row.

    Every level of schema.SYSTEM_LEVELS appears (zero rows included); raised = open + done + dropped,
    and overdue is part of open. Columns: system_level, raised, open, overdue, done, dropped, as_of,
    measure, method.
    """
    as_of = pd.Timestamp(as_of)
    states = action_states(actions, as_of)
    counts = pd.crosstab(states["system_level"], states["state"]).reindex(
        index=list(SYSTEM_LEVELS), columns=list(STATE_COLUMNS), fill_value=0
    )
    counts["overdue"] = states.groupby("system_level")["overdue"].sum().reindex(counts.index, fill_value=0)
    counts["raised"] = counts[list(STATE_COLUMNS)].sum(axis=1)
    counts.loc[TOTAL] = counts.sum()
    out = counts[COUNT_COLUMNS].astype("int64").rename_axis(index="system_level", columns=None).reset_index()
    return out.assign(as_of=as_of, measure="improvement actions overdue", method=OVERDUE_METHOD)
