"""Relative likelihood of entering the process, by a demographic dimension (METHODS.md §2).

WRES indicator 3 form: the rate of cases received in a rolling window per headcount in group g,
divided by the same rate in the reference group, with a Katz log interval, Fisher's exact p-value
and the 0.80-1.25 "no adverse impact" band (four-fifths rule). Dimensions, their source columns,
groupings and group order come from schema.DIMENSIONS. Not-stated values are left out of the ratios
and reported on their own by `not_stated_share`, never merged or silently dropped.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.periods import Window, fy_start_of
from lotus_analytics.stats import fisher_exact_p, risk_ratio

DEMOGRAPHIC_COLUMNS = tuple(dict.fromkeys(d.column for d in schema.DIMENSIONS.values()))
BY_COLUMNS = ("region", "icb_code", "profession")
MISSING = "missing"
RATE_UNIT = "cases per 1,000 headcount over the window"
ENTRY_METHOD = "Katz log interval; Fisher exact p; WRES indicator 3 form"
EVENTS_RULE = (
    "events = cases received in the window, not people: METHODS.md defines the rate as cases per "
    "headcount, so a practitioner with two cases counts twice, and a group with more cases than "
    "headcount is not calculable"
)
HEADCOUNT_RULE = (
    "denominator = headcount at 31 March of each financial year the window touches, weighted by the "
    "number of the window's quarters in that year (e.g. 2, 4 and 2 of 8), rounded to whole people; a "
    "value (e.g. an ethnic code) with no headcount for a year (e.g. the current one) takes its latest "
    "earlier year's"
)


def _check_dimension(dimension: str, by: Sequence[str]) -> schema.Dimension:
    """The schema definition of `dimension`, once it and the `by` columns are known to be allowed."""
    if dimension not in schema.DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(schema.DIMENSIONS)}, not {dimension!r}")
    wrong = [c for c in by if c not in BY_COLUMNS]
    if wrong:
        raise ValueError(f"relative likelihood can be split by {', '.join(BY_COLUMNS)} only, not {', '.join(wrong)}")
    return schema.DIMENSIONS[dimension]


def dimension_values(frame: pd.DataFrame, dimension: str, *, codes: bool = False) -> pd.Series:
    """Each row's group for `dimension` (its source codes, e.g. ethnic codes, when `codes`)."""
    definition = schema.DIMENSIONS[dimension]
    values = frame[definition.column]
    return values if codes else definition.groups_of(values)


