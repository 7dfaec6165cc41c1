"""Relative likelihood of entering the process on hand-worked counts and headcounts."""

import math

import numpy as np
import pandas as pd
import pytest
from measures_frames import cases_frame, typed
from scipy.stats import fisher_exact

from lotus_analytics import schema
from lotus_analytics.inequalities import (
    compare_groups, entry_relative_likelihood, entry_trend, not_stated_share, window_headcount,
)
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


def rate_ratio_by_hand(a, n1, c, n0):
    """The log-Poisson interval of entry: SE = sqrt(1/a + 1/c), no -1/n terms (a person can have several cases)."""
    rr = (a / n1) / (c / n0)
    se = math.sqrt(1 / a + 1 / c)
    return rr, rr * math.exp(-Z95 * se), rr * math.exp(Z95 * se)


def test_ethnic_group_2_hand_worked():
    rl = entry_relative_likelihood(CASES, WORKFORCE, dimension="ethnic_group_2", reference="White", window=WINDOW)
    assert len(rl) == 1
    row = rl.iloc[0]
    assert row["group"] == "Black and minority ethnic" and row["reference"] == "White"
    # Four window quarters in each year, so equal weights: BME (400 + 440) / 2 = 420, White (1000 + 1100) / 2 = 1050.
    assert (row["events"], row["headcount"], row["ref_events"], row["ref_headcount"]) == (21, 420, 21, 1050)
    assert row["rate"] == pytest.approx(50.0) and row["ref_rate"] == pytest.approx(20.0)
    # SE = sqrt(1/21 + 1/21) = 0.308607; 2.5 * exp(-/+ 1.959964 * 0.308607) = 1.365380, 4.577481
    ratio, lower, upper = rate_ratio_by_hand(21, 420, 21, 1050)
    assert (lower, upper) == (pytest.approx(1.3653799132471849), pytest.approx(4.577480552746725))
    assert row["ratio"] == pytest.approx(2.5)
    assert row["lower"] == pytest.approx(lower, abs=1e-12) and row["upper"] == pytest.approx(upper, abs=1e-12)
    assert lower > 1.25 and row["verdict"] == "higher"
    assert 0 < row["fisher_p"] < 0.01
    assert row["window"] == "1 April 2023 to 31 March 2025" and row["financial_years"] == "2023/24, 2024/25"
    assert row["confidence"] == 0.95 and row["band"] == "0.80-1.25"
    assert row["method"].startswith("log-Poisson rate-ratio interval, SE = sqrt(1/a + 1/c); Katz (WRES) assumes "
                                    "one event per person, but events here are cases; Fisher exact p")
    assert "cases received in the window, not people" in row["method"]
    assert "weighted by the number of the window's quarters in that year" in row["method"]


def test_pmq_region_with_missing_year_and_zero_events():
    rl = entry_relative_likelihood(CASES, WORKFORCE, dimension="pmq_region", reference="uk", window=WINDOW)
    rl = rl.set_index("group")
    assert rl.index.tolist() == ["eea", "international"]  # schema order, reference left out
    intl = rl.loc["international"]
    # 2024/25 has no headcount yet: it takes 2023/24's, so the mean is 500 (not 250) and uk 1000.
    assert (intl["events"], intl["headcount"], intl["ref_events"], intl["ref_headcount"]) == (10, 500, 35, 1000)
    ratio, lower, upper = rate_ratio_by_hand(10, 500, 35, 1000)
    assert intl["ratio"] == pytest.approx(ratio) and intl["lower"] == pytest.approx(lower)
    assert intl["upper"] == pytest.approx(upper)
    assert intl["verdict"] == "within or uncertain"  # 0.57 but the interval reaches into the band
    eea = rl.loc["eea"]
    assert eea["events"] == 0 and eea["headcount"] == 40 and eea["verdict"] == "not calculable"
    assert np.isnan(eea["ratio"]) and np.isnan(eea["lower"])
    # no ratio, but Fisher's p still stands beside the counts: [[0, 40], [35, 965]]
    assert eea["fisher_p"] == pytest.approx(fisher_exact([[0, 40], [35, 965]]).pvalue)


