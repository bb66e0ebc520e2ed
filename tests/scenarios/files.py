"""A scenario's files as the bytes an office sends, in three dialects.

- ``csv_en``: UTF-8 (with a BOM when ``spelling`` is odd), commas, the contract's column names,
  code-list codes, ISO dates, decimal point.
- ``csv_nb``: the Norwegian Excel dialect: Windows-1252, semicolons, Norwegian labels or
  aliases for headers and codes, dd.mm.yyyy, decimal comma.
- ``xlsx``: a workbook with Norwegian headers, labels from the drop-downs, real dates and numbers.

Headers, labels and aliases come from ``pipelines.contracts`` (schemas/*.yaml), never restated.
``spelling`` picks which of a column's or code's accepted spellings a file uses.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from pipelines.contracts import Column, codelists, contract
from tests.scenarios.model import Followup, Participant, RegisterRow, Upload

DIALECTS = ("csv_en", "csv_nb", "xlsx")

# Columns a follow-up file always carries; the others when a participant has a value.
_ALWAYS = ("observed_on", "job_relevance", "position_pct", "contract_type")
_WHEN_SET = ("grant_year", "birth_year", "gender", "withdrawn", "status_source", "evidence")


def _pick(options: list[str], spelling: int, salt: int) -> str:
    return options[(spelling * 7 + salt) % len(options)] if spelling else options[0]


def header_text(column: Column, dialect: str, spelling: int, salt: int) -> str:
    if dialect == "csv_en":
        return column.name
    return _pick([column.label_nb, *column.aliases], spelling, salt)


def code_spellings(codelist: str, code: str) -> list[str]:
    """The Norwegian label first, then every other spelling the code list accepts for the code."""
    cl = codelists()[codelist]
    label = cl.codes[code]
    others = sorted(k for k, v in cl.lookup.items() if v == code and k != label.lower())
    return [label, *others]


def _value(column: Column, value: object, dialect: str, spelling: int, salt: int) -> object:
    if value is None:
        return None
    if column.type == "code":
        code = str(value)
        if dialect == "csv_en":
            return code
        return _pick(code_spellings(column.codelist, code), spelling, salt)
    if column.type == "date":
        assert isinstance(value, date)
        if dialect == "xlsx":
            return datetime(value.year, value.month, value.day)
        return value.isoformat() if dialect == "csv_en" else value.strftime("%d.%m.%Y")
    if column.type == "decimal":
        number = Decimal(value)
        if dialect == "xlsx":
            return int(number) if number == number.to_integral_value() else float(number)
        text = format(number.normalize(), "f")
        return text.replace(".", ",") if dialect == "csv_nb" else text
    if column.type == "integer":
        return int(value) if dialect == "xlsx" else str(int(value))
    return str(value)


def _encode(rows: list[list[object]], dialect: str, spelling: int) -> bytes:
    if dialect == "xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Ark1"
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter="," if dialect == "csv_en" else ";", lineterminator="\r\n")
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    if dialect == "csv_nb":
        return text.getvalue().encode("cp1252")
    data = text.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if spelling % 2 else data


def _table(
    contract_name: str,
    records: list[dict[str, object]],
    names: list[str],
    dialect: str,
    spelling: int,
) -> bytes:
    columns = [c for c in contract(contract_name).columns if c.name in names]
    header = [header_text(c, dialect, spelling, i) for i, c in enumerate(columns)]
    body = [
        [_value(c, record.get(c.name), dialect, spelling, i + n) for i, c in enumerate(columns)]
        for n, record in enumerate(records)
    ]
    return _encode([header, *body], dialect, spelling)


def followup_record(programme_id: str, participant: Participant, row: Followup) -> dict:
    return {
        "programme_id": programme_id,
        "cohort": participant.cohort,
        "grant_year": participant.grant_year,
        "participant_ref": participant.ref,
        "birth_year": participant.birth_year,
        "gender": participant.gender,
        "programme_start": participant.start,
        "programme_end": participant.end,
        "exit_reason": participant.exit_reason,
        "horizon_months": str(row.horizon),
        "observed_on": row.observed_on,
        "status": row.status,
        "job_relevance": row.job_relevance,
        "position_pct": row.position_pct,
        "contract_type": row.contract_type,
        "withdrawn": "yes" if participant.withdrawn else None,
        "status_source": row.status_source,
        "evidence": row.evidence,
    }


def upload_bytes(upload: Upload, participants: dict[str, Participant]) -> bytes:
    records = [
        followup_record(upload.programme_id, participants[row.ref], row) for row in upload.rows
    ]
    required = [c.name for c in contract("participant_followup").columns if c.required]
    optional = [n for n in _WHEN_SET if any(r.get(n) is not None for r in records)]
    return _table(
        "participant_followup",
        records,
        [*required, *_ALWAYS, *optional],
        upload.dialect,
        upload.spelling,
    )


def register_bytes(rows: tuple[RegisterRow, ...], dialect: str, spelling: int) -> bytes:
    records = [
        {
            "programme_id": r.programme_id,
            "name": r.name,
            "organisation": r.organisation,
            "programme_type": r.programme_type,
            "grant_year": r.grant_year,
            "target_employed_pct_6": r.target_employed_pct_6,
            "target_employed_pct_12": r.target_employed_pct_12,
        }
        for r in rows
    ]
    return _table("programme_register", records, list(records[0]), dialect, spelling)
