"""The synthetic extract generator: determinism, schema conformance, realism and its ground truth."""

from __future__ import annotations

import filecmp
from datetime import date

import numpy as np
import pandas as pd
import pytest
from synthetic_rules import icb_region_mismatches, read_text, row_violations

from lotus_analytics import schema
from lotus_analytics.periods import fy_label
from lotus_analytics.synthetic import Effects, generate, write_extract
from lotus_analytics.synthetic.activity import ROLES
from lotus_analytics.synthetic.typed import default_config
from lotus_analytics.synthetic.writer import as_text
from lotus_analytics.workdays import working_days_between

EXTRACT_DATE = pd.Timestamp(2026, 10, 15)
WHOLE_SPAN = "2021/22 to 2025/26"
KIND_DTYPES = {"date": "datetime64[ns]", "int": "Int64", "bool": "boolean"}


@pytest.fixture(scope="module")
def nw():
    """The default North West demo extract."""
    return generate()


@pytest.fixture(scope="module")
def large():
    """North West at ten times the volume: enough cases to check ratios against the ground truth."""
    return generate(seed=99, scale=10)


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path):
    for fmt in ("csv", "parquet", "xlsx"):
        first, second = tmp_path / f"{fmt}1", tmp_path / f"{fmt}2"
        names = [p.name for p in write_extract(generate(seed=5, scale=0.1), first, fmt)]
        write_extract(generate(seed=5, scale=0.1), second, fmt)
        match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
        assert mismatch == [] and errors == [] and len(match) == len(names)
    write_extract(generate(seed=6, scale=0.1), tmp_path / "other", "csv")
    assert not filecmp.cmp(tmp_path / "csv1" / "cases.csv", tmp_path / "other" / "cases.csv", shallow=False)


def test_tables_are_typed_in_schema_column_order(nw):
    for name, frame in nw.tables().items():
        table = schema.TABLES[name]
        assert list(frame.columns) == table.columns
        for f in table.fields:
            assert str(frame[f.name].dtype) == KIND_DTYPES.get(f.kind, "object"), (name, f.name)
            if f.kind not in KIND_DTYPES:
                assert frame[f.name].map(lambda v: v is None or isinstance(v, str)).all(), (name, f.name)


def test_every_table_conforms_to_the_schema_rules(nw):
    text = {name: as_text(name, frame) for name, frame in nw.tables().items()}
    assert row_violations(text, EXTRACT_DATE) == set()
    assert icb_region_mismatches(text["cases"]) == 0 and icb_region_mismatches(text["workforce"]) == 0


def test_written_csv_reads_back_to_the_same_values(nw, tmp_path):
    write_extract(nw, tmp_path, "csv")
    cases = read_text(tmp_path / "cases.csv")
    assert cases.loc[0, "date_received"] == f"{nw.cases.loc[0, 'date_received']:%d/%m/%Y}"
    updates = read_text(tmp_path / "updates.csv")
    assert updates.loc[0, "date_sent"] == f"{nw.updates.loc[0, 'date_sent']:%Y-%m-%d}"
    assert set(cases["investigation"]) == {"TRUE", "FALSE", ""}
    assert (tmp_path / "extract_info.json").read_text().count('"extract_date": "2026-10-15"') == 1


def test_derived_values_agree_with_schema(nw):
    cases = nw.cases
    scored = cases["risk_severity"].notna()
    bands = default_config().risk_bands
    expected = schema.risk_level_for(cases.loc[scored, "risk_severity"], cases.loc[scored, "risk_likelihood"], bands)
    assert (cases.loc[scored, "risk_level"] == expected).all()
    assert (cases["policy_version"] == schema.policy_version_for(cases["date_received"])).all()
    assert (cases["outcome"].notna() == cases["date_closed"].notna()).all()
    actions = nw.actions
    assert ((actions["status"] == "done") == actions["date_completed"].notna()).all()
    assert actions["owner_role"].isin([r for roles in ROLES.values() for r in roles]).all()
    meeting_letters = nw.updates["update_type"] == "post_meeting_outcome"
    assert nw.updates.loc[meeting_letters, "date_meeting"].notna().all()
    assert nw.updates.loc[~meeting_letters, "meeting"].isna().all()


