"""Parse text columns into typed columns (the store's dtypes), recording values that cannot be parsed.

Each column is parsed on its distinct values only (stripped of surrounding spaces) and spread back,
so a million rows cost what a few thousand distinct values cost. Dates: DD/MM/YYYY (also D/M/YYYY),
ISO YYYY-MM-DD and Excel serial numbers from 1990 on (a smaller number such as "5" is a date_format
failure, not 1900-01-04); never month-first (03/25/2024 is a date_format failure).
Codes are matched to their canonical spelling case-insensitively; unknown codes stay as written for
the enum rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.ingest.failures import combine, row_failures

TRUE_WORDS = frozenset({"true", "t", "y", "yes", "1"})
FALSE_WORDS = frozenset({"false", "f", "n", "no", "0"})
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (after its 1900 leap-year bug)
UK_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
TIME_OF_DAY = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"  # dropped: exports often add 00:00 to dates
EXCEL_SERIAL = r"\d{5,6}(?:\.\d+)?"
SERIAL_RANGE = (32_874, 109_574)  # 1990-01-01 .. 2199-12-31; below it a number is a date_format failure

Parsed = tuple[pd.Series, np.ndarray]  # typed values of the distinct texts, mask of unparseable ones


def _strings(distinct: pd.Series, _: schema.Field) -> Parsed:
    """Free text: kept as written; empty means missing."""
    return distinct.where(distinct != "", None).astype(object), np.zeros(len(distinct), dtype=bool)


def _canonical(values: tuple[str, ...]) -> dict[str, str]:
    """Lower-cased code -> its canonical spelling."""
    return {v.lower(): v for v in values}


def _enum(distinct: pd.Series, field: schema.Field) -> Parsed:
    """Codes matched case-insensitively; unknown codes kept as written for the enum rule."""
    lookup = _canonical(field.values or ())
    typed = distinct.map(lambda s: lookup.get(s.lower(), s) if s else None).astype(object)
    return typed, np.zeros(len(distinct), dtype=bool)


def _set(distinct: pd.Series, field: schema.Field) -> Parsed:
    """';'-separated sets: items trimmed, matched case-insensitively, de-duplicated, re-joined."""
    lookup = _canonical(field.values or ())

    def normalise(items: list[str]) -> str | None:
        """One set's trimmed items in canonical form, re-joined; None when empty."""
        return ";".join(dict.fromkeys(lookup.get(v.lower(), v) for v in items)) or None

    return schema.split_set(distinct).map(normalise).astype(object), np.zeros(len(distinct), dtype=bool)


def _int(distinct: pd.Series, _: schema.Field) -> Parsed:
    """Whole numbers ('3' or '3.0'); anything else is a type failure."""
    number = pd.to_numeric(distinct.where(distinct != ""), errors="coerce")
    bad = (distinct != "") & (number.isna() | (number != number.round()) | (number.abs() > 2**53))
    typed = number.where(~bad).round().astype("Int64")
    return typed, bad.to_numpy()


def _bool(distinct: pd.Series, _: schema.Field) -> Parsed:
    """TRUE/FALSE, true/false, Y/N, yes/no, 1/0 (any case); anything else is a type failure."""
    lower = distinct.str.lower()
    typed = pd.Series(pd.NA, index=distinct.index, dtype="boolean")
    typed[lower.isin(TRUE_WORDS)] = True
    typed[lower.isin(FALSE_WORDS)] = False
    bad = (distinct != "") & typed.isna()
    return typed, bad.to_numpy()


def parse_dates(distinct: pd.Series) -> pd.Series:
    """UK day-first, ISO or Excel serial dates as datetime64[ns]; anything else (US month-first too) is NaT.

    A time of day after a UK or ISO date is ignored (the model holds dates only). Serial numbers count
    only within SERIAL_RANGE (workbook date cells arrive as ISO text, so they are not limited by it).
    """
    day = distinct.str.replace(TIME_OF_DAY, "", regex=True)
    uk = pd.to_datetime(day.where(day.str.fullmatch(UK_DATE)), format="%d/%m/%Y", errors="coerce")
    iso = pd.to_datetime(day.where(day.str.fullmatch(ISO_DATE)), format="%Y-%m-%d", errors="coerce")
    serial = pd.to_numeric(distinct.where(distinct.str.fullmatch(EXCEL_SERIAL)), errors="coerce")
    serial = serial.where(serial.between(*SERIAL_RANGE))
    excel = pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[ns]")
    whole_days = np.floor(serial.dropna()).astype("int64")
    excel[whole_days.index] = EXCEL_EPOCH + pd.to_timedelta(whole_days, unit="D")
    return uk.fillna(iso).fillna(excel).astype("datetime64[ns]")


def _date(distinct: pd.Series, _: schema.Field) -> Parsed:
    """Dates by parse_dates; unparseable text is a date_format failure."""
    typed = parse_dates(distinct)
    return typed, ((distinct != "") & typed.isna()).to_numpy()


PARSERS: dict[str, tuple[Callable[[pd.Series, schema.Field], Parsed], str]] = {
    "string": (_strings, ""),
    "enum": (_enum, ""),
    "set": (_set, ""),
    "int": (_int, "type"),
    "bool": (_bool, "type"),
    "date": (_date, "date_format"),
}

EMPTY_DTYPES = {"int": "Int64", "bool": "boolean", "date": "datetime64[ns]"}


def empty_column(field: schema.Field, length: int) -> pd.Series:
    """An all-missing column of the field's store dtype (for optional columns the extract lacks)."""
    return pd.Series([None] * length, dtype=EMPTY_DTYPES.get(field.kind, object))


def parse_column(text: pd.Series, field: schema.Field) -> tuple[pd.Series, pd.DataFrame]:
    """One text column parsed to the field's dtype, plus the failures of the values that did not parse."""
    codes, uniques = pd.factorize(text, sort=False)
    parser, rule = PARSERS[field.kind]
    typed, bad = parser(pd.Series(np.asarray(uniques, dtype=object), dtype=object).str.strip(), field)
    values = typed.take(codes).reset_index(drop=True)
    if not bad.any():
        return values, combine([])
    rows = np.flatnonzero(bad[codes])
    return values, row_failures(rows, rule, field.name, text)


def parse_table(text: pd.DataFrame, table: schema.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The typed table (schema columns, in order) and the parse failures of its text."""
    columns, found = {}, []
    for field in table.fields:
        if field.name in text.columns:
            columns[field.name], failed = parse_column(text[field.name].reset_index(drop=True), field)
            found.append(failed)
        else:
            columns[field.name] = empty_column(field, len(text))
    return pd.DataFrame(columns, copy=False), combine(found)
