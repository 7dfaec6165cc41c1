"""Quarterly reports: published tables, their figures, the notebook's sections and the build.

`build_report` (papermill + nbconvert) is imported lazily so that the report kernel, which only needs
`sections`, does not load papermill and nbconvert.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "ReportPaths", "ReportError"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lotus_analytics.reports import render

        return getattr(render, name)
    raise AttributeError(f"module 'lotus_analytics.reports' has no attribute {name!r}")
