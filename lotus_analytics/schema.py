"""The case extract's data model (DATA_MODEL.md v1): the one source of truth for the schema.

Field lists, enumerations, code mappings and the row/cross-table rules live here. The Great
Expectations suites, the synthetic generator, ingest and the generated data dictionary all read
these definitions; nothing else in the package spells out a field name list or a code list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

CONTRACT_VERSION = "1.0.0"

FieldKind = Literal["string", "enum", "set", "date", "int", "bool"]

REGIONS: tuple[str, ...] = (
    "North West",
    "North East and Yorkshire",
    "Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)

# ODS codes of the 42 integrated care boards (2022 establishment), by NHS England region. Only the
# North West names are given by DATA_MODEL.md; the others are used by the synthetic generator's
# all-region scale mode and for display.
ICBS: dict[str, dict[str, str]] = {
    "North West": {
        "QYG": "Cheshire and Merseyside",
        "QOP": "Greater Manchester",
        "QE1": "Lancashire and South Cumbria",
    },
    "North East and Yorkshire": {
        "QHM": "North East and North Cumbria",
        "QOQ": "Humber and North Yorkshire",
        "QF7": "South Yorkshire",
        "QWO": "West Yorkshire",
    },
    "Midlands": {
        "QHL": "Birmingham and Solihull",
        "QUA": "Black Country",
        "QWU": "Coventry and Warwickshire",
        "QJ2": "Derby and Derbyshire",
        "QGH": "Herefordshire and Worcestershire",
        "QK1": "Leicester, Leicestershire and Rutland",
        "QJM": "Lincolnshire",
        "QPM": "Northamptonshire",
        "QT1": "Nottingham and Nottinghamshire",
        "QOC": "Shropshire, Telford and Wrekin",
        "QNC": "Staffordshire and Stoke-on-Trent",
    },
    "East of England": {
        "QHG": "Bedfordshire, Luton and Milton Keynes",
        "QUE": "Cambridgeshire and Peterborough",
        "QM7": "Hertfordshire and West Essex",
        "QH8": "Mid and South Essex",
        "QMM": "Norfolk and Waveney",
        "QJG": "Suffolk and North East Essex",
    },
    "London": {
        "QMJ": "North Central London",
        "QMF": "North East London",
        "QRV": "North West London",
        "QKK": "South East London",
        "QWE": "South West London",
    },
    "South East": {
        "QU9": "Buckinghamshire, Oxfordshire and Berkshire West",
        "QNQ": "Frimley",
        "QRL": "Hampshire and Isle of Wight",
        "QKS": "Kent and Medway",
        "QXU": "Surrey Heartlands",
        "QNX": "Sussex",
    },
    "South West": {
        "QOX": "Bath and North East Somerset, Swindon and Wiltshire",
        "QUY": "Bristol, North Somerset and South Gloucestershire",
        "QT6": "Cornwall and the Isles of Scilly",
        "QJK": "Devon",
        "QVV": "Dorset",
        "QR1": "Gloucestershire",
        "QSL": "Somerset",
    },
}
ICB_CODE_PATTERN = r"^Q[A-Z0-9]{2}$"

PROFESSIONS = ("medical", "dental", "ophthalmic")
REGIMES = ("performers_list", "mhps")
POLICY_VERSIONS = ("framework_2013", "policy_2024")
POLICY_2024_START = pd.Timestamp("2024-10-01")
CONCERN_SOURCES = (
    "patient", "colleague", "employer", "regulator", "cqc", "icb", "nhsbsa", "police", "coroner",
    "anonymous", "self_declaration", "appraisal", "other",
)
CONCERN_DOMAINS = (
    "clinical", "conduct", "health", "probity", "governance", "communication", "safeguarding",
    "criminal", "language",
)
RISK_LEVELS = ("low", "moderate", "high", "extreme")
TRIAGE_OUTCOMES = ("closed_nfa", "local_resolution", "to_pag", "to_pag_urgent")
OUTCOMES = (
    "nfa", "advice", "local_action", "remediation", "undertakings", "conditions",
    "contingent_removal", "suspension", "removal", "withdrawn",
)
ADVERSE_OUTCOMES = ("conditions", "contingent_removal", "suspension", "removal")
SEXES = ("female", "male", "not_stated")
AGE_BANDS = ("under_35", "35_44", "45_54", "55_64", "65_plus", "not_stated")
PMQ_REGIONS = ("uk", "eea", "international", "not_stated")
DISABILITY = ("yes", "no", "not_stated")

# NHS Data Dictionary ETHNIC CATEGORY (2001 census "16+1"): code -> (description, 5-group).
# Z (not stated) and 99 (not known) stay distinct; both fall outside the 5 and 2 groupings.
ETHNIC_CATEGORIES: dict[str, tuple[str, str | None]] = {
    "A": ("White - British", "White"),
    "B": ("White - Irish", "White"),
    "C": ("White - Any other White background", "White"),
    "D": ("Mixed - White and Black Caribbean", "Mixed"),
    "E": ("Mixed - White and Black African", "Mixed"),
    "F": ("Mixed - White and Asian", "Mixed"),
    "G": ("Mixed - Any other mixed background", "Mixed"),
    "H": ("Asian or Asian British - Indian", "Asian"),
    "J": ("Asian or Asian British - Pakistani", "Asian"),
    "K": ("Asian or Asian British - Bangladeshi", "Asian"),
    "L": ("Asian or Asian British - Any other Asian background", "Asian"),
    "M": ("Black or Black British - Caribbean", "Black"),
    "N": ("Black or Black British - African", "Black"),
    "P": ("Black or Black British - Any other Black background", "Black"),
    "R": ("Other Ethnic Groups - Chinese", "Other"),
    "S": ("Other Ethnic Groups - Any other ethnic group", "Other"),
    "Z": ("Not stated", None),
    "99": ("Not known", None),
}
ETHNIC_CODES = tuple(ETHNIC_CATEGORIES)
ETHNIC_GROUPS_5 = ("White", "Mixed", "Asian", "Black", "Other")
ETHNIC_GROUPS_2 = ("White", "Black and minority ethnic")
NOT_STATED = "not_stated"

UPDATE_TYPES = ("acknowledgement", "post_meeting_outcome", "progress", "closure")
MEETINGS = ("triage", "pag", "decision_panel", "hearing")
CHANNELS = ("letter", "email", "phone", "meeting")
REVIEW_TYPES = ("single_case", "thematic", "cluster")
REVIEW_THEMES = (
    "induction_support", "feedback", "isolation", "leadership", "blame_culture", "in_out_group",
    "allegation_framing", "policy_adherence", "investigation_quality", "conflict_of_interest",
    "wellbeing", "premature_formal_process", "practitioner_communication", "data_quality",
    "workload", "systems_it",
)
CONTRIBUTORY_LEVELS = ("individual", "team", "organisational", "system", "external")
SYSTEM_LEVELS = ("local", "icb", "region", "national")
ACTION_DONE, ACTION_DROPPED = "done", "dropped"  # dropped carries no date in the data model
ACTION_STATUSES = ("open", "in_progress", ACTION_DONE, ACTION_DROPPED)

# Direct identifiers: refused by ingest, or replaced by keyed hashes with --pseudonymise.
IDENTIFIER_COLUMNS = (
    "name", "gmc_number", "gdc_number", "goc_number", "nhs_number", "email", "date_of_birth",
)


@dataclass(frozen=True)
class Field:
    """One column of a table: its type, whether it is required and its allowed values."""

    name: str
    kind: FieldKind
    required: bool
    description: str
    values: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    planned: bool = False  # a planned date (e.g. a due date): it may lie after the extract date


@dataclass(frozen=True)
class Table:
    """One table of the extract; `key` is its unique identifier column, if any."""

    name: str
    required: bool
    description: str
    fields: tuple[Field, ...]
    key: str | None = None

    @property
    def columns(self) -> list[str]:
        """Every column name, in the table's column order."""
        return [f.name for f in self.fields]

    @property
    def required_columns(self) -> list[str]:
        """The columns that must be present and filled in every row."""
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> Field:
        """The field called `name` (StopIteration if the table has none)."""
        return next(f for f in self.fields if f.name == name)

    def fields_of(self, kind: FieldKind) -> list[Field]:
        """The fields of one kind (e.g. every "date" field), in column order."""
        return [f for f in self.fields if f.kind == kind]


