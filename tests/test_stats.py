"""Check values of METHODS.md section 2 and hand-worked intervals, ratios and 2×2 tables."""

import math

import numpy as np
import pandas as pd
import pytest

from lotus_analytics.stats import fisher_exact_p, poisson_interval, risk_ratio, wilson_interval, z_value

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


def test_katz_check_value():
    ratio, lower, upper = risk_ratio(2, 4, 2, 4)
    assert ratio == pytest.approx(1.0, abs=TOL)
    assert lower == pytest.approx(0.25009765325990629, abs=TOL)
    assert upper == pytest.approx(3.9984381579173824, abs=TOL)


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


def test_fisher_hand_worked():
    # 3 of 3 against 0 of 3: P(table) = 1/C(6,3) = 0.05 for each extreme; two-sided p = 0.1.
    assert fisher_exact_p(3, 3, 0, 3) == pytest.approx(0.1, abs=TOL)
    assert fisher_exact_p(2, 4, 2, 4) == pytest.approx(1.0, abs=TOL)
    p = fisher_exact_p(np.array([3, 2]), np.array([3, 4]), np.array([0, 2]), np.array([3, 4]))
    assert p == pytest.approx([0.1, 1.0], abs=TOL)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: wilson_interval(11, 10), "x must not exceed n"),
        (lambda: wilson_interval(-1, 10), "x must not be negative"),
        (lambda: wilson_interval(1, 0), "n must be greater than 0"),
        (lambda: wilson_interval(1, 10, confidence=95), "confidence must lie strictly between 0 and 1"),
        (lambda: poisson_interval(np.array([1.0, np.nan])), "x must be finite"),
        (lambda: risk_ratio(5, 4, 1, 4), "a must not exceed n1"),
        (lambda: fisher_exact_p(1.5, 4, 1, 4), "whole-number counts"),
    ],
)
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
