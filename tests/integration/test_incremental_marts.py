"""The incremental models equal a full build, and recompute only the participants that changed.

int_followup_versions, dim_participants and fct_followup_status keep their rows between runs
and recompute the participants a new upload touches, fct_attainment and fct_status_transitions
the programmes (macros/participant_increments.sql); fct_attainment_by_quarter recomputes the
programmes of the snapshots a new upload reaches (macros/quarter_snapshots.sql). Here the hand-made warehouse of test_dbt_models arrives in
steps - a backlog of follow-ups, a register correction, more follow-ups, the reference date
moving forward and back, another full-time threshold - and after each step every mart of the
incrementally kept warehouse must equal a full build, from nothing, of the same raw tables.
Which participants each step recomputes is worked out by hand from the fixture's dates.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.integration.test_dbt_models import _load_fixture, _rows, _run_dbt

MODELS = (
    "int_followup_versions",
    "dim_participants",
    "dim_programmes",
    "fct_followup_status",
    "fct_attainment",
    "fct_attainment_by_quarter",
    "fct_status_transitions",
    "fct_overdue_followups",
    "fct_said_vs_shown",
    "fct_register_comparison",
    "fct_upload_log",
)
# An upload arrives with its row in raw_uploads and its rows, in one transaction (raw_load.py).
RAW_TABLES = ("raw_uploads", "raw_followups", "raw_programme_register")
# Held back from the first build, then loaded in this order with their original stamps.
STEPS = (("p1b",), ("reg2",), ("p1e", "p2b"))
PARTICIPANT_MODELS = (
    "int_followup_versions",
    "dim_participants",
    "fct_followup_status",
    "fct_overdue_followups",
)
PROGRAMME_MODELS = ("fct_attainment", "fct_status_transitions")


def _hold_back(db: Path, uploads: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{u}'" for u in uploads)
    con = duckdb.connect(str(db))
    try:
        for table in RAW_TABLES:
            con.execute(
                f"CREATE TABLE main.held_{table} AS SELECT * FROM raw.{table}"
                f" WHERE upload_id IN ({listed})"
            )
            con.execute(f"DELETE FROM raw.{table} WHERE upload_id IN ({listed})")
    finally:
        con.close()


def _release(db: Path, uploads: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{u}'" for u in uploads)
    con = duckdb.connect(str(db))
    try:
        for table in RAW_TABLES:
            con.execute(
                f"INSERT INTO raw.{table} SELECT * FROM main.held_{table}"
                f" WHERE upload_id IN ({listed})"
            )
    finally:
        con.close()


def _full_build(db: Path, work: Path, **dbt_vars: object) -> Path:
    """A warehouse built from nothing with a copy of ``db``'s raw tables."""
    work.mkdir(parents=True)
    fresh = work / "work.duckdb"
    con = duckdb.connect(str(fresh))
    try:
        con.execute(f"ATTACH '{db}' AS kept (READ_ONLY)")
        con.execute("CREATE SCHEMA raw")
        for (table,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'kept'"
            " AND schema_name = 'raw'"
        ).fetchall():
            con.execute(f"CREATE TABLE raw.{table} AS SELECT * FROM kept.raw.{table}")
    finally:
        con.close()
    _run_dbt(fresh, work, "run", **dbt_vars)  # models only: the reference, not under test
    return fresh


