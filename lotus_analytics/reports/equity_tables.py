"""The equity family of published tables (issue 4): who enters, who progresses, who waits, organisations.

Scope decisions (see also docs/assumptions.md):
- Everything covers the rolling window ending with the report quarter (two financial years by default).
- Entry relative likelihoods and not-stated shares are published for every dimension; the deeper tables
  (trend, progression, triage consistency, waiting) for the focus dimensions of the report (ethnicity in
  two groups and place of qualification) or the one dimension chosen on the dashboard.
- Funnel plots and standardised ratios are by ICB over the region. A unit's own funnel limits and its
  expected count are not published: with its proportion or ratio they give back its exact case count.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd

from lotus_analytics.consistency import Triage, risk_level_association, risk_level_distribution
from lotus_analytics.disclosure import ENTRY_RL_SPEC, NOT_STATED_SHARE_SPEC, DisclosureSpec
from lotus_analytics.inequalities import entry_relative_likelihood, entry_trend, not_stated_share
from lotus_analytics.organisations import escalation_funnel, funnel_curve, standardised_ratios
from lotus_analytics.progression import Cascade, progression
from lotus_analytics.reports.inputs import Inputs
from lotus_analytics.reports.timeliness_tables import CURVE_MAX_DAYS, CURVE_STEP_DAYS, SPECS as TIMELINESS_SPECS, curve_at
from lotus_analytics.schema import DIMENSIONS, RISK_LEVELS
from lotus_analytics.survival import FollowUp, km_curve, time_to_closure
from lotus_analytics.timeliness import completed_durations
from lotus_analytics.waiting import stage_times_by_group

FOCUS = ("ethnic_group_2", "pmq_region")
TREND_QUARTERS = 12
FUNNEL_LEVELS = (0.95, 0.998)

TITLES = {
    "equity_entry": "Relative likelihood of entering the process, every dimension",
    "equity_not_stated": "Not stated (data quality), every dimension: cases and headcount in the window",
    "equity_trend": "Relative likelihood of entering the process: rolling two-year window at each quarter",
    "equity_progression": "Progression through the process by group (conditional proportions and ratios)",
    "equity_risk_levels": "Triage risk level by group within each concern domain",
    "equity_risk_association": "Is the same kind of concern rated differently? High or extreme risk, group vs reference",
    "equity_closure": "Time to closure by group (Kaplan-Meier, log-rank test)",
    "equity_closure_curve": "Share of cases still open by days since receipt, by group (Kaplan-Meier)",
    "equity_stage_times": "T1 to T3 by group (working days, clocks stopped in the window)",
    "equity_funnel": "Cases escalated to investigation by ICB (funnel plot)",
    "equity_funnel_curve": "Funnel limits around the regional average",
    "equity_isr": "Escalation to investigation by ICB, indirectly standardised for profession and age band",
}
PROGRESSION_SPEC = DisclosureSpec(
    counts=("from_n", "to_n", "pending", "ref_from_n", "ref_to_n"),
    statistics={"lower": ("from_n", "to_n"), "upper": ("from_n", "to_n"),
                **{c: ("to_n", "ref_to_n") for c in ("ratio", "ratio_lower", "ratio_upper", "fisher_p", "verdict")}},
    rates={"proportion": ("to_n", "from_n", 1), "ref_proportion": ("ref_to_n", "ref_from_n", 1)},
)
SPECS: dict[str, DisclosureSpec] = {
    "equity_entry": ENTRY_RL_SPEC,
    "equity_not_stated": NOT_STATED_SHARE_SPEC,
    "equity_trend": ENTRY_RL_SPEC,
    "equity_progression": PROGRESSION_SPEC,
    "equity_risk_levels": DisclosureSpec(
        counts=(*RISK_LEVELS, "total", "no_risk_level"), row_totals={"total": RISK_LEVELS},
        rates={f"pct_{level}": (level, "total", 100) for level in RISK_LEVELS}),
    "equity_risk_association": DisclosureSpec(
        counts=("n", "high_extreme", "ref_n", "ref_high_extreme"),
        statistics={c: ("high_extreme", "ref_high_extreme") for c in
                    ("odds_ratio", "lower", "upper", "p_value", "ordinal_p", "verdict")}),
    "equity_closure": TIMELINESS_SPECS["closure_km"],
    "equity_closure_curve": TIMELINESS_SPECS["closure_km_curve"],
    "equity_stage_times": DisclosureSpec(counts=("n",), statistics={"median": ("n",), "p90": ("n",)}),
    "equity_funnel": DisclosureSpec(counts=("cases", "escalated"), statistics={"verdict": ("cases", "escalated")},
                                    rates={"proportion": ("escalated", "cases", 1)}),
    "equity_funnel_curve": DisclosureSpec(counts=()),
    "equity_isr": DisclosureSpec(counts=("cases", "observed"),
                                 statistics={c: ("observed",) for c in ("ratio", "lower", "upper", "verdict")}),
}
UNIT_LIMITS = [f"{side}_{level}" for side in ("lower", "upper") for level in ("95", "99_8")]


def _each(dimensions: Sequence[str], build: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """One table per dimension, stacked."""
    frames = [build(d) for d in dimensions]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _entry(inputs: Inputs, dimensions: Sequence[str]) -> dict[str, pd.DataFrame]:
    ineq = inputs.config.inequalities
    common = dict(confidence=ineq.confidence, band=ineq.band)
    return {
        "equity_entry": _each(dimensions, lambda d: entry_relative_likelihood(
            inputs.cases, inputs.workforce, dimension=d, reference=ineq.reference[d], window=inputs.window, **common)),
        "equity_not_stated": _each(dimensions, lambda d: not_stated_share(
            inputs.cases, inputs.workforce, dimension=d, window=inputs.window)),
    }


def _deeper(inputs: Inputs, focus: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Trend, progression, triage consistency and waiting for the focus dimensions; what every focus dimension
    shares (stage flags, risk levels and domains, follow-up and the Kaplan-Meier fits) is worked out once."""
    ineq, cases, window = inputs.config.inequalities, inputs.cases, inputs.window
    common = dict(confidence=ineq.confidence)
    durations = completed_durations(cases, holidays=inputs.holidays, updates=inputs.updates)
    cascade, triage = Cascade.of(cases, window), Triage.of(cases, window)
    as_of = inputs.scope.quarter.end
    closure = dict(as_of=as_of, since=window.start, follow_up=FollowUp.of(cases, as_of=as_of, since=window.start),
                   **common)
    grid = np.arange(0, CURVE_MAX_DAYS + 1, CURVE_STEP_DAYS)
    return {
        "equity_trend": _each(focus, lambda d: entry_trend(
            cases, inputs.workforce, dimension=d, reference=ineq.reference[d], quarter=inputs.scope.quarter,
            quarters=TREND_QUARTERS, window_years=ineq.window_years, band=ineq.band, **common)),
        "equity_progression": _each(focus, lambda d: progression(
            cases, dimension=d, reference=ineq.reference[d], window=window, band=ineq.band, cascade=cascade, **common)),
        "equity_risk_levels": _each(focus, lambda d: risk_level_distribution(cases, dimension=d, window=window,
                                                                             triage=triage)),
        "equity_risk_association": _each(focus, lambda d: risk_level_association(
            cases, dimension=d, reference=ineq.reference[d], window=window, triage=triage, **common)),
        "equity_closure": _each(focus, lambda d: time_to_closure(cases, by=d, **closure)),
        "equity_closure_curve": _each(focus, lambda d: curve_at(km_curve(cases, by=d, **closure), grid).assign(
            dimension=d)),
        "equity_stage_times": _each(focus, lambda d: stage_times_by_group(cases, durations, dimension=d,
                                                                          window=window)),
    }


def _organisations(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """Funnel and standardised ratios of ICBs (the region's cases, whatever ICB the view is filtered to)."""
    window = inputs.window
    funnel = escalation_funnel(inputs.region_cases, window=window, confidence_levels=FUNNEL_LEVELS)
    average = float(funnel["average"].iloc[0]) if len(funnel) else float("nan")
    n_max = int(np.ceil(1.05 * funnel["cases"].max())) if len(funnel) else 0
    ratios = standardised_ratios(inputs.region_cases, window=window, confidence=inputs.config.inequalities.confidence)
    return {
        "equity_funnel": funnel.drop(columns=UNIT_LIMITS),
        "equity_funnel_curve": funnel_curve(average, n_max, FUNNEL_LEVELS) if n_max else pd.DataFrame(),
        "equity_isr": ratios.drop(columns="expected"),
    }


def equity_tables(inputs: Inputs, *, dimensions: Sequence[str] = tuple(DIMENSIONS),
                  focus: Sequence[str] = FOCUS) -> dict[str, pd.DataFrame]:
    """Every table of the equity family (unpublished: `published_tables` applies disclosure control)."""
    return {**_entry(inputs, dimensions), **_deeper(inputs, focus), **_organisations(inputs)}
