"""The lessons-learnt family of published tables: the three LOTUS templates as live measures.

Triage and risk stratification (Appendix 2), reviews and improvement actions (Appendix 4) and keeping the
practitioner informed (Appendix 5) each have their own tables module; this one makes them one family.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from lotus_analytics.reports import informed_tables as informed
from lotus_analytics.reports import lessons_tables as lessons
from lotus_analytics.reports import stratification_tables as stratification
from lotus_analytics.reports.inputs import Inputs

PART_TABLES: dict[str, Callable[[Inputs], dict[str, pd.DataFrame]]] = {
    "Triage and risk stratification": stratification.stratification_tables,
    "Reviews and improvement actions": lessons.lessons_tables,
    "Keeping the practitioner informed": informed.informed_tables,
}
TITLES = {**stratification.TITLES, **lessons.TITLES, **informed.TITLES}
SPECS = {**stratification.SPECS, **lessons.SPECS, **informed.SPECS}


def lessons_learnt_tables(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """Every unpublished table of the three parts (the tables of an optional table not supplied are absent)."""
    return {name: table for tables in PART_TABLES.values() for name, table in tables(inputs).items()}
