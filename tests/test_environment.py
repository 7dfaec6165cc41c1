"""The lock file pins everything, and environment.yml installs exactly those pins."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0]).lower()


def test_every_lock_line_is_an_exact_pin() -> None:
    lines = [l for l in (ROOT / "requirements.lock").read_text().splitlines() if l and not l.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", l) for l in lines)


def test_lock_pins_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    missing = {_name(r) for r in declared} - set(_lock())
    assert not missing, f"declared but not pinned in requirements.lock: {missing}"


def test_lock_pins_agree_with_the_installed_environment() -> None:
    """Transitive dependencies included: every installed distribution is the locked version."""
    installed = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in metadata.distributions()}
    ignored = {"pip", "setuptools", "wheel", "lotus-analytics"}
    unlocked = {n: v for n, v in installed.items() if n not in ignored and _lock().get(n) != v}
    assert not unlocked, f"installed but not (or differently) locked: {unlocked}"


def test_environment_yml_installs_the_lock_and_the_package() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip_section == ["-r requirements.lock", "-e ."]