def test_as_many_cases_as_headcount_gets_the_wide_interval_katz_would_have_lost():
    # 6 cases against a headcount of 6: with Katz 1/a - 1/n1 = 0, so the group would add no width:
    # SE = sqrt(0 + 1/300 - 1/600) = 0.0408, 2.0 (1.85-2.17), as sure as if the group were huge.
    # Cases are counts, so the rate ratio applies: SE = sqrt(1/6 + 1/300) = 0.412311,
    # 2.0 * exp(-/+ 1.959964 * 0.412311) = 0.891396, 4.487344. Fisher's p (0.031) beside it.
    workforce = typed("workforce", [{"period": "2023/24", "ethnicity_code": code, "headcount": n}
                                    for code, n in (("A", 600), ("M", 6))], ORG)
    cases = cases_frame([{"date_received": INSIDE, "ethnicity_code": "A"}] * 300
                        + [{"date_received": INSIDE, "ethnicity_code": "M"}] * 6)
    black = entry_relative_likelihood(cases, workforce, dimension="ethnic_group_5", reference="White",
                                      window=WINDOW).iloc[0]
    assert (black["events"], black["headcount"], black["verdict"]) == (6, 6, "within or uncertain")
    assert black["ratio"] == pytest.approx(2.0)
    assert (black["lower"], black["upper"]) == (pytest.approx(0.8913958514011762), pytest.approx(4.487344195861401))
    assert black["fisher_p"] == pytest.approx(fisher_exact([[6, 0], [300, 300]]).pvalue)


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


def test_more_cases_than_headcount_has_a_rate_ratio_but_no_fisher_p():
    # cases, not people, are counted: 120 cases against a headcount of 100 is a rate of 1.2 a head, against
    # White 21 of 1050 (0.02): ratio 60, SE = sqrt(1/120 + 1/21) = 0.236543, limits 60 * exp(-/+ 0.463615)
    # = 37.740345, 95.388636. There is no 2x2 table of people, so no Fisher's p.
    cases = cases_frame([{"date_received": INSIDE, "ethnicity_code": "A"}] * 21
                        + [{"date_received": INSIDE, "ethnicity_code": "M"}] * 120)
    black = entry_relative_likelihood(cases, WORKFORCE, dimension="ethnic_group_5", reference="White",
                                      window=WINDOW).set_index("group").loc["Black"]
    assert (black["events"], black["headcount"]) == (120, 100) and black["verdict"] == "higher"
    assert black["rate"] == pytest.approx(1200.0) and black["ratio"] == pytest.approx(60.0)
    assert (black["lower"], black["upper"]) == (pytest.approx(37.740344608353396), pytest.approx(95.3886361494214))
    assert np.isnan(black["fisher_p"])


@pytest.mark.parametrize("name", list(schema.DIMENSIONS))
def test_dimensions_cover_their_source_codes(name):
    dimension = schema.DIMENSIONS[name]
    codes = [schema.WORKFORCE.field(c).values for c in dimension.columns]
    assert [schema.CASES.field(c).values for c in dimension.columns] == codes
    every = pd.MultiIndex.from_product(codes).to_frame(index=False)
    assert set(dimension.groups_of(*(every[i] for i in every.columns))) == set(dimension.groups)
    if not dimension.parts:
        assert set(dimension.groups_of(pd.Series(dimension.not_stated_codes))) == {schema.NOT_STATED}
    assert dimension.groups[-1] == schema.NOT_STATED and schema.NOT_STATED not in dimension.stated_groups


def test_intersection_groups_and_reference():
    dimension = schema.DIMENSIONS["ethnic_group_2_pmq_region"]
    codes = pd.Series(["A", "M", "H", "Z", "C", None, "A"])
    pmq = pd.Series(["uk", "international", "eea", "uk", "not_stated", "uk", None])
    groups = dimension.groups_of(codes, pmq).tolist()
    assert groups[:5] == ["White, UK qualified", "Black and minority ethnic, internationally qualified",
                          "Black and minority ethnic, EEA qualified", "not_stated", "not_stated"]
    assert pd.isna(groups[5]) and pd.isna(groups[6])  # a missing part is missing, not "not stated" or BME
    assert dimension.stated_groups == (
        "White, UK qualified", "White, EEA qualified", "White, internationally qualified",
        "Black and minority ethnic, UK qualified", "Black and minority ethnic, EEA qualified",
        "Black and minority ethnic, internationally qualified")
    references = {"ethnic_group_2": "White", "pmq_region": "uk"}
    assert schema.reference_group("ethnic_group_2_pmq_region", references) == "White, UK qualified"
    references["pmq_region"] = "international"  # the intersection follows its parts' references ...
    assert schema.reference_group("ethnic_group_2_pmq_region", references) == "White, internationally qualified"
    references["ethnic_group_2_pmq_region"] = "White, EEA qualified"  # ... unless it has its own
    assert schema.reference_group("ethnic_group_2_pmq_region", references) == "White, EEA qualified"
    with pytest.raises(ValueError, match="no reference group is configured for sex"):
        schema.reference_group("sex", references)