def _demographics(required: bool) -> tuple[Field, ...]:
    return (
        Field("ethnicity_code", "enum", required, "NHS Data Dictionary ETHNIC CATEGORY; Z not stated, 99 not known", ETHNIC_CODES),
        Field("sex", "enum", required, "sex", SEXES),
        Field("age_band", "enum", required, "age band", AGE_BANDS),
        Field("pmq_region", "enum", required, "place of primary qualification", PMQ_REGIONS),
        Field("disability", "enum", False, "declared disability", DISABILITY),
    )


_REGION = Field("region", "enum", True, "NHS England region", REGIONS)
_ICB = Field("icb_code", "string", True, "ODS code of the integrated care board", pattern=ICB_CODE_PATTERN)
_PROFESSION = Field("profession", "enum", True, "profession", PROFESSIONS)

CASES = Table(
    "cases", True, "One row per concern case.",
    (
        Field("case_id", "string", True, "unique pseudonymous case reference"),
        Field("practitioner_id", "string", True, "pseudonymous practitioner reference"),
        _REGION,
        _ICB,
        _PROFESSION,
        Field("regime", "enum", True, "performers list or MHPS", REGIMES),
        Field("policy_version", "enum", False, "derived from date_received when absent", POLICY_VERSIONS),
        Field("concern_source", "enum", True, "who raised the concern", CONCERN_SOURCES),
        Field("concern_domains", "set", True, "';'-separated concern domains", CONCERN_DOMAINS),
        Field("date_received", "date", True, "clock start: the concern reached the team"),
        Field("date_triaged", "date", False, "triage completed"),
        Field("risk_severity", "int", False, "triage consequence score", minimum=1, maximum=5),
        Field("risk_likelihood", "int", False, "triage likelihood score", minimum=1, maximum=5),
        Field("risk_level", "enum", False, "banded severity x likelihood", RISK_LEVELS),
        Field("triage_outcome", "enum", False, "triage decision", TRIAGE_OUTCOMES),
        Field("date_first_pag", "date", False, "first Performance Advisory Group discussion"),
        Field("investigation", "bool", False, "a formal investigation was commissioned"),
        Field("date_investigation_start", "date", False, "investigation start"),
        Field("date_investigation_end", "date", False, "investigation end"),
        Field("date_decision_panel", "date", False, "decision panel (PLDP) or MHPS hearing"),
        Field("outcome", "enum", False, "case outcome; null while open", OUTCOMES),
        Field("suspended", "bool", False, "suspended or excluded at any point"),
        Field("regulator_referral", "bool", False, "referred to GMC / GDC / GOC"),
        Field("date_outcome", "date", False, "decision on the outcome"),
        Field("date_practitioner_informed", "date", False, "practitioner told the outcome"),
        Field("date_closed", "date", False, "null = open"),
        Field("wellbeing_support_offered", "bool", False, "practitioner signposted to support"),
        Field("named_contact", "bool", False, "practitioner given a named contact"),
        *_demographics(required=True),
    ),
    key="case_id",
)

