"""The dashboard app in-process (no browser): filters, payload sizes, disclosure control, friendly errors."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest

from lotus_analytics.config import load_config
from lotus_analytics.dashboard import app
from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.reports.figures import ACTIONS_COLUMNS, LIKELIHOOD_COLUMNS, T1_COLUMNS
from lotus_analytics.reports.lessons_section import SUB_HEADINGS
from lotus_analytics.reports.tables import SPECS, TITLES, Scope, measure_tables, published_tables
from lotus_analytics.store import load_store, write_table


@pytest.fixture()
def dashboard(ingested, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    overview = _pages(app.dashboard())[0]
    filters, status, *sections = overview.children
    quarter, icb, profession = filters.children
    panels = [section.children[1] for section in sections]
    return quarter, icb, profession, status, panels


def _pages(root: widgets.VBox, opened: int = 0) -> tuple[widgets.Widget, ...]:
    """The page boxes of the dashboard's tabs (the header comes first, the tabs second), tab `opened` open."""
    tabs = root.children[1]
    tabs.selected_index = opened  # a page other than the first is drawn when its tab is first opened
    return tabs.children


def test_missing_store_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(tmp_path))
    widget = app.dashboard()
    assert "no analysis store" in widget.value and "lotus ingest" in widget.value


def test_opens_on_the_latest_complete_quarter_for_all(dashboard):
    quarter, icb, profession, status, _ = dashboard
    assert quarter.value == "2026/27 Q2" and quarter.options[1] == "2026/27 Q1"
    assert [v for _, v in icb.options] == ["all", "QE1", "QOP", "QYG"]
    assert "Showing 2026/27 Q2, All ICBs, all professions" in status.value


def test_panels_stay_small_and_follow_the_filter(dashboard):
    _, icb, _, status, panels = dashboard
    before = panels[0].value
    assert all(0 < len(p.value.encode()) < 100_000 for p in panels)  # the Voilà hang above ~100 KB
    icb.value = "QOP"
    assert "Greater Manchester (QOP)" in status.value
    assert panels[0].value != before


def test_a_failing_view_shows_a_friendly_message(dashboard, monkeypatch):
    _, _, profession, status, _ = dashboard

    def broken(*args, **kwargs):
        raise ValueError("workforce has no headcount rows for ethnicity_code alone")

    monkeypatch.setattr(app, "panels", broken)
    profession.value = "dental"
    assert "Sorry, this view could not be drawn" in status.value
    assert "workforce has no headcount rows" in status.value and "Traceback" not in status.value


