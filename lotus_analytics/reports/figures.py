"""Each measure as a figure: its chart (static SVG) with its published table beside it.

Used by the report sections and the dashboard alike, so both show the same columns under the same
headings. Inputs are published tables from `reports.tables.published_tables`.
"""

from __future__ import annotations

import pandas as pd

from lotus_analytics import charts
from lotus_analytics.config import Disclosure
from lotus_analytics.lessons import TOTAL
from lotus_analytics.periods import long_date
from lotus_analytics.reports.html import figure_html, table_html
from lotus_analytics.reports.tables import TITLES
from lotus_analytics.schema import display_label

HEADINGS = {"timeliness": "Timeliness: receipt to triage (T1)", "likelihood": "Inequalities: entering the process",
            "actions": "Improvement actions"}
ACTIONS_NOT_SUPPLIED = "<p>Not supplied: the extract has no reviews or actions table.</p>"

T1_COLUMNS = {
    "period": "Period", "n": "Cases triaged", "median": "Median", "p90": "90th percentile",
    "within_target": "Within target", "pct_within_target": "% within target", "still_waiting": "Waiting at end",
}
LIKELIHOOD_COLUMNS = {
    "group": "Group", "reference": "Reference", "events": "Cases", "headcount": "Headcount",
    "ref_events": "Reference cases", "ref_headcount": "Reference headcount", "ratio": "Relative likelihood",
    "lower": "Lower", "upper": "Upper", "fisher_p": "Fisher exact p", "verdict": "Verdict",
}
ACTIONS_COLUMNS = {
    "system_level": "System level", "raised": "Raised", "open": "Open", "overdue": "Overdue",
    "done": "Done", "dropped": "Dropped",
}
NOT_STATED_COLUMNS = {
    "dimension": "Dimension", "source": "Source", "value": "Code", "count": "Not stated", "total": "Total",
    "percent": "% not stated",
}


LABELLED = ("group", "reference", "dimension", "value")


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """Codes and dimension names as readers know them ("uk" -> "UK qualified")."""
    return table.assign(**{c: table[c].map(display_label) for c in LABELLED if c in table.columns})


def p_value(value: object) -> object:
    """A p-value as it is usually printed: three decimals, or "<0.001"."""
    if isinstance(value, float) and not pd.isna(value):
        return "<0.001" if value < 0.001 else f"{value:.3f}"
    return value


def _shown(table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    return table[[c for c in columns if c in table.columns]]


def timeliness_figure(
    table: pd.DataFrame, *, period_kind: str, target: int, title: str, disclosure: Disclosure
) -> str:
    """T1 median and 90th percentile by period, with the table of n, median, p90 and % within target."""
    chart = charts.timeliness_chart(table, period_kind=period_kind, target=target, title=title)
    caption = (f"Working days from receipt to triage by {period_kind} of triage; dashed line: target of "
               f"{target} working days.")
    return figure_html(charts.to_svg(chart), caption,
                       table_html(_shown(table, T1_COLUMNS), title, disclosure=disclosure, headers=T1_COLUMNS))


def likelihood_figure(
    table: pd.DataFrame, *, band: tuple[float, float], confidence: float, window: str, disclosure: Disclosure,
    title: str = TITLES["entry_likelihood"],
) -> str:
    """Forest plot of relative likelihoods (band shaded, intervals drawn) with counts beside every ratio."""
    table = labelled(table)
    chart = charts.likelihood_chart(table, band=band, title=title,
                                    hidden_note=f"fewer than {disclosure.suppress_max + 1} cases")
    caption = (f"Cases received {window} per headcount, each group against its reference group; "
               f"{confidence:.0%} log-Poisson rate-ratio intervals; shaded: {band[0]:g} to {band[1]:g} (no adverse impact).")
    shown = table.assign(fisher_p=table["fisher_p"].map(p_value))
    return figure_html(charts.to_svg(chart), caption,
                       table_html(_shown(shown, LIKELIHOOD_COLUMNS), title, disclosure=disclosure,
                                  headers=LIKELIHOOD_COLUMNS))


def not_stated_table(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    """Share of cases and headcount whose ethnicity or place of qualification is not stated, in percent."""
    share = charts.numeric(table["share"])
    shown = labelled(table).assign(percent=(100 * share).astype(object).where(share.notna(), table["share"]))
    return table_html(_shown(shown, NOT_STATED_COLUMNS), "Not stated (data quality): cases and headcount in the window",
                      disclosure=disclosure, headers=NOT_STATED_COLUMNS)


def actions_figure(table: pd.DataFrame | None, *, as_of: pd.Timestamp, disclosure: Disclosure) -> str:
    """Overdue improvement actions by system level (bar chart without the total row, table with it).

    `table` is None when the extract supplied no reviews or actions: the figure says so instead.
    """
    if table is None:
        return ACTIONS_NOT_SUPPLIED
    title = f"Improvement actions overdue at {long_date(as_of)}"
    levels = table[table["system_level"] != TOTAL]
    chart = charts.overdue_chart(levels, level="system_level", title=title)
    caption = "Overdue: open or in progress at the end of the quarter and past their due date."
    shown = table_html(_shown(table, ACTIONS_COLUMNS), title, disclosure=disclosure, headers=ACTIONS_COLUMNS)
    return figure_html(charts.to_svg(chart), caption, shown)
