"""Secondary suppression across the linked tables of one report or view (METHODS.md §4).

Within a table, `disclosure.apply_disclosure` already hides a second cell wherever a total would give a
hidden one back. Across tables one sum remains: for each dimension, the cases (and the headcount) of
every group in a relative-likelihood table plus the not-stated count of the not-stated table add up to
the total that table publishes. Where exactly one of those cells is hidden, the smallest other shown
group cell is hidden too, with every statistic resting on it. The rule looks only at the dimension's own
cells, so tables that repeat them (the overview's two dimensions, the trend's latest quarter) hide the
same cells. Other links were checked and need nothing: the progression cascade's counts do not add up
to a published total, and rounding to 5 blurs the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd

from lotus_analytics.disclosure import ENTRY_RL_SPEC, NOT_STATED_SHARE_SPEC, NOTE_COLUMN, SUPPRESSED, DisclosureSpec

# (relative-likelihood table, not-stated table, rows of the first table that share the window)
LINKED = (("entry_likelihood", "not_stated", None), ("equity_entry", "equity_not_stated", None),
          ("equity_trend", "equity_not_stated", "latest"))
# count column of the ratio table -> (its reference column, the not-stated table's source)
LINES = {"events": ("ref_events", "cases"), "headcount": ("ref_headcount", "workforce")}
NOTE = "* = hidden so that another cell cannot be worked out from the totals of the linked tables"


@dataclass(frozen=True)
class Line:
    """One sum across tables: group cells (rows of the ratio table), the reference cell (repeated in every
    row) and the not-stated cells (rows of the not-stated table) add up to a published total."""

    groups: pd.Index
    column: str
    reference: str
    not_stated: pd.Index


def _shown_number(value: object) -> float | None:
    return None if value == SUPPRESSED or value is None or pd.isna(value) else float(value)


def _hide(frame: pd.DataFrame, rows: pd.Index, column: str, spec: DisclosureSpec) -> None:
    """Hide one count column in `rows` and everything in those rows that rests on it."""
    resting = [c for c, bases in spec.statistics.items() if column in bases]
    resting += [c for c, (num, den, _) in spec.rates.items() if column in (num, den)]
    for target in (column, *resting):
        frame[target] = frame[target].astype(object)  # "*" among numbers, as apply_disclosure publishes them
        frame.loc[rows, target] = SUPPRESSED
    notes = frame.loc[rows, NOTE_COLUMN].fillna("").astype(str) if NOTE_COLUMN in frame else ""
    frame.loc[rows, NOTE_COLUMN] = np.where(notes == "", NOTE, notes + "; " + NOTE)


def _in_window(ratios: pd.DataFrame, rows: str | None) -> pd.DataFrame:
    return ratios if rows is None else ratios[ratios["quarter"] == ratios["quarter"].iloc[-1]]


def _lines(ratios: pd.DataFrame, shares: pd.DataFrame) -> Iterator[Line]:
    """Every line whose total is published (a not-stated table row of the dimension with its total shown)."""
    for dimension, rows in ratios.groupby("dimension", sort=False):
        for column, (reference, source) in LINES.items():
            share = shares[(shares["dimension"] == dimension) & (shares["source"] == source)]
            if not share.empty and _shown_number(share["total"].iloc[0]) is not None:
                yield Line(rows.index, column, reference, share.index)


def _hidden(ratios: pd.DataFrame, shares: pd.DataFrame, line: Line) -> int:
    return (int((ratios.loc[line.groups, line.column] == SUPPRESSED).sum())
            + int(ratios.loc[line.groups[0], line.reference] == SUPPRESSED)
            + int((shares.loc[line.not_stated, "count"] == SUPPRESSED).sum()))


def _complete(ratios: pd.DataFrame, shares: pd.DataFrame, line: Line) -> None:
    """Hide a second cell of a line with one hidden cell: the smallest shown group or not-stated count
    (non-zero first), else the reference (which hides every ratio of the dimension)."""
    candidates = [(v == 0, v, "group", i) for i in line.groups
                  if (v := _shown_number(ratios.at[i, line.column])) is not None]
    candidates += [(v == 0, v, "not_stated", i) for i in line.not_stated
                   if (v := _shown_number(shares.at[i, "count"])) is not None]
    if candidates:
        *_, kind, row = min(candidates, key=lambda c: c[:2])
        if kind == "group":
            _hide(ratios, pd.Index([row]), line.column, ENTRY_RL_SPEC)
        else:
            _hide(shares, pd.Index([row]), "count", NOT_STATED_SHARE_SPEC)
    else:
        _hide(ratios, line.groups, line.reference, ENTRY_RL_SPEC)


def link_entry_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The published tables with the cross-table secondary suppression above applied (publication mode)."""
    out = dict(tables)
    for ratio_name, share_name, rows in LINKED:
        if ratio_name not in out or share_name not in out or out[ratio_name].empty:
            continue
        ratios, shares = out[ratio_name].copy(), out[share_name].copy()
        for line in _lines(_in_window(ratios, rows), shares):
            if _hidden(ratios, shares, line) == 1:
                _complete(ratios, shares, line)
        out[ratio_name], out[share_name] = ratios, shares
    return out


def hidden_per_line(tables: dict[str, pd.DataFrame]) -> list[int]:
    """How many cells of each linked line are hidden (for checks: never exactly one)."""
    return [_hidden(tables[r], tables[s], line)
            for r, s, rows in LINKED if r in tables and s in tables and not tables[r].empty
            for line in _lines(_in_window(tables[r], rows), tables[s])]
