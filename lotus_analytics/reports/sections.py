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
from lotus_analytics.periods import long_date, rolling_window
from lotus_analytics.reports.figures import (
    HEADINGS,
    likelihood_figure,
    not_stated_table,
    timeliness_figure,
)
from lotus_analytics.reports.actions_workbook import ACTIONS_XLSX, write_actions_workbook
from lotus_analytics.reports.html import INTERNAL_NOTE, mode_html, suppression_note, table_html
from lotus_analytics.reports.inputs import Inputs
from lotus_analytics.reports.lessons_section import lessons_parts
from lotus_analytics.reports.request import complete_quarter, report_folder
from lotus_analytics.reports.tables import TITLES, Scope, published_tables
from lotus_analytics.reports.equity_figures import equity_html
from lotus_analytics.reports.timeliness_figures import timeliness_html
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
    actions: pd.DataFrame | None
    """The scope's improvement actions for the actions workbook (None: no reviews or actions table)."""

    @property
    def mode(self) -> str:
        return self.config.disclosure.mode

    @property
    def window_label(self) -> str:
        return rolling_window(self.scope.quarter, self.config.inequalities.window_years).label


def prepare(
    *, quarter: str | None, region: str | None, store: str | None, disclosure_mode: str | None, settings: dict[str, Any]
) -> Report:
    """Load the store and build every published table of the report (the notebook's first call).

    A parameter left as None comes from the configuration (`settings` over lotus.toml over the defaults);
    quarter None is the latest quarter complete at the extract date. Raises ReportError for a quarter
    that is not complete at the extract date.
    """
    chosen = {"report.region": region, "paths.store": store, "report.disclosure_mode": disclosure_mode}
    config = load_config(overrides={**settings, **{k: v for k, v in chosen.items() if v is not None}})
    data = load_store(config.store)
    scope = Scope(complete_quarter(quarter, data.extract_date), config.region)
    return Report(scope=scope, config=config, extract_date=data.extract_date,
                  contract_version=str(data.manifest.get("contract_version", CONTRACT_VERSION)),
                  tables=published_tables(data, scope, config), actions=Inputs(data, scope, config).actions)


def title_page(report: Report) -> HTML:
    """Title, period, region, extract date and the disclosure mode (internal mode: a red banner first)."""
    q = report.scope.quarter
    statement = mode_html(report.config.disclosure)
    banner = statement if report.mode == "internal" else ""
    return HTML(
        f"{banner}<h1>LOTUS analytics: quarterly report</h1>"
        f"<p><strong>Region:</strong> {html.escape(report.scope.region)}<br>"
        f"<strong>Period:</strong> {q.label} ({long_date(q.start)} to {long_date(q.end)})<br>"
        f"<strong>Extract date:</strong> {long_date(report.extract_date)}<br>"
        f"<strong>Data contract:</strong> version {html.escape(report.contract_version)}</p>"
        f"{statement if report.mode != 'internal' else ''}"
        "<p>Synthetic or anonymised case data only. Figures describe concerns handled by the regional "
        "professional standards team; they are not judgements on any practitioner.</p>"
    )


def data_section(report: Report) -> HTML:
    """The manifest counts: rows read, stored and quarantined per table."""
    counts = report.tables["manifest_counts"][list(MANIFEST_HEADERS)]
    table = table_html(counts, TITLES["manifest_counts"], disclosure=report.config.disclosure, headers=MANIFEST_HEADERS)
    return HTML(
        "<h2>The data</h2><p>Every row of the extract is either stored for analysis or quarantined with the "
        "rule it broke (rows read = rows stored + rows quarantined). These counts describe records, not "
        "people; in publication mode they are rounded like every other count.</p>" + table
    )


