"""What the dashboard shows for a choice of filters: the options and each page's panels (HTML).

Always publication-mode disclosure control: the panels are drawn from
`reports.tables.published_tables`, like the report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from lotus_analytics.config import Config
from lotus_analytics.periods import FinancialQuarter, latest_complete_quarter, rolling_window
from lotus_analytics.reports.figures import actions_figure, likelihood_figure, timeliness_figure
from lotus_analytics.progression import TRANSITIONS
from lotus_analytics.reports.equity_figures import cascade_figures, equity_html
from lotus_analytics.reports.equity_tables import equity_tables
from lotus_analytics.reports.informed_figures import equity_html as informed_equity_html
from lotus_analytics.reports.informed_tables import informed_tables
from lotus_analytics.reports.inputs import Inputs
from lotus_analytics.reports.lessons_family import PART_TABLES
from lotus_analytics.reports.lessons_section import PARTS as LESSONS_PARTS
from lotus_analytics.reports.lessons_section import SUB_HEADINGS
from lotus_analytics.reports.tables import TITLES, Scope, publish, published_tables
from lotus_analytics.reports.timeliness_figures import timeliness_html
from lotus_analytics.reports.timeliness_tables import SPC_SERIES, timeliness_tables
from lotus_analytics.schema import DIMENSIONS, ICBS, PROFESSIONS, REVIEW_THEMES, RISK_LEVELS, SYSTEM_LEVELS, display_label
from lotus_analytics.store import Store

ALL = "all"
EQUITY_HEADINGS = {"Entering the process": "The chosen stage"}
EQUITY_PAGE_HEADINGS = ("Headline", "The chosen stage", "Progression", "Triage consistency", "Waiting",
                        "Kept informed", "Organisations")
QUARTERS_OFFERED = 8
LESSONS_HEADINGS = tuple(heading for headings in SUB_HEADINGS.values() for heading in headings)
RANGE_QUARTERS_OFFERED = 20  # "From quarter" reaches back five years: reviews and themes change slowly
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


def risk_level_options() -> list[tuple[str, str]]:
    return [("All risk levels", ALL), *((level.capitalize(), level) for level in RISK_LEVELS)]


def rebase_options(config: Config) -> list[tuple[str, tuple[str, ...]]]:
    """SPC limits: as configured, or restarted at the policy change month (the October 2024 policy)."""
    policy = pd.Timestamp(f"{config.spc.policy_change}-01")
    configured = "One set of limits" if not config.spc.rebase_at else "Limits as configured"
    return [(configured, config.spc.rebase_at),
            (f"New limits from {policy:%B %Y} (policy change)", (*config.spc.rebase_at, config.spc.policy_change))]


def scope_of(quarter: str, region: str, icb: str, profession: str, risk_level: str = ALL) -> Scope:
    """The scope of a filter choice ("all" = no filter)."""
    return Scope(FinancialQuarter.parse(quarter), region, icb=None if icb == ALL else icb,
                 profession=None if profession == ALL else profession,
                 risk_level=None if risk_level == ALL else risk_level)


def series_options() -> list[tuple[str, str]]:
    return [(title.split(":")[0], name) for name, title in ((n, TITLES[n]) for n in SPC_SERIES)]


def timeliness_panels(store: Store, config: Config, *, quarter: str, icb: str, profession: str, risk_level: str,
                      rebase_at: tuple[str, ...], series: str) -> dict[str, str]:
    """The timeliness page for a filter choice: its sections' HTML by heading (one SPC chart at a time)."""
    config = replace(config, spc=replace(config.spc, rebase_at=tuple(rebase_at)))
    scope = scope_of(quarter, config.region, icb, profession, risk_level)
    tables = publish(timeliness_tables(Inputs(store, scope, config), by_group=False), config)
    window = rolling_window(scope.quarter, config.inequalities.window_years).label
    return timeliness_html(tables, window=window, target_gap_days=config.targets.contact_gap_calendar_days,
                           disclosure=config.disclosure, series=(series,))


