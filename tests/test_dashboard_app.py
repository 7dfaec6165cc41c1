"""The dashboard app in-process (no browser): filters, payload sizes, friendly errors."""

from __future__ import annotations

import pytest

from lotus_analytics.dashboard import app


@pytest.fixture()
def dashboard(ingested, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(ingested.store))
    root = app.dashboard()
    _, filters, status, *sections = root.children
    quarter, icb, profession = filters.children
    panels = [section.children[1] for section in sections]
    return quarter, icb, profession, status, panels


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
