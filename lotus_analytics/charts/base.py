"""The NHS chart style shared by every chart (colours, fonts, title and description) and SVG rendering."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd
import vl_convert as vlc

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
FONT = "Arial, Helvetica, sans-serif"
WIDTH = 400
# The Vega-Lite version Altair writes, as vl-convert names it ("v6.4.1" -> "6.4").
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def styled(chart: alt.TopLevelMixin, title: str, description: str) -> alt.TopLevelMixin:
    """Apply the NHS look (Arial, dark grey text, no chart border) plus title and description.

    One `properties` call (each Altair setter deep-copies the chart and its data: five of them cost
    about 0.2 s on a chart of a few hundred points, which a dashboard redraw cannot spare).
    """
    config = alt.Config(
        font=FONT, view=alt.ViewConfig(stroke=None),
        axis=alt.AxisConfig(labelFontSize=12, titleFontSize=13, labelColor=NHS_DARK_GREY, titleColor=NHS_DARK_GREY,
                            gridColor=NHS_PALE_GREY),
        legend=alt.LegendConfig(labelFontSize=12, titleFontSize=13, orient="bottom"),
    )
    return chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=16, color=NHS_DARK_BLUE),
                            description=description, config=config)


def numeric(column: pd.Series) -> pd.Series:
    """Published values as numbers; suppressed cells ("*") and blanks become NaN (not drawn)."""
    return pd.to_numeric(column, errors="coerce")


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to a standalone SVG (vl-convert: no JavaScript, no network).

    The chart's description becomes the SVG's accessible name (role="img", aria-label).
    """
    spec = chart.to_dict(validate=False)  # schema validation costs ~0.15 s a chart; tests validate every builder
    svg = vlc.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
    label = html.escape(spec.get("description", ""), quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
