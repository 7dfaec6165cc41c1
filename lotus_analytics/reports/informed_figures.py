"""The keeping-informed figures (issue 5 item 3) of the report and the dashboard, drawn from published tables.

Each share is drawn by quarter with its interval and its table beside it; the ICB and profession views
are folded under it. The demographic comparisons show, per dimension, every measure's ratio against the
reference group (`charts.equity.cascade_chart`, one point per group and measure). Without the updates
table the contact figures say "not supplied".
"""

from __future__ import annotations

import html
from typing import Sequence

import pandas as pd

from lotus_analytics import charts
from lotus_analytics.charts.equity import cascade_chart
from lotus_analytics.charts.informed import share_chart
from lotus_analytics.config import Config
from lotus_analytics.disclosure import NOTE_COLUMN, SUPPRESSED
from lotus_analytics.reports.equity_tables import FOCUS
from lotus_analytics.reports.figures import labelled, p_value
from lotus_analytics.reports.html import figure_html, table_html
from lotus_analytics.reports.informed_tables import TITLES
from lotus_analytics.reports.timeliness_figures import NOT_SUPPLIED
from lotus_analytics.schema import DIMENSIONS, display_label

HEADINGS = ("Told the outcome after meetings", "Contact while a case is open", "Support and a named contact",
            "By demographic group")
INTERVAL = ("pct_lower", "Lower"), ("pct_upper", "Upper")
LETTER_COLUMNS = {"quarter": "Quarter", "grouping": "By", "group": "Group", "n": "Letters",
                  "pct_within_target": "% within target", **dict(INTERVAL), "median": "Median (working days)",
                  "p90": "90th percentile", "meeting_not_recorded": "Letters with no meeting recorded (left out)"}
CONTACT_COLUMNS = {"quarter": "Quarter", "grouping": "By", "group": "Group", "open_cases": "Open cases",
                   "over_target": "Longest gap over target", "pct_over_target": "% over target", **dict(INTERVAL),
                   "median_gap_days": "Median longest gap (days)"}
SUPPORT_COLUMNS = {"measure": "Measure", "quarter": "Quarter", "grouping": "By", "group": "Group",
                   "yes": "Yes", "no": "No", "unknown": "Not recorded", "pct_yes": "% yes of recorded",
                   **dict(INTERVAL)}
EQUITY_COLUMNS = {"measure": "Measure", "group": "Group", "count": "Letters or cases", "pct": "%",
                  "ref_pct": "Reference %", "ratio": "Ratio to reference", "lower": "Lower", "upper": "Upper",
                  "fisher_p": "Fisher exact p", "verdict": "Verdict", "adverse_if": "Adverse if"}
# Per equity table: its measure's label on the chart, and its count, percentage and reference percentage columns.
EQUITY_MEASURES = {
    "informed_letters_equity": ("Informed within target", "n", "pct_within_target", "ref_pct_within_target"),
    "informed_contact_equity": ("Longest gap over target", "open_cases", "pct_over_target", "ref_pct_over_target"),
    "informed_support_equity": (None, "known", "pct_yes", "ref_pct_yes"),  # None: the table's own measure column
}


