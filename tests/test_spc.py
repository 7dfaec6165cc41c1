"""XmR limits and Making Data Count rules (METHODS.md §3) against NHSRplotthedots 0.2.x.

Check values come from METHODS.md §3 and the R package's own snapshots (tests/testthat/_snaps/
ptd_spc_standard.md and ptd_spc.md, on set.seed(123); rnorm(20)); the rules are checked on hand-made series
and, on random series, against a line-by-line transcription of the R functions (`_r_reading` below).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lotus_analytics import spc

RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
             -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
             -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141]
BASE = [12, 10] * 10  # mean 11, every moving range 2


def flagged(values, **options) -> dict[int, tuple[str, str]]:
    """Position -> (rule, point type without the "special_cause_" prefix) of every special-cause point."""
    r = spc.xmr(values, **options)
    return {i: (r["rule"].iloc[i], r["point_type"].iloc[i].removeprefix("special_cause_"))
            for i in range(len(r)) if r["rule"].iloc[i] is not None}


def monthly(values, start: str = "2023-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float)


# --- limits ---------------------------------------------------------------------------------------------

def test_methods_check_values():
    r = spc.xmr(RNORM_123)
    assert r["mean"].iloc[0] == pytest.approx(0.1416238, abs=5e-8)
    assert r["lpl"].iloc[0] == pytest.approx(-3.01138, abs=5e-6)
    assert r["upl"].iloc[0] == pytest.approx(3.294627, abs=5e-7)
    assert (r["point_type"] == "common_cause").all() and r["rule"].isna().all()
    assert not r["trial_limits"].any()
    # the 2-sigma zone of the 2-of-3 rule: mean +- (2/3 x 2.66) x mean moving range
    amr = (r["upl"].iloc[0] - r["mean"].iloc[0]) / 2.66
    assert r["near_upl"].iloc[0] == pytest.approx(r["mean"].iloc[0] + 1.7733333 * amr)


def test_screening_drops_large_moving_ranges_once():
    # R snapshot (ptd_spc_standard.md): the same series with y[15] = 10
    values = list(RNORM_123)
    values[14] = 10
    screened = spc.xmr(values).iloc[0]
    assert (screened["mean"], screened["lpl"], screened["upl"]) == pytest.approx((0.6694159, -2.383666, 3.722497),
                                                                                abs=5e-7)
    unscreened = spc.xmr(values, screen_outliers=False).iloc[0]
    assert (unscreened["lpl"], unscreened["upl"]) == pytest.approx((-4.596625, 5.935457), abs=5e-7)
    # by hand: 19 moving ranges; the two either side of the 10 are >= 3.267 x their mean and go
    ranges = np.abs(np.diff(values))
    kept = ranges[ranges < 3.267 * ranges.mean()]
    assert len(kept) == 17
    assert screened["upl"] - screened["mean"] == pytest.approx(2.66 * kept.mean())


def test_screening_is_a_single_pass():
    # mean moving range 16.3 (cut-off 53.2): the 100s go; the new mean (2.33, cut-off 7.62) would drop the 9s
    # too if screening were repeated
    values = [0, 1, 0, 1, 0, 1, 0, 9, 0, 1, 0, 1, 0, 100, 0]
    ranges = np.abs(np.diff(values))
    once = ranges[ranges < 3.267 * ranges.mean()]
    assert 9 in once and 9 >= 3.267 * once.mean()
    r = spc.xmr(values).iloc[0]
    assert r["upl"] - r["mean"] == pytest.approx(2.66 * once.mean())


def test_constant_series_has_no_limits_when_screened_as_in_r():
    # every moving range is 0, so each is >= 3.267 x 0 and is screened out: R's mean of nothing is NaN
    r = spc.xmr([5.0] * 15)
    assert r["lpl"].isna().all() and r["upl"].isna().all()
    assert (r["point_type"] == "common_cause").all()
    unscreened = spc.xmr([5.0] * 15, screen_outliers=False)
    assert (unscreened["lpl"] == 5).all() and (unscreened["upl"] == 5).all()


def test_rebase_by_position_matches_r_facets():
    # R snapshot (ptd_spc.md): the same 20 points faceted 10 + 10 give these limits
    r = spc.xmr(RNORM_123, rebase_at=10)
    first, second = r.iloc[0], r.iloc[10]
    assert (first["mean"], first["lpl"], first["upl"]) == pytest.approx((0.0746, -2.60, 2.75), abs=6e-3)
    assert (second["mean"], second["lpl"], second["upl"]) == pytest.approx((0.209, -3.28, 3.70), abs=6e-3)
    assert r["rebase_group"].tolist() == [0] * 10 + [1] * 10
    # each group's limits are those of its points alone, and both groups are short: trial limits
    alone = spc.xmr(RNORM_123[10:]).iloc[0]
    assert second["upl"] == pytest.approx(alone["upl"]) and second["lpl"] == pytest.approx(alone["lpl"])
    assert r["trial_limits"].all()


def test_rebase_by_date_and_several_rebases():
    s = monthly(BASE + [20, 22] * 8, start="2023-01-01")  # 36 months, a step up in September 2024
    r = spc.xmr(s, rebase_at=["2024-09-01"])
    assert r.index.equals(s.index)
    assert r.loc["2024-08-01", "rebase_group"] == 0 and r.loc["2024-09-01", "rebase_group"] == 1
    assert r.loc["2024-09-01", "mean"] == pytest.approx(21)
    assert r.loc["2023-01-01", "mean"] == pytest.approx(11)
    assert (r["point_type"] == "common_cause").all()
    # without the rebase the step is special cause; positions work on a date index too
    assert (spc.xmr(s)["point_type"] != "common_cause").any()
    assert spc.xmr(s, rebase_at=[20])["rebase_group"].equals(r["rebase_group"])
    three = spc.xmr(s, rebase_at=[pd.Timestamp("2023-11-01"), "2024-09-01"])
    assert three["rebase_group"].value_counts().sort_index().tolist() == [10, 10, 16]
    with pytest.raises(ValueError, match="rebase_at"):
        spc.xmr(s, rebase_at="2030-01-01")


def test_trial_limits_below_13_points_per_group():
    assert spc.xmr(BASE[:12])["trial_limits"].all()
    assert not spc.xmr(BASE[:13])["trial_limits"].any()
    r = spc.xmr(BASE, rebase_at=13)  # 13 then 7 points
    assert r["trial_limits"].tolist() == [False] * 13 + [True] * 7


def test_fix_after_n_points_takes_limits_from_the_first_n():
    values = BASE[:12] + [20, 22] * 6
    fixed = spc.xmr(values, fix_after_n_points=12)
    first_12 = spc.xmr(values[:12]).iloc[0]
    assert (fixed["mean"] == first_12["mean"]).all() and (fixed["upl"] == first_12["upl"]).all()
    # later points are judged against the fixed limits: all 12 later points are above the upper limit
    assert (fixed["rule"].iloc[12:] == "outside_limits").all()
    assert fixed["mean"].iloc[0] != spc.xmr(values)["mean"].iloc[0]
    # per rebase group: the second group's limits come from its own first 12 points
    two = spc.xmr(values + values, fix_after_n_points=12, rebase_at=24)
    assert two["upl"].iloc[24] == pytest.approx(first_12["upl"])
    for bad in (11, 12.5, True):
        with pytest.raises(ValueError, match="fix_after_n_points"):
            spc.xmr(values, fix_after_n_points=bad)


# --- the rules ------------------------------------------------------------------------------------------

def test_outside_limits():
    values = [12, 10] * 10
    values[5], values[15] = 30, -8  # the mean stays 11
    assert flagged(values) == {5: ("outside_limits", "improvement"), 15: ("outside_limits", "concern")}
    r = spc.xmr(values)
    assert r["special_cause_type"].iloc[5] == "Above UCL" and r["special_cause_type"].iloc[15] == "Below LCL"


def test_trend_of_seven_rising_flags_all_seven():
    assert flagged(BASE + [8, 9, 10, 11, 12, 13, 14] + [12, 10] * 3) == {
        i: ("trend", "improvement") for i in range(20, 27)}


def test_six_rising_points_are_not_a_trend():
    assert flagged(BASE + [9, 10, 11, 12, 13, 14] + [12, 10] * 4) == {}


def test_a_tie_breaks_a_trend():
    assert flagged(BASE + [8, 9, 10, 10, 12, 13, 14] + [12, 10] * 4) == {}


def test_a_falling_trend_is_concern_even_above_the_mean():
    # the trend's direction, not the side of the mean, orients its points (NHSRplotthedots 0.2.x)
    got = flagged(BASE + [15, 14.5, 14, 13.5, 13, 12.5, 12, 10] + [12, 10] * 4)
    assert got == {i: ("trend", "concern") for i in range(20, 28)}
    r = spc.xmr(BASE + [15, 14.5, 14, 13.5, 13, 12.5, 12, 10] + [12, 10] * 4)
    assert r["relative_to_mean"].iloc[20] == 1 and r["special_cause_type"].iloc[20] == "7 Point Trend (Decreasing)"


def test_two_of_three_close_to_a_limit_on_one_side():
    got = flagged(BASE + [15.5, 12, 15.5] + [10, 12] * 4)
    assert got == {20: ("two_of_three", "improvement"), 22: ("two_of_three", "improvement")}  # not the 12
    low = flagged(BASE + [6.5, 10, 6.5] + [10, 12] * 4)
    assert low == {20: ("two_of_three", "concern"), 22: ("two_of_three", "concern")}


def test_two_of_three_with_a_point_across_the_mean_does_not_fire():
    assert flagged(BASE + [15.5, 10, 15.5] + [10, 12] * 4) == {}


def test_two_of_three_with_a_point_on_the_mean_does_not_fire():
    values = BASE + [15.5, 11, 15.5] + [10, 12] * 2 + [8, 8, 8] + [10, 12] * 2  # mean exactly 11 (374 / 34)
    r = spc.xmr(values)
    assert r["close_to_limits"].iloc[20] and r["close_to_limits"].iloc[22] and r["relative_to_mean"].iloc[21] == 0
    assert flagged(values) == {}


def test_two_close_points_on_opposite_sides_do_not_fire():
    # NHSRplotthedots' own test (test-ptd_spc_standard.R): 5.5 and -5.5 are both close to a limit
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    r = spc.xmr(values)
    assert r["close_to_limits"].iloc[14] and r["close_to_limits"].iloc[15]
    assert (r["point_type"].iloc[-2:] == "common_cause").all()


def test_only_one_close_point_in_three_does_not_fire():
    assert flagged(BASE + [15.5, 12, 14] + [10, 12] * 4) == {}


def test_shift_of_seven_on_one_side_flags_all():
    got = flagged([12, 10] * 5 + [12] * 7 + [10] * 6)
    assert got == {i: ("shift", "improvement") for i in range(10, 17)}


def test_a_point_on_the_mean_breaks_a_shift():
    values = [12, 10] * 5 + [12, 12, 12, 11, 12, 12, 12] + [10] * 6  # mean exactly 11 (253 / 23)
    r = spc.xmr(values)
    assert r["mean"].iloc[0] == 11 and r["relative_to_mean"].iloc[13] == 0
    assert flagged(values) == {}


def test_outside_limits_comes_before_trend():
    got = flagged(BASE + [8, 9, 10, 11, 12, 13, 20] + [12, 10] * 4)
    assert got == {**{i: ("trend", "improvement") for i in range(20, 26)}, 26: ("outside_limits", "improvement")}


def test_trend_comes_before_two_of_three():
    # 15.5 and 16 are close to the upper limit with 13 above the mean, but all 7 are a trend
    r = spc.xmr(BASE + [9, 10, 11, 12, 13, 15.5, 16] + [10, 12] * 4)
    assert r["close_to_limits"].iloc[25] and r["close_to_limits"].iloc[26]
    assert (r["rule"].iloc[20:27] == "trend").all()


def test_two_of_three_comes_before_shift():
    got = flagged(BASE + [12, 12, 15.5, 12, 15.5, 12, 12] + [10, 12] * 4)
    rules = {i: rule for i, (rule, _) in got.items()}
    assert rules == {20: "shift", 21: "shift", 22: "two_of_three", 23: "shift", 24: "two_of_three",
                     25: "shift", 26: "shift"}


def test_outside_limits_comes_before_shift():
    got = flagged(BASE + [12, 12, 12, 25, 12, 12, 12] + [10, 12] * 4)
    assert {i: rule for i, (rule, _) in got.items()} == {
        **{i: "shift" for i in range(20, 27)}, 23: "outside_limits"}


def test_rules_run_within_each_rebase_group():
    # 4 high points end one group and 3 begin the next: no run of 7 inside either group
    values = [12, 10] * 8 + [12] * 7 + [10, 12] * 8
    assert set(flagged(values).values()) == {("shift", "improvement")}
    assert flagged(values, rebase_at=20) == {}


def test_decrease_and_neutral_directions():
    values = [12, 10] * 5 + [12] * 7 + [10] * 7
    assert set(spc.xmr(values)["point_type"].iloc[10:17]) == {"special_cause_improvement"}
    assert set(spc.xmr(values)["point_type"].iloc[17:]) == {"special_cause_concern"}
    down = spc.xmr(values, improvement_direction="decrease")["point_type"]
    assert set(down.iloc[10:17]) == {"special_cause_concern"} and set(down.iloc[17:]) == {"special_cause_improvement"}
    neutral = spc.xmr(values, improvement_direction="neutral")["point_type"]
    assert set(neutral.iloc[10:17]) == {"special_cause_neutral_high"}
    assert set(neutral.iloc[17:]) == {"special_cause_neutral_low"}
    assert set(neutral.iloc[:10]) == {"common_cause"}
    with pytest.raises(ValueError, match="improvement_direction"):
        spc.xmr(values, improvement_direction="up")


def test_inputs():
    s = monthly(RNORM_123)
    r = spc.xmr(s.iloc[::-1])  # a date index is put in date order, as R arranges by date
    assert r.index.equals(s.index) and r["value"].tolist() == RNORM_123
    assert spc.xmr(np.array(RNORM_123)).index.tolist() == list(range(20))
    assert spc.xmr(RNORM_123, target=0.5)["target"].eq(0.5).all()
    with pytest.raises(ValueError, match="missing"):
        spc.xmr([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="empty"):
        spc.xmr([])
    with pytest.raises(ValueError, match="same date"):
        spc.xmr(pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-01", "2024-01-01"])))


# --- icons and the reading -----------------------------------------------------------------------------

SHIFT_UP = [12, 10] * 5 + [12] * 7  # ends in a run of 7 above the mean


@pytest.mark.parametrize(("values", "direction", "icon"), [
    (BASE, "increase", "common_cause"),
    (SHIFT_UP, "increase", "improvement_high"),
    (SHIFT_UP, "decrease", "concern_high"),
    (SHIFT_UP, "neutral", "neutral_high"),
    ([10, 12] * 5 + [10] * 7, "increase", "concern_low"),
    ([10, 12] * 5 + [10] * 7, "decrease", "improvement_low"),
    ([10, 12] * 5 + [10] * 7, "neutral", "neutral_low"),
])
def test_variation_icon_from_the_last_point(values, direction, icon):
    assert spc.icons(spc.xmr(values, improvement_direction=direction), direction).variation == icon


@pytest.mark.parametrize(("direction", "target", "assurance"), [
    ("increase", 20, "consistent_fail"),   # target above the upper limit: never reached
    ("increase", 2, "consistent_pass"),    # target below the lower limit: always beaten
    ("increase", 11, "inconsistent"),
    ("decrease", 20, "consistent_pass"),
    ("decrease", 2, "consistent_fail"),
    ("decrease", 16, "inconsistent"),
    ("neutral", 20, None),
])
def test_assurance_icon(direction, target, assurance):
    r = spc.xmr(BASE, improvement_direction=direction)  # limits 5.68 to 16.32
    assert spc.icons(r, direction, target=target).assurance == assurance


def test_assurance_uses_the_last_rebase_group_and_the_result_target():
    r = spc.xmr(BASE + [40, 42] * 7, rebase_at=20, target=30)  # last limits about 35.7 to 46.3
    assert spc.icons(r, "increase") == spc.Icons("common_cause", "consistent_pass")
    assert spc.icons(spc.xmr(BASE), "increase").assurance is None
    with pytest.raises(ValueError, match="read with"):
        spc.icons(r, "decrease")


def test_describe_special_cause_since_the_month_the_run_began():
    r = spc.xmr(monthly(SHIFT_UP))
    assert spc.describe(r, "increase", what="median working days to triage", unit="working days") == (
        "Special cause improvement since November 2023: median working days to triage has been above the mean "
        "for 7 or more points in a row (latest 12 working days; mean 11.4 working days, process limits 8.09 "
        "to 14.7).")


def test_describe_positions_neutral_and_trial_limits():
    r = spc.xmr([12, 10] * 5 + [8, 9, 10, 11, 12, 13, 14], improvement_direction="neutral")
    assert spc.describe(r, "neutral", what="new concerns per month").startswith(
        "Special cause variation (high) since point 11: new concerns per month has risen for 7 or more points "
        "in a row (latest 14; mean")
    assert spc.describe(spc.xmr(BASE[:10]), "increase", what="new concerns per month") == (
        "Common cause variation only: no sign of change in new concerns per month (mean 11, process limits "
        "5.68 to 16.3; trial limits from fewer than 13 points).")


def test_describe_common_cause_after_an_earlier_special_cause():
    r = spc.xmr(monthly(SHIFT_UP + [10]), improvement_direction="decrease")
    text = spc.describe(r, "decrease", what="median working days to triage")
    assert text.startswith("Common cause variation at the latest point (June 2024): no sign of change in median "
                           "working days to triage now; the last special cause (concern) was at May 2024")


def test_describe_methods_series_is_common_cause_only():
    text = spc.describe(spc.xmr(RNORM_123), "increase", what="the measure")
    assert text == ("Common cause variation only: no sign of change in the measure (mean 0.142, process limits "
                    "-3.01 to 3.29).")


# --- against a line-by-line transcription of the R functions ------------------------------------------

def _r_reading(y: list[float], screen: bool, fix: int | None, direction: int) -> list[tuple]:
    """NHSRplotthedots 0.2.x for one group, loop for loop (ptd_spc_standard, ptd_special_cause_type,
    ptd_point_type), giving (mean, lpl, upl, special_cause_type, point_type) per point."""
    n = len(y)
    fix_y = [v if i < (fix or n) else np.nan for i, v in enumerate(y)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # R's mean(c(NA), na.rm = TRUE) is NaN too
        mean = np.nanmean(fix_y)
        mr = [np.nan] + [abs(fix_y[i] - fix_y[i - 1]) for i in range(1, n)]
        amr = np.nanmean(mr) if n > 1 else np.nan
        if screen:
            mr = [m if m < 3.267 * amr else np.nan for m in mr]
        amr = np.nanmean(mr) if n > 1 else np.nan
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr
    nlpl, nupl = mean - 2 * (2.66 / 3) * amr, mean + 2 * (2.66 / 3) * amr
    outside = [v > upl or v < lpl for v in y]
    rtm = [int(np.sign(v - mean)) for v in y]
    close = [not o and (v < nlpl or v > nupl) for v, o in zip(y, outside)]

    vp = [0] * 6 + rtm
    one_side = [float(all(vp[i] == vp[i - k] for k in range(1, 7)) and vp[i] != 0) for i in range(6, n + 6)]

    def part_of_seven(v):
        p = v + [0] * 6
        return [any(abs(p[i + k]) == 1 for k in range(7)) for i in range(n)]

    trend = [0] * n
    for i in range(6, n):
        d = [np.sign(y[i - k] - y[i - k - 1]) for k in range(6)]
        trend[i] = 1 if all(x == 1 for x in d) else -1 if all(x == -1 for x in d) else 0
    cp, rp = [0, 0] + [int(c) for c in close] + [0, 0], [0, 0] + rtm + [0, 0]
    two = [any(sum(cp[i + o:i + o + 3]) >= 2 and abs(sum(rp[i + o:i + o + 3])) == 3 for o in range(3))
           for i in range(n)]
    part_trend, part_shift = part_of_seven(trend), part_of_seven(one_side)
    part_two = [t and c for t, c in zip(two, close)]
    sdy = [np.sign(y[i + 1] - y[i]) for i in range(n - 1)]
    out = []
    for i in range(n):
        right = part_trend[i] and i + 1 < n and part_trend[i + 1]
        way = (sdy[i] if i < n - 1 else sdy[-1]) if right else (sdy[i - 1] if i > 0 else 0)
        side = "Above" if rtm[i] > 0 else "Below"
        if outside[i]:
            label = "Above UCL" if rtm[i] == 1 else "Below LCL"
        elif part_trend[i]:
            label = f"7 Point Trend ({'In' if way == 1 else 'De'}creasing)"
        elif part_two[i]:
            label = f"2 in 3 {side} CL"
        elif part_shift[i]:
            label = f"7 Points {side} CL"
        else:
            label = "Common Cause"
        v = 1 if ("Above" in label or "Increasing" in label) else -1 if ("Below" in label or "Decreasing" in label) \
            else 0
        if direction == 0:
            kind = "special_cause_neutral_high" if v > 0 else "special_cause_neutral_low" if v < 0 else "common_cause"
        else:
            kind = {1: "special_cause_improvement", -1: "special_cause_concern", 0: "common_cause"}[v * direction]
        out.append((mean, lpl, upl, label, kind))
    return out


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(0, 6), min_size=1, max_size=45),
       screen=st.booleans(), fix=st.sampled_from([None, 12, 15]),
       direction=st.sampled_from(["increase", "decrease", "neutral"]),
       cut=st.integers(0, 45))
def test_matches_the_r_functions_on_random_series(values, screen, fix, direction, cut):
    # small integers make ties, points exactly on the mean and long runs common
    y = [float(v) for v in values]
    rebase = [cut] if 0 < cut < len(y) else []
    r = spc.xmr(y, screen_outliers=screen, fix_after_n_points=fix, improvement_direction=direction,
                rebase_at=rebase)
    bounds = [0, *rebase, len(y)]
    expected = [row for a, b in zip(bounds[:-1], bounds[1:])
                for row in _r_reading(y[a:b], screen, fix, spc.ORIENTATION[direction])]
    got = list(zip(r["mean"], r["lpl"], r["upl"], r["special_cause_type"], r["point_type"]))
    for g, e in zip(got, expected, strict=True):
        assert g[3:] == e[3:]
        np.testing.assert_allclose(g[:3], e[:3], rtol=1e-12, atol=1e-12)
