"""The synthetic practitioner population and the workforce headcounts drawn from it.

Every practitioner has fixed characteristics and a span of financial years on a performers list
(joiners and leavers). The workforce table counts the practitioners active in each complete
financial year (headcount at 31 March), so the denominators are exactly the population that the
cases are drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.periods import FinancialQuarter, fy_label
from lotus_analytics.synthetic.draws import categorical, conditional_categorical, labels, sequence_ids

FIRST_FY = 2021
PERFORMERS_PER_REGION = 12_000
# Relative size of each region's performers lists (North West = 1), roughly by population.
REGION_SIZE = {
    "North West": 1.0, "North East and Yorkshire": 1.15, "Midlands": 1.45, "East of England": 0.88,
    "London": 1.25, "South East": 1.25, "South West": 0.8,
}
ICB_SIZE = {"QYG": 0.38, "QOP": 0.42, "QE1": 0.20}  # North West; other regions' ICBs are equal
PROFESSION_MIX = (0.55, 0.28, 0.17)  # medical, dental, ophthalmic
ETHNICITY_MIX = (  # schema.ETHNIC_CODES order, A..S then Z, 99
    0.52, 0.01, 0.05, 0.004, 0.004, 0.01, 0.006, 0.12, 0.07, 0.015, 0.04, 0.005, 0.03, 0.003,
    0.01, 0.03, 0.03, 0.02,
)
# Place of qualification (uk, eea, international, not_stated) by ethnic group: the correlation
# that makes marginal ratios differ from the conditional multipliers.
PMQ_BY_GROUP = np.array([
    [0.85, 0.10, 0.04, 0.01],  # White
    [0.80, 0.05, 0.14, 0.01],  # Mixed
    [0.55, 0.02, 0.42, 0.01],  # Asian
    [0.40, 0.02, 0.57, 0.01],  # Black
    [0.45, 0.05, 0.49, 0.01],  # Other
    [0.60, 0.05, 0.25, 0.10],  # not stated / not known
])
SEX_MIX = (0.52, 0.46, 0.02)
AGE_MIX = (0.18, 0.30, 0.26, 0.19, 0.05, 0.02)
DISABILITY_MIX = (0.04, 0.80, 0.16)
STAY_ALL_YEARS, JOIN_LATER = 0.80, 0.10  # the rest leave before the last year
DEMOGRAPHICS = ("ethnicity_code", "sex", "age_band", "pmq_region", "disability")
DEMOGRAPHIC_VALUES = {
    "ethnicity_code": schema.ETHNIC_CODES, "sex": schema.SEXES, "age_band": schema.AGE_BANDS,
    "pmq_region": schema.PMQ_REGIONS, "disability": schema.DISABILITY,
}
_GROUP_5_INDEX = {g: i for i, g in enumerate(schema.ETHNIC_GROUPS_5)}


@dataclass(frozen=True)
class Population:
    """Practitioners as parallel arrays of codes (indices into the schema value lists)."""

    pseudonym: np.ndarray
    """A random permutation: practitioner i is known as PR<pseudonym[i] + 1>."""
    icb_codes: tuple[str, ...]
    icb_regions: tuple[str, ...]
    icb: np.ndarray
    profession: np.ndarray
    demographics: dict[str, np.ndarray]
    first_fy: np.ndarray
    last_fy: np.ndarray
    financial_years: tuple[int, ...]

    def practitioner_ids(self, who: np.ndarray) -> np.ndarray:
        """Pseudonymous identifiers of the practitioners with these indices."""
        return sequence_ids("PR", len(who), 8, start=self.pseudonym[who] + 1)

    @property
    def size(self) -> int:
        return len(self.icb)

    def active(self, fy_index: int) -> np.ndarray:
        """Who is on a list in the financial year with this index."""
        return (self.first_fy <= fy_index) & (self.last_fy >= fy_index)

    def label(self, column: str) -> np.ndarray:
        """Characteristic as labels (object array), e.g. "international"."""
        return labels(self.demographics[column], DEMOGRAPHIC_VALUES[column])

    @property
    def bme(self) -> np.ndarray:
        """Black and minority ethnic (ethnic_group_2), Z and 99 excluded."""
        return np.isin(ethnic_group_index(self.demographics["ethnicity_code"]), (1, 2, 3, 4))


def ethnic_group_index(ethnicity: np.ndarray) -> np.ndarray:
    """Five-group index (schema.ETHNIC_GROUPS_5 order) of ethnicity codes; 5 = not stated."""
    groups = [_GROUP_5_INDEX.get(g, 5) if g else 5 for _, g in schema.ETHNIC_CATEGORIES.values()]
    return np.array(groups)[ethnicity]


def financial_years(extract_date: date) -> tuple[int, ...]:
    """Start years of the financial years from 2021/22 to the one holding the extract date."""
    return tuple(range(FIRST_FY, FinancialQuarter.containing(extract_date).fy_start + 1))


def build_population(rng: np.random.Generator, regions: Sequence[str], scale: float, extract_date: date) -> Population:
    """Draw the practitioners of the chosen regions (about 12,000 per region-size unit x `scale`)."""
    unknown = [r for r in regions if r not in schema.REGIONS]
    if unknown:
        raise ValueError(f"unknown region(s) {unknown}; choose from {list(schema.REGIONS)}")
    icb_codes = tuple(code for r in regions for code in schema.ICBS[r])
    icb_regions = tuple(r for r in regions for _ in schema.ICBS[r])
    sizes = [round(PERFORMERS_PER_REGION * REGION_SIZE[r] * scale) for r in regions]
    first_icb = [icb_codes.index(next(iter(schema.ICBS[r]))) for r in regions]
    icb_weights = [[ICB_SIZE.get(c, 1.0) for c in schema.ICBS[r]] for r in regions]
    icb = np.concatenate([f + categorical(rng, k, w) for f, k, w in zip(first_icb, sizes, icb_weights)])
    n = len(icb)
    ethnicity = categorical(rng, n, ETHNICITY_MIX)
    demographics = {
        "ethnicity_code": ethnicity,
        "sex": categorical(rng, n, SEX_MIX),
        "age_band": categorical(rng, n, AGE_MIX),
        "pmq_region": conditional_categorical(rng, ethnic_group_index(ethnicity), PMQ_BY_GROUP),
        "disability": categorical(rng, n, DISABILITY_MIX),
    }
    years = financial_years(extract_date)
    last = len(years) - 1
    first_fy, last_fy = np.zeros(n, dtype=np.int64), np.full(n, last, dtype=np.int64)
    kind = rng.random(n)
    leavers = kind >= STAY_ALL_YEARS + JOIN_LATER
    joiners = (kind >= STAY_ALL_YEARS) & ~leavers
    first_fy[joiners] = rng.integers(1, last + 1, joiners.sum())
    last_fy[leavers] = rng.integers(0, last, leavers.sum())
    return Population(
        pseudonym=rng.permutation(n),
        icb_codes=icb_codes,
        icb_regions=icb_regions,
        icb=icb,
        profession=categorical(rng, n, PROFESSION_MIX),
        demographics=demographics,
        first_fy=first_fy,
        last_fy=last_fy,
        financial_years=years,
    )


def headcount_years(population: Population, extract_date: date) -> list[int]:
    """Indices of the financial years whose 31 March headcount date is on or before the extract date."""
    limit = pd.Timestamp(extract_date)
    return [i for i, fy in enumerate(population.financial_years) if pd.Timestamp(fy + 1, 3, 31) <= limit]


def _cells(population: Population, fy_index: int, columns: tuple[str, ...]) -> pd.DataFrame:
    """Headcount of every ICB x profession x value-combination cell (zeros included) in one year."""
    values = [DEMOGRAPHIC_VALUES[c] for c in columns]
    widths = [len(v) for v in values]
    key = population.icb * len(schema.PROFESSIONS) + population.profession
    for column, width in zip(columns, widths):
        key = key * width + population.demographics[column]
    total = len(population.icb_codes) * len(schema.PROFESSIONS) * int(np.prod(widths))
    counts = np.bincount(key[population.active(fy_index)], minlength=total)
    cell = np.arange(total)
    frame = {}
    for column, width, vals in reversed(list(zip(columns, widths, values))):
        frame[column] = labels(cell % width, vals)
        cell = cell // width
    out = pd.DataFrame({
        "period": fy_label(population.financial_years[fy_index]),
        "region": np.array(population.icb_regions, dtype=object)[cell // len(schema.PROFESSIONS)],
        "icb_code": np.array(population.icb_codes, dtype=object)[cell // len(schema.PROFESSIONS)],
        "profession": labels(cell % len(schema.PROFESSIONS), schema.PROFESSIONS),
        **{c: frame.get(c) for c in DEMOGRAPHICS},
        "headcount": counts,
    })
    return out


def workforce_table(population: Population, extract_date: date) -> pd.DataFrame:
    """Stacked marginal headcount tables: totals, one per demographic, and ethnicity x place of qualification.

    A null demographic cell means "all values" (DATA_MODEL.md, table workforce).
    """
    blocks = [(), *((c,) for c in DEMOGRAPHICS), ("ethnicity_code", "pmq_region")]
    frames = [_cells(population, y, cols) for y in headcount_years(population, extract_date) for cols in blocks]
    return pd.concat(frames, ignore_index=True)
