"""Keeping the practitioner informed (issue 5 item 3, the Appendix 5 letter): prompt news, no long silences,
support signposted and a named contact, by quarter, by ICB or profession, and by demographic group.

Every clock and gap here is the timeliness module's own (nothing is re-timed):
- Outcome letters: T3 of `timeliness` (meeting to practitioner informed, working days) restricted to the
  PAG and decision-panel meetings of the issue: `meeting` pag, decision_panel or hearing (the MHPS
  equivalent of the decision panel). Triage meetings and letters with no meeting recorded are left out
  (`meetings=` widens or narrows this). Without the updates table T3 falls back, as in `timeliness`, to
  the cases' `date_outcome` (the meeting that decided the outcome) to `date_practitioner_informed`.
  A letter counts in the period its letter was sent (its clock stopped).
- Contact: T6 of `open_cases` (longest gap without contact, calendar days) at each quarter end.
- Support signposted: yes when `cases.wellbeing_support_offered` is true or any update sent by `as_of`
  has `support_signposted` true; no when neither says yes and at least one of them says no; unknown
  otherwise (never counted as no). Named contact: `cases.named_contact`, yes / no / unknown. Shares are of
  the cases with a known answer; the unknown count is reported beside them.
Groups are compared with their reference group by the ratio of shares (group ÷ reference: within target,
over target, or yes) with the Katz interval and Fisher's exact p (`inequalities.compare_groups`), and
each share carries its Wilson interval.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.inequalities import MISSING, compare_groups, dimension_values, in_group_order, versus_reference
from lotus_analytics.open_cases import T6_METHOD, contact_gap_summary, contact_gaps
from lotus_analytics.periods import FinancialQuarter, Window, quarter_labels
from lotus_analytics.stats import percent_with_interval
from lotus_analytics.timeliness import (
    OUTCOME_LETTER, Durations, completed, group_codes, grouped_quantiles, method_text,
    stage_timeliness,
)

PAG_AND_DECISION_MEETINGS = ("pag", "decision_panel", "hearing")
"""The meetings of issue 5 item 3: PAG, and the decision panel (PLDP) or its MHPS equivalent, the hearing."""
YES, NO, UNKNOWN = "yes", "no", "unknown"
SUPPORT_MEASURES = {"support_signposted": "support signposted", "named_contact": "named contact"}
NOT_COMPARED = "not compared"
SHARE_INTERVAL = "Wilson score interval"
RATIO_METHOD = ("ratio = the group's share / the reference group's share, Katz log interval and Fisher's exact p "
                "(inequalities.compare_groups); flagged only when the whole interval lies outside the band; "
                "not stated and missing groups are shown but not compared")
LETTER_COLUMNS = ["n", "within_target", "pct_within_target", "pct_lower", "pct_upper", "median", "p90",
                  "median_calendar_days"]
SUPPORT_COUNTS = [YES, NO, UNKNOWN, "known"]
"""The published counts: no total of cases, so that a small unknown count (hidden) is not given back by subtraction
and does not take the share of the known answers with it (secondary suppression)."""
SUPPORT_METHOD = (
    "cases received in the window; support signposted = cases.wellbeing_support_offered true or any update sent "
    "by the quarter end with support_signposted true, no = neither says yes and one of them says no, unknown "
    "= nothing recorded; named contact = cases.named_contact; share = yes / (yes + no) with its "
    f"{SHARE_INTERVAL}; unknown is counted on its own, never as no"
)


# ---- outcome letters (T3 for PAG and decision-panel meetings) ------------------------------------------------


def outcome_letters(updates: pd.DataFrame | None, meetings: Sequence[str] = PAG_AND_DECISION_MEETINGS,
                    ) -> pd.DataFrame | None:
    """The post-meeting outcome letters of the given meeting types (None: no updates table supplied)."""
    if updates is None:
        return None
    wrong = sorted(set(meetings) - set(schema.MEETINGS))
    if wrong:
        raise ValueError(f"meetings must be among {', '.join(schema.MEETINGS)}, not {', '.join(wrong)}")
    keep = (updates["update_type"] == OUTCOME_LETTER) & updates["meeting"].isin(list(meetings))
    return updates[keep.to_numpy(dtype=bool)]


def letter_durations(cases: pd.DataFrame, updates: pd.DataFrame | None, *, holidays: np.ndarray,
                     meetings: Sequence[str] = PAG_AND_DECISION_MEETINGS) -> Durations:
    """T3 durations of `timeliness.completed` for the chosen meetings' outcome letters (from cases without updates)."""
    return completed(cases, "T3", holidays=holidays, updates=outcome_letters(updates, meetings))


