"""What every family of published tables starts from: the scope's cases, workforce, window and calendar.

Reviews and actions have no region or ICB of their own: a review belongs to the region (ICB, profession)
of its case; a review without a case (thematic or cluster) belongs to the region only when the store
holds that one region, and drops out once an ICB or profession is chosen. Actions follow their review.
The lessons filters (`theme`, `system_level`) narrow reviews to those raising the theme and actions to
those on the theme and at the level; they leave cases and updates alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from lotus_analytics.config import Config
from lotus_analytics.periods import FinancialQuarter, Window, quarter_window, rolling_window
from lotus_analytics.schema import split_set, with_derived
from lotus_analytics.store import Store
from lotus_analytics.workdays import bank_holidays

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Scope:
    """What a set of published tables covers: a quarter and region, optionally one ICB, profession and
    risk level (the risk level filters cases only: the workforce has none). The lessons-learnt tables also
    take the first quarter of their range (`since`; None: the first quarter of the rolling window), a
    review theme and an action system level."""

    quarter: FinancialQuarter
    region: str
    icb: str | None = None
    profession: str | None = None
    risk_level: str | None = None
    since: FinancialQuarter | None = None
    theme: str | None = None
    system_level: str | None = None

    @property
    def month_labels(self) -> list[str]:
        last = pd.Period(self.quarter.end, freq="M")
        return [str(last - i) for i in range(MONTHS_SHOWN - 1, -1, -1)]


def in_scope(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Rows of the scope's region, and of its ICB, profession and risk level when chosen (and in the frame)."""
    keep = frame["region"] == scope.region
    for column, chosen in (("icb_code", scope.icb), ("profession", scope.profession), ("risk_level", scope.risk_level)):
        if chosen and column in frame.columns:
            keep &= frame[column] == chosen
    return frame[keep]


@dataclass(frozen=True)
class Inputs:
    """One scope's data, derived once and shared by every family of tables."""

    store: Store
    scope: Scope
    config: Config

    @cached_property
    def cases(self) -> pd.DataFrame:
        """The scope's cases with the derived groupings and stage flags."""
        return with_derived(in_scope(self.store.cases, self.scope))

    @cached_property
    def region_cases(self) -> pd.DataFrame:
        """Every case of the region (ICB, profession and risk-level filters ignored), for comparing units."""
        return with_derived(self.store.cases[self.store.cases["region"] == self.scope.region])

    @cached_property
    def updates(self) -> pd.DataFrame | None:
        """The updates of the scope's cases (None: the extract supplied no updates table)."""
        if self.store.updates is None:
            return None
        return self.store.updates[self.store.updates["case_id"].isin(self.cases["case_id"])]

    @cached_property
    def workforce(self) -> pd.DataFrame:
        return in_scope(self.store.workforce, self.scope)

    @cached_property
    def window(self) -> Window:
        """The rolling inequalities window ending with the report quarter."""
        return rolling_window(self.scope.quarter, self.config.inequalities.window_years)

    @cached_property
    def holidays(self) -> np.ndarray:
        return bank_holidays(self.config.bank_holiday_subdivision, self.config.extra_closure_days)

    @cached_property
    def lessons_window(self) -> Window:
        """The quarters the lessons-learnt tables cover: from `scope.since` (default: the rolling window's
        first quarter) to the report quarter."""
        return quarter_window(self.scope.since or FinancialQuarter.containing(self.window.start), self.scope.quarter)

    @cached_property
    def reviews(self) -> pd.DataFrame | None:
        """The scope's reviews, every date (None: no reviews table supplied); see the module docstring."""
        reviews = self.store.reviews
        if reviews is None:
            return None
        mine = reviews["case_id"].isin(self.cases["case_id"])
        if not (self.scope.icb or self.scope.profession) and set(self.store.cases["region"].unique()) == {self.scope.region}:
            mine |= reviews["case_id"].isna()
        if self.scope.theme:
            mine &= split_set(reviews["themes"]).map(lambda themes: self.scope.theme in themes)
        return reviews[mine]

    @cached_property
    def actions(self) -> pd.DataFrame | None:
        """The actions of the scope's reviews, on its theme and at its system level when chosen
        (None: no actions or no reviews table supplied)."""
        actions = self.store.actions
        if actions is None or self.reviews is None:
            return None
        mine = actions["review_id"].isin(self.reviews["review_id"])
        for column, chosen in (("theme", self.scope.theme), ("system_level", self.scope.system_level)):
            if chosen:
                mine &= actions[column] == chosen
        return actions[mine]
