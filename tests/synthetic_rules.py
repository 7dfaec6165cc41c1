"""An independent check of extract text against the schema's rules, for the synthetic generator's tests.

Works on the strings of CSV files (as written, "" = missing) so the same check serves the clean
extract (no violation expected) and the faulty one (exactly the planted violations expected).
Deliberately written from schema.py alone, not by calling ingest.
"""

from __future__ import annotations

import pandas as pd

from lotus_analytics import schema

TEXT_DATE_FORMATS = {"cases": "%d/%m/%Y"}  # every other table: ISO
ISO = "%Y-%m-%d"
HEADER = 1


def parse_dates(table: str, text: pd.Series) -> pd.Series:
    """Strict parse with the table's format; anything else is NaT."""
    return pd.to_datetime(text.where(text != ""), format=TEXT_DATE_FORMATS.get(table, ISO), errors="coerce")


def _line(index: pd.Index) -> list[int]:
    return [i + HEADER + 1 for i in index]


def field_violations(table: str, text: pd.DataFrame, extract_date: pd.Timestamp) -> set[tuple[str, int, str, str]]:
    """(table, line, column, rule) of every cell that breaks its field's rule."""
    found = set()
    for f in schema.TABLES[table].fields:
        column = text[f.name]
        empty = column == ""
        bad = pd.Series(False, index=column.index)
        if f.required:
            found |= {(table, r, f.name, "required") for r in _line(column.index[empty])}
        value = column[~empty]
        if f.kind == "int":
            bad_type = ~value.str.fullmatch(r"-?\d+")
            found |= {(table, r, f.name, "type") for r in _line(value.index[bad_type])}
            number = pd.to_numeric(value[~bad_type])
            low = number < f.minimum if f.minimum is not None else False
            out = low | (number > f.maximum if f.maximum is not None else False)
            found |= {(table, r, f.name, "range") for r in _line(number.index[out])}
        elif f.kind == "bool":
            bad = ~value.isin(["TRUE", "FALSE"])
            found |= {(table, r, f.name, "type") for r in _line(value.index[bad])}
        elif f.kind == "enum":
            found |= {(table, r, f.name, "enum") for r in _line(value.index[~value.isin(f.values)])}
        elif f.kind == "set":
            bad = schema.split_set(value).map(lambda items: not items or any(v not in f.values for v in items))
            found |= {(table, r, f.name, "enum") for r in _line(value.index[bad.astype(bool)])}
        elif f.kind == "date":
            parsed = parse_dates(table, value)
            found |= {(table, r, f.name, "date_format") for r in _line(value.index[parsed.isna()])}
            future = (parsed > extract_date) & (not f.planned)
            found |= {(table, r, f.name, "future_date") for r in _line(value.index[future])}
        elif f.pattern:
            found |= {(table, r, f.name, "pattern") for r in _line(value.index[~value.str.match(f.pattern)])}
    return found


def row_violations(tables: dict[str, pd.DataFrame], extract_date: pd.Timestamp) -> set[tuple[str, int, str, str]]:
    """Field rules, date order, unique keys, foreign keys and cross-table date order over a whole extract."""
    found = set()
    for name, text in tables.items():
        found |= field_violations(name, text, extract_date)
        key = schema.TABLES[name].key
        if key:
            found |= {(name, r, key, "unique") for r in _line(text.index[text[key].duplicated() & (text[key] != "")])}
    for rule in schema.DATE_ORDER_RULES:
        text = tables[rule.table]
        early, late = parse_dates(rule.table, text[rule.earlier]), parse_dates(rule.table, text[rule.later])
        found |= {(rule.table, r, rule.later, "date_order") for r in _line(text.index[early > late])}
    for fk in schema.FOREIGN_KEYS:
        child, ref = tables[fk.table][fk.column], tables[fk.ref_table][fk.ref_column]
        found |= {(fk.table, r, fk.column, "foreign_key") for r in _line(child.index[(child != "") & ~child.isin(ref)])}
    for fk, child_date, parent_date in schema.CROSS_TABLE_DATE_ORDER:
        child, parent = tables[fk.table], tables[fk.ref_table]
        parent_dates = parse_dates(fk.ref_table, parent[parent_date]).groupby(parent[fk.ref_column]).min()
        before = parse_dates(fk.table, child[child_date]) < child[fk.column].map(parent_dates)
        found |= {(fk.table, r, child_date, "date_order") for r in _line(child.index[before])}
    return found


def read_text(path, encoding: str = "utf-8") -> pd.DataFrame:
    """A CSV file as strings, "" for missing (no value guessing)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def icb_region_mismatches(text: pd.DataFrame) -> int:
    """Rows whose ICB code does not belong to their region (schema.ICBS)."""
    pairs = {(region, code) for region, icbs in schema.ICBS.items() for code in icbs}
    return int(sum((r, c) not in pairs for r, c in zip(text["region"], text["icb_code"])))
