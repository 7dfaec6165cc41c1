"""Check values of METHODS.md section 2, PHEindicatormethods test outputs and hand-worked intervals, funnel
limits, ratios and 2×2 tables."""

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.optimize import brentq

from lotus_analytics import stats
from lotus_analytics.stats import (
    fisher_exact_p,
    poisson_interval,
    proportion_funnel_limits,
    rate_ratio,
    ratio_funnel_limits,
    risk_ratio,
    standardised_ratio,
    wilson_interval,
    z_value,
)

TOL = 1e-9


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [(0.95, 1.959963984540054), (0.998, 3.090232306167813), (0.90, 1.6448536269514722)],
)
def test_z_value_is_the_two_sided_normal_quantile(confidence, expected):
    # R: qnorm(confidence + (1 - confidence)/2), as PHEindicatormethods computes it
    assert z_value(confidence) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("x", "n", "confidence", "expected"),
    [
        (65, 100, 0.95, (0.552544432969, 0.736357517569)),
        (1045, 5000, 0.95, (0.197955498800, 0.220491303732)),
        (65, 100, 0.998, (0.495494657407, 0.778354061409)),
    ],
)
def test_wilson_check_values(x, n, confidence, expected):
    lower, upper = wilson_interval(x, n, confidence)
    assert lower == pytest.approx(expected[0], abs=TOL)
    assert upper == pytest.approx(expected[1], abs=TOL)


def test_wilson_edges_by_hand():
    z2 = z_value(0.95) ** 2
    lower, upper = wilson_interval(0, 10)
    assert lower == pytest.approx(0.0, abs=TOL)
    assert upper == pytest.approx(z2 / (10 + z2), abs=TOL)  # x = 0: upper = z²/(n + z²)
    lower, upper = wilson_interval(10, 10)
    assert upper == pytest.approx(1.0, abs=TOL)
    assert lower == pytest.approx(10 / (10 + z2), abs=TOL)


@pytest.mark.parametrize(
    ("x", "confidence", "expected"),
    [
        (65, 0.95, (50.163187710459, 82.849138545940)),
        (1045, 0.998, (947.940703561037, 1148.806160988033)),
    ],
)
def test_byar_check_values(x, confidence, expected):
    lower, upper = poisson_interval(x, confidence)
    assert lower == pytest.approx(expected[0], abs=TOL)
    assert upper == pytest.approx(expected[1], abs=TOL)


def test_exact_rate_per_100000_check_value():
    lower, upper = poisson_interval(5)
    assert lower / 100 * 1e5 == pytest.approx(1623.486390118420, abs=1e-7)
    assert upper / 100 * 1e5 == pytest.approx(11668.332079322669, abs=1e-7)


def test_exact_below_ten_byar_from_ten():
    lower, upper = poisson_interval(np.array([0, 9, 10]))
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-math.log(0.025), abs=TOL)  # χ²(0.975, 2)/2 = −ln(α/2)
    z = z_value(0.95)
    assert lower[2] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3, abs=TOL)
    assert upper[1] == pytest.approx(17.084803, abs=1e-6)  # exact upper limit for 9 (Garwood tables)


@pytest.mark.parametrize(
    ("method", "counts", "expected"),
    [
        # METHODS.md check value: Katz risk ratio 2/4 vs 2/4
        (risk_ratio, (2, 4, 2, 4), (1.0, 0.25009765325990629, 3.9984381579173824)),
        # 30 cases per 1000 people against 20 per 2000: rates 0.03 and 0.01, ratio 3.0.
        # SE(log) = √(1/30 + 1/20) = √0.0833333 = 0.2886751; z·SE = 1.9599640 × 0.2886751 = 0.5657929;
        # limits 3·e^∓0.5657929 = 3 × 0.5679097 = 1.7037291 and 3 × 1.7608433 = 5.2825300
        # (statsmodels confint_poisson_2indep(30, 1000, 20, 2000, method="wald-log") gives the same).
        (rate_ratio, (30, 1000, 20, 2000), (3.0, 1.7037290739919275, 5.282530032144443)),
    ],
)
def test_ratio_check_values(method, counts, expected):
    assert method(*counts) == pytest.approx(expected, abs=TOL)


