"""Relative likelihood of entering the process on hand-worked counts and headcounts."""

import math

import numpy as np
import pandas as pd
import pytest
from measures_frames import cases_frame, typed

from lotus_analytics import schema
from lotus_analytics.inequalities import entry_relative_likelihood, not_stated_share, window_headcount
from lotus_analytics.periods import FinancialQuarter, latest_complete_quarter, rolling_window

WINDOW = rolling_window(FinancialQuarter.parse("2024/25 Q4"), 2)  # 1 Apr 2023 - 31 Mar 2025
Z95 = 1.959963984540054
T = pd.Timestamp
ORG = {"region": "North West", "icb_code": "QOP", "profession": "medical"}

# Ethnicity marginal table for both years; place of qualification only for 2023/24 (2024/25 takes it).
WORKFORCE = typed("workforce", [
    {"period": "2023/24", "ethnicity_code": "A", "headcount": 1000},
    {"period": "2023/24", "ethnicity_code": "H", "headcount": 300},
    {"period": "2023/24", "ethnicity_code": "M", "headcount": 100},
    {"period": "2023/24", "ethnicity_code": "Z", "headcount": 50},
    {"period": "2024/25", "ethnicity_code": "A", "headcount": 1100},
    {"period": "2024/25", "ethnicity_code": "H", "headcount": 340},
    {"period": "2024/25", "ethnicity_code": "M", "headcount": 100},
    {"period": "2024/25", "ethnicity_code": "Z", "headcount": 50},
    {"period": "2023/24", "pmq_region": "uk", "headcount": 1000},
    {"period": "2023/24", "pmq_region": "international", "headcount": 500},
    {"period": "2023/24", "pmq_region": "eea", "headcount": 40},
    {"period": "2023/24", "headcount": 99999},  # all-values row: not part of any marginal table
    {"period": "2023/24", "ethnicity_code": "A", "pmq_region": "uk", "headcount": 77777},  # a cross cell
], ORG)

INSIDE = T("2024-01-15")
CASES = cases_frame(
    [{"date_received": INSIDE, "ethnicity_code": "A"}] * 21
    + [{"date_received": INSIDE, "ethnicity_code": "H", "pmq_region": "international"}] * 10
    + [{"date_received": INSIDE, "ethnicity_code": "M"}] * 10
    + [{"date_received": T("2025-03-31"), "ethnicity_code": "M"}]  # last day of the window: inside
    + [{"date_received": T("2023-03-31"), "ethnicity_code": "M"}]  # day before the window: outside
    + [{"date_received": INSIDE, "ethnicity_code": "Z"}] * 3
)


def katz(a, n1, c, n0):
    rr = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    return rr, rr * math.exp(-Z95 * se), rr * math.exp(Z95 * se)


def test_ethnic_group_2_hand_worked():
    rl = entry_relative_likelihood(CASES, WORKFORCE, dimension="ethnic_group_2", reference="White", window=WINDOW)
    assert len(rl) == 1
    row = rl.iloc[0]
    assert row["group"] == "Black and minority ethnic" and row["reference"] == "White"
    # Four window quarters in each year, so equal weights: BME (400 + 440) / 2 = 420, White (1000 + 1100) / 2 = 1050.
    assert (row["events"], row["headcount"], row["ref_events"], row["ref_headcount"]) == (21, 420, 21, 1050)
    assert row["rate"] == pytest.approx(50.0) and row["ref_rate"] == pytest.approx(20.0)
    ratio, lower, upper = katz(21, 420, 21, 1050)
    assert row["ratio"] == pytest.approx(2.5)
    assert row["lower"] == pytest.approx(lower, abs=1e-12) and row["upper"] == pytest.approx(upper, abs=1e-12)
    assert lower > 1.25 and row["verdict"] == "higher"
    assert 0 < row["fisher_p"] < 0.01
    assert row["window"] == "1 April 2023 to 31 March 2025" and row["financial_years"] == "2023/24, 2024/25"
    assert row["confidence"] == 0.95 and row["band"] == "0.80-1.25"
    assert row["method"].startswith("Katz log interval; Fisher exact p; WRES indicator 3 form")
    assert "cases received in the window, not people" in row["method"]
    assert "weighted by the number of the window's quarters in that year" in row["method"]


def test_pmq_region_with_missing_year_and_zero_events():
    rl = entry_relative_likelihood(CASES, WORKFORCE, dimension="pmq_region", reference="uk", window=WINDOW)
    rl = rl.set_index("group")
    assert rl.index.tolist() == ["eea", "international"]  # schema order, reference left out
    intl = rl.loc["international"]
    # 2024/25 has no headcount yet: it takes 2023/24's, so the mean is 500 (not 250) and uk 1000.
    assert (intl["events"], intl["headcount"], intl["ref_events"], intl["ref_headcount"]) == (10, 500, 35, 1000)
    ratio, lower, upper = katz(10, 500, 35, 1000)
    assert intl["ratio"] == pytest.approx(ratio) and intl["lower"] == pytest.approx(lower)
    assert intl["upper"] == pytest.approx(upper)
    assert intl["verdict"] == "within or uncertain"  # 0.57 but the interval reaches into the band
    eea = rl.loc["eea"]
    assert eea["events"] == 0 and eea["headcount"] == 40 and eea["verdict"] == "not calculable"
    assert np.isnan(eea["ratio"]) and np.isnan(eea["lower"]) and np.isnan(eea["fisher_p"])


