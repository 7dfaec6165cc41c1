"""The data contracts: GX suites built from the schema, and the committed files kept equal to them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lotus_analytics import schema
from lotus_analytics.contracts import build_suite, contract_files, gx, set_pattern, suite_json

COMMITTED = Path(__file__).resolve().parents[1] / "data_contracts"


@pytest.mark.parametrize("name", sorted(contract_files()))
def test_committed_contract_files_equal_what_the_schema_generates(name):
    assert (COMMITTED / name).read_text(encoding="utf-8") == contract_files()[name], \
        "data_contracts/ drifted from schema.py: run write_contracts() and commit"


def _by_rule(table: str, rule: str) -> list:
    return [e for e in build_suite(table).expectations if e.meta["rule"] == rule]


def test_cases_suite_states_the_schema_rules():
    assert sorted(e.column for e in _by_rule("cases", "required")) == sorted(schema.CASES.required_columns)
    sex = next(e for e in _by_rule("cases", "enum") if e.column == "sex")
    assert sex.value_set == list(schema.SEXES)
    assert [(e.column_B, e.column_A) for e in _by_rule("cases", "date_order")] == \
        [(o.earlier, o.later) for o in schema.DATE_ORDER_RULES if o.table == "cases"]
    assert len(_by_rule("cases", "future_date")) == len(schema.CASES.fields_of("date")) == 9
    assert [e.column for e in _by_rule("cases", "unique")] == ["case_id"]
    severity = next(e for e in _by_rule("cases", "range") if e.column == "risk_severity")
    assert (severity.min_value, severity.max_value) == (1, 5)


def test_set_and_code_patterns():
    pattern = re.compile(set_pattern(schema.CONCERN_DOMAINS))
    assert pattern.match("clinical;conduct") and pattern.match("language")
    assert not pattern.match("clinical;gossip") and not pattern.match("clinical;") and not pattern.match("")
    icb = next(e for e in _by_rule("workforce", "pattern") if e.column == "icb_code")
    assert re.match(icb.regex, "QE1") and not re.match(icb.regex, "XE1")


def test_actions_consistency_uses_row_conditions():
    rules = {type(e).__name__: e for e in _by_rule("actions", "consistency")}
    assert set(rules) == {"ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeNull"}
    assert {e.column for e in rules.values()} == {"date_completed"}
    assert 'status=="done"' in str(rules["ExpectColumnValuesToNotBeNull"].row_condition)


def test_consistency_rules_come_from_the_schema_table():
    updates = [(type(e).__name__, e.column, e.row_condition.pass_through_filter, e.meta["columns"], e.meta["detail"])
               for e in _by_rule("updates", "consistency")]
    assert updates == [
        ("ExpectColumnValuesToNotBeNull", "date_meeting", 'update_type=="post_meeting_outcome"',
         ["date_meeting", "update_type"], "required when update_type is post_meeting_outcome")]
    assert _by_rule("cases", "consistency") == []  # the risk band rule needs configuration: a runtime rule
    runtime = json.loads(contract_files()["cross_table.json"])["runtime_rules"]
    assert [(r["table"], r["column"]) for r in runtime] == [("cases", "risk_level")]
    assert runtime[0]["check"].startswith("when risk_severity, risk_likelihood and risk_level are all present")
    assert "| `date_completed` | date | no | not after the extract date; ≥ `date_raised`; required when status is done; " \
        "must be empty unless status is done |" in contract_files()["DATA_DICTIONARY.md"]


def test_suite_json_round_trips_through_gx_and_carries_the_contract_version():
    for table in schema.TABLES:
        data = json.loads(json.dumps(suite_json(table)))
        suite = gx.ExpectationSuite(**data)
        assert len(suite.expectations) == len(build_suite(table).expectations)
        assert data["meta"]["contract_version"] == schema.CONTRACT_VERSION
        assert all(e["meta"]["rule"] in schema.RULES for e in data["expectations"])


def test_cross_table_rules_and_data_dictionary():
    cross = json.loads(contract_files()["cross_table.json"])
    assert [(fk["table"], fk["ref_table"]) for fk in cross["foreign_keys"]] == \
        [("updates", "cases"), ("reviews", "cases"), ("actions", "reviews")]
    assert cross["date_order"][0]["check"] == "updates.date_sent >= cases.date_received"
    dictionary = contract_files()["DATA_DICTIONARY.md"]
    for table in schema.TABLES.values():
        assert all(f"| `{f.name}` | {f.kind} |" in dictionary for f in table.fields)
    assert "| `date_triaged` | date | no | not after the extract date; ≥ `date_received`" in dictionary
    assert "| `date_due` | date | yes | ≥ `date_raised` |" in dictionary  # a planned date may lie ahead