def test_katz_hand_worked_two_by_two():
    # 10 of 100 against 5 of 100: RR 2, SE = √(1/10 − 1/100 + 1/5 − 1/100) = √0.28.
    ratio, lower, upper = risk_ratio(10, 100, 5, 100)
    se = math.sqrt(0.28)
    assert ratio == pytest.approx(2.0, abs=TOL)
    assert lower == pytest.approx(2 * math.exp(-1.959963984540054 * se), abs=TOL)
    assert upper == pytest.approx(2 * math.exp(1.959963984540054 * se), abs=TOL)


def test_katz_zero_events_give_nan_and_arrays_broadcast():
    ratio, lower, upper = risk_ratio(pd.Series([0, 3, 4]), 10, np.array([5, 5, 0]), 10)
    assert isinstance(ratio, np.ndarray)
    assert np.isnan(ratio[[0, 2]]).all() and np.isnan(lower[0]) and np.isnan(upper[2])
    assert ratio[1] == pytest.approx(0.6, abs=TOL)


def test_rate_ratio_is_wider_than_katz_for_the_same_counts():
    # Katz drops 1/n1 + 1/n0 from the variance: √(1/30 − 1/1000 + 1/20 − 1/2000) = 0.2860653 < 0.2886751,
    # so its limits are 1.7124664 and 5.2555775, inside the rate ratio's.
    _, katz_lower, katz_upper = risk_ratio(30, 1000, 20, 2000)
    _, lower, upper = rate_ratio(30, 1000, 20, 2000)
    assert katz_lower == pytest.approx(1.7124664172991912, abs=TOL)
    assert katz_upper == pytest.approx(5.255577516196965, abs=TOL)
    assert lower < katz_lower and upper > katz_upper


def test_rate_ratio_allows_more_events_than_people_and_gives_nan_for_zero_events():
    # 12 cases among 10 people (several each) against 5 among 10: ratio 2.4, SE = √(1/12 + 1/5).
    ratio, lower, upper = rate_ratio(pd.Series([0, 12, 4]), 10, np.array([5, 5, 0]), 10)
    assert isinstance(ratio, np.ndarray)
    assert np.isnan(ratio[[0, 2]]).all() and np.isnan(lower[0]) and np.isnan(upper[2])
    se = math.sqrt(1 / 12 + 1 / 5)
    assert ratio[1] == pytest.approx(2.4, abs=TOL)
    assert (lower[1], upper[1]) == (pytest.approx(2.4 * math.exp(-1.959963984540054 * se), abs=TOL),
                                    pytest.approx(2.4 * math.exp(1.959963984540054 * se), abs=TOL))
    # 99%: z = 2.5758293
    _, lower99, _ = rate_ratio(30, 1000, 20, 2000, confidence=0.99)
    assert lower99 == pytest.approx(3 * math.exp(-2.5758293035489004 * math.sqrt(1 / 30 + 1 / 20)), abs=TOL)


def test_fisher_hand_worked():
    # 3 of 3 against 0 of 3: P(table) = 1/C(6,3) = 0.05 for each extreme; two-sided p = 0.1.
    assert fisher_exact_p(3, 3, 0, 3) == pytest.approx(0.1, abs=TOL)
    assert fisher_exact_p(2, 4, 2, 4) == pytest.approx(1.0, abs=TOL)
    p = fisher_exact_p(np.array([3, 2]), np.array([3, 4]), np.array([0, 2]), np.array([3, 4]))
    assert p == pytest.approx([0.1, 1.0], abs=TOL)
    # R's TeaTasting example, fisher.test(matrix(c(3, 1, 1, 3), 2)): tables 1, 16, 36, 16, 1 in 70; p = 34/70.
    assert fisher_exact_p(3, 4, 1, 4) == pytest.approx(34 / 70, abs=TOL)


def _scipy_fisher(a: int, n1: int, c: int, n0: int) -> float:
    return sps.fisher_exact([[a, n1 - a], [c, n0 - c]], alternative="two-sided").pvalue


@st.composite
def two_by_two(draw) -> tuple[int, int, int, int]:
    """A table of small or large groups; c either anywhere or near a's rate, so large tables are not all p ≈ 0."""
    size = st.one_of(st.integers(0, 12), st.integers(0, 1_000_000))
    n1, n0 = draw(size), draw(size)
    a = draw(st.integers(0, n1))
    near = round(a / n1 * n0) if n1 else draw(st.integers(0, n0))
    spread = 3 * math.isqrt(n0) + 2
    c = draw(st.one_of(st.integers(0, n0), st.integers(max(0, near - spread), min(n0, near + spread))))
    return a, n1, c, n0


