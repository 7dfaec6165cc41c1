"""Read an extract as text: a folder of CSV / Parquet files or one .xlsx workbook with a sheet per table.

Everything is read as strings ("" = missing) so that no value is lost before parsing and quarantine
can show the original text. CSV encodings: UTF-8 (with or without a byte-order mark), else cp1252.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from lotus_analytics import schema
from lotus_analytics.ingest.errors import IngestError

SUFFIXES = (".csv", ".parquet")
WORKBOOK_SUFFIX = ".xlsx"
HEADER_ROWS = 1  # source_row counts the header as row 1, as a spreadsheet shows it
BLANK_LINES = (b"\n\n", b"\n\r\n")
TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")  # pandas' C parser; its line = row


@dataclass
class RawTable:
    """One table of the extract as text, with where each row came from."""

    name: str
    file: str
    sha256: str
    encoding: str | None
    text: pd.DataFrame
    source_rows: np.ndarray
    blank_rows: int = 0
    sheet: str | None = None
    folder: str = ""

    @property
    def location(self) -> str:
        """The full path of the file (and the sheet), for error messages."""
        path = str(Path(self.folder) / self.file)
        return f"{path} (sheet {self.sheet})" if self.sheet else path


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(data: bytes) -> str:
    """'utf-8-sig' (UTF-8 with a byte-order mark), 'utf-8', or else 'cp1252' (Windows Western European)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _clean_header(columns: list[object]) -> list[str]:
    """Column names trimmed and lower-cased (None becomes '')."""
    return ["" if c is None else str(c).strip().lower() for c in columns]


def text_column(column: pd.Series) -> pd.Series:
    """A column as categorical strings, '' for missing: compact (a million rows hold a few thousand distinct texts)."""
    column = column.astype("category")
    if column.isna().any():
        if "" not in column.cat.categories:
            column = column.cat.add_categories([""])
        column = column.fillna("")
    return column


def _blank(column: pd.Series) -> np.ndarray:
    """Cells that are exactly empty (a blank line, or a row of bare separators)."""
    blank_codes = np.flatnonzero(column.cat.categories == "")
    return np.isin(column.cat.codes.to_numpy(), blank_codes)


def _finish(name: str, where: str, frame: pd.DataFrame, first_row: int) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Text columns as categoricals; rows blank in every column dropped; each row's spreadsheet number kept."""
    if frame.shape[1] == 0 or frame.empty:
        raise IngestError("empty_file", where, f"the {name} table has no rows")
    frame = pd.DataFrame({c: text_column(frame[c]) for c in frame.columns})
    rows = np.arange(len(frame)) + first_row
    blank = np.logical_and.reduce([_blank(frame[c]) for c in frame.columns])
    if blank.all():
        raise IngestError("empty_file", where, f"the {name} table has no rows")
    frame = frame[~blank].reset_index(drop=True)
    return frame, rows[~blank], int(blank.sum())


def _check_header(where: str, header: list[str]) -> None:
    """Refuse a header that names a column twice."""
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise IngestError("unreadable", where, f"duplicated column names {', '.join(repr(c) for c in duplicated)}")


def _has_blank_line(data: bytes) -> bool:
    """Whether the file has an empty line (bytes search: a regex over a large file is slow)."""
    return data.startswith((b"\n", b"\r\n")) or any(blank in data for blank in BLANK_LINES)


def _arrow_csv(data: bytes, encoding: str) -> pd.DataFrame | None:
    """Fast path for large files: pyarrow's multi-threaded reader, every column as dictionary-encoded text.

    None when pyarrow cannot read the file as a clean rectangle (e.g. a row with missing or extra
    fields): the pandas reader (`_pandas_csv`) then reads it.
    Files with blank lines never come here, because pyarrow would skip them and shift row numbers.
    """
    start = 3 if encoding == "utf-8-sig" else 0
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data[start:]),
            read_options=pa_csv.ReadOptions(encoding="utf8" if encoding.startswith("utf-8") else encoding),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                  column_types=_all_text(data[start:], encoding)),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return table.to_pandas(strings_to_categorical=True)


def _all_text(data: bytes, encoding: str) -> dict[str, pa.DataType]:
    """Every header name typed as string, so pyarrow infers nothing (no value is lost or changed)."""
    first = data.split(b"\n", 1)[0].decode("utf-8" if encoding.startswith("utf-8") else encoding).rstrip("\r")
    return {name: pa.string() for name in next(csv.reader([first]))}


def _parser_message(err: Exception) -> str:
    """A pandas parser error in words; a row with more fields than the header is named with its counts."""
    extra = TOO_MANY_FIELDS.search(str(err))
    if extra:
        expected, row, saw = extra.groups()
        return (f"row {row} has {saw} fields but the header has {expected} "
                "(a stray separator, such as a trailing comma on the data rows only?)")
    return f"not a readable CSV file ({str(err).strip()})"


