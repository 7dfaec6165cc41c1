"""Vectorised random draws shared by the generator's modules (no per-row Python loops)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from lotus_analytics.workdays import add_working_days

NAT = np.datetime64("NaT", "D")


def probabilities(weights: Sequence[float]) -> np.ndarray:
    """Normalise weights to probabilities."""
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def categorical(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    """`n` category indices drawn with the given weights (inverse CDF of uniforms)."""
    cum = np.cumsum(probabilities(weights))
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)


def conditional_categorical(rng: np.random.Generator, given: np.ndarray, table: np.ndarray) -> np.ndarray:
    """One index per row, drawn from row `given[i]` of a (groups x categories) weight table."""
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(given))
    return np.minimum((u[:, None] > cum[given]).sum(axis=1), table.shape[1] - 1)


def lognormal_days(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int, minimum: int = 0,
) -> np.ndarray:
    """Right-skewed whole-day durations: a lognormal with the given median, rounded, floored at `minimum`.

    Rounding is monotone, so the median of the rounded values is the rounded median.
    """
    mu = np.log(np.broadcast_to(np.asarray(median, dtype=float), (n,)))
    return np.maximum(np.rint(rng.lognormal(mu, sigma)), minimum).astype(np.int64)


def after_working_days(start: np.ndarray, days: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """`start + days` working days as datetime64[D]; NaT where `start` is NaT."""
    out = np.full(len(start), NAT)
    known = ~np.isnat(start)
    out[known] = add_working_days(start[known], np.asarray(days)[known], holidays)
    return out


def after_days(start: np.ndarray, days: np.ndarray) -> np.ndarray:
    """`start + days` calendar days as datetime64[D] (NaT stays NaT)."""
    return (start + days.astype("timedelta64[D]")).astype("datetime64[D]")


def pick_subsets(rng: np.random.Generator, log_weights: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per row, `sizes[i]` distinct columns drawn without replacement (Gumbel top-k); a bool matrix.

    `log_weights` is (rows x columns); -inf excludes a column.
    """
    keys = log_weights + rng.gumbel(size=log_weights.shape)
    ranks = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return ranks < sizes[:, None]


def weighted_sets(rng: np.random.Generator, weights: Sequence[float], size_mix: Sequence[float], n: int) -> np.ndarray:
    """`n` sets of 1, 2, ... members (sizes drawn from `size_mix`), members drawn by weight; a bool matrix."""
    log_weights = np.broadcast_to(np.log(np.asarray(weights, dtype=float)), (n, len(weights)))
    return pick_subsets(rng, log_weights, categorical(rng, n, size_mix) + 1)


def set_strings(chosen: np.ndarray, values: Sequence[str]) -> np.ndarray:
    """';'-joined labels of each row's chosen columns, in schema order (None for an empty row)."""
    bits = chosen.astype(np.int64) @ (1 << np.arange(len(values), dtype=np.int64))
    used = np.unique(bits)
    labels = np.array(
        [";".join(v for j, v in enumerate(values) if b >> j & 1) or None for b in used.tolist()],
        dtype=object,
    )
    return labels[np.searchsorted(used, bits)]


def labels(codes: np.ndarray, values: Sequence[str]) -> np.ndarray:
    """Map integer codes to their labels (object array); negative codes become None."""
    table = np.array([*values, None], dtype=object)
    return table[np.where(codes < 0, len(values), codes)]


def sequence_ids(prefix: str, n: int, width: int = 7, start: np.ndarray | None = None) -> np.ndarray:
    """Identifiers prefix0000001, prefix0000002, ... (or prefix + each number of `start`) as an object array."""
    numbers = np.char.zfill((np.arange(1, n + 1) if start is None else start).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def has_label(sets: pd.Series, label: str) -> np.ndarray:
    """Whether each ';'-separated set holds `label`."""
    return sets.fillna("").str.contains(rf"(?:^|;){label}(?:;|$)").to_numpy(dtype=bool)
