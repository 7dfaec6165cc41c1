"""The quarterly report, executed by papermill on the seeded synthetic extract ingested into a store.

Figures in tables.xlsx are checked against values computed here, independently, from the generator's
raw rows (numpy busday_count with the `holidays` calendar, plain pandas counting) after applying the
publication rule by hand: counts 1-7 hidden, other counts rounded to the nearest 5.
"""

from __future__ import annotations

import re
import shutil

import holidays as holidays_lib
import numpy as np
import pandas as pd
import pytest

from lotus_analytics.config import load_config
from lotus_analytics.periods import FinancialQuarter, PeriodError
from lotus_analytics.reports import ReportError, build_report, sections
from lotus_analytics.reports.tables import SPECS, TITLES, Scope, measure_tables
from lotus_analytics.store import load_store, write_table

pytestmark = pytest.mark.notebook

QUARTER = "2026/27 Q2"
REGION = "North West"
Q_START, Q_END = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
WINDOW_START = pd.Timestamp("2024-10-01")  # eight quarters ending 2026/27 Q2
WHITE, NOT_STATED_CODES = {"A", "B", "C"}, {"Z", "99"}


def published_count(value: int) -> object:
    """METHODS.md section 4 by hand: 0 stays 0, 1-7 hidden, others to the nearest 5 (halves up)."""
    if value == 0:
        return 0
    return "*" if value <= 7 else int(np.floor(value / 5 + 0.5) * 5)


def sheet(path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, dtype=object)


