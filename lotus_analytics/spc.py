"""Statistical process control: XmR charts read with the NHS "Making Data Count" rules (METHODS.md §3).

A port of NHSRplotthedots 0.2.x (NHS-R community; R/ptd_spc_standard.R, R/ptd_calculate_point_type.R,
R/ptd_add_short_group_warnings.R, R/ptd_calculate_assurance_type.R, R/geom_ptd_icon.R), vectorised with
numpy. Within each rebase group:

- centre = mean; moving ranges |y_i - y_(i-1)|; with `screen_outliers`, moving ranges >= 3.267 x their
  mean are dropped once and the mean moving range recomputed (Nelson 1982; the MDC Excel tool does not
  screen); process limits = mean +- 2.66 x mean moving range; "near" limits = mean +- (2/3 x 2.66) x it.
  With `fix_after_n_points` the mean and moving ranges come from the group's first n points only.
- special-cause rules, in precedence order: a point outside the limits; a trend (7 points each strictly
  higher, or each strictly lower, than the one before: a tie breaks it; all 7 flagged); 2 of 3 points
  close to the limits (beyond a near limit, not outside the limits) with all 3 on the same side of the
  mean (only the close points flagged); a shift (7 points on one side of the mean: a point on the mean
  breaks it; all 7 flagged).
- a point's orientation is that of its rule (above the mean / rising is high), turned into improvement or
  concern by the improvement direction, or neutral high / low.
- a group of fewer than 13 points has trial limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

Direction = Literal["increase", "decrease", "neutral"]

LIMIT = 2.66  # process limits: mean +- LIMIT x mean moving range
NEAR_LIMIT = 2 * LIMIT / 3  # near limits of the 2-of-3 rule (about 1.7733)
SCREEN = 3.267  # moving ranges at or above SCREEN x their mean are screened out
RUN = 7  # points in a trend or a shift
TRIAL_BELOW = 13  # a rebase group with fewer points has trial limits (R option ptd_spc.warning_threshold)
MIN_FIX = 12  # smallest fix_after_n_points NHSRplotthedots accepts
ORIENTATION = {"increase": 1, "decrease": -1, "neutral": 0}
RULES = ("outside_limits", "trend", "two_of_three", "shift")
POINT_TYPES = ("common_cause", "special_cause_improvement", "special_cause_concern",
               "special_cause_neutral_high", "special_cause_neutral_low")
# NHSRplotthedots' special_cause_type labels, by rule and orientation (+1 above / rising, -1 below / falling)
R_LABELS = {
    ("outside_limits", 1): "Above UCL", ("outside_limits", -1): "Below LCL",
    ("trend", 1): "7 Point Trend (Increasing)", ("trend", -1): "7 Point Trend (Decreasing)",
    ("two_of_three", 1): "2 in 3 Above CL", ("two_of_three", -1): "2 in 3 Below CL",
    ("shift", 1): "7 Points Above CL", ("shift", -1): "7 Points Below CL",
}
COMMON_CAUSE_LABEL = "Common Cause"
# What each rule says about the measure, as the predicate of a sentence ("<measure> is above ...")
RULE_PREDICATES = {
    "Above UCL": "is above the upper process limit",
    "Below LCL": "is below the lower process limit",
    "7 Point Trend (Increasing)": "has risen for 7 or more points in a row",
    "7 Point Trend (Decreasing)": "has fallen for 7 or more points in a row",
    "2 in 3 Above CL": "has 2 of 3 points close to the upper process limit",
    "2 in 3 Below CL": "has 2 of 3 points close to the lower process limit",
    "7 Points Above CL": "has been above the mean for 7 or more points in a row",
    "7 Points Below CL": "has been below the mean for 7 or more points in a row",
}
POINT_TYPE_WORDS = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause improvement",
    "special_cause_concern": "Special cause concern",
    "special_cause_neutral_high": "Special cause variation (high)",
    "special_cause_neutral_low": "Special cause variation (low)",
}
_KIND = {"special_cause_improvement": "improvement", "special_cause_concern": "concern",
         "special_cause_neutral_high": "high", "special_cause_neutral_low": "low"}
VARIATION_ICONS = ("common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
                   "neutral_high", "neutral_low")
ASSURANCE_ICONS = ("consistent_pass", "consistent_fail", "inconsistent")


@dataclass(frozen=True)
class Icons:
    """The Making Data Count summary icons of a chart: variation (last point) and assurance (target)."""

    variation: str
    assurance: str | None


def xmr(values: Any, *, screen_outliers: bool = True, improvement_direction: Direction = "increase",
        target: float | None = None, rebase_at: Any = None, fix_after_n_points: int | None = None) -> pd.DataFrame:
    """XmR chart of a series with its special-cause reading, one row per point (NHSRplotthedots `ptd_spc`).

    `values`: a list or array (points by position) or a Series (its index kept; a date index is put in date
    order, as R does). `rebase_at`: where new limits start - positions, or dates for a date index (an index
    label for any other Series). Columns: value, rebase_group (0 before the first rebase, as R numbers
    them), mean, lpl, upl, near_lpl, near_upl, outside_limits, relative_to_mean (-1, 0, 1),
    close_to_limits, rule (one of RULES or None), special_cause_type (R's label, e.g. "7 Points Below CL"),
    point_type (one of POINT_TYPES), trial_limits, target, improvement_direction, method.
    """
    _check_options(improvement_direction, fix_after_n_points)
    series = _as_series(values)
    y = series.to_numpy(dtype=float)
    starts = np.zeros(len(y), dtype=bool)
    starts[_positions(series.index, rebase_at)] = True
    group = np.cumsum(starts)
    bounds = np.flatnonzero(np.diff(group, prepend=-1, append=-1))  # start of each group, then len(y)
    parts = [_group_columns(y[a:b], fix_after_n_points, screen_outliers) for a, b in zip(bounds[:-1], bounds[1:])]
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    orientation = columns.pop("orientation")
    return pd.DataFrame({
        "value": y, "rebase_group": group, **columns,
        "point_type": _point_types(orientation, columns["rule"], improvement_direction),
        "trial_limits": np.repeat(np.diff(bounds) < TRIAL_BELOW, np.diff(bounds)),
        "target": np.full(len(y), np.nan if target is None else float(target)),
        "improvement_direction": improvement_direction,
        "method": _method(screen_outliers, fix_after_n_points),
    }, index=series.index)


def icons(result: pd.DataFrame, improvement_direction: Direction, target: float | None = None) -> Icons:
    """Variation icon from the last point's type; assurance icon from the target against the last limits.

    `target` defaults to the result's own target. Assurance (R `ptd_calculate_assurance_type`) needs a
    target and a direction: a target beyond the upper limit is always missed when higher is better
    (`consistent_fail`) and always met when lower is better (`consistent_pass`), and the reverse for a
    target below the lower limit; otherwise `inconsistent` (hit and miss).
    """
    _check_direction_of(result, improvement_direction)
    last = result.iloc[-1]
    if target is None and pd.notna(last["target"]):
        target = float(last["target"])
    return Icons(_variation_icon(str(last["point_type"]), improvement_direction),
                 _assurance(target, float(last["lpl"]), float(last["upl"]), improvement_direction))


def describe(result: pd.DataFrame, improvement_direction: Direction, *, what: str, unit: str | None = None) -> str:
    """One plain-English line reading the chart at its latest point, e.g.

    "Special cause improvement since October 2024: median working days to triage has been below the mean for
    7 or more points in a row (latest 3.2 working days; mean 5.1 working days, process limits 1.9 to 8.3)."
    The run of special cause is traced back within the latest rebase group; a date index names months,
    any other index names 1-based positions ("point 14").
    """
    _check_direction_of(result, improvement_direction)
    latest_group = result["rebase_group"].to_numpy() == result["rebase_group"].iloc[-1]
    group = result[latest_group]
    offset = int(np.flatnonzero(latest_group)[0])
    last = group.iloc[-1]
    limits = _limits_text(last, unit)
    types = group["point_type"].to_numpy()
    if last["point_type"] == "common_cause":
        special = np.flatnonzero(types != "common_cause")
        if not special.size:
            return f"Common cause variation only: no sign of change in {what} ({limits})."
        earlier = group["point_type"].iloc[special[-1]]
        return (f"Common cause variation at the latest point ({_when(result.index, len(result) - 1)}): no sign of "
                f"change in {what} now; the last special cause ({_KIND[earlier]}) was at "
                f"{_when(result.index, offset + special[-1])} ({limits}).")
    different = np.flatnonzero(types != last["point_type"])
    start = int(different[-1]) + 1 if different.size else 0
    return (f"{POINT_TYPE_WORDS[last['point_type']]} since {_when(result.index, offset + start)}: {what} "
            f"{RULE_PREDICATES[last['special_cause_type']]} (latest {_with_unit(last['value'], unit)}; {limits}).")


def point_labels(index: pd.Index) -> list[str]:
    """Each point for a reader: its month ("October 2024") on a date index, else its 1-based position ("Point 14")."""
    if _is_dated(index):
        return list(index.strftime("%B %Y"))
    return [f"Point {i + 1}" for i in range(len(index))]


def _check_options(improvement_direction: str, fix_after_n_points: int | None) -> None:
    if improvement_direction not in ORIENTATION:
        raise ValueError(f"improvement_direction must be one of {sorted(ORIENTATION)}, not {improvement_direction!r}")
    if fix_after_n_points is not None and (isinstance(fix_after_n_points, bool) or
                                           not isinstance(fix_after_n_points, (int, np.integer)) or
                                           fix_after_n_points < MIN_FIX):
        raise ValueError(f"fix_after_n_points must be a whole number of at least {MIN_FIX} (NHSRplotthedots), "
                         f"not {fix_after_n_points!r}")


def _check_direction_of(result: pd.DataFrame, improvement_direction: str) -> None:
    """The direction given must be the one the result's point types were read with."""
    _check_options(improvement_direction, None)
    used = result["improvement_direction"].iloc[-1]
    if used != improvement_direction:
        raise ValueError(f"the result was read with improvement_direction={used!r}, not {improvement_direction!r}")


def _is_dated(index: pd.Index) -> bool:
    return isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex))