def _shown(table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    return labelled(table)[[c for c in columns if c in table.columns]]


def _trend(table: pd.DataFrame, pct: str, *, title: str, y_title: str, what: str, caption: str, headers: dict[str, str],
           config: Config, series: str | None = None) -> str:
    """A share by quarter: the chart with its table beside it."""
    chart = share_chart(table.assign(pct=table[pct]), series=series, title=title, y_title=y_title, what=what,
                        confidence=config.inequalities.confidence)
    return figure_html(charts.to_svg(chart), caption,
                       table_html(_shown(table, headers), title, disclosure=config.disclosure, headers=headers))


def _folded(table: pd.DataFrame, title: str, headers: dict[str, str], config: Config) -> str:
    return (f"<details class='lotus-details'><summary>{html.escape(title)}</summary>"
            f"{table_html(_shown(table, headers), title, disclosure=config.disclosure, headers=headers)}</details>")


def letters_html(tables: dict[str, pd.DataFrame], *, config: Config) -> str:
    """Share told the outcome within target after each PAG or decision-panel meeting, by quarter; ICB and profession."""
    table, target = tables["informed_letters_by_quarter"], config.targets.inform_working_days
    from_cases = (table["source"] == "cases").any()
    source = ("From the cases (the extract has no updates table): the decision on the outcome to the practitioner "
              "being told it." if from_cases else
              "From the outcome letters of PAG, decision-panel and hearing meetings (triage meetings left out).")
    caption = (f"{source} Working days after the meeting up to the day sent; within target: at most {target}. "
               "Bars: confidence interval of each share.")
    name = "informed_letters_by_quarter"
    return (_trend(table, "pct_within_target", title=TITLES[name], y_title="% informed within target",
                   what=f"the percentage of practitioners told a meeting's outcome within {target} working days",
                   caption=caption, headers=LETTER_COLUMNS, config=config)
            + _folded(tables["informed_letters_by_group"], TITLES["informed_letters_by_group"], LETTER_COLUMNS, config))


def contact_html(tables: dict[str, pd.DataFrame], *, config: Config) -> str:
    """Share of open cases with a gap without contact over the target at each quarter end, or "not supplied"."""
    if "informed_contact_by_quarter" not in tables:
        return NOT_SUPPLIED.format(table="updates")
    target = config.targets.contact_gap_calendar_days
    caption = (f"Open cases at each quarter's end whose longest gap without contact (receipt, every update sent, the "
               f"quarter end) is more than {target} calendar days. Bars: confidence interval of each share.")
    name = "informed_contact_by_quarter"
    return (_trend(tables[name], "pct_over_target", title=TITLES[name], y_title="% of open cases over target",
                   what=f"the percentage of open cases with a gap without contact of more than {target} days",
                   caption=caption, headers=CONTACT_COLUMNS, config=config)
            + _folded(tables["informed_contact_by_group"], TITLES["informed_contact_by_group"], CONTACT_COLUMNS, config))


def support_html(tables: dict[str, pd.DataFrame], *, config: Config) -> str:
    """Share of cases with support signposted and with a named contact, by quarter of receipt; ICB and profession."""
    name = "informed_support_by_quarter"
    caption = ("Cases by quarter of receipt. Support signposted: recorded on the case or in any update; shares are "
               "of the cases where it is recorded either way (not recorded is counted apart, never as no). Bars: "
               "confidence interval of each share.")
    return (_trend(tables[name], "pct_yes", title=TITLES[name], y_title="% of cases", series="measure",
                   what="the percentage of cases with support signposted and with a named contact", caption=caption,
                   headers=SUPPORT_COLUMNS, config=config)
            + _folded(tables["informed_support_by_group"], TITLES["informed_support_by_group"], SUPPORT_COLUMNS, config))


def _equity_rows(tables: dict[str, pd.DataFrame], dimension: str) -> pd.DataFrame:
    """One dimension's rows of every equity table present, in common columns (measure, count, pct, ref_pct ...)."""
    frames = []
    for name, (label, count, pct, ref_pct) in EQUITY_MEASURES.items():
        if name not in tables:
            continue
        rows = tables[name][tables[name]["dimension"] == dimension]
        rows = rows.assign(compared=rows["group"].isin(DIMENSIONS[dimension].stated_groups))
        measure = rows["measure"].map(lambda m: str(m).capitalize()) if label is None else label
        frames.append(rows.assign(measure=measure, count=rows[count], pct=rows[pct], ref_pct=rows[ref_pct]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def equity_html(tables: dict[str, pd.DataFrame], *, config: Config, dimensions: Sequence[str] = FOCUS) -> str:
    """Per dimension, each group's ratio to the reference group for every measure, with the table beside it."""
    band, parts = config.inequalities.band, []
    if "informed_contact_equity" not in tables:
        parts.append(NOT_SUPPLIED.format(table="updates").replace("</p>", " (contact gaps by group)</p>"))
    for dimension in dimensions:
        rows = _equity_rows(tables, dimension)
        if rows.empty:
            continue
        shown = labelled(rows)
        reference = shown["reference"].iloc[0]
        title = f"{display_label(dimension)}: each group against {reference}"
        compared = shown[shown["compared"]]
        why = compared["verdict"].astype(str).where(compared["ratio"] != SUPPRESSED,
                                                    f"fewer than {config.disclosure.suppress_max + 1} cases")
        chart = cascade_chart(compared.rename(columns={"measure": "transition"}).assign(**{NOTE_COLUMN: why}),
                              title=title, band=band)
        chart = chart.properties(description=(
            f"Ratios with confidence intervals, each group's share against the {reference} group's, for every "
            f"measure of keeping practitioners informed ({', '.join(dict.fromkeys(shown['measure']))}), on a log "
            f"scale, the band {band[0]:g} to {band[1]:g} shaded and a ratio of 1 marked."))
        caption = (f"Ratio of shares, group ÷ {reference} (its share is the reference % of the table): below the band a group is less often informed within "
                   "target, signposted or given a named contact; above it, more often left without contact for longer "
                   "than the target. Katz intervals; not stated and missing groups are in the table, not compared.")
        view = shown.assign(fisher_p=shown["fisher_p"].map(p_value))
        parts.append(figure_html(charts.to_svg(chart), caption, table_html(
            view[list(EQUITY_COLUMNS)], title, disclosure=config.disclosure, headers=EQUITY_COLUMNS)))
    return "".join(parts)


def informed_html(tables: dict[str, pd.DataFrame], *, config: Config,
                  dimensions: Sequence[str] = FOCUS) -> dict[str, str]:
    """The keeping-informed section's parts by heading, from published tables (report and dashboard page).

    `dimensions`: the demographic dimensions compared (default: the equity section's focus dimensions).
    """
    return dict(zip(HEADINGS, (letters_html(tables, config=config), contact_html(tables, config=config),
                               support_html(tables, config=config),
                               equity_html(tables, config=config, dimensions=dimensions))))
