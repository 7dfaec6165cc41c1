"""Charts of the equity measures: funnel plots, progression cascade, relative-likelihood trend,
Kaplan–Meier time to closure and the triage risk-level heat map.

Each chart draws a published table (after disclosure control), with its intervals. A value that is
not published ("*") is not drawn, and the chart says why in a note under the plot: the reason comes
from the `hidden_note` argument, else from the row's disclosure note (e.g. "* = fewer than 8 cases",
which follows the configured threshold), else "not published".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd

from lotus_analytics.charts.base import (
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    WIDTH,
    numeric,
    styled,
)
from lotus_analytics.disclosure import NOTE_COLUMN, SUPPRESSED
from lotus_analytics.schema import RISK_LEVELS

HEIGHT = 260
NHS_ORANGE = "#ED8B00"
# NHS identity colours for up to eight groups, in order.
GROUP_COLOURS = [NHS_BLUE, NHS_ORANGE, "#009639", "#7C2855", NHS_DARK_GREY, "#00A499", "#330072", "#AE2573"]
NOT_PUBLISHED = "not published"
ALL_DOMAINS = "all domains"  # consistency.ALL_DOMAINS: the row of every concern domain together
AT_RISK_STEPS = (7, 14, 30, 60, 90, 180, 365, 730)  # days between at-risk columns; the first giving <= 8 columns


def _reasons(table: pd.DataFrame, hidden_note: str | None) -> pd.Series:
    """Why each row's values may be hidden: `hidden_note`, else the row's disclosure note, else "not published"."""
    if hidden_note:
        return pd.Series(hidden_note, index=table.index)
    notes = table[NOTE_COLUMN] if NOTE_COLUMN in table else pd.Series("", index=table.index)
    return notes.fillna("").astype(str).replace("", NOT_PUBLISHED)


def _with_footnote(chart: alt.TopLevelMixin, lines: Sequence[str]) -> alt.TopLevelMixin:
    """The chart with a note under it listing what is not shown and why (unchanged when nothing is hidden)."""
    if not lines:
        return chart
    text = "\n".join(["Not shown:", *(f"• {line}" for line in dict.fromkeys(lines))])
    note = alt.Chart(pd.DataFrame({"note": [text]})).mark_text(
        align="left", baseline="top", lineBreak="\n", color=NHS_DARK_GREY, fontStyle="italic", fontSize=11,
    ).encode(x=alt.value(0), y=alt.value(0), text="note:N").properties(width=WIDTH, height=14 * (len(lines) + 1))
    return alt.vconcat(chart, note, spacing=16)


def _count_text(column: pd.Series) -> pd.Series:
    """Published counts as text: whole numbers without decimals, "*" (or anything else) as it is."""
    number = numeric(column)
    return column.astype(str).where(number.isna(), number.map("{:.0f}".format))


def _hidden_lines(labels: pd.Series, hidden: pd.Series, reasons: pd.Series) -> list[str]:
    """"label: reason" for each hidden row."""
    return [f"{label}: {reason}" for label, reason in zip(labels[hidden], reasons[hidden])]


def _log_scale(data: pd.DataFrame, band: tuple[float, float]) -> alt.Scale:
    """A log scale taking in every interval, the band and 1 (from 0.25 to 4 at least)."""
    low = min(0.25, band[0] / 1.2, data["lower"].min() / 1.2) if data["lower"].notna().any() else 0.25
    high = max(4.0, band[1] * 1.2, data["upper"].max() * 1.2) if data["upper"].notna().any() else 4.0
    return alt.Scale(type="log", domain=[low, high], nice=False)


def _band_layers(band: tuple[float, float], y_scale: alt.Scale) -> list[alt.Chart]:
    """The shaded "no adverse impact" band and the line at 1, across the whole plot."""
    shaded = alt.Chart(pd.DataFrame({"low": [band[0]], "high": [band[1]]})).mark_rect(
        color=NHS_PALE_GREY, opacity=0.9).encode(y=alt.Y("low:Q", scale=y_scale), y2="high:Q")
    one = alt.Chart(pd.DataFrame({"one": [1.0]})).mark_rule(color=NHS_DARK_GREY).encode(y=alt.Y("one:Q", scale=y_scale))
    return [shaded, one]


def _group_colour(groups: Sequence[str]) -> alt.Color:
    domain = list(dict.fromkeys(groups))
    return alt.Color("group:N", title=None, scale=alt.Scale(domain=domain, range=GROUP_COLOURS[:len(domain)]))


def _ratios(table: pd.DataFrame, hidden_note: str | None, *keys: str) -> pd.DataFrame:
    """Key columns, the ratio and its interval as numbers, and each row's hidden reason; the reference
    group's own row (ratio 1 by definition) left out.

    The interval is ratio_lower/ratio_upper when the table has them (progression tables, whose
    lower/upper belong to the proportion), else lower/upper.
    """
    bounds = ("ratio_lower", "ratio_upper") if "ratio_lower" in table else ("lower", "upper")
    data = table[list(keys)].astype(str).assign(
        ratio=numeric(table["ratio"]), lower=numeric(table[bounds[0]]), upper=numeric(table[bounds[1]]),
        reason=_reasons(table, hidden_note))
    return data[table["group"] != table["reference"]] if "reference" in table else data


@dataclass(frozen=True)
class _FunnelKind:
    x: str
    y: str
    curve_x: str
    x_title: str
    y_title: str
    y_format: str
    what: str
    average_label: str


FUNNELS = {
    "proportion": _FunnelKind("cases", "proportion", "n", "Cases received in the window", "Proportion escalated",
                              ".0%", "proportion of cases escalated to investigation", "pooled average {:.1%}"),
    "ratio": _FunnelKind("expected", "ratio", "expected", "Expected count", "Standardised ratio (observed ÷ expected)",
                         ".1f", "standardised ratio", "ratio {:g} (as expected)"),
}


def _limit_lines(curve: pd.DataFrame, x: str) -> pd.DataFrame:
    """The curve's lower_<level>/upper_<level> columns as long rows: x, value, limits ("95% limits"), side."""
    columns = [c for c in curve.columns if c.startswith(("lower_", "upper_"))]
    long = curve.melt(id_vars=[x], value_vars=columns, var_name="column", value_name="value")
    parts = long["column"].str.split("_", n=1, expand=True)
    return long.assign(side=parts[0], limits=parts[1].str.replace("_", ".") + "% limits").rename(columns={x: "x"})