def _as_series(values: Any) -> pd.Series:
    """The values as a float Series: a date index in date order; a list or array indexed by position."""
    if isinstance(values, pd.Series):
        series = values.astype(float)
        if _is_dated(series.index):
            if series.index.has_duplicates:
                raise ValueError("values has more than one value for the same date: SPC needs one per period")
            series = series.sort_index(kind="stable")
    else:
        series = pd.Series(np.asarray(values, dtype=float).ravel())
    if series.empty:
        raise ValueError("values is empty: an XmR chart needs at least one point")
    missing = series.index[series.isna().to_numpy()]
    if len(missing):
        raise ValueError(f"values has missing values (at {list(missing)[:5]}): an XmR chart needs a complete series")
    return series


def _positions(index: pd.Index, rebase_at: Any) -> list[int]:
    """Positions where limits restart: whole numbers are positions on a date index, else index labels."""
    if rebase_at is None:
        return []
    many = isinstance(rebase_at, (list, tuple, set, np.ndarray, pd.Index, pd.Series))
    found = []
    for item in (list(rebase_at) if many else [rebase_at]):
        whole = isinstance(item, (int, np.integer)) and not isinstance(item, bool)
        if whole and _is_dated(index) and 0 <= item < len(index):
            found.append(int(item))
            continue
        try:
            found.append(int(index.get_loc(pd.Timestamp(item) if isinstance(index, pd.DatetimeIndex) else item)))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"rebase_at {item!r} is not a position or date of the series") from error
    return found


