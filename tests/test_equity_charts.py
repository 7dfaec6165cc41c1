"""Equity charts rendered to SVG: accessible names, limits and bands drawn, intervals drawn, hidden values
not drawn and the reason written on the chart."""

import re

import pandas as pd
import pytest

from lotus_analytics.charts import to_svg
from lotus_analytics.charts.equity import cascade_chart, funnel_chart, heatmap_chart, km_chart, trend_chart
from lotus_analytics.disclosure import DisclosureSpec, apply_disclosure
from lotus_analytics.organisations import escalation_funnel, funnel_curve, ratio_funnel_curve
from tests.test_organisations import WINDOW, _unit
from tests.measures_frames import cases_frame

FUNNEL_SPEC = DisclosureSpec(  # as a report would publish an escalation funnel
    counts=("cases", "escalated"),
    statistics={c: ("escalated",) for c in ("verdict", "lower_95", "upper_95", "lower_99_8", "upper_99_8")},
    rates={"proportion": ("escalated", "cases", 1)},
)


def _marks(svg: str, role: str) -> int:
    return svg.count(f'aria-roledescription="{role}"')


def _texts(svg: str) -> list[str]:
    return re.findall(r">([^<]+)</t(?:ext|span)>", svg)


def _labels(svg: str) -> list[str]:
    return re.findall(r'aria-label="([^"]*)"', svg)


@pytest.fixture(scope="module")
def escalation() -> pd.DataFrame:
    # average 200/800 = 0.25; AAA above, BBB below the 99.8% limits (0.116 to 0.384 at n = 100); FFF's 5
    # escalations are too few to publish
    rows = [*_unit("AAA", 100, 40), *_unit("BBB", 100, 11), *_unit("EEE", 580, 144), *_unit("FFF", 20, 5)]
    return escalation_funnel(cases_frame(rows), window=WINDOW)


@pytest.mark.parametrize(("suppress_max", "reason"), [(7, "* = fewer than 8 cases"), (10, "* = fewer than 11 cases")])
def test_funnel_of_a_published_table(escalation, suppress_max, reason):
    published = apply_disclosure(escalation, FUNNEL_SPEC, mode="publication", suppress_max=suppress_max)
    svg = to_svg(funnel_chart(published, funnel_curve(0.25, 600), title="Escalation to investigation"))
    assert svg.startswith('<svg role="img" aria-label="Funnel plot of the proportion of cases escalated')
    assert "Units outside the limits: AAA (above 99.8% limit); BBB (below 99.8% limit)." in svg
    assert _marks(svg, "point") == 3  # FFF's proportion is "*": not drawn
    assert _marks(svg, "line mark") == 4  # lower and upper line at each of 95% and 99.8%
    assert "Symbol legend for stroke color and strokeDash with 2 values: 95% limits, 99.8% limits" in svg
    assert "average: 0.25" in _labels(svg)  # the pooled-average line
    texts = _texts(svg)
    assert "AAA" in texts and "BBB" in texts and "EEE" not in texts  # only units outside the limits are labelled
    assert f"• FFF: {reason}" in texts


def test_ratio_funnel_points_limits_and_hidden_unit():
    table = pd.DataFrame({"unit": ["PPP", "QQQ", "RRR", "SSS"], "expected": [8.0, 32.0, "*", 19.0],
                          "ratio": [3.75, 0.3125, "*", 20 / 19],
                          "verdict": ["above 99.8% limit", "below 99.8% limit", "*", "within limits"]})
    svg = to_svg(funnel_chart(table, ratio_funnel_curve(40.0), title="Standardised ratios", statistic="ratio",
                              hidden_note="fewer than 8 cases"))
    assert _marks(svg, "point") == 3 and _marks(svg, "line mark") == 4
    assert "ratio 1 (as expected)" in _texts(svg)
    assert "• RRR: fewer than 8 cases" in _texts(svg)
    outside = [label for label in _labels(svg) if "status: outside the limits" in label]
    assert [re.search(r"unit: (\w+)", label).group(1) for label in outside] == ["PPP", "QQQ"]


