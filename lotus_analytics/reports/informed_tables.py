"""The keeping-informed family of published tables (issue 5 item 3, Appendix 5).

Scope decisions (see also docs/assumptions.md and the `informed` module):
- Quarters: those of `inputs.lessons_window` (from `scope.since`, default the rolling window's first
  quarter, to the report quarter).
- Outcome letters (T3, PAG and decision-panel meetings only) count in the quarter they were sent; the
  ICB, profession and demographic-group views cover every letter sent in the window.
- Contact gaps (T6) are taken at each quarter's end for the trend, and at the report quarter's end for
  the ICB, profession and demographic-group views (the open caseload then).
- Support signposted and named contact cover the cases received in the window (by quarter of receipt for
  the trend), with updates sent by the report quarter's end.
- Without the updates table the contact tables are absent ("not supplied"); the letter tables fall back
  to the cases' outcome dates (as T3 does) and say so in their `source` column; support comes from cases.
"""

from __future__ import annotations

from typing import Callable, Sequence

import pandas as pd

from lotus_analytics.disclosure import DisclosureSpec
from lotus_analytics.informed import (
    contact_by_group, contact_by_quarter, contact_equity, letter_durations, letters_by_group, letters_by_quarter,
    letters_equity, stack, support_by_group, support_by_quarter, support_equity, support_status,
)
from lotus_analytics.open_cases import contact_gaps
from lotus_analytics.periods import FinancialQuarter, quarter_range
from lotus_analytics.reports.inputs import Inputs
from lotus_analytics.schema import DIMENSIONS

GROUPINGS = {"icb_code": "ICB", "profession": "profession"}
RATIO_COLUMNS = ("ratio", "lower", "upper", "fisher_p", "verdict")

TITLES = {
    "informed_letters_by_quarter": "Practitioner informed after a PAG or decision-panel meeting, by quarter",
    "informed_letters_by_group": "Practitioner informed after a PAG or decision-panel meeting, by ICB and profession",
    "informed_letters_equity": "Informed within target by demographic group, against the reference group",
    "informed_contact_by_quarter": "Open cases by longest gap without contact, at each quarter's end",
    "informed_contact_by_group": "Open cases by longest gap without contact, by ICB and profession",
    "informed_contact_equity": "Longest gap without contact over target by demographic group, against the reference group",
    "informed_support_by_quarter": "Support signposted and a named contact, by quarter of receipt",
    "informed_support_by_group": "Support signposted and a named contact, by ICB and profession",
    "informed_support_equity": "Support signposted and a named contact by demographic group, against the reference group",
}
_LETTERS = DisclosureSpec(
    counts=("n", "within_target"),
    statistics={"median": ("n",), "p90": ("n",), "median_calendar_days": ("n",),
                "pct_lower": ("n", "within_target"), "pct_upper": ("n", "within_target")},
    rates={"pct_within_target": ("within_target", "n", 100)},
)
_CONTACT = DisclosureSpec(
    counts=("open_cases", "over_target"),
    statistics={"median_gap_days": ("open_cases",), "pct_lower": ("open_cases", "over_target"),
                "pct_upper": ("open_cases", "over_target")},
    rates={"pct_over_target": ("over_target", "open_cases", 100)},
)
_SUPPORT = DisclosureSpec(
    counts=("yes", "no", "unknown", "known"),
    statistics={"pct_lower": ("known", "yes"), "pct_upper": ("known", "yes")},
    rates={"pct_yes": ("yes", "known", 100)},
    row_totals={"known": ("yes", "no")},
)


def _versus(spec: DisclosureSpec, x: str, n: str, extra: dict[str, tuple[str, ...]]) -> DisclosureSpec:
    """`spec` plus the reference group's counts and the ratio, which rests on both groups' counts (stricter than the
    numerators METHODS.md names: Fisher's p and the interval of a hidden denominator would give it back)."""
    rates = {**spec.rates, **{f"ref_{rate}": (f"ref_{num}", f"ref_{den}", per)
                              for rate, (num, den, per) in spec.rates.items() if (num, den) == (x, n)}}
    return DisclosureSpec(
        counts=(*spec.counts, f"ref_{n}", f"ref_{x}"),
        statistics={**spec.statistics, **extra, **{c: (x, n, f"ref_{x}", f"ref_{n}") for c in RATIO_COLUMNS}},
        rates=rates, row_totals=spec.row_totals,
    )


