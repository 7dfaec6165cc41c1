"""The report's tables as one workbook: an "About" sheet, then one sheet per published table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook

XLSX_NAME = "tables.xlsx"
SHEET_NAME_MAX = 31  # Excel's limit


def write_tables_xlsx(tables: dict[str, pd.DataFrame], about: dict[str, str], path: Path) -> Path:
    """Write `about` (label -> text) and every published table (already through disclosure control)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame(list(about.items()), columns=["item", "value"]).to_excel(writer, sheet_name="About", index=False)
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name[:SHEET_NAME_MAX], index=False)
        fit_columns(writer.book)
    return path


def fit_columns(book: Workbook) -> None:
    """Column widths from the first 50 cells of each column (10 to 80 characters)."""
    for sheet in book.worksheets:
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column[:50])
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 80)
