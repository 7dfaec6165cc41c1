"""Lessons-learnt reviews (Appendix 4): which themes the reviews keep finding, where, and how often.

A review codes one or more themes (a set), so it counts once in each of its themes: theme counts add up
to more than the number of reviews, and a share is "of the reviews, how many raised the theme". The same
holds for contributory levels and concern domains. Reviews count in the period of their `date_review`.
Single-case and cluster reviews carry a case and take its concern domains; thematic reviews carry no
case and so no domain: they are counted apart, never dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lotus_analytics.periods import FinancialQuarter, Window, quarter_labels, quarter_range
from lotus_analytics.schema import CONCERN_DOMAINS, CONTRIBUTORY_LEVELS, REVIEW_THEMES, split_set
from lotus_analytics.stats import percent_with_interval

TOTAL = "total"
NOT_RECORDED = "not_recorded"
NO_DOMAIN = "no_domain"
FREQUENCY_METHOD = ("reviews dated in the quarter that code the theme, of all reviews dated in it; a review counts "
                    "once in each of its themes, so themes add up to more than the reviews")
RANGE_PARTS = ("range", "first_half", "second_half")
RANGE_METHOD = ("reviews dated in the range (and in its first and second half, by quarter: with an odd number of "
                "quarters the middle one goes to the second half) that code the theme, of all reviews dated in it, "
                "with the {confidence:.0%} Wilson score interval; a review counts once in each of its themes")
MONTHLY_METHOD = "reviews dated in the month that code the theme (a review counts once in each of its themes)"
LEVEL_METHOD = ("reviews dated in the window by theme and contributory level; a review counts once in each of its "
                "themes and each of its levels; not_recorded: reviews with no level recorded")
DOMAIN_METHOD = ("reviews dated in the window by theme and the concern domains of the reviewed case; a review counts "
                 "once in each theme and each domain of its case; no_domain: reviews without a case (thematic "
                 "reviews), which have no concern domain")
EQUALITY_METHOD = ("reviews dated in the quarter with a disproportionality (equality) check recorded as done, of the "
                   "reviews where it was recorded (checked + not checked); not_recorded is shown apart")


def in_window(reviews: pd.DataFrame, window: Window) -> pd.DataFrame:
    """The reviews dated within the window (inclusive)."""
    return reviews[(reviews["date_review"] >= window.start) & (reviews["date_review"] <= window.end)]


def set_flags(values: pd.Series, items: tuple[str, ...]) -> pd.DataFrame:
    """One boolean column per item: does each row's ';'-separated set contain it (index kept)."""
    sets = split_set(values).map(set)
    flags = pd.DataFrame({item: sets.map(lambda found, item=item: item in found) for item in items},
                         index=values.index, columns=list(items))
    return flags.astype(bool)


def theme_flags(reviews: pd.DataFrame) -> pd.DataFrame:
    """Reviews x themes (schema.REVIEW_THEMES order): True where the review codes the theme."""
    return set_flags(reviews["themes"], REVIEW_THEMES)


def window_quarters(window: Window) -> list[str]:
    """The labels of the window's financial quarters, in order."""
    return [q.label for q in quarter_range(FinancialQuarter.containing(window.start),
                                           FinancialQuarter.containing(window.end))]


def theme_frequency(reviews: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Reviews raising each theme by financial quarter, beside all reviews of the quarter.

    Every quarter of the window x every theme (zeros included). Columns: period, theme,
    reviews_with_theme, reviews, pct_of_reviews (0-100; NaN when the quarter has no review), method.
    """
    mine = in_window(reviews, window)
    periods = window_quarters(window)
    quarter = quarter_labels(mine["date_review"])
    counts = theme_flags(mine).groupby(quarter).sum().reindex(periods, fill_value=0)
    totals = quarter.value_counts().reindex(periods, fill_value=0)
    out = counts.rename_axis(index="period").melt(ignore_index=False, var_name="theme",
                                                  value_name="reviews_with_theme").reset_index()
    out["reviews"] = out["period"].map(totals).astype("int64")
    out["reviews_with_theme"] = out["reviews_with_theme"].astype("int64")
    out["pct_of_reviews"] = 100 * out["reviews_with_theme"] / out["reviews"].where(out["reviews"] > 0)
    order = {t: i for i, t in enumerate(REVIEW_THEMES)}
    out = out.sort_values(["theme", "period"], key=lambda c: c.map(order) if c.name == "theme" else c, kind="stable")
    return out.reset_index(drop=True).assign(method=FREQUENCY_METHOD)


def range_halves(window: Window) -> dict[str, list[str]]:
    """The window's quarters as a whole range and as its first and second half (the middle quarter of an
    odd number goes to the second half, so the latest quarters are never short-changed)."""
    periods = window_quarters(window)
    middle = len(periods) // 2
    return {"range": periods, "first_half": periods[:middle], "second_half": periods[middle:]}


def theme_range(reviews: pd.DataFrame, window: Window, *, confidence: float = 0.95) -> pd.DataFrame:
    """Share of reviews raising each theme over the whole window and over its first and second halves.

    Quarterly counts of a theme are small at regional volume; over the range (and over each half) they are
    large enough to publish, so a rising theme shows even when its quarters are hidden. One row per theme x
    part (range, first_half, second_half; themes in schema order). Columns: theme, part, period (the
    quarters covered, "first to last"), reviews_with_theme, reviews, pct_of_reviews, pct_lower, pct_upper
    (0-100; NaN when the part has no review; an empty first half when the window is a single quarter), method.
    """
    mine = in_window(reviews, window)
    quarter = quarter_labels(mine["date_review"])
    flags = theme_flags(mine)
    rows = []
    for part, periods in range_halves(window).items():
        inside = quarter.isin(periods).to_numpy(dtype=bool)
        rows.append(pd.DataFrame({
            "theme": list(REVIEW_THEMES), "part": part,
            "period": f"{periods[0]} to {periods[-1]}" if periods else "",
            "reviews_with_theme": flags[inside].sum().to_numpy(dtype=np.int64), "reviews": int(inside.sum())}))
    out = pd.concat(rows, ignore_index=True)
    out["pct_of_reviews"], out["pct_lower"], out["pct_upper"] = percent_with_interval(
        out["reviews_with_theme"].to_numpy(dtype=float), out["reviews"].to_numpy(dtype=float), confidence)
    order = {t: i for i, t in enumerate(REVIEW_THEMES)}
    out = out.sort_values("theme", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)
    return out.assign(method=RANGE_METHOD.format(confidence=confidence))


def theme_monthly_counts(reviews: pd.DataFrame, *, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Reviews raising each theme per calendar month from `start`'s month to `end`'s, zeros included.

    Index: the first day of each month (DatetimeIndex named month), as `spc.xmr` reads it; one column per
    theme (schema order) and `reviews` (every review of the month).
    """
    months = pd.date_range(pd.Timestamp(start).to_period("M").start_time, pd.Timestamp(end), freq="MS", name="month")
    mine = reviews[(reviews["date_review"] >= months[0]) & (reviews["date_review"] <= pd.Timestamp(end))]
    month = mine["date_review"].dt.to_period("M").dt.start_time
    flags = theme_flags(mine)
    counts = flags.groupby(month).sum().reindex(months, fill_value=0).astype("int64")
    counts["reviews"] = month.value_counts().reindex(months, fill_value=0).astype("int64")
    return counts.rename_axis(index="month")