# Ethnicity x place of qualification cells for both years, beside an ethnicity-only table that the
# intersection must not use (its White headcount is 1000, not the 500 UK-qualified White practitioners).
CROSS = typed("workforce", [
    *({"period": period, "ethnicity_code": code, "pmq_region": pmq, "headcount": n}
      for period in ("2023/24", "2024/25")
      for code, pmq, n in (("A", "uk", 500), ("A", "international", 40), ("H", "international", 100),
                           ("M", "international", 50), ("H", "uk", 80), ("Z", "uk", 30))),
    {"period": "2023/24", "ethnicity_code": "A", "headcount": 1000},
    {"period": "2024/25", "ethnicity_code": "A", "headcount": 1000},
], ORG)
CROSS_CASES = cases_frame(
    [{"date_received": INSIDE, "ethnicity_code": "A", "pmq_region": "uk"}] * 10
    + [{"date_received": INSIDE, "ethnicity_code": "H", "pmq_region": "international"}] * 8
    + [{"date_received": INSIDE, "ethnicity_code": "M", "pmq_region": "international"}] * 4
    + [{"date_received": INSIDE, "ethnicity_code": "A", "pmq_region": "international"}] * 2
    + [{"date_received": INSIDE, "ethnicity_code": "Z", "pmq_region": "uk"}] * 3
    + [{"date_received": INSIDE, "ethnicity_code": "A", "pmq_region": "not_stated"}]
)


def test_intersection_on_a_tiny_workforce():
    rl = entry_relative_likelihood(CROSS_CASES, CROSS, dimension="ethnic_group_2_pmq_region",
                                   reference="White, UK qualified", window=WINDOW).set_index("group")
    assert rl.index.tolist() == ["White, internationally qualified", "Black and minority ethnic, UK qualified",
                                 "Black and minority ethnic, internationally qualified"]
    both = rl.loc["Black and minority ethnic, internationally qualified"]
    # H and M internationally qualified: 8 + 4 = 12 cases, 100 + 50 = 150 headcount; White UK 10 of 500.
    # RR = (12/150)/(10/500) = 0.08/0.02 = 4.0; SE = sqrt(1/12 + 1/10) = sqrt(0.183333) = 0.428174;
    # limits 4.0 * exp(-/+ 1.959964 * 0.428174) = 1.728213, 9.258118 (Katz, sqrt(1/12 - 1/150 + 1/10 - 1/500),
    # would give 1.763259, 9.074106); Fisher [[12, 138], [10, 490]]: p = 0.001124.
    assert (both["events"], both["headcount"], both["ref_events"], both["ref_headcount"]) == (12, 150, 10, 500)
    assert both["ratio"] == pytest.approx(4.0)
    assert (both["lower"], both["upper"]) == (pytest.approx(1.7282129888323443), pytest.approx(9.258118127448107))
    assert both["fisher_p"] == pytest.approx(0.0011240060097777462) and both["verdict"] == "higher"
    assert rl.loc["White, internationally qualified", "ratio"] == pytest.approx((2 / 40) / (10 / 500))
    uk = rl.loc["Black and minority ethnic, UK qualified"]
    assert (uk["events"], uk["headcount"], uk["verdict"]) == (0, 80, "not calculable")
    share = not_stated_share(CROSS_CASES, CROSS, dimension="ethnic_group_2_pmq_region", window=WINDOW)
    share = share.set_index("source")
    # cases: Z/uk (3) and A/not stated (1) of 28; workforce: Z/uk 30 of 800
    assert (share.loc["cases", "value"], share.loc["cases", "count"], share.loc["cases", "total"]) == ("not_stated", 4, 28)
    assert (share.loc["workforce", "count"], share.loc["workforce", "total"]) == (30, 800)


