"""Great Expectations data docs (HTML) for one ingest run: one validation page per table and an index.

Pages are rendered with GX's own renderers (ValidationResultsPageRenderer + DefaultJinjaPageView)
from the run's results, with the per-row index lists left out so that pages stay small. Like GX's
own data docs, the pages load their styling from a CDN; their content reads without it.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.expectation_validation_result import ExpectationValidationResult
from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.view import DefaultJinjaPageView

from lotus_analytics.ingest.validate import WHOLE_TABLE_ROWS

COUNT_NOTE = (
    f"Tables of more than {WHOLE_TABLE_ROWS:,} rows are validated on the distinct values of the columns each expectation "
    "reads, so their pages count distinct values; the row counts are in manifest.json and quarantine/."
)
ROW_LISTS = ("unexpected_list", "unexpected_index_list", "partial_unexpected_index_list", "unexpected_index_query")


def _plain(value: Any) -> Any:
    """pandas' NA / NaT become None (GX's renderers cannot compare NA), containers are walked."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return None if value is pd.NA or value is pd.NaT else value


def _slim(result: Any) -> ExpectationValidationResult:
    """A result without its per-row lists (pages stay small) and with NA made None."""
    details = {k: _plain(v) for k, v in (result.result or {}).items() if k not in ROW_LISTS}
    return ExpectationValidationResult(success=result.success, expectation_config=result.expectation_config,
                                       result=details, exception_info=result.exception_info)


def render_table_page(table: str, results: list[Any], extract_date: str) -> str:
    """The HTML validation page of one table."""
    slim = [_slim(r) for r in results]
    evaluated = len(slim)
    passed = sum(r.success for r in slim)
    suite_result = ExpectationSuiteValidationResult(
        success=passed == evaluated, results=slim, suite_name=table,
        statistics={"evaluated_expectations": evaluated, "successful_expectations": passed,
                    "unsuccessful_expectations": evaluated - passed,
                    "success_percent": 100.0 * passed / evaluated if evaluated else 100.0},
        meta={"extract_date": extract_date, "active_batch_definition": None})
    return DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(suite_result))


def write_data_docs(folder: Path, results: dict[str, list[Any]], extract_date: str) -> Path:
    """Write `<folder>/<table>.html` for each validated table and `<folder>/index.html`; returns the index."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for table, table_results in results.items():
        (folder / f"{table}.html").write_text(render_table_page(table, table_results, extract_date), encoding="utf-8")
        failed = sum(not r.success for r in table_results)
        items.append(f'<li><a href="{html.escape(table)}.html">{html.escape(table)}</a>: '
                     f"{len(table_results) - failed} of {len(table_results)} expectations met</li>")
    index = folder / "index.html"
    index.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>LOTUS ingest: data docs</title></head><body>"
        f"<h1>LOTUS ingest: Great Expectations validation results</h1><p>Extract date {html.escape(extract_date)}</p>"
        f"<p>{COUNT_NOTE}</p>"
        f"<ul>{''.join(items)}</ul></body></html>\n", encoding="utf-8")
    return index
