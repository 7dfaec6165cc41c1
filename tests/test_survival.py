"""Kaplan-Meier time to closure: hand-worked censored data, lifelines itself, and the generator's ground truth."""

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times
from measures_frames import cases_frame
from scipy.stats import chi2, norm

from lotus_analytics import survival
from lotus_analytics.survival import Cohort, FollowUp, closure_cohort, kaplan_meier, km_curve, logrank, time_to_closure

AS_OF = pd.Timestamp("2024-03-31")
RECEIVED = pd.Timestamp("2024-01-02")
Z = norm.ppf(0.975)

# Six cases received on 2 January 2024; two still open at as_of are censored:
#   days   2 closed | 3 open | 5 closed | 5 closed | 8 closed | 10 open
# By hand, S(t) = product over closure days of (1 - closed / at risk):
#   t=2: 6 at risk, 1 closes -> S = 5/6
#   t=3: one censored (at risk falls to 4)
#   t=5: 4 at risk, 2 close  -> S = 5/6 x 2/4 = 5/12 (0.4167: the median is 5 days)
#   t=8: 2 at risk, 1 closes -> S = 5/12 x 1/2 = 5/24
#   t=10: censored; S stays 5/24 after it
HAND = [(2, True), (3, False), (5, True), (5, True), (8, True), (10, False)]
HAND_S = {0: 1.0, 2: 5 / 6, 3: 5 / 6, 5: 5 / 12, 8: 5 / 24, 10: 5 / 24}
GREENWOOD = {2: 1 / (6 * 5), 5: 1 / (6 * 5) + 2 / (4 * 2), 8: 1 / (6 * 5) + 2 / (4 * 2) + 1 / (2 * 1)}  # sum d/(n(n-d))


def _cases(durations, group="uk"):
    """Cases received on RECEIVED, closed after `days` (True) or open at as_of after `days` (closed later)."""
    rows = []
    for days, closed in durations:
        end = RECEIVED + pd.Timedelta(days=days)
        rows.append({"date_received": end - pd.Timedelta(days=days) if closed else AS_OF - pd.Timedelta(days=days),
                     "date_closed": end if closed else None, "pmq_region": group})
    return rows


def _hand_cases():
    rows = _cases(HAND)
    rows[5]["date_closed"] = AS_OF + pd.Timedelta(days=3)  # closed after as_of: censored at as_of
    return cases_frame(rows + [{"date_received": AS_OF + pd.Timedelta(days=1)}])  # received after as_of: not in


def _log_log_bounds(s, greenwood):
    """Exponential Greenwood interval by hand: S^exp(±z·se), se = sqrt(Σ d/(n(n-d))) / |log S|."""
    se = np.sqrt(greenwood) / abs(np.log(s))
    return s ** np.exp(Z * se), s ** np.exp(-Z * se)


def test_cohort_censors_at_as_of_and_leaves_later_receipts_out():
    cohort = closure_cohort(_hand_cases(), as_of=AS_OF)
    assert (cohort.days.tolist(), cohort.closed.tolist(), cohort.count.tolist()) == (
        [2, 3, 5, 8, 10], [True, False, True, True, False], [1, 1, 2, 1, 1])
    since = closure_cohort(_hand_cases(), as_of=AS_OF, since=AS_OF - pd.Timedelta(days=10))
    assert since.days.tolist() == [3, 10]  # the open cases, received 3 and 10 days before as_of (the day counts)


def test_hand_worked_kaplan_meier():
    row = time_to_closure(_hand_cases(), as_of=AS_OF, within_days=(4, 9, 12)).iloc[0]
    assert (row["dimension"], row["group"], row["n"], row["closed"], row["censored"]) == ("all", "all", 6, 4, 2)
    assert row["median_days"] == 5
    # lower curve at t=2 is 0.273 (< 0.5): lower limit 2 days; the upper curve stays above 0.5 (0.595 at t=8)
    lower_2, upper_8 = _log_log_bounds(5 / 6, GREENWOOD[2])[0], _log_log_bounds(5 / 24, GREENWOOD[8])[1]
    assert lower_2 == pytest.approx(0.2732, abs=1e-4) and upper_8 == pytest.approx(0.5951, abs=1e-4)
    assert row["median_lower"] == 2 and np.isnan(row["median_upper"])
    assert row["at_risk_median"] == 4  # followed 5 days or more: 5, 5, 8, 10
    assert row["pct_closed_4d"] == pytest.approx(100 / 6) and row["at_risk_4d"] == 4
    assert row["pct_closed_9d"] == pytest.approx(100 * 19 / 24) and row["at_risk_9d"] == 1
    low, high = _log_log_bounds(5 / 24, GREENWOOD[8])
    assert (row["pct_closed_9d_lower"], row["pct_closed_9d_upper"]) == pytest.approx(
        (100 * (1 - high), 100 * (1 - low)))
    assert np.isnan(row["pct_closed_12d"]) and row["at_risk_12d"] == 0  # beyond the longest follow-up, S > 0
    assert np.isnan(row["logrank_p"]) and row["as_of"] == AS_OF and pd.isna(row["since"])