# Three workforce years; H has no 2024/25 row (it keeps its 2023/24 headcount, not 0).
THREE_YEARS = typed("workforce", [
    {"period": "2022/23", "ethnicity_code": "A", "headcount": 800},
    {"period": "2022/23", "ethnicity_code": "H", "headcount": 200},
    {"period": "2022/23", "ethnicity_code": "M", "headcount": 40},
    {"period": "2023/24", "ethnicity_code": "A", "headcount": 1000},
    {"period": "2023/24", "ethnicity_code": "H", "headcount": 300},
    {"period": "2023/24", "ethnicity_code": "M", "headcount": 40},
    {"period": "2024/25", "ethnicity_code": "A", "headcount": 1600},
    {"period": "2024/25", "ethnicity_code": "M", "headcount": 60},
], ORG)
Q2_WINDOW = rolling_window(FinancialQuarter.parse("2024/25 Q2"), 2)  # 1 Oct 2022 - 30 Sep 2024


def test_headcount_weights_years_by_window_quarters_and_carries_a_missing_code_forward():
    # 2 quarters of 2022/23, 4 of 2023/24, 2 of 2024/25:
    # A (2x800 + 4x1000 + 2x1600) / 8 = 1100 (the plain mean of the three years would be 1133);
    # H (2x200 + 4x300 + 2x300) / 8 = 275 (with 0 for 2024/25 it would be 200); M (80 + 160 + 120) / 8 = 45.
    codes = window_headcount(THREE_YEARS, "ethnic_group_5", Q2_WINDOW, codes=True)
    assert codes.to_dict() == {"A": 1100, "H": 275, "M": 45}
    groups = window_headcount(THREE_YEARS, "ethnic_group_2", Q2_WINDOW)
    assert groups.to_dict() == {"Black and minority ethnic": 320, "White": 1100}
    rl = entry_relative_likelihood(CASES, THREE_YEARS, dimension="ethnic_group_2", reference="White", window=Q2_WINDOW)
    assert (rl.loc[0, "headcount"], rl.loc[0, "ref_headcount"]) == (320, 1100)


def test_headcount_rounds_halves_up_after_summing_codes_into_groups():
    # H (2x200 + 4x201 + 2x200) / 8 = 200.5 and M (0 + 4x1 + 0) / 8 = 0.5: each rounds up on its own,
    # but BME is 200.5 + 0.5 = 201 (rounding each code first would give 202).
    workforce = typed("workforce", [
        {"period": period, "ethnicity_code": code, "headcount": n}
        for period, h, m in (("2022/23", 200, 0), ("2023/24", 201, 1), ("2024/25", 200, 0))
        for code, n in (("A", 100), ("H", h), ("M", m))
    ], ORG)
    codes = window_headcount(workforce, "ethnic_group_5", Q2_WINDOW, codes=True)
    assert (codes["H"], codes["M"]) == (201, 1)
    assert window_headcount(workforce, "ethnic_group_2", Q2_WINDOW)["Black and minority ethnic"] == 201


def test_code_without_any_earlier_headcount_is_refused():
    late_m = THREE_YEARS[~((THREE_YEARS["period"] == "2022/23") & (THREE_YEARS["ethnicity_code"] == "M"))]
    with pytest.raises(ValueError, match=r"no headcount for 2022/23 or any earlier financial year \(ethnicity_code: M\)"):
        window_headcount(late_m, "ethnic_group_2", Q2_WINDOW)


def test_more_cases_than_headcount_is_not_calculable():
    # cases, not people, are counted: 120 cases against a headcount of 100 is no rate of people
    cases = cases_frame([{"date_received": INSIDE, "ethnicity_code": "A"}] * 21
                        + [{"date_received": INSIDE, "ethnicity_code": "M"}] * 120)
    black = entry_relative_likelihood(cases, WORKFORCE, dimension="ethnic_group_5", reference="White",
                                      window=WINDOW).set_index("group").loc["Black"]
    assert (black["events"], black["headcount"]) == (120, 100) and black["verdict"] == "not calculable"
    assert np.isnan(black["ratio"]) and black["rate"] == pytest.approx(1200.0)


@pytest.mark.parametrize("name", list(schema.DIMENSIONS))
def test_dimensions_cover_their_source_codes(name):
    dimension = schema.DIMENSIONS[name]
    codes = schema.WORKFORCE.field(dimension.column).values
    assert schema.CASES.field(dimension.column).values == codes
    assert set(dimension.groups_of(pd.Series(codes))) == set(dimension.groups)
    assert set(dimension.groups_of(pd.Series(dimension.not_stated_codes))) == {schema.NOT_STATED}
    assert dimension.groups[-1] == schema.NOT_STATED and schema.NOT_STATED not in dimension.stated_groups


