"""`write_faulty_extract`: a small dirty extract with known, planted faults, and the list of them.

`rows/` holds row-level faults (each planted row breaks exactly one rule; the rest loads) plus two
encoding variants that must load correctly (cp1252 actions, UTF-8 with BOM updates).
`identifier_column/` and `missing_column/` each hold one whole-file fault that makes ingest refuse
the extract. Rows of cases that carry a fault lose their updates and reviews, so that no other
row fails a foreign key because of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from lotus_analytics.synthetic.generator import SyntheticExtract, generate
from lotus_analytics.synthetic.writer import as_text, date_format, write_csv, write_extract, write_json

FAULT_SCALE = 0.15  # a few hundred cases
HEADER_ROWS = 1
CP1252_TABLE, BOM_TABLE = "actions", "updates"
EN_DASH_ROLE = "Head of Quality – Primary Care"
ORPHAN_CASE_ID = "CS9999999"
FIRST_FAULT_ROW = 3  # keep the first data rows clean: the encoding checks read them


@dataclass(frozen=True)
class PlantedFault:
    """One planted fault: where it is (row = 1-based file line, header = 1) and the rule it breaks.

    For rule "encoding", `expected` is the value ingest must read from that cell.
    """

    extract: str
    file: str
    table: str
    row: int
    column: str
    rule: str
    description: str
    expected: str | None = None


class _Planter:
    """Text tables of the rows/ extract and the faults planted in them so far."""

    def __init__(self, extract: SyntheticExtract, rng: np.random.Generator) -> None:
        self.extract = extract
        self.rng = rng
        self.text = {name: as_text(name, frame) for name, frame in extract.tables().items()}
        self.faults: list[PlantedFault] = []
        self.used: dict[str, set[int]] = {name: set() for name in self.text}

    def pick(self, table: str, candidates: pd.Series | None = None) -> int:
        """A random row position not used yet (among `candidates` when given)."""
        frame = self.text[table]
        ok = np.ones(len(frame), dtype=bool) if candidates is None else candidates.to_numpy(dtype=bool)
        ok[:FIRST_FAULT_ROW] = False
        ok[list(self.used[table])] = False
        position = int(self.rng.choice(np.flatnonzero(ok)))
        self.used[table].add(position)
        return position

    def plant(self, table: str, position: int, column: str, value: str, rule: str, description: str) -> None:
        self.text[table].iloc[position, self.text[table].columns.get_loc(column)] = value
        self.faults.append(PlantedFault("rows", f"{table}.csv", table, position, column, rule, description))

    def drop_children_of_faulty_cases(self) -> None:
        """Remove updates and reviews (and their actions) of cases that carry a fault; renumber rows."""
        faulty = self.text["cases"]["case_id"].iloc[sorted(self.used["cases"])]
        reviews = self.text["reviews"]
        gone = reviews["case_id"].isin(faulty)
        for table, keep in (
            ("updates", ~self.text["updates"]["case_id"].isin(faulty)),
            ("actions", ~self.text["actions"]["review_id"].isin(reviews.loc[gone, "review_id"])),
            ("reviews", ~gone),
        ):
            self.text[table] = self.text[table][keep.to_numpy()].reset_index(drop=True)


def _plant_case_faults(p: _Planter) -> None:
    cases = p.extract.cases
    limit = pd.Timestamp(p.extract.extract_date)
    i = p.pick("cases")
    p.plant("cases", i, "ethnicity_code", "W", "enum", "W is not an NHS Data Dictionary ETHNIC CATEGORY code")
    i = p.pick("cases", cases["date_triaged"].notna())
    earlier = (cases["date_received"].iloc[i] - timedelta(days=2)).strftime(date_format("cases"))
    p.plant("cases", i, "date_triaged", earlier, "date_order", "date_triaged two days before date_received")
    i = p.pick("cases", cases["date_closed"].notna())
    later = (limit + timedelta(days=30)).strftime(date_format("cases"))
    p.plant("cases", i, "date_closed", later, "future_date", "date_closed 30 days after the extract date")
    i = p.pick("cases", cases["date_received"].dt.day > 12)
    us = cases["date_received"].iloc[i].strftime("%m/%d/%Y")
    p.plant("cases", i, "date_received", us, "date_format", f"US-style month-first date {us}, invalid as DD/MM/YYYY")
    i = p.pick("cases")
    p.plant("cases", i, "concern_source", "", "required", "concern_source is empty")
    p.drop_children_of_faulty_cases()


def _plant_other_faults(p: _Planter) -> None:
    i = p.pick("workforce")
    p.plant("workforce", i, "headcount", "about 40", "type", "text in the integer column headcount")
    i = p.pick("updates")
    p.plant("updates", i, "support_signposted", "maybe", "type", "'maybe' in the boolean column support_signposted")
    i = p.pick("updates")
    p.plant("updates", i, "case_id", ORPHAN_CASE_ID, "foreign_key", f"case {ORPHAN_CASE_ID} is not in cases")
    actions = p.text["actions"]
    first = p.pick("actions")
    i = p.pick("actions", pd.Series(np.arange(len(actions)) > first))
    line = first + HEADER_ROWS + 1
    p.plant("actions", i, "action_id", actions["action_id"].iloc[first], "unique",
            f"action_id repeats the one on line {line}; this later line is the duplicate")
    reviews = p.text["reviews"]
    i = p.pick("reviews", ~reviews["review_id"].isin(actions["review_id"]))
    p.plant("reviews", i, "themes", reviews["themes"].iloc[i] + ";morale", "enum", "unknown review theme 'morale'")


def _encoding_checks(p: _Planter) -> list[PlantedFault]:
    actions = p.text[CP1252_TABLE]
    i = p.pick(CP1252_TABLE)
    actions.iloc[i, actions.columns.get_loc("owner_role")] = EN_DASH_ROLE
    first_update = p.text[BOM_TABLE]["case_id"].iloc[0]
    return [
        PlantedFault("rows", f"{CP1252_TABLE}.csv", CP1252_TABLE, i, "owner_role", "encoding",
                     "the file is cp1252-encoded; the en dash must be decoded", EN_DASH_ROLE),
        PlantedFault("rows", f"{BOM_TABLE}.csv", BOM_TABLE, 0, "case_id", "encoding",
                     "the file starts with a UTF-8 byte-order mark; the first column must read as case_id",
                     first_update),
    ]


def _write_rows_extract(p: _Planter, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    encodings = {CP1252_TABLE: "cp1252", BOM_TABLE: "utf-8-sig"}
    for name, text in p.text.items():
        write_csv(text, folder / f"{name}.csv", encodings.get(name, "utf-8"))
    write_json(p.extract.info(), folder / "extract_info.json")


def _write_whole_file_faults(extract: SyntheticExtract, out_dir: Path) -> list[PlantedFault]:
    cases = as_text("cases", extract.cases)
    with_identifier = cases.copy()
    with_identifier.insert(2, "gmc_number", [f"TEST{k:07d}" for k in range(len(cases))])
    variants = (
        ("identifier_column", with_identifier, "gmc_number", "direct identifier column gmc_number (fake TEST values)"),
        ("missing_column", cases.drop(columns="date_received"), "date_received", "required date_received missing"),
    )
    faults = []
    for rule, frame, column, description in variants:
        write_extract(extract, out_dir / rule, "csv")
        write_csv(frame, out_dir / rule / "cases.csv")
        faults.append(PlantedFault(rule, "cases.csv", "cases", HEADER_ROWS, column, rule, description))
    return faults


def write_faulty_extract(out_dir: Path, seed: int = 7) -> list[PlantedFault]:
    """Write the dirty extracts under `out_dir` and `faults.json` listing every planted fault.

    Row numbers are file lines counting the header as line 1, as a spreadsheet shows them.
    """
    out_dir = Path(out_dir)
    extract = generate(seed=seed, scale=FAULT_SCALE)
    planter = _Planter(extract, np.random.default_rng(seed))
    _plant_case_faults(planter)
    _plant_other_faults(planter)
    checks = _encoding_checks(planter)
    _write_rows_extract(planter, out_dir / "rows")
    row_faults = [
        PlantedFault(**{**asdict(f), "row": f.row + HEADER_ROWS + 1}) for f in (*planter.faults, *checks)
    ]
    faults = row_faults + _write_whole_file_faults(extract, out_dir)
    write_json([asdict(f) for f in faults], out_dir / "faults.json")
    return faults
