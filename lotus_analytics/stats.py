"""Confidence intervals, funnel-plot limits and tests for counts, proportions and ratios.

The methods follow UKHSA's PHEindicatormethods R package (the Fingertips public-health profiles):
Wilson score intervals for proportions, exact Poisson limits below 10 events and Byar's
approximation from 10 upwards for counts and indirectly standardised ratios, funnel-plot control
limits (inverted Wilson for proportions, exact Poisson for ratios), the Katz log interval for
risk ratios (at most one event per person) and the log-Poisson interval for rate ratios (events per
person). Every
function accepts scalars or numpy arrays / pandas Series (broadcast together) and returns floats
for scalar input, numpy arrays otherwise. Inputs are validated with ValueErrors that say what is
wrong, so a bad table never surfaces as a numpy warning or a silent NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Union

import numpy as np
import pandas as pd
from scipy import special as spf
from scipy import stats as sps

ArrayLike = Union[float, int, np.ndarray, pd.Series]
Result = Union[float, np.ndarray]

EXACT_POISSON_BELOW = 10  # PHEindicatormethods: exact limits below 10 events, Byar's otherwise


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile z = Φ⁻¹(1 − α/2), α = 1 − confidence (1.959964 at 95%).

    Method: the standard normal quantile used by every interval of PHEindicatormethods (UKHSA),
    `qnorm(confidence + (1 - confidence)/2)` in its R source; computed by scipy.stats.norm.ppf.
    """
    if not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1 (e.g. 0.95), not {confidence!r}")
    return float(sps.norm.ppf(1 - (1 - confidence) / 2))


def _counts(name: str, values: ArrayLike) -> np.ndarray:
    """Validate non-negative finite numbers and return them as a float array."""
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite numbers (no missing values)")
    if np.any(arr < 0):
        raise ValueError(f"{name} must not be negative")
    return arr


def _not_above(small: str, x: np.ndarray, big: str, n: np.ndarray) -> None:
    if np.any(x > n):
        raise ValueError(f"{small} must not exceed {big}")


def _positive(name: str, n: np.ndarray) -> None:
    if np.any(n <= 0):
        raise ValueError(f"{name} must be greater than 0")


def _out(values: np.ndarray, *inputs: ArrayLike) -> Result:
    """A float when every input was a scalar, the array otherwise."""
    if all(np.ndim(v) == 0 for v in inputs):
        return float(values)
    return values


