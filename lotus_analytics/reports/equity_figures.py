"""The equity figures (issue 4) of the report and the dashboard, drawn from published tables.

The headline names the largest credible gap: of the published ratios whose whole interval lies outside
the no-adverse-impact band, the one whose interval bound nearest to 1 lies furthest from it; beside it,
the power of the method at North West volume from the validation study (docs/validation.md).
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from lotus_analytics import charts
from lotus_analytics.charts.equity import cascade_chart, funnel_chart, heatmap_chart, km_chart, trend_chart
from lotus_analytics.config import Disclosure, Inequalities
from lotus_analytics.disclosure import SUPPRESSED
from lotus_analytics.reports.equity_tables import TITLES
from lotus_analytics.reports.figures import LIKELIHOOD_COLUMNS, labelled, likelihood_figure, p_value
from lotus_analytics.reports.html import figure_html, table_html
from lotus_analytics.schema import display_label

FLAGGED = ("higher", "lower")
VALIDATION_FILE = "validation_summary.json"
PROGRESSION_COLUMNS = {
    "transition": "Stage", "group": "Group", "from_n": "Reached the stage", "to_n": "Went on", "pending": "Still waiting",
    "proportion": "Proportion", "lower": "Lower", "upper": "Upper", "ratio": "Ratio to reference",
    "ratio_lower": "Ratio lower", "ratio_upper": "Ratio upper", "fisher_p": "Fisher exact p", "verdict": "Verdict",
}
RISK_COLUMNS = {"domain": "Concern domain", "group": "Group", "low": "Low", "moderate": "Moderate", "high": "High",
                "extreme": "Extreme", "total": "Total", "pct_high": "% high", "pct_extreme": "% extreme"}
ASSOCIATION_COLUMNS = {"group": "Group", "reference": "Reference", "n": "Cases", "high_extreme": "High or extreme",
                       "ref_n": "Reference cases", "ref_high_extreme": "Reference high or extreme",
                       "odds_ratio": "Common odds ratio", "lower": "Lower", "upper": "Upper", "p_value": "CMH p",
                       "ordinal_p": "Ordinal p", "verdict": "Verdict"}
CLOSURE_COLUMNS = {"group": "Group", "n": "Cases", "closed": "Closed", "censored": "Still open",
                   "median_days": "Median days to closure", "median_lower": "Lower", "median_upper": "Upper",
                   "pct_closed_180d": "% closed within 180 days", "logrank_p": "Log-rank p"}
STAGE_COLUMNS = {"measure": "Measure", "group": "Group", "n": "n", "median": "Median", "p90": "90th percentile",
                 "unit": "Unit"}
FUNNEL_COLUMNS = {"unit": "ICB", "cases": "Cases", "escalated": "Escalated to investigation",
                  "proportion": "Proportion", "verdict": "Against the funnel limits"}
ISR_COLUMNS = {"unit": "ICB", "cases": "Cases", "observed": "Escalated", "ratio": "Standardised ratio",
               "lower": "Lower", "upper": "Upper", "verdict": "Verdict"}


def validation_summary() -> dict[str, Any]:
    """The headline figures of the validation study shipped with the package (benchmarks/validation)."""
    return json.loads(resources.files("lotus_analytics.reports").joinpath(VALIDATION_FILE).read_text(encoding="utf-8"))


def _shown(table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    shown = labelled(table)
    for column in ("fisher_p", "p_value", "ordinal_p", "logrank_p"):
        if column in shown:
            shown[column] = shown[column].map(p_value)
    return shown[[c for c in columns if c in shown.columns]]


def _hidden(disclosure: Disclosure) -> str:
    return f"fewer than {disclosure.suppress_max + 1} cases"


def largest_gap(entry: pd.DataFrame, progression: pd.DataFrame) -> pd.Series | None:
    """The flagged published ratio whose interval lies furthest from 1 (None: nothing flagged)."""
    rows = [entry.assign(stage="entering the process"),
            progression.rename(columns={"lower": "p_lower", "upper": "p_upper", "ratio_lower": "lower",
                                        "ratio_upper": "upper"}).assign(stage=progression["transition"])]
    found = pd.concat([r[["dimension", "group", "reference", "ratio", "lower", "upper", "verdict", "stage"]]
                       for r in rows], ignore_index=True)
    found = found[found["verdict"].isin(FLAGGED) & (found["ratio"] != SUPPRESSED)]
    if found.empty:
        return None
    lower, upper = found["lower"].astype(float), found["upper"].astype(float)
    distance = np.where(found["verdict"] == "higher", np.log(lower), -np.log(upper))
    return found.iloc[int(np.argmax(distance))]


def headline(entry: pd.DataFrame, progression: pd.DataFrame, *, ineq: Inequalities, window: str) -> str:
    """One plain-English paragraph: the largest credible gap with its interval, and the method's power."""
    gap = largest_gap(entry, progression)
    power = validation_summary()["power"]["ethnic_group_2: Black and minority ethnic"]["flagged"]["proportion"]
    if gap is None:
        text = (f"No relative likelihood is credibly outside {ineq.band[0]:g} to {ineq.band[1]:g} (no adverse "
                f"impact) for cases received {window}.")
    else:
        what = "to enter the process" if gap["stage"] == "entering the process" else f"to go on at {gap['stage']}"
        text = (f"The largest credible gap: {display_label(gap['group'])} practitioners were {float(gap['ratio']):.2f} "
                f"times as likely as {display_label(gap['reference'])} practitioners {what} "
                f"({ineq.confidence:.0%} interval {float(gap['lower']):.2f} to {float(gap['upper']):.2f}; cases "
                f"received {window}).")
    return (f"<p class='lotus-reading'>{html.escape(text)}</p><p class='lotus-note'>At North West volume over two "
            f"years, a relative likelihood of about 2 is flagged in {power:.0%} of validation extracts (docs/"
            "validation.md); a ratio inside the band or with a wide interval is not evidence of no difference.</p>")


