"""The effects the synthetic generator can inject, each with a "no effect" setting.

Tests and benchmarks check the measures against these known effects (the ground truth written
beside every extract), so each one is a plain number or switch, and `Effects.none()` turns all off.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Effects:
    """Multipliers and switches; 1.0 / None means "no effect".

    Entry multipliers act on each practitioner's yearly chance of a concern, conditional on the
    other characteristics (ethnicity and place of qualification are correlated in the population,
    so the marginal ratios the measures estimate differ; the ground truth records both).
    Defaults give marginal ratios near the published evidence (about 2, GMC *Fair to refer?* 2019).
    """

    entry_bme: float = 1.6
    """Black and minority ethnic (ethnic_group_2) vs White, conditional multiplier."""
    entry_international: float = 1.6
    """Internationally qualified (pmq_region "international") vs the rest, conditional multiplier."""
    entry_male: float = 1.4
    """Male vs female or not stated."""
    entry_older: float = 1.3
    """Aged 55 or over vs younger or not stated."""
    investigation_bme: float = 1.5
    """P(PAG -> investigation) multiplier for Black and minority ethnic practitioners."""
    closure_international: float = 1.5
    """Every wait after triage multiplied by this for internationally qualified practitioners."""
    triage_step_month: str | None = "2024-10"
    """Month (YYYY-MM) from which received -> triaged gets faster; None = no step."""
    triage_median_before: float = 8.0
    """Median received -> triaged working days before the step (and throughout without one)."""
    triage_median_after: float = 4.0
    """Median received -> triaged working days from the step month."""
    theme_trend: str | None = "workload"
    """Review theme whose weight rises linearly over the extract period; None = no trend."""
    theme_trend_factor: float = 3.0
    """Weight of the trending theme at the extract date relative to the start of the period."""

    @classmethod
    def none(cls) -> "Effects":
        """No injected effect: every relative likelihood and progression ratio is 1."""
        return cls(
            entry_bme=1.0, entry_international=1.0, entry_male=1.0, entry_older=1.0,
            investigation_bme=1.0, closure_international=1.0, triage_step_month=None,
            theme_trend=None, theme_trend_factor=1.0,
        )
