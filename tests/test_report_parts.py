"""Pieces of the report that need no notebook run: HTML tables, charts, folders, configuration hand-over."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lotus_analytics import charts
from lotus_analytics.config import Disclosure, load_config
from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.reports.html import mode_html, page, suppression_note, table_html
from lotus_analytics.reports.render import config_overrides
from lotus_analytics.reports.request import ReportError, complete_quarter, report_folder, slug

PUBLICATION = Disclosure(mode="publication", suppress_max=7, rounding_base=5)
STRICTER = Disclosure(mode="publication", suppress_max=10, rounding_base=10)


def test_table_html_right_aligns_numbers_and_explains_stars():
    frame = pd.DataFrame({"period": ["2026-07", "2026-08"], "n": [1234, "*"], "median": [4.5, "*"]})
    out = table_html(frame, "T1 by month", disclosure=PUBLICATION, headers={"n": "Cases triaged"})
    assert "<caption>T1 by month</caption>" in out
    assert '<th scope="col" class=num>Cases triaged</th>' in out
    assert re.findall(r"<td( class=num)?>([^<]*)</td>", out) == [
        ("", "2026-07"), (" class=num", "1,234"), (" class=num", "4.50"),
        ("", "2026-08"), (" class=num", "*"), (" class=num", "*"),
    ]
    assert "fewer than 8 people" in out and "rounded to the nearest 5." in out


def test_table_html_has_no_footnote_without_stars_and_escapes_text():
    out = table_html(pd.DataFrame({"group": ["<b>x</b>"], "n": [10]}), "a & b", disclosure=PUBLICATION)
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<caption>a &amp; b</caption>" in out
    assert "not shown" not in out


def test_internal_mode_is_a_banner_and_publication_mode_is_not():
    internal = mode_html(Disclosure(mode="internal", suppress_max=7, rounding_base=5))
    assert 'class="lotus-banner"' in internal and "NOT FOR PUBLICATION" in internal
    assert "NOT FOR PUBLICATION" not in mode_html(PUBLICATION)


def test_disclosure_wording_follows_the_configured_threshold_and_rounding():
    statement, note = mode_html(STRICTER), suppression_note(STRICTER)
    assert "Counts of 1 to 10 are shown as *, other counts are rounded to the nearest 10" in statement
    assert "figures based on fewer than 11 people are not shown" in statement
    assert note.startswith("* not shown: fewer than 11 people (or a figure based on fewer than 11 people)")
    assert note.endswith("Other counts are rounded to the nearest 10.")
    assert note in table_html(pd.DataFrame({"n": ["*"]}), "t", disclosure=STRICTER)
    for default_wording in ("1 to 7", "fewer than 8", "nearest 5"):
        assert default_wording not in statement + note


@pytest.mark.parametrize(("quarter", "extract_date", "expected"), [
    ("2026/27 Q2", "2026-09-30", "2026/27 Q2"),  # ends on the extract date: complete
    ("2025/26 Q4", "2026-10-15", "2025/26 Q4"),
    (None, "2026-10-15", "2026/27 Q2"),
    (None, "2026-09-29", "2026/27 Q1"),
])
def test_complete_quarter(quarter, extract_date, expected):
    assert complete_quarter(quarter, pd.Timestamp(extract_date)) == FinancialQuarter.parse(expected)


def test_a_quarter_not_ended_at_the_extract_date_is_refused():
    with pytest.raises(ReportError) as err:
        complete_quarter("2026/27 Q3", pd.Timestamp("2026-10-15"))
    assert str(err.value) == ("2026/27 Q3 (ending 31 December 2026) is not complete at the extract date "
                              "15 October 2026; the latest complete quarter is 2026/27 Q2")


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
    table = pd.DataFrame({"group": ["Black and minority ethnic", "international", "eea"],
                          "reference": ["White", "uk", "uk"], "ratio": [2.0, "*", None], "lower": [1.5, "*", None],
                          "upper": [2.6, "*", None], "verdict": ["higher", "*", "not calculable"]})
    svg = charts.to_svg(charts.likelihood_chart(table, band=(0.8, 1.25), title="RL", hidden_note="fewer than 11 cases"))
    points = re.findall(r'aria-label="Relative likelihood \(log scale\): ([^;]*); label: ([^;"]*)', svg)
    assert points == [("2", "Black and minority ethnic vs White")]  # the suppressed ratio has no point
    assert ">ratio not shown: fewer than 11 cases</text>" in svg  # says why, with the configured threshold
    assert ">ratio not shown: not calculable</text>" in svg
    assert svg.startswith('<svg role="img" aria-label="Forest plot')


def test_overdue_chart_marks_hidden_levels_instead_of_drawing_zero():
    table = pd.DataFrame({"system_level": ["local", "icb", "region"], "overdue": [10, "*", 0]})
    svg = charts.to_svg(charts.overdue_chart(table, level="system_level", title="Overdue"))
    marks = re.findall(r">([^<]*)</text>", svg)
    assert marks.count("* not shown (disclosure control)") == 1  # icb only: region's 0 is a real zero
