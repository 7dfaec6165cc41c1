"""`write_extract`: one file per table (CSV or Parquet) or one workbook, plus extract_info.json and ground_truth.json.

CSV is written the way a case-management export typically looks: dates UK DD/MM/YYYY in cases and
ISO YYYY-MM-DD in the other tables, booleans TRUE/FALSE, missing values empty. Output is
byte-identical for the same extract (the workbook's timestamps are fixed to the extract date).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.synthetic.generator import SyntheticExtract

Format = Literal["csv", "parquet", "xlsx"]
FORMATS = ("csv", "parquet", "xlsx")
WORKBOOK_NAME = "extract.xlsx"
UK_DATE, ISO_DATE = "%d/%m/%Y", "%Y-%m-%d"
UK_DATE_TABLES = ("cases",)
TRUE, FALSE = "TRUE", "FALSE"
EXCEL_MAX_ROWS = 1_048_575
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def date_format(table: str) -> str:
    """The strftime format of dates in a table's CSV file."""
    return UK_DATE if table in UK_DATE_TABLES else ISO_DATE


def _format_dates(column: pd.Series, fmt: str) -> pd.Series:
    """strftime on each distinct date only (an extract has a few thousand), then spread back."""
    distinct, position = np.unique(column.to_numpy(dtype="datetime64[D]"), return_inverse=True)
    text = pd.Series(distinct).dt.strftime(fmt).to_numpy(dtype=object)
    return pd.Series(text[position.reshape(-1)], index=column.index)


def as_text(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as the strings its CSV file holds ("" for missing)."""
    out = {}
    for f in schema.TABLES[table].fields:
        column = frame[f.name]
        if f.kind == "date":
            text = _format_dates(column, date_format(table))
        elif f.kind == "bool":
            flags = np.where(column.fillna(False).to_numpy(dtype=bool), TRUE, FALSE)
            text = pd.Series(flags, index=column.index).where(column.notna())
        elif f.kind == "int":
            text = column.astype("string")
        else:
            text = column
        out[f.name] = text.astype(object).where(text.notna(), "")
    return pd.DataFrame(out)


def write_csv(text: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    """Write a text frame as CSV with Unix line ends."""
    path.write_bytes(text.to_csv(index=False, lineterminator="\n").encode(encoding))


def _deterministic_zip(data: bytes, stamp: str) -> bytes:
    """Re-pack a workbook with fixed member times and document properties, so equal input gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            dst.writestr(zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_workbook(tables: dict[str, pd.DataFrame], path: Path, stamp: str) -> None:
    """One sheet per table; dates are Excel dates (DD/MM/YYYY in cases), booleans Excel TRUE/FALSE."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            if len(frame) > EXCEL_MAX_ROWS:
                raise ValueError(f"table {name} has {len(frame):,} rows, more than a worksheet holds: "
                                 "write csv or parquet instead")
            plain = frame.astype(object).where(frame.notna(), None)
            plain.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            number_format = "DD/MM/YYYY" if name in UK_DATE_TABLES else "YYYY-MM-DD"
            for j, f in enumerate(schema.TABLES[name].fields, start=1):
                if f.kind == "date":
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                        cell.number_format = number_format
    path.write_bytes(_deterministic_zip(buffer.getvalue(), stamp))


def write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_extract(extract: SyntheticExtract, out_dir: Path, fmt: Format = "csv") -> list[Path]:
    """Write the extract to `out_dir` (created if needed); returns the files written.

    csv / parquet: `<table>.csv|.parquet` per table; xlsx: `extract.xlsx` with a sheet per table.
    Always `extract_info.json` and `ground_truth.json` beside them.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': choose one of {FORMATS}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    tables = extract.tables()
    if fmt == "xlsx":
        written.append(out_dir / WORKBOOK_NAME)
        write_workbook(tables, written[-1], f"{extract.extract_date.isoformat()}T00:00:00Z")
    for name, frame in tables.items() if fmt != "xlsx" else ():
        written.append(out_dir / f"{name}.{fmt}")
        if fmt == "csv":
            write_csv(as_text(name, frame), written[-1])
        else:
            frame.to_parquet(written[-1], index=False)
    for name, content in (("extract_info.json", extract.info()), ("ground_truth.json", extract.ground_truth)):
        written.append(out_dir / name)
        write_json(content, written[-1])
    return written
