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

from typing import Callable, Sequence

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
from lotus_analytics.periods import quarter_labels
from lotus_analytics.reports import equity_tables as equity_family
from lotus_analytics.reports import lessons_family
from lotus_analytics.reports import timeliness_tables as timeliness_family
from lotus_analytics.reports.equity_tables import equity_tables
from lotus_analytics.reports.inputs import Inputs, Scope
from lotus_analytics.reports.linked import link_entry_tables
from lotus_analytics.reports.timeliness_tables import timeliness_tables
from lotus_analytics.store import Store
from lotus_analytics.timeliness import triage_timeliness

__all__ = ["SPECS", "TITLES", "Scope", "measure_tables", "published_tables", "regional_actions"]

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


def regional_actions(store: Store, region: str) -> pd.DataFrame | None:
    """Actions of the region's reviews (see the module docstring for reviews without a case)."""
    if store.actions is None or store.reviews is None:
        return None
    case_region = pd.Series(store.cases["region"].to_numpy(), index=store.cases["case_id"])  # no frame copy
    review_region = store.reviews["case_id"].map(case_region)
    single_region = set(store.cases["region"].unique()) == {region}
    mine = (review_region == region) | (store.reviews["case_id"].isna() & single_region)
    return store.actions[store.actions["review_id"].isin(store.reviews.loc[mine, "review_id"])]


def _timeliness(inputs: Inputs) -> dict[str, pd.DataFrame]:
    cases, scope, window = inputs.cases, inputs.scope, inputs.window
    common = dict(target_working_days=inputs.config.targets.triage_working_days, holidays=inputs.holidays)
    months = triage_timeliness(cases, period="month", **common)
    quarters = triage_timeliness(cases, period="quarter", **common)
    in_window = quarter_labels(pd.Series(pd.date_range(window.start, window.end, freq="QS")))
    return {
        "t1_by_month": months[months["period"].isin(scope.month_labels)].reset_index(drop=True),
        "t1_by_quarter": quarters[quarters["period"].isin(in_window)].reset_index(drop=True),
    }


def _likelihood(inputs: Inputs) -> dict[str, pd.DataFrame]:
    cases, workforce, window, ineq = inputs.cases, inputs.workforce, inputs.window, inputs.config.inequalities
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


def _overview(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """The foundation tables: T1, entry relative likelihood, overdue actions and the manifest counts."""
    tables = {**_timeliness(inputs), **_likelihood(inputs)}
    actions = regional_actions(inputs.store, inputs.scope.region)
    if actions is not None:
        tables["overdue_actions"] = overdue_actions(actions, as_of=inputs.scope.quarter.end)
    tables["manifest_counts"] = manifest_counts(inputs.store.manifest)
    return tables


FAMILIES: dict[str, Callable[[Inputs], dict[str, pd.DataFrame]]] = {
    "overview": _overview, "timeliness": timeliness_tables, "equity": equity_tables,
    "lessons": lessons_family.lessons_learnt_tables,
}
for _family in (timeliness_family, equity_family, lessons_family):
    TITLES.update(_family.TITLES)
    SPECS.update(_family.SPECS)


def measure_tables(store: Store, scope: Scope, config: Config,
                   families: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The unpublished measure tables of a scope (internal use: always publish via `published_tables`).

    `families` picks which families of tables to build (None: all of them, as the report needs).
    """
    inputs = Inputs(store, scope, config)
    tables: dict[str, pd.DataFrame] = {}
    for name in families or FAMILIES:
        tables.update(FAMILIES[name](inputs))
    return tables


def published_tables(store: Store, scope: Scope, config: Config,
                     families: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a report or dashboard view (or of the chosen `families`), each passed through
    disclosure control. The mode, threshold and rounding base come from `config.disclosure`.
    """
    return publish(measure_tables(store, scope, config, families), config)


def publish(tables: dict[str, pd.DataFrame], config: Config) -> dict[str, pd.DataFrame]:
    """Measure tables through disclosure control (mode, threshold and rounding from `config.disclosure`),
    each table on its own and then across the linked tables (`reports.linked`)."""
    d = config.disclosure
    published = {name: apply_disclosure(frame, SPECS[name], mode=d.mode, suppress_max=d.suppress_max,
                                        rounding_base=d.rounding_base)
                 for name, frame in tables.items()}
    return link_entry_tables(published) if d.mode == "publication" else published
