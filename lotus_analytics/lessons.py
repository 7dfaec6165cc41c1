"""Improvement actions from lessons-learnt reviews: their state and overdue actions at a date (by system
level, theme, owner role), days to complete them, whether their theme comes back, and the action list.

The state of each action at `as_of` (the end of the report quarter) is rebuilt from its dates where
the dates allow, not read from today's status: an action raised after `as_of` is left out, and one
completed after `as_of` was still open then. `dropped` carries no date in the data model, so a
dropped action counts as dropped at `as_of` (the only honest reading of the extract).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.schema import ACTION_DONE, ACTION_DROPPED, REVIEW_THEMES, SYSTEM_LEVELS, split_set

TOTAL = "total"
OPEN = "open"  # the state of an action raised and neither done nor dropped (status open or in_progress)
STATE_COLUMNS = (OPEN, ACTION_DONE, ACTION_DROPPED)
COUNT_COLUMNS = ["raised", OPEN, "overdue", ACTION_DONE, ACTION_DROPPED]
OVERDUE_METHOD = (
    "state at the date from the action's dates: done = completed on or before it; dropped = status "
    "dropped (no date recorded); open = raised, not done and not dropped by then (completed later counts "
    "as open); overdue = open with the due date before it"
)


def action_states(actions: pd.DataFrame, as_of: pd.Timestamp,
                  columns: tuple[str, ...] = ("action_id", "system_level")) -> pd.DataFrame:
    """Each action raised by `as_of` (its `columns`, index kept) with its state then (open, done or dropped)
    and overdue flag."""
    raised = actions[actions["date_raised"] <= as_of]
    done = (raised["date_completed"] <= as_of).to_numpy(dtype=bool)
    dropped = (raised["status"] == ACTION_DROPPED).to_numpy(dtype=bool) & ~done
    state = np.select([done, dropped], [ACTION_DONE, ACTION_DROPPED], default=OPEN)
    overdue = (state == OPEN) & (raised["date_due"] < as_of).to_numpy(dtype=bool)
    return raised[list(columns)].assign(state=state, overdue=overdue)


def overdue_actions(actions: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Actions by system level at `as_of`: raised, open, overdue, done, dropped, plus a total row.

    Every level of schema.SYSTEM_LEVELS appears (zero rows included); raised = open + done + dropped,
    and overdue is part of open. Columns: system_level, raised, open, overdue, done, dropped, as_of,
    measure, method.
    """
    return action_counts(actions, as_of=as_of, by="system_level", values=SYSTEM_LEVELS).assign(
        measure="improvement actions overdue", method=OVERDUE_METHOD)


def action_counts(actions: pd.DataFrame, *, as_of: pd.Timestamp, by: str, values: tuple[str, ...]) -> pd.DataFrame:
    """Actions raised by `as_of` by their `by` column: raised, open, overdue, done, dropped, plus a total row.

    Every one of `values` appears (zero rows included); raised = open + done + dropped and overdue is part
    of open. Columns: <by>, raised, open, overdue, done, dropped, as_of.
    """
    as_of = pd.Timestamp(as_of)
    states = action_states(actions, as_of, columns=("action_id", by))
    counts = pd.crosstab(states[by], states["state"]).reindex(index=list(values), columns=list(STATE_COLUMNS),
                                                             fill_value=0)
    counts["overdue"] = states.groupby(by)["overdue"].sum().reindex(counts.index, fill_value=0)
    counts["raised"] = counts[list(STATE_COLUMNS)].sum(axis=1)
    counts.loc[TOTAL] = counts.sum()
    out = counts[COUNT_COLUMNS].astype("int64").rename_axis(index=by, columns=None).reset_index()
    return out.assign(as_of=as_of)


OWNER_METHOD = "actions open at the date, by system level and owner role; " + OVERDUE_METHOD
COMPLETION_METHOD = ("calendar days from raised to completed, for the actions completed in the quarter (clock stopped "
                     "there); actions still open are not included, so this is the time taken by the actions done, not "
                     "the time an open action can expect to take")
RECURRENCE_METHOD = ("actions completed in the window by theme; recurred: a review dated after the completion and "
                     "within {months} months of it (by the date) raised the theme again; no_recurrence: followed "
                     "{months} months with no such review; not_yet_followed: completed less than {months} months "
                     "before the date and not recurred yet")
LIST_ORDER = {"overdue": 0, OPEN: 1, ACTION_DONE: 2, ACTION_DROPPED: 3}
LIST_COLUMNS = ["action_id", "review_id", "theme", "owner_role", "system_level", "date_raised", "date_due",
                "date_completed", "status", "state", "overdue", "days_overdue"]


