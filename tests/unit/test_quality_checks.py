"""Great Expectations quality checks: each rule on hand-made frames, then all of them as Dagster
asset checks against a real DuckDB file, with Data Docs and results.json.

The hand-made world (reference date 2020-07-15): programme P1, cohort 2018-1, grant year 2018,
programme 2018-09-01..2019-06-30, so the horizons fall due 2019-06-30, 2019-12-30, 2020-06-30.
  participant 1: employed, relevant, 100 %, permanent at all three horizons
  participant 2: unemployed at 0, education at 6, horizon 12 overdue (15 days)
Programme P2 has one participant whose programme ended 2020-06-30: horizon 0 reported,
6 and 12 not due.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.checks import rules
from pipelines.checks.results import merge_results, read_results
from pipelines.checks.runner import RULES_BY_NAME, read_tables, run_quality_check
from pipelines.defs.checks import quality_checks
from pipelines.defs.resources import SettingsResource
from pipelines.settings import REPO_ROOT, Paths, Settings

REFERENCE = pd.Timestamp("2020-07-15")
DOCS_TEXT = (REPO_ROOT / "docs" / "quality.md").read_text("utf-8")


def key(n: int) -> str:
    """A pseudonym-shaped participant key (32 hex digits)."""
    return f"{n:032x}"


def _row(participant: int, horizon: int, state: str, status: str = "unknown", **values) -> dict:
    programme, start, end = ("P1", "2018-09-01", "2019-06-30")
    if participant == 3:
        programme, start, end = ("P2", "2019-09-01", "2020-06-30")
    due = pd.Timestamp(end) + pd.DateOffset(months=horizon)
    row = {
        "programme_id": programme,
        "grant_year": 2018 if programme == "P1" else 2019,
        "cohort": "2018-1" if programme == "P1" else "2019-A",
        "participant_key": key(participant),
        "horizon_months": horizon,
        "programme_start": pd.Timestamp(start),
        "programme_end": pd.Timestamp(end),
        "exit_reason": "completed",
        "due_date": due,
        "is_due": bool(due <= REFERENCE),
        "follow_up_state": state,
        "status": status,
        "job_relevance": None,
        "position_pct": None,
        "contract_type": None,
        "observed_on": due if state == "reported" else pd.NaT,
        "is_known": state == "reported" and status != "unknown",
    }
    row.update(values)
    return row


def status_frame() -> pd.DataFrame:
    """fct_followup_status of the hand-made world: every rule passes on it."""
    employed = {
        "status": "employed",
        "job_relevance": "relevant",
        "position_pct": 100.0,
        "contract_type": "permanent",
    }
    rows = [
        *(_row(1, h, "reported", **employed) for h in (0, 6, 12)),
        _row(2, 0, "reported", "unemployed"),
        _row(2, 6, "reported", "education"),
        _row(2, 12, "overdue"),
        _row(3, 0, "reported", "internship", job_relevance="partly"),
        _row(3, 6, "not_due"),
        _row(3, 12, "not_due"),
    ]
    frame = pd.DataFrame(rows)
    frame["observed_on"] = pd.to_datetime(frame["observed_on"])
    return frame


def overdue_frame(status: pd.DataFrame) -> pd.DataFrame:
    overdue = status[status["follow_up_state"] == "overdue"].copy()
    overdue["days_overdue"] = (REFERENCE - overdue["due_date"]).dt.days
    return overdue[
        ["programme_id", "grant_year", "cohort", "participant_key", "horizon_months"]
        + ["due_date", "days_overdue"]
    ].reset_index(drop=True)


def register_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "programme_id": ["P1", "P2"],
            "grant_year": [2018, 2019],
            "name": ["Mentor Oslo", "Trainee Bergen"],
            "organisation": ["Org A", "Org B"],
            "programme_type": ["mentor", "trainee"],
            "target_employed_pct_0": [40.0, None],
            "target_employed_pct_6": [50.0, 55.0],
            "target_employed_pct_12": [60.0, 70.0],
            "target_relevant_pct_12": [30.0, None],
            "upload_id": ["reg1", "reg1"],
        }
    )


def programmes_frame() -> pd.DataFrame:
    return register_frame()[["programme_id", "grant_year", "name"]].assign(in_register=True)


def attainment_frame() -> pd.DataFrame:
    """fct_attainment for the hand-made world (P1 2018-1 at 0/6/12, P2 2019-A at 0)."""
    return pd.DataFrame(
        {
            "programme_id": ["P1", "P1", "P1", "P2"],
            "grant_year": [2018, 2018, 2018, 2019],
            "cohort": ["2018-1", "2018-1", "2018-1", "2019-A"],
            "horizon_months": [0, 6, 12, 0],
            "participants": [2, 2, 2, 1],
            "reported": [2, 2, 1, 1],
            "known_status": [2, 2, 1, 1],
            "coverage_pct": [100.0, 100.0, 50.0, 100.0],
            "n_employed": [1, 1, 1, 0],
            "pct_employed_of_all": [50.0, 50.0, 50.0, 0.0],
            "pct_employed_of_known": [50.0, 50.0, 100.0, 0.0],
            "n_unknown": [0, 0, 1, 0],
            "pct_unknown_of_all": [0.0, 0.0, 50.0, 0.0],
            "target_employed_pct": [40.0, 50.0, 60.0, None],
            "overdue": [0, 0, 1, 0],
        }
    )


def said_vs_shown_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "programme_id": ["P1", "P2"],
            "grant_year": [2018, 2019],
            "period_end": pd.to_datetime(["2019-06-30", "2020-06-30"]),
            "pairs_recruited": [2, 1],
            "shown_participants": [2, 1],
            "participants_completed": [3, None],  # one more than shown: within one person
            "shown_completed": [2, 1],
            "reported_employed": [1, 0],
            "shown_employed_0": [1, 0],
            "reported_relevant": [None, None],
            "shown_relevant_0": [1, 0],
        }
    )


# --- every rule passes on the hand-made world --------------------------------------------


def _inputs() -> dict[str, pd.DataFrame]:
    status = status_frame()
    return {
        "fct_followup_status": status,
        "fct_attainment": attainment_frame(),
        "fct_overdue_followups": overdue_frame(status),
        "dim_programmes": programmes_frame(),
        "fct_said_vs_shown": said_vs_shown_frame(),
    }


@pytest.mark.parametrize("name", list(RULES_BY_NAME))
def test_every_rule_passes_on_consistent_data(name):
    rule = RULES_BY_NAME[name]
    frames = _inputs()
    outcome = rule.evaluate(*(frames[table] for table in rule.spec.reads))
    assert outcome.passed, (outcome.failed_expectations, outcome.sample)
    assert outcome.failing_rows == 0 and outcome.sample == []
    assert outcome.expectations_evaluated > 0


@pytest.mark.parametrize("name", list(RULES_BY_NAME))
def test_empty_tables_pass(name):
    # A new installation has tables but no rows yet: nothing to hold back.
    rule = RULES_BY_NAME[name]
    frames = _inputs()
    outcome = rule.evaluate(*(frames[table].iloc[:0] for table in rule.spec.reads))
    assert outcome.passed, outcome.failed_expectations
    assert outcome.checked_rows == 0


# --- warning (WARN) rules -------------------------------------------------------------------


def test_programme_missing_from_register_warns():
    # A property of the data (IMDi has not registered the grant yet), not a defect: WARN.
    programmes = pd.concat(
        [
            programmes_frame(),
            pd.DataFrame([{"programme_id": "P9", "grant_year": 2019, "in_register": False}]),
        ],
        ignore_index=True,
    )
    outcome = rules.programme_register_complete(programmes)
    assert not outcome.passed
    assert outcome.spec.severity == "WARN"
    assert outcome.figures["programmes_not_in_register"] == ["P9"]


def test_observation_before_the_previous_horizon_warns_and_missing_dates_are_skipped():
    status = status_frame()
    mask = (status["participant_key"] == key(1)) & (status["horizon_months"] == 6)
    status.loc[mask, "observed_on"] = pd.Timestamp("2019-06-01")  # before horizon 0's 2019-06-30
    outcome = rules.followup_observations_in_order(status)
    assert not outcome.passed
    assert outcome.spec.severity == "WARN"
    # Participant 2 has no horizon-12 date and participant 3 only horizon 0: not judged.
    assert outcome.failing_rows == 1
    assert outcome.sample[0]["observed_on_6"] == "2019-06-01"


@pytest.mark.parametrize(("floor", "passed"), [(50, True), (50.1, False)])
def test_coverage_floor_applies_to_due_horizons_only(floor, passed):
    # P1 horizon 12: 1 of 2 due known = 50 %. P2 horizons 6 and 12 are not due: never judged.
    outcome = rules.followup_coverage_floor(status_frame(), floor_pct=floor)
    assert outcome.passed is passed
    assert outcome.checked_rows == 4  # P1 x 0/6/12, P2 x 0
    if not passed:
        assert outcome.sample == [
            {"programme_id": "P1", "horizon_months": 12, "due": 2, "known": 1, "coverage_pct": 50.0}
        ]


def test_coverage_floor_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("IMDI_COVERAGE_FLOOR", "60 %")
    rule = RULES_BY_NAME["followup_coverage_floor"]
    outcome = rule.evaluate(status_frame(), **rule.options(Settings.from_env()))
    assert outcome.thresholds == {"coverage_floor_pct": 60.0}
    assert not outcome.passed
    assert "60 %" in outcome.description_nb
    monkeypatch.setenv("IMDI_COVERAGE_FLOOR", "femti")
    with pytest.raises(ValueError, match="coverage_floor_pct"):
        Settings.from_env()


def _cohort(participants: int, known: list[int], pct_known: list[float], pct_all: list[float]):
    return pd.DataFrame(
        {
            "programme_id": "P1",
            "grant_year": 2018,
            "cohort": "big",
            "horizon_months": [0, 6, 12],
            "participants": participants,
            "reported": known,
            "known_status": known,
            "pct_employed_of_all": pct_all,
            "pct_employed_of_known": pct_known,
        }
    )


@pytest.mark.parametrize(
    ("participants", "passed"), [(20, False), (19, True)], ids=["cohort-of-20", "cohort-of-19"]
)
def test_everyone_employed_in_a_cohort_of_20_warns(participants, passed):
    k = participants
    attainment = _cohort(k, [k, k, k], [100.0, 100.0, 90.0], [100.0, 100.0, 90.0])
    outcome = rules.attainment_shares_plausible(attainment)
    assert outcome.passed is passed
    if not passed:
        assert outcome.failing_rows == 2  # horizons 0 and 6


@pytest.mark.parametrize(("known", "passed"), [(10, False), (9, True)])
def test_jump_of_more_than_60_points_warns_when_enough_are_known(known, passed):
    # 20 % -> 90 % of known between 0 and 6 months: +70 points.
    attainment = _cohort(15, [known, known, known], [20.0, 90.0, 80.0], [10.0, 50.0, 50.0])
    outcome = rules.attainment_shares_plausible(attainment)
    assert outcome.passed is passed
    if not passed:
        assert outcome.sample == [
            {
                "programme_id": "P1",
                "grant_year": 2018,
                "cohort": "big",
                "horizon_months": 6,
                "participants": 15,
                "known_status": 10,
                "pct_employed_of_all": 50.0,
                "previous_pct_employed_of_known": 20.0,
                "pct_employed_of_known": 90.0,
                "pct_employed_of_known_change": 70.0,
            }
        ]


@pytest.mark.parametrize(
    ("grace_days", "max_share", "passed"),
    [
        (92, 0, True),  # 15 days overdue is within the grace period: nothing late
        (10, 25, True),  # late 1 of P1's 6 due = 16.7 %
        (10, 16, False),
    ],
)
def test_overdue_share_counts_follow_ups_late_beyond_grace(grace_days, max_share, passed):
    status = status_frame()
    outcome = rules.overdue_share(
        overdue_frame(status), status, max_share_pct=max_share, grace_days=grace_days
    )
    assert outcome.passed is passed
    assert outcome.figures["overdue_followups"] == 1
    assert outcome.figures["due_followups"] == 7
    if not passed:
        assert outcome.sample == [
            {
                "programme_id": "P1",
                "due": 6,
                "overdue": 1,
                "late": 1,
                "late_share_pct": 16.7,
                "oldest_days_overdue": 15,
            }
        ]


def test_said_vs_shown_beyond_tolerance_warns_and_lists_differences():
    frame = said_vs_shown_frame()
    frame.loc[0, "reported_employed"] = 3  # said 3, rows show 1: two persons off
    outcome = rules.said_vs_shown_reconciliation(frame)
    assert not outcome.passed
    assert outcome.failing_rows == 1
    differences = {(d["programme_id"], d["measure"]): d for d in outcome.figures["differences"]}
    assert differences[("P1", "employed")] == {
        "programme_id": "P1",
        "grant_year": 2018,
        "period_end": "2019-06-30",
        "measure": "employed",
        "said": 3,
        "shown": 1,
        "difference": 2,
        "beyond_tolerance": True,
    }
    assert differences[("P1", "completed")]["beyond_tolerance"] is False
    assert ("P1", "relevant") not in differences  # not reported: not judged


# --- the split of severities is the documented one ------------------------------------------


def test_every_check_is_documented_with_its_severity():
    for rule in rules.RULES:
        row = next(
            (line for line in DOCS_TEXT.splitlines() if line.startswith(f"| `{rule.spec.name}`")),
            None,
        )
        assert row is not None, f"{rule.spec.name} missing from docs/quality.md"
        assert f"| `{rule.spec.asset}` | {rule.spec.severity} |" in row


def test_flagging_checks_run_after_publication_and_blocking_ones_before():
    specs = [spec for check in quality_checks for spec in check.check_specs]
    assert {spec.name for spec in specs} == set(RULES_BY_NAME)
    published = dg.AssetKey("published_warehouse")
    for spec in specs:
        rule = RULES_BY_NAME[spec.name].spec
        assert spec.asset_key == dg.AssetKey(rule.asset)
        deps = {dep.asset_key for dep in spec.additional_deps}
        # WARN: publication does not wait for it, it waits for publication (it reads the
        # published copy). ERROR: publication waits for it.
        assert spec.blocking == (rule.severity == "ERROR")
        assert (published in deps) == (rule.severity != "ERROR")


def test_results_merge_by_check_name_and_drop_unknown_checks(tmp_path):
    paths = Paths(tmp_path)
    paths.quality.mkdir(parents=True)
    merge_results(
        paths, [{"check_name": "a", "passed": True}, {"check_name": "old", "passed": True}]
    )
    merge_results(paths, [{"check_name": "a", "passed": False}], known_checks={"a", "b"})
    assert read_results(paths) == [{"check_name": "a", "passed": False}]
    merge_results(paths, [{"check_name": "b", "passed": True}, {"check_name": "a", "passed": True}])
    assert read_results(paths) == [
        {"check_name": "a", "passed": True},
        {"check_name": "b", "passed": True},
    ]
    assert [p.name for p in paths.quality.iterdir()] == ["results.json"]  # no temp files left


# --- against a real DuckDB file, through Dagster --------------------------------------------


def _write_warehouse(
    paths: Paths, frames: dict[str, pd.DataFrame], published: bool = False
) -> None:
    paths.ensure()
    con = duckdb.connect(str(paths.published if published else paths.warehouse))
    try:
        for table, frame in frames.items():
            dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
            dates = [c for c in dates if c != "reported_at"]
            casts = ", ".join(f"cast({c} as date) as {c}" for c in dates)
            select = f"select * replace ({casts}) from frame" if casts else "select * from frame"
            con.register("frame", frame)
            con.execute(f"create or replace table {table} as {select}")
            con.unregister("frame")
    finally:
        con.close()


def test_tables_are_read_with_text_as_categoricals_and_nothing_lost(tmp_path):
    paths = Paths(tmp_path / 'kontor\'s "data"')  # quotes in the path are escaped
    paths.ensure()
    con = duckdb.connect(str(paths.warehouse))
    con.execute(
        "create table t as select range as n, 'k' || (range % 7) as code, "
        "case when range % 3 = 0 then null else 'x' || range end as sparse, "
        "null::varchar as empty, date '2020-01-01' + cast(range as integer) as day "
        "from range(5000)"
    )
    con.execute("create table nothing (code varchar, n integer)")
    con.execute("create view v as select * from t where n < 10")
    expected = con.table("t").df()
    con.close()

    frames = read_tables(paths, ["t", "nothing", "v"])
    got = frames["t"]
    assert list(got.columns) == list(expected.columns)
    for column in ("code", "sparse", "empty"):
        assert isinstance(got[column].dtype, pd.CategoricalDtype)
        assert not got[column].cat.ordered
        # Same values in the same rows, nulls where DuckDB has nulls.
        assert got[column].astype(object).where(got[column].notna(), None).tolist() == (
            expected[column].astype(object).where(expected[column].notna(), None).tolist()
        )
    assert sorted(got["code"].cat.categories) == [f"k{i}" for i in range(7)]
    assert got["n"].tolist() == list(range(5000))
    assert (got["day"] == expected["day"]).all()
    assert frames["nothing"].empty and list(frames["nothing"].columns) == ["code", "n"]
    assert frames["v"]["n"].tolist() == list(range(10))  # views resolve in the attached file


def _run_checks(home: Path, selection: dg.AssetSelection) -> dg.ExecuteInProcessResult:
    specs = [dg.AssetSpec(table) for table in _inputs()]
    job = dg.define_asset_job("quality", selection=selection)
    defs = dg.Definitions(
        assets=specs,
        asset_checks=quality_checks,
        jobs=[job],
        resources={"settings": SettingsResource(home=str(home))},
    )
    return defs.resolve_job_def("quality").execute_in_process(raise_on_error=False)


def test_checks_run_on_a_duckdb_file_and_build_data_docs_and_results(home):
    paths = Paths(home)
    frames = _inputs()
    frames["dim_programmes"].loc[1, "in_register"] = False  # P2 uploads without a register row
    _write_warehouse(paths, frames, published=True)

    result = _run_checks(home, dg.AssetSelection.all_asset_checks())
    # Every check here judges a property of the data (WARN): a failure is reported and the
    # step succeeds, so publication goes ahead with the figures flagged.
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == set(RULES_BY_NAME)
    failed = {name for name, e in evaluations.items() if not e.passed}
    assert failed == {"programme_register_complete"}
    register = evaluations["programme_register_complete"]
    assert register.severity == dg.AssetCheckSeverity.WARN
    assert register.metadata["failing_rows"].value == 1
    assert "P2" in register.metadata["sample"].value
    assert evaluations["followup_coverage_floor"].severity == dg.AssetCheckSeverity.WARN

    # GE's Data Docs: one site for all checks, each check's latest validation linked.
    index = paths.quality / "data_docs" / "index.html"
    assert index.is_file()
    assert register.metadata["data_docs"].value == str(index)
    page = Path(register.metadata["data_docs_page"].value.removeprefix("file://"))
    assert page.is_file() and "in_register" in page.read_text("utf-8")
    for name in RULES_BY_NAME:
        assert name in index.read_text("utf-8")

    entries = json.loads((paths.quality / "results.json").read_text("utf-8"))
    assert [e["check_name"] for e in entries] == sorted(RULES_BY_NAME)
    by_name = {e["check_name"]: e for e in entries}
    assert set(by_name["programme_register_complete"]) == {
        "check_name",
        "asset",
        "severity",
        "passed",
        "description_nb",
        "details",
    }
    assert by_name["programme_register_complete"]["severity"] == "WARN"
    assert by_name["programme_register_complete"]["passed"] is False
    assert by_name["programme_register_complete"]["details"]["failing_rows"] == 1
    assert by_name["said_vs_shown_reconciliation"]["severity"] == "WARN"

    # Fixed and run again: the entry is replaced and the site keeps one page per check.
    frames["dim_programmes"].loc[1, "in_register"] = True
    _write_warehouse(paths, frames)
    outcome = run_quality_check(
        "programme_register_complete", Settings.from_env(home=str(home)), run_id="second"
    )
    assert outcome.passed
    entries = json.loads((paths.quality / "results.json").read_text("utf-8"))
    assert len(entries) == len(RULES_BY_NAME)
    assert {e["check_name"]: e["passed"] for e in entries}["programme_register_complete"]
    pages = list((paths.quality / "data_docs" / "validations").glob("**/*.html"))
    assert len(pages) == len(RULES_BY_NAME)
    assert outcome.docs_page is not None and "second" in outcome.docs_page.parts
