"""Validate typed tables against their Great Expectations suites and map failures back to rows.

GX's pandas engine copies the whole batch frame for every metric, so a wide table of a million rows
costs minutes. Each group of expectations is therefore validated on a frame holding only the
columns it reads (`meta["columns"]`) and only their distinct value combinations: a row-wise
expectation gives the same verdict for equal values, so the unexpected distinct rows
(`unexpected_index_list`, result format COMPLETE) are spread back to every row holding them. The
uniqueness expectation looks across rows, so it alone sees the whole column. Small tables (up to
`WHOLE_TABLE_ROWS` rows) are validated whole in one batch, which is quicker below that size.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.contracts import EXTRACT_DATE_PARAMETER, build_suite, gx
from lotus_analytics.ingest.failures import combine, row_failures, shown_values

WHOLE_TABLE_ROWS = 20_000
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}


@functools.cache
def _batch_definition() -> Any:
    """One in-memory GX context with a pandas dataframe asset, reused by every validation in the process."""
    # GX fingerprints every in-memory batch below this size (an MD5 of all rows) for its batch markers,
    # which nothing here reads; at 1M cases that cost about 5 s of an ingest. 0 switches it off.
    gx.execution_engine.pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    asset = context.data_sources.add_pandas("lotus_ingest").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def _groups(suite: gx.ExpectationSuite) -> dict[tuple[str, ...], list[Any]]:
    """Expectations grouped by the columns they read (meta['columns'])."""
    groups: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for expectation in suite.expectations:
        groups[tuple(expectation.meta["columns"])].append(expectation)
    return groups


def _codes(column: str, raw: pd.DataFrame, typed: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Integer codes of a column's values: the categorical codes of its text (equal text, equal typed value)."""
    if column in raw.columns:
        return raw[column].cat.codes.to_numpy(dtype=np.int64), len(raw[column].cat.categories)
    codes, uniques = pd.factorize(typed[column], use_na_sentinel=False)
    return codes, len(uniques)


def distinct_rows(columns: list[str], raw: pd.DataFrame, typed: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Typed rows of `columns` with distinct text, and for each table row the position of its distinct row."""
    key = np.zeros(len(typed), dtype=np.int64)
    for column in columns:
        codes, count = _codes(column, raw, typed)
        if len(key) and int(key.max()) * (count + 1) > 2**62:
            key = pd.factorize(key)[0]
        key = key * (count + 1) + codes
    position, distinct = pd.factorize(key)
    first = np.empty(len(distinct), dtype=np.int64)
    first[position[::-1]] = np.arange(len(position) - 1, -1, -1)  # reversed, so the earliest row wins
    return typed[columns].iloc[first].reset_index(drop=True), position


def _validate(table: str, frame: pd.DataFrame, expectations: list[Any], extract_date: pd.Timestamp) -> list[Any]:
    """Run expectations on one frame; an expectation GX cannot evaluate is a bug, so it raises."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(gx.ExpectationSuite(name=table, expectations=expectations), result_format=RESULT_FORMAT,
                             expectation_parameters={EXTRACT_DATE_PARAMETER: extract_date})
    broken = [r for r in outcome.results if r.exception_info.get("raised_exception")]
    if broken:
        raise RuntimeError(f"{table}: Great Expectations could not evaluate {broken[0].expectation_config.type}: "
                           f"{broken[0].exception_info.get('exception_message')}")
    return outcome.results


def run_suite(
    table: str, raw: pd.DataFrame, typed: pd.DataFrame, extract_date: pd.Timestamp
) -> list[tuple[Any, np.ndarray]]:
    """Validate `typed` (positional index, parsed from the categorical text `raw`) against the table's suite.

    Returns each GX expectation result with the table rows it found unexpected (positions, sorted).
    """
    suite = build_suite(table)
    if len(typed) <= WHOLE_TABLE_ROWS:
        return [(r, _unexpected(r, None)) for r in _validate(table, typed, suite.expectations, extract_date)]
    found = []
    for columns, expectations in _groups(suite).items():
        whole = [e for e in expectations if e.meta["rule"] == "unique" or not columns]
        rowwise = [e for e in expectations if e not in whole]
        if whole:
            frame = typed[list(columns)] if columns else typed.iloc[:0]
            found += [(r, _unexpected(r, None)) for r in _validate(table, frame, whole, extract_date)]
        if rowwise:
            distinct, position = distinct_rows(list(columns), raw, typed)
            found += [(r, _unexpected(r, position)) for r in _validate(table, distinct, rowwise, extract_date)]
    return found


def _unexpected(result: Any, position: np.ndarray | None) -> np.ndarray:
    """Table rows behind a result's unexpected_index_list (spread back from distinct rows when `position` is given)."""
    index = np.asarray(result.result.get("unexpected_index_list") or [], dtype=np.int64)
    if position is None:
        return np.sort(index)
    return np.flatnonzero(np.isin(position, index)) if len(index) else index


def _first_copies(typed: pd.DataFrame, key: str, rows: np.ndarray) -> np.ndarray:
    """Of the rows GX finds duplicated, keep the later copies only: the first occurrence is stored."""
    later = typed[key].duplicated(keep="first").to_numpy()
    return rows[later[rows]]


def failures_from_results(found: list[tuple[Any, np.ndarray]], raw: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """Row failures (row, rule, column, message) of every unexpected row found by run_suite."""
    parts = []
    for result, rows in found:
        if result.success or not len(rows):
            continue
        meta = result.expectation_config.meta
        if meta["rule"] == "unique":
            rows = _first_copies(typed, meta["column"], rows)
        column = meta["column"]
        parts.append(row_failures(rows, meta["rule"], column, shown_values(column, raw, typed), meta["detail"]))
    return combine(parts)


def risk_band_failures(
    rule: schema.Consistency, raw: pd.DataFrame, typed: pd.DataFrame, bands: dict[str, tuple[int, int]]
) -> pd.DataFrame:
    """Rows whose `rule.column` (a valid level) is not the configured band of the product of `rule.reads`."""
    severity, likelihood = (typed[c] for c in rule.reads)
    expected = schema.risk_level_for(severity, likelihood, bands)
    given = typed[rule.column]
    levels = schema.TABLES[rule.table].field(rule.column).values or ()
    scored = severity.notna() & likelihood.notna()
    differs = given.fillna("") != expected.fillna("")
    bad = scored.to_numpy(dtype=bool) & expected.notna() & given.isin(levels) & differs
    rows = np.flatnonzero(bad.to_numpy(dtype=bool))
    return row_failures(rows, "consistency", rule.column, shown_values(rule.column, raw, typed), rule.detail)
