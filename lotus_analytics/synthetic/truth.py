"""The ground truth written beside every synthetic extract: what the measures should find.

Relative likelihoods are computed exactly from expectations over the generated population (not
from the input multipliers), in the form the inequalities measure estimates: expected cases
received in a window per headcount of the window's financial years, each year weighted by the
number of the window's quarters in it, group vs reference (WRES indicator 3 form, NHS England WRES
technical guidance).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.periods import (
    FinancialQuarter, Window, financial_year_labels, fy_label, fy_start_of, latest_complete_quarter, rolling_window,
)
from lotus_analytics.synthetic.cases import simulate_process, year_span, year_trend, yearly_rates
from lotus_analytics.synthetic.draws import has_label
from lotus_analytics.synthetic.effects import Effects
from lotus_analytics.synthetic.population import DEMOGRAPHIC_VALUES, Population, headcount_years

if TYPE_CHECKING:
    from lotus_analytics.synthetic.generator import SyntheticExtract

REPLAY_ROWS = 200_000  # case histories replayed to estimate the uncensored median time to closure
WINDOW_YEARS = 2


def _dimension_codes(population: Population) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per inequality dimension (schema.DIMENSIONS): each practitioner's group index and the group labels.

    The group of every combination of the dimension's source codes is looked up once, then indexed by
    each practitioner's combination (codes in mixed radix, first column slowest).
    """
    out = {}
    for name, dimension in schema.DIMENSIONS.items():
        values = [DEMOGRAPHIC_VALUES[c] for c in dimension.columns]
        combinations = np.array(list(itertools.product(*values)), dtype=object).reshape(-1, len(values))
        groups = dimension.groups_of(*(pd.Series(combinations[:, i]) for i in range(len(values))))
        group_of_combination = pd.Index(dimension.groups).get_indexer(groups)
        key = np.zeros(population.size, dtype=np.int64)
        for column, codes in zip(dimension.columns, values):
            key = key * len(codes) + population.demographics[column]
        out[name] = (group_of_combination[key], np.array(dimension.groups))
    return out


def _windows(population: Population, extract_date: date) -> list[tuple[str, Window]]:
    """Rolling two-year windows ending each complete financial year, the report quarter's window and the whole span."""
    complete = headcount_years(population, extract_date)
    fys = population.financial_years
    quarter = latest_complete_quarter(extract_date)
    by_years = [rolling_window(FinancialQuarter(fys[i], 4), WINDOW_YEARS) for i in complete[WINDOW_YEARS - 1:]]
    whole = rolling_window(FinancialQuarter(fys[complete[-1]], 4), len(complete))
    return [
        *((f"{w.financial_years[0]} to {w.financial_years[-1]}", w) for w in by_years),
        (f"{WINDOW_YEARS} years to {quarter.label}", rolling_window(quarter, WINDOW_YEARS)),
        (f"{whole.financial_years[0]} to {whole.financial_years[-1]}", whole),
    ]


def _window_headcount(population: Population, window: Window, counted: list[int]) -> tuple[np.ndarray, dict[str, int]]:
    """Each practitioner's part of the window headcount, weighted as the inequalities measure weights it.

    Each financial year of the window counts its number of window quarters (Window.quarters_per_year);
    a year without a 31 March headcount (not in `counted`) takes the latest earlier counted year's.
    Also returns the quarters each counted year stands for.
    """
    quarters_of: dict[int, int] = {}
    for label, quarters in window.quarters_per_year.items():
        year = population.financial_years.index(fy_start_of(label))
        source = max(c for c in counted if c <= year)
        quarters_of[source] = quarters_of.get(source, 0) + quarters
    headcount = sum(q * population.active(y) for y, q in quarters_of.items()) / sum(quarters_of.values())
    return headcount, {fy_label(population.financial_years[y]): q for y, q in quarters_of.items()}


def entry_ratios(
    population: Population, effects: Effects, extract_date: date, holidays: np.ndarray, reference: dict[str, str],
) -> dict[str, Any]:
    """Expected relative likelihood of entering the process for every group of every dimension, per window."""
    rates = yearly_rates(population, effects)
    groups = _dimension_codes(population)
    counted = headcount_years(population, extract_date)
    out: dict[str, Any] = {}
    for name, window in _windows(population, extract_date):
        start, end = np.datetime64(window.start.date()), np.datetime64(window.end.date())
        expected = np.zeros(population.size)
        years = []
        for y, fy in enumerate(population.financial_years):
            span = year_span(fy, extract_date, holidays)
            inside = ((span.days >= start) & (span.days <= end)).sum()
            if inside:
                expected += rates * population.active(y) * year_trend(y) * span.exposure * inside / len(span.days)
                years.append(y)
        headcount, headcount_quarters = _window_headcount(population, window, counted)
        ratios, cases, people = {}, {}, {}
        for dimension, (index, names) in groups.items():
            e = np.bincount(index, weights=expected, minlength=len(names))
            h = np.bincount(index, weights=headcount, minlength=len(names))
            ref = np.flatnonzero(names == reference[dimension])[0]
            ratios[dimension] = {
                str(g): float(e[k] / h[k] / (e[ref] / h[ref]))
                for k, g in enumerate(names) if k != ref and g != schema.NOT_STATED and h[k] > 0
            }
            cases[dimension] = dict(zip(names.tolist(), e.tolist()))
            people[dimension] = dict(zip(names.tolist(), h.tolist()))
        out[name] = {
            "start": f"{window.start:%Y-%m-%d}", "end": f"{window.end:%Y-%m-%d}",
            "case_years": [fy_label(population.financial_years[y]) for y in years],
            "headcount_quarters": headcount_quarters,
            "relative_likelihood": ratios, "expected_cases": cases, "headcount": people,
        }
    return out