WORKFORCE = Table(
    "workforce", True, "Headcount denominators; a null demographic cell means 'all values'.",
    (
        Field("period", "string", True, "financial year, headcount at 31 March", pattern=r"^\d{4}/\d{2}$"),
        _REGION,
        _ICB,
        _PROFESSION,
        *_demographics(required=False),
        Field("headcount", "int", True, "headcount", minimum=0),
    ),
)

UPDATES = Table(
    "updates", False, "Updates sent to the practitioner (Appendix 5).",
    (
        Field("case_id", "string", True, "case the update belongs to"),
        Field("update_type", "enum", True, "kind of update", UPDATE_TYPES),
        Field("meeting", "enum", False, "meeting whose outcome is reported", MEETINGS),
        Field("date_meeting", "date", False, "required for post_meeting_outcome"),
        Field("date_sent", "date", True, "update sent"),
        Field("channel", "enum", False, "how it was sent", CHANNELS),
        Field("support_signposted", "bool", False, "support signposted in the update"),
    ),
)

REVIEWS = Table(
    "reviews", False, "Lessons-learnt and system-improvement reviews (Appendix 4).",
    (
        Field("review_id", "string", True, "unique review reference"),
        Field("case_id", "string", False, "empty for thematic reviews"),
        Field("review_type", "enum", True, "kind of review", REVIEW_TYPES),
        Field("date_review", "date", True, "date of the review"),
        Field("themes", "set", True, "';'-separated themes", REVIEW_THEMES),
        Field("contributory_level", "set", False, "';'-separated contributory levels", CONTRIBUTORY_LEVELS),
        Field("equality_check_done", "bool", False, "a disproportionality check was part of the review"),
    ),
    key="review_id",
)

