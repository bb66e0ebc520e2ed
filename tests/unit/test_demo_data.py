"""The demo generator: reproducible, shaped like IMDi's scheme, and readable by the ingest."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.contracts import contract, normalise_label
from pipelines.demo import generator as demo_data
from pipelines.demo.generator import PROGRAMMES_PER_GRANT_YEAR, DemoFile, DemoManifest, generate
from pipelines.ingest.intake import read_table
from pipelines.ingest.privacy import contains_national_id
from pipelines.ingest.validation import parse_dates, resolve_codes, validate_table

REFERENCE = date(2020, 6, 30)
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate(tmp_path_factory.mktemp("demo"), reference_date=REFERENCE)


@pytest.fixture(scope="module")
def followups(default_run: DemoManifest) -> pd.DataFrame:
    """All follow-up rows of the default run with their file's arrival, typed by the contract
    check's own parsers (read here without the ingest's per-file overhead, to keep this fast)."""
    spec = contract("participant_followup")
    lookup = spec.header_lookup
    frames = []
    for demo_file in default_run.of_kind("followup"):
        header, rows = _cells(demo_file)
        names = [lookup.get(normalise_label(h)) for h in header]
        frame = pd.DataFrame(rows, columns=names, dtype=object)
        frame = frame[
            ["programme_id", "participant_ref", "programme_end", "horizon_months", "status"]
        ]
        frames.append(frame.assign(arrived_on=demo_file.arrived_on, file=demo_file.path.name))
    rows = pd.concat(frames, ignore_index=True)
    rows["programme_end"], bad_dates = parse_dates(rows["programme_end"])
    rows["horizon_months"], bad_codes = resolve_codes(
        rows["horizon_months"], spec.column("horizon_months")
    )
    rows["status"], bad_status = resolve_codes(rows["status"], spec.column("status"))
    assert not (bad_dates.any() or bad_codes.any() or bad_status.any())
    return rows


def _cells(demo_file: DemoFile) -> tuple[list[str], list[list[str | None]]]:
    """Header and cells as text: dates from Excel as ISO, numbers without a trailing .0."""
    if demo_file.encoding is None:
        workbook = openpyxl.load_workbook(demo_file.path, read_only=True)
        values = [list(r) for r in workbook.active.iter_rows(values_only=True)]
        workbook.close()
        width = len(values[0])
        # Read-only openpyxl leaves trailing empty cells out of a row.
        text = [[_text(v) for v in row] + [None] * (width - len(row)) for row in values]
    else:
        content = demo_file.path.read_text(encoding=demo_file.encoding)
        delimiter = ";" if ";" in content.splitlines()[0] else ","
        text = [
            [v or None for v in row]
            for row in csv.reader(io.StringIO(content), delimiter=delimiter)
        ]
    return [str(h) for h in text[0]], text[1:]


def _text(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def _contents(manifest: DemoManifest) -> dict[str, bytes]:
    return {f.path.name: f.path.read_bytes() for f in manifest.files}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", participants=150, seed=5)
    second = generate(tmp_path / "b", participants=150, seed=5)
    assert _contents(first) == _contents(second)
    assert [(f.path.name, f.arrived_on) for f in first.files] == [
        (f.path.name, f.arrived_on) for f in second.files
    ]
    assert any(f.path.suffix == ".xlsx" for f in first.files)


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", participants=150, seed=5)
    other = generate(tmp_path / "b", participants=150, seed=6)
    assert _contents(first) != _contents(other)


def test_default_size_funds_imdis_number_of_programmes_per_grant_year(
    default_run: DemoManifest,
) -> None:
    register = contract("programme_register")
    id_label = register.column("programme_id").label_nb
    year_label = register.column("grant_year").label_nb
    funded: dict[int, set[str]] = defaultdict(set)
    for demo_file in default_run.of_kind("register"):
        assert demo_file.path.suffix == ".xlsx"
        workbook = openpyxl.load_workbook(demo_file.path, read_only=True)
        rows = list(workbook.active.iter_rows(values_only=True))
        workbook.close()
        header = list(rows[0])
        for row in rows[1:]:
            funded[int(row[header.index(year_label)])].add(row[header.index(id_label)])
    counts = {year: len(ids) for year, ids in funded.items()}
    assert {y: counts[y] for y in range(2014, 2019)} == {
        y: PROGRAMMES_PER_GRANT_YEAR[y] for y in range(2014, 2019)
    }
    assert 1 <= counts[2019] <= 6
    assert 12 <= default_run.programmes <= 17


def test_files_arrive_in_order_and_never_after_the_reference_date(
    default_run: DemoManifest,
) -> None:
    arrivals = [f.arrived_on for f in default_run.files]
    assert arrivals == sorted(arrivals)
    assert all(a.tzinfo is not None for a in arrivals)
    assert max(arrivals).date() <= REFERENCE
    assert Counter(f.kind for f in default_run.files).keys() == {
        "register",
        "status_report",
        "followup",
    }


def test_followups_never_arrive_before_they_are_due(followups: pd.DataFrame) -> None:
    due = [
        pd.Timestamp(end) + pd.DateOffset(months=int(h))
        for end, h in zip(followups["programme_end"], followups["horizon_months"], strict=True)
    ]
    early = followups[
        [d.date() > a.date() for d, a in zip(due, followups["arrived_on"], strict=True)]
    ]
    assert early.empty, early["file"].unique()


def test_late_followups_gaps_and_corrections_are_all_there(followups: pd.DataFrame) -> None:
    key = ["programme_id", "participant_ref", "horizon_months"]
    versions = followups.sort_values("arrived_on", kind="stable").groupby(key)["status"]
    reported_twice = versions.size() > 1
    assert reported_twice.any(), "some participants are re-reported by a later file"
    changed = versions.first()[reported_twice] != versions.last()[reported_twice]
    assert changed.any(), "some corrections change the status"
    per_horizon = followups.groupby("horizon_months").size()
    assert per_horizon[12] < per_horizon[6] < per_horizon[0]


def test_scaled_plan_has_the_requested_number_of_participants(tmp_path: Path) -> None:
    manifest = generate(tmp_path, participants=2000)
    assert abs(manifest.participants - 2000) <= 200
    followup_rows = sum(f.rows for f in manifest.of_kind("followup"))
    assert manifest.participants < followup_rows < 3.3 * manifest.participants


def test_bulk_size_writes_few_large_multi_programme_csv_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The benchmark sizes take seconds; the same code path runs here on a small plan.
    monkeypatch.setattr(demo_data, "BULK_FROM_PARTICIPANTS", 3000)
    monkeypatch.setattr(demo_data, "BULK_FILE_ROWS", 100)
    manifest = generate(tmp_path, participants=3000)
    followups = manifest.of_kind("followup")
    assert manifest.participants == 3000
    assert all(f.path.suffix == ".csv" and f.programme_id is None for f in followups)
    assert sum(f.rows for f in followups) / len(followups) > 30  # a delivery is ~10 rows
    assert max(f.rows for f in followups) < 2 * 100  # cut at a delivery boundary
    assert any("_del2" in f.path.name for f in followups)
    assert max(f.arrived_on for f in manifest.files).date() <= REFERENCE


def test_encodings_are_what_the_manifest_says(default_run: DemoManifest) -> None:
    by_encoding: dict[str | None, list[bytes]] = defaultdict(list)
    for demo_file in default_run.files:
        by_encoding[demo_file.encoding].append(demo_file.path.read_bytes())
    assert by_encoding.keys() == {None, "cp1252", "utf-8-sig", "utf-8"}
    for data in by_encoding["cp1252"]:
        assert not data.startswith(b"\xef\xbb\xbf")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "ø" in data.decode("cp1252")
    for data in by_encoding["utf-8-sig"]:
        assert data.startswith(b"\xef\xbb\xbf")
        assert "ø" in data.decode("utf-8-sig")
    for data in by_encoding["utf-8"]:
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")
    for data in by_encoding[None]:
        assert data.startswith(b"PK\x03\x04")


def test_no_cell_looks_like_a_national_id_number(default_run: DemoManifest) -> None:
    for demo_file in default_run.files:
        if demo_file.encoding is None:
            with zipfile.ZipFile(demo_file.path) as archive:
                text = " ".join(
                    archive.read(name).decode("utf-8")
                    for name in archive.namelist()
                    if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"
                )
        else:
            text = demo_file.path.read_text(encoding=demo_file.encoding)
        assert not ELEVEN_DIGITS.search(text), demo_file.path.name
        assert not contains_national_id(text), demo_file.path.name


def test_every_kind_of_file_passes_the_contract_check(default_run: DemoManifest) -> None:
    samples = {}
    for demo_file in default_run.files:
        samples.setdefault((demo_file.kind, demo_file.encoding), demo_file)
    samples["correction"] = next(f for f in default_run.files if f.path.stem.endswith("_rettet"))
    assert len(samples) == 9
    for demo_file in samples.values():
        result = validate_table(
            read_table(demo_file.path.read_bytes()),
            demo_file.arrived_on.date(),
            demo_file.programme_id,
        )
        errors = result.issues[result.issues["severity"] == "error"]
        assert errors.empty, (demo_file.path.name, errors.to_dict("records"))
        assert len(result.accepted) == demo_file.rows
