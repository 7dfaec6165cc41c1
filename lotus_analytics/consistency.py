"""Triage consistency: is the same kind of concern given the same risk level whatever the practitioner's group?

Appendix 2 risk stratification (DOMAIN.md §2): every triaged concern gets a risk level (low,
moderate, high, extreme). `risk_level_distribution` shows the levels by group within each concern
domain; `risk_level_association` tests whether a group's concerns are rated higher than the reference
group's once the kind of concern is held fixed (METHODS.md §2, "triage risk-level distribution by group
within concern domain").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.contingency_tables import StratifiedTable

from lotus_analytics import schema
from lotus_analytics.inequalities import (
    shared_for,
    check_dimension, group_keys, in_group_order, received_mask, versus_reference,
)
from lotus_analytics.periods import Window

ALL_DOMAINS = "all domains"
HIGH_LEVELS = ("high", "extreme")
TEST_COLUMNS = ["strata", "n", "high_extreme", "ref_n", "ref_high_extreme", "odds_ratio", "lower", "upper",
                "p_value", "ordinal_p"]
SCORES = np.arange(1, len(schema.RISK_LEVELS) + 1, dtype=float)  # low 1 ... extreme 4: equally spaced
DISTRIBUTION_METHOD = (
    "cases received in the window; a case with several concern domains counts once in each of its domains "
    "(so domain rows add up to more than the 'all domains' row, which counts each case once); row percentages "
    "of the cases with a risk level; cases without one (not yet triaged or not recorded) counted apart"
)
ASSOCIATION_METHOD = (
    "Mantel-Haenszel common odds ratio of a high or extreme (vs low or moderate) risk level, group vs reference, "
    "stratified by the case's set of concern domains so that each case counts once (strata with only one of the "
    "two groups carry no information and are left out); Robins-Breslow-Greenland interval; Cochran-Mantel-Haenszel "
    "test without continuity correction (statsmodels StratifiedTable); ordinal_p: generalised CMH mean-score test "
    "over the four levels with scores 1-4, same strata (Landis, Heyman and Koch 1978); verdict from the interval "
    "against 1"
)


@dataclass(frozen=True)
class Triage:
    """The cases received in a window with their risk levels and sets of concern domains, ready to count by any grouping.

    Build it once with `Triage.of(cases, window)` and pass it to `risk_level_distribution` and
    `risk_level_association` for every dimension of the same cases: the levels and the ';'-separated
    domains are then read once, not once per table.
    """

    window: Window
    inside: np.ndarray
    """Which rows of the cases table were received in the window."""
    level: np.ndarray
    """Per case received in the window, its risk level as 0-3 (schema.RISK_LEVELS order), 4 when it has none."""
    domain_set: np.ndarray
    """Per case received in the window, the index of its set of domains (a row of `member`)."""
    member: np.ndarray
    """(sets x schema.CONCERN_DOMAINS) membership of each distinct set of domains."""
    names: list[str]
    """Each set's name: its domains in schema order, '; '-separated."""

    @classmethod
    def of(cls, cases: pd.DataFrame, window: Window) -> Triage:
        """Levels and domain sets of the window's cases; the ';'-separated strings are split once per distinct value."""
        inside = received_mask(cases, window)
        codes = pd.Categorical(cases["risk_level"].to_numpy()[inside], categories=schema.RISK_LEVELS).codes
        level = np.where(codes < 0, len(schema.RISK_LEVELS), codes)
        domain_set, distinct = pd.factorize(cases["concern_domains"].to_numpy()[inside], use_na_sentinel=False)
        domains = schema.split_set(pd.Series(distinct, dtype=object))
        member = np.array([[d in found for d in schema.CONCERN_DOMAINS] for found in domains], dtype=bool)
        member = member.reshape(len(distinct), len(schema.CONCERN_DOMAINS))
        names = ["; ".join(d for d, m in zip(schema.CONCERN_DOMAINS, row) if m) for row in member]
        return cls(window, inside, level, domain_set, member, names)

    def by_domain(self, key: np.ndarray, groups: int) -> np.ndarray:
        """(1 + domains) x groups x (levels + none) counts of the window's cases grouped by `key` (0 .. groups-1):
        every domain together first (each case once), then each of schema.CONCERN_DOMAINS (a case in each of its own)."""
        width, sets = len(schema.RISK_LEVELS) + 1, len(self.member)
        per_set = np.bincount((key * sets + self.domain_set) * width + self.level, minlength=groups * sets * width)
        per_set = per_set.reshape(groups, sets, width)
        return np.concatenate([per_set.sum(axis=1)[None], np.einsum("gsl,sd->dgl", per_set, self.member.astype(np.int64))])