ACTIONS = Table(
    "actions", False, "Improvement actions raised by reviews.",
    (
        Field("action_id", "string", True, "unique action reference"),
        Field("review_id", "string", True, "review that raised it"),
        Field("theme", "enum", True, "review theme it addresses", REVIEW_THEMES),
        Field("owner_role", "string", True, "a role, never a person's name"),
        Field("system_level", "enum", True, "level that owns it", SYSTEM_LEVELS),
        Field("date_raised", "date", True, "raised"),
        Field("date_due", "date", True, "due; may lie after the extract date", planned=True),
        Field("date_completed", "date", False, "completed"),
        Field("status", "enum", True, "status; done iff date_completed is set", ACTION_STATUSES),
    ),
    key="action_id",
)

TABLES: dict[str, Table] = {t.name: t for t in (CASES, WORKFORCE, UPDATES, REVIEWS, ACTIONS)}
REQUIRED_TABLES = tuple(t.name for t in TABLES.values() if t.required)
OPTIONAL_TABLES = tuple(t.name for t in TABLES.values() if not t.required)


@dataclass(frozen=True)
class DateOrder:
    """Within one row of `table`, `earlier` must not be after `later` (both present)."""

    table: str
    earlier: str
    later: str


_CASE_DATES = [f.name for f in CASES.fields_of("date")]
DATE_ORDER_RULES: tuple[DateOrder, ...] = (
    DateOrder("cases", "date_received", "date_triaged"),
    DateOrder("cases", "date_triaged", "date_first_pag"),
    DateOrder("cases", "date_received", "date_investigation_start"),
    DateOrder("cases", "date_investigation_start", "date_investigation_end"),
    DateOrder("cases", "date_outcome", "date_practitioner_informed"),
    *(DateOrder("cases", d, "date_closed") for d in _CASE_DATES if d != "date_closed"),
    DateOrder("updates", "date_meeting", "date_sent"),
    DateOrder("actions", "date_raised", "date_due"),
    DateOrder("actions", "date_raised", "date_completed"),
)


@dataclass(frozen=True)
class ForeignKey:
    """`table.column`, when present, must be a value of `ref_table.ref_column`."""

    table: str
    column: str
    ref_table: str
    ref_column: str


FOREIGN_KEYS: tuple[ForeignKey, ...] = (
    ForeignKey("updates", "case_id", "cases", "case_id"),
    ForeignKey("reviews", "case_id", "cases", "case_id"),
    ForeignKey("actions", "review_id", "reviews", "review_id"),
)

# Cross-table date order: child.date_col >= parent.date_col joined on the foreign key.
CROSS_TABLE_DATE_ORDER: tuple[tuple[ForeignKey, str, str], ...] = (
    (FOREIGN_KEYS[0], "date_sent", "date_received"),
)