def funnel_chart(
    table: pd.DataFrame, curve: pd.DataFrame, *, title: str, statistic: str = "proportion",
    hidden_note: str | None = None,
) -> alt.TopLevelMixin:
    """Funnel plot: units as points, the pooled average and the funnel lines of each level.

    `statistic` "proportion" draws an escalation_funnel table (cases, proportion) with funnel_curve
    lines; "ratio" a standardised_ratios table (expected, ratio) with ratio_funnel_curve lines. Units
    whose verdict is above or below a limit are highlighted and labelled; units not published are
    listed under the plot with the reason.
    """
    kind = FUNNELS[statistic]
    data = pd.DataFrame({"unit": table["unit"].astype(str), "x": numeric(table[kind.x]), "y": numeric(table[kind.y]),
                         "verdict": table["verdict"].astype(str)})
    data["status"] = np.where(data["verdict"].str.match(r"(above|below) "), "outside the limits", "within the limits")
    hidden = data["x"].isna() | data["y"].isna()
    average = float(curve["average"].iloc[0])
    highest = float(np.nanmax([average, *data["y"]]))
    top = 1.3 * highest if highest > 0 else 1.0
    y_scale = alt.Scale(domain=[0, min(top, 1.0) if statistic == "proportion" else top], nice=False)
    x_scale = alt.Scale(domain=[0, float(np.nanmax([*curve[kind.curve_x], *data["x"]]))], nice=False)
    lines = _limit_lines(curve, kind.curve_x)
    level_names = list(dict.fromkeys(lines["limits"]))
    x = alt.X("x:Q", scale=x_scale, title=kind.x_title)
    limits = alt.Chart(lines).mark_line(clip=True, strokeWidth=1.5).encode(
        x=x, y=alt.Y("value:Q", scale=y_scale),
        color=alt.Color("limits:N", title=None, scale=alt.Scale(domain=level_names, range=[NHS_MID_GREY, NHS_DARK_GREY])),
        strokeDash=alt.StrokeDash("limits:N", title=None, scale=alt.Scale(domain=level_names, range=[[6, 3], [2, 2]])),
        detail="column:N",
    )
    mean_data = pd.DataFrame({"average": [average], "label": [kind.average_label.format(average)]})
    mean = alt.Chart(mean_data).mark_rule(color=NHS_DARK_BLUE, strokeWidth=1.5).encode(y=alt.Y("average:Q", scale=y_scale))
    mean_label = alt.Chart(mean_data).mark_text(align="right", baseline="bottom", dy=-3, color=NHS_DARK_BLUE).encode(
        x=alt.value(WIDTH - 2), y=alt.Y("average:Q", scale=y_scale), text="label:N")
    shown = data[~hidden]
    outside = shown[shown["status"] == "outside the limits"]
    points = alt.Chart(shown).mark_point(filled=True, size=70, opacity=1).encode(
        x=x, y=alt.Y("y:Q", scale=y_scale, title=kind.y_title, axis=alt.Axis(format=kind.y_format)),
        fill=alt.Fill("status:N", title=None, scale=alt.Scale(domain=["within the limits", "outside the limits"],
                                                              range=[NHS_BLUE, NHS_ORANGE])),
        shape=alt.value("circle"), tooltip=["unit:N", "verdict:N"],
    )
    labels = alt.Chart(outside).mark_text(
        align="left", dx=7, color=NHS_DARK_GREY, fontWeight="bold").encode(
        x=x, y=alt.Y("y:Q", scale=y_scale), text="unit:N")
    listed = "; ".join(f"{u} ({v})" for u, v in zip(outside["unit"], outside["verdict"])) or "none"
    description = (
        f"Funnel plot of the {kind.what} for each unit ({kind.x_title.lower()} across, {kind.y_title.lower()} up), "
        f"with a line at the {kind.average_label.format(average)} and the "
        f"{' and '.join(n.replace(' limits', '') for n in level_names)} control limits. Units outside the limits: {listed}."
        + (f" Not shown: {', '.join(data['unit'][hidden])}." if hidden.any() else "")
    )
    chart = alt.layer(limits, mean, mean_label, points, labels).properties(width=WIDTH, height=HEIGHT)
    notes = _hidden_lines(data["unit"], hidden, _reasons(table, hidden_note))
    return styled(_with_footnote(chart, notes), title, description)


