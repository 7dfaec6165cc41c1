"""What the dashboard shows for a choice of filters: options and the three measure panels (HTML).

Always publication-mode disclosure control: the panels are drawn from
`reports.tables.published_tables`, like the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from lotus_analytics.config import Config
from lotus_analytics.periods import FinancialQuarter, latest_complete_quarter, rolling_window
from lotus_analytics.reports.figures import actions_figure, likelihood_figure, timeliness_figure
from lotus_analytics.reports.tables import TITLES, Scope, published_tables
from lotus_analytics.schema import ICBS, PROFESSIONS
from lotus_analytics.store import Store

ALL = "all"
QUARTERS_OFFERED = 8
ACTIONS_SCOPE_NOTE = ("<p class='lotus-note'>Improvement actions belong to the regional team: the ICB and "
                      "profession filters do not apply to them.</p>")


@dataclass(frozen=True)
class Panels:
    """The HTML of each measure panel for one filter choice."""

    timeliness: str
    likelihood: str
    actions: str


def quarter_options(store: Store) -> list[str]:
    """The last complete quarters at the extract date, newest first."""
    last = latest_complete_quarter(store.extract_date)
    return [last.shift(-i).label for i in range(QUARTERS_OFFERED)]


def icb_options(store: Store, region: str) -> list[tuple[str, str]]:
    """(label, value) of every ICB of the region present in the store, after "All ICBs"."""
    names = ICBS.get(region, {})
    present = sorted(store.cases.loc[store.cases["region"] == region, "icb_code"].unique())
    return [("All ICBs", ALL), *((f"{names.get(code, code)} ({code})", code) for code in present)]


def profession_options() -> list[tuple[str, str]]:
    return [("All professions", ALL), *((p.capitalize(), p) for p in PROFESSIONS)]


def panels(store: Store, config: Config, *, quarter: str, region: str, icb: str, profession: str) -> Panels:
    """The three measure panels for the chosen quarter, ICB and profession ("all" = no filter)."""
    scope = Scope(FinancialQuarter.parse(quarter), region, icb=None if icb == ALL else icb,
                  profession=None if profession == ALL else profession)
    tables = published_tables(store, scope, config)
    ineq, disclosure = config.inequalities, config.disclosure
    window = rolling_window(scope.quarter, ineq.window_years).label
    actions = actions_figure(tables.get("overdue_actions"), as_of=scope.quarter.end, disclosure=disclosure)
    return Panels(
        timeliness=timeliness_figure(tables["t1_by_month"], period_kind="month", disclosure=disclosure,
                                     target=config.targets.triage_working_days, title=TITLES["t1_by_month"]),
        likelihood=likelihood_figure(tables["entry_likelihood"], band=ineq.band, confidence=ineq.confidence,
                                     window=window, disclosure=disclosure),
        actions=actions + (ACTIONS_SCOPE_NOTE if "overdue_actions" in tables else ""),
    )
