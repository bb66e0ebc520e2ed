"""Small builders for test files in the shapes Norwegian offices send."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from pipelines.contracts import contract
from pipelines.ingest.privacy import _W1, _W2, _control_digit
from pipelines.ingest.template import DATA_SHEET


def valid_national_id(birth: str = "010190", individual: int = 100) -> str:
    """The first valid fødselsnummer for a birth date at or after an individual number."""
    for ind in range(individual, 1000):
        digits = [int(c) for c in f"{birth}{ind:03d}"]
        k1 = _control_digit(digits, _W1)
        if k1 is None:
            continue
        k2 = _control_digit([*digits, k1], _W2)
        if k2 is None:
            continue
        return f"{birth}{ind:03d}{k1}{k2}"
    raise ValueError("no valid number")


def csv_bytes(
    rows: list[list[object]], sep: str = ";", encoding: str = "utf-8", bom: bool = False
) -> bytes:
    text = "\r\n".join(sep.join("" if v is None else str(v) for v in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list[object]], sheet: str = "Oppfølging") -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FOLLOWUP_HEADER_NB = [
    "Program-ID",
    "Pulje",
    "Deltakerreferanse",
    "Programstart",
    "Programslutt",
    "Avslutningsårsak",
    "Oppfølgingstidspunkt (mnd)",
    "Observert dato",
    "Status",
    "Relevans for kompetansen",
    "Stillingsprosent",
    "Ansettelsesform",
    "Kommentar",
]


def followup_row(
    ref: str,
    horizon: int = 0,
    status: str = "i jobb",
    relevance: str | None = "relevant",
    pct: str | None = "100",
    contract: str | None = "fast",
    programme: str = "MENTOR-OSLO",
    cohort: str = "2018-1",
    start: str = "01.02.2018",
    end: str = "30.11.2018",
    observed: str | None = None,
    exit_reason: str = "fullført",
    comment: str | None = None,
) -> list[object]:
    if observed is None:
        observed = {0: "30.11.2018", 6: "31.05.2019", 12: "30.11.2019"}[horizon]
    return [
        programme,
        cohort,
        ref,
        start,
        end,
        exit_reason,
        horizon,
        observed,
        status,
        relevance,
        pct,
        contract,
        comment,
    ]


def fill_template(
    template: Path | io.BytesIO, rows: list[dict[str, object]], programme: str = "MENTOR-OSLO"
) -> openpyxl.Workbook:
    """The template filled in as a leader does it: each row's values (drop-down labels, real
    dates) over the common ones - programme, cohort 2018-1, 01.02.2018-30.11.2018, fullført."""
    workbook = openpyxl.load_workbook(template)
    ws = workbook[DATA_SHEET]
    names = [c.name for c in contract("participant_followup").columns]
    common = {
        "programme_id": programme,
        "cohort": "2018-1",
        "programme_start": datetime(2018, 2, 1),
        "programme_end": datetime(2018, 11, 30),
        "exit_reason": "fullført",
    }
    for offset, values in enumerate(rows, start=2):
        for name, value in {**common, **values}.items():
            ws.cell(row=offset, column=names.index(name) + 1, value=value)
    return workbook


def list_values(workbook: openpyxl.Workbook, formula: str) -> list[object]:
    """The cells a drop-down's list formula (``'Koder'!$A$5:$A$13``) points to."""
    sheet, cells = formula.lstrip("=").rsplit("!", 1)
    ws = workbook[sheet.strip("'$")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [
        ws.cell(row=r, column=c).value
        for r in range(min_row, max_row + 1)
        for c in range(min_col, max_col + 1)
    ]
