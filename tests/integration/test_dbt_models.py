"""The dbt project on a small hand-made warehouse: the marts must equal numbers worked out by hand.

dbt runs as a subprocess (as dagster-dbt runs it), against a DuckDB file in ``tmp_path``, with
its target and log folders in ``tmp_path`` too, so nothing is written into the repository.
``dbt build`` also runs the project's unit tests and data tests; any failure fails the test.

The fixture (reference_date 2020-07-15):

Register (upload reg1, 2018-01-15): P1/2018 targets employed 40/50/60 %, relevant@12 30 %;
P1/2019 50/60/70, relevant 40; P2/2018 -/50/75, no relevant target.
Correction (upload reg2, 2020-05-01): P1/2018 employed@6 target 50 -> 55.

P1, cohort 2018-1, grant_year 2018 reported, programme 2018-09-01..2019-06-30
(due: h0 2019-06-30, h6 2019-12-30, h12 2020-06-30):
  A  h0 employed/relevant/100/permanent  h6 same              h12 same
  B  h0 internship/relevant              h6 employed/partly/60/temporary
                                          h12 v1 unemployed (2020-06-01), v2 employed/relevant/
                                              100/permanent (2020-06-15): the correction
  C  h0 unemployed (dropped out)         h6 education, arrived late (2020-04-10)   h12 none
  D  h0 employed/relevant/100/temporary  h6 withdrawn = yes (2020-01-10): withdrawn
  E  h0 self_employed/relevant/no pct    h6 status unknown    h12 employed/not_relevant/100/
                                                                   temporary
P1, cohort 2019-1, no grant_year (start 2019 -> register P1/2019), programme ..2019-11-30
(due: h0 2019-11-30, h6 2020-05-30, h12 2020-11-30):
  F  h0 employed/relevant/80/permanent   h6 none (overdue)    h12 not due
P2, cohort 2020-A, no grant_year (start 2019 -> nearest earlier register year 2018),
programme ..2020-01-31 (due: h0 2020-01-31, h6 2020-07-31, h12 2021-01-31):
  G  h0 employed/relevant/100/temporary  h6 employed/relevant/100/permanent, reported before due
  H  h0 moved_abroad (exit moved_abroad) h6, h12 not due
P2, cohort 2017-1, no grant_year, start 2017 (no register year <= 2017 -> 2017), ..2017-12-31:
  I  h0 parental_leave                   h6 other             h12 employed/relevant/100/permanent
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import DBT_PROJECT_DIR
from pipelines.warehouse.raw import ensure_raw_tables

REFERENCE_DATE = "2020-07-15"

UPLOADS = {
    # upload_id: (received_at, contract, claimed programme)
    "reg1": ("2018-01-15 09:00:00", "programme_register", None),
    "reg2": ("2020-05-01 09:00:00", "programme_register", None),
    "p1a": ("2019-07-10 10:00:00", "participant_followup", "P1"),
    "p1b": ("2020-01-10 10:00:00", "participant_followup", "P1"),
    "p1c": ("2020-04-10 10:00:00", "participant_followup", "P1"),
    "p1d": ("2020-06-01 10:00:00", "participant_followup", "P1"),
    "p1e": ("2020-06-15 10:00:00", "participant_followup", "P1"),
    "p2a": ("2020-02-05 10:00:00", "participant_followup", "P2"),
    "p2b": ("2020-06-20 10:00:00", "participant_followup", "P2"),
    "sr1": ("2019-08-01 12:00:00", "programme_status_report", "P1"),
    "sr2": ("2019-09-01 12:00:00", "programme_status_report", "P1"),
}

PARTICIPANTS = {
    # key: programme, cohort, grant_year, start, end, exit_reason
    "A": ("P1", "2018-1", 2018, "2018-09-01", "2019-06-30", "completed"),
    "B": ("P1", "2018-1", 2018, "2018-09-01", "2019-06-30", "completed"),
    "C": ("P1", "2018-1", 2018, "2018-09-01", "2019-06-30", "dropped_out"),
    "D": ("P1", "2018-1", 2018, "2018-09-01", "2019-06-30", "completed"),
    "E": ("P1", "2018-1", 2018, "2018-09-01", "2019-06-30", "completed"),
    "F": ("P1", "2019-1", None, "2019-03-01", "2019-11-30", "completed"),
    "G": ("P2", "2020-A", None, "2019-08-15", "2020-01-31", "completed"),
    "H": ("P2", "2020-A", None, "2019-08-15", "2020-01-31", "moved_abroad"),
    "I": ("P2", "2017-1", None, "2017-05-01", "2017-12-31", "dropped_out"),
}

EMPLOYED_RIGHT_SHELF = ("employed", "relevant", 100, "permanent")

FOLLOWUPS = [
    # upload, participant, horizon, (status, relevance, position_pct, contract), withdrawn
    ("p1a", "A", 0, EMPLOYED_RIGHT_SHELF, "no"),
    ("p1a", "B", 0, ("internship", "relevant", None, None), "no"),
    ("p1a", "C", 0, ("unemployed", None, None, None), "no"),
    ("p1a", "D", 0, ("employed", "relevant", 100, "temporary"), "no"),
    ("p1a", "E", 0, ("self_employed", "relevant", None, None), None),
    ("p1b", "A", 6, EMPLOYED_RIGHT_SHELF, "no"),
    ("p1b", "B", 6, ("employed", "partly", 60, "temporary"), "no"),
    ("p1b", "D", 6, ("employed", "relevant", 100, "permanent"), "yes"),
    ("p1b", "E", 6, ("unknown", None, None, None), "no"),
    ("p1b", "F", 0, ("employed", "relevant", 80, "permanent"), "no"),
    ("p1c", "C", 6, ("education", None, None, None), "no"),
    ("p1d", "A", 12, EMPLOYED_RIGHT_SHELF, "no"),
    ("p1d", "B", 12, ("unemployed", None, None, None), "no"),
    ("p1d", "E", 12, ("employed", "not_relevant", 100, "temporary"), "no"),
    ("p1e", "B", 12, EMPLOYED_RIGHT_SHELF, "no"),
    ("p2a", "G", 0, ("employed", "relevant", 100, "temporary"), "no"),
    ("p2a", "H", 0, ("moved_abroad", None, None, None), "no"),
    ("p2a", "I", 0, ("parental_leave", None, None, None), "no"),
    ("p2a", "I", 6, ("other", None, None, None), "no"),
    ("p2a", "I", 12, EMPLOYED_RIGHT_SHELF, "no"),
    ("p2b", "G", 6, EMPLOYED_RIGHT_SHELF, "no"),
]

REGISTER = [
    # upload, programme, grant_year, name, targets employed 0/6/12, relevant 12
    ("reg1", "P1", 2018, "Mentor Oslo", (40, 50, 60, 30)),
    ("reg1", "P1", 2019, "Mentor Oslo", (50, 60, 70, 40)),
    ("reg1", "P2", 2018, "Trainee Bergen", (None, 50, 75, None)),
    ("reg2", "P1", 2018, "Mentor Oslo", (40, 55, 60, 30)),
]

STATUS_REPORTS = [
    # upload, recruited, completed, employed, relevant, attainment text
    ("sr1", 5, 5, 4, 3, "Høy"),
    ("sr2", 5, 5, 3, 2, "3 av 5 deltakere har jobbdeltakelse"),
]


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _load_fixture(con: duckdb.DuckDBPyConnection) -> None:
    ensure_raw_tables(con)
    for upload_id, (received_at, contract, programme) in UPLOADS.items():
        con.execute(
            "INSERT INTO raw.raw_uploads (upload_id, original_name, channel, uploaded_by,"
            " claimed_programme_id, received_at, size_bytes, contract, outcome, rows_total,"
            " rows_accepted, rows_rejected, warnings, message_nb)"
            " VALUES (?, ?, 'cli', 'test', ?, ?, 1000, ?, 'accepted', 5, 5, 0, 0, 'OK')",
            [upload_id, f"{upload_id}.csv", programme, _ts(received_at), contract],
        )
    # Upload p1a: one rejected value and two warnings.
    for severity, rule in (
        ("error", "employed_needs_position_pct"),
        ("warning", "known_status_needs_observed_on"),
        ("warning", "observed_on_outside_window"),
    ):
        con.execute(
            "INSERT INTO raw.raw_rejections VALUES ('p1a', 7, 'position_pct', '', ?, ?, 'x')",
            [rule, severity],
        )
    for row, (upload_id, key, horizon, outcome, withdrawn) in enumerate(FOLLOWUPS, start=2):
        programme, cohort, grant_year, start, end, exit_reason = PARTICIPANTS[key]
        status, relevance, pct, contract_type = outcome
        con.execute(
            "INSERT INTO raw.raw_followups (programme_id, cohort, grant_year, participant_key,"
            " birth_year, gender, education_level, education_country, programme_start,"
            " programme_end, exit_reason, horizon_months, observed_on, status, job_relevance,"
            " position_pct, contract_type, via_programme, business_has_revenue, withdrawn,"
            " comment, upload_id, source_row, reported_at)"
            " VALUES (?, ?, ?, ?, 1985, 'female', 'master', 'Syria', ?, ?, ?, ?, NULL, ?, ?, ?,"
            " ?, 'unknown', NULL, ?, NULL, ?, ?, ?)",
            [
                programme,
                cohort,
                grant_year,
                f"key-{key}",
                date.fromisoformat(start),
                date.fromisoformat(end),
                exit_reason,
                horizon,
                status,
                relevance,
                None if pct is None else Decimal(pct),
                contract_type,
                withdrawn,
                upload_id,
                row,
                _ts(UPLOADS[upload_id][0]),
            ],
        )
    for row, (upload_id, programme, grant_year, name, targets) in enumerate(REGISTER, start=2):
        con.execute(
            "INSERT INTO raw.raw_programme_register VALUES (?, ?, 'Org', 'mentor', ?, 1000000,"
            " NULL, NULL, 20, 10, ?, ?, ?, ?, ?, ?, ?)",
            [programme, name, grant_year, *targets, upload_id, row, _ts(UPLOADS[upload_id][0])],
        )
    for upload_id, recruited, completed, employed, relevant, text in STATUS_REPORTS:
        con.execute(
            "INSERT INTO raw.raw_status_reports VALUES ('P1', 2018, DATE '2018-09-01',"
            " DATE '2019-06-30', 6, ?, ?, ?, ?, ?, NULL, ?, 2, ?)",
            [recruited, completed, employed, relevant, text, upload_id, _ts(UPLOADS[upload_id][0])],
        )


def _run_dbt(
    warehouse: Path,
    work: Path,
    command: str,
    project_dir: Path = DBT_PROJECT_DIR,
    expect_success: bool = True,
    **dbt_vars: object,
) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    env = {
        **os.environ,
        "IMDI_WAREHOUSE_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            str(dbt),
            command,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--vars",
            json.dumps({"reference_date": REFERENCE_DATE, **dbt_vars}),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) == expect_success, (
        result.stdout[-20000:] + result.stderr[-5000:]
    )


def _build(base: Path, **dbt_vars: object) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    warehouse = base / "work.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        _load_fixture(con)
    finally:
        con.close()
    _run_dbt(warehouse, base, "build", **dbt_vars)
    return warehouse


def _rows(warehouse: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _attainment(warehouse: Path, cohort: str, horizon: int) -> dict:
    rows = _rows(
        warehouse,
        "SELECT * FROM main.fct_attainment WHERE cohort = ? AND horizon_months = ?",
        [cohort, horizon],
    )
    assert len(rows) == 1, rows
    return rows[0]


def _quarter(warehouse: Path, as_of_date: str, cohort: str, horizon: int) -> dict:
    rows = _rows(
        warehouse,
        "SELECT * FROM main.fct_attainment_by_quarter"
        " WHERE as_of_date = ? AND cohort = ? AND horizon_months = ?",
        [date.fromisoformat(as_of_date), cohort, horizon],
    )
    assert len(rows) == 1, rows
    return rows[0]


def _subset(row: dict, expected: dict) -> dict:
    return {key: row[key] for key in expected}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("dbt"), snapshot_quarters=4)


def test_attainment_at_programme_end_counts_each_indicator_once(warehouse: Path) -> None:
    # P1 2018-1 at 0 months: D is withdrawn, so A, B, C, E are in scope (all due, all reported).
    # A employed/relevant/100/permanent -> employed, relevant, full-time, permanent, right shelf
    # B relevant internship -> closer to relevant; C unemployed
    # E self-employed/relevant/no pct -> employed, relevant; neither full- nor part-time
    expected = {
        "programme_id": "P1",
        "grant_year": 2018,
        "participants": 4,
        "reported": 4,
        "known_status": 4,
        "coverage_pct": 100.0,  # 4/4
        "n_employed": 2,  # A, E
        "pct_employed_of_all": 50.0,  # 2/4
        "pct_employed_of_known": 50.0,  # 2/4
        "n_relevant_work": 2,  # A, E
        "n_full_time": 1,  # A
        "n_part_time": 0,
        "n_permanent": 1,
        "n_temporary": 0,
        "n_right_shelf": 1,
        "pct_right_shelf_of_all": 25.0,  # 1/4
        "n_closer_to_relevant": 1,  # B
        "n_unemployed": 1,  # C
        "n_unknown": 0,
        "target_employed_pct": 40.0,
        "employed_target_met": True,  # 50.0 >= 40
        "target_relevant_pct": None,  # relevant target only at 12 months
        "relevant_target_met": None,
        "overdue": 0,
    }
    assert _subset(_attainment(warehouse, "2018-1", 0), expected) == expected


def test_attainment_at_six_months_uses_the_corrected_register_target(warehouse: Path) -> None:
    # A employed/relevant/100/permanent; B employed/partly/60/temporary; C education (late
    # upload, still counts); E reported 'unknown'. Known = 3 (A, B, C).
    expected = {
        "participants": 4,
        "reported": 4,
        "known_status": 3,
        "coverage_pct": 75.0,  # 3/4
        "n_employed": 2,  # A, B
        "pct_employed_of_all": 50.0,  # 2/4
        "pct_employed_of_known": 66.7,  # 2/3 = 66.67
        "n_relevant_work": 1,  # A (B only partly relevant)
        "pct_relevant_work_of_known": 33.3,  # 1/3
        "n_full_time": 1,  # A
        "n_part_time": 1,  # B, 60 %
        "n_permanent": 1,  # A
        "n_temporary": 1,  # B
        "n_right_shelf": 1,  # A
        "n_closer_to_relevant": 1,  # C in education
        "n_unknown": 1,  # E
        "pct_unknown_of_all": 25.0,
        # Register correction (reg2) raised the 6-month target from 50 to 55: 50.0 < 55.
        "target_employed_pct": 55.0,
        "employed_target_met": False,
        "overdue": 0,
    }
    assert _subset(_attainment(warehouse, "2018-1", 6), expected) == expected


def test_attainment_at_twelve_months_takes_the_corrected_version(warehouse: Path) -> None:
    # B's 12-month row was corrected from unemployed to employed/relevant/100/permanent.
    # A, B right shelf; E employed/not relevant/100/temporary; C not reported and due -> overdue.
    expected = {
        "participants": 4,
        "reported": 3,
        "known_status": 3,
        "coverage_pct": 75.0,
        "n_employed": 3,  # A, B, E
        "pct_employed_of_all": 75.0,  # 3/4
        "pct_employed_of_known": 100.0,  # 3/3
        "n_relevant_work": 2,  # A, B
        "pct_relevant_work_of_all": 50.0,
        "n_full_time": 3,
        "n_permanent": 2,
        "n_temporary": 1,
        "n_right_shelf": 2,
        "n_unemployed": 0,
        "n_unknown": 1,  # C
        "target_employed_pct": 60.0,
        "employed_target_met": True,  # 75.0 >= 60
        "target_relevant_pct": 30.0,
        "relevant_target_met": True,  # 50.0 >= 30
        "overdue": 1,
    }
    assert _subset(_attainment(warehouse, "2018-1", 12), expected) == expected


def test_attainment_population_is_due_or_reported(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "SELECT programme_id, grant_year, cohort, horizon_months, participants, reported,"
        " known_status, n_employed, pct_employed_of_all, pct_employed_of_known, overdue,"
        " target_employed_pct, employed_target_met FROM main.fct_attainment"
        " WHERE cohort <> '2018-1' ORDER BY cohort, horizon_months",
    )
    assert rows == [
        # I (P2, start 2017, no register year <= 2017 -> grant year 2017, no targets)
        {
            "programme_id": "P2",
            "grant_year": 2017,
            "cohort": "2017-1",
            "horizon_months": 0,
            "participants": 1,
            "reported": 1,
            "known_status": 1,
            "n_employed": 0,
            "pct_employed_of_all": 0.0,
            "pct_employed_of_known": 0.0,
            "overdue": 0,
            "target_employed_pct": None,
            "employed_target_met": None,
        },
        {
            "programme_id": "P2",
            "grant_year": 2017,
            "cohort": "2017-1",
            "horizon_months": 6,
            "participants": 1,
            "reported": 1,
            "known_status": 1,
            "n_employed": 0,
            "pct_employed_of_all": 0.0,
            "pct_employed_of_known": 0.0,
            "overdue": 0,
            "target_employed_pct": None,
            "employed_target_met": None,
        },
        {
            "programme_id": "P2",
            "grant_year": 2017,
            "cohort": "2017-1",
            "horizon_months": 12,
            "participants": 1,
            "reported": 1,
            "known_status": 1,
            "n_employed": 1,
            "pct_employed_of_all": 100.0,
            "pct_employed_of_known": 100.0,
            "overdue": 0,
            "target_employed_pct": None,
            "employed_target_met": None,
        },
        # F (P1, start 2019 -> register year 2019; targets 50/60/70). h12 due 2020-11-30: no row.
        {
            "programme_id": "P1",
            "grant_year": 2019,
            "cohort": "2019-1",
            "horizon_months": 0,
            "participants": 1,
            "reported": 1,
            "known_status": 1,
            "n_employed": 1,
            "pct_employed_of_all": 100.0,
            "pct_employed_of_known": 100.0,
            "overdue": 0,
            "target_employed_pct": 50.0,
            "employed_target_met": True,
        },
        # h6 due 2020-05-30, not reported: in scope, known 0 -> share of known is null.
        {
            "programme_id": "P1",
            "grant_year": 2019,
            "cohort": "2019-1",
            "horizon_months": 6,
            "participants": 1,
            "reported": 0,
            "known_status": 0,
            "n_employed": 0,
            "pct_employed_of_all": 0.0,
            "pct_employed_of_known": None,
            "overdue": 1,
            "target_employed_pct": 60.0,
            "employed_target_met": False,
        },
        # G, H (P2, start 2019 -> nearest earlier register year 2018). h0: G employed.
        {
            "programme_id": "P2",
            "grant_year": 2018,
            "cohort": "2020-A",
            "horizon_months": 0,
            "participants": 2,
            "reported": 2,
            "known_status": 2,
            "n_employed": 1,
            "pct_employed_of_all": 50.0,
            "pct_employed_of_known": 50.0,
            "overdue": 0,
            "target_employed_pct": None,
            "employed_target_met": None,
        },
        # h6 due 2020-07-31: G reported early (counts), H not due (out of scope).
        {
            "programme_id": "P2",
            "grant_year": 2018,
            "cohort": "2020-A",
            "horizon_months": 6,
            "participants": 1,
            "reported": 1,
            "known_status": 1,
            "n_employed": 1,
            "pct_employed_of_all": 100.0,
            "pct_employed_of_known": 100.0,
            "overdue": 0,
            "target_employed_pct": 50.0,
            "employed_target_met": True,
        },
    ]


def test_followup_status_has_every_horizon_of_every_non_withdrawn_participant(
    warehouse: Path,
) -> None:
    rows = _rows(
        warehouse,
        "SELECT follow_up_state, count(*) AS n FROM main.fct_followup_status"
        " GROUP BY ALL ORDER BY ALL",
    )
    # 8 participants (A-I without withdrawn D) x 3 horizons = 24 rows.
    # overdue: C@12, F@6. not_due: F@12, G@12, H@6, H@12. reported: 24 - 2 - 4 = 18.
    assert rows == [
        {"follow_up_state": "not_due", "n": 4},
        {"follow_up_state": "overdue", "n": 2},
        {"follow_up_state": "reported", "n": 18},
    ]
    (b12,) = _rows(
        warehouse,
        "SELECT status, version_count, upload_id, position_pct FROM main.fct_followup_status"
        " WHERE participant_key = 'key-B' AND horizon_months = 12",
    )
    assert b12 == {
        "status": "employed",
        "version_count": 2,
        "upload_id": "p1e",
        "position_pct": 100.0,
    }


def test_overdue_followups_lists_due_unreported_horizons(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "SELECT participant_key, horizon_months, due_date, days_overdue"
        " FROM main.fct_overdue_followups ORDER BY participant_key",
    )
    assert rows == [
        # C: 2019-06-30 + 12 months = 2020-06-30; 2020-07-15 - 2020-06-30 = 15 days.
        {
            "participant_key": "key-C",
            "horizon_months": 12,
            "due_date": date(2020, 6, 30),
            "days_overdue": 15,
        },
        # F: 2019-11-30 + 6 months = 2020-05-30; 1 (May) + 30 (June) + 15 (July) = 46 days.
        {
            "participant_key": "key-F",
            "horizon_months": 6,
            "due_date": date(2020, 5, 30),
            "days_overdue": 46,
        },
    ]


def test_participants_dimension_keeps_withdrawn_and_resolves_grant_years(warehouse: Path) -> None:
    rows = {
        r["participant_key"]: r for r in _rows(warehouse, "SELECT * FROM main.dim_participants")
    }
    assert len(rows) == 9
    assert [k for k, r in rows.items() if r["is_withdrawn"]] == ["key-D"]
    assert {k: (r["grant_year"], r["grant_year_source"]) for k, r in rows.items()} == {
        **{f"key-{k}": (2018, "reported") for k in "ABCDE"},
        "key-F": (2019, "register"),  # start 2019, register P1/2019 exists
        "key-G": (2018, "register"),  # start 2019, P2 only has 2018
        "key-H": (2018, "register"),
        "key-I": (2017, "start_year"),  # start 2017, no P2 register year <= 2017
    }
    assert rows["key-B"]["first_reported_at"] == datetime(2019, 7, 10, 10)
    assert rows["key-B"]["last_reported_at"] == datetime(2020, 6, 15, 10)


def test_status_transitions_follow_each_participant(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "SELECT cohort, status_0, status_6, status_12, participants"
        " FROM main.fct_status_transitions ORDER BY ALL",
    )
    assert rows == [
        {
            "cohort": "2017-1",
            "status_0": "parental_leave",
            "status_6": "other",
            "status_12": "employed",
            "participants": 1,
        },  # I
        {
            "cohort": "2018-1",
            "status_0": "employed",
            "status_6": "employed",
            "status_12": "employed",
            "participants": 1,
        },  # A
        {
            "cohort": "2018-1",
            "status_0": "internship",
            "status_6": "employed",
            "status_12": "employed",
            "participants": 1,
        },  # B
        {
            "cohort": "2018-1",
            "status_0": "self_employed",
            "status_6": "unknown",
            "status_12": "employed",
            "participants": 1,
        },  # E (reported unknown at 6)
        {
            "cohort": "2018-1",
            "status_0": "unemployed",
            "status_6": "education",
            "status_12": "unknown",
            "participants": 1,
        },  # C (overdue at 12)
        {
            "cohort": "2019-1",
            "status_0": "employed",
            "status_6": "unknown",
            "status_12": "not_due",
            "participants": 1,
        },  # F
        {
            "cohort": "2020-A",
            "status_0": "employed",
            "status_6": "employed",
            "status_12": "not_due",
            "participants": 1,
        },  # G
        {
            "cohort": "2020-A",
            "status_0": "moved_abroad",
            "status_6": "not_due",
            "status_12": "not_due",
            "participants": 1,
        },  # H
    ]


def test_said_vs_shown_sets_the_latest_report_beside_participant_rows(warehouse: Path) -> None:
    (row,) = _rows(warehouse, "SELECT * FROM main.fct_said_vs_shown")
    expected = {
        "upload_id": "sr2",  # the newer version of the report
        "reported_employed": 3,
        "claimed_count": 3,
        "claimed_of": 5,
        "claimed_pct": 60.0,  # "3 av 5 ..."
        "shown_participants": 4,  # A, B, C, E (D withdrawn; F is grant year 2019)
        "shown_completed": 3,  # A, B, E (C dropped out)
        "shown_employed_0": 2,  # A, E
        "shown_relevant_0": 2,  # A, E
        "recruited_difference": 1,  # 5 - 4
        "completed_difference": 2,  # 5 - 3
        "employed_difference": 1,  # 3 - 2
        "relevant_difference": 0,  # 2 - 2
    }
    assert _subset(row, expected) == expected


def test_programmes_and_upload_log(warehouse: Path) -> None:
    programmes = _rows(
        warehouse,
        "SELECT programme_id, grant_year, name, target_employed_pct_6, in_register"
        " FROM main.dim_programmes ORDER BY ALL",
    )
    assert programmes == [
        {
            "programme_id": "P1",
            "grant_year": 2018,
            "name": "Mentor Oslo",
            "target_employed_pct_6": 55.0,
            "in_register": True,
        },
        {
            "programme_id": "P1",
            "grant_year": 2019,
            "name": "Mentor Oslo",
            "target_employed_pct_6": 60.0,
            "in_register": True,
        },
        {
            "programme_id": "P2",
            "grant_year": 2018,
            "name": "Trainee Bergen",
            "target_employed_pct_6": 50.0,
            "in_register": True,
        },
    ]
    (log,) = _rows(
        warehouse,
        "SELECT rejection_errors, rejection_warnings FROM main.fct_upload_log"
        " WHERE upload_id = 'p1a'",
    )
    assert log == {"rejection_errors": 1, "rejection_warnings": 2}


def test_quarter_snapshots_do_not_change_when_later_versions_arrive(warehouse: Path) -> None:
    # snapshot_quarters=4 before 2020-07-15: 2019-09-30, 2019-12-31, 2020-03-31, 2020-06-30.
    quarters = _rows(
        warehouse,
        "SELECT as_of_date, count(*) AS n FROM main.fct_attainment_by_quarter"
        " GROUP BY ALL ORDER BY ALL",
    )
    # 2019-09-30: only upload p1a -> P1 2018-1 h0 (h6 due 2019-12-30 not yet).
    # 2019-12-31: P1 2018-1 h0 and h6 (due 2019-12-30). F, G, H, I not reported yet.
    # 2020-03-31: P1 2018-1 h0, h6; F h0; G/H h0; I h0, h6, h12.
    # 2020-06-30: as fct_attainment (10 rows).
    assert quarters == [
        {"as_of_date": date(2019, 9, 30), "n": 1},
        {"as_of_date": date(2019, 12, 31), "n": 2},
        {"as_of_date": date(2020, 3, 31), "n": 7},
        {"as_of_date": date(2020, 6, 30), "n": 10},
    ]
    # At 2019-12-31 D's withdrawal (2020-01-10) had not arrived: 5 participants, A, D, E
    # employed -> 60.0 (today: 4 participants, 50.0).
    q4 = _quarter(warehouse, "2019-12-31", "2018-1", 0)
    assert _subset(q4, {"participants": 5, "n_employed": 3, "pct_employed_of_all": 60.0}) == {
        "participants": 5,
        "n_employed": 3,
        "pct_employed_of_all": 60.0,
    }
    # h6 due 2019-12-30 and nothing reported: all 5 overdue and unknown.
    q4_h6 = _quarter(warehouse, "2019-12-31", "2018-1", 6)
    assert (q4_h6["overdue"], q4_h6["n_unknown"], q4_h6["pct_unknown_of_all"]) == (5, 5, 100.0)
    # At 2020-03-31 C's 6-month report (2020-04-10) had not arrived: C overdue; E reported
    # unknown; A, B employed -> 2/4 = 50.0 of all, 2/2 = 100.0 of known. The register target was
    # still 50 (raised to 55 on 2020-05-01): met.
    q1 = _quarter(warehouse, "2020-03-31", "2018-1", 6)
    expected = {
        "participants": 4,
        "reported": 3,
        "known_status": 2,
        "overdue": 1,
        "pct_employed_of_all": 50.0,
        "pct_employed_of_known": 100.0,
        "target_employed_pct": 50.0,
        "employed_target_met": True,
    }
    assert _subset(q1, expected) == expected


def test_as_of_before_the_correction_gives_the_old_value(tmp_path: Path) -> None:
    warehouse = _build(tmp_path, as_of="2020-06-10")
    # Before 2020-06-10: B's 12-month row is still 'unemployed' (p1d, 2020-06-01); the
    # correction (p1e, 2020-06-15) and G's early 6-month row (p2b, 2020-06-20) are not visible.
    row = _attainment(warehouse, "2018-1", 12)
    expected = {
        "participants": 4,
        "reported": 3,
        "n_employed": 2,  # A, E
        "pct_employed_of_all": 50.0,  # 2/4
        "n_unemployed": 1,  # B
        "n_relevant_work": 1,  # A
        "pct_relevant_work_of_all": 25.0,
        "employed_target_met": False,  # 50.0 < 60
        "relevant_target_met": False,  # 25.0 < 30
    }
    assert _subset(row, expected) == expected
    (b12,) = _rows(
        warehouse,
        "SELECT status, version_count FROM main.fct_followup_status"
        " WHERE participant_key = 'key-B' AND horizon_months = 12",
    )
    assert b12 == {"status": "unemployed", "version_count": 1}
    # G's 6-month row not yet reported and not yet due: P2 2020-A has no 6-month row.
    assert (
        _rows(
            warehouse,
            "SELECT * FROM main.fct_attainment WHERE cohort = '2020-A' AND horizon_months = 6",
        )
        == []
    )


# Uploads held back from the first build and loaded after it, with their original arrival
# stamps (a backlog; each with its raw_uploads row, as the ingest writes them together): p1b (2020-01-10) is visible from the 2020-03-31 snapshot on; p1e, p2b and
# the register correction reg2 only from 2020-06-30.
BACKLOG = ("p1b", "p1e", "p2b", "reg2")
MARK = 1000  # added to n_employed to see whether a snapshot's rows were computed again
# (it breaks the attainment invariants on purpose, so the runs after marking are `dbt run`:
# `dbt build` would rightly fail on the marked rows)


def _quarter_rows(warehouse: Path) -> list[dict]:
    return _rows(
        warehouse,
        "SELECT * FROM main.fct_attainment_by_quarter ORDER BY as_of_date, programme_id,"
        " grant_year, cohort, horizon_months",
    )


def test_quarter_snapshots_are_computed_again_only_when_their_inputs_change(
    tmp_path: Path, warehouse: Path
) -> None:
    db = tmp_path / "work.duckdb"
    backlog = ", ".join(f"'{upload}'" for upload in BACKLOG)
    con = duckdb.connect(str(db))
    try:
        _load_fixture(con)
        for table in ("raw_uploads", "raw_followups", "raw_programme_register"):
            con.execute(
                f"CREATE TABLE main.held_{table} AS SELECT * FROM raw.{table}"
                f" WHERE upload_id IN ({backlog})"
            )
            con.execute(f"DELETE FROM raw.{table} WHERE upload_id IN ({backlog})")
    finally:
        con.close()
    _run_dbt(db, tmp_path, "build", snapshot_quarters=4)

    con = duckdb.connect(str(db))
    try:
        # Mark two snapshots: 2019-12-31, which no held-back upload reaches, and 2020-03-31,
        # which p1b reaches for P1 only. Then the backlog arrives.
        con.execute(
            f"UPDATE main.fct_attainment_by_quarter SET n_employed = n_employed + {MARK}"
            " WHERE as_of_date IN ('2019-12-31', '2020-03-31')"
        )
        for table in ("raw_uploads", "raw_followups", "raw_programme_register"):
            con.execute(f"INSERT INTO raw.{table} SELECT * FROM main.held_{table}")
    finally:
        con.close()
    _run_dbt(db, tmp_path, "run", snapshot_quarters=4)

    rows = _quarter_rows(db)
    marked = {(r["as_of_date"], r["programme_id"]) for r in rows if r["n_employed"] >= MARK}
    # Kept: P1 at 2019-12-31 (P2 has nothing visible yet then), and P2 at 2020-03-31, whose
    # inputs p1b does not touch (it reports on P1). P1 at 2020-03-31 was computed again.
    assert marked == {(date(2019, 12, 31), "P1"), (date(2020, 3, 31), "P2")}
    # With the mark taken off, the incremental result equals a full build of all the data.
    for row in rows:
        if (row["as_of_date"], row["programme_id"]) in marked:
            row["n_employed"] -= MARK
    assert rows == _quarter_rows(warehouse)

    # A quarter later 2019-09-30 leaves the window of four, 2020-09-30 is new, and the
    # unchanged 2019-12-31 is still kept as it was.
    _run_dbt(db, tmp_path, "run", snapshot_quarters=4, reference_date="2020-10-15")
    rows = _quarter_rows(db)
    assert sorted({r["as_of_date"] for r in rows}) == [
        date(2019, 12, 31),
        date(2020, 3, 31),
        date(2020, 6, 30),
        date(2020, 9, 30),
    ]
    assert {(r["as_of_date"], r["programme_id"]) for r in rows if r["n_employed"] >= MARK} == {
        (date(2019, 12, 31), "P1"),
        (date(2020, 3, 31), "P2"),
    }


def test_quarter_snapshots_are_computed_again_when_the_sql_changes(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    db = _build(tmp_path / "first", snapshot_quarters=4)
    _run_dbt(db, tmp_path, "build", project_dir=project, snapshot_quarters=4)
    (fingerprint,) = {r["code_fingerprint"] for r in _quarter_rows(db)}
    assert re.fullmatch(r"[0-9a-f]{32}", fingerprint)
    con = duckdb.connect(str(db))
    try:
        con.execute(f"UPDATE main.fct_attainment_by_quarter SET n_employed = n_employed + {MARK}")
    finally:
        con.close()

    # The same SQL again: every snapshot is kept (still marked).
    _run_dbt(db, tmp_path, "run", project_dir=project, snapshot_quarters=4)
    assert all(r["n_employed"] >= MARK for r in _quarter_rows(db))

    # Any edit of the SQL (here only a comment inside a macro) counts: every snapshot is redone.
    macro = project / "macros" / "attainment.sql"
    text = macro.read_text()
    assert "count(*) as participants," in text
    macro.write_text(text.replace("count(*) as participants,", "count(*) as participants, -- x"))
    _run_dbt(db, tmp_path, "run", project_dir=project, snapshot_quarters=4)
    rows = _quarter_rows(db)
    assert rows and not any(r["n_employed"] >= MARK for r in rows)
    assert {r["code_fingerprint"] for r in rows} != {fingerprint}