def _pandas_csv(data: bytes, encoding: str, where: str) -> pd.DataFrame:
    """Slow path: pandas' reader, filling short rows with empty cells so that the rules can report them.

    The header is read as a data row, so that pandas neither renames a duplicated name ('case_id.1')
    nor takes the first column as an index when the data rows have one field more than the header:
    every row must have at most as many fields as the header, or the file is refused.
    """
    try:
        cells = pd.read_csv(io.BytesIO(data), header=None, dtype="category", keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, encoding=encoding)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise IngestError("unreadable", where, _parser_message(err)) from None
    frame = pd.DataFrame({i: cells[i].iloc[1:].cat.remove_unused_categories() for i in cells.columns})
    frame.columns = list(cells.iloc[0])
    return frame.reset_index(drop=True)


def read_csv(path: Path, name: str) -> RawTable:
    """Read one CSV file as text; the encoding is detected (UTF-8, UTF-8 with BOM, cp1252)."""
    data = path.read_bytes()
    if not data.strip():
        raise IngestError("empty_file", str(path), "the file is empty")
    encoding = detect_encoding(data)
    frame = None if _has_blank_line(data) else _arrow_csv(data, encoding)
    if frame is None:
        frame = _pandas_csv(data, encoding, str(path))
    header = _clean_header(list(frame.columns))
    _check_header(str(path), header)
    frame.columns = header
    text, rows, blank = _finish(name, str(path), frame, HEADER_ROWS + 1)
    digest = hashlib.sha256(data).hexdigest()
    return RawTable(name, path.name, digest, encoding, text, rows, blank, folder=str(path.parent))


def _as_text(column: pd.Series) -> pd.Series:
    """A Parquet or workbook column as strings: dates ISO, whole numbers without '.0', missing ''."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "TRUE", False: "FALSE"}).fillna("").astype(object)
    if pd.api.types.is_float_dtype(column):
        whole = column.notna() & (column == column.round())
        text = column.astype(str).where(~whole, column.round().astype("Int64").astype(str))
        return text.where(column.notna(), "").astype(object)
    return column.map(_cell_text).astype(object)


def _cell_text(value: object) -> str:
    """One workbook or Parquet cell as text: dates ISO, whole numbers without '.0', missing ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_parquet(path: Path, name: str) -> RawTable:
    """Read one Parquet file and turn every column into text."""
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise IngestError("unreadable", str(path), f"not a readable Parquet file ({err})") from None
    header = _clean_header(list(frame.columns))
    _check_header(str(path), header)
    frame = pd.DataFrame({h: _as_text(frame[c]) for h, c in zip(header, frame.columns)})
    text, rows, blank = _finish(name, str(path), frame, HEADER_ROWS + 1)
    return RawTable(name, path.name, sha256_of(path), None, text, rows, blank, folder=str(path.parent))


def read_workbook(path: Path) -> dict[str, RawTable]:
    """Read every sheet named after a table (case-insensitive) of an .xlsx workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise IngestError("unreadable", str(path), f"not a readable .xlsx workbook ({err})") from None
    digest = sha256_of(path)
    tables = {}
    try:
        for sheet in book.worksheets:
            name = sheet.title.strip().lower()
            if name not in schema.TABLES:
                continue
            where = f"{path} (sheet {sheet.title})"
            rows = list(sheet.iter_rows(values_only=True))
            if not rows:
                raise IngestError("empty_file", where, f"the {name} sheet is empty")
            header = _clean_header(list(rows[0]))
            while header and header[-1] == "":
                header.pop()
            _check_header(where, header)
            cells = [[_cell_text(v) for v in row[: len(header)]] + [""] * (len(header) - len(row)) for row in rows[1:]]
            frame = pd.DataFrame(cells, columns=header, dtype=object) if cells else pd.DataFrame(columns=header)
            text, numbers, blank = _finish(name, where, frame, HEADER_ROWS + 1)
            tables[name] = RawTable(name, path.name, digest, None, text, numbers, blank, sheet=sheet.title,
                                    folder=str(path.parent))
    finally:
        book.close()
    return tables


def _folder_tables(folder: Path) -> dict[str, RawTable]:
    """The tables of a folder extract: <table>.csv or <table>.parquet (not both)."""
    tables = {}
    for name in schema.TABLES:
        found = [folder / f"{name}{suffix}" for suffix in SUFFIXES if (folder / f"{name}{suffix}").is_file()]
        if len(found) > 1:
            raise IngestError("unreadable", str(folder),
                              f"both {found[0].name} and {found[1].name} are present: keep one")
        if found:
            path = found[0]
            tables[name] = read_csv(path, name) if path.suffix == ".csv" else read_parquet(path, name)
    return tables


def read_extract(extract: Path) -> dict[str, RawTable]:
    """Read the tables of an extract (folder or .xlsx workbook); required tables must be there."""
    extract = Path(extract)
    if not extract.exists():
        raise IngestError("missing_table", str(extract), "the extract does not exist")
    if extract.is_file() and extract.suffix.lower() != WORKBOOK_SUFFIX:
        raise IngestError("unreadable", str(extract),
                          "an extract is a folder of CSV / Parquet files or one .xlsx workbook")
    tables = read_workbook(extract) if extract.is_file() else _folder_tables(extract)
    missing = [name for name in schema.REQUIRED_TABLES if name not in tables]
    if missing:
        expected = "sheet" if extract.is_file() else "file (.csv or .parquet)"
        raise IngestError("missing_table", str(extract),
                          f"the required table{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                          f"{'are' if len(missing) > 1 else 'is'} missing: expected a {expected} named after each")
    return tables
