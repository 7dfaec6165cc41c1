"""The reviews-and-actions figures (issue 5 item 2) of the report and the dashboard, from published tables.

Themes by quarter: the main chart is the share of reviews raising each theme over the range and over its
first and second halves (publishable at regional volume, where quarterly counts are not); the quarterly
counts follow as a folded table, with their heat map only when no more than half of its non-zero cells
are hidden (so internal mode and high volumes keep it).

SPC: a theme is charted only when its series reads in the published table (READABLE_SHARE of its
months with reviews and its latest month published); when none does (regional volume in publication
mode) one sentence says so instead. Among the readable themes the figures draw the chart of the scope's
theme when one was chosen, else of the most frequent theme (most reviews in the window) and of the themes
whose latest published month shows special cause (at most MAX_SPC_CHARTS in all, schema order), and list
the latest reading of every readable theme in a table. The choice rests on published cells only, so it
reveals nothing disclosure control hides. A theme whose limits have no width (nearly every month zero: its few
non-zero moving ranges are screened out) is not picked for special cause: its zeros are no signal.
"""

from __future__ import annotations

import html

import pandas as pd

from lotus_analytics import charts, spc
from lotus_analytics.charts.lessons import bar_chart, count_heatmap, halves_chart
from lotus_analytics.config import Config, Disclosure
from lotus_analytics.disclosure import SUPPRESSED
from lotus_analytics.periods import long_date
from lotus_analytics.reports.html import figure_html, table_html
from lotus_analytics.reports.lessons_tables import TITLES, theme_series
from lotus_analytics.reports.timeliness_figures import NOT_SUPPLIED, spc_figure
from lotus_analytics.reviews import NO_DOMAIN, NOT_RECORDED, TOTAL
from lotus_analytics.schema import CONCERN_DOMAINS, CONTRIBUTORY_LEVELS, REVIEW_THEMES, display_label

MAX_SPC_CHARTS = 4
READABLE_SHARE = 2 / 3  # of a theme's months with reviews published, for its SPC chart to be drawn
NO_SPC = ("Monthly counts of reviews raising each theme are too small to publish month by month (counts of 1 to "
          "{most} are not shown, and a theme is charted only with two thirds of its months with reviews and its "
          "latest month published), so no theme SPC chart is drawn in publication mode; internal mode draws them. "
          "The first-half / second-half shares above show the direction.")
ALL_QUARTERS = "All quarters"
SPC_NAME = "lessons_theme_spc"
THEME = "Theme"
EXTRA_LABELS = {NOT_RECORDED: "Not recorded", NO_DOMAIN: "No domain (thematic)", TOTAL: "Total", "": ""}
EQUALITY_COLUMNS = {"period": "Quarter", "reviews": "Reviews", "checked": "Equality check done",
                    "not_checked": "Not done", "not_recorded": "Not recorded", "pct_checked": "% done (of recorded)"}
STATUS_COLUMNS = {"theme": THEME, "raised": "Raised", "open": "Open", "overdue": "Overdue", "done": "Done",
                  "dropped": "Dropped"}
OWNER_COLUMNS = {"system_level": "System level", "owner_role": "Owner (role)", "open": "Open", "overdue": "Overdue",
                 "pct_overdue": "% of open overdue"}
COMPLETION_COLUMNS = {"period": "Quarter completed", "completed": "Actions completed", "median_days": "Median days",
                      "p90_days": "90th percentile days"}
RECURRENCE_COLUMNS = {"theme": THEME, "completed": "Actions completed", "recurred": "Theme raised again",
                      "no_recurrence": "Not raised again (followed 12 months)",
                      "not_yet_followed": "Not yet followed 12 months", "pct_recurred": "% raised again (of followed)"}
SPC_SUMMARY_COLUMNS = {"theme": THEME, "period": "Latest month shown", "value": "Reviews", "mean": "Mean",
                       "variation": "Variation", "rule": "Special cause rule"}
DOMAIN_NOTE = ("Single-case and cluster reviews take the concern domains of the case reviewed (a case can have "
               "several); thematic reviews have no case and so no concern domain: they are counted under "
               "\"No domain (thematic)\".")
QUARTER_NOTE = ("No heat map by quarter: most of its non-zero counts are 1 to {most} and not published; the "
                "shares over the range above carry the picture.")
PART_LABELS = {"range": "Whole range", "first_half": "First half", "second_half": "Second half"}
SETS_NOTE = ("A review counts once in each of its themes (and levels or domains), so columns add up to more than "
             "the reviews.")