def _differences(kept: Path, fresh: Path) -> dict[str, tuple[int, int]]:
    """Per model: rows only in the kept warehouse, rows only in the fresh one (multisets)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{kept}' AS kept (READ_ONLY)")
        con.execute(f"ATTACH '{fresh}' AS fresh (READ_ONLY)")
        found = {}
        for model in MODELS:
            left = f"SELECT * FROM kept.main.{model}"
            right = f"SELECT * FROM fresh.main.{model}"
            only_kept = con.execute(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchone()
            only_fresh = con.execute(f"SELECT count(*) FROM ({right} EXCEPT ALL {left})").fetchone()
            if only_kept[0] or only_fresh[0]:
                found[model] = (only_kept[0], only_fresh[0])
        return found
    finally:
        con.close()


def _recomputed(db: Path, model: str) -> set[str]:
    """The participants the last run recomputed in ``model``, as fixture letters."""
    rows = _rows(db, f"SELECT participant_key FROM dbt_state.changed__{model}")
    return {r["participant_key"].removeprefix("key-") for r in rows}


def _recomputed_programmes(db: Path, model: str) -> set[str]:
    """The programmes the last run recomputed in ``model`` (a programme-keyed aggregate)."""
    assert _mode(db, model) == "changed"
    return {r["programme_id"] for r in _rows(db, f"SELECT * FROM dbt_state.changed__{model}")}


def _mode(db: Path, model: str) -> str:
    """How the last run built ``model``: "changed" (what changed only) or "full"."""
    rows = _rows(db, "SELECT mode FROM dbt_state.built_settings WHERE model = ?", [model])
    assert len(rows) == 1, rows
    return rows[0]["mode"]


def _tests_scoped(work: Path, model: str) -> bool:
    """Whether every data test on ``model`` in the last run read only recomputed rows."""
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    compiled = [
        result["compiled_code"]
        for result in results
        if result["unique_id"].startswith("test.")
        and manifest["nodes"][result["unique_id"]].get("attached_node")
        == f"model.imdi_outcomes.{model}"
    ]
    assert compiled, model
    scoped = {f"dbt_state.changed__{model}" in code for code in compiled}
    assert len(scoped) == 1, (model, scoped)
    return scoped.pop()


def _participants(db: Path) -> set[str]:
    """The participants in fct_followup_status, each with its three horizons."""
    rows = _rows(
        db,
        "SELECT participant_key, count(*) AS horizons FROM main.fct_followup_status"
        " GROUP BY participant_key",
    )
    assert {r["horizons"] for r in rows} == {3}
    return {r["participant_key"].removeprefix("key-") for r in rows}


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("kept")
    db = base / "work.duckdb"
    con = duckdb.connect(str(db))
    try:
        _load_fixture(con)
    finally:
        con.close()
    _hold_back(db, tuple(u for step in STEPS for u in step))
    _run_dbt(db, base, "build", snapshot_quarters=4)
    return db


def test_each_step_recomputes_only_what_it_touches_and_equals_a_full_build(
    kept: Path, tmp_path: Path
) -> None:
    work = kept.parent
    # Before anything else arrives: the first build is whole and equals a full build.
    assert _differences(kept, _full_build(kept, tmp_path / "first", snapshot_quarters=4)) == {}
    before = _participants(kept)
    assert before == {"A", "B", "C", "D", "E", "G", "H", "I"}

    # p1b (2020-01-10): P1's 6-month rows of A, B, D (withdrawn with it), E and F's 0-month row.
    _release(kept, STEPS[0])
    _run_dbt(kept, work, "build", snapshot_quarters=4)
    for model in PARTICIPANT_MODELS:
        assert _recomputed(kept, model) == {"A", "B", "D", "E", "F"}, model
    for model in PROGRAMME_MODELS:
        assert _recomputed_programmes(kept, model) == {"P1"}, model
    # D is withdrawn now: its three horizons left fct_followup_status; F (first reported in p1b)
    # came with three.
    assert _participants(kept) == before - {"D"} | {"F"}
    assert _differences(kept, _full_build(kept, tmp_path / "p1b", snapshot_quarters=4)) == {}

    # reg2 (register correction for P1): no follow-up version, so no version is recomputed;
    # every P1 participant's grant year may come from the register, so all of P1 is.
    _release(kept, STEPS[1])
    _run_dbt(kept, work, "build", snapshot_quarters=4)
    assert _recomputed(kept, "int_followup_versions") == set()
    for model in PARTICIPANT_MODELS[1:]:
        assert _recomputed(kept, model) == {"A", "B", "C", "D", "E", "F"}, model
    assert _recomputed_programmes(kept, "fct_attainment") == {"P1"}  # its targets
    # The transitions do not read the register: nothing to recompute.
    assert _recomputed_programmes(kept, "fct_status_transitions") == set()
    assert _differences(kept, _full_build(kept, tmp_path / "reg2", snapshot_quarters=4)) == {}

    # The build before passed every test, so this one's tests of the incremental models look
    # at the participants (programmes) it recomputed only.
    for model in PARTICIPANT_MODELS + PROGRAMME_MODELS:
        assert _tests_scoped(work, model), model

    # p1e (B's 12-month correction) and p2b (G's 6-month row).
    _release(kept, STEPS[2])
    _run_dbt(kept, work, "build", snapshot_quarters=4)
    for model in PARTICIPANT_MODELS:
        assert _recomputed(kept, model) == {"B", "G"}, model
    for model in PROGRAMME_MODELS:
        assert _recomputed_programmes(kept, model) == {"P1", "P2"}, model
    assert _differences(kept, _full_build(kept, tmp_path / "p1e", snapshot_quarters=4)) == {}


def test_a_new_reference_date_recomputes_the_rows_that_fell_due(kept: Path, tmp_path: Path) -> None:
    work = kept.parent
    _release(kept, tuple(u for step in STEPS for u in step if not _released(kept, u)))
    _run_dbt(kept, work, "build", snapshot_quarters=4)

    # 2020-07-15 -> 2021-01-15: due dates in between are F's 12 months (2020-11-30) and the
    # 6 months of G and H (2020-07-31). Nothing else changed.
    _run_dbt(kept, work, "build", snapshot_quarters=4, reference_date="2021-01-15")
    assert _recomputed(kept, "fct_followup_status") == {"F", "G", "H"}
    assert _recomputed(kept, "dim_participants") == set()
    # The aggregates' groups turn final or overdue as the date moves, and every overdue row
    # counts its days from it: computed whole.
    for model in (*PROGRAMME_MODELS, "fct_overdue_followups"):
        assert _mode(kept, model) == "full", model
    fresh = _full_build(kept, tmp_path / "later", snapshot_quarters=4, reference_date="2021-01-15")
    assert _differences(kept, fresh) == {}

    # Back to 2020-03-01: everything due in (2020-03-01, 2021-01-15] - the 12 months of A, B, C
    # and E (2020-06-30), F's 6 and 12 months, the 6 months of G and H. D is withdrawn, I's
    # dates all lie before.
    _run_dbt(kept, work, "build", snapshot_quarters=4, reference_date="2020-03-01")
    assert _recomputed(kept, "fct_followup_status") == {"A", "B", "C", "E", "F", "G", "H"}
    fresh = _full_build(
        kept, tmp_path / "earlier", snapshot_quarters=4, reference_date="2020-03-01"
    )
    assert _differences(kept, fresh) == {}


def test_another_threshold_or_as_of_rebuilds_the_models_whole(kept: Path, tmp_path: Path) -> None:
    work = kept.parent
    _release(kept, tuple(u for step in STEPS for u in step if not _released(kept, u)))
    _run_dbt(kept, work, "build", snapshot_quarters=4)
    # A threshold of 60 makes B's 6-month job (60 %) full-time; a full build must say the same.
    _run_dbt(kept, work, "build", snapshot_quarters=4, full_time_threshold=60)
    settings = _rows(kept, "SELECT model, settings FROM dbt_state.built_settings ORDER BY model")
    assert {r["model"] for r in settings} == set(PARTICIPANT_MODELS + PROGRAMME_MODELS)
    assert all("full_time_threshold=60.0" in r["settings"] for r in settings)
    assert {_mode(kept, model) for model in PARTICIPANT_MODELS + PROGRAMME_MODELS} == {"full"}
    b6 = _rows(
        kept,
        "SELECT is_full_time FROM main.fct_followup_status"
        " WHERE participant_key = 'key-B' AND horizon_months = 6",
    )
    assert b6 == [{"is_full_time": True}]
    fresh = _full_build(kept, tmp_path / "sixty", snapshot_quarters=4, full_time_threshold=60)
    assert _differences(kept, fresh) == {}

    # as_of before p1e: B's 12-month correction disappears again, as in a full build.
    _run_dbt(kept, work, "build", snapshot_quarters=4, as_of="2020-06-10")
    fresh = _full_build(kept, tmp_path / "as_of", snapshot_quarters=4, as_of="2020-06-10")
    assert _differences(kept, fresh) == {}
    b12 = _rows(
        kept,
        "SELECT status FROM main.fct_followup_status"
        " WHERE participant_key = 'key-B' AND horizon_months = 12",
    )
    assert b12 == [{"status": "unemployed"}]


def _released(db: Path, upload: str) -> bool:
    rows = _rows(
        db,
        "SELECT count(*) AS n FROM (SELECT upload_id FROM raw.raw_followups UNION ALL"
        " SELECT upload_id FROM raw.raw_programme_register) WHERE upload_id = ?",
        [upload],
    )
    return rows[0]["n"] > 0


def test_after_a_failed_test_the_next_builds_test_every_row(kept: Path, tmp_path: Path) -> None:
    work = kept.parent
    _release(kept, tuple(u for step in STEPS for u in step if not _released(kept, u)))
    _run_dbt(kept, work, "build", snapshot_quarters=4)
    _run_dbt(kept, work, "build", snapshot_quarters=4)
    assert _tests_scoped(work, "fct_followup_status")  # nothing recomputed, nothing tested

    # A row of I (P2) that breaks an invariant of fct_followup_status. `dbt test` tests every
    # row and fails; it records that not every test passed.
    con = duckdb.connect(str(kept))
    try:
        con.execute(
            "UPDATE main.fct_followup_status SET is_unknown = is_known"
            " WHERE participant_key = 'key-I' AND horizon_months = 0"
        )
    finally:
        con.close()
    _run_dbt(kept, work, "test", snapshot_quarters=4, expect_success=False)

    # Nothing new arrives, yet the next build tests every row, finds I and fails - and so
    # does the one after it, until the row is right again.
    for _ in range(2):
        _run_dbt(kept, work, "build", snapshot_quarters=4, expect_success=False)
        assert not _tests_scoped(work, "fct_followup_status")
    # Another threshold recomputes every row (a full build, every row tested): I is right again
    # and the build passes; the build after it may test the recomputed rows only again.
    _run_dbt(kept, work, "build", snapshot_quarters=4, full_time_threshold=99)
    assert not _tests_scoped(work, "fct_followup_status")
    _run_dbt(kept, work, "build", snapshot_quarters=4, full_time_threshold=99)
    assert _tests_scoped(work, "fct_followup_status")
