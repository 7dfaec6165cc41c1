"""Making Data Count SPC charts (METHODS.md §3): the XmR chart, its summary icons and its table view.

The look follows NHSRplotthedots (`ptd_create_ggplot`, `ptd_spc_colours`) and the MDC guide: a grey line of
values, points coloured by variation (grey common cause, blue improvement, orange concern, purple neutral),
a solid mean, dashed process limits broken at each rebase, a red target line. The icons are small inline SVGs
in the MDC style (a ring in the variation colour, H or L for a high or low special cause; P, F or ? for the
assurance) with a plain-English accessible name.
"""

from __future__ import annotations

import html

import altair as alt
import pandas as pd

from lotus_analytics import spc
from lotus_analytics.charts.base import NHS_DARK_GREY, NHS_MID_GREY, WIDTH, styled

COMMON_CAUSE_GREY = "#a6a6a6"
IMPROVEMENT_BLUE = "#00b0f0"
CONCERN_ORANGE = "#e46c0a"
NEUTRAL_PURPLE = "#490092"
TARGET_RED = "#de1b1b"
MEAN_BLACK = "#000000"
TEXT_BLACK = "#212b32"
POINT_COLOURS = {
    "common_cause": COMMON_CAUSE_GREY, "special_cause_improvement": IMPROVEMENT_BLUE,
    "special_cause_concern": CONCERN_ORANGE, "special_cause_neutral_high": NEUTRAL_PURPLE,
    "special_cause_neutral_low": NEUTRAL_PURPLE,
}
RULE_WORDS = {
    "Above UCL": "Above the upper process limit",
    "Below LCL": "Below the lower process limit",
    "7 Point Trend (Increasing)": "Run of 7 or more rising points",
    "7 Point Trend (Decreasing)": "Run of 7 or more falling points",
    "2 in 3 Above CL": "2 of 3 points close to the upper process limit",
    "2 in 3 Below CL": "2 of 3 points close to the lower process limit",
    "7 Points Above CL": "Run of 7 or more points above the mean",
    "7 Points Below CL": "Run of 7 or more points below the mean",
    spc.COMMON_CAUSE_LABEL: "",
}
VARIATION_ICON_LABELS = {
    "common_cause": "Common cause variation – no significant change",
    "improvement_high": "Special cause variation – improvement (high)",
    "improvement_low": "Special cause variation – improvement (low)",
    "concern_high": "Special cause variation – concern (high)",
    "concern_low": "Special cause variation – concern (low)",
    "neutral_high": "Special cause variation – neither improvement nor concern (high)",
    "neutral_low": "Special cause variation – neither improvement nor concern (low)",
}
ASSURANCE_ICON_LABELS = {
    "consistent_pass": "Assurance – the process will consistently meet the target (pass)",
    "consistent_fail": "Assurance – the process will consistently miss the target (fail)",
    "inconsistent": "Assurance – the process will sometimes meet and sometimes miss the target (hit and miss)",
}
_ICON_COLOURS = {"common": COMMON_CAUSE_GREY, "improvement": IMPROVEMENT_BLUE, "concern": CONCERN_ORANGE,
                 "neutral": NEUTRAL_PURPLE, "consistent_pass": IMPROVEMENT_BLUE, "consistent_fail": CONCERN_ORANGE,
                 "inconsistent": COMMON_CAUSE_GREY}
HEIGHT = 260
_DOTS_X = (9, 14.5, 20, 25.5, 31)
_DOTS_Y = {"common": (22, 18, 22, 18, 22), "high": (29, 28, 29, 25, 21), "low": (21, 22, 21, 25, 29)}