CASCADE = pd.DataFrame({
    "transition": ["triage → PAG"] * 2 + ["PAG → investigation"] * 2 + ["investigation → decision panel"] * 2,
    "group": ["Black and minority ethnic", "Internationally qualified"] * 3,
    "ratio": [1.05, 0.95, 1.6, 1.9, "*", 2.2], "lower": [0.9, 0.8, 1.3, 1.5, "*", 1.4],
    "upper": [1.2, 1.1, 2.0, 2.4, "*", 3.4],
    "note": ["", "", "", "", "statistics resting on fewer than 8 cases are not shown", ""],
})


def test_cascade_draws_band_intervals_and_says_why_a_ratio_is_missing():
    svg = to_svg(cascade_chart(CASCADE, title="Progression"))
    labels = _labels(svg)
    assert labels[0].startswith("Progression ratios with confidence intervals for each group at each stage: "
                                "triage → PAG, PAG → investigation, investigation → decision panel")
    assert "low: 0.8; high: 1.25" in labels and "one: 1" in labels  # the shaded band and the line at 1
    assert _marks(svg, "point") == 5
    intervals = [label for label in labels if label.startswith("transition: ") and "Ratio" not in label]
    assert len(intervals) == 5 and "transition: PAG → investigation; lower: 1.5; upper: 2.4; " \
        "group: Internationally qualified" in intervals
    assert ("• Black and minority ethnic at investigation → decision panel: statistics resting on fewer than 8 "
            "cases are not shown") in _texts(svg)
    assert "log scale" in labels[0] and "for a log scale" in svg


def test_cascade_band_follows_the_configured_band():
    svg = to_svg(cascade_chart(CASCADE, title="Progression", band=(0.75, 1.3)))
    assert "low: 0.75; high: 1.3" in _labels(svg)


def test_trend_interval_area_breaks_at_a_hidden_quarter():
    quarters = ["2025/26 Q1", "2025/26 Q2", "2025/26 Q3", "2025/26 Q4"]
    table = pd.DataFrame({"quarter": quarters * 2, "group": ["BME"] * 4 + ["IMG"] * 4,
                          "ratio": [1.5, 1.6, "*", 1.7, 1.1, 1.0, 1.2, 1.15],
                          "lower": [1.2, 1.3, "*", 1.4, 0.8, 0.75, 0.9, 0.9],
                          "upper": [1.9, 2.0, "*", 2.1, 1.5, 1.35, 1.6, 1.5]})
    svg = to_svg(trend_chart(table, title="Trend", hidden_note="fewer than 11 cases"))
    labels = _labels(svg)
    assert labels[0].startswith("Line chart of the rolling relative likelihood for each group by quarter from "
                                "2025/26 Q1 to 2025/26 Q4, with confidence intervals shaded")
    assert _marks(svg, "area mark") == 2 and _marks(svg, "line mark") == 2 and _marks(svg, "point") == 7
    assert "low: 0.8; high: 1.25" in labels
    assert "quarter: 2025/26 Q1; lower: 1.2; upper: 1.9; group: BME" in labels  # the interval area
    bme_line = re.search(r'aria-label="quarter: 2025/26 Q1; Relative likelihood \(log scale\): 1.5; group: BME"[^>]* d="([^"]+)"',
                         svg).group(1)
    assert bme_line.count("M") == 2  # the line breaks at the hidden quarter instead of bridging it
    assert "• BME in 2025/26 Q3: fewer than 11 cases" in _texts(svg)


def _km_curve() -> pd.DataFrame:
    # White: 4 cases closing on days 10, 40, 200 (censored) and 400; Black: 3 closing on days 20, 30, 500.
    rows = [("White", 0, 1.0, 1.0, 1.0, 4), ("White", 10, 0.75, 0.4, 0.9, 4), ("White", 40, 0.5, 0.2, 0.8, 3),
            ("White", 200, 0.5, 0.2, 0.8, 2), ("White", 400, 0.0, 0.0, 0.0, 1),
            ("Black", 0, 1.0, 1.0, 1.0, 3), ("Black", 20, "*", "*", "*", 3), ("Black", 30, 0.33, 0.1, 0.7, 2),
            ("Black", 500, 0.0, 0.0, 0.0, 1.0)]  # a float count is still written as a whole number
    return pd.DataFrame(rows, columns=["group", "time", "survival", "lower", "upper", "at_risk"])