def test_north_west_volumes_and_mix_are_realistic(nw):
    cases = nw.cases
    assert nw.ground_truth["volumes"]["practitioners"] == 12_000
    fy = cases["date_received"].dt.year.where(cases["date_received"].dt.month >= 4, cases["date_received"].dt.year - 1)
    per_year = fy.value_counts().sort_index()
    assert list(per_year.index) == list(range(2021, 2027))
    assert per_year.loc[2021:2025].between(250, 600).all()
    assert set(cases["icb_code"]) == {"QYG", "QOP", "QE1"} and set(cases["profession"]) == set(schema.PROFESSIONS)
    share = cases["ethnicity_code"].value_counts(normalize=True)
    assert 0.01 < share["Z"] < 0.08 and 0.005 < share["99"] < 0.06
    assert {"not_stated"} <= set(cases["pmq_region"]) and {"not_stated"} <= set(cases["disability"])
    assert (cases["concern_domains"].str.contains(";")).mean() > 0.2
    recent = cases["date_received"] > EXTRACT_DATE - pd.DateOffset(months=3)
    old = cases["date_received"] < EXTRACT_DATE - pd.DateOffset(years=2)
    assert cases.loc[recent, "date_closed"].isna().mean() > 0.5 > cases.loc[old, "date_closed"].isna().mean()
    assert cases.loc[old, "date_closed"].isna().sum() >= 1  # long investigations still open
    overdue = (nw.actions["status"].isin(["open", "in_progress"])) & (nw.actions["date_due"] < EXTRACT_DATE)
    assert overdue.sum() >= 5


def test_stage_durations_are_right_skewed(nw):
    days = working_days_between(nw.cases["date_first_pag"], nw.cases["date_investigation_start"])
    days = days[~np.isnan(days)]
    assert np.mean(days) > np.median(days) * 1.1


def test_workforce_marginal_tables_agree_and_cover_complete_years(nw):
    wf = nw.workforce
    demographic = ["ethnicity_code", "sex", "age_band", "pmq_region", "disability"]
    assert sorted(wf["period"].unique()) == [fy_label(y) for y in range(2021, 2026)]
    set_columns = wf[demographic].notna()
    totals = wf[~set_columns.any(axis=1)].groupby("period")["headcount"].sum()
    assert totals.between(10_000, 12_000).all()
    for column in demographic:
        alone = set_columns[column] & (set_columns.sum(axis=1) == 1)
        assert wf[alone].groupby("period")["headcount"].sum().equals(totals)
    both = set_columns["ethnicity_code"] & set_columns["pmq_region"]
    assert wf[both].groupby("period")["headcount"].sum().equals(totals)
    assert set_columns.sum(axis=1).isin([0, 1, 2]).all()


def _entry_ratio(extract, start: str, end: str, dimension: str, group: str, reference: str) -> float:
    """Cases received in the window / mean headcount of its financial years, group vs reference.

    For whole financial years only: each year holds four of the window's quarters, so the quarter
    weights of the measure and the ground truth reduce to the plain mean.
    """
    cases = schema.with_derived(extract.cases)
    window = cases["date_received"].between(start, end)
    wf = extract.workforce
    source = "ethnicity_code" if dimension == "ethnic_group_2" else dimension
    alone = wf[wf[source].notna() & (wf.drop(columns=[source, "headcount"]).iloc[:, 4:].isna().all(axis=1))].copy()
    alone["group"] = schema.ethnic_group_2(alone[source]) if dimension == "ethnic_group_2" else alone[source]
    headcount = alone.groupby(["group", "period"])["headcount"].sum().groupby("group").mean()
    counts = cases.loc[window, dimension].value_counts()
    return (counts[group] / headcount[group]) / (counts[reference] / headcount[reference])


@pytest.mark.parametrize(("dimension", "group", "reference"), [
    ("ethnic_group_2", "Black and minority ethnic", "White"),
    ("pmq_region", "international", "uk"),
])
def test_relative_likelihood_from_the_rows_matches_the_ground_truth(large, dimension, group, reference):
    window = large.ground_truth["entry"]["windows"][WHOLE_SPAN]
    truth = window["relative_likelihood"][dimension][group]
    observed = _entry_ratio(large, window["start"], window["end"], dimension, group, reference)
    assert observed == pytest.approx(truth, rel=0.06)
    # ethnicity and place of qualification are correlated: the marginal ratio exceeds each multiplier
    assert truth > 1.8 > large.ground_truth["entry"]["multipliers"]["entry_bme"]


