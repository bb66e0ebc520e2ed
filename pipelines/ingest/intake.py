"""Read what a Norwegian office actually sends (CSV or XLSX) into a frame of text cells.

No sniffers are trusted (DuckDB's and pandas' pick wrong delimiters and keep BOMs on
Norwegian exports): the encoding is BOM -> UTF-8 -> Windows-1252, the
delimiter is counted in the header line, the file type comes from the bytes, never the name.
Every cell stays text here; typing is the contract check's job, column by column.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd

MAX_COLUMNS = 200
MAX_XLSX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_XLSX_RATIO = 200  # uncompressed/compressed; real workbooks stay far below, bombs far above


class IntakeError(ValueError):
    """A problem with the whole file; ``message_nb`` is shown to the uploader."""

    def __init__(self, code: str, message_nb: str):
        super().__init__(message_nb)
        self.code = code
        self.message_nb = message_nb


@dataclass
class RawTable:
    """The cells of one sheet as text: ``frame`` columns are positions, rows keep file row numbers."""

    header: list[str]
    frame: pd.DataFrame  # object dtype, None for empty cells; index = row number in the file
    file_format: str  # csv / xlsx
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


def sniff_format(data: bytes) -> str:
    """'xlsx', 'csv', or raise IntakeError naming what the file seems to be."""
    if not data or not data.strip():
        raise IntakeError("empty_file", "Filen er tom.")
    if data[:4] == b"PK\x03\x04":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile as exc:
            raise IntakeError("broken_zip", "Filen ser ut som Excel, men er skadet.") from exc
        if "xl/workbook.xml" in names:
            if "xl/vbaProject.bin" in names:
                raise IntakeError(
                    "macros",
                    "Filen inneholder makroer (.xlsm). Lagre den som vanlig Excel-arbeidsbok (.xlsx) "
                    "og last opp på nytt.",
                )
            return "xlsx"
        raise IntakeError(
            "not_spreadsheet", "Filen er en ZIP-fil, men ikke en Excel-arbeidsbok (.xlsx)."
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise IntakeError(
            "legacy_xls",
            "Filen er i det gamle Excel-formatet (.xls). Lagre den som .xlsx eller CSV og last opp på nytt.",
        )
    if data[:5] == b"%PDF-":
        raise IntakeError("not_spreadsheet", "Filen er en PDF. Last opp Excel (.xlsx) eller CSV.")
    if b"\x00" in data[:4096]:
        raise IntakeError(
            "binary", "Filen er ikke en tekstfil (CSV) eller Excel-arbeidsbok (.xlsx)."
        )
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """BOM -> utf-8-sig; else strict UTF-8; else Windows-1252 (the Norwegian Excel default)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(exc) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _undecodable(exc) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _undecodable(exc) from exc
    return text, "cp1252"


def _undecodable(exc: UnicodeDecodeError) -> IntakeError:
    return IntakeError(
        "encoding",
        f"Tegnkodingen i filen kan ikke leses (ugyldig byte ved posisjon {exc.start}). "
        "Lagre filen som «CSV UTF-8» eller som Excel-arbeidsbok (.xlsx).",
    )


def choose_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ";"


def read_csv_text(text: str) -> RawTable:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = choose_delimiter(first)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            header=None,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            quoting=csv.QUOTE_MINIMAL,
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise IntakeError(
            "csv_structure",
            f"CSV-filen kan ikke leses: ulikt antall kolonner eller ubalanserte anførselstegn ({exc}).",
        ) from exc
    return _to_raw_table(frame, "csv", delimiter=delimiter)


def _to_raw_table(frame: pd.DataFrame, file_format: str, **kwargs) -> RawTable:
    if frame.shape[1] > MAX_COLUMNS:
        raise IntakeError(
            "too_many_columns",
            f"Filen har {frame.shape[1]} kolonner; høyst {MAX_COLUMNS} er tillatt. "
            "Bruk malen fra IMDi.",
        )
    frame = frame.astype(object)
    for col in frame.columns:
        values = frame[col]
        # Judged once per distinct text: pandas' string methods loop per cell without pyarrow.
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        blank_distinct = np.array([not str(u).strip() for u in uniques] + [True], dtype=bool)
        frame[col] = values.where(~blank_distinct[codes], None)  # code -1 (empty): blank
    non_empty = frame.notna().any(axis=1)
    if not non_empty.any():
        raise IntakeError("empty_file", "Filen er tom.")
    header_pos = int(non_empty.idxmax())
    header = ["" if v is None else str(v).strip() for v in frame.loc[header_pos].tolist()]
    body = frame.loc[header_pos + 1 :]
    body = body[non_empty.loc[header_pos + 1 :]]
    body.index = body.index + 1  # file row numbers are 1-based, header included
    return RawTable(header=header, frame=body, file_format=file_format, **kwargs)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, float):
        # Excel stores 0.8 * 100 as 80.00000000000001; nine decimals is beyond any real entry.
        value = round(value, 9)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if text.strip() else None


def read_xlsx(data: bytes) -> RawTable:
    """Values as cached in the file: formulas are never evaluated, the size is checked first."""
    import openpyxl

    archive = zipfile.ZipFile(io.BytesIO(data))
    uncompressed = sum(info.file_size for info in archive.infolist())
    if uncompressed > MAX_XLSX_UNCOMPRESSED or uncompressed > MAX_XLSX_RATIO * max(len(data), 1):
        raise IntakeError(
            "xlsx_bomb",
            f"Excel-filen pakker seg ut til {uncompressed // (1024 * 1024)} MB. Filen avvises av "
            "sikkerhetshensyn; del den opp eller last opp som CSV.",
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken workbooks
        raise IntakeError(
            "broken_xlsx", f"Excel-filen kan ikke åpnes ({type(exc).__name__})."
        ) from exc
    try:
        sheets = [
            ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"
        ]
        for sheet in sheets or workbook.worksheets:
            if sheet.max_column and sheet.max_column > MAX_COLUMNS:
                raise IntakeError(
                    "too_many_columns",
                    f"Arket «{sheet.title}» har {sheet.max_column} kolonner; høyst {MAX_COLUMNS} er tillatt.",
                )
            rows = [
                [_cell_text(v) for v in row[:MAX_COLUMNS]]
                for row in sheet.iter_rows(values_only=True)
            ]
            if any(any(v is not None for v in row) for row in rows):
                width = max(len(r) for r in rows)
                frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows])
                return _to_raw_table(frame, "xlsx", sheet=sheet.title)
    finally:
        workbook.close()
    raise IntakeError("empty_file", "Excel-filen har ingen utfylte celler.")


def read_table(data: bytes) -> RawTable:
    """Parse any accepted upload into text cells; IntakeError for whole-file problems."""
    file_format = sniff_format(data)
    if file_format == "xlsx":
        return read_xlsx(data)
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise IntakeError("binary", "Filen inneholder binærdata og er ikke en CSV-fil.")
    table = read_csv_text(text)
    table.encoding = encoding
    return table
