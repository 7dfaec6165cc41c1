"""The reviews-and-actions tables and figures (issue 5 item 2): checked against counts made here from the
synthetic extract's rows, through disclosure control, without the optional tables, and against the
generator's injected "workload" theme trend."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lotus_analytics import synthetic
from lotus_analytics.config import load_config
from lotus_analytics.disclosure import SUPPRESSED, apply_disclosure
from lotus_analytics.lessons import action_list
from lotus_analytics.periods import FinancialQuarter, quarter_window
from lotus_analytics.reports.inputs import Inputs, Scope
from lotus_analytics.reports.lessons_figures import HEADINGS, NO_SPC, lessons_html, readable_themes, spc_themes
from lotus_analytics.reports.lessons_tables import SPECS, TITLES, lessons_tables
from lotus_analytics.reviews import theme_range
from lotus_analytics.store import Store, load_store

QUARTER = FinancialQuarter.parse("2026/27 Q2")
Q_END = pd.Timestamp("2026-09-30")
WINDOW_START = pd.Timestamp("2024-10-01")  # default: the rolling two-year window
SCOPE = Scope(QUARTER, "North West")
CONFIG = load_config()
INTERNAL = replace(CONFIG, disclosure=replace(CONFIG.disclosure, mode="internal"))
NO_SPC_TEXT = NO_SPC.format(most=CONFIG.disclosure.suppress_max)


def _tables(store: Store, scope: Scope = SCOPE) -> dict[str, pd.DataFrame]:
    return lessons_tables(Inputs(store, scope, CONFIG))


def _published(tables: dict[str, pd.DataFrame], mode: str = "publication") -> dict[str, pd.DataFrame]:
    return {name: apply_disclosure(frame, SPECS[name], mode=mode) for name, frame in tables.items()}


@pytest.fixture(scope="module")
def store(ingested) -> Store:
    return load_store(ingested.store)


@pytest.fixture(scope="module")
def raw(store) -> dict[str, pd.DataFrame]:
    return _tables(store)


def test_every_table_has_a_title_a_spec_and_a_method(raw):
    assert set(raw) == set(TITLES) == set(SPECS)
    assert all(name.startswith("lessons_") for name in raw)
    assert all(frame["method"].str.len().gt(20).all() for frame in raw.values())


def test_review_counts_match_rows_of_the_extract(ingested, raw):
    reviews = ingested.extract.reviews  # one region: thematic reviews belong to it
    mine = reviews[(reviews["date_review"] >= WINDOW_START) & (reviews["date_review"] <= Q_END)]
    in_q2 = mine[mine["date_review"] >= pd.Timestamp("2026-07-01")]
    workload_q2 = in_q2["themes"].str.split(";").map(lambda themes: "workload" in themes).sum()
    frequency = raw["lessons_theme_frequency"].set_index(["theme", "period"])
    assert frequency.loc[("workload", "2026/27 Q2"), ["reviews_with_theme", "reviews"]].tolist() == [workload_q2,
                                                                                                    len(in_q2)]
    assert raw["lessons_equality_checks"].set_index("period").loc["total", "reviews"] == len(mine)
    level = raw["lessons_themes_by_level"]
    assert level["reviews_with_theme"].sum() == mine["themes"].str.split(";").map(len).sum()
    domain = raw["lessons_themes_by_domain"].set_index("theme")
    thematic = mine[mine["case_id"].isna()]
    assert domain["no_domain"].sum() == thematic["themes"].str.split(";").map(len).sum()
    spc = raw["lessons_theme_spc"]
    assert spc.groupby("theme").size().eq(24).all()  # every theme, every month of the window
    assert spc["value"].sum() == level["reviews_with_theme"].sum()  # the same reviews, by month


def test_action_counts_match_rows_of_the_extract(ingested, raw):
    actions = ingested.extract.actions
    raised = actions[actions["date_raised"] <= Q_END]
    done = raised["date_completed"] <= Q_END
    open_then = ~done & (raised["status"] != "dropped")
    overdue = open_then & (raised["date_due"] < Q_END)
    total = raw["lessons_action_status"].set_index("theme").loc["total"]
    assert total[["raised", "open", "overdue", "done"]].tolist() == [len(raised), open_then.sum(), overdue.sum(),
                                                                     done.sum()]
    owners = raw["lessons_overdue_by_owner"]
    assert owners.set_index("system_level").loc["total", ["open", "overdue"]].tolist() == [open_then.sum(),
                                                                                           overdue.sum()]
    completed = actions[(actions["date_completed"] >= WINDOW_START) & (actions["date_completed"] <= Q_END)]
    days = raw["lessons_completion_days"].set_index("period").loc["total"]
    assert days["completed"] == len(completed)
    assert days["median_days"] == (completed["date_completed"] - completed["date_raised"]).dt.days.median()
    assert raw["lessons_recurring_themes"].set_index("theme").loc["total", "completed"] == len(completed)


def test_action_list_puts_overdue_first_and_agrees_with_the_counts(store, raw):
    listed = action_list(Inputs(store, SCOPE, CONFIG).actions, as_of=Q_END)
    n_overdue = int(listed["overdue"].sum())
    assert n_overdue == raw["lessons_action_status"].set_index("theme").loc["total", "overdue"] > 0
    assert listed["overdue"].iloc[:n_overdue].all() and not listed["overdue"].iloc[n_overdue:].any()
    assert listed["days_overdue"].iloc[:n_overdue].is_monotonic_decreasing
    assert (listed["days_overdue"].iloc[:n_overdue] == (Q_END - listed["date_due"].iloc[:n_overdue]).dt.days).all()
    rest = listed["state"].iloc[n_overdue:].map({"open": 0, "done": 1, "dropped": 2})
    assert rest.is_monotonic_increasing


def _count_cells(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[object]:
    return [v for c in columns for v in frame[c]]


def test_published_tables_hide_one_to_seven_and_what_rests_on_them(raw):
    published = _published(raw)
    for name, frame in published.items():
        cells = _count_cells(frame, SPECS[name].counts)
        shown = [v for v in cells if v != SUPPRESSED and v is not None]
        assert all(not 1 <= v <= 7 and v % 5 == 0 for v in shown), name
    spc = published["lessons_theme_spc"]
    assert (spc["value"] == SUPPRESSED).any()  # small monthly counts: hidden, and their variation with them
    assert ((spc["value"] == SUPPRESSED) == (spc["point_type"] == SUPPRESSED)).all()
    days = published["lessons_completion_days"]
    assert ((days["completed"] == SUPPRESSED) <= (days["median_days"] == SUPPRESSED)).all()
    freq = published["lessons_theme_frequency"]
    assert ((freq["reviews_with_theme"] == SUPPRESSED) <= (freq["pct_of_reviews"] == SUPPRESSED)).all()
    shares = published["lessons_theme_range"]
    hidden = shares["reviews_with_theme"] == SUPPRESSED
    assert hidden.any() and not hidden.all()
    for column in ("pct_of_reviews", "pct_lower", "pct_upper"):  # the share and its interval go with the count
        assert ((shares[column] == SUPPRESSED) == hidden).all(), column
    shown = shares[~hidden]  # the share is recomputed from the rounded counts
    assert np.allclose(shown["pct_of_reviews"].astype(float),
                       100 * shown["reviews_with_theme"].astype(float) / shown["reviews"].astype(float))


def test_html_draws_published_tables_with_accessible_charts(raw):
    parts = lessons_html(_published(raw), config=CONFIG)
    assert tuple(parts) == HEADINGS
    for heading in ("Themes by quarter", "Overdue actions by owner"):
        assert re.search(r'<svg role="img" aria-label="[^"]{40,}"', parts[heading]), heading
        assert "<table" in parts[heading], heading
    assert "thematic reviews have no case and so no concern domain" in parts["Themes by concern domain"]
    # at this volume most theme x level / domain cells are 1-7: the table alone, and a sentence saying why;
    # internal mode (every cell shown) draws the heat maps
    internal = lessons_html(_published(raw, mode="internal"), config=CONFIG)
    for heading in ("Themes by contributory level", "Themes by concern domain"):
        assert "so there is no heat map" in parts[heading] and "<svg" not in parts[heading], heading
        assert re.search(r'<svg role="img" aria-label="Heat map of reviews by theme', internal[heading]), heading
    assert "not supplied" not in " ".join(parts.values()).lower()


def test_at_regional_volume_publication_shows_theme_shares_over_the_range_and_no_theme_spc_chart(ingested, raw):
    published = _published(raw)
    # the demo-like extract: monthly theme counts are 0-3, so every month with reviews is hidden
    assert readable_themes(published["lessons_theme_spc"]) == []
    parts = lessons_html(published, config=CONFIG)
    assert parts["Theme trend (SPC)"] == f"<p>{NO_SPC_TEXT}</p>"  # the sentence instead of charts and readings
    # the range table publishes the share of every common theme: those raised by 8 or more reviews of the window
    # (about 35 reviews at this scale; the quarterly counts of the same themes are all 0-7)
    reviews = ingested.extract.reviews
    mine = reviews[(reviews["date_review"] >= WINDOW_START) & (reviews["date_review"] <= Q_END)]
    raised = mine["themes"].str.split(";").explode().value_counts()
    common = raised.index[raised > CONFIG.disclosure.suppress_max]
    assert len(common) >= 1
    whole = published["lessons_theme_range"].query("part == 'range'").set_index("theme")
    assert (whole.loc[common, "pct_of_reviews"] != SUPPRESSED).all()
    quarterly = raw["lessons_theme_frequency"].set_index("theme").loc[common, "reviews_with_theme"]
    assert quarterly.max() <= CONFIG.disclosure.suppress_max
    themes = parts["Themes by quarter"]
    chart = re.search(r'<svg role="img" aria-label="([^"]+)"', themes).group(1)
    assert "first half" in chart and "second half" in chart and "Not shown (disclosure control)" in chart
    # the quarterly counts: mostly hidden, so their table is folded away without a heat map
    assert themes.count("<svg") == 1 and "No heat map by quarter" in themes
    assert re.search(r"<details[^>]*><summary>Review themes by financial quarter[^<]*</summary><div", themes)


def test_internal_mode_draws_the_theme_spc_charts_and_the_quarterly_heat_map(raw):
    parts = lessons_html(_published(raw, mode="internal"), config=INTERNAL)
    spc_part = parts["Theme trend (SPC)"]
    assert NO_SPC_TEXT not in spc_part
    assert re.search(r'<svg role="img" aria-label="[^"]{40,}"', spc_part) and "<table" in spc_part
    assert parts["Themes by quarter"].count("<svg") == 2  # the range chart and the quarterly heat map


def test_without_the_optional_tables_the_tables_are_absent_and_the_html_says_not_supplied(store):
    assert _tables(replace(store, reviews=None, actions=None)) == {}
    parts = lessons_html({}, config=CONFIG)
    assert all(body == "<p>Not supplied: the extract has no reviews table.</p>" for body in parts.values())
    no_actions = _tables(replace(store, actions=None))
    assert "lessons_theme_frequency" in no_actions
    assert not any(name in no_actions for name in ("lessons_action_status", "lessons_overdue_by_owner",
                                                   "lessons_completion_days", "lessons_recurring_themes"))
    parts = lessons_html(_published(no_actions), config=CONFIG)
    assert parts["Overdue actions by owner"] == "<p>Not supplied: the extract has no actions table.</p>"
    assert "<svg" in parts["Themes by quarter"]


def test_a_chosen_theme_narrows_reviews_and_actions_and_is_the_only_chart(store):
    tables = _tables(store, replace(SCOPE, theme="workload"))
    frequency = tables["lessons_theme_frequency"]
    workload = frequency[frequency["theme"] == "workload"]
    assert (workload["reviews_with_theme"] == workload["reviews"]).all()  # every review raises the chosen theme
    status = tables["lessons_action_status"].set_index("theme")
    assert status.drop(index=["workload", "total"])["raised"].eq(0).all()
    published = _published(tables, mode="internal")
    assert spc_themes(published["lessons_theme_spc"], published["lessons_themes_by_level"]) == ["workload"]
    spc_part = lessons_html(published, config=INTERNAL)["Theme trend (SPC)"]
    assert "Reviews raising workload per month" in spc_part and "Reviews raising feedback" not in spc_part
    # published, the chosen theme's months are 1-7 reviews: hidden, so no chart
    assert lessons_html(_published(tables), config=CONFIG)["Theme trend (SPC)"] == f"<p>{NO_SPC_TEXT}</p>"


# The injected trend: the "workload" theme's weight rises three-fold, linearly over the six years of the
# extract. At the North West's real volume (about three reviews a month) monthly theme counts are 0-2, so the
# trend shows only at a larger scale and over a longer range than the default two years: here scale 30
# (about 800 reviews a year) from 2022/23 Q1 (2021/22 is the generator's run-in, with few closed cases to review).
TREND_SCALE = 30
TREND_SCOPE = replace(SCOPE, since=FinancialQuarter.parse("2022/23 Q1"))


def _trend_tables(effects: synthetic.Effects) -> dict[str, pd.DataFrame]:
    extract = synthetic.generate(seed=2026, scale=TREND_SCALE, effects=effects)
    store = Store(cases=extract.cases, workforce=extract.workforce, updates=extract.updates, reviews=extract.reviews,
                  actions=extract.actions, manifest={})  # the measures only: ingest is tested elsewhere
    return _tables(store, TREND_SCOPE)


@pytest.fixture(scope="module")
def with_trend() -> dict[str, pd.DataFrame]:
    return _trend_tables(synthetic.Effects())


@pytest.fixture(scope="module")
def without_trend() -> dict[str, pd.DataFrame]:
    return _trend_tables(synthetic.Effects.none())


def _workload(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, float]:
    """The workload SPC rows and the rise of its quarterly share (last four quarters minus the first four)."""
    spc = tables["lessons_theme_spc"]
    frequency = tables["lessons_theme_frequency"]
    share = frequency.loc[frequency["theme"] == "workload", "pct_of_reviews"].to_numpy()
    return spc[spc["theme"] == "workload"].reset_index(drop=True), float(share[-4:].mean() - share[:4].mean())


def test_injected_workload_trend_shows_as_special_cause_and_a_rising_share(with_trend):
    spc, rise = _workload(with_trend)
    runs = spc["rule"].isin(["shift", "trend"])
    assert (runs & (spc["point_type"] == "special_cause_neutral_low")).iloc[:24].any()  # below the mean early on
    assert (spc["point_type"] == "special_cause_neutral_high").iloc[-24:].any()  # above it late in the period
    assert rise > 4  # percentage points


def test_without_the_effect_workload_shows_no_run_and_no_rising_share(without_trend):
    spc, rise = _workload(without_trend)
    assert not spc["rule"].isin(["shift", "trend"]).any()
    assert abs(rise) < 3
    assert np.isclose(spc["mean"].iloc[0], spc["value"].mean())


def test_at_high_volume_publication_still_draws_the_workload_chart_and_its_rising_share(with_trend):
    published = _published(with_trend)
    assert "workload" in readable_themes(published["lessons_theme_spc"])
    parts = lessons_html(published, config=CONFIG)
    assert "Reviews raising workload per month" in parts["Theme trend (SPC)"]
    assert NO_SPC_TEXT not in parts["Theme trend (SPC)"]
    shares = published["lessons_theme_range"].query("theme == 'workload'").set_index("part")["pct_of_reviews"]
    assert float(shares["second_half"]) > float(shares["first_half"]) + 4


# At the demo's scale (scale 1: about 35 North West reviews a year) one extract cannot tell the injected rise
# from noise: over 2022/23 Q1-2026/27 Q2 (about 65 and 90 reviews in the halves) the second-half share minus
# the first-half share has a standard error of about 6 points, and seeds 0-11 give -2 to +16 points with the
# effect and -9 to +10 without (seed 0: -1.8 with, +9.6 without). So the test reads several seeds: the mean rise.
DEMO_SEEDS = range(8)
DEMO_WINDOW_SINCE = FinancialQuarter.parse("2022/23 Q1")


def _demo_rises(effects: synthetic.Effects) -> tuple[list[float], list[float]]:
    """Per seed: the workload share's rise (second half minus first, points) in the range table, and the
    generator's truth (mean share of 2025/26-2026/27 minus that of 2022/23-2023/24, points)."""
    window = quarter_window(DEMO_WINDOW_SINCE, QUARTER)
    rises, truths = [], []
    for seed in DEMO_SEEDS:
        extract = synthetic.generate(seed=seed, scale=1, effects=effects)
        shares = theme_range(extract.reviews, window).query("theme == 'workload'").set_index("part")["pct_of_reviews"]
        rises.append(float(shares["second_half"] - shares["first_half"]))
        truth = extract.ground_truth["theme_trend"]["share_by_financial_year"]
        if truth:
            truths.append(100 * (np.mean([truth["2025/26"], truth["2026/27"]])
                                 - np.mean([truth["2022/23"], truth["2023/24"]])))
    return rises, truths


