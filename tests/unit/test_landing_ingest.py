"""Landing zone and raw ingest against a real DuckDB file: idempotent, append-only, nothing lost."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from pipelines.ingest.landing import land_bytes, landed_files, safe_display_name, sweep_inbox
from pipelines.ingest.raw_load import ingest_pending
from pipelines.settings import Paths
from pipelines.warehouse.raw import connect
from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, followup_row, valid_national_id

KEY = b"test-key"


@pytest.fixture
def paths(tmp_path) -> Paths:
    return Paths(tmp_path / "imdi").ensure()


def at(day: int) -> datetime:
    return datetime(2020, 1, day, 9, 0, tzinfo=UTC)


def counts(paths: Paths) -> dict[str, int]:
    con = connect(paths.warehouse)
    try:
        return {
            table: con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
            for table in ("raw_followups", "raw_uploads", "raw_rejections")
        }
    finally:
        con.close()


def ingest(paths: Paths):
    con = connect(paths.warehouse)
    try:
        return ingest_pending(con, paths, KEY)
    finally:
        con.close()


def test_same_bytes_land_once_and_ingest_once(paths):
    data = csv_bytes(
        [FOLLOWUP_HEADER_NB, followup_row("A1"), followup_row("A2")], encoding="cp1252"
    )
    first = land_bytes(paths, data, "oppfølging.csv", "cli", received_at=at(1))
    again = land_bytes(paths, data, "kopi.csv", "portal", received_at=at(5))
    assert first.is_new and not again.is_new
    assert again.landed.received_at == first.landed.received_at  # the first arrival counts
    stored = paths.landing / "files" / first.landed.upload_id
    assert stored.read_bytes() == data
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0  # read-only for ordinary users
    assert oct(stored.stat().st_mode & 0o777) == "0o444"

    assert [s.rows_accepted for s in ingest(paths)] == [2]
    before = counts(paths)
    assert ingest(paths) == []  # re-running changes nothing
    assert counts(paths) == before == {"raw_followups": 2, "raw_uploads": 1, "raw_rejections": 0}


def test_rows_are_stamped_and_pseudonymised(paths):
    data = csv_bytes([FOLLOWUP_HEADER_NB, followup_row("DELTAKER-7")])
    landed = land_bytes(paths, data, "f.csv", "cli", received_at=at(3)).landed
    ingest(paths)
    con = connect(paths.warehouse)
    row = con.execute(
        "SELECT participant_key, upload_id, source_row, reported_at, position_pct FROM raw.raw_followups"
    ).fetchone()
    con.close()
    assert "DELTAKER" not in row[0] and len(row[0]) == 32
    assert row[1:4] == (landed.upload_id, 2, datetime(2020, 1, 3, 9, 0))
    assert float(row[4]) == 100.0
    # the programme's own reference is nowhere in the warehouse file
    assert b"DELTAKER-7" not in paths.warehouse.read_bytes()


def test_bad_file_kept_with_its_report_and_nothing_stored_changes(paths):
    good = csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1")])
    land_bytes(paths, good, "god.csv", "cli", received_at=at(1))
    ingest(paths)
    before = counts(paths)
    bad = b"%PDF-1.4 not a spreadsheet"
    landed = land_bytes(paths, bad, "rapport.pdf", "cli", received_at=at(2)).landed
    [summary] = ingest(paths)
    assert summary.outcome == "rejected" and "PDF" in summary.message_nb
    assert (paths.landing / "files" / landed.upload_id).read_bytes() == bad  # kept
    after = counts(paths)
    assert after["raw_followups"] == before["raw_followups"]
    assert after["raw_uploads"] == before["raw_uploads"] + 1
    assert after["raw_rejections"] == before["raw_rejections"] + 1


def test_partly_bad_file_valid_rows_in_rejected_rows_reported(paths):
    data = csv_bytes(
        [
            FOLLOWUP_HEADER_NB,
            followup_row("A1"),
            followup_row("A2", status="jobbing"),
            followup_row("A3"),
        ]
    )
    land_bytes(paths, data, "delvis.csv", "cli", received_at=at(1))
    [summary] = ingest(paths)
    assert (summary.outcome, summary.rows_accepted, summary.rows_rejected) == (
        "partly_accepted",
        2,
        1,
    )
    con = connect(paths.warehouse)
    rejection = con.execute(
        "SELECT source_row, column_name, value, rule FROM raw.raw_rejections"
    ).fetchall()
    con.close()
    assert rejection == [(3, "status", "jobbing", "code")]


def test_file_with_national_id_is_refused_and_its_bytes_never_stored(paths):
    nid = valid_national_id()
    data = csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1"), followup_row(nid)])
    result = land_bytes(paths, data, "med-fnr.csv", "portal", received_at=at(1))
    assert result.landed.refused["cells"] == [[3, 2]]
    assert not (paths.landing / "files" / result.landed.upload_id).exists()
    [summary] = ingest(paths)
    assert summary.outcome == "refused"
    everything = b"".join(p.read_bytes() for p in paths.home.rglob("*") if p.is_file())
    assert nid.encode() not in everything
    con = connect(paths.warehouse)
    assert con.execute(
        "SELECT source_row, column_name, value FROM raw.raw_rejections WHERE rule = 'national_id' AND source_row IS NOT NULL"
    ).fetchall() == [(3, "Deltakerreferanse", "***********")]
    con.close()


def test_drop_folder_files_are_landed_and_removed_from_the_inbox(paths):
    (paths.inbox / "fil.csv").write_bytes(csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1")]))
    (paths.inbox / ".skjult").write_bytes(b"ignored")
    results = sweep_inbox(paths)
    assert [r.landed.original_name for r in results] == ["fil.csv"]
    assert [f.channel for f in landed_files(paths)] == ["dropfolder"]
    assert sorted(p.name for p in paths.inbox.iterdir()) == [".skjult"]


def test_files_are_processed_in_arrival_order_whatever_their_names(paths):
    land_bytes(
        paths, csv_bytes([FOLLOWUP_HEADER_NB, followup_row("B")]), "b.csv", "cli", received_at=at(9)
    )
    land_bytes(
        paths, csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A")]), "a.csv", "cli", received_at=at(2)
    )
    assert [s.original_name for s in ingest(paths)] == ["a.csv", "b.csv"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\fil.xlsx", "fil.xlsx"),
        ("a\x00b.csv", "ab.csv"),
        ("", "uten-navn"),
    ],
)
def test_uploaded_names_are_never_paths(name, shown):
    assert safe_display_name(name) == shown