def test_no_cross_table_is_no_denominator_not_a_guess():
    # THREE_YEARS has ethnicity cells only: nothing says how many White practitioners qualified in the UK
    rl = entry_relative_likelihood(CROSS_CASES, THREE_YEARS, dimension="ethnic_group_2_pmq_region",
                                   reference="White, UK qualified", window=Q2_WINDOW).set_index("group")
    assert (rl["verdict"] == "no denominator").all() and rl["headcount"].isna().all()
    assert rl["ratio"].isna().all() and rl["ref_headcount"].isna().all()
    assert rl.loc["Black and minority ethnic, internationally qualified", "events"] == 12  # cases still counted
    assert "no denominator" in rl["method"].iloc[0]
    share = not_stated_share(CROSS_CASES, THREE_YEARS, dimension="ethnic_group_2_pmq_region", window=Q2_WINDOW)
    workforce = share[share["source"] == "workforce"].iloc[0]
    assert pd.isna(workforce["count"]) and pd.isna(workforce["share"])
    sex = entry_relative_likelihood(CASES, WORKFORCE, dimension="sex", reference="male", window=WINDOW)
    assert sex.empty  # every case is male (the reference): no other group to compare
    female = cases_frame([{"date_received": INSIDE, "sex": "female"}] * 4 + [{"date_received": INSIDE}] * 6)
    sex = entry_relative_likelihood(female, WORKFORCE, dimension="sex", reference="male", window=WINDOW).iloc[0]
    assert (sex["events"], sex["ref_events"], sex["verdict"]) == (4, 6, "no denominator")


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


def test_reference_group_missing_from_a_split_is_not_calculable_not_no_denominator():
    # dental has Black and minority ethnic cases and headcount but no White case or headcount at all
    workforce = pd.concat([WORKFORCE, WORKFORCE[WORKFORCE["ethnicity_code"] == "M"].assign(profession="dental")])
    cases = pd.concat([CASES, cases_frame([{"date_received": INSIDE, "ethnicity_code": "M", "profession": "dental"}] * 3)
                       .assign(case_id=lambda d: d["case_id"] + "d")])
    rl = entry_relative_likelihood(cases, workforce, dimension="ethnic_group_2", reference="White", window=WINDOW,
                                   by=["profession"]).set_index("profession")
    dental = rl.loc["dental"]
    assert (dental["events"], dental["headcount"], dental["ref_events"], dental["ref_headcount"]) == (3, 100, 0, 0)
    assert dental["verdict"] == "not calculable" and rl.loc["medical", "verdict"] == "higher"


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
        ({"dimension": "pmq_region", "reference": "uk", "by": ["sex"]}, "can be split by region, icb_code, profession only"),
    ],
)
def test_bad_arguments_get_clear_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        entry_relative_likelihood(CASES, WORKFORCE, window=WINDOW, **kwargs)


def test_window_before_any_headcount_has_no_denominator():
    early = rolling_window(FinancialQuarter.parse("2022/23 Q4"), 2)  # 2021/22 and 2022/23: no headcount yet
    rl = entry_relative_likelihood(CASES, WORKFORCE, dimension="pmq_region", reference="uk", window=early)
    assert (rl["verdict"] == "no denominator").all() and rl["headcount"].isna().all()


def test_katz_check_value_of_methods_md():
    # METHODS.md: Katz risk ratio 2/4 vs 2/4 = 1.0 (0.25009765325990629, 3.9984381579173824)
    table = compare_groups(pd.Series([2]), pd.Series([4]), pd.Series([2]), pd.Series([4]), confidence=0.95,
                           band=(0.8, 1.25)).iloc[0]
    assert table["ratio"] == pytest.approx(1.0)
    assert table["lower"] == pytest.approx(0.25009765325990629, abs=1e-12)
    assert table["upper"] == pytest.approx(3.9984381579173824, abs=1e-12)
    assert table["fisher_p"] == pytest.approx(1.0) and table["verdict"] == "within or uncertain"


