"""Configuration: defaults, a user file and overrides, with clear messages for mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lotus_analytics.config import ConfigError, load_config


def test_defaults_are_the_documented_ones() -> None:
    cfg = load_config()
    assert cfg.targets.triage_working_days == 5 and cfg.targets.pag_working_days == 20
    assert cfg.inequalities.band == (0.8, 1.25) and cfg.inequalities.window_years == 2
    assert cfg.disclosure.mode == "publication" and cfg.disclosure.suppress_max == 7
    assert cfg.dashboard_host == "127.0.0.1"


def test_user_file_then_overrides(tmp_path: Path) -> None:
    f = tmp_path / "lotus.toml"
    f.write_text('[targets]\ntriage_working_days = 3\n[inequalities.reference]\nsex = "female"\n')
    cfg = load_config(f, overrides={"targets.pag_working_days": 10, "report.disclosure_mode": None})
    assert cfg.targets.triage_working_days == 3
    assert cfg.targets.pag_working_days == 10
    assert cfg.inequalities.reference["sex"] == "female"
    assert cfg.inequalities.reference["pmq_region"] == "uk"  # untouched defaults stay
    assert cfg.disclosure.mode == "publication"  # a None override means "not given"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[targets]\ntriage_days = 3\n", "unknown setting 'triage_days'"),
        ('[report]\ndisclosure_mode = "open"\n', "disclosure_mode must be one of"),
        ("[inequalities]\nband = [1.2, 0.8]\n", "band must be two numbers"),
        ('[calendar]\nextra_closure_days = ["29/12/2026"]\n', "ISO dates"),
        ("[targets\n", "not valid TOML"),
        ("[disclosure]\nsuppress_max = 0\n", "at least 7"),
        ("[disclosure]\nrounding_base = 0\n", "rounding_base"),
        ('[report]\nregion = "North"\n', "NHS England region"),
        ("[inequalities]\nwindow_years = 0\n", "window_years"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "lotus.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(f)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_a_stricter_threshold_is_allowed(tmp_path: Path) -> None:
    f = tmp_path / "lotus.toml"
    f.write_text("[disclosure]\nsuppress_max = 10\nrounding_base = 10\n")
    cfg = load_config(f)
    assert (cfg.disclosure.suppress_max, cfg.disclosure.rounding_base) == (10, 10)


def test_spc_settings_default_to_one_set_of_limits_and_name_the_policy_month():
    spc = load_config().spc
    assert spc.screen_outliers is True and spc.rebase_at == () and spc.policy_change == "2024-10"
    assert load_config(overrides={"spc.rebase_at": ["2024-10"]}).spc.rebase_at == ("2024-10",)


def test_spc_months_must_be_written_as_months():
    with pytest.raises(ConfigError, match="YYYY-MM"):
        load_config(overrides={"spc.rebase_at": ["October 2024"]})


def test_every_dimension_has_a_reference_and_the_intersection_follows_its_parts():
    assert load_config().inequalities.reference["ethnic_group_2_pmq_region"] == "White, UK qualified"
    moved = load_config(overrides={"inequalities.reference.pmq_region": "international"}).inequalities.reference
    assert moved["ethnic_group_2_pmq_region"] == "White, internationally qualified"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("inequalities.reference.ethnic_group_2", "Purple", "must be one of White, Black and minority ethnic, not 'Purple'"),
    ("inequalities.reference.religion", "none", "has no dimension religion"),
])
def test_a_reference_that_is_not_a_group_is_refused(key, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(overrides={key: value})