def test_curve_agrees_with_the_hand_values_and_unweighted_lifelines():
    curve = km_curve(_hand_cases(), as_of=AS_OF)
    assert curve["time"].tolist() == [0, 2, 3, 5, 8, 10]
    assert curve["survival"].tolist() == pytest.approx([HAND_S[t] for t in curve["time"]])
    assert curve["at_risk"].tolist() == [6, 6, 5, 4, 2, 1]
    five = curve.set_index("time").loc[5]
    assert (five["lower"], five["upper"]) == pytest.approx(_log_log_bounds(5 / 12, GREENWOOD[5]))
    reference = KaplanMeierFitter().fit([d for d, _ in HAND], [c for _, c in HAND])
    assert curve["survival"].to_numpy() == pytest.approx(reference.survival_function_.to_numpy()[:, 0])
    assert curve[["lower", "upper"]].to_numpy() == pytest.approx(reference.confidence_interval_.to_numpy())
    assert curve["at_risk"].tolist()[1:] == reference.event_table["at_risk"].tolist()[1:]


def test_log_rank_across_groups_by_hand_and_by_lifelines():
    other = [(1, True), (2, True), (3, True), (4, False), (6, True)]
    cases = cases_frame(_cases(HAND, "uk") + _cases(other, "international") + _cases([(7, True)], "not_stated"))
    table = time_to_closure(cases, as_of=AS_OF, by="pmq_region")
    assert table["group"].tolist() == ["international", "not_stated", "uk"]
    assert table["n"].tolist() == [5, 1, 6] and table["median_days"].tolist() == [3, 7, 5]
    # by hand over the stated groups (uk vs international): O - E and its variance at each closure day
    times = sorted({d for d, c in HAND + other if c})
    observed_minus_expected = variance = 0.0
    for t in times:
        n1 = sum(d >= t for d, _ in HAND)
        n = n1 + sum(d >= t for d, _ in other)
        d1 = sum(d == t and c for d, c in HAND)
        d = d1 + sum(dd == t and c for dd, c in other)
        observed_minus_expected += d1 - d * n1 / n
        variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0
    statistic = observed_minus_expected ** 2 / variance
    assert table["logrank_statistic"].tolist() == pytest.approx([statistic] * 3)
    assert table["logrank_df"].iloc[0] == 1 and table["logrank_p"].iloc[0] == pytest.approx(chi2.sf(statistic, 1))
    raw = [(d, c, "uk") for d, c in HAND] + [(d, c, "international") for d, c in other]
    reference = multivariate_logrank_test([r[0] for r in raw], [r[2] for r in raw], [r[1] for r in raw])
    assert table["logrank_p"].iloc[0] == pytest.approx(reference.p_value)


