"""Review themes (Appendix 4) on hand-made reviews, every answer worked out by hand in the comments."""

import pandas as pd
from measures_frames import cases_frame, typed

from lotus_analytics.periods import FinancialQuarter, quarter_window
from lotus_analytics.reviews import (
    equality_checks,
    set_flags,
    theme_frequency,
    range_halves,
    theme_monthly_counts,
    theme_range,
    themes_by_domain,
    themes_by_level,
)

T = pd.Timestamp
Q1, Q2 = FinancialQuarter.parse("2026/27 Q1"), FinancialQuarter.parse("2026/27 Q2")
WINDOW = quarter_window(Q1, Q2)  # 1 April to 30 September 2026
CASES = cases_frame([{"concern_domains": "clinical;conduct"}, {"concern_domains": "health"}])  # C1, C2
REVIEWS = typed("reviews", [
    {"review_id": "R1", "case_id": "C1", "review_type": "single_case", "date_review": T("2026-04-10"),
     "themes": "workload;feedback", "contributory_level": "team;system", "equality_check_done": True},
    {"review_id": "R2", "case_id": None, "review_type": "thematic", "date_review": T("2026-05-01"),
     "themes": "workload", "contributory_level": None, "equality_check_done": False},
    {"review_id": "R3", "case_id": "C2", "review_type": "cluster", "date_review": T("2026-07-15"),
     "themes": "feedback", "contributory_level": "team", "equality_check_done": None},
    {"review_id": "R4", "case_id": "C1", "review_type": "single_case", "date_review": T("2026-09-30"),
     "themes": "feedback;wellbeing", "contributory_level": "individual", "equality_check_done": True},
    # outside the window on either side: never counted
    {"review_id": "R5", "case_id": "C2", "review_type": "single_case", "date_review": T("2026-03-31"),
     "themes": "workload", "contributory_level": "team", "equality_check_done": True},
    {"review_id": "R6", "case_id": None, "review_type": "thematic", "date_review": T("2026-10-01"),
     "themes": "workload", "contributory_level": "team", "equality_check_done": True},
])


def test_set_flags_reads_each_item_once():
    flags = set_flags(pd.Series(["a; b", "b", None, "c;a"]), ("a", "b"))
    assert flags.to_numpy().tolist() == [[True, True], [False, True], [False, False], [True, False]]


def test_theme_frequency_counts_a_review_once_in_each_of_its_themes():
    table = theme_frequency(REVIEWS, WINDOW).set_index(["theme", "period"])
    # Q1: R1 (workload, feedback) and R2 (workload): workload 2 of 2, feedback 1 of 2
    assert table.loc[("workload", "2026/27 Q1"), ["reviews_with_theme", "reviews", "pct_of_reviews"]].tolist() == [2, 2, 100]
    assert table.loc[("feedback", "2026/27 Q1"), "pct_of_reviews"] == 50
    # Q2: R3 (feedback) and R4 (feedback, wellbeing): feedback 2 of 2, wellbeing 1 of 2, workload 0 of 2
    assert table.loc[("feedback", "2026/27 Q2"), "reviews_with_theme"] == 2
    assert table.loc[("wellbeing", "2026/27 Q2"), "pct_of_reviews"] == 50
    assert table.loc[("workload", "2026/27 Q2"), ["reviews_with_theme", "reviews"]].tolist() == [0, 2]
    assert len(table) == 16 * 2  # every theme in every quarter, zeros included


