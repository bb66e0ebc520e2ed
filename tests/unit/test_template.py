"""The Excel template: generated from the contract, and what a leader fills in is accepted."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from pipelines.contracts import codelists, contract
from pipelines.ingest.intake import read_table
from pipelines.ingest.template import (
    CODES_SHEET,
    DATA_SHEET,
    DUE_SHEET,
    GUIDE_SHEET,
    build_followup_template,
    due_summary,
)
from pipelines.ingest.validation import validate_table
from tests.helpers import list_values

PROGRAMME = "MENTOR-OSLO"
SPEC = contract("participant_followup")


def known_rows() -> pd.DataFrame:
    """fct_followup_status-like rows: two cohorts, some reported, some overdue, some not due."""
    rows = []
    for key, cohort, end, states in [
        ("k1", "2018-1", date(2018, 11, 30), ["reported", "reported", "overdue"]),
        ("k2", "2018-1", date(2018, 11, 30), ["reported", "overdue", "overdue"]),
        ("k3", "2019-1", date(2019, 11, 30), ["reported", "reported", "not_due"]),
    ]:
        for horizon, state in zip((0, 6, 12), states, strict=True):
            due = pd.Timestamp(end) + pd.DateOffset(months=horizon)
            rows.append(
                {
                    "participant_key": key,
                    "cohort": cohort,
                    "horizon_months": horizon,
                    "due_date": due.date(),
                    "follow_up_state": state,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def workbook() -> openpyxl.Workbook:
    data = build_followup_template(PROGRAMME, known_rows(), as_of=date(2020, 6, 30))
    return openpyxl.load_workbook(io.BytesIO(data))


def test_data_sheet_comes_first_with_the_contracts_norwegian_headers(workbook):
    # The intake reads the first visible sheet with cells, so the data sheet must lead.
    assert workbook.sheetnames == [DATA_SHEET, GUIDE_SHEET, DUE_SHEET, CODES_SHEET]
    ws = workbook[DATA_SHEET]
    header = [cell.value for cell in ws[1]]
    assert header == [c.label_nb for c in SPEC.columns]


def _validations(workbook) -> dict[str, object]:
    """Column letter -> its data validation on the data sheet."""
    ws = workbook[DATA_SHEET]
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(cell_range.coord)
            assert (min_row, max_row) == (2, 1001)
            for col in range(min_col, max_col + 1):
                found[col] = dv
    return found


def test_every_code_column_has_a_drop_down_of_its_code_list(workbook):
    validations = _validations(workbook)
    code_columns = [(pos, c) for pos, c in enumerate(SPEC.columns, start=1) if c.codelist]
    assert len(code_columns) >= 10
    for pos, column in code_columns:
        dv = validations[pos]
        assert dv.type == "list", column.name
        assert dv.formula1.startswith(f"'{CODES_SHEET}'!")
        assert list_values(workbook, dv.formula1) == list(
            codelists()[column.codelist].codes.values()
        ), column.name


def test_programme_and_known_cohorts_are_offered_as_choices(workbook):
    validations = _validations(workbook)
    programme = validations[1]
    assert programme.type == "list" and programme.formula1 == f'"{PROGRAMME}"'
    cohort = validations[2]
    assert list_values(workbook, cohort.formula1) == ["2018-1", "2019-1"]
    # A new cohort is allowed: the check only informs.
    assert cohort.errorStyle == "information"


def test_input_hints_formats_and_limits_come_from_the_contract(workbook):
    ws = workbook[DATA_SHEET]
    validations = _validations(workbook)
    for pos, column in enumerate(SPEC.columns, start=1):
        dv = validations[pos]
        assert dv.showInputMessage and dv.prompt, column.name
        assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
        if column.description_nb and column.name != "programme_id":
            assert column.description_nb[:40] in dv.prompt
        header_comment = ws.cell(row=1, column=pos).comment.text
        assert ("Påkrevd" if column.required else "Valgfri") in header_comment
        fmt = ws.cell(row=2, column=pos).number_format
        if column.type == "date":
            assert dv.type == "date"
            assert fmt == "DD.MM.YYYY"
        elif column.type in ("string", "text"):
            assert fmt == "@"  # keeps "007" a text reference
    position = validations[[c.name for c in SPEC.columns].index("position_pct") + 1]
    assert (position.type, position.formula1, position.formula2) == ("decimal", "1", "100")


def test_instructions_sheet_explains_in_norwegian(workbook):
    ws = workbook[GUIDE_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert PROGRAMME in text
    assert "fødselsnummer" in text
    assert "rettelse" in text and "Trukket" in text
    assert "pseudonym" in text
    for column in SPEC.columns:
        assert column.label_nb in text


def test_due_sheet_counts_follow_ups_without_naming_participants(workbook):
    ws = workbook[DUE_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert rows[0][:2] == ["2018-1", "ved programslutt"]
    by_key = {(r[0], r[1]): r[3:6] for r in rows}
    assert by_key[("2018-1", "12 måneder etter")] == [0, 2, 0]
    assert by_key[("2018-1", "6 måneder etter")] == [1, 1, 0]
    assert by_key[("2019-1", "12 måneder etter")] == [0, 0, 1]
    everything = " ".join(str(c.value) for s in workbook for row in s.iter_rows() for c in row)
    assert "k1" not in everything.split()


def test_due_summary_of_nothing_is_empty():
    assert due_summary(None).empty
    assert due_summary(pd.DataFrame(columns=["cohort"])).empty


def _fill(template: bytes, rows: list[list[object]]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    ws = workbook[DATA_SHEET]
    names = [c.name for c in SPEC.columns]
    for offset, values in enumerate(rows, start=2):
        for name, value in zip(names, values, strict=True):
            if value is not None:
                ws.cell(row=offset, column=names.index(name) + 1, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(ref: str, horizon: str, status: str, **values: object) -> list[object]:
    """A row as a leader fills it: drop-down labels, real Excel dates."""
    row = {
        "programme_id": PROGRAMME,
        "cohort": "2018-1",
        "participant_ref": ref,
        "programme_start": datetime(2018, 2, 1),
        "programme_end": datetime(2018, 11, 30),
        "exit_reason": "fullført",
        "horizon_months": horizon,
        "observed_on": datetime(2019, 5, 31),
        "status": status,
        **values,
    }
    return [row.get(c.name) for c in SPEC.columns]


def test_a_filled_template_round_trips_through_intake_and_the_contract_check():
    template = build_followup_template(PROGRAMME, known_rows())
    filled = _fill(
        template,
        [
            _row(
                "007",
                "6 måneder etter",
                "i jobb",
                job_relevance="relevant",
                position_pct=80,
                contract_type="fast",
                via_programme="ja",
                grant_year=2018,
                birth_year=1985,
                gender="kvinne",
                education_level="master",
                education_country="Syria",
            ),
            _row(
                "008",
                "6 måneder etter",
                "selvstendig næringsdrivende",
                job_relevance="delvis relevant",
                business_has_revenue="nei",
            ),
            _row("009", "6 måneder etter", "arbeidsledig", comment="Søker jobb"),
            _row("010", "ved programslutt", "ukjent", observed_on=None, withdrawn="ja"),
        ],
    )
    table = read_table(filled)
    assert table.sheet == DATA_SHEET
    result = validate_table(table, date(2020, 6, 30), claimed_programme_id=PROGRAMME)
    errors = result.issues[result.issues["severity"] == "error"]
    assert errors.empty, errors.to_dict("records")
    assert result.contract.name == "participant_followup"
    assert result.outcome == "accepted" and len(result.accepted) == 4
    first = result.accepted.iloc[0]
    assert first["participant_ref"] == "007"
    assert first["horizon_months"] == 6 and first["status"] == "employed"
    assert first["programme_end"] == date(2018, 11, 30)
    assert first["position_pct"] == "80" and first["via_programme"] == "yes"
    assert result.accepted.iloc[3]["withdrawn"] == "yes"


def test_an_unfilled_template_is_rejected_as_having_no_rows():
    result = validate_table(read_table(build_followup_template(PROGRAMME)), date(2020, 6, 30))
    assert result.file_error is not None and result.file_error.code == "no_rows"