def _group_columns(y: np.ndarray, fix_after_n_points: int | None, screen_outliers: bool) -> dict[str, np.ndarray]:
    """Limits, flags and rule of each point of one rebase group (R `ptd_spc_standard` + point type)."""
    base = y[:fix_after_n_points] if fix_after_n_points else y
    mean = base.mean()
    ranges = np.abs(np.diff(base))
    amr = ranges.mean() if ranges.size else np.nan
    if screen_outliers and ranges.size:
        kept = ranges[ranges < SCREEN * amr]
        amr = kept.mean() if kept.size else np.nan  # all screened out only when every range is 0 (R: NaN)
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    near_lpl, near_upl = mean - NEAR_LIMIT * amr, mean + NEAR_LIMIT * amr
    outside = (y > upl) | (y < lpl)
    side = np.sign(y - mean).astype(int)
    close = ~outside & ((y < near_lpl) | (y > near_upl))
    rule, orientation = _rules(y, side, close, outside)
    n = len(y)
    return {
        "mean": np.full(n, mean), "lpl": np.full(n, lpl), "upl": np.full(n, upl),
        "near_lpl": np.full(n, near_lpl), "near_upl": np.full(n, near_upl),
        "outside_limits": outside, "relative_to_mean": side, "close_to_limits": close,
        "rule": rule, "special_cause_type": _r_labels(rule, orientation), "orientation": orientation,
    }


