"""The dashboard as an ipywidgets app: one tab per page, each with its filters over its measure panels.

Charts are static SVG inside `ipywidgets.HTML` (offline, and each panel stays far below the ~100 KB
output size that hangs Voilà, STACK_NOTES.md). Errors become a short friendly message: no traceback
ever reaches the browser. Publication-mode disclosure control is forced whatever the configuration.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any, Mapping

import ipywidgets as widgets

from lotus_analytics.config import Config, ConfigError, load_config
from lotus_analytics.dashboard.page import Page, build_page
from lotus_analytics.dashboard.views import (
    ALL,
    ENTRY,
    EQUITY_PAGE_HEADINGS,
    LESSONS_HEADINGS,
    default_since,
    dimension_options,
    equity_panels,
    icb_options,
    lessons_panels,
    part_options,
    panels,
    profession_options,
    quarter_options,
    rebase_options,
    risk_level_options,
    series_options,
    since_options,
    stage_options,
    system_level_options,
    theme_options,
    timeliness_panels,
    window_options,
)
from lotus_analytics.reports.figures import HEADINGS
from lotus_analytics.periods import long_date
from lotus_analytics.reports.html import CSS, mode_html
from lotus_analytics.reports.timeliness_figures import TIMELINESS_HEADINGS
from lotus_analytics.store import Store, StoreError, load_store

STORE_ENV = "LOTUS_STORE"
CONFIG_ENV = "LOTUS_CONFIG"


def _message(text: str) -> widgets.HTML:
    return widgets.HTML(f"<style>{CSS}</style><h1>LOTUS analytics dashboard</h1>"
                        f"<p role='alert'>{html.escape(text)}</p>")


def _open() -> tuple[Config, Store]:
    """The configuration and the store.

    Raises ConfigError for a bad configuration file and StoreError for a store that is missing or cannot be
    read (a corrupt or mismatched Parquet file, a broken manifest).
    """
    config = load_config(os.environ.get(CONFIG_ENV) or None, overrides={"report.disclosure_mode": "publication"})
    path = Path(os.environ.get(STORE_ENV) or config.store)
    try:
        store = load_store(path)
        return config, store
    except StoreError:
        raise
    except Exception as err:  # whatever pyarrow or pandas raise for a damaged file becomes one clear line
        raise StoreError(f"the analysis store at {path} could not be read ({type(err).__name__}: {err}): "
                         "run `lotus ingest` again") from None


def _filters(store: Store, config: Config) -> dict[str, widgets.Dropdown]:
    """Quarter, ICB and profession filters (every page starts from these)."""
    return {
        "quarter": widgets.Dropdown(options=quarter_options(store), description="Quarter"),
        "icb": widgets.Dropdown(options=icb_options(store, config.region), value=ALL, description="ICB",
                                layout=widgets.Layout(width="380px")),
        "profession": widgets.Dropdown(options=profession_options(), value=ALL, description="Profession"),
    }


def _overview(store: Store, config: Config) -> Page:
    """The foundation measures: T1, entry relative likelihood and overdue actions."""

    def render(values: Mapping[str, str]) -> dict[str, str]:
        shown = panels(store, config, quarter=values["quarter"], region=config.region, icb=values["icb"],
                       profession=values["profession"])
        return {HEADINGS[name]: getattr(shown, name) for name in HEADINGS}

    def describe(filters: Mapping[str, widgets.Dropdown]) -> str:
        return (f"Showing {filters['quarter'].value}, {filters['icb'].label}, {filters['profession'].label.lower()}. "
                f"Extract date {long_date(store.extract_date)}.")

    return build_page(_filters(store, config), list(HEADINGS.values()), render, describe)


def _timeliness(store: Store, config: Config) -> Page:
    """Every stage clock, filterable by ICB, profession and risk level, SPC limits optionally rebased."""
    filters = {**_filters(store, config),
               "risk_level": widgets.Dropdown(options=risk_level_options(), value=ALL, description="Risk level"),
               "series": widgets.Dropdown(options=series_options(), description="SPC chart"),
               "rebase_at": widgets.Dropdown(options=rebase_options(config), description="SPC limits",
                                             layout=widgets.Layout(width="420px"))}

    def render(values: Mapping[str, Any]) -> Mapping[str, str]:
        return timeliness_panels(store, config, **values)

    def describe(filters: Mapping[str, widgets.Dropdown]) -> str:
        return (f"Showing {filters['quarter'].value}, {filters['icb'].label}, {filters['profession'].label.lower()}, "
                f"{filters['risk_level'].label.lower()}; {filters['series'].label}, "
                f"{filters['rebase_at'].label[:1].lower()}{filters['rebase_at'].label[1:]}.")

    return build_page(filters, list(TIMELINESS_HEADINGS), render, describe, draw_now=False)


def _equity(store: Store, config: Config) -> Page:
    """Where disproportionality arises: choose dimension, stage, window, profession and ICB."""
    wide = widgets.Layout(width="380px")
    filters = {**_filters(store, config),
               "dimension": widgets.Dropdown(options=dimension_options(), description="Dimension", layout=wide),
               "stage": widgets.Dropdown(options=stage_options(), description="Stage", layout=wide),
               "window_years": widgets.Dropdown(options=window_options(), value=config.inequalities.window_years,
                                                description="Window")}

    def render(values: Mapping[str, Any]) -> Mapping[str, str]:
        return equity_panels(store, config, **values)

    def describe(filters: Mapping[str, widgets.Dropdown]) -> str:
        stage = "entering the process" if filters["stage"].value == ENTRY else filters["stage"].label
        return (f"Showing {filters['dimension'].label} at {stage}, "
                f"{filters['window_years'].label} to "
                f"{filters['quarter'].value}, {filters['icb'].label}, {filters['profession'].label.lower()}.")

    return build_page(filters, list(EQUITY_PAGE_HEADINGS), render, describe, draw_now=False)


def _lessons(store: Store, config: Config) -> Page:
    """The LOTUS templates as live measures over a range of quarters, by ICB, review theme and system level."""
    regional = _filters(store, config)
    filters = {"part": widgets.Dropdown(options=part_options(), description="Template",
                                        layout=widgets.Layout(width="380px")),
               "since": widgets.Dropdown(options=since_options(store), value=default_since(store, config),
                                         description="From"),
               "quarter": widgets.Dropdown(options=regional["quarter"].options, description="To"),
               "icb": regional["icb"],
               "theme": widgets.Dropdown(options=theme_options(), value=ALL, description="Theme",
                                         layout=widgets.Layout(width="380px")),
               "system_level": widgets.Dropdown(options=system_level_options(), value=ALL, description="System level")}

    def render(values: Mapping[str, Any]) -> Mapping[str, str]:
        return lessons_panels(store, config, **values)

    def describe(filters: Mapping[str, widgets.Dropdown]) -> str:
        first, last = sorted((filters["since"].value, filters["quarter"].value))
        level = filters["system_level"]
        actions = "all system levels" if level.value == ALL else f"{level.label} actions"
        return (f"Showing {filters['part'].value.lower()}, {first} to {last}, {filters['icb'].label}, "
                f"{filters['theme'].label.lower()}, {actions}.")

    return build_page(filters, list(LESSONS_HEADINGS), render, describe, draw_now=False)


def dashboard() -> widgets.Widget:
    """Build the dashboard for the store named by $LOTUS_STORE (default: the configured store).

    The configuration file is $LOTUS_CONFIG when set; the disclosure mode is always publication. A bad
    configuration or an unreadable store shows a message instead of the dashboard. One tab per page.
    """
    try:
        config, store = _open()
    except (ConfigError, StoreError) as err:
        return _message(str(err))
    pages = {"Overview": _overview(store, config), "Timeliness": _timeliness(store, config),
             "Equity": _equity(store, config), "Lessons learnt": _lessons(store, config)}
    tabs = widgets.Tab(children=[page.box for page in pages.values()], titles=list(pages))
    shown = list(pages.values())
    tabs.observe(lambda change: shown[change["new"]].show(), names="selected_index")  # drawn when first opened
    header = widgets.HTML(f"<style>{CSS}</style><h1>LOTUS analytics dashboard: {config.region}</h1>"
                          f"{mode_html(config.disclosure)}")
    return widgets.VBox([header, tabs])
