"""The timeliness figures (issue 3) of the report and the dashboard, drawn from published tables.

SPC figures carry the Making Data Count icons beside the title and a one-line reading. Icons and the
reading come from the published table: when the latest month is hidden by disclosure control, they
are not shown (its variation rests on fewer cases than may be published).
"""

from __future__ import annotations

import html
from typing import Sequence

import pandas as pd

from lotus_analytics import charts, spc
from lotus_analytics.charts.equity import km_chart
from lotus_analytics.charts.spc import assurance_icon_svg, variation_icon_svg
from lotus_analytics.config import Disclosure
from lotus_analytics.disclosure import SUPPRESSED
from lotus_analytics.open_cases import AGE_BANDS
from lotus_analytics.reports.figures import labelled
from lotus_analytics.reports.html import figure_html, table_html
from lotus_analytics.reports.timeliness_tables import SPC_SERIES, TITLES, SpcSeries

NOT_SUPPLIED = "<p>Not supplied: the extract has no {table} table.</p>"
SPC_CAPTION = ("Grey points: common cause variation; blue: special cause improvement; orange: special cause "
               "concern; purple: special cause, neither better nor worse. Icons: Making Data Count variation "
               "and assurance (against the target).")
HEADLINE_COLUMNS = {
    "measure": "Measure", "stage": "Stage", "unit": "Unit", "target": "Target",
    "n_this": "This quarter: n", "median_this": "Median", "p90_this": "90th percentile", "pct_this": "% within target",
    "n_last": "Same quarter last year: n", "median_last": "Median ", "p90_last": "90th percentile ",
    "pct_last": "% within target ",
}
GROUP_COLUMNS = {"measure": "Measure", "grouping": "By", "group": "Group", "n": "n", "median": "Median",
                 "p90": "90th percentile", "pct_within_target": "% within target", "still_waiting": "Waiting at end"}
KM_COLUMNS = {
    "n": "Cases", "closed": "Closed", "censored": "Still open", "median_days": "Median days to closure",
    "median_lower": "Lower", "median_upper": "Upper", "at_risk_median": "At risk at the median",
    "pct_closed_90d": "% closed within 90 days", "pct_closed_180d": "% closed within 180 days",
    "pct_closed_365d": "% closed within 365 days", "at_risk_365d": "At risk at 365 days",
}
AGE_COLUMNS = {"open_cases": "Open cases", **{column: label for column, _, label in AGE_BANDS}}
GAP_COLUMNS = {"open_cases": "Open cases", "over_target": "Longest gap over target",
               "pct_over_target": "% over target", "median_gap_days": "Median longest gap (days)"}
GAP_CASE_COLUMNS = {"case_id": "Case", "icb_code": "ICB", "profession": "Profession", "risk_level": "Risk level",
                    "gap_days": "Longest gap (days)", "days_since_contact": "Days since last contact"}


def _result(table: pd.DataFrame) -> pd.DataFrame:
    """A published SPC table as an `spc.xmr`-like result indexed by month (hidden values become NaN)."""
    return table.assign(value=charts.numeric(table["value"])).set_index(
        pd.DatetimeIndex(pd.to_datetime(table["period"] + "-01"), name="month"))


def _icons(result: pd.DataFrame, spec: SpcSeries) -> str:
    found = spc.icons(result, spec.improvement_direction)
    shown = variation_icon_svg(found.variation)
    return shown + (assurance_icon_svg(found.assurance) if found.assurance else "")


def spc_figure(table: pd.DataFrame, name: str, *, disclosure: Disclosure, spec: SpcSeries | None = None,
               title: str | None = None) -> str:
    """One SPC series: icons beside the title, the reading, the XmR chart and its table view.

    `spec` and `title` default to the timeliness series `name`; other families pass their own series.
    """
    spec, title = spec or SPC_SERIES[name], title or TITLES[name]
    if len(table) < 2:
        return f"<h3>{html.escape(title)}</h3><p>Too few months with data for a chart in this view.</p>"
    result = _result(table)
    latest_hidden = table["point_type"].iloc[-1] == SUPPRESSED
    if latest_hidden:
        icons = ""
        reading = (f"The latest month ({spc.point_labels(result.index)[-1]}) rests on fewer than "
                   f"{disclosure.suppress_max + 1} cases, so its value and variation are not shown.")
    else:  # read from the months whose variation is published
        shown = result[result["point_type"] != SUPPRESSED]
        icons = _icons(shown, spec)
        reading = spc.describe(shown, spec.improvement_direction, what=spec.what, unit=spec.unit)
    chart = charts.spc_chart(result, title=title, y_title=spec.title.split(": ")[-1].capitalize(),
                             improvement_direction=spec.improvement_direction, unit=spec.unit, reading=reading)
    view = charts.spc_table(result.assign(value=table["value"].to_numpy()), value_label=spec.unit.capitalize())
    head = (f"<div class='lotus-spc-head'><h3>{html.escape(title)}</h3><span class='lotus-icons'>{icons}</span></div>"
            f"<p class='lotus-reading'>{html.escape(reading)}</p>")
    caption = (f"XmR chart, {len(table)} months; dashed lines: process limits; solid black line: mean. "
               f"{SPC_CAPTION}")
    table_view = (f"<details class='lotus-details'><summary>Table view: {html.escape(title)}</summary>"
                  f"{table_html(view, title, disclosure=disclosure)}</details>")
    return head + figure_html(charts.to_svg(chart), caption, table_view)