@pytest.fixture(scope="module")
def report(ingested, tmp_path_factory):
    return build_report(quarter=QUARTER, region=REGION, store=ingested.store,
                        out_root=tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def html(report) -> str:
    return report.html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def raw_tables(ingested) -> dict[str, pd.DataFrame]:
    """The report's measure tables before disclosure control."""
    return measure_tables(load_store(ingested.store), Scope(FinancialQuarter.parse(QUARTER), REGION), load_config())


def test_output_folder_and_files(report):
    assert report.folder.parts[-2:] == ("2026-27-Q2", "north-west")
    assert report.html.name == "report.html" and report.html.is_file()
    assert report.notebook.is_file() and report.xlsx.is_file()


def test_t1_quarter_matches_raw_rows(ingested, report):
    cases = ingested.extract.cases
    done = cases[(cases["region"] == REGION) & cases["date_triaged"].between(Q_START, Q_END)]
    bank = np.array(sorted(holidays_lib.country_holidays("GB", subdiv="ENG", years=range(2020, 2028))),
                    dtype="datetime64[D]")
    start = done["date_received"].to_numpy(dtype="datetime64[D]") + 1
    end = done["date_triaged"].to_numpy(dtype="datetime64[D]") + 1
    working = np.busday_count(start, end, holidays=bank)
    row = sheet(report.xlsx, "t1_by_quarter").set_index("period").loc[QUARTER]
    assert len(done) > 7  # the check below is about a shown figure
    assert row["n"] == published_count(len(done))
    assert float(row["median"]) == pytest.approx(float(np.median(working)))
    assert row["within_target"] == published_count(int((working <= 5).sum()))


def test_t1_months_are_the_twelve_ending_with_the_quarter(report):
    months = list(sheet(report.xlsx, "t1_by_month")["period"])
    assert months == [f"{y}-{m:02d}" for y, m in [(2025, m) for m in range(10, 13)] + [(2026, m) for m in range(1, 10)]]


def test_t1_quarters_are_the_rolling_window_ending_with_the_quarter(report):
    quarters = list(sheet(report.xlsx, "t1_by_quarter")["period"])
    assert quarters == [f"{fy}/{fy % 100 + 1:02d} Q{q}" for fy, q in
                        [(2024, 3), (2024, 4), (2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2)]]


def test_relative_likelihood_counts_match_raw_rows(ingested, report):
    cases, workforce = ingested.extract.cases, ingested.extract.workforce
    inside = cases[(cases["region"] == REGION) & cases["date_received"].between(WINDOW_START, Q_END)]
    bme = ~inside["ethnicity_code"].isin(WHITE | NOT_STATED_CODES)
    # headcount rows of the ethnicity marginal table, each financial year weighted by its quarters in the
    # window (2024/25: 2, 2025/26: 4, 2026/27: 2); 2026/27 has none yet and takes 2025/26's
    others = ["sex", "age_band", "pmq_region", "disability"]
    marginal = workforce[workforce["ethnicity_code"].notna() & workforce[others].isna().all(axis=1)
                         & (workforce["region"] == REGION)]
    is_bme = ~marginal["ethnicity_code"].isin(WHITE | NOT_STATED_CODES)
    per_year = marginal[is_bme].groupby("period")["headcount"].sum()
    headcount = int(np.floor((2 * per_year["2024/25"] + 4 * per_year["2025/26"] + 2 * per_year["2025/26"]) / 8 + 0.5))
    row = sheet(report.xlsx, "entry_likelihood").set_index("group").loc["Black and minority ethnic"]
    assert row["events"] == published_count(int(bme.sum()))
    assert row["ref_events"] == published_count(int(inside["ethnicity_code"].isin(WHITE).sum()))
    assert row["headcount"] == published_count(headcount)


def test_relative_likelihood_interval_covers_ground_truth(ingested, report):
    truth = ingested.extract.ground_truth["entry"]["windows"]["2024/25 to 2025/26"]["relative_likelihood"]
    rows = sheet(report.xlsx, "entry_likelihood").set_index("group")
    for group, dimension in (("Black and minority ethnic", "ethnic_group_2"), ("international", "pmq_region")):
        assert float(rows.loc[group, "lower"]) <= truth[dimension][group] <= float(rows.loc[group, "upper"])
        assert rows.loc[group, "verdict"] == "higher"


def test_overdue_actions_match_raw_rows(ingested, report):
    a = ingested.extract.actions
    raised = a[a["date_raised"] <= Q_END]
    open_then = ~(raised["date_completed"] <= Q_END) & (raised["status"] != "dropped")
    overdue = (open_then & (raised["date_due"] < Q_END)).groupby(raised["system_level"]).sum()
    table = sheet(report.xlsx, "overdue_actions").set_index("system_level")
    assert table.loc["total", "raised"] == published_count(len(raised))
    for level, count in overdue.items():
        shown = table.loc[level, "overdue"]
        # a secondary suppression may hide a count >= 8; every shown count must be the rounded truth
        assert shown == "*" or shown == published_count(int(count))
        if 1 <= count <= 7:
            assert shown == "*"


def test_every_published_table_passed_disclosure_control(report, raw_tables):
    """Cell by cell against the raw measure tables: every count 1-7 is "*", every other count is "*"
    (secondary suppression) or rounded to 5, and every statistic resting on a count 1-7 is "*"."""
    book = pd.read_excel(report.xlsx, sheet_name=None, dtype=object)
    assert list(book)[0] == "About"
    tables = {name: frame for name, frame in book.items() if name != "About"}
    internal_only = {name for name, title in TITLES.items() if title.endswith("(internal only)")}  # case lists
    assert internal_only == {"contact_gap_cases", "strat_level_disagreement_cases"}
    assert set(tables) == set(raw_tables) == set(SPECS) - internal_only
    small = 0
    for name, frame in tables.items():
        assert set(frame["disclosure"].str.split(":").str[0]) == {"publication"}, name
        raw, spec = raw_tables[name].reset_index(drop=True), SPECS[name]
        assert len(frame) == len(raw), name
        for column in spec.counts:
            for row, (value, shown) in enumerate(zip(raw[column], frame[column])):
                if pd.isna(value):  # not applicable (T4 has no target, so nothing is "within" it)
                    assert pd.isna(shown), (name, column, row, shown)
                elif 1 <= value <= 7:
                    small += 1
                    assert shown == "*", (name, column, row, value)
                else:
                    assert shown in ("*", published_count(int(value))), (name, column, row, value, shown)
        for column, bases in spec.statistics.items():
            resting_on_few = raw[list(bases)].apply(lambda counts: counts.between(1, 7).fillna(False)).any(axis=1)
            assert (frame.loc[resting_on_few, column] == "*").all(), (name, column)
    assert small > 0  # the extract has small cells, so the check above has met some


def test_about_sheet_states_period_extract_date_and_mode(report):
    about = sheet(report.xlsx, "About").set_index("item")["value"]
    assert about["Quarter"] == "2026/27 Q2 (2026-07-01 to 2026-09-30)"
    assert about["Extract date"] == "2026-10-15"
    assert about["Disclosure mode"] == "publication"
    assert "log-Poisson rate-ratio interval, SE = sqrt(1/a + 1/c)" in about["Method: Relative likelihood of entering the process"]


def test_html_is_offline_without_code_and_with_charts(html):
    assert not re.search(r"<script|<link", html, flags=re.I)
    assert not re.search(r"https?://(?!www\.w3\.org/)", html)
    assert "cdn" not in html.lower()
    assert "sections.prepare" not in html and "import " not in html
    labels = re.findall(r'<svg [^>]*aria-label="([^"]*)"', html)
    assert len(labels) == html.count("<svg")  # every chart and icon has an accessible name
    charts = [label for label in labels if not label.startswith(("Common cause", "Special cause", "Assurance"))]
    kinds = [label.split(" (")[0].split(" of ")[0].split(" ")[0] for label in charts]
    timeliness = ["Line", "Line", "SPC", "SPC", "SPC", "SPC", "SPC", "Kaplan–Meier"]
    equity = ["Forest", "Line", "Line", "Progression", "Progression", "Heat", "Heat", "Kaplan–Meier", "Kaplan–Meier",
              "Funnel"]  # entry for every dimension, then trend, cascade, risk levels and waiting per focus dimension
    lessons = ["Heat", "Heat", "Heat", "Heat", "Dot",  # risk matrix, level by domain / source, outcome, immediate action
               "Dot", "Bar",  # themes over the range's halves; overdue by owner (themes by level and domain and
               # equality checks by quarter are mostly 1-7 at this volume: tables and a sentence, no chart)
               "Line", "Line", "Line", "Ratios", "Ratios"]  # informed, contact, support; by group for the focus dimensions
    assert kinds == [*timeliness, "Forest", *equity, *lessons], kinds
    assert "by month, with the target of 5 working days" in charts[0]
    # a variation icon per timeliness SPC chart, an assurance icon per target (monthly theme counts are too small
    # to publish, so there is no theme SPC chart in publication mode)
    assert len(labels) - len(charts) == 5 + 3
    assert "so no theme SPC chart is drawn in publication mode" in html


def test_html_states_extract_date_manifest_counts_and_mode(ingested, html):
    assert "Extract date:</strong> 15 October 2026" in html
    assert "2026/27 Q2 (1 July 2026 to 30 September 2026)" in html
    rows = len(ingested.extract.cases)
    shown = re.findall(r'<td class="?num"?>([^<]*)</td>', html[html.index("Rows quarantined"):])
    assert shown[:3] == [f"{published_count(rows):,}", f"{published_count(rows):,}", "0"]  # cases: read, stored, quarantined
    assert "Rows quarantined" in html
    assert "<strong>publication mode</strong>" in html
    assert "INTERNAL" not in html


def test_internal_mode_says_so_first_and_is_not_rounded(ingested, tmp_path):
    paths = build_report(quarter=QUARTER, region=REGION, store=ingested.store, out_root=tmp_path,
                         disclosure_mode="internal")
    html = paths.html.read_text(encoding="utf-8")
    body = html[html.index("<main>"):]
    assert body.index("INTERNAL — NOT FOR PUBLICATION") < body.index("<h1>")
    manifest = sheet(paths.xlsx, "manifest_counts").set_index("table")
    assert manifest.loc["cases", "rows_stored"] == len(ingested.extract.cases)  # exact, not rounded


def test_a_quarter_not_complete_at_the_extract_date_is_refused(ingested, tmp_path):
    message = (r"^2026/27 Q3 \(ending 31 December 2026\) is not complete at the extract date 15 October 2026; "
               r"the latest complete quarter is 2026/27 Q2$")
    with pytest.raises(ReportError, match=message):
        build_report(quarter="2026/27 Q3", region=REGION, store=ingested.store, out_root=tmp_path)
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
    with pytest.raises(ReportError, match=message):  # the notebook run on its own refuses it too
        sections.prepare(quarter="2026/27 Q3", region=None, store=str(ingested.store), disclosure_mode=None,
                         settings={})


def test_notebook_parameters_left_as_none_come_from_the_configuration(ingested):
    report = sections.prepare(quarter=None, region=None, store=None, disclosure_mode=None,
                              settings={"paths.store": str(ingested.store), "report.disclosure_mode": "internal"})
    assert report.scope.quarter.label == QUARTER  # the latest complete quarter at the extract date
    assert report.scope.region == REGION and report.mode == "internal"


def test_report_wording_follows_the_configured_threshold(ingested):
    report = sections.prepare(quarter=QUARTER, region=REGION, store=str(ingested.store), disclosure_mode="publication",
                              settings={"disclosure.suppress_max": 10, "disclosure.rounding_base": 10})
    title = sections.title_page(report).data
    assert "Counts of 1 to 10 are shown as *, other counts are rounded to the nearest 10" in title
    method = sections.methods(report)["Disclosure control"]
    assert "fewer than 11 people" in method and "rounded to the nearest 10." in method
    shown = sections.likelihood_section(report).data
    assert "<td class=num>*</td>" in shown and "* not shown: fewer than 11 people" in shown
    assert "fewer than 8" not in title + method + shown


def test_bad_region_and_quarter_are_refused_with_a_message(ingested, tmp_path):
    with pytest.raises(ReportError, match="'Narnia' is not an NHS England region"):
        build_report(quarter=QUARTER, region="Narnia", store=ingested.store, out_root=tmp_path)
    with pytest.raises(PeriodError, match="not a financial quarter"):
        build_report(quarter="2026 Q2", region=REGION, store=ingested.store, out_root=tmp_path)


def test_a_failing_measure_is_reported_in_one_clear_line(ingested, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(ingested.store, store)
    workforce = pd.read_parquet(store / "workforce.parquet")
    write_table(store, "workforce", workforce.assign(period="FY2025"))  # a store edited by hand, past the contract
    with pytest.raises(ReportError, match=r"stopped in cell \d+: PeriodError: 'FY2025' is not a financial year "
                                          r"like '2025/26'"):
        build_report(quarter=QUARTER, region=REGION, store=store, out_root=tmp_path / "reports")


def test_actions_workbook_lists_every_regional_action_overdue_first(ingested, report):
    extract = ingested.extract
    assert set(extract.cases["region"]) == {REGION}  # so thematic reviews (no case) are the region's too
    raised = extract.actions[extract.actions["date_raised"] <= Q_END]
    open_then = raised["date_completed"].isna() | (raised["date_completed"] > Q_END)
    overdue = open_then & (raised["status"] != "dropped") & (raised["date_due"] < Q_END)
    listed = pd.read_excel(report.folder / "actions.xlsx", sheet_name=0)
    assert sorted(listed["Action"]) == sorted(raised["action_id"])
    assert overdue.sum() > 0 and listed["Overdue"].head(int(overdue.sum())).all()
    assert set(listed.loc[listed["Overdue"], "Action"]) == set(raised.loc[overdue, "action_id"])
    days = listed.loc[listed["Overdue"], "Days overdue"]
    assert days.is_monotonic_decreasing and (days > 0).all()
