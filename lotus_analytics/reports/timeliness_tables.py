"""The timeliness family of published tables (issue 3): headline, SPC series, time to closure, T5, T6.

Scope decisions (see also docs/assumptions.md):
- The headline compares T1-T4 in the report quarter with the same quarter a year earlier (clock stopped
  in the quarter), beside the configured targets.
- SPC series run monthly from the first month with a received case to the last month of the report
  quarter; months with no completed duration have no median and are left out of the chart (XmR needs a
  value per point). Limits restart at the configured `spc.rebase_at` months.
- Time to closure (Kaplan-Meier) covers the cases received in the rolling window ending with the
  report quarter, followed to the quarter's end; the curve is published at whole months (every 30
  days) with the number still at risk, never at individual closure days.
- T5 and T6 are at the quarter's end. T6's case list exists only in internal mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lotus_analytics import spc
from lotus_analytics.disclosure import TRIAGE_TIMELINESS_SPEC, DisclosureSpec
from lotus_analytics.open_cases import AGE_BANDS, NotSupplied, contact_gap_summary, contact_gaps, open_case_ages
from lotus_analytics.reports.inputs import Inputs
from lotus_analytics.survival import km_curve, time_to_closure
from lotus_analytics.timeliness import STAGES, Durations, completed_durations, monthly_series, stage_timeliness

BANDS = tuple(column for column, _, _ in AGE_BANDS)
CURVE_STEP_DAYS = 30
CURVE_MAX_DAYS = 720


@dataclass(frozen=True)
class SpcSeries:
    """One monthly SPC series: its column of `monthly_series`, its count column and how it reads."""

    column: str
    n_column: str | None  # None: the value is itself a count
    title: str
    what: str
    unit: str
    improvement_direction: spc.Direction
    target_key: str | None = None  # the config.targets field drawn as the target line


SPC_SERIES: dict[str, SpcSeries] = {
    "spc_new_concerns": SpcSeries("new_concerns", None, "New concerns received per month", "new concerns per month",
                                  "concerns", "neutral"),
    "spc_t1": SpcSeries("t1_median", "t1_n", "T1 received to triaged: monthly median (working days)",
                        "the median working days from receipt to triage", "working days", "decrease",
                        "triage_working_days"),
    "spc_t2": SpcSeries("t2_median", "t2_n", "T2 triaged to first PAG: monthly median (working days)",
                        "the median working days from triage to the first PAG", "working days", "decrease",
                        "pag_working_days"),
    "spc_t3": SpcSeries("t3_median", "t3_n", "T3 meeting to practitioner informed: monthly median (working days)",
                        "the median working days from a meeting to the practitioner hearing its outcome",
                        "working days", "decrease", "inform_working_days"),
    "spc_t4": SpcSeries("t4_median", "t4_n", "T4 received to closed: monthly median (calendar days)",
                        "the median calendar days from receipt to closure", "calendar days", "decrease"),
}
HEADLINE_TARGETS = {"T1": "triage_working_days", "T2": "pag_working_days", "T3": "inform_working_days", "T4": None}
STAGE_LABELS = {"T1": "received to triaged", "T2": "triaged to first PAG", "T3": "meeting to practitioner informed",
                "T4": "received to closed"}

TITLES = {
    "timeliness_headline": "Timeliness this quarter, the same quarter last year and the target",
    **{name: s.title for name, s in SPC_SERIES.items()},
    "timeliness_by_group": "T1 to T4 this quarter by ICB, profession and risk level",
    "closure_km": "Time to closure (Kaplan-Meier), cases received in the window",
    "closure_km_curve": "Share of cases still open by days since receipt (Kaplan-Meier)",
    "open_case_ages": "T5 open cases at the end of the quarter by age",
    "contact_gaps": "T6 open cases by longest gap without contact",
    "contact_gap_cases": "T6 open cases with no contact for longer than the target (internal only)",
}
_SPC_STATISTICS = ("point_type", "rule", "special_cause_type")
SPECS: dict[str, DisclosureSpec] = {
    "timeliness_headline": DisclosureSpec(
        counts=("n_this", "within_this", "n_last", "within_last"),
        statistics={"median_this": ("n_this",), "p90_this": ("n_this",),
                    "median_last": ("n_last",), "p90_last": ("n_last",)},
        rates={"pct_this": ("within_this", "n_this", 100), "pct_last": ("within_last", "n_last", 100)},
    ),
    "timeliness_by_group": TRIAGE_TIMELINESS_SPEC,
    **{name: (DisclosureSpec(counts=("value",), statistics={c: ("value",) for c in _SPC_STATISTICS})
              if s.n_column is None else
              DisclosureSpec(counts=("n",), statistics={c: ("n",) for c in ("value", *_SPC_STATISTICS)}))
       for name, s in SPC_SERIES.items()},
    "closure_km": DisclosureSpec(
        counts=("n", "closed", "censored", "at_risk_median", "at_risk_90d", "at_risk_180d", "at_risk_365d"),
        statistics={**{c: ("n", "closed", "at_risk_median") for c in ("median_days", "median_lower", "median_upper")},
                    **{f"pct_closed_{d}d{end}": ("n", "closed", f"at_risk_{d}d") for d in (90, 180, 365)
                       for end in ("", "_lower", "_upper")}},
        row_totals={"n": ("closed", "censored")},
    ),
    "closure_km_curve": DisclosureSpec(counts=("at_risk",),
                                       statistics={c: ("at_risk",) for c in ("survival", "lower", "upper")}),
    "open_case_ages": DisclosureSpec(counts=("open_cases", *BANDS), row_totals={"open_cases": BANDS}),
    "contact_gaps": DisclosureSpec(counts=("open_cases", "over_target"),
                                   statistics={"median_gap_days": ("open_cases",)},
                                   rates={"pct_over_target": ("over_target", "open_cases", 100)}),
    "contact_gap_cases": DisclosureSpec(counts=()),
}


def _rebase_months(index: pd.DatetimeIndex, months: tuple[str, ...]) -> list[pd.Timestamp]:
    """The configured rebase months that are points of the series (a month with no point cannot restart limits)."""
    wanted = pd.DatetimeIndex([pd.Timestamp(f"{m}-01") for m in months])
    return [m for m in wanted if m in index and m != index[0]]


def spc_table(series: pd.DataFrame, spec: SpcSeries, inputs: Inputs) -> pd.DataFrame:
    """One SPC series as a table: month, value, n, the XmR limits and each point's variation and rule."""
    counts = series[spec.n_column] if spec.n_column else series[spec.column]
    points = series[counts > 0] if spec.n_column else series
    columns = ["period", "value", "n", "mean", "lpl", "upl", "point_type", "rule", "special_cause_type", "trial_limits",
               "rebase_group",
               "target", "improvement_direction", "unit", "method"]
    if len(points) < 2:  # no chart from fewer than two points
        return pd.DataFrame(columns=columns)
    target = getattr(inputs.config.targets, spec.target_key) if spec.target_key else None
    result = spc.xmr(points[spec.column].astype(float), screen_outliers=inputs.config.spc.screen_outliers,
                     improvement_direction=spec.improvement_direction, target=target,
                     rebase_at=_rebase_months(points.index, inputs.config.spc.rebase_at) or None)
    out = result.assign(period=result.index.strftime("%Y-%m"), n=counts[points.index].to_numpy(), unit=spec.unit)
    if spec.n_column is None:
        out = out.drop(columns="n").assign(value=counts[points.index].to_numpy())
    return out.reset_index(drop=True).reindex(columns=[c for c in columns if c != "n" or spec.n_column])


