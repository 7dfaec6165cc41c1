"""Relative likelihood of entering the process, by a demographic dimension (METHODS.md §2).

WRES indicator 3 form: the rate of cases received in a rolling window per headcount in group g,
divided by the same rate in the reference group, with the log-Poisson rate-ratio interval (a
practitioner can have several cases, so the Katz interval of WRES, which assumes one event per
person, is too narrow), Fisher's exact p-value and the 0.80-1.25 "no adverse impact" band
(four-fifths rule). Dimensions, their source columns, groupings and group order come from
schema.DIMENSIONS. Not-stated values are left out of the ratios and reported on their own by
`not_stated_share`, never merged or silently dropped. `entry_trend` recomputes the ratio over the
rolling window ending at each of the last quarters, for a chart.
`compare_groups` (with the Katz interval there: a case goes on at most once) and `versus_reference`
are shared with the progression measure.
"""

from __future__ import annotations

from typing import Callable, Literal, Sequence, TypeVar

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.periods import FinancialQuarter, Window, fy_start_of, rolling_window
from lotus_analytics.stats import fisher_exact_p, rate_ratio, risk_ratio

DEMOGRAPHIC_COLUMNS = tuple(dict.fromkeys(c for d in schema.DIMENSIONS.values() for c in d.columns))
BY_COLUMNS = ("region", "icb_code", "profession")
MISSING = "missing"
NOT_CALCULABLE = "not calculable"
NO_DENOMINATOR = "no denominator"
RATE_UNIT = "cases per 1,000 headcount over the window"
Interval = Literal["katz", "poisson"]
"""A ratio's interval: "katz" when each person has the event at most once, "poisson" when events are counts."""
INTERVALS = {"katz": risk_ratio, "poisson": rate_ratio}
ENTRY_METHOD = (
    "log-Poisson rate-ratio interval, SE = sqrt(1/a + 1/c); Katz (WRES) assumes one event per person, but "
    "events here are cases; Fisher exact p (METHODS.md), which also treats events as people and so runs a "
    "little small when people have several cases; WRES indicator 3 form"
)
RATIO_RULE = (
    "no ratio where either group has no events or events for all of its denominator (a zero cell of the "
    "2x2 table); Fisher's p is still given"
)
ENTRY_RATIO_RULE = (
    "no ratio where either group has no cases; Fisher's p is still given, except for a group with more "
    "cases than headcount (no 2x2 table), which still has its ratio"
)
EVENTS_RULE = (
    "events = cases received in the window, not people: METHODS.md defines the rate as cases per "
    "headcount, so a practitioner with two cases counts twice"
)
HEADCOUNT_RULE = (
    "denominator = headcount at 31 March of each financial year the window touches, weighted by the "
    "number of the window's quarters in that year (e.g. 2, 4 and 2 of 8), rounded to whole people; a "
    "value (e.g. an ethnic code) with no headcount for a year (e.g. the current one) takes its latest "
    "earlier year's; 'no denominator' where the workforce has no table for the dimension's columns "
    "(e.g. no ethnicity x place of qualification cells) or no headcount year at or before the window's first"
)
ENTRY_COLUMNS = [
    "group", "reference", "events", "headcount", "rate", "ref_events", "ref_headcount", "ref_rate", "ratio",
    "lower", "upper", "fisher_p", "verdict", "band", "window", "financial_years", "confidence", "rate_unit", "method",
]


def check_dimension(dimension: str, by: Sequence[str], reference: str | None = None) -> schema.Dimension:
    """The schema definition of `dimension`, once it, the `by` columns and the reference group are known to be allowed."""
    if dimension not in schema.DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(schema.DIMENSIONS)}, not {dimension!r}")
    wrong = [c for c in by if c not in BY_COLUMNS]
    if wrong:
        raise ValueError(f"inequality measures can be split by {', '.join(BY_COLUMNS)} only, not {', '.join(wrong)}")
    definition = schema.DIMENSIONS[dimension]
    if reference is not None and reference not in definition.stated_groups:
        raise ValueError(f"reference {reference!r} is not a {dimension} group ({', '.join(definition.stated_groups)})")
    return definition


def dimension_values(frame: pd.DataFrame, dimension: str, *, codes: bool = False) -> pd.Series:
    """Each row's group for `dimension` (its source codes, e.g. ethnic codes, when `codes`)."""
    definition = schema.DIMENSIONS[dimension]
    return definition.codes_of(frame) if codes else definition.groups_of(*(frame[c] for c in definition.columns))


