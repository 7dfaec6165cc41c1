"""Concern cases: who enters the process, when, and how each case moves through its stages.

Entry: each practitioner's yearly chance of a concern is a baseline scaled by the entry effects;
case counts per practitioner-year are Poisson, received dates uniform over working days. Stages
(triage -> PAG -> investigation -> decision panel -> outcome -> informed -> closed) take
lognormal (right-skewed) waits in working days. `simulate_process` draws every date without
censoring; `censor` then removes what had not happened by the extract date, so the same process
can be replayed for the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.synthetic.draws import (
    NAT, after_working_days, categorical, conditional_categorical, labels, lognormal_days, set_strings,
    weighted_sets,
)
from lotus_analytics.synthetic.effects import Effects
from lotus_analytics.synthetic.population import Population

CASES_PER_PRACTITIONER_YEAR = 0.034  # about 400 a year for North West's 12,000 performers
OLDER = ("55_64", "65_plus")
YEARLY_GROWTH = 0.04  # concern volumes rise a little each year, for every group alike
SOURCE_MIX = (0.38, 0.14, 0.06, 0.07, 0.03, 0.06, 0.05, 0.02, 0.01, 0.04, 0.05, 0.05, 0.04)
DOMAIN_WEIGHTS = (0.45, 0.15, 0.07, 0.10, 0.08, 0.09, 0.03, 0.02, 0.01)
DOMAIN_COUNT_MIX = (0.6, 0.3, 0.1)  # one, two or three domains
MHPS_SHARE = (0.12, 0.06, 0.0)  # by profession: employed doctors and dentists
SEVERITY_MIX = (0.25, 0.30, 0.25, 0.13, 0.07)
LIKELIHOOD_MIX = (0.30, 0.30, 0.20, 0.13, 0.07)
# triage outcome (closed_nfa, local_resolution, to_pag, to_pag_urgent) by risk level
TRIAGE_BY_RISK = np.array([
    [0.55, 0.35, 0.10, 0.00],
    [0.25, 0.35, 0.38, 0.02],
    [0.05, 0.15, 0.65, 0.15],
    [0.00, 0.00, 0.30, 0.70],
])
INVESTIGATION_BY_RISK = np.array([0.15, 0.25, 0.40, 0.55])  # P(PAG -> investigation), before effects
PANEL_AFTER_INVESTIGATION, PANEL_AFTER_PAG = 0.45, 0.06
INTERIM_SUSPENSION_IF_URGENT = 0.3
# Paths: 0 closed at triage, 1 local resolution, 2 PAG only, 3 investigation, 4 decision panel.
OUTCOME_BY_PATH = np.array([  # schema.OUTCOMES order
    [1.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.00, 0.50, 0.30, 0.20, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    [0.30, 0.30, 0.15, 0.10, 0.05, 0.00, 0.00, 0.00, 0.00, 0.10],
    [0.30, 0.25, 0.15, 0.15, 0.10, 0.00, 0.00, 0.00, 0.00, 0.05],
    [0.15, 0.00, 0.00, 0.00, 0.10, 0.35, 0.10, 0.15, 0.15, 0.00],
])
REFERRAL_BY_PATH = np.array([0.01, 0.02, 0.08, 0.20, 0.50])
# Median waits in working days (lognormal); post-triage waits scale with the closure effect.
PAG_WAIT, URGENT_PAG_WAIT, INVESTIGATION_WAIT, INVESTIGATION_LENGTH = 15, 3, 10, 80
PANEL_WAIT, DECISION_WAIT, INFORM_WAIT, CLOSE_WAIT = 25, 20, 3, 15
ON_HOLD_SHARE, ON_HOLD_WAIT = 0.04, 300  # PAG cases paused for police or regulator proceedings
SIGMA = 0.6
TRIAGE_SIGMA = 0.5
SUPPORT_OFFERED, NAMED_CONTACT, FLAG_MISSING = 0.80, 0.85, 0.05


def entry_multipliers(population: Population, effects: Effects) -> np.ndarray:
    """Each practitioner's relative chance of a concern (product of the entry effects that apply)."""
    d = population.demographics
    return (
        np.where(population.bme, effects.entry_bme, 1.0)
        * np.where(d["pmq_region"] == schema.PMQ_REGIONS.index("international"), effects.entry_international, 1.0)
        * np.where(d["sex"] == schema.SEXES.index("male"), effects.entry_male, 1.0)
        * np.where(np.isin(d["age_band"], [schema.AGE_BANDS.index(a) for a in OLDER]), effects.entry_older, 1.0)
    )