def _spc_tables(inputs: Inputs, durations: dict[str, Durations]) -> dict[str, pd.DataFrame]:
    series = monthly_series(inputs.cases, holidays=inputs.holidays, updates=inputs.updates,
                            end=inputs.scope.quarter.end, durations=durations)
    return {name: spc_table(series, spec, inputs) for name, spec in SPC_SERIES.items()}


def _headline(inputs: Inputs, durations: dict[str, Durations]) -> pd.DataFrame:
    """T1-T4 in the report quarter and the same quarter last year, with the target."""
    this, last = inputs.scope.quarter.label, inputs.scope.quarter.shift(-4).label
    rows = []
    for measure, target_key in HEADLINE_TARGETS.items():
        target = getattr(inputs.config.targets, target_key) if target_key else None
        table = stage_timeliness(inputs.cases, measure=measure, period="quarter", target=target,
                                 holidays=inputs.holidays, updates=inputs.updates,
                                 durations=durations).set_index("period")
        row = {"measure": measure, "stage": STAGE_LABELS[measure], "unit": STAGES[measure].unit, "target": target}
        for suffix, label in (("this", this), ("last", last)):
            got = table.loc[label] if label in table.index else None
            for column, source in (("n", "n"), ("median", "median"), ("p90", "p90"), ("within", "within_target"),
                                   ("pct", "pct_within_target")):
                row[f"{column}_{suffix}"] = got[source] if got is not None else (0 if column in ("n", "within") else np.nan)
        row["method"] = table["method"].iloc[0] if len(table) else STAGES[measure].description  # names T3's source
        rows.append(row)
    return pd.DataFrame(rows)


