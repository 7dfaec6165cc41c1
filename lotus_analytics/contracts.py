"""Data contracts: one Great Expectations 1.x suite per table, built from `schema`, plus the cross-table rules.

The suites are the executable form of DATA_MODEL.md. `write_contracts` exports them as JSON (with the
cross-table rules and a Markdown data dictionary) to `data_contracts/`; a test keeps the committed
files equal to what the schema generates. Every expectation's `meta` names the quarantine rule it
enforces (`rule`), the column a failure is reported against (`column`) and the columns it reads
(`columns`), so that ingest can validate narrow frames and map failures back to rows.

Future dates are checked against the suite parameter ``{"$PARAMETER": "extract_date"}``, supplied at
validation time. The within-row consistency rules come from `schema.CONSISTENCY_RULES`; the risk-level
one depends on the configured risk bands, so ingest applies it after the suite (it is listed in
`cross_table.json` under `runtime_rules`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (the switch above must be set before the import)
import great_expectations.expectations as gxe  # noqa: E402

from lotus_analytics import schema  # noqa: E402

EXTRACT_DATE_PARAMETER = "extract_date"
CROSS_TABLE_FILE = "cross_table.json"
DICTIONARY_FILE = "DATA_DICTIONARY.md"


def _meta(rule: str, column: str, *columns: str, detail: str = "") -> dict[str, Any]:
    """What ingest needs to report a failure: the rule, the column, the columns read and a detail for the message."""
    return {"rule": rule, "column": column, "columns": [column, *columns], "detail": detail}


def set_pattern(values: tuple[str, ...]) -> str:
    """Regex for a ';'-separated set (as ingest normalises it) whose items all come from `values`."""
    item = "(?:" + "|".join(re.escape(v) for v in values) + ")"
    return f"^{item}(?:;{item})*$"


def _span(field: schema.Field, dash: str) -> str:
    """The allowed range of an int field, e.g. '1..5' or '0..' (open ends left empty)."""
    low, high = ("" if v is None else str(v) for v in (field.minimum, field.maximum))
    return f"{low}{dash}{high}"


def _field_expectations(field: schema.Field) -> list[gxe.Expectation]:
    """The expectations one field implies: not-null, value set, set/code pattern, range, not after the extract date."""
    name = field.name
    out: list[gxe.Expectation] = []
    if field.required:
        out.append(gxe.ExpectColumnValuesToNotBeNull(column=name, meta=_meta("required", name)))
    if field.kind == "enum" and field.values:
        out.append(gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(field.values), meta=_meta("enum", name)))
    if field.kind == "set" and field.values:
        out.append(gxe.ExpectColumnValuesToMatchRegex(
            column=name, regex=set_pattern(field.values), meta=_meta("enum", name)))
    if field.pattern:
        out.append(gxe.ExpectColumnValuesToMatchRegex(column=name, regex=field.pattern, meta=_meta("pattern", name)))
    if field.kind == "int" and (field.minimum is not None or field.maximum is not None):
        out.append(gxe.ExpectColumnValuesToBeBetween(
            column=name, min_value=field.minimum, max_value=field.maximum,
            meta=_meta("range", name, detail=_span(field, ".."))))
    if field.kind == "date" and not field.planned:
        out.append(gxe.ExpectColumnValuesToBeBetween(
            column=name, max_value={"$PARAMETER": EXTRACT_DATE_PARAMETER}, meta=_meta("future_date", name)))
    return out


ROW_CONDITION_CHECKS = {"filled": gxe.ExpectColumnValuesToNotBeNull, "empty": gxe.ExpectColumnValuesToBeNull}


def _conditional_expectations(table: str) -> list[gxe.Expectation]:
    """The table's schema.CONSISTENCY_RULES that a pandas row condition can state (not the runtime ones)."""
    return [
        ROW_CONDITION_CHECKS[rule.check](
            column=rule.column, row_condition=rule.condition, condition_parser="pandas",
            meta=_meta("consistency", rule.column, *rule.reads, detail=rule.detail))
        for rule in schema.CONSISTENCY_RULES if rule.table == table and rule.check in ROW_CONDITION_CHECKS
    ]


def build_suite(table: str) -> gx.ExpectationSuite:
    """The Great Expectations suite of one table of schema.TABLES (not attached to any context)."""
    spec = schema.TABLES[table]
    expectations: list[gxe.Expectation] = [gxe.ExpectTableColumnsToMatchSet(
        column_set=spec.required_columns, exact_match=False,
        meta={"rule": "missing_column", "column": "", "columns": [], "detail": ""})]
    for field in spec.fields:
        expectations += _field_expectations(field)
    if spec.key:
        expectations.append(gxe.ExpectColumnValuesToBeUnique(column=spec.key, meta=_meta("unique", spec.key)))
    for order in (o for o in schema.DATE_ORDER_RULES if o.table == table):
        expectations.append(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=order.later, column_B=order.earlier, or_equal=True, ignore_row_if="either_value_is_missing",
            meta=_meta("date_order", order.later, order.earlier, detail=f"before {order.earlier}")))
    expectations += _conditional_expectations(table)
    return gx.ExpectationSuite(
        name=table, expectations=expectations,
        meta={"contract_version": schema.CONTRACT_VERSION, "description": spec.description})