def cascade_chart(
    table: pd.DataFrame, *, title: str, band: tuple[float, float] = (0.8, 1.25), hidden_note: str | None = None
) -> alt.TopLevelMixin:
    """Progression ratio of each group at each stage transition (cascade order as given), with intervals.

    Columns: transition, group, ratio, lower, upper. Log scale, the band shaded and 1 marked, so the
    stage at which a gap opens stands out.
    """
    data = _ratios(table, hidden_note, "transition", "group")
    stages = list(dict.fromkeys(data["transition"]))
    y_scale = _log_scale(data, band)
    x = alt.X("transition:N", title=None, scale=alt.Scale(domain=stages), axis=alt.Axis(labelAngle=-30, labelLimit=200))
    colour = _group_colour(data["group"])
    offset = alt.XOffset("group:N", scale=alt.Scale(domain=list(dict.fromkeys(data["group"]))))
    interval = alt.Chart(data).mark_rule(strokeWidth=2).encode(
        x=x, xOffset=offset, y=alt.Y("lower:Q", scale=y_scale), y2="upper:Q", color=colour)
    point = alt.Chart(data).mark_point(filled=True, size=80, opacity=1).encode(
        x=x, xOffset=offset, y=alt.Y("ratio:Q", scale=y_scale, title="Ratio (log scale)"), color=colour,
        tooltip=["transition:N", "group:N", "ratio:Q", "lower:Q", "upper:Q"])
    hidden = data["ratio"].isna()
    description = (
        f"Progression ratios with confidence intervals for each group at each stage: {', '.join(stages)}, on a log "
        f"scale, with the band {band[0]:g} to {band[1]:g} (no adverse impact) shaded and a ratio of 1 marked."
        + (f" {int(hidden.sum())} ratio(s) not shown." if hidden.any() else "")
    )
    layers = alt.layer(*_band_layers(band, y_scale), interval, point).properties(width=WIDTH, height=HEIGHT)
    notes = _hidden_lines(data["group"] + " at " + data["transition"], hidden, data["reason"])
    return styled(_with_footnote(layers, notes), title, description)