def risk_level_distribution(
    cases: pd.DataFrame, *, dimension: str, window: Window, by: Sequence[str] = (), triage: Triage | None = None,
) -> pd.DataFrame:
    """Risk levels by group within each concern domain: counts and row percentages.

    One row per domain ("all domains" first, then schema order) x (*by, group), every group including
    not stated and missing. Columns: measure, dimension, domain, *by, group, low, moderate, high, extreme,
    total (cases with a risk level), pct_low, pct_moderate, pct_high, pct_extreme (0-100 of total),
    no_risk_level, window, method. `triage`: `Triage.of(cases, window)`, to tabulate many dimensions
    of the same cases without reading their levels and domains again for each.
    """
    definition = check_dimension(dimension, by)
    triage = shared_for(cases, window, triage, Triage.of, "triage")
    key, index = group_keys(cases, dimension, by, mask=triage.inside)
    counts = triage.by_domain(key, len(index))
    domain, group = np.nonzero(counts.sum(axis=2) > 0)  # the (domain, group) rows with any case, domain by domain
    levels = list(schema.RISK_LEVELS)
    rated, none = counts[domain, group, :-1], counts[domain, group, -1]
    total = rated.sum(axis=1)
    percent = 100 * rated / np.where(total > 0, total, np.nan)[:, None]
    groups = index.to_frame(index=False)
    out = in_group_order(pd.DataFrame({
        "measure": "triage risk level by group within concern domain", "dimension": dimension,
        "domain": pd.Categorical.from_codes(domain, categories=[ALL_DOMAINS, *schema.CONCERN_DOMAINS], ordered=True),
        **{c: groups[c].to_numpy()[group] for c in groups.columns}, **dict(zip(levels, rated.T)), "total": total,
        **{f"pct_{n}": p for n, p in zip(levels, percent.T)}, "no_risk_level": none, "window": window.label,
        "method": DISTRIBUTION_METHOD,
    }), definition, ["domain", *by])
    out["domain"] = out["domain"].astype(str)
    return out


def mean_score_test(counts: np.ndarray, scores: np.ndarray = SCORES) -> float:
    """p-value of the generalised Cochran-Mantel-Haenszel mean-score statistic for 2 x C x K tables.

    `counts[k, r, c]`: stratum k, row r (0 the group, 1 the reference), ordered column c with score
    scores[c]. Q = (Σ_k (T_k − E_k))² / Σ_k V_k with T_k the group's score total, E_k = n_k1·m_k (m_k the
    stratum's mean score) and V_k = n_k1·n_k2/(n_k − 1)·(Σ_c n_k+c·s_c²/n_k − m_k²), chi-squared with 1 df:
    with two rows the row-mean-score and correlation statistics coincide. Strata with fewer than 2 cases
    are left out. Method: Mantel (1963), JASA 58:690-700; Landis, Heyman and Koch (1978), Int Stat Rev 46:237-254.
    """
    rows = counts.sum(axis=2)
    n = rows.sum(axis=1)
    keep = n >= 2
    counts, rows, n = counts[keep], rows[keep], n[keep]
    column = counts.sum(axis=1)
    mean = column @ scores / n
    observed = counts[:, 0, :] @ scores
    variance = rows[:, 0] * rows[:, 1] / (n - 1) * (column @ scores**2 / n - mean**2)
    total = variance.sum()
    if total <= 0:
        return float("nan")
    statistic = (observed - rows[:, 0] * mean).sum() ** 2 / total
    return float(sps.chi2.sf(statistic, 1))


