"""The triage and risk-stratification tables and figures (issue 5, Appendix 2): a tiny ingested extract with
wrong risk levels for the data-quality count and list, the seeded synthetic extract for counts made here
from its rows, and disclosure control of every published table."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from ingest_helpers import EXTRACT_DATE, rows, write_extract

from lotus_analytics.config import load_config
from lotus_analytics.disclosure import SUPPRESSED, apply_disclosure
from lotus_analytics.periods import FinancialQuarter
from lotus_analytics.reports.inputs import Inputs, Scope
from lotus_analytics.reports.stratification_figures import STRATIFICATION_HEADINGS, stratification_html
from lotus_analytics.reports.stratification_tables import MANIFEST_NOTE, SPECS, TITLES, stratification_tables
from lotus_analytics.store import load_store

INTERNAL = {"report.disclosure_mode": "internal"}
# The tiny extract is dated 31 December 2024: report quarter 2024/25 Q3, lessons window from 2023/24 Q4
# (the rolling two years: 1 January 2023 to 31 December 2024). Template case: received 1 Feb 2024,
# triaged 5 Feb 2024, severity 2 x likelihood 2 = 4, level moderate, North West, QOP, medical.
TINY_SCOPE = Scope(FinancialQuarter.parse("2024/25 Q3"), "North West")
WRONG = {"risk_level": "high"}  # 2 x 2 = 4 is moderate: ingest quarantines the row (rule consistency)


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory):
    from lotus_analytics.ingest import ingest  # loads Great Expectations: only here

    root = tmp_path_factory.mktemp("strat")
    cases = rows("cases",
                 {},                                                  # C1 stored, moderate (agrees)
                 {"risk_severity": "1", "risk_likelihood": "3", "risk_level": "low"},  # C1_1 stored, 3 = low
                 WRONG,                                               # C1_2 quarantined, in scope
                 {**WRONG, "date_triaged": ""},                       # C1_3 quarantined, no triage date
                 {**WRONG, "date_received": "01/02/2022", "date_triaged": "05/02/2022"},  # C1_4 before the window
                 {**WRONG, "region": "London", "icb_code": "QKK"})   # C1_5 another region
    store = root / "store"
    ingest(write_extract(root / "x", {"cases": cases}), store, extract_date=EXTRACT_DATE)
    return store


def test_the_tiny_extract_quarantined_four_rows_by_the_risk_band_rule(tiny_store):
    manifest = load_store(tiny_store).manifest
    assert manifest["tables"]["cases"]["quarantined_by_rule"] == {"consistency": 4}
    assert manifest["tables"]["cases"]["rows_stored"] == 2


def test_disagreement_counts_stored_cases_under_the_current_bands_and_quarantined_rows_of_the_scope(tiny_store):
    # bands changed after ingest: 4 is now low, so the stored C1 (2 x 2, moderate) disagrees; C1_1 (3, low) does not
    config = load_config(overrides={**INTERNAL, "risk_bands.low": [1, 4], "risk_bands.moderate": [5, 6]})
    tables = stratification_tables(Inputs(load_store(tiny_store), TINY_SCOPE, config))
    summary = tables["strat_level_disagreement"].set_index("where_found")["cases"]
    # quarantine: C1_2 and C1_3 (received in the window); not C1_4 (2022) nor C1_5 (London)
    assert summary.to_dict() == {"store": 1, "quarantine": 2, "total": 3}
    listed = tables["strat_level_disagreement_cases"]
    assert list(listed.columns) == ["case_id", "date_received", "risk_severity", "risk_likelihood", "risk_level",
                                    "scores_level", "where_found"]
    by_case = listed.set_index("case_id")
    assert by_case.loc["C1", ["risk_level", "scores_level", "where_found"]].tolist() == ["moderate", "low", "store"]
    assert by_case.loc["C1_2", ["risk_level", "scores_level", "where_found"]].tolist() == ["high", "low",
                                                                                         "quarantine"]
    assert set(by_case.index) == {"C1", "C1_2", "C1_3"}
    assert by_case.loc["C1_3", "date_received"] == pd.Timestamp("2024-02-01")
    html = stratification_html({name: apply_disclosure(t, SPECS[name], mode="internal") for name, t in tables.items()},
                               config=config)["Recorded level and scores"]
    assert "(internal only)" in html and "<td>C1_2</td>" in html and "<td>2024-02-01</td>" in html


def test_with_the_ingest_bands_only_the_quarantined_rows_disagree(tiny_store):
    config = load_config(overrides=INTERNAL)
    tables = stratification_tables(Inputs(load_store(tiny_store), TINY_SCOPE, config))
    assert tables["strat_level_disagreement"]["cases"].tolist() == [0, 2, 2]
    # under the ingest bands the quarantined rows' scores give moderate, their recorded level high
    assert (tables["strat_level_disagreement_cases"]["scores_level"] == "moderate").all()


def test_without_the_store_folder_the_quarantine_count_is_the_manifests(tiny_store):
    in_memory = dataclasses.replace(load_store(tiny_store), path=None)
    tables = stratification_tables(Inputs(in_memory, TINY_SCOPE, load_config(overrides=INTERNAL)))
    summary = tables["strat_level_disagreement"]
    assert summary["cases"].tolist() == [0, 4, 4]  # the whole extract, every region and date
    assert MANIFEST_NOTE in summary["method"].iloc[0]


def test_publication_mode_has_counts_only_and_hides_small_ones(tiny_store):
    config = load_config()
    tables = stratification_tables(Inputs(load_store(tiny_store), TINY_SCOPE, config))
    assert "strat_level_disagreement_cases" not in tables
    published = apply_disclosure(tables["strat_level_disagreement"], SPECS["strat_level_disagreement"],
                                 mode="publication")
    assert published["cases"].tolist() == [0, SUPPRESSED, SUPPRESSED]
    html = stratification_html({name: apply_disclosure(t, SPECS[name], mode="publication")
                                for name, t in tables.items()}, config=config)
    assert "C1_2" not in "".join(html.values()) and "internal only" not in "".join(html.values())


# The seeded synthetic extract (conftest `ingested`): report quarter 2026/27 Q2, lessons window
# 2024/25 Q3 - 2026/27 Q2 (1 October 2024 to 30 September 2026).
SCOPE = Scope(FinancialQuarter.parse("2026/27 Q2"), "North West")
START, END = pd.Timestamp("2024-10-01"), pd.Timestamp("2026-09-30")


@pytest.fixture(scope="module")
def seeded(ingested) -> dict[str, pd.DataFrame]:
    return stratification_tables(Inputs(load_store(ingested.store), SCOPE, load_config()))


def test_counts_match_the_rows_of_the_extract(ingested, seeded):
    cases = ingested.extract.cases
    triaged = cases[(cases["date_triaged"] >= START) & (cases["date_triaged"] <= END)]
    matrix = seeded["strat_risk_matrix"].set_index("severity")
    assert matrix.loc["total", "total"] == len(triaged)
    assert matrix.loc["3", "likelihood_4"] == int(((triaged["risk_severity"] == 3)
                                                  & (triaged["risk_likelihood"] == 4)).sum())
    urgent = seeded["strat_immediate_action"].set_index("quarter").loc["total"]
    assert urgent["immediate"] == int((triaged["triage_outcome"] == "to_pag_urgent").sum())
    by_source = seeded["strat_level_by_source"].set_index("source")
    assert by_source.loc["patient", "high"] == int(((triaged["concern_source"] == "patient")
                                                    & (triaged["risk_level"] == "high")).sum())
    clinical = seeded["strat_level_by_domain"].set_index("domain").loc["clinical", "total"]
    assert clinical == int(triaged["concern_domains"].str.split(";").map(lambda d: "clinical" in d).sum())
    assert seeded["strat_level_disagreement"]["cases"].tolist() == [0, 0, 0]  # the generator bands every level


def test_every_table_has_a_title_and_spec_and_a_method(seeded):
    assert set(seeded) <= set(SPECS) == set(TITLES)
    assert all(name.startswith("strat_") for name in SPECS)
    assert all(t["method"].astype(str).str.len().gt(20).all() for t in seeded.values())


def _counts_published(table: pd.DataFrame, columns: tuple[str, ...]) -> None:
    for column in columns:
        for value in table[column]:
            assert value == SUPPRESSED or (int(value) % 5 == 0), (column, value)


@pytest.mark.parametrize("icb", [None, "QOP"])
def test_published_tables_hide_1_to_7_and_what_rests_on_them(ingested, icb):
    scope = Scope(SCOPE.quarter, SCOPE.region, icb=icb)
    raw = stratification_tables(Inputs(load_store(ingested.store), scope, load_config()))
    hidden_any = False
    for name, table in raw.items():
        spec = SPECS[name]
        published = apply_disclosure(table, spec, mode="publication")
        _counts_published(published, spec.counts)
        for column in spec.counts:  # a raw 1-7 is always hidden
            small = table[column].between(1, 7).to_numpy()
            assert (published[column].to_numpy()[small] == SUPPRESSED).all(), (name, column)
            hidden_any |= small.any()
        for rate, (numerator, denominator, _) in spec.rates.items():
            rests = table[numerator].between(1, 7) | table[denominator].between(1, 7)
            assert (published.loc[rests.to_numpy(), rate] == SUPPRESSED).all(), (name, rate)
        for statistic, bases in spec.statistics.items():
            rests = np.logical_or.reduce([table[b].between(1, 7).to_numpy() for b in bases])
            assert (published.loc[rests, statistic] == SUPPRESSED).all(), (name, statistic)
    assert hidden_any  # the check above had something to check


def test_html_parts_draw_published_tables_with_accessible_charts(seeded):
    config = load_config()
    published = {name: apply_disclosure(t, SPECS[name], mode="publication") for name, t in seeded.items()}
    parts = stratification_html(published, config=config)
    assert tuple(parts) == STRATIFICATION_HEADINGS
    labels = re.findall(r'<svg role="img" aria-label="([^"]*)"', "".join(parts.values()))
    assert len(labels) == 5 and all(len(label) > 60 for label in labels)
    assert "configured risk band" in parts["Risk matrix"] and "not recorded" in parts["Risk matrix"]
    assert "counts once in each of its domains" in parts["Risk level by concern domain and source"]
    assert "to_pag_urgent" in parts["Immediate action"]
    assert SUPPRESSED in parts["Risk level by concern domain and source"]  # small cells are hidden, not drawn
    assert "<table" in parts["Recorded level and scores"]