def test_intersection_ground_truth_multiplies_the_conditional_effects(nw):
    """Within ethnicity x place of qualification the other entry effects (sex, age) are spread alike, so each
    cell's ratio to White UK-qualified practitioners is the product of the conditional multipliers it carries."""
    window = nw.ground_truth["entry"]["windows"][WHOLE_SPAN]
    truth = window["relative_likelihood"]["ethnic_group_2_pmq_region"]
    m = nw.ground_truth["entry"]["multipliers"]
    assert nw.ground_truth["entry"]["reference"]["ethnic_group_2_pmq_region"] == "White, UK qualified"
    assert truth["Black and minority ethnic, UK qualified"] == pytest.approx(m["entry_bme"], rel=0.03)
    assert truth["White, internationally qualified"] == pytest.approx(m["entry_international"], rel=0.03)
    assert truth["Black and minority ethnic, internationally qualified"] == pytest.approx(
        m["entry_bme"] * m["entry_international"], rel=0.03)
    assert truth["White, EEA qualified"] == pytest.approx(1.0, rel=0.03)
    headcount = window["headcount"]
    assert sum(headcount["ethnic_group_2_pmq_region"].values()) == pytest.approx(sum(headcount["ethnic_group_2"].values()))


def test_progression_and_closure_effects_show_in_the_rows(large):
    cases = schema.with_derived(large.cases)
    pag = cases[cases["reached_pag"]]
    p = pag.groupby("ethnic_group_2")["investigation"].mean()
    truth = large.ground_truth["progression"]["ratio"]["ethnic_group_2"]["Black and minority ethnic"]
    assert p["Black and minority ethnic"] / p["White"] == pytest.approx(truth, rel=0.12)
    assert truth == pytest.approx(1.5, rel=0.05)
    early = cases[cases["date_received"] < "2023-04-01"]  # almost all closed by the extract date
    days = (early["date_closed"] - early["date_received"]).dt.days.groupby(early["pmq_region"]).median()
    medians = large.ground_truth["closure"]["median_days_received_to_closed"]
    assert days["international"] / days["uk"] == pytest.approx(medians["international"] / medians["uk"], rel=0.12)
    assert medians["international"] > medians["uk"] * 1.2


def test_triage_step_change_shows_in_monthly_medians(nw):
    truth = nw.ground_truth["triage_step"]
    cases = nw.cases
    days = pd.Series(working_days_between(cases["date_received"], cases["date_triaged"]), index=cases.index)
    monthly = days.groupby(cases["date_received"].dt.strftime("%Y-%m")).median()
    before = monthly[(monthly.index >= "2023-04") & (monthly.index < truth["month"])]
    after = monthly[(monthly.index >= truth["month"]) & (monthly.index <= "2026-08")]
    assert before.mean() == pytest.approx(truth["median_working_days_before"], abs=1.0)
    assert after.mean() == pytest.approx(truth["median_working_days_after"], abs=1.0)
    assert before.min() > after.max()


def test_theme_trend_rises(nw):
    shares = nw.ground_truth["theme_trend"]["share_by_financial_year"]
    assert shares["2021/22"] < max(shares["2024/25"], shares["2025/26"])


def test_no_effects_gives_ratios_of_one_and_no_triage_step():
    extract = generate(seed=3, effects=Effects.none())
    truth = extract.ground_truth
    for window in truth["entry"]["windows"].values():
        for ratios in window["relative_likelihood"].values():
            assert all(r == pytest.approx(1.0, abs=0.01) for r in ratios.values())
    assert truth["progression"]["ratio"]["ethnic_group_2"]["Black and minority ethnic"] == pytest.approx(1.0, abs=0.05)
    assert truth["triage_step"]["median_working_days_before"] == truth["triage_step"]["median_working_days_after"]
    medians = truth["closure"]["median_days_received_to_closed"]
    assert medians["international"] == pytest.approx(medians["uk"], rel=0.05)


def test_all_regions_scale_and_bad_arguments():
    extract = generate(regions=schema.REGIONS, scale=0.05)
    assert set(extract.cases["region"]) == set(schema.REGIONS)
    assert extract.workforce["icb_code"].nunique() == sum(len(v) for v in schema.ICBS.values())
    with pytest.raises(ValueError, match="unknown region"):
        generate(regions=("Narnia",))
    with pytest.raises(ValueError, match="scale must be positive"):
        generate(scale=0)
    with pytest.raises(ValueError, match="extract_date"):
        generate(extract_date=date(2021, 6, 1))
