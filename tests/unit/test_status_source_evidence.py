"""Issue 14: who gave a follow-up's status (status_source) and what backs it (evidence) - two
optional contract columns. Files without them (the shape before) stay valid unchanged; files
with them take codes, Norwegian labels or aliases; the Excel template offers both as drop-downs;
a warehouse whose raw table predates them gains them without losing rows."""

from __future__ import annotations

import io
from datetime import date

import duckdb
import openpyxl
import pandas as pd
from openpyxl.utils import range_boundaries

from pipelines.contracts import codelists, contract
from pipelines.ingest.intake import read_table
from pipelines.ingest.template import CODES_SHEET, DATA_SHEET, build_followup_template
from pipelines.ingest.validation import validate_table
from pipelines.warehouse.raw import ensure_raw_tables
from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, followup_row, list_values

RECEIVED = date(2020, 1, 15)
SPEC = contract("participant_followup")


def check(rows):
    return validate_table(read_table(csv_bytes(rows)), RECEIVED, None)


def test_the_two_columns_are_optional_codes_with_norwegian_labels():
    source, evidence = SPEC.column("status_source"), SPEC.column("evidence")
    assert (source.type, source.codelist, source.required) == ("code", "status_source", False)
    assert (evidence.type, evidence.codelist, evidence.required) == ("code", "evidence", False)
    assert codelists()["status_source"].codes == {
        "programme": "programmet",
        "participant": "deltakeren",
        "employer": "arbeidsgiver",
        "register": "register",
    }
    assert set(codelists()["evidence"].codes) >= {
        "employment_contract",
        "payslip",
        "participant_confirmation",
        "none",
    }


def test_a_file_in_the_old_shape_is_accepted_unchanged():
    # FOLLOWUP_HEADER_NB is the header used before issue 14: neither column is there.
    assert "Kilde for status" not in FOLLOWUP_HEADER_NB
    result = check([FOLLOWUP_HEADER_NB, followup_row("A1"), followup_row("A2", status="ledig")])
    assert result.outcome == "accepted" and result.issues.empty
    # Not given: empty, so staging makes the source 'programme' and leaves evidence null.
    assert result.accepted["status_source"].isna().all()
    assert result.accepted["evidence"].isna().all()


def test_labels_and_aliases_resolve_to_codes_and_unknown_values_are_rejected():
    header = [*FOLLOWUP_HEADER_NB, "Kilde for status", "Dokumentasjon"]
    result = check(
        [
            header,
            [*followup_row("A1"), "arbeidsgiver", "lønnsslipp"],  # Norwegian labels
            [*followup_row("A2"), "deltaker", "arbeidsavtale"],  # aliases
            [*followup_row("A3"), "register", "none"],  # codes
            [*followup_row("A4"), "", ""],  # empty: not given
            [*followup_row("A5"), "naboen", ""],  # not in the code list
        ]
    )
    accepted = result.accepted
    assert list(accepted.loc[[2, 3, 4], "status_source"]) == ["employer", "participant", "register"]
    assert list(accepted.loc[[2, 3, 4], "evidence"]) == ["payslip", "employment_contract", "none"]
    assert pd.isna(accepted.loc[5, "status_source"]) and pd.isna(accepted.loc[5, "evidence"])
    assert 6 not in accepted.index
    issue = result.issues[result.issues["source_row"] == 6].iloc[0]
    assert (issue["column_name"], issue["value"], issue["severity"]) == (
        "status_source",
        "naboen",
        "error",
    )
    assert "Kilde for status" in issue["message_nb"]


def test_the_template_offers_both_code_lists_as_drop_downs():
    data = build_followup_template("MENTOR-OSLO", pd.DataFrame(), as_of=date(2020, 6, 30))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    ws = workbook[DATA_SHEET]
    header = [cell.value for cell in ws[1]]
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            min_col, _, max_col, _ = range_boundaries(cell_range.coord)
            for col in range(min_col, max_col + 1):
                found[header[col - 1]] = dv
    source = found["Kilde for status"]
    assert source.formula1.startswith(f"'{CODES_SHEET}'!")
    assert list_values(workbook, source.formula1) == [
        "programmet",
        "deltakeren",
        "arbeidsgiver",
        "register",
    ]
    evidence = list_values(workbook, found["Dokumentasjon"].formula1)
    assert evidence[0] == "arbeidskontrakt" and "lønnsslipp" in evidence
    assert "ingen dokumentasjon" in evidence


def test_a_raw_table_made_before_the_columns_gains_them_and_keeps_its_rows():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    # The old DDL: every column of the contract but the two new ones.
    old = [c for c in SPEC.columns if c.name not in ("status_source", "evidence")]
    columns = ", ".join(f"{c.stored_name} {c.sql_type}" for c in old)
    con.execute(
        f"CREATE TABLE raw.raw_followups ({columns}, upload_id VARCHAR NOT NULL, "
        "source_row INTEGER NOT NULL, reported_at TIMESTAMP NOT NULL)"
    )
    con.execute(
        "INSERT INTO raw.raw_followups (programme_id, participant_key, status, upload_id, "
        "source_row, reported_at) VALUES ('P1', 'k1', 'employed', 'u0', 2, TIMESTAMP '2019-01-01')"
    )
    ensure_raw_tables(con)
    ensure_raw_tables(con)  # twice: nothing more happens
    rows = con.execute(
        "SELECT programme_id, status, status_source, evidence FROM raw.raw_followups"
    ).fetchall()
    assert rows == [("P1", "employed", None, None)]
