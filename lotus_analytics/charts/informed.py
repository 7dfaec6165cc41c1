"""Charts of keeping the practitioner informed: shares by quarter with their Wilson intervals.

Draws published tables: a share that is not published ("*") is not drawn, breaks its line, and is named
in the description. The comparisons with the reference group reuse `charts.equity.cascade_chart`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from lotus_analytics.charts.base import NHS_BLUE, NHS_DARK_GREY, NHS_MID_GREY, WIDTH, numeric, styled

SERIES_COLOURS = [NHS_BLUE, NHS_MID_GREY, NHS_DARK_GREY]


def share_chart(table: pd.DataFrame, *, series: str | None, title: str, y_title: str, what: str,
                confidence: float = 0.95) -> alt.TopLevelMixin:
    """Percentage per quarter (one line per `series` value, or one line) with its interval as error bars.

    Columns: quarter, pct, pct_lower, pct_upper (0-100, "*" where not published), and `series` when given.
    `what` says in words what the percentage is, for the description.
    """
    data = pd.DataFrame({"quarter": table["quarter"].astype(str),
                         "line": table[series].astype(str) if series else y_title,
                         "pct": numeric(table["pct"]), "low": numeric(table["pct_lower"]),
                         "high": numeric(table["pct_upper"])})
    quarters = list(dict.fromkeys(data["quarter"]))
    lines = list(dict.fromkeys(data["line"]))
    x = alt.X("quarter:O", title=None, scale=alt.Scale(domain=quarters), axis=alt.Axis(labelAngle=-45))
    y_scale = alt.Scale(domain=[0, 100])
    colour = alt.Color("line:N", title=None, scale=alt.Scale(domain=lines, range=SERIES_COLOURS[:len(lines)]),
                       legend=alt.Legend() if series else None)
    bars = alt.Chart(data).mark_rule(strokeWidth=1.5, opacity=0.6).encode(
        x=x, y=alt.Y("low:Q", scale=y_scale), y2="high:Q", color=colour)
    line = alt.Chart(data).mark_line(point=True, strokeWidth=2.5, invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("pct:Q", scale=y_scale, title=y_title), color=colour)
    hidden = data[data["pct"].isna()]
    description = (
        f"Line chart of {what} by quarter from {quarters[0]} to {quarters[-1]}"
        + (f" ({' and '.join(lines)})" if series else "")
        + f", each point with its {confidence:.0%} interval drawn as a vertical bar, on a scale of 0 to 100 percent."
        + (f" Not shown (too few cases): {', '.join(hidden['line'] + ' ' + hidden['quarter']) if series else ', '.join(hidden['quarter'])}."
           if len(hidden) else "")
    )
    return styled(alt.layer(bars, line).properties(width=WIDTH, height=220), title, description)