def trend_chart(
    table: pd.DataFrame, *, title: str, band: tuple[float, float] = (0.8, 1.25), hidden_note: str | None = None
) -> alt.TopLevelMixin:
    """Rolling relative likelihood by quarter per group: line and points, the interval as a shaded area.

    Columns: quarter (label), group, ratio, lower, upper. A quarter not published breaks the line.
    """
    data = _ratios(table, hidden_note, "quarter", "group")
    quarters = list(dict.fromkeys(data["quarter"]))
    y_scale = _log_scale(data, band)
    x = alt.X("quarter:O", title=None, scale=alt.Scale(domain=quarters), axis=alt.Axis(labelAngle=-45))
    colour = _group_colour(data["group"])
    area = alt.Chart(data).mark_area(opacity=0.2, invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("lower:Q", scale=y_scale), y2="upper:Q", color=colour)
    line = alt.Chart(data).mark_line(point=True, strokeWidth=2.5, invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("ratio:Q", scale=y_scale, title="Relative likelihood (log scale)"), color=colour)
    hidden = data["ratio"].isna()
    description = (
        f"Line chart of the rolling relative likelihood for each group by quarter from {quarters[0]} to "
        f"{quarters[-1]}, with confidence intervals shaded, on a log scale; the band {band[0]:g} to {band[1]:g} "
        "(no adverse impact) is shaded and a ratio of 1 is marked."
        + (f" {int(hidden.sum())} value(s) not shown." if hidden.any() else "")
    )
    layers = alt.layer(*_band_layers(band, y_scale), area, line).properties(width=WIDTH, height=HEIGHT)
    notes = _hidden_lines(data["group"] + " in " + data["quarter"], hidden, data["reason"])
    return styled(_with_footnote(layers, notes), title, description)


def _at_risk(curve: pd.DataFrame, ticks: np.ndarray) -> pd.DataFrame:
    """Number at risk per group at each tick: the published at_risk of the group's first row at or after it.

    Exact when the curve has a row at every observed time (event or censoring), as Kaplan–Meier tables do.
    """
    rows = []
    for group, rows_of_group in curve.groupby("group", sort=False):
        times = rows_of_group["time_n"].to_numpy()
        for tick in ticks:
            later = np.flatnonzero(times >= tick)
            value = rows_of_group["at_risk"].iloc[later[0]] if len(later) else 0
            rows.append({"group": group, "tick": float(tick), "at_risk": str(value)})
    return pd.DataFrame(rows)