def test_compare_groups_interval_is_katz_for_people_and_log_poisson_for_counts():
    # 30 of 1000 against 20 of 2000, ratio 3.0: Katz (the default, kept by progression, where a case goes on
    # at most once) SE = sqrt(1/30 - 1/1000 + 1/20 - 1/2000) = 0.286065, limits 1.712466, 5.255578; the
    # log-Poisson interval of entry SE = sqrt(1/30 + 1/20) = 0.288675, limits 1.703729, 5.282530.
    counts = [pd.Series([v]) for v in (30, 1000, 20, 2000)]
    katz = compare_groups(*counts, confidence=0.95, band=(0.8, 1.25)).iloc[0]
    poisson = compare_groups(*counts, confidence=0.95, band=(0.8, 1.25), interval="poisson").iloc[0]
    assert (katz["lower"], katz["upper"]) == (pytest.approx(1.7124664172991912), pytest.approx(5.255577516196965))
    assert (poisson["lower"], poisson["upper"]) == (pytest.approx(1.7037290739919275),
                                                    pytest.approx(5.282530032144443))
    assert katz["fisher_p"] == poisson["fisher_p"] and poisson["verdict"] == "higher"
    with pytest.raises(ValueError, match="interval must be one of katz, poisson, not 'wald'"):
        compare_groups(*counts, confidence=0.95, band=(0.8, 1.25), interval="wald")


# --- the trend: one rolling window per quarter ----------------------------------------------------

# Black and minority ethnic cases 1, 2, 4, 8 and 16 in five quarters (none in 2024/25 Q2), so that each
# window's count shows which quarters it summed; White cases 10 in each of the six quarters.
TREND_QUARTERS = {"2023-11-15": 1, "2024-02-10": 2, "2024-05-20": 4, "2024-08-01": 0, "2024-11-05": 8, "2025-03-31": 16}
TREND_CASES = cases_frame(
    [{"date_received": T(day), "ethnicity_code": "H"} for day, n in TREND_QUARTERS.items() for _ in range(n)]
    + [{"date_received": T(day), "ethnicity_code": "A"} for day in TREND_QUARTERS for _ in range(10)]
)
TREND_WORKFORCE = typed("workforce", [
    {"period": "2023/24", "ethnicity_code": "A", "headcount": 1000},
    {"period": "2023/24", "ethnicity_code": "H", "headcount": 100},
    {"period": "2024/25", "ethnicity_code": "A", "headcount": 1000},
    {"period": "2024/25", "ethnicity_code": "H", "headcount": 300},
], ORG)


def test_trend_windows_cover_the_right_quarters():
    trend = entry_trend(TREND_CASES, TREND_WORKFORCE, dimension="ethnic_group_2", reference="White",
                        quarter=FinancialQuarter.parse("2024/25 Q4"), quarters=6, window_years=1)
    assert trend["quarter"].tolist() == ["2023/24 Q3", "2023/24 Q4", "2024/25 Q1", "2024/25 Q2", "2024/25 Q3",
                                         "2024/25 Q4"]
    rows = trend.set_index("quarter")
    # 2023/24 Q3: its one-year window reaches back into 2022/23 Q4, which has no headcount
    assert rows.loc["2023/24 Q3", "window"] == "1 January 2023 to 31 December 2023"
    assert rows.loc["2023/24 Q3", "verdict"] == "no denominator" and rows.loc["2023/24 Q3", "events"] == 1
    assert rows.loc["2023/24 Q4", "window"] == "1 April 2023 to 31 March 2024"
    assert (rows.loc["2023/24 Q4", "events"], rows.loc["2023/24 Q4", "headcount"]) == (3, 100)
    # 2024/25 Q1: Q2-Q4 of 2023/24 and Q1 of 2024/25 = 1 + 2 + 4; 2024/25 Q2: Q3, Q4, Q1, Q2 = 1 + 2 + 4 + 0;
    # Q3: 2 + 4 + 0 + 8; Q4 (the last day of the quarter included): 4 + 0 + 8 + 16
    assert rows.loc["2024/25 Q1":, "events"].tolist() == [7, 7, 14, 28]
    assert rows.loc["2024/25 Q1":, "ref_events"].tolist() == [30, 40, 40, 40]
    # headcount weighted by window quarters per year: (3x100 + 1x300)/4, (2x100 + 2x300)/4, (100 + 3x300)/4, 300
    assert rows.loc["2024/25 Q1":, "headcount"].tolist() == [150, 200, 250, 300]
    assert rows.loc["2024/25 Q2", "window"] == "1 October 2023 to 30 September 2024"
    assert rows.loc["2024/25 Q2", "financial_years"] == "2023/24, 2024/25"
    assert rows.loc["2024/25 Q4", "window"] == "1 April 2024 to 31 March 2025"
    assert rows.loc["2024/25 Q4", "ratio"] == pytest.approx((28 / 300) / (40 / 1000))


