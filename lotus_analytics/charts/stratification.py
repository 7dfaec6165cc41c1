"""Charts of triage and risk stratification (Appendix 2): count heat maps (the risk matrix, levels by
domain, source and outcome) and the share of cases with immediate action by quarter.

Like every chart here they draw published tables: a cell shown as "*" is drawn pale with "*" and not
shaded, and the description says how many cells are not published.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from lotus_analytics.charts.base import NHS_BLUE, NHS_DARK_BLUE, NHS_DARK_GREY, NHS_PALE_GREY, WIDTH, numeric, styled
from lotus_analytics.disclosure import SUPPRESSED

# Risk band outlines (NHS identity green, warm yellow, orange, red), in schema.RISK_LEVELS order.
BAND_COLOURS = {"low": "#009639", "moderate": "#FFB81C", "high": "#ED8B00", "extreme": "#DA291C"}
CELL_HEIGHT = 40


def heatmap(cells: pd.DataFrame, *, title: str, description: str, x_title: str, x_order: list[str],
            y_order: list[str], shade_title: str, outline: bool = False) -> alt.TopLevelMixin:
    """A grid of labelled cells shaded by a value.

    `cells`: one row per cell with x, y (category labels), label (the published count or "*"), detail
    (smaller second line, may be empty) and shade (the number that colours the cell; NaN when hidden or
    not applicable). With `outline`, a `band` column names each cell's risk band: the cell is outlined in
    the band's colour (legend below) and the band is the detail line when none is given.
    """
    data = cells.assign(hidden=cells["label"].astype(str).eq(SUPPRESSED) | cells["shade"].isna())
    top = float(np.nanmax(data["shade"])) if data["shade"].notna().any() else 1.0
    data["dark"] = data["shade"].fillna(0) > top / 2
    x = alt.X("x:N", title=x_title, scale=alt.Scale(domain=x_order), axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("y:N", title=None, scale=alt.Scale(domain=y_order), axis=alt.Axis(labelLimit=200))
    fill = alt.Chart(data[~data["hidden"]]).mark_rect().encode(
        x=x, y=y, color=alt.Color("shade:Q", title=shade_title, scale=alt.Scale(domain=[0, top or 1],
                                                                                 range=["#DCE8F5", NHS_DARK_BLUE])))
    pale = alt.Chart(data[data["hidden"]]).mark_rect(color=NHS_PALE_GREY).encode(x=x, y=y)
    layers = [fill, pale]
    if outline:
        bands = data[data["band"].astype(str) != ""]
        colours = alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values()))
        layers.append(alt.Chart(bands).mark_rect(fillOpacity=0, strokeWidth=3).encode(
            x=x, y=y, stroke=alt.Stroke("band:N", title="Configured risk band", scale=colours)))
    text_colour = alt.condition("datum.dark", alt.value("white"), alt.value(NHS_DARK_GREY))
    layers.append(alt.Chart(data).mark_text(baseline="bottom", dy=-1, fontWeight="bold").encode(
        x=x, y=y, text="label:N", color=text_colour))
    layers.append(alt.Chart(data).mark_text(baseline="top", dy=2, fontSize=10).encode(
        x=x, y=y, text="detail:N", color=text_colour))
    hidden = int(data["label"].astype(str).eq(SUPPRESSED).sum())
    described = description + (f" {hidden} cell(s) not published, shown as *." if hidden else "")
    chart = alt.layer(*layers).properties(width=max(WIDTH, 84 * len(x_order)), height=CELL_HEIGHT * len(y_order))
    return styled(chart, title, described)


def share_chart(table: pd.DataFrame, *, title: str, what: str, confidence: float = 0.95) -> alt.TopLevelMixin:
    """Share (0-100) by period with its interval: table columns period, share, lower, upper (published:
    a hidden share is "*" and is not drawn; the description names the periods not shown)."""
    data = pd.DataFrame({"period": table["period"].astype(str), "share": numeric(table["share"]),
                         "lower": numeric(table["lower"]), "upper": numeric(table["upper"])})
    x = alt.X("period:O", title=None, scale=alt.Scale(domain=list(data["period"])), axis=alt.Axis(labelAngle=-45))
    y = alt.Y("share:Q", title="% of triaged cases", scale=alt.Scale(domainMin=0))
    interval = alt.Chart(data).mark_rule(color=NHS_BLUE, strokeWidth=2).encode(x=x, y=alt.Y("lower:Q"), y2="upper:Q")
    point = alt.Chart(data).mark_point(filled=True, size=70, color=NHS_DARK_BLUE).encode(x=x, y=y)
    missing = list(data.loc[data["share"].isna(), "period"])
    description = (f"Dot chart of the percentage of {what} in each period, with {confidence:.0%} confidence "
                   "intervals as vertical lines."
                   + (f" Not shown (not published or no cases): {', '.join(missing)}." if missing else ""))
    return styled(alt.layer(interval, point).properties(width=WIDTH, height=220), title, description)