ConsistencyCheck = Literal["filled", "empty", "risk_band"]


@dataclass(frozen=True)
class Consistency:
    """Within one row of `table`, `column` must be filled or empty where `condition` holds (a pandas
    row condition over `reads`), or, for "risk_band", be the configured risk band of the product of
    the two `reads` (ingest checks that one after the suites: the bands are configuration).
    `detail` says what is required, for quarantine messages and the data dictionary.
    """

    table: str
    column: str
    check: ConsistencyCheck
    reads: tuple[str, ...]
    detail: str
    condition: str = ""


CONSISTENCY_RULES: tuple[Consistency, ...] = (
    Consistency("updates", "date_meeting", "filled", ("update_type",),
                "required when update_type is post_meeting_outcome", 'update_type=="post_meeting_outcome"'),
    Consistency("actions", "date_completed", "filled", ("status",),
                f"required when status is {ACTION_DONE}", f'status=="{ACTION_DONE}"'),
    Consistency("actions", "date_completed", "empty", ("status",),
                f"must be empty unless status is {ACTION_DONE}", f'status.notna() and status!="{ACTION_DONE}"'),
    Consistency("cases", "risk_level", "risk_band", ("risk_severity", "risk_likelihood"),
                "must be the band of risk_severity x risk_likelihood in the configured risk_bands"),
)

# The rule names used in quarantine files, fault lists and error messages.
RULES: dict[str, str] = {
    "required": "a required value is missing",
    "type": "the value is not of the field's type",
    "enum": "the value is not one of the allowed codes",
    "pattern": "the value does not match the field's format",
    "range": "the number is outside the allowed range",
    "date_format": "the date is not DD/MM/YYYY, YYYY-MM-DD or an Excel serial date (1990 or later)",
    "future_date": "the date is after the extract date",
    "date_order": "dates are out of order",
    "unique": "the identifier is duplicated",
    "foreign_key": "the referenced record does not exist",
    "consistency": "values contradict each other",
    "identifier_column": "a direct identifier column is present",
    "missing_column": "a required column is missing",
    "missing_table": "a required table is missing",
    "empty_file": "the file has no rows",
    "unreadable": "the file cannot be read",
}


def ethnic_group_5(codes: pd.Series) -> pd.Series:
    """2001-code five-group mapping (A-C White, D-G Mixed, H-L Asian, M-P Black, R-S Other).

    Z and 99 map to "not_stated". Source: NHS Data Dictionary ETHNIC CATEGORY.
    """
    mapping = {c: (g or NOT_STATED) for c, (_, g) in ETHNIC_CATEGORIES.items()}
    return codes.map(mapping)


def ethnic_group_2(codes: pd.Series) -> pd.Series:
    """WRES two-group mapping: White = A, B, C; Black and minority ethnic = D-S; Z/99 not stated; missing stays missing."""
    five = ethnic_group_5(codes)
    return five.where(five.isin(["White", NOT_STATED]) | five.isna(), "Black and minority ethnic")