def received_mask(cases: pd.DataFrame, window: Window) -> np.ndarray:
    """Which cases were received within the window (inclusive)."""
    return cases["date_received"].between(window.start, window.end).to_numpy()


Shared = TypeVar("Shared")


def shared_for(cases: pd.DataFrame, window: Window, given: Shared | None, make: Callable[[pd.DataFrame, Window], Shared],
               name: str) -> Shared:
    """A precomputed per-window input (progression.Cascade, consistency.Triage) once known to be of `cases`
    (as many rows) and `window`; worked out with `make` when None."""
    if given is None:
        return make(cases, window)
    if given.window != window or len(given.inside) != len(cases):  # type: ignore[attr-defined]
        raise ValueError(f"{name} was worked out for other cases or another window: use {type(given).__name__}.of(cases, "
                         "window)")
    return given


def group_keys(
    frame: pd.DataFrame, dimension: str, by: Sequence[str] = (), *, codes: bool = False, mask: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.Index]:
    """Each row's position in an index of (*by, group) combinations, so that counting rows is one np.bincount.

    Only the rows in `mask` (all when None). Each column is factorised once and the dimension's groups
    (its source codes when `codes`) are worked out for the distinct source values only: a groupby on
    strings is slow at a million rows. A missing dimension value forms the group "missing". The index
    holds every combination of the by-values and groups seen, whether or not the combination occurs.
    """
    def factorised(column: str) -> tuple[np.ndarray, np.ndarray]:
        """Codes and distinct values of a column; a missing value gets the last code (faster than pandas' own)."""
        values = frame[column].to_numpy()
        codes, distinct = pd.factorize(values if mask is None else values[mask])
        if (codes < 0).any():
            codes, distinct = np.where(codes < 0, len(distinct), codes), np.append(np.asarray(distinct, dtype=object), None)
        return codes, distinct

    definition = schema.DIMENSIONS[dimension]
    size = len(frame) if mask is None else int(mask.sum())
    key, levels = np.zeros(size, dtype=np.int64), []
    for column in by:
        k, labels = factorised(column)
        key, levels = key * len(labels) + k, [*levels, labels]
    combination, sources = np.zeros(size, dtype=np.int64), []
    for column in definition.columns:
        k, labels = factorised(column)
        combination, sources = combination * len(labels) + k, [*sources, labels]
    every = np.indices([len(labels) for labels in sources]).reshape(len(sources), -1)  # first column slowest
    grid = pd.DataFrame({c: labels[i] for c, labels, i in zip(definition.columns, sources, every)})
    group_of_combination, groups = pd.factorize(dimension_values(grid, dimension, codes=codes).fillna(MISSING))
    key = key * len(groups) + group_of_combination[combination]
    if by:
        return key, pd.MultiIndex.from_product([*levels, groups], names=[*by, "group"])
    return key, pd.Index(groups, name="group")


def _in_marginal_table(workforce: pd.DataFrame, dimension: str) -> np.ndarray:
    """Which workforce rows form the stacked marginal table for `dimension`: its columns set, the others null."""
    mine = np.isin(DEMOGRAPHIC_COLUMNS, schema.DIMENSIONS[dimension].columns)
    given = np.column_stack([workforce[c].notna().to_numpy() for c in DEMOGRAPHIC_COLUMNS])
    return given[:, mine].all(axis=1) & ~given[:, ~mine].any(axis=1)


def _headcount_by_year(workforce: pd.DataFrame, dimension: str, by: Sequence[str]) -> pd.DataFrame | None:
    """31 March headcount per (*by, source codes) row and financial-year column, both sorted, NaN where a row has
    no headcount for a year (a missing headcount counts 0, a row with a missing key is left out: a pivot_table's
    sums, counted with np.bincount); None without a table."""
    rows = _in_marginal_table(workforce, dimension)
    if not rows.any():
        return None
    index = [*by, *schema.DIMENSIONS[dimension].columns]
    codes, levels = zip(*(pd.factorize(workforce[c].to_numpy()[rows], sort=True) for c in [*index, "period"]))
    known = np.logical_and.reduce([k >= 0 for k in codes])
    shape = [len(labels) for labels in levels]
    row_key, year = np.divmod(np.ravel_multi_index([k[known] for k in codes], shape), shape[-1])
    present, row = np.unique(row_key, return_inverse=True)
    cell, size = row * shape[-1] + year, len(present) * shape[-1]
    headcount = workforce["headcount"].to_numpy(dtype=float, na_value=0.0)[rows][known]
    total = np.bincount(cell, weights=headcount, minlength=size)
    values = np.where(np.bincount(cell, minlength=size) > 0, total, np.nan).reshape(len(present), shape[-1])
    keys = [labels[k] for labels, k in zip(levels, np.unravel_index(present, shape[:-1]))]
    rows_index = pd.MultiIndex.from_arrays(keys, names=index) if len(index) > 1 else pd.Index(keys[0], name=index[0])
    return pd.DataFrame(values, index=rows_index, columns=pd.Index(levels[-1], name="period"))


