"""Relative likelihood of entering the process, by a demographic dimension (METHODS.md §2).

WRES indicator 3 form: the rate of cases received in a rolling window per headcount in group g,
divided by the same rate in the reference group, with a Katz log interval, Fisher's exact p-value
and the 0.80-1.25 "no adverse impact" band (four-fifths rule). Not-stated values are left out of
the ratios and reported on their own by `not_stated_share`, never merged or silently dropped.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.periods import Window, fy_start_of
from lotus_analytics.stats import fisher_exact_p, risk_ratio

DEMOGRAPHIC_COLUMNS = tuple(f.name for f in schema.WORKFORCE.fields if f.kind == "enum" and not f.required)
GROUP_ORDER: dict[str, tuple[str, ...]] = {
    "ethnic_group_2": schema.ETHNIC_GROUPS_2,
    "ethnic_group_5": schema.ETHNIC_GROUPS_5,
    "pmq_region": schema.PMQ_REGIONS,
    "sex": schema.SEXES,
    "age_band": schema.AGE_BANDS,
    "disability": schema.DISABILITY,
}
_MAPPERS = {"ethnic_group_2": schema.ethnic_group_2, "ethnic_group_5": schema.ethnic_group_5}
BY_COLUMNS = ("region", "icb_code", "profession")
NOT_STATED_VALUES = frozenset(
    {schema.NOT_STATED} | {code for code, (_, group) in schema.ETHNIC_CATEGORIES.items() if group is None}
)
MISSING = "missing"
RATE_UNIT = "cases per 1,000 headcount over the window"
ENTRY_METHOD = "Katz log interval; Fisher exact p; WRES indicator 3 form"
HEADCOUNT_RULE = (
    "denominator = mean headcount at 31 March over the window's financial years, rounded to whole "
    "people; a year without a headcount takes the latest earlier year's"
)


def _check_dimension(dimension: str, by: Sequence[str]) -> None:
    if dimension not in GROUP_ORDER:
        raise ValueError(f"dimension must be one of {', '.join(GROUP_ORDER)}, not {dimension!r}")
    wrong = [c for c in by if c not in BY_COLUMNS]
    if wrong:
        raise ValueError(f"relative likelihood can be split by {', '.join(BY_COLUMNS)} only, not {', '.join(wrong)}")


def _source_column(dimension: str) -> str:
    return "ethnicity_code" if dimension in _MAPPERS else dimension


def dimension_values(frame: pd.DataFrame, dimension: str, *, codes: bool = False) -> pd.Series:
    """Each row's group for `dimension` (ethnic codes mapped to groups unless `codes`)."""
    values = frame[_source_column(dimension)]
    return _MAPPERS[dimension](values) if dimension in _MAPPERS and not codes else values


def _marginal_rows(workforce: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Workforce rows of the stacked marginal table for `dimension`: it is set, the others are null."""
    source = _source_column(dimension)
    others = [c for c in DEMOGRAPHIC_COLUMNS if c != source]
    rows = workforce[workforce[source].notna() & workforce[others].isna().all(axis=1)]
    if rows.empty:
        raise ValueError(f"workforce has no headcount rows for {source} alone (with the other demographic columns empty)")
    return rows


def _year_sources(available: Sequence[str], window: Window) -> list[str]:
    """For each financial year of the window, the workforce year whose headcount stands for it."""
    starts = sorted(fy_start_of(p) for p in available)
    sources = []
    for fy in window.financial_years:
        earlier = [s for s in starts if s <= fy_start_of(fy)]
        if not earlier:
            raise ValueError(f"workforce has no headcount for {fy} or any earlier financial year")
        sources.append(next(p for p in available if fy_start_of(p) == earlier[-1]))
    return sources


def window_headcount(
    workforce: pd.DataFrame, dimension: str, window: Window, by: Sequence[str] = (), *, codes: bool = False
) -> pd.Series:
    """Mean headcount over the window's financial years per (*by, group), rounded to whole people.

    A financial year with no headcount yet (e.g. the current one) takes the latest earlier year's.
    """
    rows = _marginal_rows(workforce, dimension)
    keyed = rows.assign(group=dimension_values(rows, dimension, codes=codes))
    per_year = keyed.pivot_table(index=[*by, "group"], columns="period", values="headcount", aggfunc="sum", fill_value=0)
    sources = _year_sources(sorted(per_year.columns), window)
    mean = per_year[sources].astype(float).mean(axis=1)
    return np.floor(mean + 0.5).astype("int64").rename("headcount")


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

    Events are cases received in the window; the denominator is the window's mean headcount
    (`window_headcount`). Ratio = (events/headcount) ÷ (ref_events/ref_headcount) with the Katz log
    interval (stats.risk_ratio) and Fisher's exact p; "not calculable" (no ratio) when a group has
    no events or no headcount. Not-stated groups are excluded here: see `not_stated_share`.
    """
    _check_dimension(dimension, by)
    if reference not in GROUP_ORDER[dimension]:
        raise ValueError(f"reference {reference!r} is not a {dimension} group ({', '.join(GROUP_ORDER[dimension])})")
    table = pd.concat(
        [window_events(cases, dimension, window, by), window_headcount(workforce, dimension, window, by)], axis=1
    ).fillna(0).astype("int64").reset_index()
    table = table[~table["group"].isin(NOT_STATED_VALUES | {MISSING})]
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
    out["group"] = pd.Categorical(out["group"], categories=GROUP_ORDER[dimension], ordered=True)
    out = out.sort_values([*by, "group"]).reset_index(drop=True)
    out["group"] = out["group"].astype(str)
    out = out.assign(
        measure="relative likelihood of entering the process", dimension=dimension, reference=reference,
        band=f"{band[0]:.2f}-{band[1]:.2f}", window=window.label, financial_years=", ".join(window.financial_years),
        confidence=confidence, rate_unit=RATE_UNIT, method=f"{ENTRY_METHOD}; {HEADCOUNT_RULE}",
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
    _check_dimension(dimension, ())
    ethnic = _source_column(dimension) == "ethnicity_code"
    stated_not = sorted(NOT_STATED_VALUES - {schema.NOT_STATED}) if ethnic else [schema.NOT_STATED]
    frames = []
    for source, counts in (
        ("cases", window_events(cases, dimension, window, codes=True)),
        ("workforce", window_headcount(workforce, dimension, window, codes=True)),
    ):
        counts = counts.groupby(level="group").sum()
        values = [*stated_not, *([MISSING] if MISSING in counts.index else [])]
        total = int(counts.sum())
        frame = pd.DataFrame({"value": values, "count": [int(counts.get(v, 0)) for v in values]})
        frames.append(frame.assign(source=source, total=total))
    out = pd.concat(frames, ignore_index=True)
    out["share"] = out["count"] / out["total"].where(out["total"] > 0)
    out = out.assign(dimension=dimension, window=window.label)
    return out[["dimension", "source", "value", "count", "total", "share", "window"]]
