"""Shared fixtures: one small seeded synthetic extract, written as CSV and ingested through the real
ingest into a temporary store, once per test session."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from lotus_analytics import synthetic

SEED = 2026
SCALE = 0.5  # about 1,100 cases over six financial years: small, yet most cells survive suppression
CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class IngestedExtract:
    """The generator's extract (raw rows and ground truth), where it was written and the store built from it."""

    extract: synthetic.SyntheticExtract
    extract_dir: Path
    store: Path


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> IngestedExtract:
    from lotus_analytics.ingest import ingest  # imported here: Great Expectations loads only when needed

    root = tmp_path_factory.mktemp("lotus")
    extract = synthetic.generate(seed=SEED, scale=SCALE)
    extract_dir, store = root / "extract", root / "store"
    synthetic.write_extract(extract, extract_dir)
    ingest(extract_dir, store)
    return IngestedExtract(extract, extract_dir, store)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium for Playwright; skipped when missing, except under CI=true where it must exist."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing and CI=true: browser tests must not be skipped (.ci/run installs it)")
        pytest.skip(f"{CHROMIUM} not installed (apt install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots kept for people to look at."""
    folder = Path(__file__).resolve().parents[1] / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