SPECS: dict[str, DisclosureSpec] = {
    "informed_letters_by_quarter": DisclosureSpec(
        counts=(*_LETTERS.counts, "still_waiting", "meeting_not_recorded"), statistics=_LETTERS.statistics,
        rates=_LETTERS.rates),
    "informed_letters_by_group": _LETTERS,
    "informed_letters_equity": _versus(_LETTERS, "within_target", "n", {"ref_median": ("ref_n",)}),
    "informed_contact_by_quarter": _CONTACT,
    "informed_contact_by_group": _CONTACT,
    "informed_contact_equity": _versus(_CONTACT, "over_target", "open_cases",
                                       {"p90_gap_days": ("open_cases",), "ref_median_gap_days": ("ref_open_cases",)}),
    "informed_support_by_quarter": _SUPPORT,
    "informed_support_by_group": _SUPPORT,
    "informed_support_equity": _versus(_SUPPORT, "yes", "known", {}),
}


def _quarters(inputs: Inputs) -> list[FinancialQuarter]:
    window = inputs.lessons_window
    return quarter_range(FinancialQuarter.containing(window.start), FinancialQuarter.containing(window.end))


def _stacked(dimensions: Sequence[str], build: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """One table per dimension, stacked."""
    return pd.concat([build(d) for d in dimensions], ignore_index=True) if dimensions else pd.DataFrame()


def _letters(inputs: Inputs, dimensions: Sequence[str]) -> dict[str, pd.DataFrame]:
    cases, window, ineq = inputs.cases, inputs.lessons_window, inputs.config.inequalities
    target = inputs.config.targets.inform_working_days
    done = letter_durations(cases, inputs.updates, holidays=inputs.holidays)
    common = dict(window=window, target=target, confidence=ineq.confidence)
    by_quarter = letters_by_quarter(cases, done, quarters=_quarters(inputs), target=target, holidays=inputs.holidays,
                                    confidence=ineq.confidence, updates=inputs.updates)
    method = by_quarter["method"].iloc[0]
    by_group = stack({label: letters_by_group(done, cases[column], **common) for column, label in GROUPINGS.items()},
                     "grouping")
    return {
        "informed_letters_by_quarter": by_quarter,
        "informed_letters_by_group": by_group.assign(window=window.label, target=target, method=method),
        "informed_letters_equity": _stacked(dimensions, lambda d: letters_equity(
            cases, done, dimension=d, reference=ineq.reference[d], band=ineq.band, **common)),
    }


def _contact(inputs: Inputs, dimensions: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The T6 tables; none without the updates table."""
    if inputs.updates is None:
        return {}
    cases, ineq = inputs.cases, inputs.config.inequalities
    target = inputs.config.targets.contact_gap_calendar_days
    gaps = contact_gaps(cases, inputs.updates, as_of=inputs.scope.quarter.end, target_days=target)
    by_quarter = contact_by_quarter(cases, inputs.updates, quarters=_quarters(inputs), target_days=target,
                                    confidence=ineq.confidence)
    by_group = stack({label: contact_by_group(gaps, by=column, confidence=ineq.confidence)
                      for column, label in GROUPINGS.items()}, "grouping")
    return {
        "informed_contact_by_quarter": by_quarter,
        "informed_contact_by_group": by_group.assign(as_of=inputs.scope.quarter.end, target=target,
                                                     method=by_quarter["method"].iloc[0]),
        "informed_contact_equity": _stacked(dimensions, lambda d: contact_equity(
            cases, gaps, dimension=d, reference=ineq.reference[d], confidence=ineq.confidence, band=ineq.band)),
    }


def _support(inputs: Inputs, dimensions: Sequence[str]) -> dict[str, pd.DataFrame]:
    cases, window, ineq = inputs.cases, inputs.lessons_window, inputs.config.inequalities
    status = support_status(cases, inputs.updates, as_of=inputs.scope.quarter.end)
    by_quarter = support_by_quarter(cases, status, quarters=_quarters(inputs), confidence=ineq.confidence)
    by_group = stack({label: support_by_group(cases, status, cases[column], window=window, confidence=ineq.confidence)
                      for column, label in GROUPINGS.items()}, "grouping")
    return {
        "informed_support_by_quarter": by_quarter,
        "informed_support_by_group": by_group.assign(window=window.label, method=by_quarter["method"].iloc[0]),
        "informed_support_equity": _stacked(dimensions, lambda d: support_equity(
            cases, status, dimension=d, reference=ineq.reference[d], window=window, confidence=ineq.confidence,
            band=ineq.band)),
    }


def informed_tables(inputs: Inputs, *, dimensions: Sequence[str] = tuple(DIMENSIONS)) -> dict[str, pd.DataFrame]:
    """Every table of the keeping-informed family for one scope (unpublished: disclosure control comes after).

    `dimensions`: the demographic dimensions of the equity tables (default all of schema.DIMENSIONS).
    Without the updates table the contact tables are left out (absent = not supplied).
    """
    return {**_letters(inputs, dimensions), **_contact(inputs, dimensions), **_support(inputs, dimensions)}