def test_verdict_lower_when_whole_interval_below_band():
    cases = cases_frame([{"date_received": INSIDE, "ethnicity_code": "A"}] * 200
                        + [{"date_received": INSIDE, "ethnicity_code": "H"}] * 5)
    rl = entry_relative_likelihood(cases, WORKFORCE, dimension="ethnic_group_5", reference="White", window=WINDOW)
    asian = rl.set_index("group").loc["Asian"]
    assert asian["headcount"] == 320 and asian["upper"] < 0.8 and asian["verdict"] == "lower"


def test_by_profession_splits_denominators_and_events():
    workforce = pd.concat([WORKFORCE, WORKFORCE.assign(profession="dental")], ignore_index=True)
    cases = pd.concat([CASES, CASES.head(21).assign(profession="dental", case_id=lambda d: d["case_id"] + "d")])
    rl = entry_relative_likelihood(cases, workforce, dimension="ethnic_group_2", reference="White",
                                   window=WINDOW, by=["profession"]).set_index("profession")
    assert rl.loc["medical", "ratio"] == pytest.approx(2.5)
    assert rl.loc["dental", "events"] == 0 and rl.loc["dental", "ref_events"] == 21
    assert rl.loc["dental", "verdict"] == "not calculable"


def test_not_stated_share_keeps_z_and_99_apart():
    share = not_stated_share(CASES, WORKFORCE, dimension="ethnic_group_2", window=WINDOW).set_index(["source", "value"])
    assert share.loc[("cases", "Z"), "count"] == 3 and share.loc[("cases", "Z"), "total"] == 45
    assert share.loc[("cases", "99"), "count"] == 0
    assert share.loc[("workforce", "Z"), "share"] == pytest.approx(50 / 1520)
    pmq = not_stated_share(CASES, WORKFORCE, dimension="pmq_region", window=WINDOW)
    assert pmq["value"].tolist() == ["not_stated", "not_stated"] and pmq["count"].tolist() == [0, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dimension": "religion", "reference": "x"}, "dimension must be one of"),
        ({"dimension": "pmq_region", "reference": "White"}, "reference 'White' is not a pmq_region group"),
        ({"dimension": "sex", "reference": "male"}, "no headcount rows for sex alone"),
        ({"dimension": "pmq_region", "reference": "uk", "by": ["sex"]}, "can be split by region, icb_code, profession only"),
    ],
)
def test_bad_arguments_get_clear_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        entry_relative_likelihood(CASES, WORKFORCE, window=WINDOW, **kwargs)


def test_window_before_any_headcount_is_refused():
    early = rolling_window(FinancialQuarter.parse("2022/23 Q4"), 2)
    with pytest.raises(ValueError, match="no headcount for 2021/22 or any earlier financial year"):
        entry_relative_likelihood(CASES, WORKFORCE, dimension="pmq_region", reference="uk", window=early)


# --- against the synthetic generator's ground truth ------------------------------------------------

@pytest.fixture(scope="module", params=["default", "none"])
def demo(request):
    from lotus_analytics.synthetic import Effects, generate

    extract = generate(seed=2026, effects=Effects() if request.param == "default" else Effects.none())
    return request.param, extract


@pytest.mark.parametrize(("dimension", "reference", "group"),
                         [("ethnic_group_2", "White", "Black and minority ethnic"), ("pmq_region", "uk", "international")])
def test_demo_interval_covers_ground_truth_and_no_effect_is_not_flagged(demo, dimension, reference, group):
    effects, extract = demo
    quarter = latest_complete_quarter(extract.extract_date)
    truth = extract.ground_truth["entry"]["windows"][f"2 years to {quarter.label}"]["relative_likelihood"][dimension][group]
    rl = entry_relative_likelihood(extract.cases, extract.workforce, dimension=dimension, reference=reference,
                                   window=rolling_window(quarter, 2)).set_index("group")
    row = rl.loc[group]
    assert row["lower"] <= truth <= row["upper"]
    if effects == "none":
        assert truth == pytest.approx(1.0, abs=0.01) and row["verdict"] == "within or uncertain"
    else:
        assert truth > 1.8 and row["verdict"] == "higher"


def test_demo_headcount_is_weighted_as_the_ground_truth_weights_it(demo):
    _, extract = demo
    quarter = latest_complete_quarter(extract.extract_date)
    truth = extract.ground_truth["entry"]["windows"][f"2 years to {quarter.label}"]
    # 2024/25 Q3-Q4, 2025/26 and 2026/27 Q1-Q2; 2026/27 has no 31 March headcount yet and takes 2025/26's
    assert truth["headcount_quarters"] == {"2024/25": 2, "2025/26": 6}
    measured = window_headcount(extract.workforce, "pmq_region", rolling_window(quarter, 2))
    for group, expected in truth["headcount"]["pmq_region"].items():
        assert abs(measured[group] - expected) <= 0.5, group