def suite_json(table: str) -> dict[str, Any]:
    """The suite as a JSON-able dict without GX's version stamp (so the committed files stay stable)."""
    data = build_suite(table).to_json_dict()
    data["meta"].pop("great_expectations_version", None)
    return data


def cross_table_rules() -> dict[str, Any]:
    """Foreign keys, cross-table date order and runtime rules, in JSON form."""
    return {
        "contract_version": schema.CONTRACT_VERSION,
        "foreign_keys": [
            {"table": fk.table, "column": fk.column, "ref_table": fk.ref_table, "ref_column": fk.ref_column,
             "rule": "foreign_key", "when": "the column is not empty"}
            for fk in schema.FOREIGN_KEYS
        ],
        "date_order": [
            {"table": fk.table, "column": child, "ref_table": fk.ref_table, "ref_column": parent, "join": fk.column,
             "rule": "date_order", "check": f"{fk.table}.{child} >= {fk.ref_table}.{parent}"}
            for fk, child, parent in schema.CROSS_TABLE_DATE_ORDER
        ],
        "runtime_rules": [
            {"table": rule.table, "column": rule.column, "rule": "consistency",
             "check": f"when {', '.join(rule.reads)} and {rule.column} are all present, {rule.column} {rule.detail}"}
            for rule in schema.CONSISTENCY_RULES if rule.check not in ROW_CONDITION_CHECKS
        ],
    }


def _values_and_rules(table: str, field: schema.Field) -> str:
    """The 'values / rule' cell of a field in the data dictionary."""
    parts = []
    if field.values:
        parts.append(", ".join(f"`{v}`" for v in field.values))
    if field.pattern:
        parts.append(f"matches `{field.pattern}`")
    if field.minimum is not None or field.maximum is not None:
        parts.append(_span(field, "–"))
    if field.kind == "date" and not field.planned:
        parts.append("not after the extract date")
    parts += [f"≥ `{o.earlier}`" for o in schema.DATE_ORDER_RULES if o.table == table and o.later == field.name]
    parts += [f"≤ `{o.later}`" for o in schema.DATE_ORDER_RULES if o.table == table and o.earlier == field.name]
    parts += [f"must exist in `{fk.ref_table}.{fk.ref_column}`" for fk in schema.FOREIGN_KEYS
              if fk.table == table and fk.column == field.name]
    parts += [rule.detail for rule in schema.CONSISTENCY_RULES if rule.table == table and rule.column == field.name]
    if schema.TABLES[table].key == field.name:
        parts.append("unique")
    return "; ".join(parts)


def data_dictionary() -> str:
    """The Markdown data dictionary generated from schema.TABLES."""
    lines = [
        "# LOTUS analytics — data dictionary",
        "",
        f"Generated from `lotus_analytics/schema.py` by `lotus_analytics.contracts.write_contracts` "
        f"(contract version {schema.CONTRACT_VERSION}). Do not edit by hand.",
        "",
        "Direct identifiers are refused (or, with pseudonymisation, hashed and dropped): "
        + ", ".join(f"`{c}`" for c in schema.IDENTIFIER_COLUMNS) + ".",
    ]
    for table in schema.TABLES.values():
        lines += [
            "", f"## `{table.name}` ({'required' if table.required else 'optional'})", "", table.description, "",
            "| field | type | required | values / rule | description |", "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{f.name}` | {f.kind} | {'yes' if f.required else 'no'} | {_values_and_rules(table.name, f)} "
            f"| {f.description} |"
            for f in table.fields
        ]
    lines += ["", "## Rules", "", "| rule | meaning |", "|---|---|"]
    lines += [f"| `{rule}` | {meaning} |" for rule, meaning in schema.RULES.items()]
    return "\n".join(lines) + "\n"


def _dumps(data: Any) -> str:
    """Stable JSON text (indented, non-ASCII kept) for committed files."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def contract_files() -> dict[str, str]:
    """File name -> content of every generated contract file."""
    files = {f"{name}.json": _dumps(suite_json(name)) for name in schema.TABLES}
    files[CROSS_TABLE_FILE] = _dumps(cross_table_rules())
    files[DICTIONARY_FILE] = data_dictionary()
    return files


def write_contracts(folder: str | Path = "data_contracts") -> list[Path]:
    """Write the suites, the cross-table rules and the data dictionary to `folder`; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in contract_files().items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
