"""The lessons-learnt section of the report and page of the dashboard: one part per LOTUS template."""

from __future__ import annotations

import html
from typing import Callable

import pandas as pd

from lotus_analytics.config import Config
from lotus_analytics.reports import informed_figures, lessons_figures, stratification_figures

PARTS: dict[str, Callable[..., dict[str, str]]] = {  # the keys of lessons_family.PART_TABLES, in the same order
    "Triage and risk stratification": stratification_figures.stratification_html,
    "Reviews and improvement actions": lessons_figures.lessons_html,
    "Keeping the practitioner informed": informed_figures.informed_html,
}
SUB_HEADINGS: dict[str, tuple[str, ...]] = {
    "Triage and risk stratification": stratification_figures.STRATIFICATION_HEADINGS,
    "Reviews and improvement actions": lessons_figures.HEADINGS,
    "Keeping the practitioner informed": informed_figures.HEADINGS,
}


def lessons_parts(tables: dict[str, pd.DataFrame], *, config: Config) -> dict[str, str]:
    """The HTML of each part from published tables: its sub-headings with their figures and tables."""
    return {heading: "".join(f"<h4>{html.escape(sub)}</h4>{body}" for sub, body in draw(tables, config=config).items())
            for heading, draw in PARTS.items()}
