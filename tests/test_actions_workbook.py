"""The improvement lead's actions workbook: overdue actions first (most days overdue first), shaded, then open
by due date, then done and dropped; the published summary beside it; no free text anywhere."""

from __future__ import annotations

import openpyxl
import pandas as pd

from lotus_analytics.reports.actions_workbook import HEADERS, LIST_SHEET, OVERDUE_FILL, write_actions_workbook

AS_OF = pd.Timestamp("2026-09-30")


def _actions() -> pd.DataFrame:
    rows = [  # action, raised, due, completed, status
        ("A1", "2026-01-05", "2026-12-01", None, "open"),            # open, not yet due
        ("A2", "2026-02-01", "2026-09-20", None, "in_progress"),     # overdue by 10 days
        ("A3", "2026-01-10", "2026-03-01", "2026-04-01", "done"),    # done
        ("A4", "2026-03-01", "2026-06-01", None, "open"),            # overdue by 121 days
        ("A5", "2026-01-01", "2026-02-01", None, "dropped"),         # dropped
        ("A6", "2026-02-01", "2026-08-01", "2026-10-10", "done"),    # completed after the quarter: overdue then, 60 days
        ("A7", "2026-10-01", "2026-11-01", None, "open"),            # raised after the quarter: not listed
        ("A8", "2026-04-01", "2026-10-15", None, "open"),            # open, due before A1
    ]
    frame = pd.DataFrame(rows, columns=["action_id", "date_raised", "date_due", "date_completed", "status"])
    for column in ("date_raised", "date_due", "date_completed"):
        frame[column] = pd.to_datetime(frame[column])
    return frame.assign(review_id="RV1", theme="workload", owner_role="Responsible Officer", system_level="icb")


def test_overdue_first_then_open_by_due_date_then_done_and_dropped(tmp_path):
    summary = pd.DataFrame({"system_level": ["icb", "total"], "open": ["*", "*"], "overdue": ["*", "*"]})
    path = write_actions_workbook(_actions(), as_of=AS_OF, about={"Quarter": "2026/27 Q2"}, summary=summary,
                                  path=tmp_path / "actions.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [LIST_SHEET, "Overdue by owner", "About"]
    sheet = book[LIST_SHEET]
    header = [c.value for c in sheet[1]]
    assert header == list(HEADERS.values())
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    assert [r["Action"] for r in rows] == ["A4", "A6", "A2", "A8", "A1", "A3", "A5"]
    assert [r["Days overdue"] for r in rows[:3]] == [121, 60, 10]
    assert [r["State at the quarter end"] for r in rows] == ["open"] * 5 + ["done", "dropped"]
    assert {(r["Theme"], r["System level"]) for r in rows} == {("Workload", "ICB")}  # as readers know them
    shaded = [sheet.cell(row=i, column=1).fill.fgColor.rgb.endswith(OVERDUE_FILL.fgColor.rgb[-6:])
              for i in range(2, len(rows) + 2)]
    assert shaded == [True, True, True, False, False, False, False]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert [c.value for c in book["Overdue by owner"][3]] == ["total", "*", "*"]
    assert {"Owner (role)"} <= set(header) and not any("text" in h.lower() or "name" in h.lower() for h in header)