@settings(max_examples=300, deadline=None)
@given(st.lists(two_by_two(), min_size=1, max_size=6))
@example([(0, 0, 4, 9)])  # an empty group
@example([(0, 7, 0, 9), (7, 7, 9, 9)])  # no events; all events
@example([(0, 0, 0, 0), (5, 10, 5, 10)])
def test_fisher_matches_scipy_on_random_tables(tables):
    a, n1, c, n0 = (np.array(v) for v in zip(*tables))
    expected = [_scipy_fisher(*table) for table in tables]
    assert fisher_exact_p(a, n1, c, n0) == pytest.approx(expected, abs=1e-8, rel=0)


def test_fisher_counts_mirror_image_tables_as_ties():
    # 47 against 60 of 8,277 each: the table with 60 against 47 is exactly as probable, but log-gamma rounding
    # separates the two by more than 1e-14 (scipy's tolerance), so only R's 1e-7 keeps it in the sum.
    assert fisher_exact_p(47, 8277, 60, 8277) == pytest.approx(_scipy_fisher(47, 8277, 60, 8277), abs=1e-8)
    assert fisher_exact_p(47, 8277, 60, 8277) == pytest.approx(0.24435949490265, abs=1e-8)


def test_fisher_in_batches_matches_one_pass(monkeypatch):
    tables = [(30, 400, 45, 410), (2, 9, 7, 11), (150, 1000, 90, 800), (0, 5, 3, 5), (60, 90, 20, 90)]
    monkeypatch.setattr(stats, "_FISHER_TERMS_PER_BATCH", 40)  # smaller than most tables' support
    a, n1, c, n0 = (np.array(v) for v in zip(*tables))
    assert fisher_exact_p(a, n1, c, n0) == pytest.approx([_scipy_fisher(*t) for t in tables], abs=1e-10, rel=0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: wilson_interval(11, 10), "x must not exceed n"),
        (lambda: wilson_interval(-1, 10), "x must not be negative"),
        (lambda: wilson_interval(1, 0), "n must be greater than 0"),
        (lambda: wilson_interval(1, 10, confidence=95), "confidence must lie strictly between 0 and 1"),
        (lambda: poisson_interval(np.array([1.0, np.nan])), "x must be finite"),
        (lambda: risk_ratio(5, 4, 1, 4), "a must not exceed n1"),
        (lambda: rate_ratio(-1, 4, 1, 4), "a must not be negative"),
        (lambda: rate_ratio(1, 4, 1, 0), "n0 must be greater than 0"),
        (lambda: rate_ratio(1, 4, np.nan, 4), "c must be finite"),
        (lambda: fisher_exact_p(1.5, 4, 1, 4), "whole-number counts"),
    ],
)
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# Funnel-plot limits and standardised ratios (PHEindicatormethods calculate_funnel_limits,
# assign_funnel_significance, calculate_ISRatio).

PHE_AVERAGE = 0.80642448  # pooled average of PHEindicatormethods' tests/testthat/testdata_funnel_prop_inputs.csv


def _wilson_by_hand(x: float, n: float, z: float) -> tuple[float, float]:
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def _phe_sigma_adjustment(p: float, population: float, average: float, side: str) -> float:
    """PHEindicatormethods' R `sigma_adjustment` (multiplier 1), transcribed term by term."""
    q2 = NormalDist().inv_cdf(p) ** 2
    first_part = average * (population / q2 + 1)
    adj = math.sqrt((-8 * average * (population / q2 + 1)) ** 2 - 64 * (1 / q2 + 1 / population) * average
                    * (population * (average * (population / q2 + 2) - 1) + q2 * (average - 1)))
    last_part = 1 / q2 + 1 / population
    sign = -1 if side == "low" else 1
    return (first_part + sign * adj / 8) / last_part / population


@pytest.mark.parametrize("n", [40, 333, 20000])
@pytest.mark.parametrize(("confidence", "p"), [(0.95, 0.975), (0.998, 0.999)])
def test_proportion_funnel_limits_invert_the_wilson_interval(n, confidence, p):
    # A limit is the x/n whose Wilson interval just touches the average: solve that by root finding.
    average, z = 0.3, NormalDist().inv_cdf(p)
    x_low = brentq(lambda x: _wilson_by_hand(x, n, z)[1] - average, 0, average * n)
    x_high = brentq(lambda x: _wilson_by_hand(x, n, z)[0] - average, average * n, n)
    lower, upper = proportion_funnel_limits(average, n, confidence)
    assert lower == pytest.approx(x_low / n, abs=1e-12)
    assert upper == pytest.approx(x_high / n, abs=1e-12)
    assert lower == pytest.approx(_phe_sigma_adjustment(p, n, average, "low"), abs=1e-12)
    assert upper == pytest.approx(_phe_sigma_adjustment(p, n, average, "high"), abs=1e-12)