def spc_chart(result: pd.DataFrame, *, title: str, y_title: str, improvement_direction: spc.Direction,
              target: float | None = None, unit: str | None = None, reading: str | None = None) -> alt.TopLevelMixin:
    """The XmR chart of an `spc.xmr` result in the Making Data Count style.

    Limits and lines break at each rebase, which is marked by a vertical rule and labelled; groups with
    trial limits say so; `target` (default: the result's target) is a labelled red line. The description
    (the SVG's accessible name) says what is drawn and gives `reading` (default: `spc.describe`'s). A value
    or variation hidden by disclosure control (NaN / not a point type) is not drawn.
    """
    dated = isinstance(result.index, (pd.DatetimeIndex, pd.PeriodIndex))
    data = _chart_frame(result, dated)
    x = (alt.X("x:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-45)) if dated
         else alt.X("x:Q", title="Point", axis=alt.Axis(format="d", tickMinStep=1)))
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    base = alt.Chart(data).encode(x=x)
    limits = base.transform_fold(["lpl", "upl"], as_=["limit", "level"]).mark_line(
        color=NHS_MID_GREY, strokeDash=[6, 4], strokeWidth=1.5).encode(
        y=alt.Y("level:Q"), detail=["rebase_group:N", "limit:N"])
    mean = base.mark_line(color=MEAN_BLACK, strokeWidth=1.5).encode(y=alt.Y("mean:Q"), detail="rebase_group:N")
    line = base.mark_line(color=COMMON_CAUSE_GREY, strokeWidth=2).encode(y=y, detail="rebase_group:N")
    present = [t for t in spc.POINT_TYPES if (result["point_type"] == t).any()]
    points = base.mark_circle(size=60, opacity=1).encode(y=y, color=alt.Color(
        "variation:N", title=None, sort=[spc.POINT_TYPE_WORDS[t] for t in present],
        scale=alt.Scale(domain=[spc.POINT_TYPE_WORDS[t] for t in present],
                        range=[POINT_COLOURS[t] for t in present])))
    layers = [limits, mean, line, points, *_rebase_marks(data), *_trial_marks(data)]
    if target is None and result["target"].notna().any():
        target = float(result["target"].iloc[-1])
    if target is not None:
        layers += _target_marks(target, data["x"].iloc[-1])
    what = y_title[:1].lower() + y_title[1:] if y_title[1:2].islower() else y_title
    description = _description(result, what, target, improvement_direction, unit, reading)
    return styled(alt.layer(*layers).properties(width=WIDTH, height=HEIGHT), title, description)


def spc_table(result: pd.DataFrame, *, value_label: str, period_label: str = "Month") -> pd.DataFrame:
    """The chart as a table (for the table view beside it): period, value, mean, limits, variation and rule."""
    return pd.DataFrame({
        period_label: spc.point_labels(result.index),
        value_label: result["value"].to_numpy(),
        "Mean": result["mean"].to_numpy(),
        "Lower process limit": result["lpl"].to_numpy(),
        "Upper process limit": result["upl"].to_numpy(),
        "Variation": result["point_type"].map(spc.POINT_TYPE_WORDS).to_numpy(),
        "Special cause rule": result["special_cause_type"].map(RULE_WORDS).to_numpy(),
    })


def variation_icon_svg(name: str) -> str:
    """The MDC variation icon `name` (one of spc.VARIATION_ICONS) as a 40 px inline SVG."""
    if name not in VARIATION_ICON_LABELS:
        raise ValueError(f"unknown variation icon {name!r}; expected one of {list(VARIATION_ICON_LABELS)}")
    kind, _, side = name.partition("_")
    colour = _ICON_COLOURS[kind]
    heights = _DOTS_Y[side if side in _DOTS_Y else "common"]
    special = 2 if kind != "common" else 0  # the last points, coloured, show where the special cause lies
    dots = "".join(
        f'<circle cx="{cx}" cy="{cy}" r="2.3" fill="{colour if i >= 5 - special else COMMON_CAUSE_GREY}"/>'
        for i, (cx, cy) in enumerate(zip(_DOTS_X, heights)))
    letter = {"high": "H", "low": "L"}.get(side, "")
    return _icon(VARIATION_ICON_LABELS[name], colour, letter, 14, 16, dots)


def assurance_icon_svg(name: str) -> str:
    """The MDC assurance icon `name` (one of spc.ASSURANCE_ICONS): P pass, F fail, ? hit and miss; 40 px SVG."""
    if name not in ASSURANCE_ICON_LABELS:
        raise ValueError(f"unknown assurance icon {name!r}; expected one of {list(ASSURANCE_ICON_LABELS)}")
    letter = {"consistent_pass": "P", "consistent_fail": "F", "inconsistent": "?"}[name]
    return _icon(ASSURANCE_ICON_LABELS[name], _ICON_COLOURS[name], letter, 20, 27, "")


def _icon(label: str, colour: str, letter: str, size: int, baseline: int, inner: str) -> str:
    """A 40 px MDC-style icon: a ring in `colour` on white, a dark bold letter, extra shapes inside."""
    name = html.escape(label, quote=True)
    text = (f'<text x="20" y="{baseline}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
            f'font-weight="bold" font-size="{size}" fill="{TEXT_BLACK}">{html.escape(letter)}</text>' if letter else "")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40" role="img" '
            f'aria-label="{name}"><title>{name}</title>'
            f'<circle cx="20" cy="20" r="18" fill="#ffffff" stroke="{colour}" stroke-width="3"/>'
            f"{inner}{text}</svg>")