def wilson_interval(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[Result, Result]:
    """Wilson score interval for the proportion x/n, on the 0-1 scale.

    (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)). Method: Wilson (1927), J Am Stat Assoc 22:209-212,
    as implemented by PHEindicatormethods::phe_proportion (UKHSA).
    """
    z = z_value(confidence)
    xa, na = _counts("x", x), _counts("n", n)
    _positive("n", na)
    _not_above("x", xa, "n", na)
    root = z * np.sqrt(z**2 + 4 * xa * (1 - xa / na))
    denom = 2 * (na + z**2)
    return _out((2 * xa + z**2 - root) / denom, x, n), _out((2 * xa + z**2 + root) / denom, x, n)


def percent_with_interval(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, ...]:
    """Percentage 100·x/n with its Wilson interval (0-100), NaN where n is 0 or missing: the share columns of
    the lessons-learnt tables, where an empty period or group is common and must not fail."""
    xs, ns = (np.asarray(pd.to_numeric(pd.Series(np.ravel(v)), errors="coerce"), dtype=float) for v in (x, n))
    pct, low, high = (np.full(len(xs), np.nan) for _ in range(3))
    has = ns > 0
    if has.any():
        pct[has] = 100 * xs[has] / ns[has]
        low[has], high[has] = (100 * np.asarray(b) for b in wilson_interval(xs[has], ns[has], confidence))
    return pct, low, high


def poisson_interval(x: ArrayLike, confidence: float = 0.95) -> tuple[Result, Result]:
    """Confidence limits for an observed count x (divide by the population for a rate).

    Exact Poisson limits from the χ² distribution when x < 10 (lower = χ²(α/2, 2x)/2, upper =
    χ²(1 − α/2, 2x + 2)/2), Byar's approximation otherwise: lower x(1 − 1/(9x) − z/(3√x))³, upper
    (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³. Method: PHEindicatormethods::phe_rate (UKHSA); Breslow
    and Day (1987), Statistical Methods in Cancer Research vol. II.
    """
    z = z_value(confidence)
    alpha = 1 - confidence
    xa = _counts("x", x)
    exact = xa < EXACT_POISSON_BELOW
    safe = np.where(exact, EXACT_POISSON_BELOW, xa)  # keeps Byar's formula away from x = 0
    byar_lower = safe * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3
    byar_upper = (safe + 1) * (1 - 1 / (9 * (safe + 1)) + z / (3 * np.sqrt(safe + 1))) ** 3
    exact_lower = np.where(xa > 0, sps.chi2.ppf(alpha / 2, 2 * np.maximum(xa, 1)) / 2, 0.0)
    exact_upper = sps.chi2.ppf(1 - alpha / 2, 2 * xa + 2) / 2
    lower = np.where(exact, exact_lower, byar_lower)
    upper = np.where(exact, exact_upper, byar_upper)
    return _out(lower, x), _out(upper, x)


def risk_ratio(
    a: ArrayLike, n1: ArrayLike, c: ArrayLike, n0: ArrayLike, confidence: float = 0.95
) -> tuple[Result, Result, Result]:
    """Risk ratio (a/n1) ÷ (c/n0) with the Katz log interval; returns (ratio, lower, upper).

    SE(log RR) = √(1/a − 1/n1 + 1/c − 1/n0); limits exp(log RR ∓ z·SE). Where a or c is 0 the ratio
    and its limits are NaN (report the counts instead). Method: Katz, Baptista, Azen and Pike (1978),
    Biometrics 34:469-474; the form used for WRES indicator 3 (NHS England).
    """
    return _log_ratio_interval((a, n1, c, n0), lambda x1, m1, x0, m0: 1 / x1 - 1 / m1 + 1 / x0 - 1 / m0, confidence,
                               several_per_person=False)


def rate_ratio(
    a: ArrayLike, n1: ArrayLike, c: ArrayLike, n0: ArrayLike, confidence: float = 0.95
) -> tuple[Result, Result, Result]:
    """Rate ratio (a/n1) ÷ (c/n0) of event counts per person (or person-time); returns (ratio, lower, upper).

    Log-Poisson (Wald) interval: SE(log RR) = √(1/a + 1/c); limits exp(log RR ∓ z·SE). Unlike
    `risk_ratio` a person may have several events, so a may exceed n1. Where a or c is 0 the ratio
    and its limits are NaN (report the counts instead). Method: Rothman, Greenland and Lash (2008),
    Modern Epidemiology, 3rd ed., ch. 14 (incidence-rate ratio); as statsmodels'
    confint_poisson_2indep(method="wald-log", compare="ratio").
    """
    return _log_ratio_interval((a, n1, c, n0), lambda x1, m1, x0, m0: 1 / x1 + 1 / x0, confidence,
                               several_per_person=True)


def _log_ratio_interval(
    inputs: tuple[ArrayLike, ...], variance: Callable[..., np.ndarray], confidence: float, *, several_per_person: bool
) -> tuple[Result, Result, Result]:
    """(a/n1) ÷ (c/n0) with limits exp(log ratio ∓ z·√variance(a, n1, c, n0)); NaN where a or c is 0.

    Validates the counts; unless `several_per_person`, a must not exceed n1 nor c n0.
    """
    z = z_value(confidence)
    aa, n1a, ca, n0a = (_counts(k, v) for k, v in zip(("a", "n1", "c", "n0"), inputs))
    _positive("n1", n1a)
    _positive("n0", n0a)
    if not several_per_person:
        _not_above("a", aa, "n1", n1a)
        _not_above("c", ca, "n0", n0a)
    calculable = (aa > 0) & (ca > 0)
    sa, sc = np.where(calculable, aa, 1.0), np.where(calculable, ca, 1.0)
    log_ratio = np.log((sa / n1a) / (sc / n0a))
    se = np.sqrt(variance(sa, n1a, sc, n0a))
    nan = np.full(np.broadcast(aa, n1a, ca, n0a).shape, np.nan)
    ratio = np.where(calculable, np.exp(log_ratio), nan)
    lower = np.where(calculable, np.exp(log_ratio - z * se), nan)
    upper = np.where(calculable, np.exp(log_ratio + z * se), nan)
    return _out(ratio, *inputs), _out(lower, *inputs), _out(upper, *inputs)


FISHER_TIE_TOLERANCE = 1e-7  # relative: R's fisher.test counts d <= d_observed * (1 + 1e-7) as a tie
_FISHER_REACH_SD = 10  # each sum spans mean ± (observed distance + 10 sd + 2): the mass beyond is < 1e-11
_LOG_NEGLIGIBLE = np.log(1e-300)
_FISHER_TERMS_PER_BATCH = 1_000_000  # support terms held in memory at once


def fisher_exact_p(a: ArrayLike, n1: ArrayLike, c: ArrayLike, n0: ArrayLike) -> Result:
    """Two-sided Fisher's exact test p-value for a events of n1 against c events of n0.

    The 2×2 table [[a, n1 − a], [c, n0 − c]]; counts must be whole numbers. p is the total
    hypergeometric probability (margins fixed) of the tables no more probable than the observed one,
    computed as R's fisher.test does: log-probabilities over the support, scaled to sum to 1, and a
    table counting as a tie within a relative 1e-7 (`d <= d[x - lo + 1] * (1 + relErr)`, relErr 1e-7;
    `relErr <- 1 + 10^(-7)` in older releases). The tolerance matters: log-gamma rounding splits
    mirror-image ties of large tables by ~1e-9, which scipy's 1e-14 (on exact probabilities) would miss.
    Every table is done at once with scipy.special.gammaln (scipy.stats.fisher_exact, one table per
    call, took ~110 s for the equity tables of a 1M-case extract), each over mean ± (distance of the
    observed count + 10 sd + 2), beyond which the hypergeometric mass is below 1e-11; a table whose
    own probability times its support size is below 1e-300 gets p = 0, and a zero margin (one possible
    table) p = 1. Agrees with scipy.stats.fisher_exact to 1e-8. Method: Fisher (1922), J R Stat Soc
    85:87-94.
    """
    arrays = [_counts(k, v) for k, v in (("a", a), ("n1", n1), ("c", c), ("n0", n0))]
    if any(np.any(arr != np.round(arr)) for arr in arrays):
        raise ValueError("Fisher's exact test needs whole-number counts")
    aa, n1a, ca, n0a = np.broadcast_arrays(*arrays)
    _not_above("a", aa, "n1", n1a)
    _not_above("c", ca, "n0", n0a)
    p = _fisher_two_sided(aa.ravel(), n1a.ravel(), ca.ravel(), n0a.ravel()).reshape(aa.shape)
    return _out(p, a, n1, c, n0)


def _fisher_two_sided(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """fisher_exact_p for flat, validated arrays: a ~ hypergeometric(n1 + n0 people, n1 in group, a + c events)."""
    events, people = a + c, n1 + n0
    low, high = np.maximum(0.0, events - n0), np.minimum(n1, events)
    mean = events * n1 / np.maximum(people, 1)
    sd = np.sqrt(events * n1 * n0 * (people - events) / (np.maximum(people, 1) ** 2 * np.maximum(people - 1, 1)))
    margins = (spf.gammaln(n1 + 1) + spf.gammaln(n0 + 1) + spf.gammaln(events + 1)
               + spf.gammaln(people - events + 1) - spf.gammaln(people + 1))

    def log_probability(x: np.ndarray, table: np.ndarray) -> np.ndarray:
        """log P(a = x) for the given tables' margins."""
        return (margins[table] - spf.gammaln(x + 1) - spf.gammaln(n1[table] - x + 1)
                - spf.gammaln(events[table] - x + 1) - spf.gammaln(n0[table] - events[table] + x + 1))

    tables = np.arange(len(a))
    observed = log_probability(a, tables)
    at_mode = log_probability(np.floor((events + 1) * (n1 + 1) / (people + 2)), tables)
    reach = np.abs(a - mean) + _FISHER_REACH_SD * sd + 2
    first = np.maximum(low, np.floor(mean - reach))
    width = (np.minimum(high, np.ceil(mean + reach)) - first + 1).astype(np.int64)
    width[observed + np.log(high - low + 1) < _LOG_NEGLIGIBLE] = 0
    tie = np.log1p(FISHER_TIE_TOLERANCE)
    as_likely, summed = np.zeros(len(a)), np.zeros(len(a))
    for batch in _batches(width, _FISHER_TERMS_PER_BATCH):
        local = np.repeat(np.arange(batch.stop - batch.start), width[batch])
        table = batch.start + local
        x = first[table] + np.arange(len(table)) - np.repeat(np.cumsum(width[batch]) - width[batch], width[batch])
        terms = log_probability(x, table)
        relative = np.exp(terms - at_mode[table])
        summed[batch] = np.bincount(local, weights=relative, minlength=len(width[batch]))
        as_likely[batch] = np.bincount(local, weights=np.where(terms <= observed[table] + tie, relative, 0.0),
                                       minlength=len(width[batch]))
    p = np.divide(as_likely, summed, out=np.zeros(len(a)), where=summed > 0)
    return np.where(high == low, 1.0, np.minimum(p, 1.0))


def _batches(sizes: np.ndarray, limit: int) -> Iterator[slice]:
    """Consecutive slices of `sizes` totalling at most `limit` each (an item larger than it on its own)."""
    ends = np.cumsum(sizes)
    start = 0
    while start < len(sizes):
        stop = max(start + 1, int(np.searchsorted(ends, ends[start] - sizes[start] + limit, side="right")))
        yield slice(start, stop)
        start = stop


def standardised_ratio(
    observed: ArrayLike, expected: ArrayLike, confidence: float = 0.95
) -> tuple[Result, Result, Result]:
    """Indirectly standardised ratio O/E with the interval of the observed count; (ratio, lower, upper).

    The limits are those of `poisson_interval` (exact below 10 events, Byar's from 10) divided by the
    expected count E, which is treated as fixed. Method: PHEindicatormethods::calculate_ISRatio
    (UKHSA), refvalue 1; Breslow and Day (1987), Statistical Methods in Cancer Research vol. II.
    """
    oa, ea = _counts("observed", observed), _counts("expected", expected)
    _positive("expected", ea)
    lower, upper = poisson_interval(oa, confidence)
    return _out(oa / ea, observed, expected), _out(lower / ea, observed, expected), _out(upper / ea, observed, expected)


def proportion_funnel_limits(average: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[Result, Result]:
    """Funnel-plot control limits around the pooled proportion `average` for a unit of size n (0-1 scale).

    A limit is the proportion whose Wilson score interval at `confidence` just reaches the average:
    PHEindicatormethods' `sigma_adjustment`, used by calculate_funnel_limits and
    assign_funnel_significance with p = 0.975 for 95% and p = 0.999 for 99.8% (z = Φ⁻¹(p), no
    continuity correction). The Wilson interval is the inverted score test |x/n − π| ≤ z√(π(1 − π)/n),
    so at π = average PHE's closed form reduces exactly to average ∓ z√(average(1 − average)/n), which
    is computed here. Limits are clipped to 0-1, as calculate_funnel_limits clips them to 0-100%.
    Method: Spiegelhalter (2005), Statistics in Medicine 24:1185-1202; Fingertips technical guidance.
    """
    z = z_value(confidence)
    pa, na = _counts("average", average), _counts("n", n)
    if np.any(pa > 1):
        raise ValueError("average must be a proportion between 0 and 1")
    _positive("n", na)
    half = z * np.sqrt(pa * (1 - pa) / na)
    return _out(np.clip(pa - half, 0, 1), average, n), _out(np.clip(pa + half, 0, 1), average, n)


def ratio_funnel_limits(expected: ArrayLike, confidence: float = 0.95) -> tuple[Result, Result]:
    """Funnel-plot control limits of an observed/expected ratio (target 1) at expected count E.

    Exact Poisson limits, as PHEindicatormethods::calculate_funnel_limits(statistic = "ratio") draws
    them: the upper limit is o/E for the count o whose exact lower confidence limit is E
    (P(X ≥ o | E) = α/2), the lower limit o/E for the o whose exact upper limit is E
    (P(X ≤ o | E) = α/2). PHE solves E for whole o by bisection (`poisson_funnel`); here o is solved
    for each E with the regularised incomplete gamma function (P(X ≥ o | E) = P(o, E); scipy's
    gdtrib), which passes through PHE's points and joins them smoothly. The lower limit is 0 where
    even 0 events would not fall below it.
    """
    alpha = 1 - confidence
    z_value(confidence)  # validates the level
    ea = _counts("expected", expected)
    _positive("expected", ea)
    upper_count = spf.gdtrib(1.0, alpha / 2, ea)
    lower_count = np.maximum(spf.gdtrib(1.0, 1 - alpha / 2, ea) - 1, 0.0)
    return _out(lower_count / ea, expected), _out(upper_count / ea, expected)