def test_at_the_demo_scale_the_injected_workload_rise_shows_in_the_halves_and_agrees_with_the_truth():
    rises, truths = _demo_rises(synthetic.Effects())
    assert np.mean(rises) > 3  # points (5.2: seeds 0-7 give -1.8, 16, -0.2, 7.3, 1.9, 5.3, 3.3, 9.8)
    assert np.mean(truths) > 3  # the generator's realised shares by financial year rise the same way (9.6)
    flat, no_truth = _demo_rises(synthetic.Effects.none())
    assert no_truth == []  # no trend injected: the truth has no shares to report
    assert abs(np.mean(flat)) < 2  # -0.8
    assert sum(r > 0 for r in rises) > sum(r > 0 for r in flat)  # 6 of 8 seeds rise with the effect, 3 without


def test_owners_with_every_overdue_count_hidden_get_a_sentence_not_an_empty_chart(raw):
    published = _published(raw)
    owners = published["lessons_overdue_by_owner"].copy()
    owners.loc[owners["system_level"] != "total", "overdue"] = "*"
    part = lessons_html({**published, "lessons_overdue_by_owner": owners}, config=CONFIG)["Overdue actions by owner"]
    assert "<svg" not in part and "so there is no chart" in part and "<table" in part


def test_equality_checks_with_every_quarter_hidden_give_the_whole_range_share_in_words(raw):
    published = _published(raw)
    checks = published["lessons_equality_checks"].copy()
    checks.loc[checks["period"] != "total", "pct_checked"] = "*"
    checks.loc[checks["period"] == "total", "pct_checked"] = 62.5
    part = lessons_html({**published, "lessons_equality_checks": checks}, config=CONFIG)["Equality checks"]
    assert "<svg" not in part and "Over all quarters, 62.5% of the reviews recording it" in part and "<table" in part
