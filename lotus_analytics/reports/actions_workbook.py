"""The improvement lead's actions workbook (actions.xlsx): every action of the scope, overdue ones first.

One row per improvement action as it stood at the end of the report quarter (`lessons.action_list`):
identifiers, theme, owner role, system level, dates, status, state then, overdue and days overdue.
The data model carries no free text and names owners by role only, so the list holds nothing about
a practitioner; the counts on its "Overdue by owner" sheet are the published table (disclosure
control applied in the configured mode). Overdue rows are shaded, the header is frozen and filtered.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from lotus_analytics.lessons import action_list
from lotus_analytics.reports.xlsx import fit_columns
from lotus_analytics.schema import display_label

ACTIONS_XLSX = "actions.xlsx"
LIST_SHEET = "Actions (overdue first)"
OVERDUE_FILL = PatternFill("solid", fgColor="FCE4D6")  # light orange: needs attention, readable in print
HEADERS = {
    "action_id": "Action", "review_id": "Review", "theme": "Theme", "owner_role": "Owner (role)",
    "system_level": "System level", "date_raised": "Raised", "date_due": "Due", "date_completed": "Completed",
    "status": "Status in the extract", "state": "State at the quarter end", "overdue": "Overdue",
    "days_overdue": "Days overdue",
}


def _style_list(sheet: Worksheet, overdue: pd.Series) -> None:
    """Bold frozen header with filters; overdue rows shaded."""
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for row, late in enumerate(overdue.to_numpy(dtype=bool), start=2):
        if late:
            for cell in sheet[row]:
                cell.fill = OVERDUE_FILL


def write_actions_workbook(actions: pd.DataFrame, *, as_of: pd.Timestamp, about: dict[str, str],
                           summary: pd.DataFrame | None, path: Path) -> Path:
    """Write the action list at `as_of` (overdue first), the published summary and an About sheet."""
    listed = action_list(actions, as_of=pd.Timestamp(as_of))
    shown = listed[list(HEADERS)].assign(theme=listed["theme"].map(display_label),
                                         system_level=listed["system_level"].map(display_label)).rename(columns=HEADERS)
    for column in ("Raised", "Due", "Completed"):
        shown[column] = shown[column].dt.date
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        shown.to_excel(writer, sheet_name=LIST_SHEET, index=False)
        _style_list(writer.sheets[LIST_SHEET], listed["overdue"])
        if summary is not None:
            summary.to_excel(writer, sheet_name="Overdue by owner", index=False)
        pd.DataFrame(list(about.items()), columns=["item", "value"]).to_excel(writer, sheet_name="About", index=False)
        fit_columns(writer.book)
    return path
