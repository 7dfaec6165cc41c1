"""The published tables of a report or dashboard view: store -> measures -> disclosure control.

`published_tables` is the one place where the report notebook, the xlsx export, the dashboard and the
tests get their tables, so every table they show has passed through `disclosure.apply_disclosure`
(the "door" of ARCHITECTURE.md). Scope decisions (see also docs/assumptions.md):

- T1 by month covers the 12 months ending with the report quarter; T1 by quarter covers the quarters
  of the rolling inequalities window (two financial years by default) ending with it.
- Relative likelihood of entering the process uses the rolling window ending with the report quarter.
- Improvement actions have no region or ICB of their own: they are attributed through their review's
  case; reviews without a case (thematic) belong to the region only when the store holds one region.
  ICB and profession filters do not apply to them (they are the regional team's actions).
- Manifest row counts describe records, not people, but go through disclosure control like counts
  (1-7 shown as "*", others rounded) for safety; no secondary suppression against rows read, since
  the rounding already blurs the balance and hiding whole columns of metadata would help nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lotus_analytics.config import Config
from lotus_analytics.disclosure import (
    ENTRY_RL_SPEC,
    NOT_STATED_SHARE_SPEC,
    OVERDUE_ACTIONS_SPEC,
    TRIAGE_TIMELINESS_SPEC,
    DisclosureSpec,
    apply_disclosure,
)
from lotus_analytics.inequalities import entry_relative_likelihood, not_stated_share
from lotus_analytics.lessons import overdue_actions
from lotus_analytics.periods import FinancialQuarter, Window, quarter_labels, rolling_window
from lotus_analytics.schema import with_derived
from lotus_analytics.store import Store
from lotus_analytics.timeliness import triage_timeliness
from lotus_analytics.workdays import bank_holidays

MONTHS_SHOWN = 12
LIKELIHOOD_DIMENSIONS = ("ethnic_group_2", "pmq_region")

TITLES = {
    "t1_by_month": "T1 received to triaged (working days), by month of triage",
    "t1_by_quarter": "T1 received to triaged (working days), by financial quarter of triage",
    "entry_likelihood": "Relative likelihood of entering the process",
    "overdue_actions": "Improvement actions overdue at the end of the quarter, by system level",
    "not_stated": "Ethnicity and place of qualification not stated (data quality)",
    "manifest_counts": "Rows of the extract read, stored and quarantined, by table",
}
MANIFEST_SPEC = DisclosureSpec(counts=("rows_read", "rows_stored", "rows_quarantined"))
SPECS: dict[str, DisclosureSpec] = {
    "t1_by_month": TRIAGE_TIMELINESS_SPEC,
    "t1_by_quarter": TRIAGE_TIMELINESS_SPEC,
    "entry_likelihood": ENTRY_RL_SPEC,
    "not_stated": NOT_STATED_SHARE_SPEC,
    "overdue_actions": OVERDUE_ACTIONS_SPEC,
    "manifest_counts": MANIFEST_SPEC,
}


@dataclass(frozen=True)
class Scope:
    """What a set of published tables covers: a quarter and region, optionally one ICB and profession."""

    quarter: FinancialQuarter
    region: str
    icb: str | None = None
    profession: str | None = None

    @property
    def month_labels(self) -> list[str]:
        last = pd.Period(self.quarter.end, freq="M")
        return [str(last - i) for i in range(MONTHS_SHOWN - 1, -1, -1)]


def _in_scope(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    keep = frame["region"] == scope.region
    if scope.icb:
        keep &= frame["icb_code"] == scope.icb
    if scope.profession:
        keep &= frame["profession"] == scope.profession
    return frame[keep]


def regional_actions(store: Store, region: str) -> pd.DataFrame | None:
    """Actions of the region's reviews (see the module docstring for reviews without a case)."""
    if store.actions is None or store.reviews is None:
        return None
    case_region = pd.Series(store.cases["region"].to_numpy(), index=store.cases["case_id"])  # no frame copy
    review_region = store.reviews["case_id"].map(case_region)
    single_region = set(store.cases["region"].unique()) == {region}
    mine = (review_region == region) | (store.reviews["case_id"].isna() & single_region)
    return store.actions[store.actions["review_id"].isin(store.reviews.loc[mine, "review_id"])]


def _timeliness(cases: pd.DataFrame, scope: Scope, window: Window, config: Config) -> dict[str, pd.DataFrame]:
    holidays = bank_holidays(config.bank_holiday_subdivision, config.extra_closure_days)
    common = dict(target_working_days=config.targets.triage_working_days, holidays=holidays)
    months = triage_timeliness(cases, period="month", **common)
    quarters = triage_timeliness(cases, period="quarter", **common)
    in_window = quarter_labels(pd.Series(pd.date_range(window.start, window.end, freq="QS")))
    return {
        "t1_by_month": months[months["period"].isin(scope.month_labels)].reset_index(drop=True),
        "t1_by_quarter": quarters[quarters["period"].isin(in_window)].reset_index(drop=True),
    }


def _likelihood(cases: pd.DataFrame, workforce: pd.DataFrame, window: Window, config: Config) -> dict[str, pd.DataFrame]:
    ineq = config.inequalities
    ratios = [
        entry_relative_likelihood(cases, workforce, dimension=dimension, reference=ineq.reference[dimension],
                                  window=window, confidence=ineq.confidence, band=ineq.band)
        for dimension in LIKELIHOOD_DIMENSIONS
    ]
    shares = [not_stated_share(cases, workforce, dimension=dimension, window=window) for dimension in LIKELIHOOD_DIMENSIONS]
    return {"entry_likelihood": pd.concat(ratios, ignore_index=True), "not_stated": pd.concat(shares, ignore_index=True)}


def manifest_counts(manifest: dict) -> pd.DataFrame:
    """Rows read / stored / quarantined per supplied table, from the ingest manifest."""
    rows = [
        {"table": name, "rows_read": t["rows_read"], "rows_stored": t["rows_stored"],
         "rows_quarantined": t["rows_quarantined"]}
        for name, t in manifest["tables"].items() if t.get("supplied", True)
    ]
    return pd.DataFrame(rows, columns=["table", "rows_read", "rows_stored", "rows_quarantined"])


def measure_tables(store: Store, scope: Scope, config: Config) -> dict[str, pd.DataFrame]:
    """The unpublished measure tables of a scope (internal use: always publish via `published_tables`)."""
    cases = with_derived(_in_scope(store.cases, scope))
    workforce = _in_scope(store.workforce, scope)
    window = rolling_window(scope.quarter, config.inequalities.window_years)
    tables = _timeliness(cases, scope, window, config)
    tables.update(_likelihood(cases, workforce, window, config))
    actions = regional_actions(store, scope.region)
    if actions is not None:
        tables["overdue_actions"] = overdue_actions(actions, as_of=scope.quarter.end)
    tables["manifest_counts"] = manifest_counts(store.manifest)
    return tables


def published_tables(store: Store, scope: Scope, config: Config) -> dict[str, pd.DataFrame]:
    """Every table of a report or dashboard view, each passed through disclosure control.

    The mode, threshold and rounding base come from `config.disclosure`.
    """
    d = config.disclosure
    return {
        name: apply_disclosure(frame, SPECS[name], mode=d.mode, suppress_max=d.suppress_max,
                               rounding_base=d.rounding_base)
        for name, frame in measure_tables(store, scope, config).items()
    }
