"""Build a quarterly report: papermill runs the notebook, nbconvert turns it into one offline HTML page.

Output folder: ``<out_root>/<quarter slug>/<region slug>/`` (e.g. ``reports/2026-27-Q2/north-west/``)
with ``report.html`` (no code, charts as inline SVG, no script or link to any CDN), the executed
notebook and ``tables.xlsx`` (written by the notebook's last cell from the same published tables).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import papermill
from jupyter_client import AsyncKernelManager
from nbconvert import HTMLExporter

from lotus_analytics.config import Config, load_config
from lotus_analytics.reports.html import page
from lotus_analytics.reports.request import ReportError, complete_quarter, report_folder
from lotus_analytics.reports.xlsx import XLSX_NAME
from lotus_analytics.schema import REGIONS
from lotus_analytics.store import read_manifest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quarterly_report.ipynb"
KERNEL = "python3"
CELL_TIMEOUT_SECONDS = 600


class QuietKernelManager(AsyncKernelManager):
    """A kernel whose process log (ipykernel's TCP warning, shutdown notices) stays out of the terminal.

    Cell errors still reach papermill through the kernel's messages, so nothing useful is lost.
    """

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["stderr"] = subprocess.DEVNULL
        await super()._async_launch_kernel(kernel_cmd, **kw)


@dataclass(frozen=True)
class ReportPaths:
    """Where one report's files are."""

    folder: Path
    html: Path
    notebook: Path
    xlsx: Path


def config_overrides(config: Config) -> dict[str, Any]:
    """A configuration as dotted overrides (JSON-friendly), so the notebook kernel can rebuild it."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                flat[f"{prefix}{key}"] = value

    walk("", config.raw)
    return flat


def _execute(folder: Path, parameters: dict[str, Any]) -> Path:
    executed = folder / "quarterly_report.ipynb"
    try:
        papermill.execute_notebook(
            str(NOTEBOOK), str(executed), parameters=parameters, kernel_name=KERNEL,
            execution_timeout=CELL_TIMEOUT_SECONDS, progress_bar=False, log_output=False,
            kernel_manager_class=QuietKernelManager,
        )
    except papermill.PapermillExecutionError as err:
        raise ReportError(
            f"the report notebook stopped in cell {err.exec_count}: {err.ename}: {err.evalue} "
            f"(executed notebook kept at {executed})"
        ) from None
    return executed


def notebook_to_html(executed: Path, title: str) -> str:
    """The executed notebook's outputs only (no code, no prompts) in a self-contained page."""
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    return page(title, body)


def build_report(
    *,
    quarter: str,
    region: str,
    store: Path,
    out_root: Path,
    disclosure_mode: str = "publication",
    config: Config | None = None,
) -> ReportPaths:
    """Run the quarterly report for one financial quarter and region; return the paths it wrote.

    Raises PeriodError for a bad quarter label, ReportError for an unknown region, a quarter not yet
    complete at the store's extract date or a failed run, StoreError when there is no store yet.
    """
    if region not in REGIONS:
        raise ReportError(f"'{region}' is not an NHS England region: {', '.join(REGIONS)}")
    extract_date = pd.Timestamp(read_manifest(Path(store))["extract_date"])
    label = complete_quarter(quarter, extract_date).label
    folder = report_folder(out_root, label, region)
    folder.mkdir(parents=True, exist_ok=True)
    parameters = {
        "quarter": label,
        "region": region,
        "store": str(Path(store).resolve()),
        "output_dir": str(folder.resolve()),
        "disclosure_mode": disclosure_mode,
        "settings": config_overrides(config or load_config()),
    }
    executed = _execute(folder, parameters)
    html_path = folder / "report.html"
    html_path.write_text(notebook_to_html(executed, f"LOTUS quarterly report: {region}, {label}"), encoding="utf-8")
    return ReportPaths(folder=folder, html=html_path, notebook=executed, xlsx=folder / XLSX_NAME)
