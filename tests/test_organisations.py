"""Escalation funnels and indirectly standardised ratios on hand-made extracts with known O, E and verdicts."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from lotus_analytics import schema, synthetic
from lotus_analytics.organisations import (
    escalation_funnel,
    funnel_curve,
    funnel_sizes,
    level_label,
    level_suffix,
    ratio_funnel_curve,
    standardised_ratios,
)
from lotus_analytics.periods import FinancialQuarter, rolling_window
from lotus_analytics.stats import proportion_funnel_limits
from tests.measures_frames import cases_frame

WINDOW = rolling_window(FinancialQuarter.parse("2025/26 Q4"), 2)  # 1 April 2024 to 31 March 2026
INSIDE, OUTSIDE = "2025-06-01", "2024-03-31"
Z95, Z998 = 1.959963984540054, 3.090232306167813


def _unit(icb: str, cases: int, escalated: int, **extra) -> list[dict]:
    """`cases` rows of one ICB received in the window, the first `escalated` of them investigated."""
    return [{"icb_code": icb, "date_received": INSIDE, "investigation": i < escalated, **extra} for i in range(cases)]


@pytest.fixture(scope="module")
def funnel() -> pd.DataFrame:
    # 200 of 800 escalated: average 0.25. At n = 100 the limits are 0.25 ∓ z·√(0.25 × 0.75 / 100):
    # 95% 0.16513 to 0.33487, 99.8% 0.11618 to 0.38382.
    rows = [*_unit("AAA", 100, 40), *_unit("BBB", 100, 10), *_unit("CCC", 100, 36), *_unit("DDD", 100, 14),
            *_unit("EEE", 400, 100)]
    rows += [{"icb_code": "AAA", "date_received": OUTSIDE, "investigation": True}] * 5  # before the window
    return escalation_funnel(cases_frame(rows), window=WINDOW)


def test_escalation_funnel_counts_average_and_limits_by_hand(funnel):
    assert list(funnel["unit"]) == ["AAA", "BBB", "CCC", "DDD", "EEE"]
    assert list(funnel["cases"]) == [100, 100, 100, 100, 400]
    assert list(funnel["escalated"]) == [40, 10, 36, 14, 100]
    assert funnel["proportion"].tolist() == pytest.approx([0.40, 0.10, 0.36, 0.14, 0.25], abs=1e-12)
    assert (funnel["average"] == 0.25).all()
    for n, row in ((100, 0), (400, 4)):
        se = math.sqrt(0.25 * 0.75 / n)
        assert funnel.loc[row, "lower_95"] == pytest.approx(0.25 - Z95 * se, abs=1e-12)
        assert funnel.loc[row, "upper_95"] == pytest.approx(0.25 + Z95 * se, abs=1e-12)
        assert funnel.loc[row, "lower_99_8"] == pytest.approx(0.25 - Z998 * se, abs=1e-12)
        assert funnel.loc[row, "upper_99_8"] == pytest.approx(0.25 + Z998 * se, abs=1e-12)


def test_escalation_funnel_verdicts(funnel):
    assert list(funnel["verdict"]) == [
        "above 99.8% limit", "below 99.8% limit", "above 95% limit", "below 95% limit", "within limits"]
    assert (funnel["confidence"] == "95%, 99.8%").all()
    assert (funnel["window"] == "1 April 2024 to 31 March 2026").all()
    assert "inverted Wilson" in funnel["method"][0] and "p = 0.975 (95%) and 0.999 (99.8%)" in funnel["method"][0]


def test_escalation_counts_an_investigation_start_date_and_reports_a_missing_unit():
    rows = [
        {"icb_code": "QOP", "date_received": INSIDE, "investigation": None, "date_investigation_start": "2025-07-01"},
        {"icb_code": "QOP", "date_received": INSIDE, "investigation": None},
        {"icb_code": None, "date_received": INSIDE, "investigation": True},
        {"icb_code": "QOP", "date_received": "2026-04-01", "investigation": True},  # after the window
    ]
    out = escalation_funnel(cases_frame(rows), window=WINDOW)
    assert out[["unit", "cases", "escalated"]].values.tolist() == [["QOP", 2, 1], ["missing", 1, 1]]
    assert out["average"].iloc[0] == pytest.approx(2 / 3, abs=1e-12)


def test_escalation_funnel_by_another_unit_and_a_single_level():
    rows = [*_unit("QOP", 10, 5, profession="dental"), *_unit("QOP", 30, 3, profession="medical")]
    out = escalation_funnel(cases_frame(rows), unit="profession", window=WINDOW, confidence_levels=(0.9,))
    assert list(out["unit"]) == ["dental", "medical"] and (out["unit_type"] == "profession").all()
    assert {"lower_90", "upper_90"} <= set(out.columns) and "lower_95" not in out.columns
    lower, upper = proportion_funnel_limits(0.2, 10, 0.9)
    assert out.loc[0, "upper_90"] == pytest.approx(upper, abs=1e-12)
    assert list(out["verdict"]) == ["above 90% limit", "within limits"]  # 0.5 > 0.2 + 1.645 × 0.1265 = 0.408


def test_funnel_sizes_match_phe_population_column():
    # PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv, Population (axis maximum 110000)
    phe = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 22, 24, 27, 30, 33, 37, 41, 45, 50, 55, 61,
           68, 75, 83, 92, 102, 113, 125, 139, 154, 171, 190, 211, 234, 260, 289, 321, 356, 395, 438, 486, 539,
           598, 664, 737, 818, 908, 1008, 1119, 1242, 1379, 1531, 1699, 1886, 2093, 2323, 2578, 2861, 3175, 3524,
           3911, 4341, 4818, 5348, 5936, 6588, 7312, 8116, 9008, 9998, 11097, 12316, 13669, 15171, 16838, 18688,
           20742, 23022, 25552, 28360, 31477, 34936, 38775, 43036, 47766, 53016, 58842, 65309, 72486, 80452,
           89294, 99108, 110000]
    assert funnel_sizes(110000).tolist() == phe
    assert funnel_sizes(7).tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_funnel_curve_rows_and_limits():
    curve = funnel_curve(0.25, 1000)
    assert curve["n"].iloc[0] == 1 and curve["n"].iloc[-1] == 1000 and len(curve) == 100
    at_100 = funnel_curve(0.25, 100).iloc[-1]
    assert at_100["upper_99_8"] == pytest.approx(0.25 + Z998 * math.sqrt(0.1875 / 100), abs=1e-12)
    assert (curve["lower_99_8"] <= curve["lower_95"]).all() and (curve["upper_95"] <= curve["upper_99_8"]).all()
    assert list(curve.columns) == ["n", "average", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]


def test_ratio_funnel_curve_passes_through_exact_poisson_points():
    curve = ratio_funnel_curve(200.0, expected_min=18.39035799, points=50)
    # PHE's testdata_funnel_ratio_outputs.csv: 10 observed events sit on the lower 95% line at E = 18.39035799
    assert curve.loc[0, "lower_95"] == pytest.approx(10 / 18.39035799, rel=1e-6)
    assert curve["expected"].iloc[-1] == pytest.approx(200.0) and (curve["average"] == 1.0).all()
    assert (np.diff(curve["upper_95"]) < 0).all() and (np.diff(curve["lower_95"]) > 0).all()


@pytest.mark.parametrize(("level", "label", "suffix"), [(0.95, "95%", "95"), (0.998, "99.8%", "99_8"),
                                                         (0.9, "90%", "90")])
def test_level_names(level, label, suffix):
    assert level_label(level) == label and level_suffix(level) == suffix


def _stratum(icb: str, profession: str, cases: int, events: int) -> list[dict]:
    return [{"icb_code": icb, "profession": profession, "age_band": "45_54", "date_received": INSIDE,
             "investigation": i < events} for i in range(cases)]


def test_standardised_ratios_expected_from_pooled_stratum_rates():
    # Pooled rates: medical 14/40 = 0.35, dental 6/60 = 0.1.
    # XXX: E = 10 × 0.35 + 10 × 0.1 = 4.5, O = 6 (crude 0.30); YYY: E = 30 × 0.35 + 50 × 0.1 = 15.5, O = 14 (crude 0.175).
    rows = [*_stratum("XXX", "medical", 10, 5), *_stratum("XXX", "dental", 10, 1),
            *_stratum("YYY", "medical", 30, 9), *_stratum("YYY", "dental", 50, 5)]
    out = standardised_ratios(cases_frame(rows), window=WINDOW)
    assert list(out["unit"]) == ["XXX", "YYY"]
    assert list(out["cases"]) == [20, 80] and list(out["observed"]) == [6, 14]
    assert out["expected"].tolist() == pytest.approx([4.5, 15.5], abs=1e-12)
    assert out["ratio"].tolist() == pytest.approx([6 / 4.5, 14 / 15.5], abs=1e-12)
    # XXX: exact limits for 6 events; YYY: Byar's for 14
    assert out.loc[0, "lower"] == pytest.approx(sps.chi2.ppf(0.025, 12) / 2 / 4.5, abs=1e-12)
    assert out.loc[0, "upper"] == pytest.approx(sps.chi2.ppf(0.975, 14) / 2 / 4.5, abs=1e-12)
    assert out.loc[1, "lower"] == pytest.approx(14 * (1 - 1 / 126 - Z95 / (3 * math.sqrt(14))) ** 3 / 15.5, abs=1e-12)
    assert out.loc[1, "upper"] == pytest.approx(15 * (1 - 1 / 135 + Z95 / (3 * math.sqrt(15))) ** 3 / 15.5, abs=1e-12)
    assert list(out["verdict"]) == ["within limits", "within limits"]
    assert "exact Poisson" in out.loc[0, "method"] and "Byar's" in out.loc[1, "method"]
    assert (out["strata"] == "profession x age_band").all() and (out["confidence"] == "95%").all()


def test_standardised_ratio_verdicts_and_not_calculable():
    # Medical pooled rate 40/200 = 0.2: PPP E = 8, O = 30; QQQ E = 32, O = 10. Nobody's ophthalmic case
    # was investigated, so RRR (ophthalmic only) has E = 0.
    rows = [*_stratum("PPP", "medical", 40, 30), *_stratum("QQQ", "medical", 160, 10),
            *_stratum("RRR", "ophthalmic", 5, 0)]
    out = standardised_ratios(cases_frame(rows), window=WINDOW).set_index("unit")
    # 99.8% Byar's: PPP lower 30(1 − 1/270 − z/(3√30))³/8 = 1.98 > 1; QQQ upper 11(1 − 1/99 + z/(3√11))³/32 = 0.756 < 1
    assert 30 * (1 - 1 / 270 - Z998 / (3 * math.sqrt(30))) ** 3 / 8 > 1
    assert 11 * (1 - 1 / 99 + Z998 / (3 * math.sqrt(11))) ** 3 / 32 < 1
    assert out.loc["PPP", "verdict"] == "above 99.8% limit"
    assert out.loc["QQQ", "verdict"] == "below 99.8% limit"
    assert out.loc["RRR", "verdict"] == "not calculable" and np.isnan(out.loc["RRR", "ratio"])
    assert out.loc["RRR", "expected"] == 0


def test_standardised_ratio_of_a_derived_outcome():
    rows = [{"icb_code": "QOP", "profession": "medical", "date_received": INSIDE, "outcome": o}
            for o in ("suspension", "nfa", "removal", "advice")]
    out = standardised_ratios(cases_frame(rows), outcome="adverse_outcome", strata=("profession",), window=WINDOW)
    assert out[["observed", "expected", "ratio"]].values.tolist() == [[2, 2.0, 1.0]]
    assert out["measure"].iloc[0] == "standardised ratio of adverse outcome"


def test_a_unit_that_is_also_a_stratum_is_its_own_expectation():
    # Standardising professions for profession: each unit is its own stratum, so E = O and the ratio is 1.
    rows = [*_stratum("XXX", "medical", 10, 5), *_stratum("YYY", "dental", 30, 3)]
    out = standardised_ratios(cases_frame(rows), unit="profession", strata=("profession",), window=WINDOW)
    assert out[["unit", "cases", "observed", "expected", "ratio"]].values.tolist() == [
        ["dental", 30, 3, 3.0, 1.0], ["medical", 10, 5, 5.0, 1.0]]


def test_stage_flags_given_or_derived_give_the_same_tables():
    cases = synthetic.generate(seed=2026, scale=0.5).cases
    derived = schema.with_derived(cases)
    pd.testing.assert_frame_equal(escalation_funnel(derived, window=WINDOW), escalation_funnel(cases, window=WINDOW))
    pd.testing.assert_frame_equal(standardised_ratios(derived, outcome="adverse_outcome", window=WINDOW),
                                  standardised_ratios(cases, outcome="adverse_outcome", window=WINDOW))


def test_synthetic_extract_totals():
    # Indirect standardisation against the pooled rates of the same units: expected adds up to observed.
    cases = synthetic.generate(seed=2026, scale=0.5).cases
    inside = cases["date_received"].between(WINDOW.start, WINDOW.end)
    ratios = standardised_ratios(cases, window=WINDOW)
    assert ratios["expected"].sum() == pytest.approx(ratios["observed"].sum(), rel=1e-12)
    assert ratios["cases"].sum() == inside.sum()
    funnel = escalation_funnel(cases, window=WINDOW)
    assert funnel["cases"].sum() == inside.sum()
    investigated = cases.loc[inside, "investigation"].fillna(False) | cases.loc[inside, "date_investigation_start"].notna()
    assert funnel["escalated"].sum() == investigated.sum()
    assert funnel["average"].iloc[0] == pytest.approx(investigated.mean(), abs=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: escalation_funnel(c, window=rolling_window(FinancialQuarter.parse("2020/21 Q1"), 1)),
         "no cases were received in the window"),
        (lambda c: escalation_funnel(c, unit="trust", window=WINDOW), "cases have no column trust"),
        (lambda c: escalation_funnel(c, window=WINDOW, confidence_levels=(95,)), "confidence levels must lie"),
        (lambda c: standardised_ratios(c, strata=("grade",), window=WINDOW), "cases have no column grade"),
    ],
)
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call(cases_frame(_unit("QOP", 3, 1)))


def test_standardised_ratios_need_strata():
    with pytest.raises(ValueError, match="strata must name at least one column"):
        standardised_ratios(cases_frame(_unit("QOP", 3, 1)), strata=(), window=WINDOW)
