"""Validate typed tables against their Great Expectations suites and map failures back to rows.

GX's pandas engine copies the whole batch frame for every metric, so a wide table costs columns x
expectations; each group of expectations is therefore validated on a frame holding only the columns
it reads (`meta["columns"]`), which keeps a million rows within the benchmark budget. Failing rows
come from `unexpected_index_list` (result format COMPLETE).
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

RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}


@functools.cache
def _batch_definition() -> Any:
    """One in-memory GX context with a pandas dataframe asset, reused by every validation in the process."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    asset = context.data_sources.add_pandas("lotus_ingest").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def _groups(suite: gx.ExpectationSuite) -> dict[tuple[str, ...], list[Any]]:
    groups: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for expectation in suite.expectations:
        groups[tuple(expectation.meta["columns"])].append(expectation)
    return groups


def run_suite(table: str, typed: pd.DataFrame, extract_date: pd.Timestamp) -> list[Any]:
    """Validate `typed` (positional index) against the table's suite; returns GX expectation results."""
    suite = build_suite(table)
    batch_definition = _batch_definition()
    results = []
    for columns, expectations in _groups(suite).items():
        frame = typed[list(columns)] if columns else typed.iloc[:0]
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        part = gx.ExpectationSuite(name=table, expectations=expectations)
        outcome = batch.validate(part, result_format=RESULT_FORMAT,
                                 expectation_parameters={EXTRACT_DATE_PARAMETER: extract_date})
        results += outcome.results
    broken = [r for r in results if r.exception_info.get("raised_exception")]
    if broken:
        info = broken[0].exception_info
        raise RuntimeError(f"{table}: Great Expectations could not evaluate {broken[0].expectation_config.type}: "
                           f"{info.get('exception_message')}")
    return results


def _first_copies(typed: pd.DataFrame, key: str, rows: np.ndarray) -> np.ndarray:
    """Of the rows GX finds duplicated, keep the later copies only: the first occurrence is stored."""
    later = typed[key].duplicated(keep="first").to_numpy()
    return rows[later[rows]]


def failures_from_results(table: str, results: list[Any], raw: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """Row failures (row, rule, column, message) of every unexpected row in the results."""
    parts = []
    for result in results:
        rows = np.asarray(result.result.get("unexpected_index_list") or [], dtype=np.int64)
        if result.success or not len(rows):
            continue
        meta = result.expectation_config.meta
        if meta["rule"] == "unique":
            rows = _first_copies(typed, meta["column"], rows)
        column = meta["column"]
        parts.append(row_failures(np.sort(rows), meta["rule"], column, shown_values(column, raw, typed), meta["detail"]))
    return combine(parts)


def risk_level_failures(raw: pd.DataFrame, typed: pd.DataFrame, bands: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Cases whose risk_level is not the configured band of risk_severity x risk_likelihood (consistency)."""
    expected = schema.risk_level_for(typed["risk_severity"], typed["risk_likelihood"], bands)
    given = typed["risk_level"]
    bad = given.isin(schema.RISK_LEVELS) & expected.notna() & (given.fillna("") != expected.fillna(""))
    rows = np.flatnonzero(bad.to_numpy(dtype=bool))
    return row_failures(rows, "consistency", "risk_level", shown_values("risk_level", raw, typed),
                        "does not match risk_severity x risk_likelihood and the configured risk bands")