def _rules(y: np.ndarray, side: np.ndarray, close: np.ndarray, outside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rule that makes each point special cause (precedence order) and its orientation (+1 / -1 / 0)."""
    steps = np.sign(np.diff(y))
    trend = _part_of_run(_run_ends(steps, RUN - 1, lambda w: (w == w[:, :1]).all(axis=1) & (w[:, 0] != 0), lead=1))
    shift = _part_of_run(_run_ends(side, RUN, lambda w: (w == w[:, :1]).all(axis=1) & (w[:, 0] != 0)))
    two_of_three = _two_of_three(side, close)
    conditions = [outside, trend, two_of_three, shift]
    rule = np.select(conditions, np.array(RULES, dtype=object), default=None)
    # a trend point takes the direction of the step after it when the next point is in a trend too, else the
    # step before it (R); every other rule takes the point's side of the mean
    step_after = np.concatenate([steps, steps[-1:]]) if steps.size else np.zeros(len(y))
    step_before = np.concatenate([[0.0], steps])
    in_next = np.concatenate([trend[1:], [False]]) & trend
    trend_way = np.where(np.where(in_next, step_after, step_before) == 1, 1, -1)
    side_way = np.where(side > 0, 1, -1)
    orientation = np.select(conditions, [np.where(side == 1, 1, -1), trend_way, side_way, side_way], default=0)
    return rule, orientation


def _run_ends(v: np.ndarray, width: int, same: Any, lead: int = 0) -> np.ndarray:
    """True at each point that ends a run: `width` consecutive entries of `v` passing `same`.

    `lead` shifts the answer right (steps between points end one point later than their index).
    """
    n = len(v) + lead
    ends = np.zeros(n, dtype=bool)
    if len(v) >= width:
        ends[width - 1 + lead:] = same(sliding_window_view(v, width))
    return ends


def _part_of_run(ends: np.ndarray) -> np.ndarray:
    """True at each point of a run of RUN points, given where runs end (R `ptd_part_of_seven_trend`)."""
    padded = np.concatenate([ends, np.zeros(RUN - 1, dtype=bool)])
    return sliding_window_view(padded, RUN).any(axis=1)


def _two_of_three(side: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Close points in a window of 3 with at least 2 close and all 3 on one side of the mean (R `ptd_two_in_three`)."""
    n = len(side)
    if n < 3:
        return np.zeros(n, dtype=bool)
    fires = ((sliding_window_view(close.astype(int), 3).sum(axis=1) >= 2)
             & (np.abs(sliding_window_view(side, 3).sum(axis=1)) == 3))
    padded = np.concatenate([[False, False], fires, [False, False]])
    return sliding_window_view(padded, 3).any(axis=1)[:n] & close


def _r_labels(rule: np.ndarray, orientation: np.ndarray) -> np.ndarray:
    return np.array([R_LABELS.get((r, o), COMMON_CAUSE_LABEL) for r, o in zip(rule, orientation)], dtype=object)


def _point_types(orientation: np.ndarray, rule: np.ndarray, improvement_direction: str) -> np.ndarray:
    """Point type from the rule's orientation and the improvement direction (R `ptd_point_type`)."""
    special = rule != None  # noqa: E711 - elementwise test of an object array
    sign = ORIENTATION[improvement_direction]
    if sign == 0:
        chosen = np.where(orientation > 0, "special_cause_neutral_high", "special_cause_neutral_low")
    else:
        chosen = np.where(orientation * sign > 0, "special_cause_improvement", "special_cause_concern")
    return np.where(special, chosen, "common_cause").astype(object)


def _method(screen_outliers: bool, fix_after_n_points: int | None) -> str:
    screening = ("moving ranges of at least 3.267 times their mean screened out once" if screen_outliers
                 else "no screening of moving ranges (as the MDC Excel tool)")
    fixed = f"; limits from the first {fix_after_n_points} points of each group" if fix_after_n_points else ""
    return (f"XmR chart (Making Data Count, NHSRplotthedots 0.2.x rules): mean +- 2.66 x mean moving range, "
            f"{screening}{fixed}; trial limits below {TRIAL_BELOW} points")


def _variation_icon(point_type: str, improvement_direction: str) -> str:
    """Icon name of a point type (R `geom_ptd_icon`): high is the improving side when higher is better."""
    if point_type in ("common_cause", "special_cause_neutral_high", "special_cause_neutral_low"):
        return point_type.removeprefix("special_cause_")
    improving_side = "high" if improvement_direction == "increase" else "low"
    if point_type == "special_cause_improvement":
        return f"improvement_{improving_side}"
    return f"concern_{'low' if improving_side == 'high' else 'high'}"


def _assurance(target: float | None, lpl: float, upl: float, improvement_direction: str) -> str | None:
    if target is None or improvement_direction == "neutral":
        return None
    increasing = improvement_direction == "increase"
    if target > upl:
        return "consistent_fail" if increasing else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if increasing else "consistent_fail"
    return "inconsistent"


def _num(x: float) -> str:
    """A figure for a sentence: three significant figures, whole numbers from 100 up."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _with_unit(x: float, unit: str | None) -> str:
    return f"{_num(x)} {unit}" if unit else _num(x)


def _limits_text(last: pd.Series, unit: str | None) -> str:
    trial = "; trial limits from fewer than 13 points" if last["trial_limits"] else ""
    if pd.isna(last["lpl"]):
        return f"mean {_with_unit(last['mean'], unit)}, no process limits{trial}"
    return f"mean {_with_unit(last['mean'], unit)}, process limits {_num(last['lpl'])} to {_num(last['upl'])}{trial}"


def _when(index: pd.Index, position: int) -> str:
    """A point named inside a sentence: "October 2024" or "point 14"."""
    return point_labels(index)[position].replace("Point", "point")