def test_proportion_funnel_limits_match_phe_test_outputs():
    # PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (percentages, 6 decimals):
    # Population, Lower2s0025limit, Upper2s0025limit, Lower3s0001limit, Upper3s0001limit; 0 and 100 are clipped.
    rows = np.array([
        [1, 3.204264, 100, 0, 100],
        [3, 35.933491, 100, 10.150815, 100],
        [18, 62.390093, 98.894803, 51.864359, 100],
        [41, 68.548635, 92.73626, 61.574398, 99.710497],
        [1008, 78.203374, 83.081521, 76.796814, 84.488082],
        [110000, 80.408963, 80.875933, 80.274317, 81.010578],
    ])
    low95, high95 = proportion_funnel_limits(PHE_AVERAGE, rows[:, 0], 0.95)
    low998, high998 = proportion_funnel_limits(PHE_AVERAGE, rows[:, 0], 0.998)
    got = 100 * np.column_stack([low95, high95, low998, high998])
    assert got == pytest.approx(rows[:, 1:], abs=3e-6)


@pytest.mark.parametrize(
    ("numerator", "denominator", "significance"),
    [  # rows of PHEindicatormethods tests/testthat/testdata_funnel_prop_inputs.csv
        (35078.488, 41980, "High (0.001)"),
        (24803.6256, 31824, "Low (0.001)"),
        (50050.7443, 61921, "Not significant"),
        (26789.238, 33012, "High (0.025)"),
        (30277.5312, 37828, "Low (0.025)"),
        (14493.3552, 17964, "Not significant"),
    ],
)
def test_proportion_funnel_significance_matches_phe(numerator, denominator, significance):
    value = numerator / denominator
    low95, high95 = proportion_funnel_limits(PHE_AVERAGE, denominator, 0.95)
    low998, high998 = proportion_funnel_limits(PHE_AVERAGE, denominator, 0.998)
    got = ("Low (0.001)" if value < low998 else "Low (0.025)" if value < low95 else
           "High (0.001)" if value > high998 else "High (0.025)" if value > high95 else "Not significant")
    assert got == significance


def test_proportion_funnel_limits_by_hand_and_vectorised():
    # average 0.2, n = 100: 0.2 ∓ 1.959964 × √(0.2 × 0.8 / 100) = 0.2 ∓ 0.0783986
    lower, upper = proportion_funnel_limits(0.2, np.array([100, 4]), 0.95)
    assert lower[0] == pytest.approx(0.2 - 1.959963984540054 * 0.04, abs=1e-12)
    assert upper[0] == pytest.approx(0.2 + 1.959963984540054 * 0.04, abs=1e-12)
    assert lower[1] == 0.0  # 0.2 − 0.392 is clipped to 0, as calculate_funnel_limits clips to 0-100%


@pytest.mark.parametrize("confidence", [0.95, 0.998])
@pytest.mark.parametrize("count", [1, 2, 9, 10, 57, 400])
def test_ratio_funnel_limits_pass_through_the_exact_poisson_points(count, confidence):
    tail = (1 - confidence) / 2
    # Lower line: at E where P(X <= count | E) = tail, `count` is the lowest count not flagged.
    e_low = brentq(lambda e: sps.poisson.cdf(count, e) - tail, 1e-9, 10 * count + 50)
    # Upper line: at E where P(X >= count | E) = tail.
    e_high = brentq(lambda e: sps.poisson.sf(count - 1, e) - tail, 1e-12, 10 * count + 50)
    lower, _ = ratio_funnel_limits(e_low, confidence)
    _, upper = ratio_funnel_limits(e_high, confidence)
    assert lower == pytest.approx(count / e_low, rel=1e-9)
    assert upper == pytest.approx(count / e_high, rel=1e-9)


