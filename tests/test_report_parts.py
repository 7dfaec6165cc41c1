"""Pieces of the report that need no notebook run: HTML tables, charts, folders, configuration hand-over."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lotus_analytics import charts
from lotus_analytics.config import load_config
from lotus_analytics.reports.html import SUPPRESSION_NOTE, mode_html, page, table_html
from lotus_analytics.reports.render import config_overrides, report_folder, slug


def test_table_html_right_aligns_numbers_and_explains_stars():
    frame = pd.DataFrame({"period": ["2026-07", "2026-08"], "n": [1234, "*"], "median": [4.5, "*"]})
    out = table_html(frame, "T1 by month", headers={"n": "Cases triaged"})
    assert "<caption>T1 by month</caption>" in out
    assert '<th scope="col" class=num>Cases triaged</th>' in out
    assert re.findall(r"<td( class=num)?>([^<]*)</td>", out) == [
        ("", "2026-07"), (" class=num", "1,234"), (" class=num", "4.50"),
        ("", "2026-08"), (" class=num", "*"), (" class=num", "*"),
    ]
    assert SUPPRESSION_NOTE in out


def test_table_html_has_no_footnote_without_stars_and_escapes_text():
    out = table_html(pd.DataFrame({"group": ["<b>x</b>"], "n": [10]}), "a & b")
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<caption>a &amp; b</caption>" in out
    assert SUPPRESSION_NOTE not in out


def test_internal_mode_is_a_banner_and_publication_mode_is_not():
    assert 'class="lotus-banner"' in mode_html("internal") and "NOT FOR PUBLICATION" in mode_html("internal")
    assert "NOT FOR PUBLICATION" not in mode_html("publication")


def test_page_is_self_contained():
    html = page("t", "<p>x</p>")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" not in html


@pytest.mark.parametrize(("quarter", "region", "expected"), [
    ("2026/27 Q2", "North West", ("2026-27-Q2", "north-west")),
    ("2025/26 Q4", "North East and Yorkshire", ("2025-26-Q4", "north-east-and-yorkshire")),
])
def test_report_folder_slugs(tmp_path, quarter, region, expected):
    assert report_folder(tmp_path, quarter, region).relative_to(tmp_path).parts == expected
    assert slug("2026/27 Q2") == "2026-27-Q2"


def test_configuration_survives_the_hand_over_to_the_kernel():
    config = load_config(overrides={"targets.triage_working_days": 3, "inequalities.band": [0.75, 1.3]})
    again = load_config(overrides=config_overrides(config))
    assert again == config
    assert again.targets.triage_working_days == 3 and again.inequalities.band == (0.75, 1.3)


def test_suppressed_cells_are_not_drawn():
    table = pd.DataFrame({"group": ["Black and minority ethnic", "international"], "reference": ["White", "uk"],
                          "ratio": [2.0, "*"], "lower": [1.5, "*"], "upper": [2.6, "*"]})
    svg = charts.to_svg(charts.likelihood_chart(table, band=(0.8, 1.25), title="RL"))
    points = re.findall(r'aria-label="Relative likelihood \(log scale\): ([^;]*); label: ([^"]*)"', svg)
    assert points == [("2", "Black and minority ethnic vs White")]  # the suppressed ratio has no point
    assert ">ratio not published</text>" in svg
    assert svg.startswith('<svg role="img" aria-label="Forest plot')
