"""Small builders for test files in the shapes Norwegian offices send."""

from __future__ import annotations

import io

import openpyxl

from pipelines.ingest.privacy import _W1, _W2, _control_digit


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