def headline_table(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    """T1-T4 this quarter against the same quarter last year and the target."""
    shown = table[[c for c in HEADLINE_COLUMNS if c in table.columns]]
    return table_html(shown, TITLES["timeliness_headline"], disclosure=disclosure, headers=HEADLINE_COLUMNS)


def by_group_table(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    """T1-T4 this quarter per ICB, profession and risk level (folded away: it is long)."""
    shown = labelled(table)[[c for c in GROUP_COLUMNS if c in table.columns]]
    return (f"<details class='lotus-details'><summary>{html.escape(TITLES['timeliness_by_group'])}</summary>"
            f"{table_html(shown, TITLES['timeliness_by_group'], disclosure=disclosure, headers=GROUP_COLUMNS)}</details>")


def closure_figure(summary: pd.DataFrame, curve: pd.DataFrame, *, window: str, disclosure: Disclosure) -> str:
    """Kaplan-Meier curve of time to closure with the median, % closed within N days and numbers at risk."""
    chart = km_chart(curve, title=TITLES["closure_km_curve"],
                     hidden_note=f"fewer than {disclosure.suppress_max + 1} cases still followed")
    caption = (f"Cases received {window}, followed to the end of the quarter; cases still open are censored "
               "(Kaplan-Meier), so the median is not understated by leaving out the long waits.")
    table = table_html(summary[[c for c in KM_COLUMNS if c in summary.columns]], TITLES["closure_km"],
                       disclosure=disclosure, headers=KM_COLUMNS)
    return figure_html(charts.to_svg(chart), caption, table)


def ages_table(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    """T5: open cases at the quarter end by age band."""
    return table_html(table[list(AGE_COLUMNS)], TITLES["open_case_ages"], disclosure=disclosure, headers=AGE_COLUMNS)


def contact_tables(tables: dict[str, pd.DataFrame], *, target_days: int, disclosure: Disclosure) -> str:
    """T6 counts (and, in internal mode only, the list of cases over the target), or "not supplied"."""
    if "contact_gaps" not in tables:
        return NOT_SUPPLIED.format(table="updates")
    title = f"{TITLES['contact_gaps']} (target: no gap over {target_days} days)"
    out = table_html(tables["contact_gaps"][list(GAP_COLUMNS)], title, disclosure=disclosure, headers=GAP_COLUMNS)
    if "contact_gap_cases" in tables:
        cases = tables["contact_gap_cases"]
        out += table_html(cases[[c for c in GAP_CASE_COLUMNS if c in cases.columns]], TITLES["contact_gap_cases"],
                          disclosure=disclosure, headers=GAP_CASE_COLUMNS)
    return out


TIMELINESS_HEADINGS = ("Headline", "Statistical process control", "Time to closure", "Open cases")


def timeliness_html(tables: dict[str, pd.DataFrame], *, window: str, target_gap_days: int, disclosure: Disclosure,
                    series: Sequence[str] = tuple(SPC_SERIES)) -> dict[str, str]:
    """The timeliness section's parts by heading (shared by the report and the dashboard page, which
    shows one SPC `series` at a time)."""
    return {
        "Headline": headline_table(tables["timeliness_headline"], disclosure=disclosure)
        + (by_group_table(tables["timeliness_by_group"], disclosure=disclosure) if "timeliness_by_group" in tables
           else ""),
        "Statistical process control": "".join(spc_figure(tables[name], name, disclosure=disclosure)
                                               for name in series),
        "Time to closure": closure_figure(tables["closure_km"], tables["closure_km_curve"], window=window,
                                          disclosure=disclosure),
        "Open cases": ages_table(tables["open_case_ages"], disclosure=disclosure)
        + contact_tables(tables, target_days=target_gap_days, disclosure=disclosure),
    }
