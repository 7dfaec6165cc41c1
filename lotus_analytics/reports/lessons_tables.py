"""The reviews-and-actions tables of the lessons-learnt family (issue 5 item 2, Appendix 4).

Scope decisions (see also docs/assumptions.md):
- Reviews and actions are the scope's (`Inputs.reviews` / `Inputs.actions`): with a theme chosen, the
  reviews are those raising it (its share is then 100% and other themes are those raised beside it) and
  the actions those on it; with a system level chosen, the actions at that level.
- Theme frequency over the range: the share of the window's reviews raising each theme, and the same in
  the window's first and second halves (by quarter), with Wilson intervals: publishable at regional volume
  where quarterly and monthly counts are not, so it carries the direction of a theme.
- Theme frequency, themes by contributory level and concern domain, and equality checks count the reviews
  dated in the lessons window (`Inputs.lessons_window`, by quarter); the SPC series of each theme is the
  monthly count of reviews raising it over the same window's months (zeros included: a count series),
  neutral (a theme raised more often is neither better nor worse: it may be better reviewing).
- Action states, overdue actions by owner role and recurrences are at the end of the report quarter;
  days to complete are for the actions completed in each quarter of the window.
- Every table needing reviews (or actions) is left out when the extract did not supply them.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from lotus_analytics.disclosure import OVERDUE_ACTIONS_SPEC, DisclosureSpec
from lotus_analytics.lessons import OVERDUE_METHOD, action_counts, completion_days, overdue_by_owner, recurring_themes
from lotus_analytics.periods import FinancialQuarter, quarter_range
from lotus_analytics.reports.inputs import Inputs
from lotus_analytics.reports.timeliness_tables import SPECS as TIMELINESS_SPECS
from lotus_analytics.reports.timeliness_tables import SpcSeries, spc_table
from lotus_analytics.reviews import (
    NO_DOMAIN,
    NOT_RECORDED,
    equality_checks,
    theme_frequency,
    theme_monthly_counts,
    theme_range,
    themes_by_domain,
    themes_by_level,
)
from lotus_analytics.schema import CONCERN_DOMAINS, CONTRIBUTORY_LEVELS, REVIEW_THEMES, display_label

RECURRENCE_MONTHS = 12

TITLES = {
    "lessons_theme_frequency": "Review themes by financial quarter: reviews raising each theme",
    "lessons_theme_range": "Share of reviews raising each theme: the range and its two halves",
    "lessons_theme_spc": "Reviews raising each theme per month (SPC)",
    "lessons_themes_by_level": "Review themes by contributory level, reviews in the window",
    "lessons_themes_by_domain": "Review themes by concern domain of the case reviewed, reviews in the window",
    "lessons_equality_checks": "Reviews with an equality (disproportionality) check, by quarter",
    "lessons_action_status": "Improvement actions at the end of the quarter by theme: open, overdue, done, dropped",
    "lessons_overdue_by_owner": "Improvement actions open and overdue at the end of the quarter, by system level "
                                "and owner role",
    "lessons_completion_days": "Days from raising an improvement action to completing it, actions completed in "
                               "the quarter",
    "lessons_recurring_themes": f"Themes raised again within {RECURRENCE_MONTHS} months of an action on them being "
                                "completed",
}
SPECS: dict[str, DisclosureSpec] = {
    "lessons_theme_frequency": DisclosureSpec(counts=("reviews_with_theme", "reviews"),
                                              rates={"pct_of_reviews": ("reviews_with_theme", "reviews", 100)}),
    "lessons_theme_range": DisclosureSpec(counts=("reviews_with_theme", "reviews"),
                                          statistics={"pct_lower": ("reviews_with_theme", "reviews"),
                                                      "pct_upper": ("reviews_with_theme", "reviews")},
                                          rates={"pct_of_reviews": ("reviews_with_theme", "reviews", 100)}),
    "lessons_theme_spc": TIMELINESS_SPECS["spc_new_concerns"],  # a count series: the value is the count
    "lessons_themes_by_level": DisclosureSpec(counts=("reviews_with_theme", *CONTRIBUTORY_LEVELS, NOT_RECORDED)),
    "lessons_themes_by_domain": DisclosureSpec(counts=("reviews_with_theme", *CONCERN_DOMAINS, NO_DOMAIN)),
    "lessons_equality_checks": DisclosureSpec(
        counts=("reviews", "checked", "not_checked", NOT_RECORDED, "recorded"),
        rates={"pct_checked": ("checked", "recorded", 100)},
        row_totals={"reviews": ("checked", "not_checked", NOT_RECORDED), "recorded": ("checked", "not_checked")},
        total_row_key="period",
    ),
    "lessons_action_status": replace(OVERDUE_ACTIONS_SPEC, total_row_key="theme"),
    "lessons_overdue_by_owner": DisclosureSpec(counts=("open", "overdue"),
                                               rates={"pct_overdue": ("overdue", "open", 100)},
                                               total_row_key="system_level"),
    "lessons_completion_days": DisclosureSpec(counts=("completed",),
                                              statistics={"median_days": ("completed",), "p90_days": ("completed",)},
                                              total_row_key="period"),
    "lessons_recurring_themes": DisclosureSpec(
        counts=("completed", "recurred", "no_recurrence", "not_yet_followed", "followed"),
        rates={"pct_recurred": ("recurred", "followed", 100)},
        row_totals={"completed": ("recurred", "no_recurrence", "not_yet_followed"),
                    "followed": ("recurred", "no_recurrence")},
        total_row_key="theme",
    ),
}


def theme_series(theme: str) -> SpcSeries:
    """How the monthly SPC series of one theme reads (a count series, neutral)."""
    label = str(display_label(theme))
    return SpcSeries(theme, None, f"Reviews raising {label.lower()} per month",
                     f"reviews raising {label.lower()} per month", "reviews", "neutral")


def theme_spc(inputs: Inputs) -> pd.DataFrame:
    """Every theme's XmR table, stacked: theme, chosen (the scope's theme), then `spc_table`'s columns."""
    window = inputs.lessons_window
    monthly = theme_monthly_counts(inputs.reviews, start=window.start, end=window.end)
    frames = [spc_table(monthly, theme_series(theme), inputs).assign(theme=theme, chosen=theme == inputs.scope.theme)
              for theme in REVIEW_THEMES]
    out = pd.concat(frames, ignore_index=True)
    return out[["theme", "chosen", *[c for c in out.columns if c not in ("theme", "chosen")]]]