def progression_ratios(
    p_investigation: np.ndarray, reached_pag: np.ndarray, groups: dict[str, np.ndarray], reference: dict[str, str],
) -> dict[str, dict[str, float]]:
    """Expected P(PAG -> investigation) ratio, group vs reference, over the cases that reached PAG.

    Over every case of the extract (not one window): the chance depends on the risk level, whose mix
    does not change over time, and on ethnicity only, so each window has the same expected ratio.
    """
    out = {}
    for dimension, values in groups.items():
        mean = pd.Series(p_investigation[reached_pag]).groupby(values[reached_pag]).mean()
        ref, skip = mean[reference[dimension]], (reference[dimension], schema.NOT_STATED)
        out[dimension] = {g: float(m / ref) for g, m in mean.items() if g not in skip}
    return out


@dataclass(frozen=True)
class Replay:
    """What is needed to replay the case process for the generated cases."""

    rng: np.random.Generator
    received: np.ndarray
    bme: np.ndarray
    pmq: np.ndarray
    holidays: np.ndarray
    bands: dict[str, tuple[int, int]]


def closure_medians(replay: Replay, effects: Effects) -> dict[str, float]:
    """Median calendar days received -> closed by place of qualification, uncensored.

    Estimated by replaying the case process (new random draws) for the generated cases, repeated
    or sampled to REPLAY_ROWS histories, with no extract date to cut them short: the value a
    Kaplan-Meier median estimates once follow-up is long enough.
    """
    n = len(replay.received)
    take = np.arange(REPLAY_ROWS) % n if n <= REPLAY_ROWS else replay.rng.choice(n, REPLAY_ROWS, replace=False)
    pmq = replay.pmq[take]
    process = simulate_process(
        replay.rng, replay.received[take], replay.bme[take], pmq == "international", effects, replay.holidays,
        replay.bands,
    )
    days = (process["date_closed"] - replay.received[take]).astype(int)
    return {g: float(np.median(days[pmq == g])) for g in ("uk", "eea", "international")}


def theme_shares(reviews: pd.DataFrame, theme: str) -> dict[str, float]:
    """Share of reviews coding `theme`, by financial year of the review."""
    has = pd.Series(has_label(reviews["themes"], theme), index=reviews.index)
    return {fy: float(s) for fy, s in has.groupby(financial_year_labels(reviews["date_review"])).mean().items()}


def ground_truth(
    extract: SyntheticExtract, population: Population, effects: Effects, p_investigation: np.ndarray,
    replay: Replay, reference: dict[str, str], generator: str,
) -> dict[str, Any]:
    """Everything the measures should find in this extract, with the effects that produced it."""
    cases, reviews = extract.cases, extract.reviews
    groups = {name: d.groups_of(*(cases[c] for c in d.columns)).to_numpy(dtype=object)
              for name, d in schema.DIMENSIONS.items()}
    references = {name: schema.reference_group(name, reference) for name in schema.DIMENSIONS}
    step = effects.triage_step_month
    start = f"{population.financial_years[0]}-04-01"
    return {
        "generator": generator,
        "effects": asdict(effects),
        "volumes": {
            "practitioners": population.size,
            "cases": len(cases),
            "open_cases": int(cases["date_closed"].isna().sum()),
            **{f"{name}_rows": len(frame) for name, frame in extract.tables().items() if name != "cases"},
        },
        "entry": {
            "measure": "cases received in the window / headcount of the window's financial years, each weighted by "
                       "the window's quarters in it (a year without a 31 March headcount takes the latest earlier "
                       "year's); group vs reference",
            "reference": references,
            "multipliers": {k: v for k, v in asdict(effects).items() if k.startswith("entry_")},
            "windows": entry_ratios(population, effects, extract.extract_date, replay.holidays, references),
        },
        "progression": {
            "stage": "pag_to_investigation",
            "measure": "P(investigation | reached PAG), group vs reference",
            "multiplier": {"ethnic_group_2": {"Black and minority ethnic": effects.investigation_bme}},
            "ratio": progression_ratios(p_investigation, cases["date_first_pag"].notna().to_numpy(), groups, references),
        },
        "closure": {
            "group": {"pmq_region": "international"},
            "factor": effects.closure_international,
            "applies_to": "every wait after triage",
            "median_days_received_to_closed": closure_medians(replay, effects),
        },
        "triage_risk": {
            "measure": "odds of a high or extreme triage risk level, group vs reference, within concern domains",
            "common_odds_ratio": 1.0,
            "why": "severity and likelihood are drawn the same way for every practitioner and every concern domain",
        },
        "triage_step": {
            "month": step,
            "median_working_days_before": effects.triage_median_before,
            "median_working_days_after": effects.triage_median_after if step else effects.triage_median_before,
        },
        "theme_trend": {
            "theme": effects.theme_trend,
            "factor": effects.theme_trend_factor,
            "weight_rises": f"linearly from {start} to {extract.extract_date.isoformat()}",
            "share_by_financial_year": theme_shares(reviews, effects.theme_trend) if effects.theme_trend else {},
        },
        "notes": [
            "No date in any table is after the extract date, except the due dates of actions not yet due.",
            "outcome is set only for closed cases (null while open).",
            "Relative likelihoods are exact expectations over the generated population, not the input multipliers.",
        ],
    }
