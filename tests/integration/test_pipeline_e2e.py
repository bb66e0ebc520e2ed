"""The whole graph, for real: Dagster job -> ingest -> pandera -> dbt build -> GE checks -> publish.

Expected numbers are worked out by hand from tests/fixture_files.py (see the comments there and
beside each assertion). One module-scoped warehouse is reused, because each run is a real dbt build.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.ingest.landing import land_bytes
from pipelines.settings import Paths, Settings
from pipelines.warehouse.dbt import rebuild_marts_as_of
from tests import fixture_files as ff

pytestmark = pytest.mark.integration

MARTS = [
    "fct_attainment",
    "fct_followup_status",
    "fct_status_transitions",
    "fct_said_vs_shown",
    "fct_overdue_followups",
    "dim_programmes",
    "dim_participants",
]
INDICATORS = [
    "participants",
    "reported",
    "known_status",
    "overdue",
    "n_employed",
    "n_relevant_work",
    "n_full_time",
    "n_part_time",
    "n_permanent",
    "n_temporary",
    "n_right_shelf",
    "n_closer_to_relevant",
    "n_unemployed",
    "n_unknown",
]

# Hand-computed from the fixture (withdrawn A11 excluded; reference date 30.06.2020, all due).
H0 = dict(
    participants=10,
    reported=10,
    known_status=9,
    overdue=0,
    n_employed=4,
    n_relevant_work=3,
    n_full_time=2,
    n_part_time=1,
    n_permanent=2,
    n_temporary=1,
    n_right_shelf=1,
    n_closer_to_relevant=2,
    n_unemployed=2,
    n_unknown=1,
)
H6 = dict(
    participants=10,
    reported=8,
    known_status=7,
    overdue=2,
    n_employed=5,
    n_relevant_work=3,
    n_full_time=3,
    n_part_time=2,
    n_permanent=3,
    n_temporary=2,
    n_right_shelf=2,
    n_closer_to_relevant=1,
    n_unemployed=1,
    n_unknown=3,
)
H12_BEFORE = dict(
    participants=10,
    reported=6,
    known_status=6,
    overdue=4,
    n_employed=5,
    n_relevant_work=5,
    n_full_time=4,
    n_part_time=1,
    n_permanent=4,
    n_temporary=1,
    n_right_shelf=3,
    n_closer_to_relevant=0,
    n_unemployed=0,
    n_unknown=4,
)
H12_AFTER = dict(
    participants=10,
    reported=7,
    known_status=7,
    overdue=3,
    n_employed=6,
    n_relevant_work=6,
    n_full_time=5,
    n_part_time=1,
    n_permanent=5,
    n_temporary=1,
    n_right_shelf=4,
    n_closer_to_relevant=0,
    n_unemployed=1,
    n_unknown=3,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e") / "imdi"
    saved = {
        k: os.environ.get(k)
        for k in ("IMDI_HOME", "IMDI_PSEUDONYM_KEY", "IMDI_REFERENCE_DATE", "DAGSTER_HOME")
    }
    os.environ.update(
        IMDI_HOME=str(home), IMDI_PSEUDONYM_KEY="e2e-key", IMDI_REFERENCE_DATE="2020-06-30"
    )
    os.environ.pop("DAGSTER_HOME", None)
    yield Paths(home).ensure()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_update() -> dg.ExecuteInProcessResult:
    from pipelines.defs.definitions import defs

    return defs.resolve_job_def("update_warehouse").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def land(paths: Paths, name, make, when):
    return land_bytes(paths, make(), name, "cli", received_at=when)


def attainment(db: Path, horizon: int) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            f"select {', '.join(INDICATORS)}, pct_employed_of_all, pct_employed_of_known, "
            "target_employed_pct, employed_target_met from fct_attainment "
            "where programme_id = ? and horizon_months = ?",
            [ff.PROGRAMME, horizon],
        ).fetchall()
    finally:
        con.close()
    assert len(row) == 1, row
    return dict(zip([*INDICATORS, "pct_all", "pct_known", "target", "met"], row[0], strict=True))


def counts_only(result: dict) -> dict:
    return {k: result[k] for k in INDICATORS}


def snapshot(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in MARTS}
    finally:
        con.close()


@pytest.fixture(scope="module")
def first_run(world):
    for name, make, when in ff.FIRST_BATCH:
        assert land(world, name, make, when).is_new
    result = run_update()
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return world


def test_first_run_publishes_hand_computed_attainment(first_run):
    db = first_run.published
    assert db.exists()
    assert counts_only(attainment(db, 0)) == H0
    assert counts_only(attainment(db, 6)) == H6
    h12 = attainment(db, 12)
    assert counts_only(h12) == H12_BEFORE
    # 5 of 10 employed = 50.0 % of all, 5 of 6 known = 83.3 %; target 50 % -> met
    assert (float(h12["pct_all"]), float(h12["pct_known"]), float(h12["target"]), h12["met"]) == (
        50.0,
        83.3,
        50.0,
        True,
    )
    h6 = attainment(db, 6)
    assert (float(h6["pct_all"]), float(h6["pct_known"]), float(h6["target"]), h6["met"]) == (
        50.0,
        71.4,
        40.0,
        True,
    )
    assert attainment(db, 0)["target"] is None


def test_said_vs_shown_and_rejections(first_run):
    con = duckdb.connect(str(first_run.published), read_only=True)
    said = con.execute(
        "select reported_employed, shown_employed_0, shown_participants, reported_attainment from fct_said_vs_shown"
    ).fetchall()
    uploads = con.execute(
        "select outcome, count(*) from raw.raw_uploads group by 1 order by 1"
    ).fetchall()
    warnings = con.execute(
        "select rule from raw.raw_rejections where severity = 'warning'"
    ).fetchall()
    con.close()
    # The programme said 7 of 10 in work at programme end; its own rows show 4 of 10.
    assert said == [(7, 4, 10, "7 av 10 deltakere har jobbdeltakelse")]
    assert uploads == [("accepted", 5)]
    assert warnings == [("recruited_more_than_planned",)]  # 11 recruited of 10 planned


def test_late_correction_changes_marts_but_not_the_past(first_run, tmp_path):
    before = snapshot(first_run.published)
    name, make, when = ff.CORRECTION
    assert land(first_run, name, make, when).is_new
    result = run_update()
    assert result.success
    h12 = attainment(first_run.published, 12)
    assert counts_only(h12) == H12_AFTER
    assert (float(h12["pct_all"]), float(h12["pct_known"])) == (60.0, 85.7)  # 6/10, 6/7
    assert counts_only(attainment(first_run.published, 0)) == H0  # other horizons untouched

    # "As of" 29.02.2020, before the correction arrived, the marts are what they were.
    copy = tmp_path / "asof.duckdb"
    shutil.copyfile(first_run.published, copy)
    os.chmod(copy, 0o644)
    rebuild_marts_as_of(Settings.from_env(), copy, date(2020, 2, 29), tmp_path)
    assert counts_only(attainment(copy, 12)) == H12_BEFORE
    # both versions of A06's 12-month follow-up stay queryable
    con = duckdb.connect(str(first_run.published), read_only=True)
    versions = con.execute(
        "select count(*) from stg_imdi__followups where horizon_months = 12"
    ).fetchone()[0]
    con.close()
    assert versions == 6 + 2  # six in the first file, two in the correction
    assert snapshot(first_run.published) != before


def test_transitions_after_correction(first_run):
    con = duckdb.connect(str(first_run.published), read_only=True)
    rows = con.execute(
        "select status_0, status_6, status_12, participants from fct_status_transitions order by participants desc, status_0"
    ).fetchall()
    con.close()
    assert rows[0] == ("employed", "employed", "employed", 3)  # A01-A03
    assert sum(r[3] for r in rows) == 10
    assert ("unemployed", "employed", "unemployed", 1) in rows  # A07
    assert ("internship", "employed", "employed", 1) in rows  # A04


def test_same_bytes_again_change_nothing(first_run):
    before = snapshot(first_run.published)
    name, make, when = ff.CORRECTION
    assert not land(first_run, name, make, when).is_new
    assert run_update().success
    assert snapshot(first_run.published) == before


def test_rebuild_from_landing_zone_gives_identical_marts(first_run):
    before = snapshot(first_run.published)
    shutil.rmtree(first_run.warehouse.parent)
    assert run_update().success
    assert snapshot(first_run.published) == before


# --- the quarterly report, built by its real Dagster job from the published copy -------------


def run_report(partition_key: str) -> dg.ExecuteInProcessResult:
    from pipelines.defs.definitions import defs

    return defs.resolve_job_def("quarterly_report_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key=partition_key, raise_on_error=False
    )


def report_tables(paths: Paths, label: str, as_of: date) -> dict:
    from pipelines.quarters import quarter_label
    from pipelines.report.quarterly import build_report_for_quarter

    settings = Settings.from_env(home=str(paths.home))
    assert label == quarter_label(as_of)
    return build_report_for_quarter(settings, as_of).tables


@pytest.fixture
def no_suppression(monkeypatch):
    # Counts below 1 are suppressed, i.e. none: the fixture is far below the real threshold of 5,
    # and this test is about the numbers, not about small-cell protection (test_suppression.py).
    monkeypatch.setenv("IMDI_SUPPRESSION_THRESHOLD", "1")


def test_report_numbers_equal_the_marts(first_run, no_suppression):
    result = run_report("2020-01-01")  # 2020-K1, as of 31.03.2020: every version had arrived
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    html = first_run.reports / "2020-K1" / "kvartalsrapport.html"
    assert html.exists() and (first_run.reports / "2020-K1" / "kvartalsrapport.xlsx").exists()
    headline = report_tables(first_run, "2020-K1", date(2020, 3, 31))["headline"].set_index(
        "indicator"
    )
    con = duckdb.connect(str(first_run.published), read_only=True)
    for horizon, expected in ((0, H0), (6, H6), (12, H12_AFTER)):
        marts = con.execute(
            "select sum(n_employed), sum(n_right_shelf), sum(known_status) from fct_attainment where horizon_months = ?",
            [horizon],
        ).fetchone()
        assert int(headline.loc["employed", f"n_{horizon}"]) == marts[0] == expected["n_employed"]
        assert (
            int(headline.loc["right_shelf", f"n_{horizon}"])
            == marts[1]
            == expected["n_right_shelf"]
        )
        assert (
            int(headline.loc["known_status", f"n_{horizon}"])
            == marts[2]
            == expected["known_status"]
        )
    con.close()
    # 6 of 10 in work at 12 months
    assert float(headline.loc["employed", "pct_of_all_12"]) == 60.0


def test_past_quarter_report_is_stable_after_a_later_correction(first_run, no_suppression):
    before = report_tables(first_run, "2020-K1", date(2020, 3, 31))
    # A8's 12-month follow-up arrives on 15.04.2020, after the quarter ended.
    late = ff.csv_bytes(
        [
            [*ff.FOLLOWUP_HEADER_NB, "Trukket"],
            [
                ff.PROGRAMME,
                "2018-1",
                "A08",
                "01.02.2018",
                "30.11.2018",
                "fullført",
                12,
                "30.11.2019",
                "i jobb",
                "relevant",
                "100",
                "fast",
                None,
                None,
            ],
        ],
        encoding="cp1252",
    )
    assert land_bytes(
        first_run, late, "sen.csv", "portal", received_at=ff.arrived(2020, 4, 15)
    ).is_new
    assert run_update().success
    after = report_tables(first_run, "2020-K1", date(2020, 3, 31))
    for name, table in before.items():
        if name == "quality":
            continue  # check results describe the latest run, not the quarter
        assert after[name].equals(table), name
    now = report_tables(first_run, "2020-K2", date(2020, 6, 30))["headline"].set_index("indicator")
    assert (
        int(now.loc["employed", "n_12"]) == H12_AFTER["n_employed"] + 1
    )  # the correction counts from K2


@pytest.mark.browser
def test_report_opens_offline_in_chromium_and_draws_its_charts(first_run, browser, tmp_path):
    import io

    from PIL import Image

    html = first_run.reports / "2020-K1" / "kvartalsrapport.html"
    if not html.exists():
        assert run_report("2020-01-01").success
    text = html.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<script" not in text.lower()
    browser.get(html.as_uri())
    requests = [
        entry["message"]
        for entry in browser.get_log("performance")
        if "Network.requestWillBeSent" in entry["message"]
    ]
    fetched = [m for m in requests if '"url":"http' in m]
    assert fetched == [], fetched  # nothing fetched from any network
    charts = browser.find_elements("css selector", "svg.chart")
    assert len(charts) >= 3
    for chart in charts[:4]:
        browser.execute_script("arguments[0].scrollIntoView();", chart)
        image = Image.open(io.BytesIO(chart.screenshot_as_png)).convert("RGB")
        colours = image.getcolors(maxcolors=1_000_000)
        non_white = sum(count for count, rgb in colours if sum(rgb) < 720)
        assert non_white / (image.width * image.height) > 0.02, "chart area is blank"
