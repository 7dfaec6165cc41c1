"""What each cell of notebooks/quarterly_report.ipynb shows: one function per cell.

`prepare` reads the store and builds the published tables once; every other function takes the
resulting `Report` and returns an HTML display object (or writes the workbook), so the notebook
holds no logic, no constants and no data handling of its own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML

from lotus_analytics.config import Config, load_config
from lotus_analytics.periods import FinancialQuarter, rolling_window
from lotus_analytics.reports.figures import actions_figure, likelihood_figure, not_stated_table, timeliness_figure
from lotus_analytics.reports.html import INTERNAL_NOTE, SUPPRESSION_NOTE, mode_html, table_html
from lotus_analytics.reports.tables import TITLES, Scope, published_tables
from lotus_analytics.reports.xlsx import XLSX_NAME, write_tables_xlsx
from lotus_analytics.schema import CONTRACT_VERSION
from lotus_analytics.store import load_store

MANIFEST_HEADERS = {"table": "Table", "rows_read": "Rows read", "rows_stored": "Rows stored",
                    "rows_quarantined": "Rows quarantined"}


@dataclass(frozen=True)
class Report:
    """One report's scope, configuration, provenance and published tables."""

    scope: Scope
    config: Config
    extract_date: pd.Timestamp
    contract_version: str
    tables: dict[str, pd.DataFrame]

    @property
    def mode(self) -> str:
        return self.config.disclosure.mode

    @property
    def window_label(self) -> str:
        return rolling_window(self.scope.quarter, self.config.inequalities.window_years).label


def _day(ts: pd.Timestamp) -> str:
    return f"{ts:%d %B %Y}".lstrip("0")


def prepare(*, quarter: str, region: str, store: str, disclosure_mode: str, settings: dict[str, Any]) -> Report:
    """Load the store and build every published table of the report (the notebook's first call)."""
    config = load_config(overrides={**settings, "report.disclosure_mode": disclosure_mode})
    data = load_store(Path(store))
    scope = Scope(FinancialQuarter.parse(quarter), region)
    return Report(scope=scope, config=config, extract_date=data.extract_date,
                  contract_version=str(data.manifest.get("contract_version", CONTRACT_VERSION)),
                  tables=published_tables(data, scope, config))


def title_page(report: Report) -> HTML:
    """Title, period, region, extract date and the disclosure mode (internal mode: a red banner first)."""
    q = report.scope.quarter
    banner = mode_html(report.mode) if report.mode == "internal" else ""
    return HTML(
        f"{banner}<h1>LOTUS analytics: quarterly report</h1>"
        f"<p><strong>Region:</strong> {html.escape(report.scope.region)}<br>"
        f"<strong>Period:</strong> {q.label} ({_day(q.start)} to {_day(q.end)})<br>"
        f"<strong>Extract date:</strong> {_day(report.extract_date)}<br>"
        f"<strong>Data contract:</strong> version {html.escape(report.contract_version)}</p>"
        f"{mode_html(report.mode) if report.mode != 'internal' else ''}"
        "<p>Synthetic or anonymised case data only. Figures describe concerns handled by the regional "
        "professional standards team; they are not judgements on any practitioner.</p>"
    )


def data_section(report: Report) -> HTML:
    """The manifest counts: rows read, stored and quarantined per table."""
    counts = report.tables["manifest_counts"][list(MANIFEST_HEADERS)]
    table = table_html(counts, TITLES["manifest_counts"], headers=MANIFEST_HEADERS)
    return HTML(
        "<h2>The data</h2><p>Every row of the extract is either stored for analysis or quarantined with the "
        "rule it broke (rows read = rows stored + rows quarantined). These counts describe records, not "
        "people; in publication mode they are rounded like every other count.</p>" + table
    )


def timeliness_section(report: Report) -> HTML:
    """T1 by month (last 12 months) and by quarter, each as chart and table."""
    target = report.config.targets.triage_working_days
    month = timeliness_figure(report.tables["t1_by_month"], period_kind="month", target=target,
                              title=TITLES["t1_by_month"])
    quarter = timeliness_figure(report.tables["t1_by_quarter"], period_kind="quarter", target=target,
                                title=TITLES["t1_by_quarter"])
    return HTML(f"<h2>Timeliness: receipt to triage (T1)</h2>{month}{quarter}")


def likelihood_section(report: Report) -> HTML:
    """Relative likelihood of entering the process by ethnic group and place of qualification."""
    ineq = report.config.inequalities
    figure = likelihood_figure(report.tables["entry_likelihood"], band=ineq.band, confidence=ineq.confidence,
                               window=report.window_label)
    return HTML(f"<h2>Inequalities: entering the process</h2>{figure}{not_stated_table(report.tables['not_stated'])}")


def actions_section(report: Report) -> HTML:
    """Overdue improvement actions by system level at the quarter end (or why there are none)."""
    if "overdue_actions" not in report.tables:
        return HTML("<h2>Improvement actions</h2><p>Not supplied: the extract has no reviews or actions table.</p>")
    figure = actions_figure(report.tables["overdue_actions"], as_of=_day(report.scope.quarter.end))
    return HTML(f"<h2>Improvement actions</h2>{figure}")


def methods(report: Report) -> dict[str, str]:
    """Method statement of each published measure (from the tables' own `method` column)."""
    found = {TITLES[name]: str(t["method"].iloc[0]) for name, t in report.tables.items()
             if "method" in t.columns and len(t)}
    found["Disclosure control"] = INTERNAL_NOTE if report.mode == "internal" else SUPPRESSION_NOTE
    return found


def methods_section(report: Report) -> HTML:
    """The methods of each measure and of disclosure control."""
    items = "".join(f"<dt><strong>{html.escape(k)}</strong></dt><dd>{html.escape(v)}</dd>"
                    for k, v in methods(report).items())
    return HTML(f"<h2>Methods</h2><dl>{items}</dl>")


def about(report: Report) -> dict[str, str]:
    """The workbook's About sheet: period, region, extract date, mode and methods."""
    q = report.scope.quarter
    return {
        "Report": "LOTUS analytics quarterly report",
        "Region": report.scope.region,
        "Quarter": f"{q.label} ({q.start:%Y-%m-%d} to {q.end:%Y-%m-%d})",
        "Extract date": f"{report.extract_date:%Y-%m-%d}",
        "Disclosure mode": report.mode,
        "Rolling window": report.window_label,
        "Data contract version": report.contract_version,
        **{f"Method: {k}": v for k, v in methods(report).items()},
    }


def export_tables(report: Report, output_dir: str) -> HTML:
    """Write every published table to tables.xlsx beside the report."""
    path = write_tables_xlsx(report.tables, about(report), Path(output_dir) / XLSX_NAME)
    return HTML(f"<p class=\"lotus-note\">The tables of this report are in <code>{path.name}</code> beside it.</p>")