@dataclass(frozen=True)
class Dimension:
    """A demographic dimension of the inequality measures (METHODS.md §2), read from `columns` of cases and workforce.

    `groups` are the dimension's values in publication order, NOT_STATED last; `not_stated_codes` are the
    source values that say "not stated" or "not known" (kept apart, never merged); `grouping` maps source
    codes to groups (None: the codes are the groups). An intersection names the dimensions it crosses in
    `parts` (one per column): its stated groups are every combination of their stated groups, the first
    part varying slowest; a row is NOT_STATED when any part is not stated and missing when any is missing.
    """

    columns: tuple[str, ...]
    groups: tuple[str, ...]
    not_stated_codes: tuple[str, ...] = (NOT_STATED,)
    grouping: Callable[[pd.Series], pd.Series] | None = None
    parts: tuple[str, ...] = ()

    @property
    def stated_groups(self) -> tuple[str, ...]:
        """The groups that are compared: every group but NOT_STATED."""
        return tuple(g for g in self.groups if g != NOT_STATED)

    def groups_of(self, *values: pd.Series) -> pd.Series:
        """Each row's group from its source values, one Series per column."""
        if self.parts:
            return self.cross([DIMENSIONS[name].groups_of(v) for name, v in zip(self.parts, values, strict=True)])
        (codes,) = values
        return self.grouping(codes) if self.grouping else codes

    def codes_of(self, frame: pd.DataFrame) -> pd.Series:
        """Each row's source code; an intersection's rows carry its group (a combination has no single code)."""
        values = [frame[c] for c in self.columns]
        return self.groups_of(*values) if self.parts else values[0]

    def cross(self, part_groups: Sequence[pd.Series]) -> pd.Series:
        """An intersection's group of each row, from the row's group in each part (vectorised)."""
        position = np.zeros(len(part_groups[0]), dtype=np.int64)
        stated = np.ones(len(part_groups[0]), dtype=bool)
        for name, groups in zip(self.parts, part_groups, strict=True):
            options = DIMENSIONS[name].stated_groups
            k = pd.Index(options).get_indexer(groups)
            stated &= k >= 0
            position = position * len(options) + np.maximum(k, 0)
        crossed = np.where(stated, np.array(self.stated_groups, dtype=object)[position], NOT_STATED)
        missing = np.logical_or.reduce([g.isna().to_numpy() for g in part_groups])
        return pd.Series(crossed, index=part_groups[0].index, dtype=object).where(~missing)


_ETHNIC_NOT_STATED = tuple(code for code, (_, group) in ETHNIC_CATEGORIES.items() if group is None)
# Place of qualification as it reads inside an intersection group, e.g. "White, UK qualified".
_QUALIFIED = {"uk": "UK qualified", "eea": "EEA qualified", "international": "internationally qualified"}
ETHNICITY_BY_QUALIFICATION = tuple(f"{e}, {q}" for e in ETHNIC_GROUPS_2 for q in _QUALIFIED.values())
DIMENSIONS: dict[str, Dimension] = {
    "ethnic_group_2": Dimension(("ethnicity_code",), (*ETHNIC_GROUPS_2, NOT_STATED), _ETHNIC_NOT_STATED, ethnic_group_2),
    "ethnic_group_5": Dimension(("ethnicity_code",), (*ETHNIC_GROUPS_5, NOT_STATED), _ETHNIC_NOT_STATED, ethnic_group_5),
    "pmq_region": Dimension(("pmq_region",), PMQ_REGIONS),
    "sex": Dimension(("sex",), SEXES),
    "age_band": Dimension(("age_band",), AGE_BANDS),
    "disability": Dimension(("disability",), DISABILITY),
    "ethnic_group_2_pmq_region": Dimension(
        ("ethnicity_code", "pmq_region"), (*ETHNICITY_BY_QUALIFICATION, NOT_STATED), parts=("ethnic_group_2", "pmq_region"),
    ),
}


def reference_group(dimension: str, references: Mapping[str, str]) -> str:
    """The reference group of `dimension` in `references` (config.inequalities.reference).

    An intersection without a reference of its own takes the combination of its parts' references
    (White and uk give "White, UK qualified"), so that it follows them when they are reconfigured.
    """
    if dimension in references:
        return references[dimension]
    parts = DIMENSIONS[dimension].parts if dimension in DIMENSIONS else ()
    if not parts or any(p not in references for p in parts):
        raise ValueError(f"no reference group is configured for {dimension} (inequalities.reference)")
    return str(DIMENSIONS[dimension].cross([pd.Series([references[p]]) for p in parts]).iloc[0])


def policy_version_for(date_received: pd.Series) -> pd.Series:
    """The performers-list policy in force when the case was received (2024 policy from October 2024)."""
    return pd.Series(
        np.where(date_received >= POLICY_2024_START, "policy_2024", "framework_2013"),
        index=date_received.index,
    ).where(date_received.notna())