def _theme_crosstab(flags: pd.DataFrame, other: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Themes (rows) x other sets (columns): reviews with the theme and the item, by matrix product."""
    both = flags.to_numpy(dtype=np.int64).T @ other.to_numpy(dtype=np.int64)
    out = pd.DataFrame(both, index=list(REVIEW_THEMES), columns=columns)
    out.insert(0, "reviews_with_theme", flags.sum().to_numpy(dtype=np.int64))
    return out.rename_axis(index="theme").reset_index()


def themes_by_level(reviews: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Reviews in the window by theme and contributory level (both sets: a review counts in each pair).

    Columns: theme, reviews_with_theme, one per level (schema order), not_recorded, method.
    """
    mine = in_window(reviews, window)
    levels = set_flags(mine["contributory_level"], CONTRIBUTORY_LEVELS)
    levels[NOT_RECORDED] = ~levels.any(axis=1)
    return _theme_crosstab(theme_flags(mine), levels, [*CONTRIBUTORY_LEVELS, NOT_RECORDED]).assign(method=LEVEL_METHOD)


def themes_by_domain(reviews: pd.DataFrame, cases: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Reviews in the window by theme and the concern domains of the case reviewed.

    A review with a case (single-case or cluster) takes its case's domains; a review without one
    (thematic), or whose case is not among `cases`, counts under no_domain. Columns: theme,
    reviews_with_theme, one per domain (schema order), no_domain, method.
    """
    mine = in_window(reviews, window)
    case_domains = pd.Series(cases["concern_domains"].to_numpy(), index=cases["case_id"].to_numpy())
    domains = set_flags(mine["case_id"].map(case_domains), CONCERN_DOMAINS)
    domains[NO_DOMAIN] = ~domains.any(axis=1)
    return _theme_crosstab(theme_flags(mine), domains, [*CONCERN_DOMAINS, NO_DOMAIN]).assign(method=DOMAIN_METHOD)


def equality_checks(reviews: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Share of reviews with an equality (disproportionality) check, by quarter, with a window total row.

    Columns: period, reviews, checked, not_checked, not_recorded (reviews = the three), recorded (checked +
    not_checked), pct_checked (checked of recorded, 0-100), method.
    """
    mine = in_window(reviews, window)
    periods = window_quarters(window)
    done = mine["equality_check_done"].astype("boolean")
    states = pd.Series(np.select([done.fillna(False).to_numpy(dtype=bool), done.notna().to_numpy(dtype=bool)],
                                 ["checked", "not_checked"], default=NOT_RECORDED), index=mine.index)
    columns = ["checked", "not_checked", NOT_RECORDED]
    counts = pd.crosstab(quarter_labels(mine["date_review"]), states).reindex(index=periods, columns=columns,
                                                                               fill_value=0)
    counts.loc[TOTAL] = counts.sum()
    counts.insert(0, "reviews", counts.sum(axis=1))
    counts["recorded"] = counts["checked"] + counts["not_checked"]
    counts["pct_checked"] = 100 * counts["checked"] / counts["recorded"].where(counts["recorded"] > 0)
    out = counts.astype({c: "int64" for c in ["reviews", "recorded", *columns]})
    return out.rename_axis(index="period", columns=None).reset_index().assign(method=EQUALITY_METHOD)
