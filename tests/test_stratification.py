"""Triage and risk stratification (Appendix 2) on hand-made cases whose answers are worked out below."""

import numpy as np
import pandas as pd
import pytest
from measures_frames import cases_frame

from lotus_analytics.periods import FinancialQuarter, quarter_window
from lotus_analytics.stats import wilson_interval
from lotus_analytics.stratification import (
    ALL_DOMAINS,
    NOT_RECORDED,
    TOTAL,
    disagreement_summary,
    immediate_action,
    level_by_domain,
    level_by_source,
    level_disagreements,
    outcome_by_level,
    risk_matrix,
    triaged_in,
)

T = pd.Timestamp
BANDS = {"low": (1, 3), "moderate": (4, 6), "high": (8, 12), "extreme": (15, 25)}
# Window 2026/27 Q1-Q2: 1 April to 30 September 2026.
WINDOW = quarter_window(FinancialQuarter.parse("2026/27 Q1"), FinancialQuarter.parse("2026/27 Q2"))
IN_Q1, IN_Q2 = T("2026-05-10"), T("2026-08-10")
CASES = cases_frame([
    # C1: 2 x 2 = 4 moderate, clinical + conduct, patient, to_pag, Q1
    {"date_received": T("2026-05-01"), "date_triaged": IN_Q1, "risk_severity": 2, "risk_likelihood": 2,
     "risk_level": "moderate", "triage_outcome": "to_pag", "concern_domains": "clinical;conduct"},
    # C2: 5 x 4 = 20 extreme, urgent referral (immediate action), Q1
    {"date_received": T("2026-05-01"), "date_triaged": IN_Q1, "risk_severity": 5, "risk_likelihood": 4,
     "risk_level": "extreme", "triage_outcome": "to_pag_urgent", "concern_source": "police"},
    # C3: 1 x 1 = 1 low, closed, Q2, health
    {"date_received": T("2026-08-01"), "date_triaged": IN_Q2, "risk_severity": 1, "risk_likelihood": 1,
     "risk_level": "low", "triage_outcome": "closed_nfa", "concern_domains": "health"},
    # C4: recorded high but 2 x 1 = 2 is low under BANDS: disagrees; outcome not recorded, Q2
    {"date_received": T("2026-08-01"), "date_triaged": IN_Q2, "risk_severity": 2, "risk_likelihood": 1,
     "risk_level": "high", "concern_domains": "clinical"},
    # C5: no scores and no level (not recorded), local resolution, Q2, colleague
    {"date_received": T("2026-08-01"), "date_triaged": IN_Q2, "triage_outcome": "local_resolution",
     "concern_source": "colleague"},
    # C6: severity only (likelihood not recorded), level moderate, to_pag_urgent, Q2
    {"date_received": T("2026-08-01"), "date_triaged": IN_Q2, "risk_severity": 3, "risk_level": "moderate",
     "triage_outcome": "to_pag_urgent"},
    # C7: triaged before the window: left out everywhere
    {"date_received": T("2026-03-01"), "date_triaged": T("2026-03-31"), "risk_severity": 5, "risk_likelihood": 5,
     "risk_level": "low", "triage_outcome": "to_pag_urgent"},
    # C8: received in the window but not triaged: left out (no triage to describe)
    {"date_received": T("2026-09-01")},
])


def test_covered_cases_are_those_triaged_in_the_window():
    assert triaged_in(CASES, WINDOW)["case_id"].tolist() == ["C1", "C2", "C3", "C4", "C5", "C6"]


def test_risk_matrix_counts_with_not_recorded_row_and_column():
    matrix = risk_matrix(CASES, window=WINDOW).set_index("severity")
    assert matrix.index.tolist() == ["1", "2", "3", "4", "5", NOT_RECORDED, TOTAL]
    assert matrix.loc["2", ["likelihood_1", "likelihood_2", "total"]].tolist() == [1, 1, 2]  # C4, C1
    assert matrix.loc["5", "likelihood_4"] == 1  # C2
    assert matrix.loc["1", "likelihood_1"] == 1  # C3
    assert matrix.loc["3", "likelihood_not_recorded"] == 1  # C6: severity 3, likelihood missing
    assert matrix.loc[NOT_RECORDED, "likelihood_not_recorded"] == 1  # C5: neither score
    assert matrix.loc[TOTAL, "total"] == 6
    counts = matrix.drop(index=TOTAL).drop(columns=["total", "window", "method"])
    assert (counts.sum(axis=1) == matrix.drop(index=TOTAL)["total"]).all()
    assert (counts.sum() == matrix.loc[TOTAL, counts.columns]).all()


