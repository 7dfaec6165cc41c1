"""The committed notebooks are thin views: no outputs, a parameters cell, one package call per cell."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REPORT_PARAMETERS = {"quarter", "region", "store", "output_dir", "disclosure_mode", "settings"}


@pytest.mark.parametrize("name", ["quarterly_report.ipynb", "dashboard.ipynb"])
def test_committed_without_outputs_and_one_call_per_cell(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    for cell in code:
        if "parameters" in cell.metadata.get("tags", []):
            continue
        calls = [n for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Call)]
        assert len(calls) == 1, cell.source
        assert isinstance(calls[0].func, (ast.Attribute, ast.Name))


def test_report_parameters_cell():
    nb = nbformat.read(NOTEBOOKS / "quarterly_report.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and nb.cells.index(tagged[0]) == 0
    values = {node.targets[0].id: ast.literal_eval(node.value)  # type: ignore[attr-defined]
              for node in ast.parse(tagged[0].source).body}
    assert set(values) == REPORT_PARAMETERS
    # no configuration default repeated here: every value comes from build_report or the configuration
    assert values == {name: None for name in REPORT_PARAMETERS - {"settings"}} | {"settings": {}}
    assert nb.metadata.kernelspec.name == "python3"
