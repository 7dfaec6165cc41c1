"""The Making Data Count chart, icons and table view: what the rendered SVG and the table actually say."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lotus_analytics import spc
from lotus_analytics.charts.base import to_svg
from lotus_analytics.charts.spc import (
    CONCERN_ORANGE, IMPROVEMENT_BLUE, NEUTRAL_PURPLE, RULE_WORDS, TARGET_RED, assurance_icon_svg, spc_chart, spc_table,
    variation_icon_svg,
)

OUTLIERS = [12, 10] * 10
OUTLIERS[5], OUTLIERS[15] = 30, -8  # position 6 above the upper limit, position 16 below the lower one
GREY = "#a6a6a6"


def point_fills(svg: str) -> dict[float, str]:
    """Fill colour of each plotted point, keyed by its value (Vega labels each point for screen readers)."""
    found = re.findall(r'<path aria-label="[^"]*?: ([-−\d.]+); variation: [^"]*"[^>]*? fill="(#[0-9a-fA-F]{6})"', svg)
    return {float(value.replace("−", "-")): fill.lower() for value, fill in found}  # Vega writes a minus sign


def render(values, direction="increase", **options) -> str:
    result = spc.xmr(values, improvement_direction=direction, **options)
    return to_svg(spc_chart(result, title="Concerns", y_title="Concerns per month", improvement_direction=direction))


def test_points_are_coloured_by_point_type():
    fills = point_fills(render(OUTLIERS))
    assert fills == {30.0: IMPROVEMENT_BLUE, -8.0: CONCERN_ORANGE, 12.0: GREY, 10.0: GREY}
    reversed_fills = point_fills(render(OUTLIERS, "decrease"))
    assert reversed_fills[30.0] == CONCERN_ORANGE and reversed_fills[-8.0] == IMPROVEMENT_BLUE


def test_neutral_points_are_purple_and_no_other_special_colour_is_drawn():
    svg = render(OUTLIERS, "neutral")
    assert point_fills(svg)[30.0] == point_fills(svg)[-8.0] == NEUTRAL_PURPLE
    assert IMPROVEMENT_BLUE not in svg and CONCERN_ORANGE not in svg
    assert "Special cause variation (high)" in svg and "Special cause variation (low)" in svg  # legend


def test_common_cause_only_chart_uses_grey_only():
    svg = render(OUTLIERS[:5])
    assert set(point_fills(svg).values()) == {GREY}
    assert IMPROVEMENT_BLUE not in svg and CONCERN_ORANGE not in svg and NEUTRAL_PURPLE not in svg


def test_limits_are_dashed_and_the_mean_solid():
    svg = render(OUTLIERS)
    dashed = re.findall(r'<path[^>]*stroke="(#[0-9a-fA-F]{6})"[^>]*stroke-dasharray="6,4"', svg)
    assert len(dashed) == 2  # lower and upper limit
    assert re.search(r'<path[^>]*stroke="#000000"(?![^>]*stroke-dasharray)[^>]*>', svg)  # the mean


def test_target_line_is_drawn_and_labelled_only_when_given():
    with_target = to_svg(spc_chart(spc.xmr(OUTLIERS), title="t", y_title="Concerns", improvement_direction="increase",
                                   target=14))
    assert f'stroke="{TARGET_RED}"' in with_target and ">Target 14</text>" in with_target
    from_result = render(OUTLIERS, target=14)
    assert ">Target 14</text>" in from_result
    assert TARGET_RED not in render(OUTLIERS) and "Target" not in render(OUTLIERS)


def test_rebase_and_trial_limits_are_marked_and_the_axis_shows_months():
    values = pd.Series([12, 10] * 10 + [20, 22] * 4, index=pd.date_range("2023-01-01", periods=28, freq="MS"))
    result = spc.xmr(values, rebase_at="2024-09-01")
    svg = to_svg(spc_chart(result, title="t", y_title="Concerns", improvement_direction="increase"))
    assert ">New limits from September 2024</text>" in svg
    assert ">Trial limits (fewer than 13 points)</text>" in svg  # the 8-point second group
    assert svg.count("stroke-dasharray=\"6,4\"") == 4  # both limits of both groups, with a break between
    assert ">Jan 2024</text>" in svg
    assert "Trial limits" not in render(OUTLIERS) and "New limits" not in render(OUTLIERS)


def test_description_is_the_accessible_name_and_carries_the_reading():
    values = pd.Series([12, 10] * 5 + [12] * 7, index=pd.date_range("2023-01-01", periods=17, freq="MS"))
    result = spc.xmr(values, improvement_direction="decrease")
    svg = to_svg(spc_chart(result, title="T1", y_title="Median working days to triage",
                           improvement_direction="decrease", unit="working days"))
    label = re.search(r'<svg role="img" aria-label="([^"]*)"', svg).group(1)
    assert label.startswith("SPC chart (XmR) of median working days to triage by month, January 2023 to May 2024")
    assert "the process limits as dashed lines" in label
    assert label.endswith(spc.describe(result, "decrease", what="median working days to triage",
                                       unit="working days"))
    assert "Special cause concern since November 2023" in label


@pytest.mark.parametrize(("name", "letter", "colour", "label"), [
    ("common_cause", None, GREY, "Common cause variation – no significant change"),
    ("improvement_high", "H", IMPROVEMENT_BLUE, "Special cause variation – improvement (high)"),
    ("improvement_low", "L", IMPROVEMENT_BLUE, "Special cause variation – improvement (low)"),
    ("concern_high", "H", CONCERN_ORANGE, "Special cause variation – concern (high)"),
    ("concern_low", "L", CONCERN_ORANGE, "Special cause variation – concern (low)"),
    ("neutral_high", "H", NEUTRAL_PURPLE, "Special cause variation – neither improvement nor concern (high)"),
    ("neutral_low", "L", NEUTRAL_PURPLE, "Special cause variation – neither improvement nor concern (low)"),
])
def test_variation_icons(name, letter, colour, label):
    svg = variation_icon_svg(name)
    assert f'role="img" aria-label="{label}"' in svg and f"<title>{label}</title>" in svg
    assert f'stroke="{colour}"' in svg and 'width="40"' in svg
    letters = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert letters == ([letter] if letter else [])


@pytest.mark.parametrize(("name", "letter", "colour", "words"), [
    ("consistent_pass", "P", IMPROVEMENT_BLUE, "consistently meet the target (pass)"),
    ("consistent_fail", "F", CONCERN_ORANGE, "consistently miss the target (fail)"),
    ("inconsistent", "?", GREY, "sometimes meet and sometimes miss the target (hit and miss)"),
])
def test_assurance_icons(name, letter, colour, words):
    svg = assurance_icon_svg(name)
    label = re.search(r'role="img" aria-label="([^"]*)"', svg).group(1)
    assert words in label and f"<title>{label}</title>" in svg
    assert re.findall(r"<text[^>]*>([^<]*)</text>", svg) == [letter] and f'stroke="{colour}"' in svg


def test_icon_names_match_the_measure_and_unknown_names_are_refused():
    for name in spc.VARIATION_ICONS:
        assert variation_icon_svg(name).startswith("<svg")
    for name in spc.ASSURANCE_ICONS:
        assert assurance_icon_svg(name).startswith("<svg")
    with pytest.raises(ValueError, match="variation icon"):
        variation_icon_svg("special_cause_improvement")
    with pytest.raises(ValueError, match="assurance icon"):
        assurance_icon_svg("pass")


def test_spc_table_in_words():
    values = pd.Series(OUTLIERS, index=pd.date_range("2023-01-01", periods=20, freq="MS"))
    result = spc.xmr(values)
    table = spc_table(result, value_label="New concerns")
    assert list(table.columns) == ["Month", "New concerns", "Mean", "Lower process limit", "Upper process limit",
                                   "Variation", "Special cause rule"]
    assert table["Month"].iloc[5] == "June 2023"
    assert table.iloc[5][["New concerns", "Variation", "Special cause rule"]].tolist() == [
        30.0, "Special cause improvement", "Above the upper process limit"]
    assert table.iloc[15][["Variation", "Special cause rule"]].tolist() == [
        "Special cause concern", "Below the lower process limit"]
    assert table.iloc[0][["Variation", "Special cause rule"]].tolist() == ["Common cause variation", ""]
    assert table["Upper process limit"].tolist() == result["upl"].tolist()
    assert table["Mean"].iloc[0] == pytest.approx(11.1)


def test_spc_table_rules_for_runs_and_positions():
    result = spc.xmr([12, 10] * 10 + [8, 9, 10, 11, 12, 13, 14] + [12, 10] * 3, improvement_direction="neutral")
    table = spc_table(result, value_label="Value", period_label="Point")
    assert table["Point"].iloc[[0, 20]].tolist() == ["Point 1", "Point 21"]
    assert table.iloc[20][["Variation", "Special cause rule"]].tolist() == [
        "Special cause variation (high)", "Run of 7 or more rising points"]
    shift = spc_table(spc.xmr([12, 10] * 5 + [10] * 7), value_label="Value")
    assert shift.iloc[-1][["Variation", "Special cause rule"]].tolist() == [
        "Special cause concern", "Run of 7 or more points below the mean"]
    assert set(RULE_WORDS) == {*spc.R_LABELS.values(), spc.COMMON_CAUSE_LABEL}  # every R label has words
