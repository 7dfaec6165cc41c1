"""Charts of the foundation measures: T1 timeliness, entry relative likelihood, overdue actions."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lotus_analytics.charts.base import NHS_BLUE, NHS_DARK_GREY, NHS_MID_GREY, NHS_PALE_GREY, NHS_WARM_YELLOW, WIDTH, numeric, styled


def timeliness_chart(table: pd.DataFrame, *, period_kind: str, target: float, title: str) -> alt.TopLevelMixin:
    """Median and 90th percentile of T1 working days per `period` (a month or quarter label), target dashed."""
    period = "period"
    long = pd.DataFrame({period: table[period], "Median": numeric(table["median"]),
                         "90th percentile": numeric(table["p90"])})
    long = long.melt(id_vars=[period], value_vars=["Median", "90th percentile"],
                     var_name="statistic", value_name="working_days")
    colour = alt.Color("statistic:N", title=None,
                       scale=alt.Scale(domain=["Median", "90th percentile"], range=[NHS_BLUE, NHS_MID_GREY]))
    # a suppressed period breaks the line rather than being bridged by it
    lines = alt.Chart(long).mark_line(point=True, strokeWidth=2.5, invalid="break-paths-show-domains").encode(
        x=alt.X(f"{period}:O", title=None, scale=alt.Scale(domain=list(table[period])),
                axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("working_days:Q", title="Working days"),
        color=colour,
    )
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
        color=NHS_WARM_YELLOW, strokeDash=[6, 4], strokeWidth=2).encode(y="target:Q")
    description = (f"Line chart of the median and 90th percentile working days from receipt to triage by "
                   f"{period_kind}, with the target of {target:g} working days drawn as a dashed line.")
    return styled((rule + lines).properties(width=WIDTH, height=220), title, description)


def likelihood_chart(table: pd.DataFrame, *, band: tuple[float, float], title: str,
                     hidden_note: str = "fewer than 8 cases") -> alt.TopLevelMixin:
    """Forest plot of relative likelihoods: ratio and interval per group, the band shaded, 1 marked.

    Groups whose ratio is not published are listed with no point and the reason: `hidden_note` when
    disclosure control hid it ("*"), else its verdict (not calculable, no denominator).
    """
    why = table["verdict"].astype(str).where(table["ratio"] != "*", hidden_note)
    data = pd.DataFrame({"label": table["group"] + " vs " + table["reference"], "ratio_n": numeric(table["ratio"]),
                         "lower_n": numeric(table["lower"]), "upper_n": numeric(table["upper"]),
                         "note": "ratio not shown: " + why})
    low = min(0.25, data["lower_n"].min() / 1.2) if data["lower_n"].notna().any() else 0.25
    high = max(4.0, data["upper_n"].max() * 1.2) if data["upper_n"].notna().any() else 4.0
    x_scale = alt.Scale(type="log", domain=[low, high], nice=False)
    y = alt.Y("label:N", title=None, scale=alt.Scale(domain=list(data["label"])), axis=alt.Axis(labelLimit=260))
    shaded = alt.Chart(pd.DataFrame({"low": [band[0]], "high": [band[1]]})).mark_rect(
        color=NHS_PALE_GREY, opacity=0.9).encode(x=alt.X("low:Q", scale=x_scale), x2="high:Q")
    one = alt.Chart(pd.DataFrame({"one": [1.0]})).mark_rule(color=NHS_DARK_GREY).encode(x="one:Q")
    interval = alt.Chart(data).mark_rule(color=NHS_BLUE, strokeWidth=2).encode(
        x=alt.X("lower_n:Q", scale=x_scale), x2="upper_n:Q", y=y)
    point = alt.Chart(data).mark_point(filled=True, size=90, color=NHS_BLUE, shape="square").encode(
        x=alt.X("ratio_n:Q", scale=x_scale, title="Relative likelihood (log scale)"), y=y)
    not_shown = alt.Chart(data[data["ratio_n"].isna()].assign(at=low * 1.08)).mark_text(
        align="left", color=NHS_DARK_GREY, fontStyle="italic").encode(x=alt.X("at:Q", scale=x_scale), y=y, text="note:N")
    description = (f"Forest plot of the relative likelihood of entering the process for each group against "
                   f"its reference group, with confidence intervals; the band {band[0]:g} to {band[1]:g} "
                   f"(no adverse impact) is shaded and a ratio of 1 is marked.")
    layers = alt.layer(shaded, one, interval, point, not_shown).properties(width=WIDTH, height=max(60, 34 * len(data)))
    return styled(layers, title, description)


def overdue_chart(table: pd.DataFrame, *, level: str, title: str) -> alt.TopLevelMixin:
    """Bar chart of overdue improvement actions by system level (total row excluded)."""
    data = pd.DataFrame({level: table[level], "overdue_n": numeric(table["overdue"])})
    y = alt.Y(f"{level}:N", title=None, scale=alt.Scale(domain=list(table[level])))
    bars = alt.Chart(data).mark_bar(color=NHS_BLUE).encode(
        x=alt.X("overdue_n:Q", title="Overdue actions", axis=alt.Axis(format="d", tickMinStep=1)), y=y,
    )
    hidden = data[data["overdue_n"].isna()].assign(at=0, note="* not shown (disclosure control)")
    not_shown = alt.Chart(hidden).mark_text(align="left", dx=4, color=NHS_DARK_GREY, fontStyle="italic").encode(
        x="at:Q", y=y, text="note:N")
    description = ("Bar chart of the number of improvement actions overdue at the end of the quarter, by system "
                   "level; levels whose count is not published are marked as not shown.")
    return styled((bars + not_shown).properties(width=WIDTH, height=34 * len(data)), title, description)