def letter_method(done: Durations, meetings: Sequence[str] = PAG_AND_DECISION_MEETINGS) -> str:
    """The method statement of the letter tables: T3's own, plus which meetings count."""
    if done.queue is not None:  # T3 from cases: every decided outcome
        return (f"{method_text(done.stage)}; the updates table was not supplied, so each case's outcome decision "
                "stands for its meetings")
    return (f"{method_text(done.stage)}; meetings counted: {', '.join(meetings)} (other meetings, e.g. triage, and "
            "outcome letters with no meeting recorded are left out)")


def letters_by_quarter(
    cases: pd.DataFrame, done: Durations, *, quarters: Sequence[FinancialQuarter], target: int,
    holidays: np.ndarray, confidence: float, updates: pd.DataFrame | None = None,
    meetings: Sequence[str] = PAG_AND_DECISION_MEETINGS,
) -> pd.DataFrame:
    """Outcome letters per quarter sent (`timeliness.stage_timeliness` of `done`), every quarter listed.

    Columns: quarter, n, within_target, pct_within_target (0-100), pct_lower, pct_upper, median, p90,
    median_calendar_days, still_waiting (known only from cases), meeting_not_recorded (outcome letters sent
    in the quarter with no meeting type: left out; NA without updates), target, unit, source, method.
    """
    labels = [q.label for q in quarters]
    table = stage_timeliness(cases, measure="T3", period="quarter", target=target, holidays=holidays,
                             durations={"T3": done}).set_index("period").reindex(labels)
    out = table.rename_axis("quarter").reset_index()
    for column in ("n", "within_target"):
        out[column] = out[column].fillna(0).astype("int64")
    out["pct_within_target"], out["pct_lower"], out["pct_upper"] = percent_with_interval(out["within_target"], out["n"],
                                                                                         confidence)
    unrecorded = pd.Series(pd.NA, index=labels, dtype="Int64")
    if updates is not None:
        letters = updates[(updates["update_type"] == OUTCOME_LETTER) & updates["meeting"].isna()]
        sent = quarter_labels(letters["date_sent"]).value_counts()
        unrecorded = pd.Series([int(sent.get(q, 0)) for q in labels], index=labels, dtype="Int64")
    out["meeting_not_recorded"] = unrecorded.to_numpy()
    out = out.assign(target=target, unit=done.stage.unit, source="cases" if done.queue is not None else "updates",
                     method=letter_method(done, meetings))
    return out[["quarter", *LETTER_COLUMNS, "still_waiting", "meeting_not_recorded", "target", "unit", "source",
                "method"]]


def _summary(labels: np.ndarray, flagged: np.ndarray, length: np.ndarray, calendar: np.ndarray | None = None,
             ) -> pd.DataFrame:
    """Per distinct label (sorted; a missing label is the group "missing"): n, flagged, median and p90 of
    `length` and the median of `calendar` (Hyndman-Fan type 7, `timeliness.grouped_quantiles`)."""
    named = pd.Series(labels, dtype=object).fillna(MISSING)
    codes, keys = group_codes(pd.DataFrame({"group": named}), ["group"])
    size = len(keys)
    median, p90 = grouped_quantiles(codes, length, size, (0.5, 0.9))
    out = keys.assign(n=np.bincount(codes, minlength=size),
                      flagged=np.bincount(codes, weights=flagged, minlength=size).astype(np.int64),
                      median=median, p90=p90)
    if calendar is not None:
        out["median_calendar_days"] = grouped_quantiles(codes, calendar, size, (0.5,))[0]
    return out


def _stopped_in(done: Durations, window: Window) -> np.ndarray:
    """Which durations stopped (letter sent) within the window."""
    end = done.end.astype("datetime64[D]")
    return (end >= np.datetime64(window.start.date(), "D")) & (end <= np.datetime64(window.end.date(), "D"))


def letters_by_group(
    done: Durations, groups: pd.Series | np.ndarray, *, window: Window, target: int, confidence: float,
) -> pd.DataFrame:
    """Outcome letters sent in the window per group of their case (`groups`: one label per row of cases).

    Columns: group, n, within_target, pct_within_target, pct_lower, pct_upper, median, p90,
    median_calendar_days. Groups with no letter in the window have no row.
    """
    inside = _stopped_in(done, window)
    labels = np.asarray(groups, dtype=object)[done.rows[inside]]
    length = done.length[inside]
    out = _summary(labels, length <= target, length, done.calendar_days[inside]).rename(
        columns={"flagged": "within_target"})
    out["pct_within_target"], out["pct_lower"], out["pct_upper"] = percent_with_interval(out["within_target"], out["n"],
                                                                                         confidence)
    return out[["group", *LETTER_COLUMNS]]