def _per_dimension(table: pd.DataFrame, draw) -> str:
    return "".join(draw(dimension, rows) for dimension, rows in table.groupby("dimension", sort=False))


def trend_figures(table: pd.DataFrame, *, band: tuple[float, float], disclosure: Disclosure) -> str:
    def draw(dimension: str, rows: pd.DataFrame) -> str:
        shown = labelled(rows[rows["verdict"] != "reference"])
        title = f"{TITLES['equity_trend']}: {display_label(dimension)}"
        chart = trend_chart(shown, title=title, band=band, hidden_note=_hidden(disclosure))
        table_view = table_html(_shown(rows, {"quarter": "Quarter", **LIKELIHOOD_COLUMNS}), title,
                                disclosure=disclosure, headers={"quarter": "Quarter", **LIKELIHOOD_COLUMNS})
        return figure_html(charts.to_svg(chart), "Each point is the two-year window ending with that quarter.",
                           f"<details class='lotus-details'><summary>Table view</summary>{table_view}</details>")
    return _per_dimension(table, draw)


def cascade_figures(table: pd.DataFrame, *, band: tuple[float, float], disclosure: Disclosure) -> str:
    def draw(dimension: str, rows: pd.DataFrame) -> str:
        title = f"{TITLES['equity_progression']}: {display_label(dimension)}"
        chart = cascade_chart(labelled(rows[rows["verdict"] != "reference"]), title=title, band=band,
                              hidden_note=_hidden(disclosure))
        return figure_html(charts.to_svg(chart), "Where the gap opens: each stage's ratio to the reference group.",
                           table_html(_shown(rows, PROGRESSION_COLUMNS), title, disclosure=disclosure,
                                      headers=PROGRESSION_COLUMNS))
    return _per_dimension(table, draw)