def km_chart(curve: pd.DataFrame, *, title: str, hidden_note: str | None = None) -> alt.TopLevelMixin:
    """Kaplan–Meier step curves of the proportion of cases still open by group, interval shaded,
    numbers at risk in a table under the plot (and in the description).

    Columns: group, time (days since received), survival, lower, upper, at_risk.
    """
    data = curve[["group"]].astype(str).assign(
        time_n=numeric(curve["time"]), survival=numeric(curve["survival"]), lower=numeric(curve["lower"]),
        upper=numeric(curve["upper"]), at_risk=_count_text(curve["at_risk"]), reason=_reasons(curve, hidden_note))
    groups = list(dict.fromkeys(data["group"]))
    data = data.sort_values(["group", "time_n"], key=lambda c: c.map(groups.index) if c.name == "group" else c,
                            kind="stable")
    end = float(data["time_n"].max())
    step = next((s for s in AT_RISK_STEPS if end / s <= 8), AT_RISK_STEPS[-1])
    ticks = np.arange(0, end + 1, step)
    x_scale = alt.Scale(domain=[0, end], nice=False)
    colour = _group_colour(groups)
    x = alt.X("time_n:Q", scale=x_scale, title="Days since the concern was received", axis=alt.Axis(values=list(ticks)))
    area = alt.Chart(data).mark_area(opacity=0.2, interpolate="step-after", invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("lower:Q"), y2="upper:Q", color=colour)
    line = alt.Chart(data).mark_line(interpolate="step-after", strokeWidth=2, invalid="break-paths-show-domains").encode(
        x=x,
        y=alt.Y("survival:Q", title="Proportion still open", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
        color=colour)
    hidden = data["survival"].isna()
    at_risk = _at_risk(data, ticks)
    table = alt.Chart(at_risk, title=alt.TitleParams("Number at risk", anchor="start", fontSize=12,
                                                     color=NHS_DARK_GREY)).mark_text(color=NHS_DARK_GREY).encode(
        x=alt.X("tick:Q", scale=x_scale, axis=None),
        y=alt.Y("group:N", title=None, scale=alt.Scale(domain=groups),
                axis=alt.Axis(domain=False, ticks=False, labelPadding=14)),
        text="at_risk:N").properties(width=WIDTH, height=22 * len(groups))
    numbers = "; ".join(
        f"{g}: " + ", ".join(f"{r} at day {t:g}" for t, r in zip(rows["tick"], rows["at_risk"]))
        for g, rows in at_risk.groupby("group", sort=False))
    description = (
        "Kaplan–Meier curves of the proportion of cases still open by days since the concern was received, for "
        f"each group, with confidence intervals shaded. Numbers at risk — {numbers}."
        + (f" {int(hidden.sum())} point(s) not shown." if hidden.any() else "")
    )
    plot = alt.vconcat(alt.layer(area, line).properties(width=WIDTH, height=HEIGHT), table, spacing=20)
    first = data[hidden].groupby("group", sort=False).head(1)  # one line per group: the curve stops being shown
    notes = _hidden_lines(first["group"] + " from day " + first["time_n"].map("{:g}".format),
                          pd.Series(True, index=first.index), first["reason"])
    return styled(_with_footnote(plot, notes), title, description)


def _risk_cells(table: pd.DataFrame, hidden_note: str | None) -> pd.DataFrame:
    """The wide risk-level table (one row per group) as one row per group x level: count, percentage, reason."""
    reasons = _reasons(table, hidden_note)
    frames = [pd.DataFrame({"group": table["group"].astype(str), "risk_level": level,
                            "count": _count_text(table[level]), "percentage": numeric(table[f"pct_{level}"]),
                            "reason": reasons})
              for level in RISK_LEVELS]
    return pd.concat(frames, ignore_index=True)


def heatmap_chart(
    table: pd.DataFrame, *, title: str, domain: str = ALL_DOMAINS, hidden_note: str | None = None
) -> alt.TopLevelMixin:
    """Triage risk-level heat map of one concern domain: rows are groups, columns the risk levels.

    Draws a consistency.risk_level_distribution table (columns group, low, moderate, high, extreme and
    pct_low ... pct_extreme, 0-100 of the row), keeping the rows of `domain` when it has a domain column.
    Shading is the row percentage, the text the count and the percentage; a cell not published is pale
    with "*". The table carries no interval: the risk_level_association odds ratios give them.
    """
    rows = table[table["domain"] == domain] if "domain" in table else table
    data = _risk_cells(rows, hidden_note)
    data["hidden"] = data["percentage"].isna() | data["count"].eq(SUPPRESSED)
    data["label"] = np.where(data["hidden"], SUPPRESSED, data["count"])
    data["detail"] = np.where(data["hidden"], "", data["percentage"].map("{:.0f}%".format))
    data["dark"] = data["percentage"].fillna(0) > 50
    groups = list(dict.fromkeys(data["group"]))
    x = alt.X("risk_level:N", title="Triage risk level", scale=alt.Scale(domain=list(RISK_LEVELS)),
              axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("group:N", title=None, scale=alt.Scale(domain=groups), axis=alt.Axis(labelLimit=220))
    cells = alt.Chart(data[~data["hidden"]]).mark_rect(stroke="white").encode(
        x=x, y=y, color=alt.Color("percentage:Q", title="% of the group's cases",
                                  scale=alt.Scale(domain=[0, 100], range=["#DCE8F5", NHS_DARK_BLUE])))
    pale = alt.Chart(data[data["hidden"]]).mark_rect(color=NHS_PALE_GREY, stroke="white").encode(x=x, y=y)
    text_colour = alt.condition("datum.dark", alt.value("white"), alt.value(NHS_DARK_GREY))
    counts = alt.Chart(data).mark_text(baseline="bottom", dy=-1, fontWeight="bold").encode(
        x=x, y=y, text="label:N", color=text_colour)
    detail = alt.Chart(data).mark_text(baseline="top", dy=2, fontSize=10).encode(
        x=x, y=y, text="detail:N", color=text_colour)
    description = (
        f"Heat map of the triage risk level (columns: {', '.join(RISK_LEVELS)}) for each group (rows), concern "
        f"domain: {domain}; shading is the percentage of the group's cases at that level and each cell gives the "
        "number of cases." + (f" {int(data['hidden'].sum())} cell(s) not published, shown as *."
                              if data["hidden"].any() else "")
    )
    chart = alt.layer(cells, pale, counts, detail).properties(width=WIDTH, height=44 * len(groups))
    notes = [f"* cells: {reason}" for reason in data.loc[data["hidden"], "reason"]]
    return styled(_with_footnote(chart, notes), title, description)
