"""The triage and risk-stratification figures (issue 5, Appendix 2) of the report and the dashboard page,
drawn from published tables (cells may be "*"); each chart has its table beside it."""

from __future__ import annotations

import html

import pandas as pd

from lotus_analytics import charts, schema
from lotus_analytics.charts.stratification import heatmap, share_chart
from lotus_analytics.config import Config
from lotus_analytics.disclosure import SUPPRESSED
from lotus_analytics.reports.html import figure_html, table_html
from lotus_analytics.reports.stratification_tables import MATRIX_COLUMNS, TITLES
from lotus_analytics.stratification import LEVEL_COLUMNS, NOT_RECORDED, OUTCOME_COLUMNS, TOTAL

LABELS = {**{c: c.replace("_", " ") for c in (*LEVEL_COLUMNS, *OUTCOME_COLUMNS)},
          "not_recorded": NOT_RECORDED, "outcome_not_recorded": NOT_RECORDED, "to_pag_urgent": "PAG, urgent",
          "to_pag": "PAG", "closed_nfa": "closed (NFA)",
          **{c: c.removeprefix("likelihood_").replace("_", " ") for c in MATRIX_COLUMNS}}
PCT_HEADERS = {f"pct_{c}": f"% {label}" for c, label in LABELS.items()}
HEADERS = {"severity": "Severity \\ likelihood", "domain": "Concern domain", "source": "Concern source",
           "risk_level": "Risk level", "total": "Total", **LABELS, **PCT_HEADERS}
IMMEDIATE_HEADERS = {"quarter": "Quarter triaged", "triaged": "Triaged", "outcome_recorded": "Outcome recorded",
                     "immediate": "Immediate action", "pct_immediate": "% immediate", "lower": "Lower",
                     "upper": "Upper", "outcome_not_recorded": "Outcome not recorded"}
DISAGREEMENT_HEADERS = {"where_found": "Where found", "cases": "Cases"}
CASE_HEADERS = {"case_id": "Case", "date_received": "Received", "risk_severity": "Severity",
                "risk_likelihood": "Likelihood", "risk_level": "Recorded level", "scores_level": "Level of the scores",
                "where_found": "Where found"}
DOMAIN_NOTE = ("A case with several concern domains counts once in each of its domains, so the domain rows add up "
               "to more than 'all domains', which counts each case once.")


def _percent(value: object) -> str:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return "" if pd.isna(number) else f"{number:.0f}%"


def _row_label(value: object) -> str:
    """A row key as readers know it: "nhsbsa" -> "NHSBSA", "not_recorded" -> "not recorded"."""
    return LABELS.get(value) or str(schema.display_label(value)).replace("_", " ")