def test_km_steps_intervals_and_numbers_at_risk():
    svg = to_svg(km_chart(_km_curve(), title="Time to closure", hidden_note="fewer than 8 cases"))
    labels = _labels(svg)
    # ticks every 90 days up to day 500 (six columns); at risk = the first row at or after each tick
    assert labels[0].endswith("Numbers at risk — White: 4 at day 0, 2 at day 90, 2 at day 180, 1 at day 270, "
                              "1 at day 360, 0 at day 450; Black: 3 at day 0, 1 at day 90, 1 at day 180, 1 at day "
                              "270, 1 at day 360, 1 at day 450. 1 point(s) not shown.")
    assert _marks(svg, "area mark") == 2 and _marks(svg, "line mark") == 2
    assert "tick: 90; group: White; at_risk: 2" in labels and "tick: 450; group: Black; at_risk: 1" in labels
    assert "Number at risk" in _texts(svg)
    assert "• Black from day 20: fewer than 8 cases" in _texts(svg)  # one line per group, where its curve stops


def test_heatmap_of_one_domain_pale_star_cells_and_counts():
    # consistency.risk_level_distribution's shape, published: one row per domain x group
    table = pd.DataFrame({
        "domain": ["all domains", "all domains", "clinical"], "group": ["White", "Black", "White"],
        "low": [120, 80, 50], "moderate": [60, 70, 20], "high": [20, 30, 10], "extreme": ["*", "*", 0],
        "pct_low": [60.0, 44.0, 62.5], "pct_moderate": [30.0, 39.0, 25.0], "pct_high": [10.0, 17.0, 12.5],
        "pct_extreme": ["*", "*", 0.0], "note": ["* = fewer than 8 cases"] * 2 + [""],
    })
    svg = to_svg(heatmap_chart(table, title="Risk level"))
    labels = _labels(svg)
    assert labels[0].startswith("Heat map of the triage risk level (columns: low, moderate, high, extreme) for each "
                                "group (rows), concern domain: all domains")
    assert labels[0].endswith("2 cell(s) not published, shown as *.")
    assert _marks(svg, "rect mark") == 8  # six shaded cells and two pale ones; the clinical row is not drawn
    assert "Triage risk level: extreme; group: Black" in labels  # a pale cell: no percentage
    assert "Triage risk level: moderate; group: Black; % of the group's cases: 39" in labels
    texts = _texts(svg)
    assert texts.count("*") == 2 and "120" in texts and "60%" in texts and "50" not in texts
    assert "• * cells: * = fewer than 8 cases" in texts
    clinical = to_svg(heatmap_chart(table, title="Risk level", domain="clinical"))
    assert "0%" in _texts(clinical) and _marks(clinical, "rect mark") == 4  # a real zero is a shaded cell


def test_cascade_of_a_progression_table_uses_the_ratio_interval_and_skips_the_reference():
    # progression tables carry the proportion's interval in lower/upper and the ratio's in ratio_lower/ratio_upper
    table = pd.DataFrame({"transition": ["triage → PAG"] * 2, "group": ["White", "Black"], "reference": "White",
                          "proportion": [0.4, 0.6], "lower": [0.35, 0.5], "upper": [0.45, 0.7],
                          "ratio": [None, 1.5], "ratio_lower": [None, 1.2], "ratio_upper": [None, 1.9]})
    svg = to_svg(cascade_chart(table, title="Progression"))
    assert "transition: triage → PAG; lower: 1.2; upper: 1.9; group: Black" in _labels(svg)
    assert _marks(svg, "point") == 1 and "Not shown:" not in _texts(svg)