def _common_odds_ratio(counts: np.ndarray, confidence: float) -> tuple[float, float, float, float]:
    """(odds ratio, lower, upper, CMH p) of high/extreme vs low/moderate from 2 x 4 x K counts (NaN if undefined)."""
    high = counts[:, :, 2:].sum(axis=2)
    tables = np.stack([high, counts.sum(axis=2) - high], axis=2).transpose(1, 2, 0)  # 2 x 2 x K
    n = tables.sum(axis=(0, 1))
    if not ((tables[0, 0] * tables[1, 1] / n).sum() > 0 and (tables[0, 1] * tables[1, 0] / n).sum() > 0):
        return (np.nan,) * 4
    stratified = StratifiedTable(tables)
    lower, upper = stratified.oddsratio_pooled_confint(alpha=1 - confidence)
    return stratified.oddsratio_pooled, lower, upper, stratified.test_null_odds(correction=False).pvalue


def _association(group: np.ndarray, ref: np.ndarray, confidence: float) -> dict[str, float]:
    """The test columns for one group's and the reference's (strata x risk levels) counts."""
    pair = np.stack([group, ref], axis=1)
    pair = pair[pair.sum(axis=2).min(axis=1) > 0]  # strata holding both groups
    ratio, lower, upper, p = _common_odds_ratio(pair, confidence) if len(pair) else (np.nan,) * 4
    return {
        "strata": len(pair), "n": int(group.sum()), "high_extreme": int(group[:, 2:].sum()), "ref_n": int(ref.sum()),
        "ref_high_extreme": int(ref[:, 2:].sum()), "odds_ratio": ratio, "lower": lower, "upper": upper,
        "p_value": p, "ordinal_p": mean_score_test(pair) if len(pair) else np.nan,
    }


def risk_level_association(
    cases: pd.DataFrame,
    *,
    dimension: str,
    reference: str,
    window: Window,
    confidence: float = 0.95,
    by: Sequence[str] = (),
    triage: Triage | None = None,
) -> pd.DataFrame:
    """Are a group's concerns rated high or extreme more often than the reference group's, kind of concern held fixed?

    Cases received in the window with a risk level, stratified by their set of concern domains (each case
    in exactly one stratum: counting a multi-domain case in each of its domains would repeat it across
    strata, which the test assumes independent). One row per (*by, stated non-reference group):
    common odds ratio with its interval, CMH p and the ordinal mean-score p; verdict "rated higher" or
    "rated lower" when the interval excludes 1, else "no clear difference" ("not calculable" without
    informative strata or events). Columns: measure, dimension, *by, group, reference, strata, n,
    high_extreme, ref_n, ref_high_extreme, odds_ratio, lower, upper, p_value, ordinal_p, verdict, window,
    confidence, method. `triage`: as for `risk_level_distribution`.
    """
    definition = check_dimension(dimension, by, reference)
    triage = shared_for(cases, window, triage, Triage.of, "triage")
    key, index = group_keys(cases, dimension, by, mask=triage.inside)
    level = triage.level
    stratum_of_set, strata = pd.factorize(pd.Series(triage.names))
    stratum = stratum_of_set[triage.domain_set]
    rated = level < len(schema.RISK_LEVELS)
    shape = (len(index), len(strata), len(schema.RISK_LEVELS))
    flat = (key[rated] * shape[1] + stratum[rated]) * shape[2] + level[rated]
    counts = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape)
    table = index.to_frame(index=False).assign(position=np.arange(len(index)))
    table = versus_reference(table, by, reference, ["position"])
    table = in_group_order(table[table["group"].isin(definition.stated_groups)], definition, by)
    none = np.zeros(shape[1:], dtype=np.int64)
    tests = pd.DataFrame([_association(counts[p], none if np.isnan(r) else counts[int(r)], confidence)
                          for p, r in zip(table["position"], table["ref_position"])], columns=TEST_COLUMNS)
    return pd.DataFrame({
        "measure": "triage risk level: group vs reference within concern domains", "dimension": dimension,
        **{c: table[c] for c in [*by, "group"]}, "reference": reference, **{c: tests[c] for c in TEST_COLUMNS},
        "verdict": np.select([tests["odds_ratio"].isna(), tests["lower"] > 1, tests["upper"] < 1],
                             ["not calculable", "rated higher", "rated lower"], default="no clear difference"),
        "window": window.label, "confidence": confidence, "method": ASSOCIATION_METHOD,
    })