def test_ratio_funnel_limits_match_phe_test_outputs():
    # PHEindicatormethods tests/testthat/testdata_funnel_ratio_outputs.csv: Observed_events,
    # lower_2s_exp_events, lower_2s_isr, upper_2s_exp_events, upper_2s_isr, lower_3s_exp_events,
    # lower_3s_isr, upper_3s_exp_events, upper_3s_isr (isr = ratio x 100). PHE bisects v = E/(1 + o + E)
    # to 1e-7, so its E (and the ratio at it) is off by up to about 1e-5 relative when E is tiny.
    rows = np.array([
        [1, 5.571644585, 17.94802207, 0.025317898, 3949.774946, 9.233410143, 10.83023482, 0.001000547, 99945.32721],
        [10, 18.39035799, 54.3763205, 4.795387629, 208.5337156, 24.13397235, 41.43536693, 2.960519925, 337.778507],
        [100, 121.6268111, 82.21871402, 81.36400699, 122.9044681, 134.9243187, 74.11562345, 71.92139974, 139.0406755],
        [716, 770.4222128, 92.93605352, 664.5083011, 107.7488421, 802.60414, 89.20960712, 636.1521174, 112.5516964],
    ])
    for (e_col, r_col, confidence, side) in [(1, 2, 0.95, 0), (3, 4, 0.95, 1), (5, 6, 0.998, 0), (7, 8, 0.998, 1)]:
        limits = ratio_funnel_limits(rows[:, e_col], confidence)[side]
        assert 100 * limits == pytest.approx(rows[:, r_col], rel=1e-5)


def test_ratio_funnel_lower_limit_is_zero_where_no_count_is_low():
    # With E below -ln(0.025) = 3.689 even 0 events lie inside the 95% funnel.
    lower, upper = ratio_funnel_limits(np.array([1.0, 3.6]), 0.95)
    assert (lower == 0).all() and (upper > 1).all()


@pytest.mark.parametrize(
    ("observed", "expected", "confidence", "limits"),
    [
        (65, 50.0, 0.95, (50.163187710459, 82.849138545940)),  # Byar's check value of METHODS.md
        (1045, 1000.0, 0.998, (947.940703561037, 1148.806160988033)),
        (5, 2.5, 0.95, (1.623486390118420, 11.668332079322669)),  # exact check value (rate 5 per 100)
        (0, 4.0, 0.95, (0.0, -math.log(0.025))),  # exact upper for 0 events: χ²(0.975, 2)/2 = −ln(0.025)
    ],
)
def test_standardised_ratio_is_the_count_interval_over_expected(observed, expected, confidence, limits):
    ratio, lower, upper = standardised_ratio(observed, expected, confidence)
    assert ratio == pytest.approx(observed / expected, abs=TOL)
    assert lower == pytest.approx(limits[0] / expected, abs=TOL)
    assert upper == pytest.approx(limits[1] / expected, abs=TOL)


def test_standardised_ratio_byar_by_hand_vectorised():
    z = 1.959963984540054
    ratio, lower, upper = standardised_ratio(np.array([10, 3]), np.array([8.0, 6.0]))
    assert ratio == pytest.approx([1.25, 0.5], abs=TOL)
    assert lower[0] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3 / 8, abs=TOL)
    assert upper[0] == pytest.approx(11 * (1 - 1 / 99 + z / (3 * math.sqrt(11))) ** 3 / 8, abs=TOL)
    assert upper[1] == pytest.approx(sps.chi2.ppf(0.975, 8) / 2 / 6, abs=TOL)  # exact below 10


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: proportion_funnel_limits(1.2, 10), "average must be a proportion"),
        (lambda: proportion_funnel_limits(0.5, 0), "n must be greater than 0"),
        (lambda: ratio_funnel_limits(0.0), "expected must be greater than 0"),
        (lambda: ratio_funnel_limits(5.0, confidence=1.0), "confidence must lie strictly between 0 and 1"),
        (lambda: standardised_ratio(-1, 2.0), "observed must not be negative"),
        (lambda: standardised_ratio(3, 0.0), "expected must be greater than 0"),
    ],
)
def test_funnel_and_ratio_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_percent_with_interval_is_wilson_on_0_100_and_nan_for_an_empty_denominator():
    pct, low, high = stats.percent_with_interval([2, 0, 3], [4, 0, None], 0.95)
    assert pct[0] == 50 and low[0] == pytest.approx(15.0, abs=0.05) and high[0] == pytest.approx(85.0, abs=0.05)
    assert np.isnan([pct[1], low[1], high[1], pct[2], low[2], high[2]]).all()  # 0/0 and a missing n: no share, no error