def _shown_tables(panel: str) -> dict[str, list[dict[str, str]]]:
    """Each table of a panel's HTML by caption: its rows as {header: cell text}."""
    found = {}
    for caption, head, body in re.findall(r"<caption>(.*?)</caption><thead><tr>(.*?)</tr></thead><tbody>(.*?)</tbody>",
                                          panel):
        headers = [html.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", head)]
        rows = [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
                for row in re.findall(r"<tr>(.*?)</tr>", body)]
        found[html.unescape(caption)] = [dict(zip(headers, row)) for row in rows]
    return found


def _number(text: str) -> float | None:
    """A shown cell as a number ("1,235" -> 1235.0); None for text such as a group or a verdict."""
    try:
        return float(text.replace(",", "").lstrip("<"))
    except ValueError:
        return None


# caption of each table a panel shows -> (published table, column -> header)
SHOWN = {
    TITLES["t1_by_month"]: ("t1_by_month", T1_COLUMNS),
    TITLES["entry_likelihood"]: ("entry_likelihood", LIKELIHOOD_COLUMNS),
    "Improvement actions overdue at 30 September 2026": ("overdue_actions", ACTIONS_COLUMNS),
}


@pytest.mark.parametrize(("icb", "profession"), [("QOP", "medical"), ("QOP", "all")])
def test_every_number_shown_is_a_published_cell(ingested, dashboard, icb, profession):
    """The panels pass through disclosure control: every number in their tables is "*" or the published
    cell, every raw count of 1-7 shows "*", and the charts draw only published medians and ratios."""
    quarter, icb_filter, profession_filter, _, panels = dashboard
    icb_filter.value, profession_filter.value = icb, profession
    store, config = load_store(ingested.store), load_config(overrides={"report.disclosure_mode": "publication"})
    scope = Scope(FinancialQuarter.parse(quarter.value), config.region, icb=icb,
                  profession=None if profession == "all" else profession)
    published, raw = published_tables(store, scope, config), measure_tables(store, scope, config)
    shown = {caption: rows for p in panels for caption, rows in _shown_tables(p.value).items()}
    assert set(SHOWN) <= set(shown)
    small = 0
    for caption, (name, columns) in SHOWN.items():
        assert len(shown[caption]) == len(published[name]) == len(raw[name])
        for row, cells in enumerate(shown[caption]):
            for column, header in columns.items():
                text, cell = cells.get(header), published[name].loc[row, column] if column in published[name] else None
                if column in SPECS[name].counts and 1 <= raw[name].loc[row, column] <= 7:
                    small += 1
                    assert text == "*", (name, row, column)
                if text == "*":
                    assert cell == "*", (name, row, column)
                elif text is not None and _number(text) is not None:
                    assert _number(text) == pytest.approx(float(cell), abs=0.005), (name, row, column, text, cell)
    assert small > 0  # the filter choice has small cells, so the check above has met some
    t1 = published["t1_by_month"].set_index("period")
    points = r'aria-label="period: ([^;]*); Working days: ([^;]*); statistic: ([^"]*)"'
    for period, value, statistic in re.findall(points, panels[0].value):
        expected = t1.loc[period, "median" if statistic == "Median" else "p90"]
        if value == "null":  # not drawn: hidden, or no case triaged that month
            assert expected == "*" or pd.isna(expected), (period, statistic)
        else:
            assert float(value) == pytest.approx(float(expected)), (period, statistic)
    ratios = set(published["entry_likelihood"]["ratio"])
    for value in re.findall(r'aria-label="Relative likelihood \(log scale\): ([^;]*);', panels[1].value):
        assert any(r != "*" and float(value) == pytest.approx(float(r), abs=1e-9) for r in ratios)


def _store_copy(ingested, tmp_path: Path) -> Path:
    store = tmp_path / "store"
    shutil.copytree(ingested.store, store)
    return store


def test_a_bad_configuration_file_is_a_message(ingested, tmp_path, monkeypatch):
    config_file = tmp_path / "lotus.toml"
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    monkeypatch.setenv(app.CONFIG_ENV, str(config_file))
    config_file.write_text("[disclosure]\nsuppress_max = 3\n", encoding="utf-8")
    assert "disclosure.suppress_max must be at least 7" in app.dashboard().value
    config_file.write_text("[disclosure\n", encoding="utf-8")
    assert "not valid TOML" in app.dashboard().value


@pytest.mark.parametrize("damage", ["corrupt", "mismatched"])
def test_an_unreadable_store_is_a_message(ingested, tmp_path, monkeypatch, damage):
    store = _store_copy(ingested, tmp_path)
    if damage == "corrupt":
        (store / "cases.parquet").write_bytes(b"PAR1 not really parquet")
    else:
        write_table(store, "cases", pd.read_parquet(store / "cases.parquet").drop(columns=["icb_code"]))
    monkeypatch.setenv(app.STORE_ENV, str(store))
    widget = app.dashboard()
    assert isinstance(widget, widgets.HTML)
    assert f"the analysis store at {store} could not be read" in widget.value and "lotus ingest" in widget.value
    assert "Traceback" not in widget.value


def test_disclosure_wording_follows_the_configuration(ingested, tmp_path, monkeypatch):
    config_file = tmp_path / "lotus.toml"
    config_file.write_text("[disclosure]\nsuppress_max = 10\nrounding_base = 10\n", encoding="utf-8")
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    monkeypatch.setenv(app.CONFIG_ENV, str(config_file))
    root = app.dashboard()
    assert "Counts of 1 to 10 are shown as *, other counts are rounded to the nearest 10" in root.children[0].value
    timeliness = _pages(root)[0].children[2].children[1].value
    assert "* not shown: fewer than 11 people" in timeliness and "fewer than 8" not in timeliness


@pytest.fixture()
def timeliness_page(ingested, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    filters, status, *sections = _pages(app.dashboard(), opened=1)[1].children
    return {f.description: f for f in filters.children}, status, [s.children[1] for s in sections]


def test_timeliness_page_follows_risk_level_and_shows_only_published_cells(ingested, timeliness_page):
    filters, status, panels = timeliness_page
    assert [v for _, v in filters["Risk level"].options] == ["all", "low", "moderate", "high", "extreme"]
    filters["ICB"].value, filters["Risk level"].value = "QOP", "high"
    assert "Greater Manchester (QOP), all professions, high" in status.value
    config = load_config(overrides={"report.disclosure_mode": "publication"})
    scope = Scope(FinancialQuarter.parse(filters["Quarter"].value), config.region, icb="QOP", risk_level="high")
    published = published_tables(load_store(ingested.store), scope, config, families=["timeliness"])
    headline = _shown_tables(panels[0].value)[TITLES["timeliness_headline"]]
    for shown, (_, row) in zip(headline, published["timeliness_headline"].iterrows()):
        assert shown["This quarter: n"] == (str(row["n_this"]) if row["n_this"] != "*" else "*")
        assert shown["Same quarter last year: n"] == (str(row["n_last"]) if row["n_last"] != "*" else "*")
    spc_rows = _shown_tables(panels[1].value)[TITLES["spc_new_concerns"]]
    assert [r["Concerns"] for r in spc_rows] == [f"{v:,}" if v != "*" else "*" for v in published["spc_new_concerns"]["value"]]


def test_timeliness_page_rebases_at_the_policy_month(timeliness_page):
    filters, status, panels = timeliness_page
    filters["SPC chart"].value = "spc_t1"
    assert "New limits from" not in panels[1].value
    filters["SPC limits"].value = filters["SPC limits"].options[1][1]
    assert "new limits from October 2024 (policy change)" in status.value
    assert "limits recalculated from October 2024" in panels[1].value  # the chart's accessible description


def test_equity_page_follows_dimension_stage_and_window(ingested, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    filters, status, *sections = _pages(app.dashboard(), opened=2)[2].children
    controls = {f.description: f for f in filters.children}
    panels = {s.children[0].value: s.children[1] for s in sections}
    assert "Ethnicity (2 groups) at entering the process, 2 financial years" in status.value
    controls["Dimension"].value, controls["Stage"].value, controls["Window"].value = "pmq_region", "PAG → investigation", 1
    assert "Place of primary qualification at PAG → investigation, 1 financial year" in status.value
    chosen = panels["<h2>The chosen stage</h2>"].value
    config = load_config(overrides={"report.disclosure_mode": "publication", "inequalities.window_years": 1})
    tables = published_tables(load_store(ingested.store), Scope(FinancialQuarter.parse(controls["Quarter"].value),
                                                                 config.region), config, families=["equity"])
    rows = tables["equity_progression"]
    shown = _shown_tables(chosen)
    (caption, table), = shown.items()
    expected = rows[(rows["dimension"] == "pmq_region") & (rows["transition"] == "PAG → investigation")]
    assert [r["Went on"] for r in table] == [str(v) for v in expected["to_n"]]
    kept = panels["<h2>Kept informed</h2>"].value  # is anyone kept waiting for news longer (issue 5)?
    assert "Place of primary qualification: each group against UK qualified" in kept
    assert "Ethnicity" not in kept and "Internationally qualified" in kept
    assert "Traceback" not in "".join(p.value for p in panels.values())


def test_pages_other_than_the_first_are_drawn_when_first_opened(ingested, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    tabs = app.dashboard().children[1]
    timeliness_status = tabs.children[1].children[1]
    assert timeliness_status.value == ""
    tabs.selected_index = 1
    assert "data-state='ready'" in timeliness_status.value
    assert tabs.children[2].children[1].value == ""  # the equity tab has not been opened


def test_lessons_page_shows_one_template_and_follows_range_theme_and_level(ingested, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    filters, status, *sections = _pages(app.dashboard(), opened=3)[3].children
    controls = {f.description: f for f in filters.children}
    boxes = {s.children[0].value.removeprefix("<h2>").removesuffix("</h2>"): s for s in sections}
    shown = [heading for heading, box in boxes.items() if box.layout.display != "none"]
    assert shown == list(SUB_HEADINGS["Triage and risk stratification"])  # the other templates' sections hidden
    assert "triage and risk stratification, 2024/25 Q3 to 2026/27 Q2, All ICBs, all themes" in status.value
    controls["Template"].value = "Reviews and improvement actions"
    controls["Theme"].value, controls["System level"].value = "workload", "icb"
    controls["From"].value, controls["To"].value = "2026/27 Q2", "2025/26 Q1"  # a range given backwards
    assert "2025/26 Q1 to 2026/27 Q2, All ICBs, workload, ICB actions." in status.value
    assert [h for h, box in boxes.items() if box.layout.display != "none"] == list(SUB_HEADINGS["Reviews and improvement actions"])
    config = load_config(overrides={"report.disclosure_mode": "publication"})
    scope = Scope(FinancialQuarter.parse("2026/27 Q2"), config.region, since=FinancialQuarter.parse("2025/26 Q1"),
                  theme="workload", system_level="icb")
    published = published_tables(load_store(ingested.store), scope, config, families=["lessons"])["lessons_action_status"]
    expected = published.set_index("theme").loc["workload"]
    (row,) = [r for r in _shown_tables(boxes["Improvement actions"].children[1].value)[TITLES["lessons_action_status"]]
              if r["Theme"] == "Workload"]
    assert [row[c] for c in ("Raised", "Open", "Overdue", "Done", "Dropped")] == [
        str(expected[c]) for c in ("raised", "open", "overdue", "done", "dropped")]
    assert published.loc[published["theme"] != "workload", "raised"].drop(published.index[-1]).eq(0).all()  # theme only
