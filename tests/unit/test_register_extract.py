"""Issue 14: the register extract on employment - its contract, and the demo's synthetic one,
keyed with the warehouse's own pseudonym so its keys meet the follow-ups' keys."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from pipelines.contracts import contract, normalise_label
from pipelines.demo.generator import REGISTER_EXTRACT_PROGRAMMES, DemoManifest, generate
from pipelines.ingest.intake import read_table
from pipelines.ingest.privacy import pseudonymise
from pipelines.ingest.validation import validate_table
from tests.helpers import csv_bytes

KEY = b"test-key-for-the-register-extract"
RECEIVED = date(2020, 6, 20)
HEADER = ["Program-ID", "Deltakernøkkel", "Referansemåned", "I arbeid", "Stillingsprosent"]


def grouped(hex_key: str) -> str:
    return "-".join(hex_key[i : i + 4] for i in range(0, 32, 4))


def test_a_register_file_is_recognised_and_checked_against_its_contract() -> None:
    key = pseudonymise(KEY, "P1", "001")
    rows = [
        HEADER,
        ["P1", grouped(key), "2020-06", "ja", "80"],
        ["P1", grouped(pseudonymise(KEY, "P1", "002")), "2020-06", "nei", ""],
        ["P1", key, "2020-06", "ja", "100"],  # not in groups of four
        ["P1", grouped(pseudonymise(KEY, "P1", "003")), "2020-13", "ja", "100"],  # no month 13
    ]
    result = validate_table(read_table(csv_bytes(rows)), RECEIVED, None)
    assert result.contract.name == "register_employment"
    assert list(result.accepted.index) == [2, 3]
    assert list(result.accepted["employed"]) == ["yes", "no"]
    rejected = result.issues[result.issues["severity"] == "error"]
    assert sorted(zip(rejected["source_row"], rejected["column_name"], strict=True)) == [
        (4, "participant_key"),
        (5, "reference_month"),
    ]


def test_a_programme_cannot_upload_a_register_extract() -> None:
    rows = [HEADER, ["P1", grouped(pseudonymise(KEY, "P1", "001")), "2020-06", "ja", "80"]]
    result = validate_table(read_table(csv_bytes(rows)), RECEIVED, claimed_programme_id="P1")
    assert result.outcome == "rejected" and result.accepted.empty
    assert result.file_error is not None and result.file_error.code == "not_from_programmes"
    assert "Registerutdrag om arbeid" in result.file_error.message_nb


def test_the_contract_never_asks_for_a_reference_or_an_identity_number() -> None:
    spec = contract("register_employment")
    assert spec.column_names == [
        "programme_id",
        "participant_key",
        "reference_month",
        "employed",
        "position_pct",
        "permanent",
    ]
    assert not any(c.pseudonymise for c in spec.columns)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate(tmp_path_factory.mktemp("demo"), pseudonym_key=KEY)


def _rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_demo_extract_is_keyed_like_the_warehouse_and_passes_its_contract(
    demo: DemoManifest,
) -> None:
    (extract,) = demo.of_kind("register_employment")
    data = extract.path.read_bytes()
    result = validate_table(read_table(data), extract.arrived_on.date(), None)
    assert result.contract.name == "register_employment"
    assert result.outcome == "accepted" and result.issues.empty
    rows = _rows(extract.path)
    programmes = sorted({r["programme_id"] for r in rows})
    assert len(programmes) == REGISTER_EXTRACT_PROGRAMMES
    # Every key is the warehouse's pseudonym of a participant reference the programme sent.
    refs: dict[str, set[str]] = {p: set() for p in programmes}
    spec = contract("participant_followup")
    for item in demo.of_kind("followup"):
        if item.programme_id not in refs:
            continue
        table = read_table(item.path.read_bytes())
        column = next(
            i
            for i, h in enumerate(table.header)
            if spec.header_lookup.get(normalise_label(h)) == "participant_ref"
        )
        refs[item.programme_id].update(table.frame.iloc[:, column].dropna().astype(str))
    expected = {
        grouped(pseudonymise(KEY, programme, ref))
        for programme, members in refs.items()
        for ref in members
    }
    keys = {r["participant_key"] for r in rows}
    assert keys <= expected
    # Most reported participants are in the extract (a few never had a follow-up due).
    assert len(keys) >= 0.9 * len(expected)


def test_the_demo_extract_is_the_same_for_the_same_seed_and_key(
    demo: DemoManifest, tmp_path
) -> None:
    again = generate(tmp_path, pseudonym_key=KEY)
    (first,) = demo.of_kind("register_employment")
    (second,) = again.of_kind("register_employment")
    assert first.path.read_bytes() == second.path.read_bytes()
    # Without the key, no extract (nothing to key it with).
    assert not generate(tmp_path / "nokey").of_kind("register_employment")