def yearly_rates(population: Population, effects: Effects) -> np.ndarray:
    """Expected concerns per practitioner per full financial year (volume fixed whatever the effects)."""
    m = entry_multipliers(population, effects)
    return CASES_PER_PRACTITIONER_YEAR * m / m.mean()


def year_trend(fy_index: int) -> float:
    """Volume growth factor of the financial year with this index (common to every group)."""
    return (1 + YEARLY_GROWTH) ** fy_index


@dataclass(frozen=True)
class YearSpan:
    """The working days of one financial year on which concerns can be received (up to the extract date)."""

    days: np.ndarray
    exposure: float
    """Share of the year's working days that the span covers."""


def year_span(fy_start: int, extract_date: date, holidays: np.ndarray) -> YearSpan:
    start, end = np.datetime64(f"{fy_start}-04-01"), np.datetime64(f"{fy_start + 1}-03-31")
    every = np.arange(start, end + 1, dtype="datetime64[D]")
    days = every[np.is_busday(every, holidays=holidays)]
    covered = days[days <= np.datetime64(extract_date)]
    return YearSpan(covered, len(covered) / len(days))


def draw_entries(
    rng: np.random.Generator, population: Population, effects: Effects, extract_date: date, holidays: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(practitioner index, date received) of every concern, as Poisson counts per practitioner-year."""
    rates = yearly_rates(population, effects)
    who, when = [], []
    for y, fy in enumerate(population.financial_years):
        span = year_span(fy, extract_date, holidays)
        active = np.flatnonzero(population.active(y))
        counts = rng.poisson(rates[active] * year_trend(y) * span.exposure)
        people = np.repeat(active, counts)
        who.append(people)
        when.append(span.days[rng.integers(0, len(span.days), len(people))])
    return np.concatenate(who), np.concatenate(when)


def _risk_level_index(severity: np.ndarray, likelihood: np.ndarray, bands: dict[str, tuple[int, int]]) -> np.ndarray:
    level = schema.risk_level_for(pd.Series(severity), pd.Series(likelihood), bands)
    return level.map({v: i for i, v in enumerate(schema.RISK_LEVELS)}).to_numpy(dtype=np.int64)


def simulate_process(
    rng: np.random.Generator,
    received: np.ndarray,
    bme: np.ndarray,
    international: np.ndarray,
    effects: Effects,
    holidays: np.ndarray,
    bands: dict[str, tuple[int, int]],
) -> dict[str, np.ndarray]:
    """Every stage date and decision of each case, without censoring at the extract date."""
    n = len(received)
    cf = np.where(international, effects.closure_international, 1.0)

    def wait(start: np.ndarray, median: np.ndarray | float, sigma: float = SIGMA, minimum: int = 1) -> np.ndarray:
        return after_working_days(start, lognormal_days(rng, median, sigma, n, minimum), holidays)

    triage_median = np.full(n, effects.triage_median_before)
    if effects.triage_step_month:
        step = received.astype("datetime64[M]") >= np.datetime64(effects.triage_step_month, "M")
        triage_median[step] = effects.triage_median_after
    triaged = wait(received, triage_median, TRIAGE_SIGMA)
    severity = categorical(rng, n, SEVERITY_MIX) + 1
    likelihood = categorical(rng, n, LIKELIHOOD_MIX) + 1
    level = _risk_level_index(severity, likelihood, bands)
    triage_outcome = conditional_categorical(rng, level, TRIAGE_BY_RISK)
    to_pag, urgent = triage_outcome >= 2, triage_outcome == 3
    pag = np.where(to_pag, wait(triaged, np.where(urgent, URGENT_PAG_WAIT, PAG_WAIT) * cf), NAT)
    p_investigation = np.minimum(INVESTIGATION_BY_RISK[level] * np.where(bme, effects.investigation_bme, 1.0), 0.95)
    investigation = to_pag & (rng.random(n) < p_investigation)
    inv_start = np.where(investigation, wait(pag, INVESTIGATION_WAIT * cf), NAT)
    inv_end = np.where(investigation, wait(inv_start, INVESTIGATION_LENGTH * cf, minimum=5), NAT)
    p_panel = np.where(investigation, PANEL_AFTER_INVESTIGATION, np.where(to_pag, PANEL_AFTER_PAG, 0.0))
    panel = rng.random(n) < p_panel
    panel_date = np.where(panel, wait(np.where(investigation, inv_end, pag), PANEL_WAIT * cf), NAT)
    path = np.select([triage_outcome == 0, triage_outcome == 1, panel, investigation], [0, 1, 4, 3], default=2)
    outcome = conditional_categorical(rng, path, OUTCOME_BY_PATH)
    decided = np.select(
        [path == 0, path == 1, path == 2, path == 3],
        [triaged, wait(triaged, DECISION_WAIT * cf), pag, wait(inv_end, DECISION_WAIT * cf)],
        default=panel_date,
    )
    on_hold = to_pag & (rng.random(n) < ON_HOLD_SHARE)
    decided = np.where(on_hold, wait(decided, ON_HOLD_WAIT * cf, 0.5), decided)
    informed = wait(decided, INFORM_WAIT, 0.7, minimum=0)
    closed = wait(informed, CLOSE_WAIT * cf)
    return {
        "date_triaged": triaged, "risk_severity": severity, "risk_likelihood": likelihood, "risk_level": level,
        "triage_outcome": triage_outcome, "date_first_pag": pag,
        "p_investigation": np.where(to_pag, p_investigation, np.nan),
        "investigation": investigation, "date_investigation_start": inv_start, "date_investigation_end": inv_end,
        "date_decision_panel": panel_date, "outcome": outcome, "date_outcome": decided,
        "date_practitioner_informed": informed, "date_closed": closed,
        "interim_suspension": urgent & (rng.random(n) < INTERIM_SUSPENSION_IF_URGENT),
        "regulator_referral": rng.random(n) < REFERRAL_BY_PATH[path],
    }


STAGE_DATES = (
    "date_triaged", "date_first_pag", "date_investigation_start", "date_investigation_end",
    "date_decision_panel", "date_outcome", "date_practitioner_informed", "date_closed",
)


def censor(process: dict[str, np.ndarray], extract_date: date) -> dict[str, np.ndarray]:
    """What the case record shows at the extract date: later dates blank, undecided fields null.

    Codes of null enums become -1; bools that are not yet known become a masked value (-1).
    """
    limit = np.datetime64(extract_date)
    out = {c: np.where(process[c] <= limit, process[c], NAT) for c in STAGE_DATES}
    triaged = ~np.isnat(out["date_triaged"])
    for column in ("risk_severity", "risk_likelihood", "risk_level", "triage_outcome"):
        out[column] = np.where(triaged, process[column], -1)
    to_pag = process["triage_outcome"] >= 2
    pag_held = ~np.isnat(out["date_first_pag"])
    out["investigation"] = np.where(~triaged | (to_pag & ~pag_held), -1, process["investigation"].astype(int))
    closed = ~np.isnat(out["date_closed"])
    out["outcome"] = np.where(closed, process["outcome"], -1)
    decided = ~np.isnat(out["date_outcome"])
    suspension = process["outcome"] == schema.OUTCOMES.index("suspension")
    out["suspended"] = ((decided & suspension) | (pag_held & process["interim_suspension"])).astype(int)
    out["regulator_referral"] = (decided & process["regulator_referral"]).astype(int)
    return out


def describe_concerns(
    rng: np.random.Generator, practitioners: np.ndarray, population: Population,
) -> dict[str, np.ndarray]:
    """Source, domains, regime and support flags of each concern (independent of the stage model)."""
    n = len(practitioners)
    profession = population.profession[practitioners]
    domains = weighted_sets(rng, DOMAIN_WEIGHTS, DOMAIN_COUNT_MIX, n)
    flags = {}
    for column, share in (("wellbeing_support_offered", SUPPORT_OFFERED), ("named_contact", NAMED_CONTACT)):
        u = rng.random(n)
        flags[column] = np.where(u < FLAG_MISSING, -1, (u < FLAG_MISSING + (1 - FLAG_MISSING) * share).astype(int))
    return {
        "regime": labels((rng.random(n) < np.array(MHPS_SHARE)[profession]).astype(int), schema.REGIMES),
        "concern_source": labels(categorical(rng, n, SOURCE_MIX), schema.CONCERN_SOURCES),
        "concern_domains": set_strings(domains, schema.CONCERN_DOMAINS),
        **flags,
    }
