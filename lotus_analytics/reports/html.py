"""HTML building blocks shared by the report and the dashboard: tables, figures, banners, the page.

Everything here formats *published* tables (already through disclosure control): suppressed cells
are the string "*" and are explained by a footnote under every table that shows one.
"""

from __future__ import annotations

import html
from numbers import Number

import pandas as pd

from lotus_analytics.charts.base import FONT, NHS_BLUE, NHS_DARK_BLUE, NHS_DARK_GREY, NHS_PALE_GREY
from lotus_analytics.config import Disclosure
from lotus_analytics.disclosure import SUPPRESSED

INTERNAL_NOTE = "Internal mode: no disclosure control was applied. For authorised analysts only; do not publish."

CSS = f"""
body {{ font-family: {FONT}; color: {NHS_DARK_GREY}; max-width: 1280px; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; }}
h1, h2, h3 {{ color: {NHS_DARK_BLUE}; }}
h1 {{ border-bottom: 4px solid {NHS_BLUE}; padding-bottom: .3em; }}
.lotus-banner {{ background: #D5281B; color: white; font-weight: bold; font-size: 1.3em;
                padding: .8em 1em; margin: 1em 0; }}
.lotus-mode {{ background: {NHS_PALE_GREY}; padding: .6em 1em; border-left: 6px solid {NHS_BLUE}; }}
.lotus-figure {{ display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; margin: 1em 0 2em; }}
.lotus-figure figure {{ margin: 0; max-width: 540px; flex: 0 0 auto; }}
.lotus-table-wrap {{ width: min-content; max-width: 100%; overflow-x: auto; }}
table.lotus-table {{ border-collapse: collapse; font-size: .9em; margin: .5em 0; }}
table.lotus-table caption {{ caption-side: top; text-align: left; font-weight: bold; color: {NHS_DARK_BLUE};
                             padding-bottom: .4em; }}
table.lotus-table th {{ background: {NHS_BLUE}; color: white; padding: .35em .6em; text-align: left; }}
table.lotus-table td {{ padding: .3em .6em; border-bottom: 1px solid {NHS_PALE_GREY}; white-space: nowrap; }}
table.lotus-table td.num, table.lotus-table th.num {{ text-align: right; }}
p.lotus-note {{ font-size: .85em; max-width: 60em; }}
.lotus-spc-head {{ display: flex; align-items: center; gap: 1em; }}
.lotus-spc-head h3 {{ margin: .6em 0 .2em; }}
.lotus-icons svg {{ margin-right: .3em; vertical-align: middle; }}
p.lotus-reading {{ font-weight: bold; margin: .2em 0 .6em; max-width: 60em; }}
.lotus-details summary {{ cursor: pointer; color: {NHS_BLUE}; font-weight: bold; margin: .5em 0; }}
"""


def suppression_note(disclosure: Disclosure) -> str:
    """The footnote that explains "*" under a table, with the configured threshold and rounding base."""
    fewer = disclosure.suppress_max + 1
    return (f"* not shown: fewer than {fewer} people (or a figure based on fewer than {fewer} people), or a "
            "further cell hidden so that it cannot be worked out from a total (disclosure control, METHODS.md "
            f"section 4). Other counts are rounded to the nearest {disclosure.rounding_base}.")


def _cell(value: object) -> tuple[str, bool]:
    """Text of one cell and whether it is a number (or a suppressed number) to right-align."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, Number):
        number = float(value)  # type: ignore[arg-type]
        return (f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"), True
    return str(value), str(value) == SUPPRESSED


def table_html(
    frame: pd.DataFrame, caption: str, *, disclosure: Disclosure, headers: dict[str, str] | None = None
) -> str:
    """An accessible HTML table with a caption, right-aligned numbers and the "*" footnote if needed."""
    headers = headers or {}
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    numeric = [any(c[i][1] for c in cells) for i in range(frame.shape[1])]
    head = "".join(
        f'<th scope="col"{" class=num" if numeric[i] else ""}>{html.escape(headers.get(str(c), str(c)))}</th>'
        for i, c in enumerate(frame.columns)
    )
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if num else ""}>{html.escape(text)}</td>' for text, num in row) + "</tr>"
        for row in cells
    )
    note = any(text == SUPPRESSED for row in cells for text, _ in row)
    footnote = f'<p class="lotus-note">{html.escape(suppression_note(disclosure))}</p>' if note else ""
    return (f'<div class="lotus-table-wrap"><table class="lotus-table"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{footnote}</div>")


def figure_html(svg: str, caption: str, table: str) -> str:
    """A chart (inline SVG) with its caption, and its table beside it."""
    return (f'<div class="lotus-figure"><figure>{svg}<figcaption class="lotus-note">{html.escape(caption)}'
            f"</figcaption></figure>{table}</div>")


def mode_html(disclosure: Disclosure) -> str:
    """The disclosure-mode statement; internal mode is a prominent red banner."""
    if disclosure.mode == "internal":
        return f'<div class="lotus-banner" role="alert">INTERNAL — NOT FOR PUBLICATION. {html.escape(INTERNAL_NOTE)}</div>'
    most = disclosure.suppress_max
    return (f'<p class="lotus-mode">Disclosure control: <strong>publication mode</strong>. Counts of 1 to {most} '
            f"are shown as *, other counts are rounded to the nearest {disclosure.rounding_base}, and figures "
            f"based on fewer than {most + 1} people are not shown.</p>")


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML page (inline CSS, no scripts, nothing fetched from the network)."""
    return (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{body}</main></body></html>\n")