# --- against the synthetic generator's ground truth ------------------------------------------------

@pytest.fixture(scope="module", params=["default", "none"])
def demo(request):
    from lotus_analytics.synthetic import Effects, generate

    extract = generate(seed=2026, effects=Effects() if request.param == "default" else Effects.none())
    return request.param, extract


@pytest.mark.parametrize(("dimension", "reference", "group"),
                         [("ethnic_group_2", "White", "Black and minority ethnic"), ("pmq_region", "uk", "international"),
                          ("ethnic_group_2_pmq_region", "White, UK qualified",
                           "Black and minority ethnic, internationally qualified")])
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


def test_every_injected_ratio_is_covered_and_no_effect_is_never_flagged(demo):
    """Every group of every dimension against the ground truth of the report window.

    With the injected effects each of the 18 intervals covers its truth. Without effects the claim is
    "never flagged": coverage is not asserted there, as a 95% interval misses about once in 20 (here
    65 and over, 0.46-0.97 against 1.0, is the one that misses).
    """
    effects, extract = demo
    quarter = latest_complete_quarter(extract.extract_date)
    truth = extract.ground_truth["entry"]["windows"][f"2 years to {quarter.label}"]["relative_likelihood"]
    for dimension in schema.DIMENSIONS:
        reference = extract.ground_truth["entry"]["reference"][dimension]
        rl = entry_relative_likelihood(extract.cases, extract.workforce, dimension=dimension, reference=reference,
                                       window=rolling_window(quarter, 2))
        assert sorted(rl["group"]) == sorted(truth[dimension]), dimension
        for row in rl.itertuples():
            if effects == "default":
                assert row.lower <= truth[dimension][row.group] <= row.upper, (dimension, row.group)
            else:
                assert row.verdict == "within or uncertain", (dimension, row.group)


@pytest.mark.parametrize("dimension", ["ethnic_group_5", "ethnic_group_2_pmq_region"])
def test_trend_points_equal_the_single_window_measure(demo, dimension):
    """The trend's fast path (quarter counts summed per window, workforce pivoted once) against
    entry_relative_likelihood run afresh on each window, split by profession."""
    _, extract = demo
    quarter = latest_complete_quarter(extract.extract_date)
    reference = extract.ground_truth["entry"]["reference"][dimension]
    trend = entry_trend(extract.cases, extract.workforce, dimension=dimension, reference=reference, quarter=quarter,
                        quarters=6, by=["profession"])
    assert trend["quarter"].unique().tolist() == [quarter.shift(k).label for k in range(-5, 1)]
    for label, points in trend.groupby("quarter", sort=False):
        single = entry_relative_likelihood(extract.cases, extract.workforce, dimension=dimension, reference=reference,
                                           window=rolling_window(FinancialQuarter.parse(label), 2), by=["profession"])
        pd.testing.assert_frame_equal(points.drop(columns="quarter").reset_index(drop=True), single)


def test_demo_headcount_is_weighted_as_the_ground_truth_weights_it(demo):
    _, extract = demo
    quarter = latest_complete_quarter(extract.extract_date)
    truth = extract.ground_truth["entry"]["windows"][f"2 years to {quarter.label}"]
    # 2024/25 Q3-Q4, 2025/26 and 2026/27 Q1-Q2; 2026/27 has no 31 March headcount yet and takes 2025/26's
    assert truth["headcount_quarters"] == {"2024/25": 2, "2025/26": 6}
    measured = window_headcount(extract.workforce, "pmq_region", rolling_window(quarter, 2))
    for group, expected in truth["headcount"]["pmq_region"].items():
        assert abs(measured[group] - expected) <= 0.5, group