def _shown(table: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    shown = table[[c for c in headers if c in table.columns]]
    return shown.assign(**{c: shown[c].map(_row_label) for c in ("domain", "source") if c in shown.columns})


def _rounded(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Percentages and intervals to one decimal for the table view ("*" and blanks kept)."""
    out = table.copy()
    for c in columns:
        number = pd.to_numeric(out[c], errors="coerce")
        out[c] = out[c].where(number.isna() | out[c].astype(str).eq(SUPPRESSED), number.round(1))
    return out


def _level_cells(table: pd.DataFrame, key: str, columns: list[str]) -> pd.DataFrame:
    """A wide count table (rows but the total) as heat-map cells shaded by the row percentage."""
    rows = table[table[key] != TOTAL]
    frames = [pd.DataFrame({"x": LABELS[c], "y": rows[key].map(_row_label),
                            "label": rows[c].astype(str), "detail": rows[f"pct_{c}"].map(_percent),
                            "shade": charts.numeric(rows[f"pct_{c}"])})
              for c in columns]
    return pd.concat(frames, ignore_index=True)


def _level_figure(table: pd.DataFrame, name: str, key: str, columns: list[str], *, what: str, note: str,
                  config: Config) -> str:
    cells = _level_cells(table, key, columns)
    chart = heatmap(cells, title=TITLES[name], x_title="Risk level" if key != "risk_level" else "Triage outcome",
                    x_order=[LABELS[c] for c in columns], y_order=list(dict.fromkeys(cells["y"])),
                    shade_title="% of the row's cases",
                    description=(f"Heat map of triaged cases by {what}: each cell gives the number of cases and "
                                 "its percentage of the row; shading is the percentage. " + note).strip())
    view = table_html(_rounded(_shown(table, HEADERS), [c for c in PCT_HEADERS if c in table.columns]),
                      TITLES[name], disclosure=config.disclosure, headers=HEADERS)
    return figure_html(charts.to_svg(chart), note or TITLES[name], view)


def matrix_figure(table: pd.DataFrame, *, config: Config) -> str:
    """Severity x likelihood counts as a heat map, each scored cell outlined in its configured risk band."""
    rows = table[table["severity"] != TOTAL]
    frames = []
    for column in MATRIX_COLUMNS:
        likelihood = LABELS[column]
        scores = pd.Series(pd.to_numeric(likelihood, errors="coerce"), index=rows.index, dtype=float)
        band = schema.risk_level_for(pd.to_numeric(rows["severity"], errors="coerce"), scores,
                                     config.risk_bands).fillna("")
        frames.append(pd.DataFrame({"x": likelihood, "y": rows["severity"], "label": rows[column].astype(str),
                                    "detail": band, "band": band, "shade": charts.numeric(rows[column])}))
    cells = pd.concat(frames, ignore_index=True)
    bands = ", ".join(f"{name} {low}-{high}" for name, (low, high) in config.risk_bands.items())
    chart = heatmap(cells, title=TITLES["strat_risk_matrix"], x_title="Likelihood score",
                    x_order=[LABELS[c] for c in MATRIX_COLUMNS], y_order=list(rows["severity"]),
                    shade_title="Cases", outline=True,
                    description=("Heat map of triaged cases by severity score (rows) and likelihood score (columns), "
                                 "1 to 5 and not recorded; shading and the number give the cases in each cell; each "
                                 f"scored cell is outlined and labelled with its configured risk band ({bands} of "
                                 "severity x likelihood)."))
    view = table_html(_shown(table, HEADERS), TITLES["strat_risk_matrix"], disclosure=config.disclosure,
                      headers=HEADERS)
    caption = (f"Cases triaged in the period. Outline and small label: the configured risk band of the cell ({bands}). "
               "Missing scores are shown as 'not recorded'.")
    return figure_html(charts.to_svg(chart), caption, view)


def immediate_figure(table: pd.DataFrame, *, config: Config) -> str:
    """Share of triaged cases referred urgently to PAG by quarter, Wilson intervals, with its table."""
    quarters = table[table["quarter"] != TOTAL]
    chart = share_chart(quarters.rename(columns={"quarter": "period", "pct_immediate": "share"}),
                        title=TITLES["strat_immediate_action"], what="triaged cases referred urgently to PAG",
                        confidence=config.inequalities.confidence)
    view = table_html(_rounded(_shown(table, IMMEDIATE_HEADERS), ["pct_immediate", "lower", "upper"]),
                      TITLES["strat_immediate_action"], disclosure=config.disclosure, headers=IMMEDIATE_HEADERS)
    caption = ("Immediate action = a triage outcome of urgent referral to PAG (to_pag_urgent), the only immediate "
               "step the extract records; percentage of the cases with an outcome recorded, Wilson interval.")
    return figure_html(charts.to_svg(chart), caption, view)


def disagreement_tables(tables: dict[str, pd.DataFrame], *, config: Config) -> str:
    """Counts of cases whose level disagrees with their scores; the case list only when built (internal mode)."""
    summary = tables["strat_level_disagreement"].assign(
        where_found=lambda t: t["where_found"].map({"store": "stored cases (current bands)",
                                                    "quarantine": "quarantined at ingest", TOTAL: TOTAL}))
    out = table_html(_shown(summary, DISAGREEMENT_HEADERS), TITLES["strat_level_disagreement"],
                     disclosure=config.disclosure, headers=DISAGREEMENT_HEADERS)
    out += f"<p class='lotus-note'>{html.escape(str(tables['strat_level_disagreement']['method'].iloc[0]))}.</p>"
    if "strat_level_disagreement_cases" in tables:
        cases = tables["strat_level_disagreement_cases"]
        out += table_html(_shown(cases.assign(date_received=cases["date_received"].astype(str)), CASE_HEADERS),
                          TITLES["strat_level_disagreement_cases"], disclosure=config.disclosure, headers=CASE_HEADERS)
    return out


STRATIFICATION_HEADINGS = ("Risk matrix", "Risk level by concern domain and source", "Triage outcome by risk level",
                           "Immediate action", "Recorded level and scores")


def stratification_html(tables: dict[str, pd.DataFrame], *, config: Config) -> dict[str, str]:
    """The triage and risk-stratification parts by sub-heading (shared by the report and the dashboard page)."""
    return dict(zip(STRATIFICATION_HEADINGS, (
        matrix_figure(tables["strat_risk_matrix"], config=config),
        _level_figure(tables["strat_level_by_domain"], "strat_level_by_domain", "domain", LEVEL_COLUMNS,
                      what="concern domain (rows) and risk level (columns)", note=DOMAIN_NOTE, config=config)
        + _level_figure(tables["strat_level_by_source"], "strat_level_by_source", "source", LEVEL_COLUMNS,
                        what="concern source (rows) and risk level (columns)", note="", config=config),
        _level_figure(tables["strat_outcome_by_level"], "strat_outcome_by_level", "risk_level", OUTCOME_COLUMNS,
                      what="risk level (rows) and triage outcome (columns)", note="", config=config),
        immediate_figure(tables["strat_immediate_action"], config=config),
        disagreement_tables(tables, config=config),
    )))
