"""Triage and risk stratification (Appendix 2): the risk matrix, risk levels by concern domain and
source, triage outcomes by level, immediate action, and recorded levels that disagree with their scores.

Cases covered: those triaged in the window (the quarter of `date_triaged`), because every measure here
describes the triage decision, which is made (and scored) on that date; a case not yet triaged has no
level or outcome to describe. Within those cases a missing score, level or outcome is never dropped: it
is counted in its own "not recorded" row or column, so gaps in recording stay visible.

Immediate action: the data model has no field for it; the only immediate step the extract records at
triage is an urgent referral to PAG (`triage_outcome` = `to_pag_urgent`), so that is the definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.periods import FinancialQuarter, Window, quarter_labels, quarter_range
from lotus_analytics.stats import percent_with_interval

NOT_RECORDED = "not recorded"
TOTAL = "total"
ALL_DOMAINS = "all domains"
IMMEDIATE_OUTCOME = "to_pag_urgent"
SCORES = tuple(range(1, 6))
LIKELIHOOD_COLUMNS = [f"likelihood_{s}" for s in SCORES]
LIKELIHOOD_NOT_RECORDED = "likelihood_not_recorded"
LEVEL_COLUMNS = [*schema.RISK_LEVELS, "not_recorded"]
OUTCOME_COLUMNS = [*schema.TRIAGE_OUTCOMES, "outcome_not_recorded"]
STORE, QUARANTINE = "store", "quarantine"

COVERED = "cases triaged in the window (quarter of date_triaged)"
MATRIX_METHOD = (f"{COVERED}; counts by triage severity (rows) x likelihood (columns) score, 1-5; a missing score "
                 "is its own 'not recorded' row or column; the total row and column add up every cell")
DOMAIN_METHOD = (f"{COVERED}; a case with several concern domains counts once in each of its domains, so the domain "
                 "rows add up to more than the 'all domains' row, which counts each case once; percentages of the "
                 "row's cases, a missing risk level counted as 'not recorded'")
SOURCE_METHOD = (f"{COVERED}; one concern source per case, so the rows add up to the total; percentages of the row's "
                 "cases, a missing risk level counted as 'not recorded'")
OUTCOME_METHOD = (f"{COVERED}; triage outcome by recorded risk level, missing level or outcome counted as 'not "
                  "recorded'; percentages of the row's cases")
IMMEDIATE_METHOD = (f"{COVERED}, by quarter of triage; immediate action = triage outcome to_pag_urgent (the only "
                    "immediate step the extract records: the data model has no immediate-action field); share of "
                    "the cases with a triage outcome recorded, with the Wilson score interval "
                    "(PHEindicatormethods); cases with no outcome recorded are counted apart")
DISAGREEMENT_METHOD = (
    "recorded risk level that is not the configured band (config risk_bands) of severity x likelihood: "
    "store = stored cases triaged in the window with both scores and a level, compared with the current bands "
    "(they can differ when the bands changed after ingest); quarantine = rows ingest kept out of the store for "
    "this rule (rule 'consistency' on risk_level)"
)


def triaged_in(cases: pd.DataFrame, window: Window) -> pd.DataFrame:
    """The cases whose triage was completed in the window (start and end inclusive)."""
    return cases[(cases["date_triaged"] >= window.start) & (cases["date_triaged"] <= window.end)]


def _recorded(values: pd.Series, codes: tuple[str, ...]) -> pd.Categorical:
    """Values as a categorical over `codes` plus "not recorded" (anything missing or outside the codes)."""
    text = values.astype(object).where(values.isin(codes), NOT_RECORDED)
    return pd.Categorical(text, categories=[*codes, NOT_RECORDED])


def _crosstab(rows: pd.Categorical, columns: pd.Categorical, column_names: list[str]) -> pd.DataFrame:
    """Counts of every (row, column) category pair, zeros included, columns renamed to `column_names`."""
    width = len(columns.categories)
    counts = np.bincount(np.asarray(rows.codes, dtype=np.int64) * width + columns.codes,
                         minlength=len(rows.categories) * width).reshape(len(rows.categories), width)
    return pd.DataFrame(counts, index=pd.Index(rows.categories, dtype=object), columns=column_names)


def _with_totals(table: pd.DataFrame, key: str, *, total_row: bool = True) -> pd.DataFrame:
    """The table with a `total` column (sum of its count columns), the row labels in `key` and a total row."""
    out = table.assign(total=table.sum(axis=1))
    if total_row:
        out = pd.concat([out, out.sum().to_frame(TOTAL).T])
    return out.rename_axis(key).reset_index().astype({key: str})


def _percentages(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """pct_<column>: 100 x column / total of the row (NaN for an empty row)."""
    total = table["total"].where(table["total"] > 0)
    return table.assign(**{f"pct_{c}": 100 * table[c] / total for c in columns})


def risk_matrix(cases: pd.DataFrame, *, window: Window) -> pd.DataFrame:
    """Severity x likelihood counts of the cases triaged in the window, "not recorded" row and column included.

    Columns: severity ("1".."5", "not recorded", "total"), likelihood_1 .. likelihood_5,
    likelihood_not_recorded, total, window, method.
    """
    covered = triaged_in(cases, window)
    codes = tuple(str(s) for s in SCORES)
    severity, likelihood = (_recorded(covered[c].astype("Int64").astype(str), codes)
                            for c in ("risk_severity", "risk_likelihood"))
    table = _with_totals(_crosstab(severity, likelihood, [*LIKELIHOOD_COLUMNS, LIKELIHOOD_NOT_RECORDED]), "severity")
    return table.assign(window=window.label, method=MATRIX_METHOD)


def _level_table(groups: pd.Categorical, levels: pd.Series, key: str, *, total_row: bool) -> pd.DataFrame:
    table = _with_totals(_crosstab(groups, _recorded(levels, schema.RISK_LEVELS), LEVEL_COLUMNS), key,
                         total_row=total_row)
    return _percentages(table, LEVEL_COLUMNS)


def level_by_domain(cases: pd.DataFrame, *, window: Window) -> pd.DataFrame:
    """Risk level by concern domain: "all domains" (each case once) first, then each domain (a case in each of its own).

    Columns: domain, low, moderate, high, extreme, not_recorded, total, pct_low .. pct_not_recorded, window, method.
    """
    covered = triaged_in(cases, window)
    domains = schema.split_set(covered["concern_domains"])
    long = pd.DataFrame({"domain": domains, "risk_level": covered["risk_level"]}).explode("domain")
    long = long[long["domain"].isin(schema.CONCERN_DOMAINS)]
    each = _level_table(pd.Categorical(long["domain"], categories=schema.CONCERN_DOMAINS), long["risk_level"],
                        "domain", total_row=False)
    every = _level_table(pd.Categorical([ALL_DOMAINS] * len(covered), categories=[ALL_DOMAINS]),
                         covered["risk_level"], "domain", total_row=False)
    return pd.concat([every, each], ignore_index=True).assign(window=window.label, method=DOMAIN_METHOD)


def level_by_source(cases: pd.DataFrame, *, window: Window) -> pd.DataFrame:
    """Risk level by concern source (every source, zeros included) with a total row.

    Columns: source, low, moderate, high, extreme, not_recorded, total, pct_low .. pct_not_recorded, window, method.
    """
    covered = triaged_in(cases, window)
    sources = _recorded(covered["concern_source"], schema.CONCERN_SOURCES)
    table = _level_table(sources, covered["risk_level"], "source", total_row=True)
    shown = (table["source"] != NOT_RECORDED) | (table["total"] > 0)  # an unknown source only when there is one
    return table[shown].reset_index(drop=True).assign(window=window.label,
                                                                                method=SOURCE_METHOD)


def outcome_by_level(cases: pd.DataFrame, *, window: Window) -> pd.DataFrame:
    """Triage outcome by risk level (rows low .. extreme, not recorded, total).

    Columns: risk_level, closed_nfa, local_resolution, to_pag, to_pag_urgent, outcome_not_recorded, total,
    pct_<each outcome column>, window, method.
    """
    covered = triaged_in(cases, window)
    table = _with_totals(_crosstab(_recorded(covered["risk_level"], schema.RISK_LEVELS),
                                   _recorded(covered["triage_outcome"], schema.TRIAGE_OUTCOMES), OUTCOME_COLUMNS),
                         "risk_level")
    return _percentages(table, OUTCOME_COLUMNS).assign(window=window.label, method=OUTCOME_METHOD)


def immediate_action(cases: pd.DataFrame, *, window: Window, confidence: float = 0.95) -> pd.DataFrame:
    """Share of triaged cases with immediate action (to_pag_urgent) by quarter of triage, and over the window.

    One row per quarter of the window (no gaps) and a "total" row. Columns: quarter, triaged,
    outcome_recorded, outcome_not_recorded, immediate, pct_immediate, lower, upper (Wilson interval,
    0-100; NaN when no outcome is recorded), window, method.
    """
    covered = triaged_in(cases, window)
    quarters = [q.label for q in quarter_range(FinancialQuarter.containing(window.start),
                                               FinancialQuarter.containing(window.end))]
    quarter = pd.Categorical(quarter_labels(covered["date_triaged"]), categories=quarters)
    recorded = covered["triage_outcome"].isin(schema.TRIAGE_OUTCOMES).to_numpy(dtype=bool)
    immediate = (covered["triage_outcome"] == IMMEDIATE_OUTCOME).fillna(False).to_numpy(dtype=bool)
    counts = pd.DataFrame({"triaged": 1, "outcome_recorded": recorded.astype(int),
                           "outcome_not_recorded": (~recorded).astype(int), "immediate": immediate.astype(int)})
    table = counts.groupby(quarter, observed=False).sum().reindex(quarters, fill_value=0)
    table = pd.concat([table, table.sum().to_frame(TOTAL).T]).rename_axis("quarter").reset_index()
    pct, lower, upper = percent_with_interval(table["immediate"], table["outcome_recorded"], confidence)
    return table.assign(pct_immediate=pct, lower=lower, upper=upper, window=window.label, method=IMMEDIATE_METHOD)


def scores_level(cases: pd.DataFrame, bands: dict[str, tuple[int, int]]) -> pd.Series:
    """The configured band of each case's severity x likelihood (missing when a score is missing or no band holds it)."""
    severity, likelihood = cases["risk_severity"].astype("Int64"), cases["risk_likelihood"].astype("Int64")
    level = schema.risk_level_for(severity, likelihood, bands).astype(object)
    return level.where(level.notna(), None)