def _weighted_headcount(
    per_year: pd.DataFrame, dimension: str, window: Window, by: Sequence[str], codes: bool
) -> pd.Series | None:
    """The window's quarter-weighted headcount per (*by, group) from `_headcount_by_year`; None = no denominator."""
    definition = schema.DIMENSIONS[dimension]
    weights = window.quarters_per_year
    years = sorted({*per_year.columns, *weights}, key=fy_start_of)
    every_year = np.full((len(per_year), len(years)), np.nan)
    every_year[:, [years.index(y) for y in per_year.columns]] = per_year.to_numpy(dtype=float)
    latest = np.maximum.accumulate(np.where(np.isnan(every_year), 0, np.arange(len(years))), axis=1)
    carried = np.take_along_axis(every_year, latest, axis=1)[:, [years.index(y) for y in weights]]  # carried forward
    if np.isnan(carried).all(axis=0).any():
        return None
    gaps = np.argwhere(np.isnan(carried))
    if len(gaps):
        row, year = gaps[0]
        key = per_year.index[row]
        raise ValueError(
            f"workforce has no headcount for {list(weights)[year]} or any earlier financial year "
            f"({', '.join(definition.columns)}: {', '.join(map(str, key if isinstance(key, tuple) else (key,)))})"
        )
    quarters = np.array(list(weights.values()), dtype=float)
    weighted = pd.Series(carried @ quarters / quarters.sum(), index=per_year.index)
    source = pd.DataFrame({c: weighted.index.get_level_values(c) for c in definition.columns})
    group = pd.Index(dimension_values(source, dimension, codes=codes), name="group")
    summed = weighted.groupby([*(weighted.index.get_level_values(c) for c in by), group]).sum()
    return np.floor(summed + 0.5).astype("int64").rename("headcount")


def window_headcount(
    workforce: pd.DataFrame, dimension: str, window: Window, by: Sequence[str] = (), *, codes: bool = False
) -> pd.Series | None:
    """Headcount over the window per (*by, group), rounded to whole people; None when there is no denominator.

    The 31 March headcounts of the window's financial years, weighted by how many of the window's
    quarters fall in each (Window.quarters_per_year): 2, 4 and 2 of 8 for a two-year window ending in
    Q2. A source code (e.g. ethnic code H) with no headcount for a year (e.g. the current one, not yet
    counted) takes its latest earlier year's; with no earlier year either, a ValueError names the year
    and the code. Codes are then summed into groups (unless `codes`). The workforce is stacked marginal
    tables: the rows with exactly the dimension's columns set (both ethnicity and place of
    qualification for their intersection). None ("no denominator") when it has no such rows, or no
    headcount at all for a window year or any earlier year: nothing is guessed.
    """
    per_year = _headcount_by_year(workforce, dimension, by)
    return None if per_year is None else _weighted_headcount(per_year, dimension, window, by, codes)


def window_events(
    cases: pd.DataFrame, dimension: str, window: Window, by: Sequence[str] = (), *, codes: bool = False
) -> pd.Series:
    """Cases received within the window (inclusive) per (*by, group) that has any; a missing value is group "missing"."""
    key, index = group_keys(cases, dimension, by, codes=codes, mask=received_mask(cases, window))
    events = pd.Series(np.bincount(key, minlength=len(index)), index=index, name="events")
    return events[events > 0]


