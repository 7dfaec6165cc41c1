"""Statistical disclosure control: the only door from a measure table to a report, dashboard or export.

Publication mode follows METHODS.md §4 (NHS Digital's 2018 method for sub-national counts, with the
secondary suppression of the HES/ECDS rule): counts 1-7 become "*", other counts are rounded to the
nearest 5 (0 stays 0); medians, percentiles, ratios and other statistics resting on a count of 1-7
become "*"; percentages and rates are recomputed from the rounded numerator and denominator; in a
table with totals, a row or column with one hidden cell has its next smallest cell hidden too, so that
nothing can be worked out by subtraction. Internal mode changes no value but marks the table.
Each table's columns are described once by a `DisclosureSpec`; `apply_disclosure` does the rest and
records the mode in a `disclosure` column and in ``frame.attrs["disclosure"]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

import numpy as np
import pandas as pd

from lotus_analytics.config import DISCLOSURE_MODES

SUPPRESSED = "*"
DISCLOSURE_COLUMN = "disclosure"
NOTE_COLUMN = "note"


@dataclass(frozen=True)
class DisclosureSpec:
    """Which columns of a measure table are counts, and what rests on them.

    counts: count columns (primary suppression and rounding).
    statistics: column -> the counts it rests on; hidden when any of them is 1-7 or hidden
        (medians and percentiles rest on n; a ratio, its interval, p-value and verdict on the
        numerator counts of both groups).
    rates: column -> (numerator, denominator, per); recomputed as per x numerator / denominator
        from the rounded counts (per = 100 for a percentage), hidden when either count is hidden.
    row_totals: total column -> the count columns that add up to it in every row.
    total_row_key / total_label: the column and label of a total row that adds up every count column.
    """

    counts: tuple[str, ...]
    statistics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rates: Mapping[str, tuple[str, str, float]] = field(default_factory=dict)
    row_totals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    total_row_key: str | None = None
    total_label: str = "total"

    @property
    def columns(self) -> set[str]:
        named = set(self.counts) | set(self.statistics) | set(self.rates) | set(self.row_totals)
        named |= {c for cols in self.statistics.values() for c in cols}
        named |= {c for num, den, _ in self.rates.values() for c in (num, den)}
        named |= {c for cols in self.row_totals.values() for c in cols}
        return named | ({self.total_row_key} if self.total_row_key else set())


TRIAGE_TIMELINESS_SPEC = DisclosureSpec(
    counts=("n", "within_target", "still_waiting"),
    statistics={"median": ("n",), "p90": ("n",), "median_calendar_days": ("n",)},
    rates={"pct_within_target": ("within_target", "n", 100)},
)
ENTRY_RL_SPEC = DisclosureSpec(
    counts=("events", "headcount", "ref_events", "ref_headcount"),
    statistics={c: ("events", "ref_events") for c in ("ratio", "lower", "upper", "fisher_p", "verdict")},
    rates={"rate": ("events", "headcount", 1000), "ref_rate": ("ref_events", "ref_headcount", 1000)},
)
NOT_STATED_SHARE_SPEC = DisclosureSpec(counts=("count", "total"), rates={"share": ("count", "total", 1)})
OVERDUE_ACTIONS_SPEC = DisclosureSpec(
    counts=("raised", "open", "overdue", "done", "dropped"),
    row_totals={"raised": ("open", "done", "dropped")},
    total_row_key="system_level",
)


def _lines(n_rows: int, spec: DisclosureSpec) -> Iterator[list[tuple[int, str]]]:
    """Each set of cells that adds up to a published total: (row position, column) pairs."""
    for total, parts in spec.row_totals.items():
        for row in range(n_rows):
            yield [(row, total), *((row, p) for p in parts)]
    if spec.total_row_key:
        rows = list(range(n_rows))
        for column in spec.counts:
            yield [(row, column) for row in rows]


def _secondary(values: np.ndarray, primary: np.ndarray, spec: DisclosureSpec) -> np.ndarray:
    """Hide the next smallest cell of every total line that has exactly one hidden cell, until stable.

    `values` and `primary` are rows x spec.counts. Returns all hidden cells (primary included).
    Non-zero cells are preferred as complements; a zero is used only when nothing else is left in the line.
    """
    hidden = primary.copy()
    position = {c: i for i, c in enumerate(spec.counts)}
    lines = [[(r, position[c]) for r, c in line] for line in _lines(len(values), spec)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[cell] for cell in line) != 1:
                continue
            candidates = [cell for cell in line if not hidden[cell] and not np.isnan(values[cell])]
            if candidates:
                hidden[min(candidates, key=lambda cell: (values[cell] == 0, values[cell]))] = True
                changed = True
    return hidden


def _check(frame: pd.DataFrame, spec: DisclosureSpec, mode: str) -> None:
    if mode not in DISCLOSURE_MODES:
        raise ValueError(f"disclosure mode must be one of {', '.join(DISCLOSURE_MODES)}, not {mode!r}")
    missing = sorted(spec.columns - set(frame.columns))
    if missing:
        raise ValueError(f"table has no column {', '.join(missing)} named in its disclosure spec")
    if spec.total_row_key and (frame[spec.total_row_key] == spec.total_label).sum() != 1:
        raise ValueError(f"table must have exactly one '{spec.total_label}' row in column {spec.total_row_key}")


def _notes(primary: np.ndarray, secondary: np.ndarray, statistic_hidden: np.ndarray, threshold: int) -> list[str]:
    """Per row: why its cells show "*" (empty when nothing is hidden)."""
    reasons = [
        (primary.any(axis=1), f"* = fewer than {threshold} cases"),
        (secondary.any(axis=1), "* = hidden so that another cell cannot be worked out from a total"),
        (statistic_hidden & ~primary.any(axis=1), f"statistics resting on fewer than {threshold} cases are not shown"),
    ]
    return ["; ".join(text for mask, text in reasons if mask[row]) for row in range(len(primary))]


def _as_float(column: pd.Series) -> np.ndarray:
    """A count column as floats; nullable counts (Int64 with <NA>) and None become NaN."""
    return column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _shown(values: np.ndarray, hide: np.ndarray) -> np.ndarray:
    """An object array of `values` with "*" where `hide` is true."""
    out = values.astype(object)
    out[hide] = SUPPRESSED
    return out


def apply_disclosure(
    frame: pd.DataFrame, spec: DisclosureSpec, *, mode: str, suppress_max: int = 7, rounding_base: int = 5
) -> pd.DataFrame:
    """The table as it may be published under `mode` ("publication" or "internal").

    Publication: hidden cells are the string "*" (those columns become object dtype), counts are
    rounded to `rounding_base`, and a `note` column says why cells are hidden. Both modes add the
    `disclosure` column and ``attrs["disclosure"]`` naming the mode. Method: NHS Digital disclosure
    control for HES/ECDS (September 2018), METHODS.md §4.
    """
    _check(frame, spec, mode)
    out = frame.reset_index(drop=True).copy()
    if mode == "internal":
        out[DISCLOSURE_COLUMN] = "internal: no disclosure control; not for publication"
        out.attrs["disclosure"] = mode
        return out
    position = {c: i for i, c in enumerate(spec.counts)}
    raw = np.column_stack([_as_float(out[c]) for c in spec.counts]) if spec.counts else np.empty((len(out), 0))
    primary = (raw >= 1) & (raw <= suppress_max)
    hidden = _secondary(raw, primary, spec)
    rounded = np.floor(raw / rounding_base + 0.5) * rounding_base
    statistic_hidden = np.zeros(len(out), dtype=bool)
    for column, bases in spec.statistics.items():
        mask = hidden[:, [position[b] for b in bases]].any(axis=1)
        values = out[column].to_numpy(dtype=object)
        statistic_hidden |= mask & pd.notna(values)
        out[column] = _shown(values, mask)
    for column, (num, den, per) in spec.rates.items():
        denominator = rounded[:, position[den]]
        value = per * rounded[:, position[num]] / np.where(denominator > 0, denominator, np.nan)
        out[column] = _shown(value, hidden[:, position[num]] | hidden[:, position[den]])
    for column, i in position.items():
        counts = np.array([None if np.isnan(v) else int(v) for v in rounded[:, i]], dtype=object)
        out[column] = _shown(counts, hidden[:, i])
    out[NOTE_COLUMN] = _notes(primary, hidden & ~primary, statistic_hidden, suppress_max + 1)
    out[DISCLOSURE_COLUMN] = (
        f"publication: counts 1-{suppress_max} shown as *, others rounded to the nearest {rounding_base}, "
        "secondary suppression against totals"
    )
    out.attrs["disclosure"] = mode
    return out


def disclosure_mode(frame: pd.DataFrame) -> str | None:
    """The mode a table passed disclosure control in, or None if it never did (for checks and tests)."""
    if DISCLOSURE_COLUMN not in frame.columns or frame.empty:
        return frame.attrs.get("disclosure")
    return str(frame[DISCLOSURE_COLUMN].iloc[0]).split(":")[0]