def with_derived(cases: pd.DataFrame) -> pd.DataFrame:
    """Add the derived groupings and stage flags of DATA_MODEL.md to a typed cases table."""
    out = cases.copy()
    out["ethnic_group_5"] = ethnic_group_5(out["ethnicity_code"])
    out["ethnic_group_2"] = ethnic_group_2(out["ethnicity_code"])
    out["reached_triage"] = out["date_triaged"].notna()
    out["reached_pag"] = out["date_first_pag"].notna()
    out["reached_investigation"] = out["investigation"].fillna(False).astype(bool) | out["date_investigation_start"].notna()
    out["reached_decision_panel"] = out["date_decision_panel"].notna()
    out["adverse_outcome"] = out["outcome"].isin(ADVERSE_OUTCOMES)
    out["open"] = out["date_closed"].isna()
    return out


def split_set(values: pd.Series) -> pd.Series:
    """Split a ';'-separated set column into lists (empty list for missing)."""
    return values.fillna("").map(lambda s: [v.strip() for v in str(s).split(";") if v.strip()])


def risk_level_for(severity: pd.Series, likelihood: pd.Series, bands: dict[str, tuple[int, int]]) -> pd.Series:
    """Band severity x likelihood into a risk level using the configured (inclusive) score bands.

    A missing score, or a product outside every band, has no level (NA).
    """
    score = severity * likelihood
    level = pd.Series(pd.NA, index=score.index, dtype="object")
    for name, (low, high) in bands.items():
        level = level.mask(score.between(low, high).fillna(False).astype(bool), name)
    return level



# How codes and dimension names read in published tables and charts.
VALUE_LABELS: dict[str, str] = {
    "uk": "UK qualified",
    "eea": "EEA qualified",
    "international": "Internationally qualified",
    NOT_STATED: "Not stated",
    "ethnic_group_2": "Ethnicity (2 groups)",
    "ethnic_group_5": "Ethnicity (5 groups)",
    "pmq_region": "Place of primary qualification",
    "age_band": "Age band",
    "sex": "Sex",
    "disability": "Disability",
    "ethnic_group_2_pmq_region": "Ethnicity (2 groups) and place of qualification",
    "Z": "Z (not stated)",
    "99": "99 (not known)",
    # review themes (Appendix 4 coding frame, DOMAIN.md 3.2) and action system levels
    "induction_support": "Induction and support",
    "feedback": "Feedback",
    "isolation": "Isolation",
    "leadership": "Leadership",
    "blame_culture": "Blame culture",
    "in_out_group": "In-group / out-group",
    "allegation_framing": "Allegation framing",
    "policy_adherence": "Policy adherence",
    "investigation_quality": "Investigation quality",
    "conflict_of_interest": "Conflict of interest",
    "wellbeing": "Wellbeing",
    "premature_formal_process": "Premature formal process",
    "practitioner_communication": "Communication with the practitioner",
    "data_quality": "Data and recording quality",
    "workload": "Workload",
    "systems_it": "Systems and IT",
    # concern sources and domains (Appendix 2)
    "patient": "Patient", "colleague": "Colleague", "employer": "Employer", "regulator": "Regulator",
    "cqc": "CQC", "nhsbsa": "NHSBSA", "police": "Police", "coroner": "Coroner", "anonymous": "Anonymous",
    "self_declaration": "Self-declaration", "appraisal": "Appraisal", "other": "Other",
    "clinical": "Clinical", "conduct": "Conduct", "health": "Health", "probity": "Probity",
    "governance": "Governance", "communication": "Communication", "safeguarding": "Safeguarding",
    "criminal": "Criminal", "language": "Language",
    "local": "Local",
    "icb": "ICB",
    "region": "Regional",
    "national": "National",
}


def display_label(value: object) -> object:
    """The readable label of a code or dimension name (other values unchanged)."""
    return VALUE_LABELS.get(value, value) if isinstance(value, str) else value
