"""The dashboard as an ipywidgets app: quarter, ICB and profession filters over three measure panels.

Charts are static SVG inside `ipywidgets.HTML` (offline, and each panel stays far below the ~100 KB
output size that hangs Voilà, STACK_NOTES.md). Errors become a short friendly message: no traceback
ever reaches the browser. Publication-mode disclosure control is forced whatever the configuration.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import ipywidgets as widgets

from lotus_analytics.config import Config, ConfigError, load_config
from lotus_analytics.dashboard.views import ALL, icb_options, panels, profession_options, quarter_options
from lotus_analytics.reports.figures import HEADINGS
from lotus_analytics.periods import long_date
from lotus_analytics.reports.html import CSS, mode_html
from lotus_analytics.store import Store, StoreError, load_store

STORE_ENV = "LOTUS_STORE"
CONFIG_ENV = "LOTUS_CONFIG"
FRIENDLY_ERROR = ("<p role='alert'><strong>Sorry, this view could not be drawn</strong> ({reason}). "
                  "Try another filter; if it keeps happening, ask your analyst to check the store.</p>")


def _message(text: str) -> widgets.HTML:
    return widgets.HTML(f"<style>{CSS}</style><h1>LOTUS analytics dashboard</h1>"
                        f"<p role='alert'>{html.escape(text)}</p>")


def _open() -> tuple[Config, Store, list[str], list[tuple[str, str]]]:
    """The configuration, the store and the quarter and ICB options read from it.

    Raises ConfigError for a bad configuration file and StoreError for a store that is missing or cannot be
    read (a corrupt or mismatched Parquet file, a broken manifest).
    """
    config = load_config(os.environ.get(CONFIG_ENV) or None, overrides={"report.disclosure_mode": "publication"})
    path = Path(os.environ.get(STORE_ENV) or config.store)
    try:
        store = load_store(path)
        return config, store, quarter_options(store), icb_options(store, config.region)
    except StoreError:
        raise
    except Exception as err:  # whatever pyarrow or pandas raise for a damaged file becomes one clear line
        raise StoreError(f"the analysis store at {path} could not be read ({type(err).__name__}: {err}): "
                         "run `lotus ingest` again") from None


def dashboard() -> widgets.Widget:
    """Build the dashboard for the store named by $LOTUS_STORE (default: the configured store).

    The configuration file is $LOTUS_CONFIG when set; the disclosure mode is always publication. A bad
    configuration or an unreadable store shows a message instead of the dashboard.
    """
    try:
        config, store, quarters, icbs = _open()
    except (ConfigError, StoreError) as err:
        return _message(str(err))
    quarter = widgets.Dropdown(options=quarters, description="Quarter")
    icb = widgets.Dropdown(options=icbs, value=ALL, description="ICB", layout=widgets.Layout(width="380px"))
    profession = widgets.Dropdown(options=profession_options(), value=ALL, description="Profession")
    status = widgets.HTML()
    outputs = {name: widgets.HTML() for name in HEADINGS}

    def redraw(_: object = None) -> None:
        status.value = "<p>Updating…</p>"
        try:
            shown = panels(store, config, quarter=quarter.value, region=config.region, icb=icb.value,
                           profession=profession.value)
        except Exception as err:  # any failure becomes one friendly line: never a traceback in the browser
            status.value = FRIENDLY_ERROR.format(reason=html.escape(str(err) or type(err).__name__))
            return
        for name, widget in outputs.items():
            widget.value = getattr(shown, name)
        status.value = (f"<p class='lotus-note' data-state='ready'>Showing {quarter.value}, "
                        f"{icb.label}, {profession.label.lower()}. Extract date {long_date(store.extract_date)}.</p>")

    for control in (quarter, icb, profession):
        control.observe(redraw, names="value")
    redraw()
    header = widgets.HTML(f"<style>{CSS}</style><h1>LOTUS analytics dashboard: {config.region}</h1>"
                          f"{mode_html(config.disclosure)}")
    sections = [widgets.VBox([widgets.HTML(f"<h2>{HEADINGS[name]}</h2>"), widget]) for name, widget in outputs.items()]
    return widgets.VBox([header, widgets.HBox([quarter, icb, profession]), status, *sections])
