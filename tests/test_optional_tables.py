"""An extract with only the required tables (cases, workforce): the report and the dashboard's lessons page
say "not supplied" where they need updates, reviews or actions, and everything else still works."""

from __future__ import annotations

import re
import shutil

import pytest

from lotus_analytics.dashboard import app
from lotus_analytics.reports import build_report
from lotus_analytics.reports.lessons_section import SUB_HEADINGS

OPTIONAL = ("updates", "reviews", "actions")


@pytest.fixture(scope="module")
def required_only(ingested, tmp_path_factory):
    from lotus_analytics.ingest import ingest

    root = tmp_path_factory.mktemp("required-only")
    extract = root / "extract"
    shutil.copytree(ingested.extract_dir, extract)
    for table in OPTIONAL:
        (extract / f"{table}.csv").unlink()
    ingest(extract, root / "store")
    return root / "store"


def test_report_says_not_supplied_and_writes_no_actions_workbook(required_only, tmp_path):
    paths = build_report(quarter="2026/27 Q2", region="North West", store=required_only, out_root=tmp_path)
    html = paths.html.read_text(encoding="utf-8")
    lessons = html[html.index("Lessons learnt and compassion"):html.index("<h2>Methods")]
    for table in ("updates", "reviews"):  # actions hang off reviews: their parts say the reviews are missing
        assert f"Not supplied: the extract has no {table} table." in lessons
    assert "Heat map of triaged cases by severity" in lessons  # triage and risk need only the cases
    assert re.search(r"Line chart of the percentage of cases with support signposted", lessons)  # from the cases
    assert not (paths.folder / "actions.xlsx").exists() and paths.xlsx.is_file()


def test_dashboard_lessons_page_says_not_supplied_for_every_template(required_only, monkeypatch):
    monkeypatch.setenv(app.STORE_ENV, str(required_only))
    tabs = app.dashboard().children[1]
    tabs.selected_index = 3
    filters, status, *sections = tabs.children[3].children
    template = next(f for f in filters.children if f.description == "Template")
    said = {}
    for part in SUB_HEADINGS:
        template.value = part
        assert "data-state='ready'" in status.value, status.value  # drawn, no friendly error
        said[part] = " ".join(s.children[1].value for s in sections if s.layout.display != "none")
    assert "Not supplied" not in said["Triage and risk stratification"]
    assert said["Reviews and improvement actions"].count("Not supplied: the extract has no reviews table.") == len(
        SUB_HEADINGS["Reviews and improvement actions"])
    assert "Not supplied: the extract has no updates table." in said["Keeping the practitioner informed"]