def test_level_by_domain_counts_a_case_once_in_each_of_its_domains():
    table = level_by_domain(CASES, window=WINDOW).set_index("domain")
    # all domains: each case once: low C3, moderate C1 C6, high C4, extreme C2, not recorded C5
    assert table.loc[ALL_DOMAINS, ["low", "moderate", "high", "extreme", "not_recorded", "total"]].tolist() == \
        [1, 2, 1, 1, 1, 6]
    # clinical (the default domain): C1 (moderate), C2 (extreme), C4 (high), C5 (none), C6 (moderate)
    assert table.loc["clinical", ["low", "moderate", "high", "extreme", "not_recorded", "total"]].tolist() == \
        [0, 2, 1, 1, 1, 5]
    assert table.loc["conduct", ["moderate", "total"]].tolist() == [1, 1]  # C1 counted here too
    assert table.loc["health", ["low", "total"]].tolist() == [1, 1]
    assert table.loc["clinical", "pct_moderate"] == pytest.approx(40.0)
    assert table.loc["language", "total"] == 0 and np.isnan(table.loc["language", "pct_low"])
    assert table.drop(index=ALL_DOMAINS)["total"].sum() == 7  # more than 6: C1 is in two domains
    assert "counts once in each of its domains" in table["method"].iloc[0]


def test_level_by_source_adds_up_to_the_total_row():
    table = level_by_source(CASES, window=WINDOW).set_index("source")
    assert table.loc["police", ["extreme", "total"]].tolist() == [1, 1]
    assert table.loc["colleague", ["not_recorded", "total"]].tolist() == [1, 1]
    assert table.loc["patient", "total"] == 4
    assert table.loc[TOTAL, "total"] == 6
    assert table.drop(index=TOTAL)["total"].sum() == 6
    assert NOT_RECORDED not in table.index  # every case has a source


def test_outcome_by_level():
    table = outcome_by_level(CASES, window=WINDOW).set_index("risk_level")
    assert table.loc["moderate", ["to_pag", "to_pag_urgent", "total"]].tolist() == [1, 1, 2]  # C1, C6
    assert table.loc["high", ["outcome_not_recorded", "total"]].tolist() == [1, 1]  # C4
    assert table.loc[NOT_RECORDED, ["local_resolution", "total"]].tolist() == [1, 1]  # C5
    assert table.loc[TOTAL, ["to_pag_urgent", "total"]].tolist() == [2, 6]
    assert table.loc["moderate", "pct_to_pag_urgent"] == pytest.approx(50.0)


def test_immediate_action_share_by_quarter_with_wilson_interval():
    table = immediate_action(CASES, window=WINDOW).set_index("quarter")
    assert table.index.tolist() == ["2026/27 Q1", "2026/27 Q2", TOTAL]
    # Q1: C1, C2 both with an outcome, C2 urgent -> 1 of 2
    q1 = table.loc["2026/27 Q1"]
    assert (q1["triaged"], q1["outcome_recorded"], q1["immediate"]) == (2, 2, 1)
    # Q2: C3, C4, C5, C6; C4 has no outcome -> 1 (C6) of 3
    q2 = table.loc["2026/27 Q2"]
    assert (q2["triaged"], q2["outcome_recorded"], q2["outcome_not_recorded"], q2["immediate"]) == (4, 3, 1, 1)
    assert q2["pct_immediate"] == pytest.approx(100 / 3)
    low, high = wilson_interval(2, 5)
    total = table.loc[TOTAL]
    assert (total["immediate"], total["outcome_recorded"]) == (2, 5)
    assert (total["lower"], total["upper"]) == (pytest.approx(100 * low), pytest.approx(100 * high))
    assert "to_pag_urgent" in total["method"]


def test_immediate_action_quarter_without_cases_has_no_share():
    empty = immediate_action(CASES.iloc[:0], window=WINDOW)
    assert empty["triaged"].tolist() == [0, 0, 0] and empty["pct_immediate"].isna().all()


def test_disagreements_compare_the_recorded_level_with_the_band_of_the_scores():
    found = level_disagreements(triaged_in(CASES, WINDOW), bands=BANDS)
    assert found["case_id"].tolist() == ["C4"]
    row = found.iloc[0]
    assert (row["risk_level"], row["scores_level"], row["where_found"]) == ("high", "low", "store")
    # bands changed after ingest: 4 is now low, so C1 (2 x 2, moderate) disagrees too
    moved = level_disagreements(triaged_in(CASES, WINDOW), bands={**BANDS, "low": (1, 4), "moderate": (5, 6)})
    assert moved["case_id"].tolist() == ["C1", "C4"]
    # C6 (one score missing) and C5 (nothing recorded) are never compared
    assert not {"C5", "C6"} & set(moved["case_id"])


def test_disagreement_summary_store_quarantine_total():
    found = level_disagreements(triaged_in(CASES, WINDOW), bands=BANDS)
    quarantined = level_disagreements(CASES.iloc[[0]], bands=BANDS, where_found="quarantine", keep_all=True)
    both = pd.concat([found, quarantined])
    assert disagreement_summary(both)["cases"].tolist() == [1, 1, 2]
    from_manifest = disagreement_summary(found, quarantined=4, quarantine_note="from the manifest")
    assert from_manifest["cases"].tolist() == [1, 4, 5]
    assert from_manifest["method"].iloc[0].endswith("from the manifest")