GROUPINGS = {"icb_code": "ICB", "profession": "profession", "risk_level": "risk level"}


def _by_group(inputs: Inputs, durations: dict[str, Durations]) -> pd.DataFrame:
    """T1-T4 in the report quarter for each ICB, profession and risk level (one grouping at a time)."""
    frames = []
    for measure, target_key in HEADLINE_TARGETS.items():
        target = getattr(inputs.config.targets, target_key) if target_key else None
        for column, label in GROUPINGS.items():
            table = stage_timeliness(inputs.cases, measure=measure, period="quarter", target=target,
                                     holidays=inputs.holidays, updates=inputs.updates, by=(column,),
                                     durations=durations)
            table = table[table["period"] == inputs.scope.quarter.label]
            group = table[column].astype(object).where(table[column].notna(), "not recorded")  # e.g. not triaged yet
            frames.append(table.assign(group=group, grouping=label))
    columns = ["measure", "grouping", "group", "n", "median", "p90", "median_calendar_days", "within_target",
               "pct_within_target", "still_waiting", "target", "unit", "method"]
    return pd.concat(frames, ignore_index=True).reindex(columns=columns) if frames else pd.DataFrame(columns=columns)


def curve_at(curve: pd.DataFrame, times: np.ndarray) -> pd.DataFrame:
    """A Kaplan-Meier curve read at `times`: the estimate in force at t and the cases still followed at t."""
    frames = []
    for group, rows in curve.groupby("group", dropna=False, sort=False):
        rows = rows.sort_values("time")
        t = rows["time"].to_numpy()
        shown = times[times <= t.max()]
        step = np.searchsorted(t, shown, side="right") - 1  # the last step at or before each time
        ahead = np.searchsorted(t, shown, side="left")  # at risk at t: first curve time at or after t
        frames.append(pd.DataFrame({
            "group": group, "time": shown, "survival": rows["survival"].to_numpy()[step],
            "lower": rows["lower"].to_numpy()[step], "upper": rows["upper"].to_numpy()[step],
            "at_risk": rows["at_risk"].to_numpy()[np.minimum(ahead, len(t) - 1)],
        }))
    columns = ["group", "time", "survival", "lower", "upper", "at_risk"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _closure(inputs: Inputs) -> dict[str, pd.DataFrame]:
    common = dict(as_of=inputs.scope.quarter.end, since=inputs.window.start,
                  confidence=inputs.config.inequalities.confidence)
    curve = km_curve(inputs.cases, **common)
    return {"closure_km": time_to_closure(inputs.cases, **common),
            "closure_km_curve": curve_at(curve, np.arange(0, CURVE_MAX_DAYS + 1, CURVE_STEP_DAYS))}


def _open_cases(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """T5 always; T6 when updates were supplied (its case list in internal mode only)."""
    as_of = inputs.scope.quarter.end
    tables = {"open_case_ages": open_case_ages(inputs.cases, as_of=as_of)}
    try:
        gaps = contact_gaps(inputs.cases, inputs.updates, as_of=as_of,
                            target_days=inputs.config.targets.contact_gap_calendar_days)
    except NotSupplied:
        return tables
    tables["contact_gaps"] = contact_gap_summary(gaps)
    if inputs.config.disclosure.mode == "internal":
        tables["contact_gap_cases"] = gaps[gaps["over_target"]].sort_values("gap_days", ascending=False)
    return tables


def timeliness_tables(inputs: Inputs, *, by_group: bool = True) -> dict[str, pd.DataFrame]:
    """Every table of the timeliness family for one scope (unpublished: `published_tables` applies disclosure).

    `by_group=False` leaves out the breakdown by ICB, profession and risk level (the dashboard filters by them).
    """
    durations = completed_durations(inputs.cases, holidays=inputs.holidays, updates=inputs.updates)  # once
    groups = {"timeliness_by_group": _by_group(inputs, durations)} if by_group else {}
    return {"timeliness_headline": _headline(inputs, durations), **groups, **_spc_tables(inputs, durations),
            **_closure(inputs), **_open_cases(inputs)}
