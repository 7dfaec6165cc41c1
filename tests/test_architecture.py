"""The import rules of ARCHITECTURE.md: imports run one way and Great Expectations stays in ingest."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lotus_analytics"

# Layers, lowest first: a module may import only from its own layer or lower ones.
LAYERS: list[set[str]] = [
    {"schema", "config", "periods", "workdays", "stats", "store"},
    {"timeliness", "survival", "open_cases", "spc", "inequalities", "progression", "consistency", "organisations",
     "waiting", "lessons", "reviews", "stratification", "informed"},  # measures
    {"disclosure"},
    {"charts"},
    {"reports", "dashboard"},
    {"cli"},
]
SIDE = {"synthetic": 1, "contracts": 1, "ingest": 1}  # above the foundations, beside the measures
MEASURES = {"timeliness", "survival", "open_cases", "spc", "inequalities", "progression", "consistency", "organisations",
            "waiting", "lessons", "reviews", "stratification", "informed", "stats"}


def _top(module: Path) -> str:
    return module.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _level(name: str) -> int:
    if name in SIDE:
        return SIDE[name]
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def _imports(path: Path) -> set[str]:
    """Every module a file imports; `from lotus_analytics import x` counts as `lotus_analytics.x`."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lotus_analytics":
            found.update(f"lotus_analytics.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _package_imports(path: Path) -> set[str]:
    names = {m.split(".")[1] for m in _imports(path) if m.startswith("lotus_analytics.")}
    return {n for n in names if not n.startswith("__")}  # __version__ lives in the package itself


def _modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE]


def test_imports_run_down_the_layers() -> None:
    wrong = []
    for path in _modules():
        me = _top(path)
        for other in _package_imports(path) - {me}:
            if _level(other) > _level(me) or (me in SIDE and other in SIDE and other != "contracts"):
                wrong.append(f"{path.relative_to(PACKAGE)} imports {other}")
    assert not wrong, wrong


def test_only_ingest_and_contracts_import_great_expectations() -> None:
    users = {_top(p) for p in _modules() if any(m.startswith("great_expectations") for m in _imports(p))}
    assert users <= {"ingest", "contracts"}, users


def test_measures_do_no_io_plotting_or_printing() -> None:
    for name in MEASURES:
        path = PACKAGE / f"{name}.py"
        text = path.read_text()
        banned = {"altair", "matplotlib", "requests", "pathlib", "open("}
        assert not [b for b in banned if b in _imports(path) or (b.endswith("(") and b in text)], name
        assert "print(" not in text and "to_parquet" not in text and "read_csv" not in text, name


def test_report_and_dashboard_kernels_never_load_great_expectations() -> None:
    code = (
        "import sys; import lotus_analytics.reports, lotus_analytics.reports.sections, "
        "lotus_analytics.dashboard.app; print('great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