def consistency_figures(levels: pd.DataFrame, association: pd.DataFrame, *, disclosure: Disclosure) -> str:
    def draw(dimension: str, rows: pd.DataFrame) -> str:
        title = f"{TITLES['equity_risk_levels']}: {display_label(dimension)}"
        chart = heatmap_chart(labelled(rows), title=title, hidden_note=_hidden(disclosure))
        tested = association[association["dimension"] == dimension]
        return figure_html(charts.to_svg(chart), "All concern domains together; the table gives each domain.",
                           table_html(_shown(tested, ASSOCIATION_COLUMNS), TITLES["equity_risk_association"],
                                      disclosure=disclosure, headers=ASSOCIATION_COLUMNS)
                           + f"<details class='lotus-details'><summary>By concern domain</summary>"
                           f"{table_html(_shown(rows, RISK_COLUMNS), title, disclosure=disclosure, headers=RISK_COLUMNS)}"
                           "</details>")
    return _per_dimension(levels, draw)


def waiting_figures(closure: pd.DataFrame, curve: pd.DataFrame, stage_times: pd.DataFrame, *,
                    disclosure: Disclosure) -> str:
    def draw(dimension: str, rows: pd.DataFrame) -> str:
        title = f"{TITLES['equity_closure_curve']}: {display_label(dimension)}"
        chart = km_chart(labelled(curve[curve["dimension"] == dimension]), title=title, hidden_note=_hidden(disclosure))
        times = stage_times[stage_times["dimension"] == dimension]
        tables = (table_html(_shown(rows, CLOSURE_COLUMNS), TITLES["equity_closure"], disclosure=disclosure,
                             headers=CLOSURE_COLUMNS)
                  + table_html(_shown(times, STAGE_COLUMNS), TITLES["equity_stage_times"], disclosure=disclosure,
                               headers=STAGE_COLUMNS))
        return figure_html(charts.to_svg(chart), "Cases still open are censored; the log-rank test compares the "
                           "stated groups.", tables)
    return _per_dimension(closure, draw)


def organisation_figures(funnel: pd.DataFrame, curve: pd.DataFrame, isr: pd.DataFrame, *,
                         disclosure: Disclosure) -> str:
    chart = funnel_chart(funnel, curve, title=TITLES["equity_funnel"], hidden_note=_hidden(disclosure))
    tables = (table_html(_shown(funnel, FUNNEL_COLUMNS), TITLES["equity_funnel"], disclosure=disclosure,
                         headers=FUNNEL_COLUMNS)
              + table_html(_shown(isr, ISR_COLUMNS), TITLES["equity_isr"], disclosure=disclosure, headers=ISR_COLUMNS))
    return figure_html(charts.to_svg(chart), "95% and 99.8% limits around the regional proportion "
                       "(PHEindicatormethods); a unit outside 99.8% is unlikely to differ by chance.", tables)


def equity_html(tables: dict[str, pd.DataFrame], *, ineq: Inequalities, window: str,
                disclosure: Disclosure) -> dict[str, str]:
    """The equity section's parts by heading (shared by the report and the dashboard page)."""
    entry = tables["equity_entry"]
    return {
        "Headline": headline(entry, tables["equity_progression"], ineq=ineq, window=window),
        "Entering the process": likelihood_figure(entry, band=ineq.band, confidence=ineq.confidence, window=window,
                                                  disclosure=disclosure, title=TITLES["equity_entry"])
        + trend_figures(tables["equity_trend"], band=ineq.band, disclosure=disclosure),
        "Progression": cascade_figures(tables["equity_progression"], band=ineq.band, disclosure=disclosure),
        "Triage consistency": consistency_figures(tables["equity_risk_levels"], tables["equity_risk_association"],
                                                  disclosure=disclosure),
        "Waiting": waiting_figures(tables["equity_closure"], tables["equity_closure_curve"],
                                   tables["equity_stage_times"], disclosure=disclosure),
        "Organisations": organisation_figures(tables["equity_funnel"], tables["equity_funnel_curve"],
                                              tables["equity_isr"], disclosure=disclosure),
    }
