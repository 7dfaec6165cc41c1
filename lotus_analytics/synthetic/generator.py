"""`generate`: a seeded, deterministic synthetic case extract with its ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Sequence

import numpy as np
import pandas as pd

from lotus_analytics import __version__, schema
from lotus_analytics.synthetic import activity, truth
from lotus_analytics.synthetic import cases as case_model
from lotus_analytics.synthetic.draws import labels, sequence_ids
from lotus_analytics.synthetic.effects import Effects
from lotus_analytics.synthetic.population import DEMOGRAPHICS, Population, build_population, workforce_table
from lotus_analytics.synthetic.typed import default_config, typed_table
from lotus_analytics.workdays import bank_holidays

GENERATOR = f"lotus_analytics.synthetic {__version__}"
EARLIEST_EXTRACT = date(2022, 4, 1)  # at least one complete financial year of headcount


@dataclass
class SyntheticExtract:
    """The five typed tables of an extract (schema column order) and what the measures should find."""

    cases: pd.DataFrame
    workforce: pd.DataFrame
    updates: pd.DataFrame
    reviews: pd.DataFrame
    actions: pd.DataFrame
    ground_truth: dict[str, Any]
    extract_date: date
    seed: int
    regions: tuple[str, ...] = field(default=("North West",))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in schema order."""
        return {name: getattr(self, name) for name in schema.TABLES}

    def info(self) -> dict[str, Any]:
        """The extract_info.json content."""
        return {
            "extract_date": self.extract_date.isoformat(), "seed": self.seed, "regions": list(self.regions),
            "generator": GENERATOR,
        }


def _case_columns(
    population: Population, who: np.ndarray, received: np.ndarray, record: dict[str, np.ndarray],
    concern: dict[str, np.ndarray],
) -> dict[str, Any]:
    icb = population.icb[who]
    received_ns = pd.Series(received.astype("datetime64[ns]"))
    return {
        "case_id": sequence_ids("CS", len(who)),
        "practitioner_id": population.practitioner_ids(who),
        "region": np.array(population.icb_regions, dtype=object)[icb],
        "icb_code": np.array(population.icb_codes, dtype=object)[icb],
        "profession": labels(population.profession[who], schema.PROFESSIONS),
        "policy_version": schema.policy_version_for(received_ns).to_numpy(dtype=object),
        "date_received": received,
        **record,
        "risk_level": labels(record["risk_level"], schema.RISK_LEVELS),
        "triage_outcome": labels(record["triage_outcome"], schema.TRIAGE_OUTCOMES),
        "outcome": labels(record["outcome"], schema.OUTCOMES),
        **concern,
        **{c: population.label(c)[who] for c in DEMOGRAPHICS},
    }


def generate(
    seed: int = 2026,
    regions: Sequence[str] = ("North West",),
    scale: float = 1.0,
    extract_date: date = date(2026, 10, 15),
    effects: Effects = Effects(),
) -> SyntheticExtract:
    """Generate a synthetic extract of the chosen regions as of `extract_date`.

    `scale` multiplies the population (about 12,000 performers for North West) and the case
    volumes (a few hundred a year); all 7 regions at scale 60 give over a million cases.
    Same arguments, same tables: every draw comes from `seed`.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    if extract_date < EARLIEST_EXTRACT:
        raise ValueError(f"extract_date must be on or after {EARLIEST_EXTRACT} (one complete financial year)")
    regions = tuple(regions)
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    holidays = bank_holidays()
    config = default_config()
    population = build_population(rng[0], regions, scale, extract_date)
    who, received = case_model.draw_entries(rng[1], population, effects, extract_date, holidays)
    order = np.lexsort((who, received))
    who, received = who[order], received[order]
    bme, pmq = population.bme[who], population.label("pmq_region")[who]
    international = pmq == "international"
    process = case_model.simulate_process(rng[2], received, bme, international, effects, holidays, config.risk_bands)
    record = case_model.censor(process, extract_date)
    concern = case_model.describe_concerns(rng[3], who, population)
    cases = typed_table("cases", _case_columns(population, who, received, record, concern))
    start = np.datetime64(f"{population.financial_years[0]}-04-01")
    reviews = activity.draw_reviews(rng[5], cases, len(regions), scale, start, extract_date, effects)
    reviews = typed_table("reviews", reviews)
    extract = SyntheticExtract(
        cases=cases,
        workforce=typed_table("workforce", workforce_table(population, extract_date)),
        updates=typed_table("updates", activity.draw_updates(rng[4], cases, extract_date, holidays)),
        reviews=reviews,
        actions=typed_table("actions", activity.draw_actions(rng[6], reviews, extract_date)),
        ground_truth={},
        extract_date=extract_date,
        seed=seed,
        regions=regions,
    )
    replay = truth.Replay(rng[2], received, bme, pmq, holidays, config.risk_bands)
    extract.ground_truth = truth.ground_truth(
        extract, population, effects, process["p_investigation"], replay, config.inequalities.reference, GENERATOR,
    )
    return extract