# ---- comparisons with the reference group ----------------------------------------------------------------------


def against_reference(
    table: pd.DataFrame, dimension: str, *, reference: str, x: str, n: str, extra: Sequence[str] = (),
    keys: Sequence[str] = (), confidence: float, band: tuple[float, float],
) -> pd.DataFrame:
    """Each group's share x/n against the reference group's (per `keys`): ref_ columns, ratio, interval, verdict.

    The reference group is a row of its own only through the ref_ columns (as in the equity tables: its
    counts then stand once, hidden or shown alike wherever they repeat). Not stated and missing groups
    stay as rows, not compared (verdict "not compared").
    """
    definition = schema.DIMENSIONS[dimension]
    out = versus_reference(table, keys, reference, [n, x, *extra])
    for column in (n, x):
        out[f"ref_{column}"] = out[f"ref_{column}"].fillna(0).astype("int64")
    compared = compare_groups(out[x], out[n], out[f"ref_{x}"], out[f"ref_{n}"], confidence=confidence, band=band)
    stated = out["group"].isin(definition.stated_groups).to_numpy()
    compared.loc[~stated, ["ratio", "lower", "upper", "fisher_p"]] = np.nan
    compared["verdict"] = compared["verdict"].where(stated, NOT_COMPARED)
    out = pd.concat([out, compared], axis=1).assign(dimension=dimension, reference=reference,
                                                     band=f"{band[0]:.2f}-{band[1]:.2f}", confidence=confidence)
    return in_group_order(out, definition, keys)


def letters_equity(
    cases: pd.DataFrame, done: Durations, *, dimension: str, reference: str, window: Window, target: int,
    confidence: float, band: tuple[float, float], meetings: Sequence[str] = PAG_AND_DECISION_MEETINGS,
) -> pd.DataFrame:
    """`letters_by_group` for the groups of a demographic dimension, each against the reference group.

    The ratio is the share informed within target (group ÷ reference): below the band, the group hears
    less often within the target. Columns: measure, dimension, group, reference, the letter columns,
    ref_n, ref_within_target, ref_pct_within_target, ref_median, ratio, lower, upper, fisher_p, verdict,
    adverse_if, band, confidence, window, target, method.
    """
    table = letters_by_group(done, dimension_values(cases, dimension), window=window, target=target,
                             confidence=confidence)
    out = against_reference(table, dimension, reference=reference, x="within_target", n="n",
                            extra=("pct_within_target", "median"), confidence=confidence, band=band)
    out = out.assign(measure="informed within target", adverse_if="lower", window=window.label, target=target,
                     method=f"{letter_method(done, meetings)}; letters sent in the window; {RATIO_METHOD}")
    return out[["measure", "dimension", "group", "reference", *LETTER_COLUMNS, "ref_n", "ref_within_target",
                "ref_pct_within_target", "ref_median", "ratio", "lower", "upper", "fisher_p", "verdict", "adverse_if",
                "band", "confidence", "window", "target", "method"]]


# ---- contact: the longest gap of the open cases (T6) -----------------------------------------------------------

CONTACT_COLUMNS = ["open_cases", "over_target", "pct_over_target", "pct_lower", "pct_upper", "median_gap_days"]


