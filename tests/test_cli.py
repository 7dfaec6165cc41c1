"""The `lotus` command: what a user sees — one clear line and exit status 2 for problems they can fix."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lotus_analytics import synthetic
from lotus_analytics.cli import EXIT_USER_ERROR, main
from lotus_analytics.config import KEY_ENV


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dirty")
    synthetic.write_faulty_extract(folder)
    return folder


def test_ingest_prints_the_balance_with_the_planted_quarantine(dirty: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = _run(capsys, "ingest", str(dirty / "rows"), "--store", str(tmp_path / "store"))
    assert code == 0
    planted = Counter(f["table"] for f in json.loads((dirty / "faults.json").read_text())
                      if f["extract"] == "rows" and f["rule"] != "encoding")
    for table, n in planted.items():
        line = next(l for l in out.splitlines() if l.strip().startswith(table))
        assert line.split()[-1] == str(n), line


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("identifier_column", "gmc_number"), ("missing_column", "date_received"), ("no_such_folder", "no_such_folder")],
)
def test_whole_file_problems_end_with_one_message_and_status_2(
    dirty: Path, tmp_path: Path, capsys, folder: str, expected: str,
) -> None:
    code, out, err = _run(capsys, "ingest", str(dirty / folder), "--store", str(tmp_path / "store"))
    assert code == EXIT_USER_ERROR
    assert err.startswith("lotus: error:") and expected in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_pseudonymise_without_a_key_is_refused(dirty: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    code, _, err = _run(capsys, "ingest", str(dirty / "identifier_column"), "--store", str(tmp_path / "s"), "--pseudonymise")
    assert code == EXIT_USER_ERROR and "key" in err


def test_pseudonymise_with_a_key_file_stores_no_identifier(dirty: Path, tmp_path: Path, capsys) -> None:
    key = tmp_path / "lotus.key"
    key.write_text("not-a-real-key-for-tests\n")
    store = tmp_path / "store"
    code, _, _ = _run(capsys, "ingest", str(dirty / "identifier_column"), "--store", str(store),
                      "--pseudonymise", "--key-file", str(key))
    assert code == 0
    manifest = (store / "manifest.json").read_text()
    assert "gmc_number" in manifest and "not-a-real-key-for-tests" not in manifest
    assert not any("TEST0000" in p.read_bytes().decode("latin-1") for p in store.rglob("*") if p.is_file())


def test_report_without_a_store_says_what_to_run(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, "report", "--store", str(tmp_path / "empty"))
    assert code == EXIT_USER_ERROR and "lotus ingest" in err


def test_bad_quarter_is_named(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, "report", "--quarter", "2026/28 Q1", "--store", str(tmp_path))
    assert code == EXIT_USER_ERROR and "2026/28 Q1" in err


def test_config_file_reaches_the_dashboard_kernel(dirty: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    """`lotus --config F dashboard` hands F to the Voilà kernel (the command line Voilà is started with)."""
    store = tmp_path / "store"
    assert main(["ingest", str(dirty / "rows"), "--store", str(store)]) == 0
    config = tmp_path / "team.toml"
    config.write_text("[targets]\ntriage_working_days = 3\n")
    started: list[list[str]] = []
    monkeypatch.setattr("subprocess.call", lambda command: started.append(command) or 0)
    code, out, _ = _run(capsys, "--config", str(config), "dashboard", "--store", str(store), "--port", "8899")
    assert code == 0 and "http://127.0.0.1:8899/" in out
    assert f"LOTUS_CONFIG={config.resolve()}" in started[0] and f"LOTUS_STORE={store.resolve()}" in started[0]
