"""The triage and risk-stratification tables (issue 5, Appendix 2) of the lessons-learnt section.

Scope decisions (see also the stratification module docstring):
- Cases covered: those triaged in `inputs.lessons_window` (the quarter of `date_triaged`); missing scores,
  levels and outcomes are their own "not recorded" row or column.
- Immediate action = triage outcome `to_pag_urgent` (the data model has no immediate-action field).
- Disagreeing levels: the stored cases of the scope triaged in the window whose level is not the band of
  their scores under the current `config.risk_bands`, plus the rows ingest quarantined under the
  risk-band rule, read from `<store>/quarantine/cases.csv` and narrowed to the same scope and window
  (a quarantined row whose triage date is missing or unreadable counts by its date received). When the
  store folder is not known or the file is gone, the quarantine count is the ingest manifest's, which
  covers the whole extract (every region and date), and the method says so. The case list is built only
  in internal mode, like timeliness' `contact_gap_cases`; publication mode gets the counts alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lotus_analytics import schema
from lotus_analytics.disclosure import DisclosureSpec
from lotus_analytics.reports.inputs import Inputs, in_scope
from lotus_analytics.store import QUARANTINE_DIR
from lotus_analytics import stratification as strat

RISK_BAND_RULE = next(r for r in schema.CONSISTENCY_RULES if r.check == "risk_band")
# The manifest counts quarantined rows per rule name; "consistency" on cases is the risk-band rule alone.
MANIFEST_RULE = "consistency"
MANIFEST_NOTE = ("quarantine count from the ingest manifest: every row of the extract quarantined under this rule, "
                 "all regions and dates (the quarantine file was not read)")

TITLES = {
    "strat_risk_matrix": "Risk matrix: cases triaged by severity and likelihood score",
    "strat_level_by_domain": "Risk level by concern domain (a case counts once in each of its domains)",
    "strat_level_by_source": "Risk level by concern source",
    "strat_outcome_by_level": "Triage outcome by risk level",
    "strat_immediate_action": "Immediate action (urgent referral to PAG) at triage by quarter",
    "strat_level_disagreement": "Cases whose recorded risk level disagrees with their scores",
    "strat_level_disagreement_cases": "Cases whose recorded risk level disagrees with their scores (internal only)",
}


def _level_spec(columns: list[str], total_row_key: str | None = None) -> DisclosureSpec:
    """Counts per column with their row total, row percentages recomputed from the rounded counts."""
    return DisclosureSpec(counts=(*columns, "total"), rates={f"pct_{c}": (c, "total", 100) for c in columns},
                          row_totals={"total": tuple(columns)}, total_row_key=total_row_key)


MATRIX_COLUMNS = (*strat.LIKELIHOOD_COLUMNS, strat.LIKELIHOOD_NOT_RECORDED)
SPECS: dict[str, DisclosureSpec] = {
    "strat_risk_matrix": DisclosureSpec(counts=(*MATRIX_COLUMNS, "total"), row_totals={"total": MATRIX_COLUMNS},
                                        total_row_key="severity"),
    "strat_level_by_domain": _level_spec(strat.LEVEL_COLUMNS),  # domain rows do not add up: no total row
    "strat_level_by_source": _level_spec(strat.LEVEL_COLUMNS, "source"),
    "strat_outcome_by_level": _level_spec(strat.OUTCOME_COLUMNS, "risk_level"),
    "strat_immediate_action": DisclosureSpec(
        counts=("triaged", "outcome_recorded", "outcome_not_recorded", "immediate"),
        statistics={"lower": ("immediate", "outcome_recorded"), "upper": ("immediate", "outcome_recorded")},
        rates={"pct_immediate": ("immediate", "outcome_recorded", 100)},
        row_totals={"triaged": ("outcome_recorded", "outcome_not_recorded")},
        total_row_key="quarter",
    ),
    "strat_level_disagreement": DisclosureSpec(counts=("cases",), total_row_key="where_found"),
    "strat_level_disagreement_cases": DisclosureSpec(counts=()),
}


def manifest_quarantined(manifest: dict) -> int:
    """Rows of the cases table ingest quarantined under the risk-band rule, per the manifest (0 when absent)."""
    entry = manifest.get("tables", {}).get("cases", {})
    return int(entry.get("quarantined_by_rule", {}).get(MANIFEST_RULE, 0))


def read_quarantined(store_dir: Path) -> pd.DataFrame | None:
    """The quarantined cases rows that broke the risk-band rule, typed as the store's cases (None: no file).

    Quarantine files keep the original text; they are parsed with ingest's own parser (imported here, on
    demand: it loads Great Expectations, which costs seconds and is needed only when such rows exist).
    """
    path = Path(store_dir) / QUARANTINE_DIR / "cases.csv"
    if not path.is_file():
        return None
    from lotus_analytics.ingest.parsing import parse_table

    text = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    broke = [any(rule == MANIFEST_RULE and column == RISK_BAND_RULE.column
                 for rule, column in zip(rules.split("; "), columns.split("; ")))
             for rules, columns in zip(text["rule"], text["column"])]
    typed, _ = parse_table(text[broke].reset_index(drop=True), schema.TABLES["cases"])
    return typed


def _quarantined_in(inputs: Inputs, typed: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows of the scope triaged in the window (by date received when the triage date is unreadable)."""
    mine = in_scope(typed, inputs.scope)
    when = mine["date_triaged"].fillna(mine["date_received"])
    window = inputs.lessons_window
    return mine[(when >= window.start) & (when <= window.end)]


def _disagreement(inputs: Inputs) -> dict[str, pd.DataFrame]:
    bands = inputs.config.risk_bands
    stored = strat.level_disagreements(strat.triaged_in(inputs.cases, inputs.lessons_window), bands=bands)
    expected = manifest_quarantined(inputs.store.manifest)
    store_dir = inputs.store.path
    typed = read_quarantined(store_dir) if expected and store_dir is not None else None
    if typed is None:
        summary = strat.disagreement_summary(stored, quarantined=expected,
                                             quarantine_note=MANIFEST_NOTE if expected else "")
        found = stored
    else:
        quarantined = strat.level_disagreements(_quarantined_in(inputs, typed), bands=bands,
                                                where_found=strat.QUARANTINE, keep_all=True)
        found = pd.concat([stored, quarantined], ignore_index=True) if len(quarantined) else stored
        summary = strat.disagreement_summary(found)
    tables = {"strat_level_disagreement": summary}
    if inputs.config.disclosure.mode == "internal":
        tables["strat_level_disagreement_cases"] = found
    return tables


def stratification_tables(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """Every triage and risk-stratification table of one scope (unpublished: `published_tables` applies disclosure).

    The quarantine file is read from the store's folder; a store built in memory (no folder) counts the
    quarantined rows from the ingest manifest's whole-extract figure instead.
    """
    window = inputs.lessons_window
    cases = inputs.cases
    return {
        "strat_risk_matrix": strat.risk_matrix(cases, window=window),
        "strat_level_by_domain": strat.level_by_domain(cases, window=window),
        "strat_level_by_source": strat.level_by_source(cases, window=window),
        "strat_outcome_by_level": strat.outcome_by_level(cases, window=window),
        "strat_immediate_action": strat.immediate_action(cases, window=window,
                                                   confidence=inputs.config.inequalities.confidence),
        **_disagreement(inputs),
    }