ENTRY = "entry"
WINDOW_YEARS_OFFERED = (1, 2, 3)


def dimension_options() -> list[tuple[str, str]]:
    return [(display_label(name), name) for name in DIMENSIONS]


def stage_options() -> list[tuple[str, str]]:
    return [("Entering the process", ENTRY), *((t.label, t.label) for t in TRANSITIONS)]


def window_options() -> list[tuple[str, int]]:
    return [(f"{years} financial year{'s' if years > 1 else ''}", years) for years in WINDOW_YEARS_OFFERED]


def equity_panels(store: Store, config: Config, *, quarter: str, icb: str, profession: str, dimension: str,
                  stage: str, window_years: int) -> dict[str, str]:
    """The equity page for a filter choice: the chosen dimension at the chosen stage, then its deeper tables."""
    config = replace(config, inequalities=replace(config.inequalities, window_years=window_years))
    inputs = Inputs(store, scope_of(quarter, config.region, icb, profession), config)
    tables = publish({**equity_tables(inputs, dimensions=(dimension,), focus=(dimension,)),
                      **informed_tables(inputs, dimensions=(dimension,))}, config)
    window = rolling_window(inputs.scope.quarter, window_years).label
    parts = equity_html(tables, ineq=config.inequalities, window=window, disclosure=config.disclosure)
    parts["Kept informed"] = informed_equity_html(tables, config=config, dimensions=(dimension,))
    if stage != ENTRY:
        progression = tables["equity_progression"]
        parts["Entering the process"] = cascade_figures(progression[progression["transition"] == stage],
                                                        band=config.inequalities.band, disclosure=config.disclosure)
    return {EQUITY_HEADINGS.get(k, k): v for k, v in parts.items()}


def panels(store: Store, config: Config, *, quarter: str, region: str, icb: str, profession: str) -> Panels:
    """The three measure panels for the chosen quarter, ICB and profession ("all" = no filter)."""
    scope = scope_of(quarter, region, icb, profession)
    tables = published_tables(store, scope, config, families=["overview"])
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


def since_options(store: Store) -> list[str]:
    """First quarter of the lessons-learnt range: the last 20 complete quarters, newest first."""
    last = latest_complete_quarter(store.extract_date)
    return [last.shift(-i).label for i in range(RANGE_QUARTERS_OFFERED)]


def default_since(store: Store, config: Config) -> str:
    """The first quarter of the rolling window ending with the latest complete quarter (the report's range)."""
    return latest_complete_quarter(store.extract_date).shift(-(4 * config.inequalities.window_years - 1)).label


def theme_options() -> list[tuple[str, str]]:
    return [("All themes", ALL), *((display_label(theme), theme) for theme in REVIEW_THEMES)]


def system_level_options() -> list[tuple[str, str]]:
    return [("All system levels", ALL), *((display_label(level), level) for level in SYSTEM_LEVELS)]


def part_options() -> list[str]:
    """The LOTUS template shown on the lessons-learnt page (one at a time keeps a redraw light)."""
    return list(LESSONS_PARTS)


def lessons_panels(store: Store, config: Config, *, part: str, since: str, quarter: str, icb: str, theme: str,
                   system_level: str) -> dict[str, str]:
    """The lessons-learnt page: the chosen part's sub-sections (the other parts' empty, so hidden) for a
    quarter range (given either way round), ICB, theme and system level."""
    first, last = sorted((FinancialQuarter.parse(since), FinancialQuarter.parse(quarter)), key=lambda q: q.index)
    scope = replace(scope_of(last.label, config.region, icb, ALL), since=first,
                    theme=None if theme == ALL else theme, system_level=None if system_level == ALL else system_level)
    tables = publish(PART_TABLES[part](Inputs(store, scope, config)), config)
    shown = LESSONS_PARTS[part](tables, config=config)
    return {heading: shown.get(heading, "") for heading in LESSONS_HEADINGS}
