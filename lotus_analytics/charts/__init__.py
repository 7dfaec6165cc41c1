"""Altair charts of the published measures, in an NHS style, rendered to static SVG.

Charts draw *published* tables (after disclosure control): a suppressed cell ("*") is simply not
drawn. Every chart carries a title and a text description (Vega-Lite ``description``, which
vl-convert writes as the SVG's ``aria-label``) for screen readers. Static SVG through vl-convert is
used everywhere (report and dashboard) because the default Altair renderer loads its JavaScript from a
CDN, which NHS networks often cannot reach (STACK_NOTES.md, "Altair offline"). One module per family of
charts; `base` holds the style and the SVG renderer.
"""

from lotus_analytics.charts.base import numeric, styled, to_svg
from lotus_analytics.charts.measures import likelihood_chart, overdue_chart, timeliness_chart
from lotus_analytics.charts.spc import assurance_icon_svg, spc_chart, spc_table, variation_icon_svg

__all__ = ["assurance_icon_svg", "likelihood_chart", "numeric", "overdue_chart", "spc_chart", "spc_table", "styled",
           "timeliness_chart", "to_svg", "variation_icon_svg"]