DISAGREEMENT_COLUMNS = ["case_id", "date_received", "risk_severity", "risk_likelihood", "risk_level", "scores_level",
                        "where_found"]


def level_disagreements(cases: pd.DataFrame, *, bands: dict[str, tuple[int, int]], where_found: str = STORE,
                        keep_all: bool = False) -> pd.DataFrame:
    """The cases whose recorded risk level is not the band of their scores under `bands` (the data-quality list).

    Compared only where both scores and a level are recorded and the product falls in a band (as ingest
    does). `keep_all` keeps every row given (for rows ingest already quarantined under this rule: the bands
    may have changed since, but they are still out of the store). Columns: DISAGREEMENT_COLUMNS, sorted by
    date received.
    """
    banded = scores_level(cases, bands)
    recorded = cases["risk_level"].isin(schema.RISK_LEVELS) & banded.notna()
    differs = recorded & (cases["risk_level"].astype(object) != banded)
    keep = np.ones(len(cases), dtype=bool) if keep_all else differs.to_numpy(dtype=bool)
    out = cases.assign(scores_level=banded, where_found=where_found)[keep]
    return out.reindex(columns=DISAGREEMENT_COLUMNS).sort_values(["date_received", "case_id"], kind="stable",
                                                                 ignore_index=True)


def disagreement_summary(disagreements: pd.DataFrame, *, quarantined: int | None = None,
                         quarantine_note: str = "") -> pd.DataFrame:
    """Counts of disagreeing cases by where they were found (store, quarantine) and in total.

    `quarantined` overrides the quarantine count when the quarantine rows themselves are not at hand (e.g.
    the ingest manifest's count); `quarantine_note` then says what that count covers.
    Columns: where_found, cases, method.
    """
    found = disagreements["where_found"].value_counts()
    counts = {STORE: int(found.get(STORE, 0)),
              QUARANTINE: int(found.get(QUARANTINE, 0)) if quarantined is None else int(quarantined)}
    rows = pd.DataFrame({"where_found": [*counts, TOTAL], "cases": [*counts.values(), sum(counts.values())]})
    return rows.assign(method=DISAGREEMENT_METHOD + (f"; {quarantine_note}" if quarantine_note else ""))
