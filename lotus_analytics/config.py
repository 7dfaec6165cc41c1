"""Configuration in one file: packaged defaults, a user TOML file, then explicit overrides.

Precedence (lowest first): `defaults.toml` shipped in the package; `lotus.toml` in the working
directory or the file passed as `path`; the `overrides` mapping (dotted keys, e.g.
``{"targets.triage_working_days": 3}``) that notebook parameters and CLI flags fill in.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from lotus_analytics.schema import DIMENSIONS, REGIONS, reference_group

USER_CONFIG_NAME = "lotus.toml"
# The environment variable that holds the pseudonymisation key (never stored in a file of the repository).
KEY_ENV = "LOTUS_PSEUDONYMISATION_KEY"
DISCLOSURE_MODES = ("publication", "internal")
MIN_PUBLICATION_SUPPRESSION = 7  # METHODS.md §4: counts 1-7 are never published; a file may only be stricter


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class Targets:
    """Timeliness targets (placeholders to agree with the regional team, DOMAIN.md 1.7)."""

    triage_working_days: int
    pag_working_days: int
    inform_working_days: int
    contact_gap_calendar_days: int


@dataclass(frozen=True)
class Spc:
    """SPC chart settings: outlier screening, months where limits restart, the policy-change month."""

    screen_outliers: bool
    rebase_at: tuple[str, ...]
    policy_change: str


@dataclass(frozen=True)
class Inequalities:
    """Relative-likelihood settings: rolling window, confidence, no-adverse-impact band, reference groups."""

    window_years: int
    confidence: float
    band: tuple[float, float]
    reference: dict[str, str]


@dataclass(frozen=True)
class Disclosure:
    """Disclosure control: the mode, the largest suppressed count and the rounding base."""

    mode: str
    suppress_max: int
    rounding_base: int


@dataclass(frozen=True)
class Config:
    """The whole configuration, typed; `raw` keeps the merged mapping for provenance."""

    demo_extract: Path
    store: Path
    reports: Path
    region: str
    targets: Targets
    spc: Spc
    inequalities: Inequalities
    disclosure: Disclosure
    risk_bands: dict[str, tuple[int, int]]
    bank_holiday_subdivision: str
    extra_closure_days: tuple[date, ...]
    dashboard_host: str
    dashboard_port: int
    raw: dict[str, Any]


def _defaults() -> dict[str, Any]:
    text = resources.files("lotus_analytics").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], extra: Mapping[str, Any], where: str) -> None:
    for key, value in extra.items():
        if key not in base:
            raise ConfigError(f"{where}: unknown setting '{key}'")
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: '{key}' must be a table")
            if key == "reference":  # reference groups may name any dimension
                base[key].update(value)
            else:
                _merge(base[key], value, f"{where}.{key}")
        else:
            base[key] = value


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = raw
    for part in parents:
        if part not in node or not isinstance(node[part], dict):
            raise ConfigError(f"override '{dotted}': unknown section '{part}'")
        node = node[part]
    if leaf not in node and parents != ["inequalities", "reference"]:
        raise ConfigError(f"override '{dotted}': unknown setting '{leaf}'")
    node[leaf] = value


def load_config(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Load the configuration; `path` defaults to ./lotus.toml when it exists."""
    raw = copy.deepcopy(_defaults())
    user = Path(path) if path else Path(USER_CONFIG_NAME)
    if path and not user.is_file():
        raise ConfigError(f"configuration file not found: {user}")
    if user.is_file():
        try:
            _merge(raw, tomllib.loads(user.read_text(encoding="utf-8")), str(user))
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{user}: not valid TOML ({err})") from None
    for key, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(raw, key, value)
    return _typed(raw)