def test_theme_range_shares_over_the_window_and_its_halves_with_wilson_intervals():
    table = theme_range(REVIEWS, WINDOW).set_index(["theme", "part"])
    columns = ["reviews_with_theme", "reviews", "pct_of_reviews"]
    # whole range: R1-R4, workload in R1 and R2: 2 of 4; first half = Q1 (R1, R2): 2 of 2; second = Q2: 0 of 2
    assert table.loc[("workload", "range"), columns].tolist() == [2, 4, 50]
    assert table.loc[("workload", "first_half"), columns].tolist() == [2, 2, 100]
    assert table.loc[("workload", "second_half"), columns].tolist() == [0, 2, 0]
    # Wilson 95% for 2/4: (2x + z² ∓ z√(z² + 4x(1 - x/n))) / (2(n + z²)), z² = 3.8416:
    # (7.8416 ∓ 1.96 × 2.80029) / 15.6832 = 0.1500 to 0.8500
    low, high = table.loc[("workload", "range"), ["pct_lower", "pct_upper"]]
    assert round(low, 2) == 15.00 and round(high, 2) == 85.00
    assert table.loc[("workload", "second_half"), "pct_lower"] == 0  # 0 of 2: the interval starts at 0
    # feedback: R1 | R3, R4: 1 of 2 then 2 of 2 - a rising theme
    assert table.loc[("feedback", "first_half"), "pct_of_reviews"] == 50
    assert table.loc[("feedback", "second_half"), "pct_of_reviews"] == 100
    assert table.loc[("workload", "first_half"), "period"] == "2026/27 Q1 to 2026/27 Q1"
    assert len(table) == 16 * 3  # every theme, whole range and both halves


def test_range_halves_give_the_middle_quarter_to_the_second_half():
    halves = range_halves(quarter_window(Q1, FinancialQuarter.parse("2026/27 Q3")))
    assert halves == {"range": ["2026/27 Q1", "2026/27 Q2", "2026/27 Q3"], "first_half": ["2026/27 Q1"],
                      "second_half": ["2026/27 Q2", "2026/27 Q3"]}
    single = theme_range(REVIEWS, quarter_window(Q1, Q1)).set_index(["theme", "part"])
    assert single.loc[("workload", "first_half"), "reviews"] == 0  # one quarter: nothing in the first half
    assert pd.isna(single.loc[("workload", "first_half"), "pct_of_reviews"])


def test_monthly_counts_include_empty_months_for_spc():
    monthly = theme_monthly_counts(REVIEWS, start=WINDOW.start, end=WINDOW.end)
    assert monthly.index.strftime("%Y-%m").tolist() == ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]
    assert monthly["workload"].tolist() == [1, 1, 0, 0, 0, 0]  # R1 in April, R2 in May; R5 and R6 are outside
    assert monthly["feedback"].tolist() == [1, 0, 0, 1, 0, 1]
    assert monthly["reviews"].tolist() == [1, 1, 0, 1, 0, 1]


def test_themes_by_contributory_level_with_reviews_recording_none():
    table = themes_by_level(REVIEWS, WINDOW).set_index("theme")
    # feedback: R1 (team, system), R3 (team), R4 (individual)
    assert table.loc["feedback", ["reviews_with_theme", "individual", "team", "system", "not_recorded"]].tolist() == [3, 1, 2, 1, 0]
    # workload: R1 (team, system) and R2 (no level recorded)
    assert table.loc["workload", ["reviews_with_theme", "team", "system", "not_recorded"]].tolist() == [2, 1, 1, 1]


def test_themes_by_domain_join_the_case_and_thematic_reviews_have_none():
    table = themes_by_domain(REVIEWS, CASES, WINDOW).set_index("theme")
    # workload: R1 on C1 (clinical, conduct) and R2 thematic (no case, no domain)
    assert table.loc["workload", ["reviews_with_theme", "clinical", "conduct", "health", "no_domain"]].tolist() == [2, 1, 1, 0, 1]
    # feedback: R1 and R4 on C1 (clinical, conduct), R3 a cluster review on C2 (health)
    assert table.loc["feedback", ["clinical", "conduct", "health", "no_domain"]].tolist() == [2, 2, 1, 0]


def test_equality_checks_share_of_those_recorded_with_a_total_row():
    table = equality_checks(REVIEWS, WINDOW).set_index("period")
    counts = ["reviews", "checked", "not_checked", "not_recorded", "recorded"]
    assert table.loc["2026/27 Q1", counts].tolist() == [2, 1, 1, 0, 2]  # R1 done, R2 not done
    assert table.loc["2026/27 Q1", "pct_checked"] == 50
    assert table.loc["2026/27 Q2", counts].tolist() == [2, 1, 0, 1, 1]  # R4 done, R3 not recorded
    assert table.loc["2026/27 Q2", "pct_checked"] == 100
    assert table.loc["total", counts].tolist() == [4, 2, 1, 1, 3]
