"""One dashboard page: a row of filters, a status line and the page's sections, redrawn on every change.

Each page is declared by its filters and a `render` function (filter values -> section HTML by
heading), so the pages share the redraw, the status line and the friendly error message: whatever goes
wrong while drawing, the reader sees one plain sentence, never a traceback.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

import ipywidgets as widgets

FRIENDLY_ERROR = ("<p role='alert'><strong>Sorry, this view could not be drawn</strong> ({reason}). "
                  "Try another filter; if it keeps happening, ask your analyst to check the store.</p>")

CACHED_VIEWS = 128  # views kept per page: going back to a choice already seen redraws at once (store and
# configuration do not change while the dashboard runs); about 100 KB each
Render = Callable[[Mapping[str, Any]], Mapping[str, str]]
Describe = Callable[[Mapping[str, widgets.Dropdown]], str]


@dataclass
class Page:
    """A page's widgets: filters by name, the status line and one HTML widget per section heading."""

    filters: dict[str, widgets.Dropdown]
    status: widgets.HTML
    sections: dict[str, widgets.HTML]
    box: widgets.VBox
    redraw: Callable[..., None]

    def show(self) -> None:
        """Draw the page if it has never been drawn (pages other than the first wait until opened)."""
        if not self.status.value:
            self.redraw()


def build_page(filters: dict[str, widgets.Dropdown], headings: list[str], render: Render, describe: Describe,
               *, draw_now: bool = True) -> Page:
    """A page whose sections are redrawn by `render` whenever a filter changes (and now, or on `show`).

    Views are cached by filter values; a failed view is not cached. A section `render` leaves empty ("")
    is hidden, heading and all (a page may show some of its sections for some choices).

    `describe` says what is shown (for the status line, marked data-state="ready" once drawn).
    """
    status = widgets.HTML()
    sections = {heading: widgets.HTML() for heading in headings}

    @lru_cache(maxsize=CACHED_VIEWS)
    def drawn(values: tuple[tuple[str, Any], ...]) -> Mapping[str, str]:
        return render(dict(values))

    def redraw(_: object = None) -> None:
        status.value = "<p>Updating…</p>"
        try:
            shown = drawn(tuple((name, control.value) for name, control in filters.items()))
        except Exception as err:  # any failure becomes one friendly line: never a traceback in the browser
            status.value = FRIENDLY_ERROR.format(reason=html.escape(str(err) or type(err).__name__))
            return
        for heading, widget in sections.items():
            widget.value = shown[heading]
            boxes[heading].layout.display = "" if shown[heading] else "none"
        status.value = f"<p class='lotus-note' data-state='ready'>{html.escape(describe(filters))}</p>"

    boxes = {h: widgets.VBox([widgets.HTML(f"<h2>{html.escape(h)}</h2>"), w]) for h, w in sections.items()}
    for control in filters.values():
        control.observe(redraw, names="value")
    if draw_now:
        redraw()
    row = widgets.HBox(list(filters.values()), layout=widgets.Layout(flex_flow="row wrap"))
    box = widgets.VBox([row, status, *boxes.values()])
    return Page(filters=filters, status=status, sections=sections, box=box, redraw=redraw)