def _check_limits(raw: dict[str, Any]) -> None:
    """Refuse settings that would weaken disclosure control or make no sense."""
    if raw["report"]["region"] not in REGIONS:
        raise ConfigError(f"report.region must be an NHS England region ({', '.join(REGIONS)}), not '{raw['report']['region']}'")
    if int(raw["disclosure"]["suppress_max"]) < MIN_PUBLICATION_SUPPRESSION:
        raise ConfigError(f"disclosure.suppress_max must be at least {MIN_PUBLICATION_SUPPRESSION} (METHODS.md section 4)")
    if int(raw["disclosure"]["rounding_base"]) < 1:
        raise ConfigError("disclosure.rounding_base must be a whole number of at least 1")
    if int(raw["inequalities"]["window_years"]) < 1:
        raise ConfigError("inequalities.window_years must be at least 1")


def _references(raw: Mapping[str, str]) -> dict[str, str]:
    """The reference group of every inequality dimension; an intersection not set follows its parts' references."""
    unknown = sorted(set(raw) - set(DIMENSIONS))
    if unknown:
        raise ConfigError(f"inequalities.reference has no dimension {', '.join(unknown)} "
                          f"(dimensions: {', '.join(DIMENSIONS)})")
    try:
        references = {name: reference_group(name, raw) for name in DIMENSIONS}
    except ValueError as err:
        raise ConfigError(str(err)) from None
    for name, group in references.items():
        if group not in DIMENSIONS[name].stated_groups:
            raise ConfigError(f"inequalities.reference.{name} must be one of {', '.join(DIMENSIONS[name].stated_groups)}, "
                              f"not '{group}'")
    return references


def _spc(raw: dict[str, Any]) -> Spc:
    months = [*raw["rebase_at"], raw["policy_change"]]
    if not all(isinstance(m, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m) for m in months):
        raise ConfigError("spc.rebase_at and spc.policy_change must be months written YYYY-MM, e.g. \"2024-10\"")
    return Spc(screen_outliers=bool(raw["screen_outliers"]), rebase_at=tuple(raw["rebase_at"]),
               policy_change=raw["policy_change"])


def _typed(raw: dict[str, Any]) -> Config:
    mode = raw["report"]["disclosure_mode"]
    if mode not in DISCLOSURE_MODES:
        raise ConfigError(f"report.disclosure_mode must be one of {DISCLOSURE_MODES}, not '{mode}'")
    ineq = raw["inequalities"]
    band = tuple(float(b) for b in ineq["band"])
    if len(band) != 2 or not 0 < band[0] < 1 < band[1]:
        raise ConfigError("inequalities.band must be two numbers, below and above 1")
    if not 0 < float(ineq["confidence"]) < 1:
        raise ConfigError("inequalities.confidence must lie between 0 and 1")
    _check_limits(raw)
    try:
        closures = tuple(date.fromisoformat(d) for d in raw["calendar"]["extra_closure_days"])
    except (TypeError, ValueError):
        raise ConfigError("calendar.extra_closure_days must be ISO dates (YYYY-MM-DD)") from None
    return Config(
        demo_extract=Path(raw["paths"]["demo_extract"]),
        store=Path(raw["paths"]["store"]),
        reports=Path(raw["paths"]["reports"]),
        region=raw["report"]["region"],
        targets=Targets(**{k: int(v) for k, v in raw["targets"].items()}),
        spc=_spc(raw["spc"]),
        inequalities=Inequalities(
            window_years=int(ineq["window_years"]),
            confidence=float(ineq["confidence"]),
            band=(band[0], band[1]),
            reference=_references(ineq["reference"]),
        ),
        disclosure=Disclosure(
            mode=mode,
            suppress_max=int(raw["disclosure"]["suppress_max"]),
            rounding_base=int(raw["disclosure"]["rounding_base"]),
        ),
        risk_bands={k: (int(v[0]), int(v[1])) for k, v in raw["risk_bands"].items()},
        bank_holiday_subdivision=raw["calendar"]["bank_holiday_subdivision"],
        extra_closure_days=closures,
        dashboard_host=raw["dashboard"]["host"],
        dashboard_port=int(raw["dashboard"]["port"]),
        raw=raw,
    )