def _review_tables(inputs: Inputs) -> dict[str, pd.DataFrame]:
    reviews, window = inputs.reviews, inputs.lessons_window
    return {
        "lessons_theme_frequency": theme_frequency(reviews, window),
        "lessons_theme_range": theme_range(reviews, window, confidence=inputs.config.inequalities.confidence),
        "lessons_theme_spc": theme_spc(inputs),
        "lessons_themes_by_level": themes_by_level(reviews, window),
        "lessons_themes_by_domain": themes_by_domain(reviews, inputs.cases, window),
        "lessons_equality_checks": equality_checks(reviews, window),
    }


def _action_tables(inputs: Inputs) -> dict[str, pd.DataFrame]:
    actions, window, as_of = inputs.actions, inputs.lessons_window, inputs.scope.quarter.end
    quarters = quarter_range(FinancialQuarter.containing(window.start), inputs.scope.quarter)
    return {
        "lessons_action_status": action_counts(actions, as_of=as_of, by="theme", values=REVIEW_THEMES).assign(
            method=OVERDUE_METHOD),
        "lessons_overdue_by_owner": overdue_by_owner(actions, as_of=as_of),
        "lessons_completion_days": completion_days(actions, quarters=quarters),
        "lessons_recurring_themes": recurring_themes(actions, inputs.reviews, since=window.start, as_of=as_of,
                                                     months=RECURRENCE_MONTHS),
    }


def lessons_tables(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """The unpublished reviews-and-actions tables of the scope; those of a table not supplied are absent."""
    if inputs.reviews is None:
        return {}
    return {**_review_tables(inputs), **(_action_tables(inputs) if inputs.actions is not None else {})}