def _chart_frame(result: pd.DataFrame, dated: bool) -> pd.DataFrame:
    """The result with an x column (dates, or 1-based positions) and the variation in words."""
    if dated:
        x = result.index.to_timestamp() if isinstance(result.index, pd.PeriodIndex) else result.index
    else:
        x = range(1, len(result) + 1)
    return pd.DataFrame({
        "x": list(x), "value": result["value"].to_numpy(), "mean": result["mean"].to_numpy(),
        "lpl": result["lpl"].to_numpy(), "upl": result["upl"].to_numpy(),
        "rebase_group": result["rebase_group"].to_numpy(), "trial": result["trial_limits"].to_numpy(),
        "variation": result["point_type"].map(spc.POINT_TYPE_WORDS).to_numpy(),
        "period": spc.point_labels(result.index),
    })


def _group_starts(data: pd.DataFrame) -> pd.DataFrame:
    return data[data["rebase_group"].ne(data["rebase_group"].shift())]


def _rebase_marks(data: pd.DataFrame) -> list[alt.Chart]:
    """A dotted vertical rule and a label at the first point of each group after the first."""
    starts = _group_starts(data).iloc[1:].assign(label=lambda d: "New limits from " + d["period"])
    if starts.empty:
        return []
    rule = alt.Chart(starts).mark_rule(color=NHS_DARK_GREY, strokeDash=[2, 3], strokeWidth=1.5).encode(x="x")
    text = alt.Chart(starts).mark_text(align="left", baseline="bottom", dx=3, y=HEIGHT - 2, fontSize=11,
                                       color=NHS_DARK_GREY).encode(x="x", text="label:N")
    return [rule, text]


def _trial_marks(data: pd.DataFrame) -> list[alt.Chart]:
    """"Trial limits" written under the upper limit at the start of each group with trial limits."""
    starts = _group_starts(data)
    starts = starts[starts["trial"] & starts["upl"].notna()].assign(label="Trial limits (fewer than 13 points)")
    if starts.empty:
        return []
    return [alt.Chart(starts).mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=11, fontStyle="italic",
                                        color=NHS_DARK_GREY).encode(x="x", y="upl:Q", text="label:N")]


def _target_marks(target: float, last_x: object) -> list[alt.Chart]:
    frame = pd.DataFrame({"target": [target], "x": [last_x], "label": [f"Target {target:g}"]})
    rule = alt.Chart(frame).mark_rule(color=TARGET_RED, strokeWidth=2).encode(y="target:Q")
    text = alt.Chart(frame).mark_text(align="right", baseline="bottom", dy=-3, fontSize=11, fontWeight="bold",
                                      color=TARGET_RED).encode(x="x", y="target:Q", text="label:N")
    return [rule, text]


def _description(result: pd.DataFrame, what: str, target: float | None, improvement_direction: spc.Direction,
                 unit: str | None, reading: str | None) -> str:
    labels = spc.point_labels(result.index)
    period = "month" if isinstance(result.index, (pd.DatetimeIndex, pd.PeriodIndex)) else "point"
    parts = [f"SPC chart (XmR) of {what} by {period}, {labels[0]} to {labels[-1]}: the values as a grey line with "
             "each point coloured by its variation (grey common cause, blue improvement, orange concern, purple "
             "neither), the mean as a solid line and the process limits as dashed lines"]
    starts = result["rebase_group"].ne(result["rebase_group"].shift()).to_numpy()
    rebased = [labels[i] for i in range(1, len(result)) if starts[i]]
    if rebased:
        parts.append("limits recalculated from " + ", ".join(rebased))
    if result["trial_limits"].any():
        parts.append("trial limits where a stretch has fewer than 13 points")
    if target is not None:
        parts.append(f"a red line marks the target of {target:g}")
    if reading is None:
        reading = spc.describe(result, improvement_direction, what=what, unit=unit)
    return "; ".join(parts) + ". " + reading