def label(value: object) -> str:
    """How a theme, system level, contributory level, domain or extra column reads ("in_out_group" ->
    "In-group / out-group", "organisational" -> "Organisational")."""
    text = str(value)
    if text in EXTRA_LABELS:
        return EXTRA_LABELS[text]
    shown = str(display_label(text))
    return shown if shown != text else text.replace("_", " ").capitalize()


def _labelled(table: pd.DataFrame, columns: dict[str, str], key: str) -> pd.DataFrame:
    """The columns shown, with `key` read as a label (a period column: only its total row relabelled)."""
    shown = table[[c for c in columns if c in table.columns]]
    if key == "period":
        return shown.assign(period=shown["period"].replace({TOTAL: ALL_QUARTERS}))
    return shown.assign(**{key: shown[key].map(label)})


def _readable_heatmap(counts: pd.Series) -> bool:
    """A heat map is worth drawing when no more than half of its non-zero cells are hidden (hidden cells are
    1-7): at regional volume a quarterly heat map is a wall of "*" and 0 that tells the reader nothing."""
    hidden = int((counts.astype(str) == SUPPRESSED).sum())
    shown = int((charts.numeric(counts).fillna(0) > 0).sum())
    return 2 * hidden <= hidden + shown


def _by_quarter(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    """Reviews raising each theme by quarter: the table folded away, with its heat map when readable."""
    periods = list(dict.fromkeys(table["period"]))
    cells = pd.DataFrame({"row": table["theme"].map(label), "column": table["period"],
                          "count": table["reviews_with_theme"]})
    title = TITLES["lessons_theme_frequency"]
    wide = cells.pivot(index="row", columns="column", values="count").reindex(
        index=[label(t) for t in REVIEW_THEMES], columns=periods)
    reviews = table.drop_duplicates("period").set_index("period")["reviews"].reindex(periods)
    wide.loc["All reviews"] = reviews.to_numpy()
    view = table_html(wide.rename_axis(index=THEME, columns=None).reset_index(), title, disclosure=disclosure)
    folded = f"<details class='lotus-details'><summary>{html.escape(title)} (table)</summary>{view}</details>"
    if not _readable_heatmap(cells["count"]):
        return (f"<p>{QUARTER_NOTE.format(most=disclosure.suppress_max)}</p>{folded}")
    chart = count_heatmap(cells, rows=[label(t) for t in REVIEW_THEMES], columns=periods, title=title,
                          x_title="Financial quarter of the review", what="reviews raising each theme by quarter")
    return figure_html(charts.to_svg(chart), f"Reviews dated in each quarter that raised the theme. {SETS_NOTE}",
                       folded)


def _share_text(pct: object, low: object, high: object) -> tuple[str, str]:
    """A published share and its interval as text ("*" stays "*"; no review: blank)."""
    if str(pct) == SUPPRESSED:
        return SUPPRESSED, SUPPRESSED
    value, lower, upper = (pd.to_numeric(v, errors="coerce") for v in (pct, low, high))
    if pd.isna(value):
        return "", ""
    return f"{value:.1f}", f"{lower:.1f} to {upper:.1f}"


def _range_view(table: pd.DataFrame, order: list[str], *, disclosure: Disclosure, confidence: float) -> str:
    """The range table beside its chart: one row per theme, the whole range then each half."""
    by = table.set_index(["theme", "part"])
    rows = []
    for theme in order:
        row: dict[str, object] = {THEME: label(theme), "Reviews raising it": by.loc[(theme, "range"),
                                                                                "reviews_with_theme"]}
        for part, name in PART_LABELS.items():
            cell = by.loc[(theme, part)]
            row[f"% {name.lower()}"], row[f"{confidence:.0%} interval ({name.lower()})"] = _share_text(
                cell["pct_of_reviews"], cell["pct_lower"], cell["pct_upper"])
        rows.append(row)
    return table_html(pd.DataFrame(rows), TITLES["lessons_theme_range"], disclosure=disclosure)


def _range(table: pd.DataFrame, frequency: pd.DataFrame, *, disclosure: Disclosure, confidence: float) -> str:
    """Share of reviews raising each theme over the range and its halves (chart and table), then the
    by-quarter counts folded away."""
    whole = table[table["part"] == "range"]
    order = whole.assign(v=charts.numeric(whole["pct_of_reviews"])).sort_values(
        "v", ascending=False, na_position="last", kind="stable")["theme"].tolist()
    shares = pd.DataFrame({"row": table["theme"].map(label), "part": table["part"].map(PART_LABELS),
                           "pct": table["pct_of_reviews"], "low": table["pct_lower"], "high": table["pct_upper"]})
    chart = halves_chart(shares, rows=[label(t) for t in order], title=TITLES["lessons_theme_range"],
                         what="the percentage of reviews raising each theme", confidence=confidence)
    parts = table.drop_duplicates("part").set_index("part")
    spans = "; ".join(f"{PART_LABELS[p].lower()} {parts.loc[p, 'period']}: {_cell_text(parts.loc[p, 'reviews'])} "
                      "reviews" for p in PART_LABELS if p in parts.index and parts.loc[p, "period"])
    caption = (f"Share of the reviews dated in each part of the range that raised the theme ({spans}), with "
               f"{confidence:.0%} Wilson intervals. Quarterly and monthly counts are too small to publish at regional "
               f"volume; the two halves show the direction of a theme. In publication mode the shares come from "
               f"counts rounded to the nearest 5, so a difference of a few points between the halves may not show, or "
               f"may even reverse: read the intervals, not the dots alone. {SETS_NOTE}")
    view = _range_view(table, order, disclosure=disclosure, confidence=confidence)
    return figure_html(charts.to_svg(chart), caption, view) + _by_quarter(frequency, disclosure=disclosure)


def _cell_text(value: object) -> str:
    """A published count as text in a sentence ("*" stays "*")."""
    number = pd.to_numeric(value, errors="coerce")
    return str(value) if pd.isna(number) else f"{number:,.0f}"


def _wide_heatmap(table: pd.DataFrame, name: str, columns: list[str], *, x_title: str, what: str, note: str,
                  disclosure: Disclosure) -> str:
    """A themes x (levels or domains) published table as a heat map with its table view."""
    long = table.melt(id_vars=["theme"], value_vars=columns, var_name="column", value_name="count")
    cells = pd.DataFrame({"row": long["theme"].map(label), "column": long["column"].map(label),
                          "count": long["count"]})
    headers = {"theme": THEME, "reviews_with_theme": "Reviews with the theme", **{c: label(c) for c in columns}}
    view = table_html(_labelled(table, headers, "theme"), TITLES[name], disclosure=disclosure, headers=headers)
    if not _readable_heatmap(cells["count"]):
        return (f"<p>{note} Most of these counts are 1 to {disclosure.suppress_max} and not published, so there is "
                f"no heat map; the table has every cell. {SETS_NOTE}</p>{view}")
    chart = count_heatmap(cells, rows=[label(t) for t in REVIEW_THEMES], columns=[label(c) for c in columns],
                          title=TITLES[name], x_title=x_title, what=what)
    return figure_html(charts.to_svg(chart), f"{note} {SETS_NOTE}", view)


def _equality(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    quarters = table[table["period"] != TOTAL]
    title = TITLES["lessons_equality_checks"]
    view = table_html(_labelled(table, EQUALITY_COLUMNS, "period"),
                      title, disclosure=disclosure, headers=EQUALITY_COLUMNS)
    if charts.numeric(quarters["pct_checked"]).isna().all():  # no quarter's share published: say the whole range's
        overall = table.loc[table["period"] == TOTAL, "pct_checked"]
        share = charts.numeric(overall).iloc[0] if len(overall) else float("nan")
        said = (f"Over all quarters, {share:.1f}% of the reviews recording it had an equality check done. "
                if pd.notna(share) else "")
        return (f"<p>{said}Every quarter's share rests on a count of 1 to {disclosure.suppress_max} (or a further "
                f"hidden cell), so there is no chart by quarter.</p>{view}")
    chart = bar_chart(quarters, label="period", value="pct_checked", title=title, x_title="% of reviews", percent=True,
                      what="the percentage of reviews with an equality check, of those recording it, by quarter")
    caption = "Share of the reviews dated in the quarter that recorded a disproportionality check as done."
    return figure_html(charts.to_svg(chart), caption, view)


def _latest_shown(rows: pd.DataFrame) -> pd.Series | None:
    shown = rows[rows["point_type"].astype(str) != SUPPRESSED]
    return shown.iloc[-1] if len(shown) else None


def _has_width(point: pd.Series) -> bool:
    """Process limits apart: a series of mostly zero months (a rare theme) gets limits of no width once its
    few non-zero moving ranges are screened out, and every zero then reads as special cause: not a signal."""
    return float(point["upl"]) > float(point["lpl"])


def spc_themes(table: pd.DataFrame, frequency: pd.DataFrame) -> list[str]:
    """The themes to chart: the chosen one; else the most frequent (most reviews in the window as published in
    `frequency`, a table with theme and reviews_with_theme; ties in schema order) and those special cause at
    their latest published month with limits of some width (schema order, at most MAX_SPC_CHARTS in all)."""
    if table.empty:
        return []
    chosen = table.loc[table["chosen"].astype(bool), "theme"].unique().tolist()
    if chosen:
        return chosen
    totals = charts.numeric(frequency.set_index("theme")["reviews_with_theme"]).reindex(list(REVIEW_THEMES))
    frequent = str(totals.fillna(-1).idxmax())
    latest = {theme: _latest_shown(rows) for theme, rows in table.groupby("theme", sort=False)}
    special = [t for t in REVIEW_THEMES if t != frequent and (last := latest.get(t)) is not None
               and last["point_type"] != "common_cause" and _has_width(last)]
    return [frequent, *special][:MAX_SPC_CHARTS]


def readable_themes(table: pd.DataFrame) -> list[str]:
    """The themes whose monthly series reads in the published table (schema order): at least READABLE_SHARE
    of its months with reviews published and its latest month published. Months with reviews are those
    published above 0 and those hidden (1-7); zeros do not count: with most non-zero months hidden a chart
    shows only the zero months, whose runs read as special cause (low) - misleading. A theme no review
    raised has nothing to chart. Internal mode hides nothing, so every theme raised reads."""
    hidden = table["value"].astype(str) == SUPPRESSED
    flags = pd.DataFrame({"theme": table["theme"], "hidden": hidden,
                          "with_reviews": hidden | (charts.numeric(table["value"]).fillna(0) > 0)})
    by = flags.groupby("theme", sort=False)
    with_reviews = by["with_reviews"].sum()
    few_hidden = by["hidden"].sum() <= (1 - READABLE_SHARE) * with_reviews + 1e-9
    ok = (with_reviews > 0) & few_hidden & ~by["hidden"].last()
    return [t for t in REVIEW_THEMES if ok.get(t, False)]


def _spc_summary(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    """The latest month of every theme in `table` (the readable ones): value, mean, variation and rule."""
    rows = []
    for theme, group in table.groupby("theme", sort=False):
        last = group.iloc[-1]
        rows.append({"theme": label(theme), "period": last["period"], "value": last["value"], "mean": last["mean"],
                     "variation": spc.POINT_TYPE_WORDS.get(last["point_type"], last["point_type"]),
                     "rule": last["special_cause_type"]})
    title = "Every theme whose months are published, at its latest month (SPC)"
    view = table_html(pd.DataFrame(rows, columns=list(SPC_SUMMARY_COLUMNS)), title, disclosure=disclosure,
                      headers=SPC_SUMMARY_COLUMNS)
    return f"<details class='lotus-details'><summary>{html.escape(title)}</summary>{view}</details>"


def _spc(table: pd.DataFrame, frequency: pd.DataFrame, *, disclosure: Disclosure) -> str:
    if table.empty:
        return "<p>Too few months with data for a chart in this view.</p>"
    readable = readable_themes(table)
    chosen = table.loc[table["chosen"].astype(bool), "theme"].unique().tolist()
    if not readable or any(theme not in readable for theme in chosen):
        return f"<p>{NO_SPC.format(most=disclosure.suppress_max)}</p>"
    themes = spc_themes(table[table["theme"].isin(readable)], frequency)
    figures = "".join(
        spc_figure(table[table["theme"] == theme].reset_index(drop=True), SPC_NAME, disclosure=disclosure,
                   spec=theme_series(theme), title=theme_series(theme).title)
        for theme in themes)
    left_out = len(REVIEW_THEMES) - len(readable)
    lead = ("<p>Charts: " + ("the theme chosen." if chosen else
                             "the most frequent theme and the themes showing special cause at their latest month; "
                             "the table below reads every theme whose months are published.")
            + (f" Not charted: {left_out} theme(s) not raised in the window, or with fewer than two thirds of "
               "their months with reviews, or their latest month, published." if left_out and not chosen else "")
            + "</p>")
    return lead + figures + _spc_summary(table[table["theme"].isin(readable)], disclosure=disclosure)


def _actions(tables: dict[str, pd.DataFrame], *, disclosure: Disclosure) -> str:
    status = tables["lessons_action_status"]
    as_of = pd.Timestamp(status["as_of"].iloc[0])
    state = table_html(_labelled(status, STATUS_COLUMNS, "theme"), TITLES["lessons_action_status"],
                       disclosure=disclosure, headers=STATUS_COLUMNS)
    done = table_html(_labelled(tables["lessons_completion_days"], COMPLETION_COLUMNS, "period"),
                      TITLES["lessons_completion_days"], disclosure=disclosure, headers=COMPLETION_COLUMNS)
    return (f"<p>State of each action on {long_date(as_of)} from its dates: an action completed later was still open; "
            "overdue = open past its due date. Days to complete count only the actions completed, so they do not "
            f"say how long open actions will take.</p>{state}{done}")


def _owners(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    rows = table[table["system_level"] != TOTAL]
    title = TITLES["lessons_overdue_by_owner"]
    view = table_html(_labelled(table, OWNER_COLUMNS, "system_level"), title, disclosure=disclosure,
                      headers=OWNER_COLUMNS)
    if charts.numeric(rows["overdue"]).isna().all():  # every bar hidden: a chart of nothing would only mislead
        return ("<p>Owners are roles, never people. Every owner's overdue count is hidden (1 to 7, or a further "
                "cell hidden), so there is no chart; the total is in the table.</p>" + view)
    shown = rows.assign(who=rows["owner_role"] + " (" + rows["system_level"].map(label) + ")")
    chart = bar_chart(shown, label="who", value="overdue", title=title, x_title="Overdue actions",
                      what="improvement actions overdue at the end of the quarter by owner role and system level")
    return figure_html(charts.to_svg(chart), "Owners are roles, never people.", view)


def _recurrence(table: pd.DataFrame, *, disclosure: Disclosure) -> str:
    view = table_html(_labelled(table, RECURRENCE_COLUMNS, "theme"), TITLES["lessons_recurring_themes"],
                      disclosure=disclosure, headers=RECURRENCE_COLUMNS)
    return ("<p>Actions completed in the window; a theme is raised again when a later review within 12 months of "
            "the completion codes it. The share is of the actions already followed for 12 months or raised again."
            f"</p>{view}")


HEADINGS = ("Themes by quarter", "Theme trend (SPC)", "Themes by contributory level", "Themes by concern domain",
            "Equality checks", "Improvement actions", "Overdue actions by owner", "Recurring themes")


def lessons_html(tables: dict[str, pd.DataFrame], *, config: Config) -> dict[str, str]:
    """The reviews-and-actions part by sub-heading, drawn from published tables ("not supplied" where the
    extract had no reviews or no actions table)."""
    d = config.disclosure
    if "lessons_theme_frequency" not in tables:
        return {heading: NOT_SUPPLIED.format(table="reviews") for heading in HEADINGS}
    parts = {
        "Themes by quarter": _range(tables["lessons_theme_range"], tables["lessons_theme_frequency"], disclosure=d,
                                    confidence=config.inequalities.confidence),
        "Theme trend (SPC)": _spc(tables[SPC_NAME], tables["lessons_themes_by_level"], disclosure=d),
        "Themes by contributory level": _wide_heatmap(
            tables["lessons_themes_by_level"], "lessons_themes_by_level", [*CONTRIBUTORY_LEVELS, NOT_RECORDED],
            x_title="Contributory level", what="reviews by theme and contributory level",
            note="Reviews dated in the window.", disclosure=d),
        "Themes by concern domain": _wide_heatmap(
            tables["lessons_themes_by_domain"], "lessons_themes_by_domain", [*CONCERN_DOMAINS, NO_DOMAIN],
            x_title="Concern domain of the case reviewed", what="reviews by theme and concern domain",
            note=DOMAIN_NOTE, disclosure=d),
        "Equality checks": _equality(tables["lessons_equality_checks"], disclosure=d),
    }
    if "lessons_action_status" not in tables:
        return {**parts, **{h: NOT_SUPPLIED.format(table="actions") for h in HEADINGS[5:]}}
    return {**parts, "Improvement actions": _actions(tables, disclosure=d),
            "Overdue actions by owner": _owners(tables["lessons_overdue_by_owner"], disclosure=d),
            "Recurring themes": _recurrence(tables["lessons_recurring_themes"], disclosure=d)}
