"""The dashboard served by a real Voilà on a free localhost port, against the ingested synthetic store.

HTTP tests prove that only the dashboard is served (store, manifest, quarantine and extract files are
refused); the browser test drives headless Chromium with Playwright, changes the ICB filter and checks
the figure shown against the published (disclosure-controlled) table computed from the store.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lotus_analytics.config import load_config
from lotus_analytics.dashboard.serve import voila_command
from lotus_analytics.periods import latest_complete_quarter
from lotus_analytics.reports.tables import Scope, published_tables
from lotus_analytics.store import load_store

HOST = "127.0.0.1"
START_SECONDS = 60
PAGE_SECONDS = 120
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ICB = "QOP"
# Harmless noise (STACK_NOTES.md): Voilà asks a CDN for a font; JupyterLab logs shared-module versions.
HARMLESS_CONSOLE = re.compile(r"Unsatisfied version|No satisfying version|net::ERR_NAME_NOT_RESOLVED")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def status(url: str) -> int:
    """Final HTTP status of a GET, redirects followed (Voilà sends /files/... on to /voila/files/...)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.fixture(scope="module")
def voila(ingested, tmp_path_factory):
    """A real Voilà serving the dashboard; yields its base URL. Any HTTP answer means it is up."""
    port = _free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with log.open("w") as out:
        process = subprocess.Popen(voila_command(host=HOST, port=port, store=ingested.store), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            status(f"{url}/api")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGTERM)
                pytest.fail(f"Voilà did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_command_binds_localhost_and_hides_tracebacks(tmp_path):
    config_file = tmp_path / "lotus.toml"
    config_file.write_text("[dashboard]\nport = 9123\n", encoding="utf-8")
    command = voila_command(store=tmp_path, config_file=config_file)
    # the port comes from the user's file, the host from defaults.toml
    assert "--Voila.ip=127.0.0.1" in command and "--port=9123" in command
    assert "--VoilaConfiguration.show_tracebacks=False" in command
    assert command[:3] == ["env", f"LOTUS_STORE={tmp_path.resolve()}", f"LOTUS_CONFIG={config_file.resolve()}"]


def test_command_flags_win_over_the_configuration(tmp_path):
    command = voila_command(host="0.0.0.0", port=8000, store=tmp_path, config_file=None)
    assert "--Voila.ip=0.0.0.0" in command and "--port=8000" in command


def test_only_the_dashboard_is_served(voila, ingested):
    store, extract = ingested.store, ingested.extract_dir
    assert status(f"{voila}/") == 200
    targets = [store / "cases.parquet", store / "manifest.json", store / "quarantine" / "cases.csv",
               extract / "cases.csv", extract / "ground_truth.json"]
    for target in targets:
        for path in (f"/voila/files{target}", f"/files{target}", f"/voila/files/{target.relative_to(target.anchor)}",
                     f"/voila/static/../../../..{target}", f"/voila/files/../..{target}", f"/tree{target.parent}",
                     f"/api/contents{target}"):
            assert status(voila + path) in (403, 404), path
    for path in ("/voila/files/dashboard.ipynb", "/voila/files/quarterly_report.ipynb", "/voila/files/../data/store/manifest.json"):
        assert status(voila + path) in (403, 404), path


def _shown_triaged(page, month: str) -> str:
    """The "Cases triaged" cell of `month` in the T1 table as the page shows it."""
    table = page.locator("table.lotus-table", has=page.locator("caption", has_text="by month of triage"))
    row = table.locator("tbody tr", has=page.locator("td", has_text=re.compile(rf"^{month}$")))
    return row.locator("td").nth(1).inner_text().replace(",", "")


def _expected_triaged(store_path: Path, icb: str | None, month: str) -> str:
    config = load_config(overrides={"report.disclosure_mode": "publication"})
    store = load_store(store_path)
    quarter = latest_complete_quarter(store.extract_date)
    table = published_tables(store, Scope(quarter, config.region, icb=icb), config)["t1_by_month"]
    return str(table.set_index("period").loc[month, "n"])


@pytest.mark.browser
def test_filter_changes_the_figure_shown(voila, ingested, chromium, artifacts):
    from playwright.sync_api import sync_playwright

    month = "2026-09"  # last month of 2026/27 Q2, the latest complete quarter at the extract date
    expected_all = _expected_triaged(ingested.store, None, month)
    expected_icb = _expected_triaged(ingested.store, ICB, month)
    assert expected_all != expected_icb
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 3200})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: errors.append(f"failed {r.url}") if HOST in r.url else None)
        page.goto(voila + "/", timeout=PAGE_SECONDS * 1000)
        ready = page.locator("[data-state=ready]").first  # the overview tab comes first
        ready.wait_for(timeout=PAGE_SECONDS * 1000)
        assert "2026/27 Q2, All ICBs" in ready.inner_text()
        assert _shown_triaged(page, month) == expected_all
        icb = page.locator("select").nth(1)
        icb.select_option(label=next(o for o in icb.locator("option").all_inner_texts() if f"({ICB})" in o))
        page.wait_for_function(
            f"() => document.querySelector('[data-state=ready]')?.innerText.includes('({ICB})')",
            timeout=PAGE_SECONDS * 1000)
        page.screenshot(path=str(artifacts / "dashboard.png"))
        shown = _shown_triaged(page, month)
        text = page.inner_text("body")
        page.get_by_role("tab", name="Timeliness").click()
        timeliness = page.locator("[data-state=ready]", has_text="risk levels").last
        timeliness.wait_for(timeout=PAGE_SECONDS * 1000)
        spc_charts = page.locator("svg[aria-label^='SPC chart (XmR)']").count()
        page.screenshot(path=str(artifacts / "dashboard-timeliness.png"))
        text += page.inner_text("body")
        page.get_by_role("tab", name="Equity").click()
        page.locator("[data-state=ready]", has_text="at entering the process").last.wait_for(timeout=PAGE_SECONDS * 1000)
        forests = page.locator("svg[aria-label^='Forest plot']").count()
        page.screenshot(path=str(artifacts / "dashboard-equity.png"))
        text += page.inner_text("body")
        page.get_by_role("tab", name="Lessons learnt").click()
        page.locator("[data-state=ready]", has_text="triage and risk stratification").last.wait_for(
            timeout=PAGE_SECONDS * 1000)
        risk_matrix = page.locator("svg[aria-label^='Heat map of triaged cases by severity']").count()
        page.screenshot(path=str(artifacts / "dashboard-lessons-triage.png"))
        text += page.inner_text("body")
        # the widest view: reviews over 18 quarters (the theme heat map is the page's largest panel)
        page.locator("select", has=page.locator("option", has_text="Reviews and improvement actions")).select_option(
            label="Reviews and improvement actions")
        page.locator("select", has=page.locator("option", has_text="2022/23 Q1")).select_option(label="2022/23 Q1")
        page.locator("[data-state=ready]", has_text="reviews and improvement actions, 2022/23 Q1").last.wait_for(
            timeout=PAGE_SECONDS * 1000)
        themes = page.locator("figure", has=page.locator(
            "svg[aria-label^='Dot and bar chart of the percentage of reviews raising each theme']"))
        theme_range = themes.first.inner_text()
        page.screenshot(path=str(artifacts / "dashboard-lessons-reviews.png"))
        text += page.inner_text("body")
        browser.close()
    assert shown == expected_icb
    assert spc_charts == 1  # the timeliness tab drew its SPC chart in the browser
    assert forests == 2  # the equity tab: the overview's forest plot and its own
    assert risk_matrix == 1  # the lessons tab opens on triage and risk stratification
    assert "first half 2022/23 Q1 to" in theme_range  # and redraws reviews over the chosen range
    assert "Traceback" not in text and "Error" not in text and "could not be drawn" not in text
    assert [e for e in errors if not HARMLESS_CONSOLE.search(e)] == []
