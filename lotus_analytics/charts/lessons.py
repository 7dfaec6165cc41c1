"""Charts of the reviews and improvement actions (issue 5 item 2): count heat maps, bar charts and the
theme shares over a range and its two halves.

Each chart draws a published table (after disclosure control): a cell not published ("*") is drawn pale
with "*" in a heat map and left out of a bar chart, and the description says how many are not shown.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from lotus_analytics.charts.base import NHS_BLUE, NHS_DARK_BLUE, NHS_DARK_GREY, NHS_PALE_GREY, WIDTH, numeric, styled
from lotus_analytics.disclosure import SUPPRESSED

ROW_HEIGHT = 24
LABELLED_WIDTH = WIDTH - 140  # plot width beside a column of long row labels: the figure stays within 540 px


def _hidden(column: pd.Series) -> np.ndarray:
    return (column.astype(str) == SUPPRESSED).to_numpy()


def count_heatmap(cells: pd.DataFrame, *, rows: list[str], columns: list[str], title: str, x_title: str,
                  what: str) -> alt.TopLevelMixin:
    """Heat map of published counts: `cells` has one row per cell with `row`, `column` and `count` (a number
    or "*"). `rows` / `columns` give the order (labels as shown); `what` names the counts for the description.
    """
    data = cells.assign(value=numeric(cells["count"]), hidden=_hidden(cells["count"]))
    data["label"] = np.where(data["hidden"], SUPPRESSED, data["value"].map(lambda v: "" if pd.isna(v) else f"{v:g}"))
    top = float(data["value"].max()) if data["value"].notna().any() else 1.0
    data["dark"] = data["value"].fillna(0) > top / 2
    x = alt.X("column:N", title=x_title, scale=alt.Scale(domain=columns), axis=alt.Axis(labelAngle=-45, orient="top"))
    y = alt.Y("row:N", title=None, scale=alt.Scale(domain=rows), axis=alt.Axis(labelLimit=240))
    shaded = alt.Chart(data[~data["hidden"]]).mark_rect(stroke="white").encode(
        x=x, y=y, color=alt.Color("value:Q", title="Count",
                                  scale=alt.Scale(domain=[0, max(top, 1.0)], range=["#F0F4F5", NHS_DARK_BLUE])))
    pale = alt.Chart(data[data["hidden"]]).mark_rect(color=NHS_PALE_GREY, stroke="white").encode(x=x, y=y)
    text = alt.Chart(data).mark_text(fontSize=11).encode(
        x=x, y=y, text="label:N", color=alt.condition("datum.dark", alt.value("white"), alt.value(NHS_DARK_GREY)))
    n_hidden = int(data["hidden"].sum())
    description = (f"Heat map of {what}: rows {', '.join(rows)}; columns {', '.join(columns)}; darker cells are larger "
                   "counts and each cell gives the count."
                   + (f" {n_hidden} cell(s) not published (disclosure control), shown as *." if n_hidden else ""))
    chart = alt.layer(shaded, pale, text).properties(width=min(WIDTH, 36 * len(columns) + 40),
                                                     height=ROW_HEIGHT * len(rows))
    return styled(chart, title, description)


def bar_chart(table: pd.DataFrame, *, label: str, value: str, title: str, x_title: str, what: str,
              percent: bool = False) -> alt.TopLevelMixin:
    """Horizontal bars of a published column `value` by `label` (in table order); "*" values are not drawn
    and are listed in the description. `percent` puts the axis on 0-100."""
    data = pd.DataFrame({"label": table[label].astype(str).to_numpy(), "value": numeric(table[value]).to_numpy(),
                         "hidden": _hidden(table[value])})
    y = alt.Y("label:N", title=None, scale=alt.Scale(domain=list(data["label"])), axis=alt.Axis(labelLimit=260))
    scale = alt.Scale(domain=[0, 100]) if percent else alt.Scale()
    bars = alt.Chart(data[data["value"].notna()]).mark_bar(color=NHS_BLUE).encode(
        x=alt.X("value:Q", title=x_title, scale=scale, axis=alt.Axis(tickMinStep=1)), y=y)
    notes = data[data["hidden"]].assign(at=0, note="* not shown (disclosure control)")
    not_shown = alt.Chart(notes).mark_text(align="left", dx=4, color=NHS_DARK_GREY, fontStyle="italic").encode(
        x="at:Q", y=y, text="note:N")
    hidden = list(data.loc[data["hidden"], "label"])
    description = (f"Bar chart of {what}, one bar for each of {len(data)} rows."
                   + (f" Not shown (disclosure control): {', '.join(hidden)}." if hidden else ""))
    return styled((bars + not_shown).properties(width=LABELLED_WIDTH, height=ROW_HEIGHT * max(len(data), 2)), title,
                  description)


HALF_COLOURS = {"First half": NHS_DARK_GREY, "Second half": NHS_BLUE}


def halves_chart(shares: pd.DataFrame, *, rows: list[str], title: str, what: str,
                 confidence: float = 0.95) -> alt.TopLevelMixin:
    """Share of each row (a theme) over the whole range as a pale bar, and over the first and second half as
    dots with their intervals side by side. `shares` has one row per row x part with `row`, `part` ("Whole
    range", "First half", "Second half"), `pct`, `low`, `high` (0-100 or "*"); `rows` gives the order."""
    data = shares.assign(value=numeric(shares["pct"]), lower=numeric(shares["low"]), upper=numeric(shares["high"]),
                         hidden=_hidden(shares["pct"]))
    y = alt.Y("row:N", title=None, scale=alt.Scale(domain=rows), axis=alt.Axis(labelLimit=240))
    top = float(np.nanmax([data["upper"].max(), data["value"].max(), 10.0]))
    x_scale = alt.Scale(domain=[0, min(100.0, 10 * np.ceil(top / 10))])
    whole = data[data["part"] == "Whole range"]
    halves = data[(data["part"] != "Whole range") & data["value"].notna()]
    colour = alt.Color("part:N", title=None, scale=alt.Scale(domain=list(HALF_COLOURS),
                                                             range=list(HALF_COLOURS.values())))
    offset = alt.YOffset("part:N", scale=alt.Scale(domain=list(HALF_COLOURS), paddingOuter=0.5))
    bars = alt.Chart(whole[whole["value"].notna()]).mark_bar(color=NHS_PALE_GREY, height=ROW_HEIGHT - 6).encode(
        x=alt.X("value:Q", title="% of reviews raising the theme", scale=x_scale), y=y)
    rules = alt.Chart(halves).mark_rule(strokeWidth=1.5).encode(x="lower:Q", x2="upper:Q", y=y, yOffset=offset,
                                                               color=colour)
    dots = alt.Chart(halves).mark_point(filled=True, size=50, opacity=1).encode(x="value:Q", y=y, yOffset=offset,
                                                                               color=colour)
    hidden = data[data["hidden"]]
    stars = alt.Chart(hidden[hidden["part"] == "Whole range"].assign(at=0, note="*")).mark_text(
        align="left", dx=3, color=NHS_DARK_GREY).encode(x="at:Q", y=y, text="note:N")
    not_shown = [f"{row} ({part.lower()})" for row, part in zip(hidden["row"], hidden["part"])]
    description = (
        f"Dot and bar chart of {what} for each of {len(rows)} themes: a pale bar for the whole range, and a grey "
        f"dot (first half) and a blue dot (second half) each with its {confidence:.0%} interval as a horizontal "
        "line; a blue dot to the right of the grey one means the theme was raised by a larger share of reviews "
        "later in the range."
        + (f" Not shown (disclosure control): {', '.join(not_shown)}." if not_shown else ""))
    chart = alt.layer(bars, rules, dots, stars).properties(width=LABELLED_WIDTH, height=ROW_HEIGHT * 1.4 * len(rows))
    return styled(chart, title, description)