def _tallied(seed: int, groups: int, n: int = 600) -> tuple[Cohort, np.ndarray, np.ndarray, np.ndarray]:
    """Whole-day durations (1-59 days, many ties, about a third censored; the last day closes every case
    still followed, so S reaches 0 there), tallied by group, duration and status as closure_cohort
    tallies them, and the raw (days, closed, group) per case."""
    rng = np.random.default_rng(seed)
    days, closed, group = rng.integers(1, 60, n), rng.random(n) < 0.65, rng.integers(0, groups, n)
    closed[days == days.max()] = True
    tally, count = np.unique((group * 60 + days) * 2 + closed, return_counts=True)
    cohort = Cohort(tally // 2 // 60, tally // 2 % 60, (tally % 2).astype(bool), count, "g", list("abcde")[:groups])
    return cohort, days, closed, group


@pytest.mark.parametrize(("seed", "confidence"), [(1, 0.95), (2, 0.9), (3, 0.99)])
def test_kaplan_meier_is_lifelines_to_the_last_digit(seed, confidence):
    cohort, days, closed, _ = _tallied(seed, 1)
    km = kaplan_meier(cohort.days, cohort.closed, cohort.count, confidence)
    reference = KaplanMeierFitter(alpha=1 - confidence).fit(days, closed)  # every case, unweighted
    assert np.array_equal(km.times, reference.survival_function_.index.to_numpy())
    assert np.array_equal(km.survival, reference.survival_function_.to_numpy()[:, 0])
    assert [*km.survival[[0, -1]], *km.lower[[0, -1]]] == [1, 0, 1, 0]  # both ends of the curve
    assert np.array_equal(np.column_stack([km.lower, km.upper]), reference.confidence_interval_.to_numpy())
    assert km.median(km.survival) == reference.median_survival_time_
    assert [km.median(km.lower), km.median(km.upper)] == median_survival_times(
        reference.confidence_interval_).to_numpy().reshape(-1).tolist()


@pytest.mark.parametrize(("seed", "groups"), [(4, 2), (5, 3), (6, 5)])
def test_log_rank_agrees_with_lifelines_on_many_tied_days(seed, groups):
    cohort, days, closed, group = _tallied(seed, groups)
    reference = multivariate_logrank_test(days, group, closed)
    ours = logrank(cohort)
    assert ours["logrank_df"] == groups - 1
    # floating-point sums are added in another order than lifelines' pandas tables add them
    assert ours["logrank_statistic"] == pytest.approx(reference.test_statistic, rel=1e-10)
    assert ours["logrank_p"] == pytest.approx(reference.p_value, rel=1e-10)


def test_one_follow_up_serves_every_grouping_of_the_same_cases():
    cases = cases_frame([{**row, "ethnicity_code": code} for row, code in zip(_cases(HAND), "AAHMZA")])
    follow_up = FollowUp.of(cases, as_of=AS_OF)  # dates converted once, as a report of every dimension does
    for by in (None, "ethnic_group_2", "ethnic_group_5", "pmq_region"):
        pd.testing.assert_frame_equal(time_to_closure(cases, as_of=AS_OF, by=by, follow_up=follow_up),
                                      time_to_closure(cases, as_of=AS_OF, by=by))
        pd.testing.assert_frame_equal(km_curve(cases, as_of=AS_OF, by=by, follow_up=follow_up),
                                      km_curve(cases, as_of=AS_OF, by=by))
    with pytest.raises(ValueError, match="follow_up was worked out for other cases or dates"):
        time_to_closure(cases, as_of=AS_OF, since=RECEIVED, follow_up=follow_up)
    with pytest.raises(ValueError, match="follow_up was worked out for other cases or dates"):
        km_curve(cases, as_of="2024-04-30", follow_up=follow_up)


def test_a_group_recurring_in_another_grouping_is_fitted_once(monkeypatch):
    # White: 2 closed, 5 closed, 10 open; Asian (H): 3 open; Black (M): 5 closed; not stated (Z): 8 closed
    cases = cases_frame([{**row, "ethnicity_code": code} for row, code in zip(_cases(HAND), "AHAMZA")])
    follow_up = FollowUp.of(cases, as_of=AS_OF)
    fitted = []
    fit = survival.kaplan_meier
    monkeypatch.setattr(survival, "kaplan_meier", lambda *args: fitted.append(args) or fit(*args))
    two = time_to_closure(cases, as_of=AS_OF, by="ethnic_group_2", follow_up=follow_up)  # 3 groups, 3 fits
    five = time_to_closure(cases, as_of=AS_OF, by="ethnic_group_5", follow_up=follow_up)  # White, not stated again
    km_curve(cases, as_of=AS_OF, by="ethnic_group_2", follow_up=follow_up)  # every group already fitted
    assert len(fitted) == 3 + 2  # + Asian (H) and Black (M)
    time_to_closure(cases, as_of=AS_OF, by="ethnic_group_2", follow_up=follow_up, confidence=0.9)
    assert len(fitted) == 5 + 3  # another confidence is another fit
    time_to_closure(cases, as_of=AS_OF, by="ethnic_group_2")  # a FollowUp of its own: fitted afresh
    assert len(fitted) == 8 + 3
    columns = ["n", "median_days", "median_lower", "median_upper", "pct_closed_90d"]
    pd.testing.assert_frame_equal(two.set_index("group").loc[["White", "not_stated"], columns],
                                  five.set_index("group").loc[["White", "not_stated"], columns])


def test_dimension_by_name_and_curve_per_group():
    cases = cases_frame([{**row, "ethnicity_code": code} for row, code in zip(_cases(HAND), "AAHMZA")])
    table = time_to_closure(cases, as_of=AS_OF, by="ethnic_group_2")
    assert table["group"].tolist() == ["Black and minority ethnic", "White", "not_stated"]
    assert table["n"].tolist() == [2, 3, 1] and set(table["dimension"]) == {"ethnic_group_2"}
    curve = km_curve(cases, as_of=AS_OF, by="ethnic_group_2")
    white = curve[curve["group"] == "White"]
    assert white["time"].tolist() == [0, 2, 3, 10]
    assert white["survival"].tolist() == pytest.approx([1, 2 / 3, 2 / 3, 2 / 3])
    with pytest.raises(ValueError, match="no column nonsense"):
        time_to_closure(cases, as_of=AS_OF, by="nonsense")


def test_slower_closure_of_internationally_qualified_matches_ground_truth():
    from lotus_analytics.synthetic import generate

    extract = generate(seed=2026, scale=3)
    truth = extract.ground_truth["closure"]["median_days_received_to_closed"]
    table = time_to_closure(extract.cases, as_of=extract.extract_date, by="pmq_region").set_index("group")
    assert table.loc["international", "median_days"] > table.loc["uk", "median_days"] + 15
    for group in ("uk", "international"):
        row = table.loc[group]
        assert row["median_lower"] <= truth[group] <= row["median_upper"]
        assert row["median_days"] == pytest.approx(truth[group], rel=0.05)
    assert table["logrank_p"].iloc[0] < 1e-6 and table["logrank_df"].iloc[0] == 2  # uk, eea, international
