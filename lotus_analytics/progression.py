"""Disproportionality inside the process: how often each group goes on from one stage to the next (METHODS.md §2).

For each transition (triage -> PAG -> investigation -> decision panel, and from any stage to an
adverse outcome, a suspension or a regulator referral) the conditional proportion P(next | this) of
each group, with a Wilson interval, and its ratio to the reference group's, with a Katz interval,
Fisher's exact p and the 0.80-1.25 band verdict. Read down the cascade, it shows at which stage a gap
between groups opens, apart from any disproportionality of referral into the process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.inequalities import (
    shared_for,
    RATIO_RULE, check_dimension, compare_groups, group_keys, in_group_order, received_mask, versus_reference,
)
from lotus_analytics.periods import Window
from lotus_analytics.stats import wilson_interval

Flags = Callable[[pd.DataFrame], tuple[pd.Series, pd.Series, pd.Series]]
REFERENCE = "reference"
REFERRED_AT_TRIAGE = ("to_pag", "to_pag_urgent")
STAGE_COLUMNS = (
    "date_triaged", "triage_outcome", "date_first_pag", "investigation", "date_investigation_start",
    "date_decision_panel", "outcome", "suspended", "regulator_referral", "date_closed",
)
STAGE_FLAGS = ("reached_triage", "reached_pag", "reached_investigation", "reached_decision_panel", "adverse_outcome",
               "open")
"""The stage flags schema.with_derived adds to a cases table, which the transitions read."""
COHORT_RULE = (
    "cohort: cases received in the window that reached the first stage; a case counts once its step is "
    "settled ({settled}); open cases still waiting are left out and counted as pending"
)
PROGRESSION_METHOD = (
    "proportion: Wilson score interval; ratio to the reference group's proportion: Katz log interval; "
    "Fisher exact p; flagged only when the whole interval lies outside the band"
)


def _flag(values: pd.Series) -> pd.Series:
    """A nullable yes/no column as plain booleans (missing = no)."""
    return values.fillna(False).astype(bool)


@dataclass(frozen=True)
class Transition:
    """One step of the cascade: `flags` gives, per case, (reached from_stage, reached to_stage, step settled)."""

    step: int
    from_stage: str
    to_stage: str
    settled: str
    """When a case's step counts as settled, in words (for the method column)."""
    flags: Flags

    @property
    def label(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


def _triage_to_pag(d: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    to = d["reached_pag"] | d["triage_outcome"].isin(REFERRED_AT_TRIAGE)
    decided_not = d["triage_outcome"].isin(set(schema.TRIAGE_OUTCOMES) - set(REFERRED_AT_TRIAGE))
    return d["reached_triage"], to, to | decided_not | ~d["open"]


def _pag_to_investigation(d: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    to = d["reached_investigation"]
    return d["reached_pag"], to, to | _flag(d["investigation"].eq(False)) | ~d["open"]


def _investigation_to_panel(d: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    to = d["reached_decision_panel"]
    return d["reached_investigation"], to, to | ~d["open"]


def _any_to(to_of: Callable[[pd.DataFrame], pd.Series], known: str = "") -> Flags:
    """Flags of a step from any stage (every case received) to an event that is final at closure at the latest."""
    def flags(d: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        to = to_of(d)
        settled = to | ~d["open"] | (d[known].notna() if known else False)
        return pd.Series(True, index=d.index), to, settled
    return flags


TRANSITIONS: tuple[Transition, ...] = (
    Transition(1, "triage", "PAG", "PAG held or referred to PAG at triage (both count as reaching PAG), triage "
               "closed the concern or resolved it locally, or case closed", _triage_to_pag),
    Transition(2, "PAG", "investigation", "investigation commissioned or recorded as not commissioned, or case "
               "closed", _pag_to_investigation),
    Transition(3, "investigation", "decision panel", "decision panel held, or case closed", _investigation_to_panel),
    Transition(4, "any stage", "adverse outcome", "outcome recorded, or case closed",
               _any_to(lambda d: d["adverse_outcome"], known="outcome")),
    Transition(5, "any stage", "suspension", "suspended, or case closed", _any_to(lambda d: _flag(d["suspended"]))),
    Transition(6, "any stage", "regulator referral", "referred, or case closed",
               _any_to(lambda d: _flag(d["regulator_referral"]))),
)


@dataclass(frozen=True)
class Cascade:
    """The cases received in a window and how each one counts at each transition, ready to count by any grouping.

    Build it once with `Cascade.of(cases, window)` and pass it to `progression` for every dimension of
    the same cases: the stage flags are then worked out once, not once per dimension.
    """

    window: Window
    inside: np.ndarray
    """Which rows of the cases table were received in the window."""
    pattern: np.ndarray
    """Per case received in the window, its row of `counted` (cases share a few dozen distinct rows)."""
    counted: np.ndarray
    """(distinct rows x transitions x 3) of 0/1: counted in from_n (reached, step settled), to_n (reached,
    went on) and pending (reached, not settled)."""

    @classmethod
    def of(cls, cases: pd.DataFrame, window: Window) -> Cascade:
        """The stage flags of the window's cases (TRANSITIONS), as the few distinct patterns they form. The stage
        flags of schema.with_derived are read from the cases when they carry them (as the reports' inputs do),
        derived from the stage columns otherwise."""
        inside = received_mask(cases, window)
        if set(STAGE_FLAGS) <= set(cases.columns):
            derived = cases.loc[inside, [*STAGE_COLUMNS, *STAGE_FLAGS]]
        else:
            derived = schema.with_derived(cases[["ethnicity_code", *STAGE_COLUMNS]][inside])
        flags = []
        for t in TRANSITIONS:
            reached, to, settled = (np.asarray(f, dtype=bool) for f in t.flags(derived))
            flags += [reached & settled, reached & to, reached & ~settled]
        bits = np.column_stack(flags).astype(np.int64) @ (1 << np.arange(len(flags)))
        distinct, pattern = np.unique(bits, return_inverse=True)
        counted = (distinct[:, None] >> np.arange(len(flags))) & 1
        return cls(window, inside, pattern, counted.reshape(len(distinct), len(TRANSITIONS), 3))

    def counts(self, key: np.ndarray, groups: int) -> np.ndarray:
        """(transitions x groups x 3) from_n, to_n and pending, the window's cases grouped by `key` (0 .. groups-1)."""
        patterns = len(self.counted)
        per_pattern = np.bincount(key * patterns + self.pattern, minlength=groups * patterns).reshape(groups, patterns)
        return np.einsum("gp,ptc->tgc", per_pattern, self.counted)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, NaN where whole is 0."""
    return part / np.where(whole > 0, whole, np.nan)


def _stage_counts(cases: pd.DataFrame, dimension: str, cascade: Cascade, by: Sequence[str]) -> pd.DataFrame:
    """from_n, to_n and pending per transition x (*by, group) over the cases received in the window."""
    key, index = group_keys(cases, dimension, by, mask=cascade.inside)
    counts = cascade.counts(key, len(index)).reshape(len(TRANSITIONS) * len(index), 3)
    groups = index.to_frame(index=False)
    row = np.tile(np.arange(len(index)), len(TRANSITIONS))  # transition by transition, every (*by, group)
    step = np.repeat(np.arange(len(TRANSITIONS)), len(index))
    per_step = {
        "step": [t.step for t in TRANSITIONS], "transition": [t.label for t in TRANSITIONS],
        "from_stage": [t.from_stage for t in TRANSITIONS], "to_stage": [t.to_stage for t in TRANSITIONS],
        "method": [f"{COHORT_RULE.format(settled=t.settled)}; {PROGRESSION_METHOD}; {RATIO_RULE}" for t in TRANSITIONS],
    }
    return pd.DataFrame({
        **{c: groups[c].to_numpy()[row] for c in groups.columns},
        "from_n": counts[:, 0], "to_n": counts[:, 1], "pending": counts[:, 2],
        **{c: np.array(values)[step] for c, values in per_step.items()},
    })


def progression(
    cases: pd.DataFrame,
    *,
    dimension: str,
    reference: str,
    window: Window,
    confidence: float = 0.95,
    band: tuple[float, float] = (0.8, 1.25),
    by: Sequence[str] = (),
    cascade: Cascade | None = None,
) -> pd.DataFrame:
    """P(next stage | this stage) by group for each transition of the cascade, against the reference group.

    One row per (*by, transition, group), stated groups only (reference included, verdict "reference"),
    transitions in cascade order (`step`). proportion = to_n / from_n with its Wilson interval
    (lower, upper); ratio = proportion / ref_proportion with its Katz interval (ratio_lower,
    ratio_upper), Fisher's exact p and the band verdict ("not calculable" when either group has no
    case going on). Columns: measure, dimension, *by, step, transition, from_stage, to_stage, group,
    reference, from_n, to_n, pending, proportion, lower, upper, ref_from_n, ref_to_n, ref_proportion,
    ratio, ratio_lower, ratio_upper, fisher_p, verdict, band, window, financial_years, confidence, method.
    `cascade`: `Cascade.of(cases, window)`, to tabulate many dimensions of the same cases without
    working out the stage flags again for each.
    """
    definition = check_dimension(dimension, by, reference)
    table = _stage_counts(cases, dimension, shared_for(cases, window, cascade, Cascade.of, "cascade"), by)
    keys = [*by, "step"]
    table = versus_reference(table[table["group"].isin(definition.stated_groups)], keys, reference, ["from_n", "to_n"],
                             keep_reference=True)
    out = in_group_order(table, definition, keys)
    from_n, to_n = out["from_n"].to_numpy(), out["to_n"].to_numpy()
    ref_from_n, ref_to_n = (out[c].fillna(0).to_numpy(dtype=np.int64) for c in ("ref_from_n", "ref_to_n"))
    has = from_n > 0
    interval = np.full((2, len(out)), np.nan)
    if has.any():
        interval[:, has] = wilson_interval(to_n[has], from_n[has], confidence)
    compared = compare_groups(*(pd.Series(v) for v in (to_n, from_n, ref_to_n, ref_from_n)), confidence=confidence,
                              band=band)
    is_reference = (out["group"] == reference).to_numpy()
    ratios = {name: np.where(is_reference, np.nan, compared[c].to_numpy()) for name, c in
              (("ratio", "ratio"), ("ratio_lower", "lower"), ("ratio_upper", "upper"), ("fisher_p", "fisher_p"))}
    return pd.DataFrame({
        "measure": "progression through the process", "dimension": dimension,
        **{c: out[c] for c in [*by, "step", "transition", "from_stage", "to_stage", "group"]}, "reference": reference,
        "from_n": from_n, "to_n": to_n, "pending": out["pending"], "proportion": _share(to_n, from_n),
        "lower": interval[0], "upper": interval[1], "ref_from_n": ref_from_n, "ref_to_n": ref_to_n,
        "ref_proportion": _share(ref_to_n, ref_from_n), **ratios,
        "verdict": np.where(is_reference, REFERENCE, compared["verdict"].to_numpy()),
        "band": f"{band[0]:.2f}-{band[1]:.2f}", "window": window.label,
        "financial_years": ", ".join(window.financial_years), "confidence": confidence, "method": out["method"],
    })