def overdue_by_owner(actions: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open and overdue actions at `as_of` by system level and owner role, with a total row.

    One row per (level, role) with an action open at `as_of`, levels in schema order, then roles by most
    overdue. Columns: system_level, owner_role, open, overdue, pct_overdue (of open, 0-100), as_of, method.
    """
    as_of = pd.Timestamp(as_of)
    states = action_states(actions, as_of, columns=("system_level", "owner_role"))
    opened = states[states["state"] == OPEN].assign(open=1)
    counts = opened.groupby(["system_level", "owner_role"], as_index=False)[["open", "overdue"]].sum()
    counts["level_order"] = counts["system_level"].map({v: i for i, v in enumerate(SYSTEM_LEVELS)})
    counts = counts.sort_values(["level_order", "overdue", "owner_role"], ascending=[True, False, True])
    total = pd.DataFrame([{"system_level": TOTAL, "owner_role": "", "open": counts["open"].sum(),
                           "overdue": counts["overdue"].sum()}])
    out = pd.concat([counts.drop(columns="level_order"), total], ignore_index=True)
    out = out.astype({"open": "int64", "overdue": "int64"})
    out["pct_overdue"] = 100 * out["overdue"] / out["open"].where(out["open"] > 0)
    return out.assign(as_of=as_of, method=OWNER_METHOD)


def completion_days(actions: pd.DataFrame, *, quarters: list[FinancialQuarter]) -> pd.DataFrame:
    """Days from raised to completed for the actions completed in each quarter, with a total row.

    Columns: period, completed (n), median_days, p90_days, method. Percentiles interpolate linearly.
    """
    done = actions[actions["date_completed"].notna()]
    days = (done["date_completed"] - done["date_raised"]).dt.days
    rows = []
    for label, first, last in [(q.label, q.start, q.end) for q in quarters] + [(TOTAL, quarters[0].start,
                                                                                 quarters[-1].end)]:
        got = days[(done["date_completed"] >= first) & (done["date_completed"] <= last)]
        rows.append({"period": label, "completed": len(got), "median_days": got.median(),
                     "p90_days": got.quantile(0.9) if len(got) else np.nan})
    return pd.DataFrame(rows).astype({"completed": "int64"}).assign(method=COMPLETION_METHOD)


def recurring_themes(actions: pd.DataFrame, reviews: pd.DataFrame, *, since: pd.Timestamp, as_of: pd.Timestamp,
                     months: int = 12) -> pd.DataFrame:
    """Does a theme come back after an action on it was completed? Per theme, with a total row.

    The actions completed from `since` to `as_of`; each is `recurred` when a review other than its own,
    dated after the completion, no later than `months` months after it and by `as_of`, codes its theme;
    otherwise `no_recurrence` when the `months` months had passed by `as_of`, else `not_yet_followed`.
    Columns: theme, completed, recurred, no_recurrence, not_yet_followed (completed = the three),
    followed (recurred + no_recurrence), pct_recurred (recurred of followed, 0-100), as_of, method.
    """
    since, as_of = pd.Timestamp(since), pd.Timestamp(as_of)
    done = actions[(actions["date_completed"] >= since) & (actions["date_completed"] <= as_of)]
    seen = reviews[reviews["date_review"] <= as_of][["review_id", "date_review", "themes"]]
    coded = seen.assign(theme=split_set(seen["themes"])).explode("theme")
    pairs = done[["action_id", "review_id", "theme", "date_completed"]].merge(
        coded[["review_id", "date_review", "theme"]].rename(columns={"review_id": "later_review"}), on="theme")
    horizon = pairs["date_completed"] + pd.DateOffset(months=months)
    again = pairs[(pairs["later_review"] != pairs["review_id"]) & (pairs["date_review"] > pairs["date_completed"])
                  & (pairs["date_review"] <= horizon)]
    recurred = done["action_id"].isin(again["action_id"]).to_numpy()
    followed = (done["date_completed"] + pd.DateOffset(months=months) <= as_of).to_numpy()
    outcome = np.select([recurred, followed], ["recurred", "no_recurrence"], default="not_yet_followed")
    columns = ["recurred", "no_recurrence", "not_yet_followed"]
    counts = pd.crosstab(done["theme"].to_numpy(), outcome).reindex(index=list(REVIEW_THEMES), columns=columns,
                                                                    fill_value=0)
    counts.loc[TOTAL] = counts.sum()
    counts.insert(0, "completed", counts[columns].sum(axis=1))
    counts["followed"] = counts["recurred"] + counts["no_recurrence"]
    counts = counts.astype("int64").rename_axis(index="theme", columns=None).reset_index()
    counts["pct_recurred"] = 100 * counts["recurred"] / counts["followed"].where(counts["followed"] > 0)
    return counts.assign(as_of=as_of, method=RECURRENCE_METHOD.format(months=months))


def action_list(actions: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """The improvement lead's list of actions at `as_of`: one row per action raised by then, overdue first.

    Order: overdue (most days overdue first), then the other open actions by due date, then done, then
    dropped (each by due date); ties by action_id. `state` is the state at `as_of` (open, done, dropped),
    `status` the extract's; days_overdue = calendar days from the due date to `as_of` while overdue, else 0.
    No free text: the data model carries none, and owners are roles. Columns: LIST_COLUMNS.
    """
    as_of = pd.Timestamp(as_of)
    states = action_states(actions, as_of, columns=tuple(LIST_COLUMNS[:9]))
    days = (as_of - states["date_due"]).dt.days
    out = states.assign(days_overdue=np.where(states["overdue"], days, 0).astype("int64"))
    group = np.where(out["overdue"], "overdue", out["state"])
    out = out.assign(_group=pd.Series(group, index=out.index).map(LIST_ORDER), _late=-out["days_overdue"])
    out = out.sort_values(["_group", "_late", "date_due", "action_id"], kind="stable")
    return out[LIST_COLUMNS].reset_index(drop=True)