def _marginal_rows(workforce: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Workforce rows of the stacked marginal table for `dimension`: it is set, the others are null."""
    source = schema.DIMENSIONS[dimension].column
    others = [c for c in DEMOGRAPHIC_COLUMNS if c != source]
    rows = workforce[workforce[source].notna() & workforce[others].isna().all(axis=1)]
    if rows.empty:
        raise ValueError(f"workforce has no headcount rows for {source} alone (with the other demographic columns empty)")
    return rows


def window_headcount(
    workforce: pd.DataFrame, dimension: str, window: Window, by: Sequence[str] = (), *, codes: bool = False
) -> pd.Series:
    """Headcount over the window per (*by, group), rounded to whole people.

    The 31 March headcounts of the window's financial years, weighted by how many of the window's
    quarters fall in each (Window.quarters_per_year): 2, 4 and 2 of 8 for a two-year window ending in
    Q2. A source code (e.g. ethnic code H) with no headcount for a year (e.g. the current one, not yet
    counted) takes its latest earlier year's; with no earlier year either, a ValueError names the year
    and the code. Codes are then summed into groups (unless `codes`).
    """
    column = schema.DIMENSIONS[dimension].column
    rows = _marginal_rows(workforce, dimension)
    per_year = rows.pivot_table(index=[*by, column], columns="period", values="headcount", aggfunc="sum")
    weights = window.quarters_per_year
    years = sorted({*per_year.columns, *weights}, key=fy_start_of)
    carried = per_year.reindex(columns=years).astype(float).ffill(axis=1)[list(weights)]
    gaps = np.argwhere(carried.isna().to_numpy())
    if len(gaps):
        row, year = gaps[0]
        key = carried.index[row]
        raise ValueError(
            f"workforce has no headcount for {carried.columns[year]} or any earlier financial year "
            f"({column}: {', '.join(map(str, key if isinstance(key, tuple) else (key,)))})"
        )
    quarters = np.array(list(weights.values()), dtype=float)
    weighted = pd.Series(carried.to_numpy() @ quarters / quarters.sum(), index=carried.index)
    source = pd.DataFrame({column: weighted.index.get_level_values(column)})
    group = pd.Index(dimension_values(source, dimension, codes=codes), name="group")
    summed = weighted.groupby([*(weighted.index.get_level_values(c) for c in by), group]).sum()
    return np.floor(summed + 0.5).astype("int64").rename("headcount")


def window_events(
    cases: pd.DataFrame, dimension: str, window: Window, by: Sequence[str] = (), *, codes: bool = False
) -> pd.Series:
    """Cases received within the window (inclusive) per (*by, group)."""
    inside = cases[cases["date_received"].between(window.start, window.end)]
    keyed = inside.assign(group=dimension_values(inside, dimension, codes=codes).fillna(MISSING))
    return keyed.groupby([*by, "group"]).size().rename("events")


def _verdict(lower: np.ndarray, upper: np.ndarray, calculable: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    """METHODS.md §2: flagged only when the whole interval lies outside the band."""
    return np.select(
        [~calculable, lower > band[1], upper < band[0]],
        ["not calculable", "higher", "lower"],
        default="within or uncertain",
    )


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
    (ref_events/ref_headcount) with the Katz log interval (stats.risk_ratio) and Fisher's exact p;
    "not calculable" (no ratio) when a group has no events, no headcount or more cases than headcount.
    Not-stated groups are excluded here: see `not_stated_share`.
    """
    definition = _check_dimension(dimension, by)
    if reference not in definition.stated_groups:
        raise ValueError(f"reference {reference!r} is not a {dimension} group ({', '.join(definition.stated_groups)})")
    table = pd.concat(
        [window_events(cases, dimension, window, by), window_headcount(workforce, dimension, window, by)], axis=1
    ).fillna(0).astype("int64").reset_index()
    table = table[table["group"].isin(definition.stated_groups)]
    ref = table[table["group"] == reference].drop(columns="group")
    ref = ref.rename(columns={"events": "ref_events", "headcount": "ref_headcount"})
    if ref.empty:
        raise ValueError(f"no cases or headcount for the reference group {reference!r} of {dimension}")
    rows = table[table["group"] != reference]
    out = rows.merge(ref, on=list(by), how="left") if by else rows.merge(ref, how="cross")
    out[["ref_events", "ref_headcount"]] = out[["ref_events", "ref_headcount"]].fillna(0).astype("int64")
    out["rate"] = 1000 * out["events"] / out["headcount"].where(out["headcount"] > 0)
    out["ref_rate"] = 1000 * out["ref_events"] / out["ref_headcount"].where(out["ref_headcount"] > 0)
    ok = ((out["events"] > 0) & (out["ref_events"] > 0) & (out["events"] <= out["headcount"])
          & (out["ref_events"] <= out["ref_headcount"])).to_numpy()
    out["ratio"] = out["lower"] = out["upper"] = out["fisher_p"] = np.nan
    if ok.any():
        counts = [out.loc[ok, c].to_numpy() for c in ("events", "headcount", "ref_events", "ref_headcount")]
        ratio, lower, upper = risk_ratio(*counts, confidence=confidence)
        out.loc[ok, ["ratio", "lower", "upper"]] = np.column_stack([ratio, lower, upper])
        out.loc[ok, "fisher_p"] = fisher_exact_p(*counts)
    out["verdict"] = _verdict(out["lower"].to_numpy(), out["upper"].to_numpy(), ok, band)
    out["group"] = pd.Categorical(out["group"], categories=definition.stated_groups, ordered=True)
    out = out.sort_values([*by, "group"]).reset_index(drop=True)
    out["group"] = out["group"].astype(str)
    out = out.assign(
        measure="relative likelihood of entering the process", dimension=dimension, reference=reference,
        band=f"{band[0]:.2f}-{band[1]:.2f}", window=window.label, financial_years=", ".join(window.financial_years),
        confidence=confidence, rate_unit=RATE_UNIT, method=f"{ENTRY_METHOD}; {EVENTS_RULE}; {HEADCOUNT_RULE}",
    )
    columns = ["measure", "dimension", *by, "group", "reference", "events", "headcount", "rate", "ref_events",
               "ref_headcount", "ref_rate", "ratio", "lower", "upper", "fisher_p", "verdict", "band", "window",
               "financial_years", "confidence", "rate_unit", "method"]
    return out[columns]


def not_stated_share(cases: pd.DataFrame, workforce: pd.DataFrame, *, dimension: str, window: Window) -> pd.DataFrame:
    """Share of cases (received in the window) and of window headcount whose `dimension` is not stated.

    One row per source (cases, workforce) and not-stated value: Z and 99 stay distinct for
    ethnicity, and a missing value in cases is reported as "missing". Columns: dimension, source,
    value, count, total, share (0-1), window.
    """
    not_stated_codes = list(_check_dimension(dimension, ()).not_stated_codes)
    frames = []
    for source, counts in (
        ("cases", window_events(cases, dimension, window, codes=True)),
        ("workforce", window_headcount(workforce, dimension, window, codes=True)),
    ):
        counts = counts.groupby(level="group").sum()
        values = [*not_stated_codes, *([MISSING] if MISSING in counts.index else [])]
        total = int(counts.sum())
        frame = pd.DataFrame({"value": values, "count": [int(counts.get(v, 0)) for v in values]})
        frames.append(frame.assign(source=source, total=total))
    out = pd.concat(frames, ignore_index=True)
    out["share"] = out["count"] / out["total"].where(out["total"] > 0)
    out = out.assign(dimension=dimension, window=window.label)
    return out[["dimension", "source", "value", "count", "total", "share", "window"]]