def _verdict(lower: np.ndarray, upper: np.ndarray, calculable: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    """METHODS.md §2: flagged only when the whole interval lies outside the band."""
    return np.select(
        [~calculable, lower > band[1], upper < band[0]],
        [NOT_CALCULABLE, "higher", "lower"],
        default="within or uncertain",
    )


def compare_groups(
    a: pd.Series, n1: pd.Series, c: pd.Series, n0: pd.Series, *, confidence: float, band: tuple[float, float],
    interval: Interval = "katz",
) -> pd.DataFrame:
    """Per row, the ratio (a/n1) ÷ (c/n0) with its interval, Fisher's exact p and the band verdict.

    `interval` "katz" (stats.risk_ratio, Katz et al. 1978) when each of the n people has the event at
    most once (progression: a case goes on or not); "poisson" (stats.rate_ratio, SE = √(1/a + 1/c))
    when events are counts a person can have several of (entry: cases per headcount). Columns ratio,
    lower, upper, fisher_p, verdict (index of `a`). Fisher's p (stats.fisher_exact_p) is given
    whenever the counts form a 2x2 table (denominators above 0, events not above them). A row where
    either group has no events (METHODS.md §2) or a denominator is missing or 0 has no ratio and is
    "not calculable"; with "katz" so is a row with events for all of a denominator (1 of 1: the Katz
    interval then gets no width from that group). The verdict flags a ratio only when its whole
    interval lies outside `band` (METHODS.md §2, the WRES four-fifths rule).
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, not {interval!r}")
    values = [pd.to_numeric(s, errors="coerce").astype(float).to_numpy() for s in (a, n1, c, n0)]
    ea, na, ec, nc = values
    with np.errstate(invalid="ignore"):
        table = (na > 0) & (nc > 0) & (ea >= 0) & (ec >= 0) & (ea <= na) & (ec <= nc)
        ok = (na > 0) & (nc > 0) & (ea > 0) & (ec > 0)
        if interval == "katz":
            ok &= (ea < na) & (ec < nc)
    ratio, fisher_p = np.full((3, len(ea)), np.nan), np.full(len(ea), np.nan)
    if table.any():
        fisher_p[table] = fisher_exact_p(*(v[table] for v in values))
    if ok.any():
        ratio[:, ok] = INTERVALS[interval](*(v[ok] for v in values), confidence=confidence)
    return pd.DataFrame({"ratio": ratio[0], "lower": ratio[1], "upper": ratio[2], "fisher_p": fisher_p,
                         "verdict": _verdict(ratio[1], ratio[2], ok, band)}, index=a.index)


def versus_reference(
    table: pd.DataFrame, keys: Sequence[str], reference: str, values: Sequence[str], *, keep_reference: bool = False
) -> pd.DataFrame:
    """Rows of `table` (one per *keys, group) with the reference group's `values` beside them as ref_<value>.

    The reference group's own rows are dropped unless `keep_reference`; where it has no row, its values are NaN.
    As a left merge on `keys` would give them, but looked up by position: faster on these small tables.
    """
    is_reference = (table["group"] == reference).to_numpy()
    rows, ref = table if keep_reference else table[~is_reference], np.flatnonzero(is_reference)
    if not keys and not len(ref):
        return rows.assign(**{f"ref_{v}": np.nan for v in values})
    rows = rows.reset_index(drop=True)
    if keys:
        def index(frame: pd.DataFrame) -> pd.Index:
            return pd.MultiIndex.from_frame(frame[list(keys)]) if len(keys) > 1 else pd.Index(frame[keys[0]])
        position = index(table.iloc[ref]).get_indexer(index(rows))
    else:
        position = np.zeros(len(rows), dtype=np.int64)
    found = position >= 0
    row = np.full(len(position), -1)  # the reference's row of `table` beside each row, -1: none
    row[found] = ref[position[found]]

    def looked_up(column: pd.Series) -> pd.api.extensions.ExtensionArray:
        column = column.reset_index(drop=True)
        return (column.take(row) if (row >= 0).all() else column.reindex(row)).array
    return rows.assign(**{f"ref_{v}": looked_up(table[v]) for v in values})


def in_group_order(frame: pd.DataFrame, definition: schema.Dimension, keys: Sequence[str]) -> pd.DataFrame:
    """Rows sorted by `keys` (each in its own order, missing last), then groups in the dimension's publication
    order (a group outside it, such as "missing", last): a stable sort."""
    def rank(codes: np.ndarray) -> np.ndarray:
        return np.where(codes < 0, codes.max(initial=0) + 1, codes)
    group = rank(pd.Index(definition.groups).get_indexer(frame["group"]))
    order = np.lexsort([group, *(rank(pd.factorize(frame[k], sort=True)[0]) for k in reversed(keys))])
    return frame.take(order).reset_index(drop=True)


def _count_table(events: pd.Series, headcount: pd.Series | None, definition: schema.Dimension) -> pd.DataFrame:
    """Events and headcount per (*keys, group) of the stated groups, rows in no set order (the ratios sort them);
    headcount NA throughout with no denominator."""
    index = events.index if headcount is None else events.index.union(headcount.index, sort=False)
    index = index[index.get_level_values("group").isin(definition.stated_groups)]
    people = np.full(len(index), pd.NA) if headcount is None else headcount.reindex(index, fill_value=0).to_numpy()
    return index.to_frame(index=False).assign(events=events.reindex(index, fill_value=0).to_numpy(),
                                              headcount=pd.array(people, dtype="Int64"))


def _entry_ratios(
    table: pd.DataFrame, keys: Sequence[str], definition: schema.Dimension, *, dimension: str, reference: str,
    confidence: float, band: tuple[float, float],
) -> pd.DataFrame:
    """The relative-likelihood columns for a `_count_table` (several windows stacked when `keys` holds one), rows
    in group order."""
    out = in_group_order(versus_reference(table, keys, reference, ["events", "headcount"]), definition, keys)
    counted = out["headcount"].notna().to_numpy()  # a reference group missing from a counted workforce has headcount 0
    ref_events = out["ref_events"].fillna(0).astype("int64")
    ref_headcount = out["ref_headcount"].astype("Int64").mask(counted & out["ref_headcount"].isna(), 0)
    compared = compare_groups(out["events"], out["headcount"], ref_events, ref_headcount, confidence=confidence,
                              band=band, interval="poisson")
    return pd.DataFrame({
        **{c: out[c] for c in [*keys, "group", "events", "headcount"]}, "rate": _rate(out["events"], out["headcount"]),
        "ref_events": ref_events, "ref_headcount": ref_headcount, "ref_rate": _rate(ref_events, ref_headcount),
        **{c: compared[c] for c in ("ratio", "lower", "upper", "fisher_p")},
        "verdict": np.where(counted, compared["verdict"].to_numpy(), NO_DENOMINATOR),
        "measure": "relative likelihood of entering the process", "dimension": dimension, "reference": reference,
        "band": f"{band[0]:.2f}-{band[1]:.2f}", "confidence": confidence, "rate_unit": RATE_UNIT,
        "method": f"{ENTRY_METHOD}; {ENTRY_RATIO_RULE}; {EVENTS_RULE}; {HEADCOUNT_RULE}",
    })


def _rate(events: pd.Series, people: pd.Series) -> np.ndarray:
    """Events per 1,000 people; NaN where people is 0 or missing."""
    denominator = people.to_numpy(dtype=float, na_value=np.nan)
    return 1000 * events.to_numpy() / np.where(denominator > 0, denominator, np.nan)


def entry_relative_likelihood(
    cases: pd.DataFrame,
    workforce: pd.DataFrame,
    *,
    dimension: str,
    reference: str,
    window: Window,
    confidence: float = 0.95,
    band: tuple[float, float] = (0.8, 1.25),
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Relative likelihood of entering the process for each non-reference group (× `by` groups).

    Events are cases (not people) received in the window; the denominator is the window's
    quarter-weighted headcount (`window_headcount`). Ratio = (events/headcount) ÷
    (ref_events/ref_headcount) with the log-Poisson rate-ratio interval and Fisher's exact p
    (`compare_groups`, interval "poisson"); "not calculable" (no ratio) when a group has no events or
    no headcount, "no denominator" when the workforce cannot give the headcount. Not-stated groups
    are excluded here: see `not_stated_share`. Columns: measure, dimension, *by, group, reference,
    events, headcount, rate, ref_events, ref_headcount, ref_rate, ratio, lower, upper, fisher_p,
    verdict, band, window, financial_years, confidence, rate_unit, method.
    """
    definition = check_dimension(dimension, by, reference)
    table = _count_table(window_events(cases, dimension, window, by), window_headcount(workforce, dimension, window, by),
                         definition)
    out = _entry_ratios(table, by, definition, dimension=dimension, reference=reference, confidence=confidence,
                        band=band)
    out = out.assign(window=window.label, financial_years=", ".join(window.financial_years))
    return out[["measure", "dimension", *by, *ENTRY_COLUMNS]]


def _quarter_events(
    cases: pd.DataFrame, dimension: str, first: FinancialQuarter, last: FinancialQuarter, by: Sequence[str]
) -> pd.DataFrame:
    """Cumulative cases received per (*by, group) row up to the end of each quarter (columns: quarter index).

    The column before `first` holds zeros, so the cases of quarters i+1..j are column j minus column i.
    """
    inside = received_mask(cases, Window(first.start, last.end, ()))
    key, index = group_keys(cases, dimension, by, mask=inside)
    months = cases["date_received"].to_numpy()[inside].astype("datetime64[M]").astype(np.int64)  # since January 1970
    quarter = (1970 * 12 + months - 3) // 3 - first.index  # FinancialQuarter.index, from 0 at `first`
    width = last.index - first.index + 1
    counts = np.bincount(key * width + quarter, minlength=len(index) * width).reshape(len(index), width)
    cumulative = np.concatenate([np.zeros((len(index), 1), dtype=np.int64), counts.cumsum(axis=1)], axis=1)
    frame = pd.DataFrame(cumulative, index=index, columns=range(first.index - 1, last.index + 1))
    return frame[cumulative[:, -1] > 0]


def entry_trend(
    cases: pd.DataFrame,
    workforce: pd.DataFrame,
    *,
    dimension: str,
    reference: str,
    quarter: FinancialQuarter,
    quarters: int = 12,
    window_years: int = 2,
    confidence: float = 0.95,
    band: tuple[float, float] = (0.8, 1.25),
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """The relative likelihood of entering the process recomputed at each of the `quarters` quarters ending with `quarter`.

    Each point is `entry_relative_likelihood` over the rolling window of `window_years` financial years
    ending with that quarter (its dates in `window`), so consecutive points share all but one quarter
    of their cases. Cases are counted per quarter once and summed per window; the workforce is
    pivoted once and weighted per window. A quarter whose window has no headcount says "no
    denominator". Columns: measure, dimension, quarter, *by, then those of `entry_relative_likelihood`;
    rows in quarter order, then *by, then group.
    """
    definition = check_dimension(dimension, by, reference)
    if quarters < 1:
        raise ValueError(f"quarters must be at least 1, not {quarters}")
    ends = [quarter.shift(k - quarters + 1) for k in range(quarters)]
    windows = {q.label: rolling_window(q, window_years) for q in ends}
    span = 4 * window_years
    cumulative = _quarter_events(cases, dimension, ends[0].shift(1 - span), quarter, by)
    per_year = _headcount_by_year(workforce, dimension, by)
    tables = []
    for end in ends:
        events = (cumulative[end.index] - cumulative[end.index - span]).rename("events")
        window = windows[end.label]
        headcount = None if per_year is None else _weighted_headcount(per_year, dimension, window, by, False)
        tables.append(_count_table(events, headcount, definition).assign(quarter=end.label, _index=end.index))
    table = pd.concat(tables, ignore_index=True)
    keys = ["_index", "quarter", *by]
    out = _entry_ratios(table, keys, definition, dimension=dimension, reference=reference, confidence=confidence,
                        band=band)
    out["window"] = out["quarter"].map({k: w.label for k, w in windows.items()})
    out["financial_years"] = out["quarter"].map({k: ", ".join(w.financial_years) for k, w in windows.items()})
    return out[["measure", "dimension", "quarter", *by, *ENTRY_COLUMNS]]


def not_stated_share(cases: pd.DataFrame, workforce: pd.DataFrame, *, dimension: str, window: Window) -> pd.DataFrame:
    """Share of cases (received in the window) and of window headcount whose `dimension` is not stated.

    One row per source (cases, workforce) and not-stated value: Z and 99 stay distinct for
    ethnicity, and a missing value in cases is reported as "missing". For an intersection the value
    is "not_stated" (any part not stated). Workforce counts are missing (NA) when there is no
    denominator. Columns: dimension, source, value, count, total, share (0-1), window.
    """
    not_stated_codes = list(check_dimension(dimension, ()).not_stated_codes)
    rows: list[tuple[str, str, object, object]] = []
    for source, counts in (
        ("cases", window_events(cases, dimension, window, codes=True)),
        ("workforce", window_headcount(workforce, dimension, window, codes=True)),
    ):
        if counts is None:
            rows += [(source, value, pd.NA, pd.NA) for value in not_stated_codes]
            continue
        total = int(counts.sum())
        values = [*not_stated_codes, *([MISSING] if MISSING in counts.index else [])]
        rows += [(source, value, int(counts.get(value, 0)), total) for value in values]
    source, value, count, total = (list(column) for column in zip(*rows))
    count, total = pd.array(count, dtype="Int64"), pd.array(total, dtype="Int64")
    whole = total.to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame({
        "dimension": dimension, "source": source, "value": value, "count": count, "total": total,
        "share": count.to_numpy(dtype=float, na_value=np.nan) / np.where(whole > 0, whole, np.nan), "window": window.label,
    })
