"""The single schema: code mappings and derived fields (DATA_MODEL.md)."""

from __future__ import annotations

import pandas as pd

from lotus_analytics import schema
from lotus_analytics.config import load_config


def test_ethnic_group_mappings_follow_the_2001_codes() -> None:
    codes = pd.Series(["A", "B", "C", "D", "G", "H", "L", "M", "P", "R", "S", "Z", "99"])
    assert schema.ethnic_group_5(codes).tolist() == [
        "White", "White", "White", "Mixed", "Mixed", "Asian", "Asian", "Black", "Black",
        "Other", "Other", "not_stated", "not_stated",
    ]
    two = schema.ethnic_group_2(codes).tolist()
    assert two[:3] == ["White"] * 3
    assert two[3:11] == ["Black and minority ethnic"] * 8  # R (Chinese) is minority ethnic too
    assert two[11:] == ["not_stated", "not_stated"]


def test_z_and_99_stay_distinct_codes() -> None:
    assert schema.ETHNIC_CATEGORIES["Z"][0] == "Not stated"
    assert schema.ETHNIC_CATEGORIES["99"][0] == "Not known"
    assert len(schema.ETHNIC_CODES) == 18  # 16 categories + Z + 99


def test_risk_levels_follow_the_configured_bands() -> None:
    bands = load_config().risk_bands
    sev = pd.Series([1, 1, 2, 2, 3, 4, 5, 5])
    lik = pd.Series([1, 3, 2, 3, 3, 3, 3, 5])
    # scores 1, 3, 4, 6, 9, 12, 15, 25
    assert schema.risk_level_for(sev, lik, bands).tolist() == [
        "low", "low", "moderate", "moderate", "high", "high", "extreme", "extreme",
    ]


def test_policy_version_switches_in_october_2024() -> None:
    dates = pd.Series(pd.to_datetime(["2024-09-30", "2024-10-01", None]))
    assert schema.policy_version_for(dates).tolist()[:2] == ["framework_2013", "policy_2024"]
    assert pd.isna(schema.policy_version_for(dates).iloc[2])


def test_every_nw_icb_is_listed_and_codes_are_ods_shaped() -> None:
    assert set(schema.ICBS["North West"]) == {"QYG", "QOP", "QE1"}
    assert sum(len(v) for v in schema.ICBS.values()) == 42
    codes = pd.Series([c for v in schema.ICBS.values() for c in v])
    assert codes.str.fullmatch(schema.ICB_CODE_PATTERN).all() and codes.is_unique


def test_stage_flags_are_derived_not_typed_in() -> None:
    cases = pd.DataFrame({
        "ethnicity_code": ["A", "N"],
        "date_triaged": pd.to_datetime(["2025-01-02", None]),
        "date_first_pag": pd.to_datetime(["2025-01-20", None]),
        "investigation": pd.array([pd.NA, True], dtype="boolean"),
        "date_investigation_start": pd.to_datetime([None, None]),
        "date_decision_panel": pd.to_datetime([None, None]),
        "outcome": ["suspension", None],
        "date_closed": pd.to_datetime(["2025-06-01", None]),
    })
    d = schema.with_derived(cases)
    assert d["reached_triage"].tolist() == [True, False]
    assert d["reached_investigation"].tolist() == [False, True]
    assert d["adverse_outcome"].tolist() == [True, False]
    assert d["open"].tolist() == [False, True]
    assert d["ethnic_group_2"].tolist() == ["White", "Black and minority ethnic"]


def test_risk_level_for_leaves_a_missing_score_without_a_level() -> None:
    bands = {"low": (1, 3), "moderate": (4, 6), "high": (8, 12), "extreme": (15, 25)}
    severity = pd.Series([1, pd.NA, 5, 5], dtype="Int64")
    likelihood = pd.Series([2, 3, pd.NA, 5], dtype="Int64")
    assert schema.risk_level_for(severity, likelihood, bands).tolist() == ["low", pd.NA, pd.NA, "extreme"]