def _contact_shares(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    out = table.copy()
    shares = percent_with_interval(out["over_target"], out["open_cases"], confidence)
    out["pct_over_target"], out["pct_lower"], out["pct_upper"] = shares
    return out


def contact_by_quarter(
    cases: pd.DataFrame, updates: pd.DataFrame | None, *, quarters: Sequence[FinancialQuarter], target_days: int,
    confidence: float,
) -> pd.DataFrame:
    """T6 at each quarter's end (`open_cases.contact_gaps`, `contact_gap_summary`); NotSupplied without updates.

    Columns: quarter, as_of, open_cases, over_target, pct_over_target, pct_lower, pct_upper, median_gap_days,
    target, unit, method.
    """
    rows = []
    for quarter in quarters:
        summary = contact_gap_summary(contact_gaps(cases, updates, as_of=quarter.end, target_days=target_days))
        row = summary.iloc[0] if len(summary) else pd.Series({"open_cases": 0, "over_target": 0})
        rows.append({"quarter": quarter.label, "as_of": quarter.end, "open_cases": int(row["open_cases"]),
                     "over_target": int(row["over_target"]), "median_gap_days": row.get("median_gap_days", np.nan)})
    out = _contact_shares(pd.DataFrame(rows, columns=["quarter", "as_of", "open_cases", "over_target",
                                                      "median_gap_days"]), confidence)
    out = out.assign(target=target_days, unit="calendar days", method=f"{T6_METHOD}; at each quarter's end")
    return out[["quarter", "as_of", *CONTACT_COLUMNS, "target", "unit", "method"]]


def contact_by_group(gaps: pd.DataFrame, *, by: str, confidence: float) -> pd.DataFrame:
    """T6 per ICB, profession or risk level (`contact_gap_summary` of `contact_gaps`), with a Wilson interval."""
    summary = contact_gap_summary(gaps, by=(by,)).rename(columns={by: "group"})
    return _contact_shares(summary, confidence)[["group", *CONTACT_COLUMNS]]


def contact_equity(
    cases: pd.DataFrame, gaps: pd.DataFrame, *, dimension: str, reference: str, confidence: float,
    band: tuple[float, float],
) -> pd.DataFrame:
    """T6 of the open cases (`contact_gaps`) by demographic group, each against the reference group.

    The ratio is the share of open cases whose longest gap is over the target: above the band, the group
    is more often left without contact. Columns: measure, dimension, group, reference, open_cases,
    over_target, pct_over_target, pct_lower, pct_upper, median_gap_days, p90_gap_days, ref_open_cases,
    ref_over_target, ref_pct_over_target, ref_median_gap_days, ratio, lower, upper, fisher_p, verdict,
    adverse_if, band, confidence, as_of, target, method.
    """
    group_of = pd.Series(dimension_values(cases, dimension).to_numpy(dtype=object), index=cases["case_id"].to_numpy())
    labels = gaps["case_id"].map(group_of).to_numpy(dtype=object)
    table = _summary(labels, gaps["over_target"].to_numpy(dtype=bool), gaps["gap_days"].to_numpy())
    table = _contact_shares(table.rename(columns={"n": "open_cases", "flagged": "over_target",
                                                  "median": "median_gap_days", "p90": "p90_gap_days"}), confidence)
    out = against_reference(table, dimension, reference=reference, x="over_target", n="open_cases",
                            extra=("pct_over_target", "median_gap_days"), confidence=confidence, band=band)
    as_of = gaps["as_of"].iloc[0] if len(gaps) else pd.NaT
    target = gaps["target"].iloc[0] if len(gaps) else np.nan
    out = out.assign(measure="longest gap over target", adverse_if="higher", as_of=as_of, target=target,
                     method=f"{T6_METHOD}; {RATIO_METHOD}")
    return out[["measure", "dimension", "group", "reference", *CONTACT_COLUMNS, "p90_gap_days", "ref_open_cases",
                "ref_over_target", "ref_pct_over_target", "ref_median_gap_days", "ratio", "lower", "upper",
                "fisher_p", "verdict", "adverse_if", "band", "confidence", "as_of", "target", "method"]]


# ---- support signposted and named contact ----------------------------------------------------------------------


def _answer(yes: np.ndarray, no: np.ndarray) -> np.ndarray:
    return np.select([yes, no], [YES, NO], default=UNKNOWN)


def support_status(cases: pd.DataFrame, updates: pd.DataFrame | None, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per case (internal: case-level): case_id, support_signposted and named_contact, each yes / no / unknown.

    See the module docstring; updates sent after `as_of` are not counted (None: from cases alone).
    """
    offered = cases["wellbeing_support_offered"].astype("boolean")
    yes = offered.fillna(False).to_numpy(dtype=bool)
    no = offered.eq(False).fillna(False).to_numpy(dtype=bool)
    if updates is not None:
        sent = updates[(updates["date_sent"] <= pd.Timestamp(as_of)).to_numpy(dtype=bool)]
        flag = sent["support_signposted"].astype("boolean")
        yes |= cases["case_id"].isin(sent.loc[flag.fillna(False).to_numpy(dtype=bool), "case_id"]).to_numpy()
        no |= cases["case_id"].isin(sent.loc[flag.eq(False).fillna(False).to_numpy(dtype=bool), "case_id"]).to_numpy()
    named = cases["named_contact"].astype("boolean")
    return pd.DataFrame({
        "case_id": cases["case_id"].to_numpy(),
        "support_signposted": _answer(yes, no & ~yes),
        "named_contact": _answer(named.fillna(False).to_numpy(dtype=bool), named.eq(False).fillna(False).to_numpy(dtype=bool)),
    })


def support_by_group(
    cases: pd.DataFrame, status: pd.DataFrame, groups: pd.Series | np.ndarray, *, window: Window, confidence: float,
) -> pd.DataFrame:
    """Yes / no / unknown per group (`groups`: one label per row of cases) of the cases received in the window.

    One row per support measure and group with a case. Columns: measure, group, yes, no, unknown, known
    (yes + no), pct_yes (of known, 0-100), pct_lower, pct_upper. Unknown stands apart: no total of cases
    is given (see SUPPORT_COUNTS).
    """
    columns = ["measure", "group", *SUPPORT_COUNTS, "pct_yes", "pct_lower", "pct_upper"]
    inside = cases["date_received"].between(window.start, window.end).to_numpy()
    if not inside.any():
        return pd.DataFrame(columns=columns)
    labels = pd.Series(np.asarray(groups, dtype=object)[inside]).fillna(MISSING)
    frames = []
    for column, measure in SUPPORT_MEASURES.items():
        counts = pd.crosstab(labels.to_numpy(), status[column].to_numpy()[inside]).reindex(
            columns=[YES, NO, UNKNOWN], fill_value=0)
        frames.append(counts.rename_axis(index="group", columns=None).reset_index().assign(measure=measure))
    out = pd.concat(frames, ignore_index=True)
    out["known"] = out[YES] + out[NO]
    out["pct_yes"], out["pct_lower"], out["pct_upper"] = percent_with_interval(out[YES], out["known"], confidence)
    return out[columns]


def support_by_quarter(
    cases: pd.DataFrame, status: pd.DataFrame, *, quarters: Sequence[FinancialQuarter], confidence: float,
) -> pd.DataFrame:
    """`support_by_group` per quarter of receipt, every quarter of `quarters` listed (0 where none)."""
    window = Window(quarters[0].start, quarters[-1].end, ())
    table = support_by_group(cases, status, quarter_labels(cases["date_received"]), window=window,
                             confidence=confidence).rename(columns={"group": "quarter"})
    grid = pd.MultiIndex.from_product([list(SUPPORT_MEASURES.values()), [q.label for q in quarters]],
                                      names=["measure", "quarter"])
    out = table.set_index(["measure", "quarter"]).reindex(grid)
    out[SUPPORT_COUNTS] = out[SUPPORT_COUNTS].fillna(0).astype("int64")
    return out.reset_index().assign(method=SUPPORT_METHOD)


def support_equity(
    cases: pd.DataFrame, status: pd.DataFrame, *, dimension: str, reference: str, window: Window, confidence: float,
    band: tuple[float, float],
) -> pd.DataFrame:
    """`support_by_group` by demographic group, each against the reference group (per support measure).

    The ratio is the share with a yes (group ÷ reference): below the band, the group is less often
    signposted or given a named contact. Columns: measure, dimension, group, reference, cases, yes, no,
    unknown, known, pct_yes, pct_lower, pct_upper, ref_known, ref_yes, ref_pct_yes, ratio,
    lower, upper, fisher_p, verdict, adverse_if, band, confidence, window, method.
    """
    table = support_by_group(cases, status, dimension_values(cases, dimension), window=window, confidence=confidence)
    out = against_reference(table, dimension, reference=reference, x=YES, n="known", extra=("pct_yes",),
                            keys=("measure",), confidence=confidence, band=band)
    out = out.assign(adverse_if="lower", window=window.label, method=f"{SUPPORT_METHOD}; {RATIO_METHOD}")
    return out[["measure", "dimension", "group", "reference", *SUPPORT_COUNTS, "pct_yes", "pct_lower", "pct_upper",
                "ref_known", "ref_yes", "ref_pct_yes", "ratio", "lower", "upper", "fisher_p",
                "verdict", "adverse_if", "band", "confidence", "window", "method"]]


def stack(frames: Mapping[str, pd.DataFrame], key: str) -> pd.DataFrame:
    """Tables stacked with a `key` column naming where each came from (e.g. grouping: ICB, profession)."""
    parts = [frame.assign(**{key: name}) for name, frame in frames.items()]
    if not parts:
        return pd.DataFrame(columns=[key])
    out = pd.concat(parts, ignore_index=True)
    return out[[key, *(c for c in out.columns if c != key)]]