def timeliness_section(report: Report) -> HTML:
    """T1 by month (last 12 months) and by quarter, each as chart and table."""
    common = dict(target=report.config.targets.triage_working_days, disclosure=report.config.disclosure)
    month = timeliness_figure(report.tables["t1_by_month"], period_kind="month", title=TITLES["t1_by_month"], **common)
    quarter = timeliness_figure(report.tables["t1_by_quarter"], period_kind="quarter", title=TITLES["t1_by_quarter"],
                                **common)
    return HTML(f"<h2>{HEADINGS['timeliness']}</h2>{month}{quarter}")


def timeliness_detail_section(report: Report) -> HTML:
    """Every stage clock: headline, SPC charts with icons and readings, time to closure, open cases."""
    parts = timeliness_html(report.tables, window=report.window_label, disclosure=report.config.disclosure,
                            target_gap_days=report.config.targets.contact_gap_calendar_days)
    body = "".join(f"<h3>{html.escape(heading)}</h3>{part}" if heading != "Statistical process control" else part
                   for heading, part in parts.items())
    return HTML(f"<h2>Timeliness: every stage clock</h2>{body}")


def equity_section(report: Report) -> HTML:
    """Where disproportionality arises: entry, progression, triage consistency, waiting, organisations."""
    parts = equity_html(report.tables, ineq=report.config.inequalities, window=report.window_label,
                        disclosure=report.config.disclosure)
    body = "".join(f"<h3>{html.escape(heading)}</h3>{part}" for heading, part in parts.items())
    return HTML(f"<h2>Equity: who enters, who progresses, who waits</h2>{body}")


def likelihood_section(report: Report) -> HTML:
    """Relative likelihood of entering the process by ethnic group and place of qualification."""
    ineq, disclosure = report.config.inequalities, report.config.disclosure
    figure = likelihood_figure(report.tables["entry_likelihood"], band=ineq.band, confidence=ineq.confidence,
                               window=report.window_label, disclosure=disclosure)
    not_stated = not_stated_table(report.tables["not_stated"], disclosure=disclosure)
    return HTML(f"<h2>{HEADINGS['likelihood']}</h2>{figure}{not_stated}")


def lessons_section(report: Report) -> HTML:
    """The LOTUS templates as live measures: triage and risk, reviews and actions, keeping the practitioner informed."""
    parts = lessons_parts(report.tables, config=report.config)
    body = "".join(f"<h3>{html.escape(heading)}</h3>{part}" for heading, part in parts.items())
    return HTML(f"<h2>Lessons learnt and compassion</h2><p>Quarters {html.escape(report.window_label)}. Reviews, "
                "actions and letters carry no free text; action owners are named by role only.</p>" + body)


def methods(report: Report) -> dict[str, str]:
    """Method statement of each published measure (from the tables' own `method` column)."""
    found = {TITLES[name]: str(t["method"].iloc[0]) for name, t in report.tables.items()
             if "method" in t.columns and len(t)}
    internal = report.mode == "internal"
    found["Disclosure control"] = INTERNAL_NOTE if internal else suppression_note(report.config.disclosure)
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


def export_tables(report: Report, output_dir: str | None) -> HTML:
    """Write every published table to tables.xlsx beside the report (None: the report's folder under paths.reports),
    and the improvement lead's actions.xlsx (overdue actions first) when the extract has actions."""
    folder = Path(output_dir) if output_dir else report_folder(report.config.reports, report.scope.quarter.label,
                                                               report.scope.region)
    path = write_tables_xlsx(report.tables, about(report), folder / XLSX_NAME)
    note = f"The tables of this report are in <code>{path.name}</code> beside it"
    if report.actions is not None:
        workbook = write_actions_workbook(report.actions, as_of=report.scope.quarter.end, about=about(report),
                                          summary=report.tables.get("lessons_overdue_by_owner"), path=folder / ACTIONS_XLSX)
        note += f"; the improvement actions, overdue first, in <code>{workbook.name}</code>"
    return HTML(f"<p class=\"lotus-note\">{note}.</p>")
