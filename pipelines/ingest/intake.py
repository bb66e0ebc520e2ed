"""Read what a Norwegian office actually sends (CSV or XLSX) into a frame of text cells.

No sniffers are trusted (DuckDB's and pandas' pick wrong delimiters and keep BOMs on
Norwegian exports): the encoding is BOM -> UTF-8 -> Windows-1252, the
delimiter is counted in the header line, the file type comes from the bytes, never the name.
Every cell stays text here; typing is the contract check's job, column by column.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from xml.etree.ElementTree import ParseError as ET_ParseError

import numpy as np
import pandas as pd

from pipelines.ingest.privacy import national_id_cells

MAX_COLUMNS = 200
MAX_XLSX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_XLSX_RATIO = 200  # uncompressed/compressed; real workbooks stay far below, bombs far above


Distinct = tuple[np.ndarray, np.ndarray]
"""(code of each cell, -1 for an empty one; the distinct texts the codes point at)."""


class IntakeError(ValueError):
    """A problem with the whole file; ``message_nb`` is shown to the uploader, ``rows`` is the
    number of data rows when the file could be read far enough to count them."""

    def __init__(self, code: str, message_nb: str, rows: int | None = None):
        super().__init__(message_nb)
        self.code = code
        self.message_nb = message_nb
        self.rows = rows


@dataclass
class RawTable:
    """The cells of one sheet as text: ``frame`` columns are positions, rows keep file row numbers."""

    header: list[str]
    frame: pd.DataFrame  # object dtype, None for empty cells; index = row number in the file
    file_format: str  # csv / xlsx
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheet_part: str | None = None  # xlsx: the sheet's XML inside the workbook
    notes: list[str] = field(default_factory=list)
    _national_ids: list[tuple[object, object]] | None = field(default=None, repr=False)
    _distinct: dict[object, Distinct] = field(default_factory=dict, repr=False)

    def national_id_cells(self) -> list[tuple[object, object]]:
        """(row, column position) of every cell holding a national identity number; worked out
        once per table, so landing and the contract check share the scan."""
        if self._national_ids is None:
            self._national_ids = national_id_cells(self.frame, self.distinct)
        return self._national_ids

    def distinct(self, column: object) -> Distinct:
        """The column's distinct texts and each cell's code among them (-1: empty), as
        ``pd.factorize`` gives them (in another order when reading found them first): worked
        out while reading, so the national-id scan and the typing need not factorize again."""
        if column not in self._distinct:
            self._distinct[column] = pd.factorize(self.frame[column], use_na_sentinel=True)
        return self._distinct[column]


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


def _records(text: str) -> list[str]:
    """The lines of a text without quotes, as the CSV parser splits them (\r\n, \n or \r)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _blank(fields: list[str]) -> bool:
    return not any(f.strip() for f in fields)


def _width(header: list[str]) -> int:
    """Fields of the header up to its last named column (trailing empty header cells and
    the empty fields after a trailing delimiter are not columns)."""
    named = [i for i, text in enumerate(header) if text.strip()]
    return named[-1] + 1 if named else 0


def _field_count_error(counts: list[int], fields: Callable[[int], list[str]]) -> IntakeError | None:
    """Rows with more fields than the header (beyond empty trailing ones) or fewer, named in
    Norwegian; None when every row fits. ``fields(i)``: the fields of record ``i``, asked for
    only where its count alone does not settle it."""
    first = next((i for i, n in enumerate(counts) if n and not _blank(fields(i))), None)
    if first is None:
        return None
    width = _width(fields(first))
    wrong: list[tuple[int, int]] = []
    data_rows = 0
    for i in range(first + 1, len(counts)):
        n = counts[i]
        if n == width:
            data_rows += 1
            continue
        row = fields(i)
        if _blank(row):
            continue
        data_rows += 1
        if n < width or any(f.strip() for f in row[width:]):
            wrong.append((i + 1, n))
    if not wrong:
        return None
    row, n = wrong[0]
    message = f"Rad {row} har {n} felt, men overskriften har {width}."
    if len(wrong) > 1:
        shown = ", ".join(str(r) for r, _ in wrong[1:6])
        more = f" og {len(wrong) - 6} til" if len(wrong) > 6 else ""
        message += f" Det gjelder også rad {shown}{more}."
    message += (
        " Kontroller skilletegnet og anførselstegnene i raden, eller lagre filen på nytt fra "
        "Excel som «CSV UTF-8»."
    )
    return IntakeError("field_count", message, rows=data_rows)


def _too_many_rows(max_rows: int) -> IntakeError:
    return IntakeError(
        "too_many_rows",
        f"Filen har flere enn {max_rows:,} rader; høyst {max_rows:,} er tillatt i én fil. ".replace(
            ",", " "
        )
        + "Del den opp i flere filer og last dem opp hver for seg.",
    )


def read_csv_text(text: str, max_rows: int | None = None) -> RawTable:
    """Cells of a CSV text. The fast C parser reads it; a row with another number of fields
    than the header is named ("Rad 7 har 19 felt, men overskriften har 18") rather than
    padded or guessed at. Beyond ``max_rows`` data rows the file is refused unread."""
    lines = None if '"' in text else _records(text)  # without quotes, a line is a record
    lead = 0  # blank lines above the header
    first = ""
    for line in lines if lines is not None else text.splitlines():
        if line.strip():
            first = line
            break
        lead += 1
    delimiter = choose_delimiter(first)
    limit = None if max_rows is None else lead + 1 + max_rows + 1
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=object,  # text cells; a little faster to read than pandas' str dtype
            header=None,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            quoting=csv.QUOTE_MINIMAL,
            on_bad_lines="error",
            nrows=limit,
        )
        cells = None
    except (pd.errors.ParserError, ValueError):
        # A row longer than the first line (or a broken quote): read it record by record to
        # say which row, in Norwegian.
        frame, cells = None, _csv_records(text, delimiter, limit)
    if limit is not None and (len(frame) if frame is not None else len(cells)) >= limit:
        raise _too_many_rows(max_rows)
    quoted: dict[int, list[str]] = {}  # fields of the lines with a quote, by line
    if cells is None and (lines is None or len(lines[: len(frame)]) != len(frame)):
        by_line = _quoted_lines(text, delimiter, limit)
        if by_line is None:
            cells = _csv_records(text, delimiter, limit, strict=False)
        else:
            lines, quoted = by_line
    elif cells is None:
        lines = lines[: len(frame)]
    if cells is not None:
        counts = [len(record) for record in cells]
    else:
        counts = [
            len(quoted[i]) if i in quoted else line.count(delimiter) + 1 if line else 0
            for i, line in enumerate(lines)
        ]

    def fields(i: int) -> list[str]:
        if cells is not None:
            return cells[i]
        return quoted[i] if i in quoted else lines[i].split(delimiter)

    error = _field_count_error(counts, fields)
    if error is not None:
        raise error
    if frame is None:
        width = max(counts, default=0)
        frame = pd.DataFrame([r + [""] * (width - len(r)) for r in cells], dtype=object)
    return _to_raw_table(frame, "csv", delimiter=delimiter)


def _quoted_lines(
    text: str, delimiter: str, limit: int | None
) -> tuple[list[str], dict[int, list[str]]] | None:
    """The lines of a text as records (up to ``limit``), as :func:`_csv_records` reads them,
    when no quoted value spans lines: the lines and the fields of those with a quote. Only
    the lines with a quote go through the csv module, strictly and each a record of its own,
    so a quote left open (or anything else the strict parser refuses) is noticed; a line
    without one is a record whose fields the delimiter separates. None when a line does not
    parse that way; the whole text is then read record by record. The csv module reads a
    file in a Python loop per field, and most lines need only their delimiters counted."""
    lines = _records(text)[:limit]
    if any(len(line) > csv.field_size_limit() for line in lines):
        return None  # the csv module refuses a field this long: let it say so
    positions = [i for i, line in enumerate(lines) if '"' in line]
    reader = csv.reader((lines[i] for i in positions), delimiter=delimiter, strict=True)
    parsed: dict[int, list[str]] = {}
    try:
        for position, record in zip(positions, reader, strict=False):
            if reader.line_num != len(parsed) + 1:
                return None  # a quoted value went on to the next line
            parsed[position] = record
    except csv.Error:
        return None
    if len(parsed) != len(positions):
        return None
    return lines, parsed


def _csv_records(
    text: str, delimiter: str, limit: int | None, strict: bool = True
) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if limit is not None and len(records) >= limit:
                break
    except csv.Error as exc:
        raise IntakeError(
            "csv_structure",
            f'CSV-filen kan ikke leses fra rad {len(records) + 1}: et anførselstegn («"») er '
            "ikke avsluttet eller står midt i en verdi. Kontroller anførselstegnene i raden, "
            "eller lagre filen på nytt fra Excel som «CSV UTF-8».",
        ) from exc
    return records


def _blanks_as_none(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The column's cells as an object array, None where a cell is empty or only spaces; the
    code of each cell among the column's other texts (-1: blank), and those texts.

    Judged once per distinct text (pandas' string methods loop per cell without pyarrow) and
    written into a numpy array: a pandas ``where`` per column costs more than the judging."""
    cells = values.to_numpy(dtype=object, copy=True)
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    kept = np.array([bool(str(u).strip()) for u in uniques], dtype=bool)
    renumbered = np.append(np.where(kept, np.cumsum(kept) - 1, -1), -1)  # code -1 stays -1
    codes = renumbered[codes]
    cells[codes < 0] = None
    return cells, codes, uniques[kept]


def _restricted(distinct: Distinct, rows: np.ndarray) -> Distinct:
    """The codes of some rows, and only the texts those rows hold."""
    codes, uniques = distinct[0][rows], distinct[1]
    used = np.zeros(len(uniques) + 1, dtype=bool)
    used[codes] = True  # code -1 marks the extra last slot
    used = used[:-1]
    if used.all():
        return codes, uniques
    renumbered = np.append(np.where(used, np.cumsum(used) - 1, -1), -1)
    return renumbered[codes], uniques[used]


def _to_raw_table(frame: pd.DataFrame, file_format: str, **kwargs) -> RawTable:
    if frame.shape[1] > MAX_COLUMNS:
        raise IntakeError(
            "too_many_columns",
            f"Filen har {frame.shape[1]} kolonner; høyst {MAX_COLUMNS} er tillatt. "
            "Bruk malen fra IMDi.",
        )
    columns = {}
    distinct: dict[object, Distinct] = {}
    has_value = np.zeros(len(frame), dtype=bool)
    for col in frame.columns:
        columns[col], codes, uniques = _blanks_as_none(frame[col])
        distinct[col] = (codes, uniques)
        has_value |= codes >= 0
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)), dtype=object)
    non_empty = pd.Series(has_value, index=frame.index)
    if not non_empty.any():
        raise IntakeError("empty_file", "Filen er tom.")
    header_pos = int(non_empty.idxmax())
    header = ["" if v is None else str(v).strip() for v in frame.loc[header_pos].tolist()]
    body = frame.loc[header_pos + 1 :]
    body = body[non_empty.loc[header_pos + 1 :]]
    rows = body.index.to_numpy()  # positions: the index counts the rows from 0
    body.index = body.index + 1  # file row numbers are 1-based, header included
    restricted = {col: _restricted(found, rows) for col, found in distinct.items()}
    return RawTable(header, body, file_format, _distinct=restricted, **kwargs)


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


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = 1 << 20  # sheet XML is streamed in 1 MB pieces: memory stays flat whatever its size
_OVERLAP = 64  # longer than any tag matched below, so a tag split between pieces is seen once
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_VALUE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s>/]")
_CELL_OR_FORMULA = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"|<(?:[A-Za-z_][\w.-]*:)?f[\s>/]'
)


def worksheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(title, part name, state) of each worksheet, in the workbook's order.

    Read from xl/workbook.xml and its relationships (two small files), so a sheet can be
    looked at before openpyxl loads the workbook (and its shared strings)."""
    import xml.etree.ElementTree as ET

    book = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): (rel.get("Target") or "", rel.get("Type") or "")
        for rel in rels.iter(f"{{{_PKG_NS}}}Relationship")
    }
    parts = []
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        target, kind = targets.get(sheet.get(f"{{{_REL_NS}}}id"), ("", ""))
        if not target or not kind.endswith("/worksheet"):
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        parts.append((sheet.get("name") or "", part, sheet.get("state") or "visible"))
    return parts


def _pieces(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[bytes, int]]:
    """The part's bytes in overlapping pieces: (piece, offset up to which matches are new)."""
    tail = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                if tail:
                    yield tail, len(tail)
                return
            piece = tail + chunk
            cut = max(len(piece) - _OVERLAP, 0)
            yield piece, cut
            tail = piece[cut:]


def _row_tags(piece: bytes, start: int = 0) -> int:
    """``<row>`` start tags in ``piece[start:]``: plain ``bytes.count`` (a worksheet's only
    other element named ``row...`` is ``rowBreaks``) unless a namespace prefix (``<x:row``)
    calls for the pattern."""
    if b":row" in piece:
        return len(_ROW_TAG.findall(piece, start))
    return piece.count(b"<row", start) - piece.count(b"<rowBreaks", start)


def _count_rows(archive: zipfile.ZipFile, part: str, stop_after: int) -> tuple[int, bool]:
    """Rows (``<row>`` elements, counted up to ``stop_after`` + 1) and whether any cell holds
    a value, streaming the sheet's XML without building it."""
    rows, values = 0, False
    for piece, cut in _pieces(archive, part):
        # Tags starting in the overlap are counted with the next piece.
        rows += _row_tags(piece) - _row_tags(piece, cut)
        values = values or _VALUE_TAG.search(piece) is not None
        if rows > stop_after:
            break
    return rows, values


def formula_positions(data: bytes, part: str, limit: int = 20) -> list[tuple[int, int]]:
    """(row, column position) of the first ``limit`` formula cells in one sheet's XML."""
    found: list[tuple[int, int]] = []
    last: tuple[int, int] | None = None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for piece, cut in _pieces(archive, part):
            for match in _CELL_OR_FORMULA.finditer(piece):
                if match.start() >= cut:
                    continue
                if match.group(1) is not None:
                    letters = match.group(1).decode()
                    column = 0
                    for letter in letters:
                        column = column * 26 + ord(letter) - 64
                    last = (int(match.group(2)), column - 1)
                elif last is not None and (not found or found[-1] != last):
                    found.append(last)
                    if len(found) >= limit:
                        return found
    return found


def _check_sheet_rows(archive: zipfile.ZipFile, max_rows: int) -> None:
    """Refuse a workbook whose data sheet has more than ``max_rows`` rows under its header,
    before anything is loaded: the first visible worksheet with values is the one read."""
    try:
        parts = worksheet_parts(archive)
    except (KeyError, ET_ParseError):
        return  # not laid out as usual: openpyxl judges it, and reading stops at the limit
    visible = [p for p in parts if p[2] == "visible"] or parts
    for _, part, _ in visible:
        rows, values = _count_rows(archive, part, max_rows + 1)
        if rows > max_rows + 1:
            raise _too_many_rows(max_rows)
        if values:
            return


def read_xlsx(data: bytes, max_rows: int | None = None) -> RawTable:
    """Values as cached in the file: formulas are never evaluated; the unpacked size and the
    row count are checked before the workbook is opened."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    uncompressed = sum(info.file_size for info in archive.infolist())
    if uncompressed > MAX_XLSX_UNCOMPRESSED or uncompressed > MAX_XLSX_RATIO * max(len(data), 1):
        raise IntakeError(
            "xlsx_bomb",
            f"Excel-filen pakker seg ut til {uncompressed // (1024 * 1024)} MB. Filen avvises av "
            "sikkerhetshensyn; del den opp eller last opp som CSV.",
        )
    if max_rows is not None:
        _check_sheet_rows(archive, max_rows)
    import openpyxl  # here, not at the top: a workbook refused above never pays for it

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
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append([_cell_text(v) for v in row[:MAX_COLUMNS]])
                if max_rows is not None and len(rows) > max_rows + 1:
                    raise _too_many_rows(max_rows)
            if any(any(v is not None for v in row) for row in rows):
                width = max(len(r) for r in rows)
                frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows])
                # The part the rows came from, so a later look (formula cells) needs no reload.
                part = getattr(sheet, "_worksheet_path", None)
                return _to_raw_table(frame, "xlsx", sheet=sheet.title, sheet_part=part)
    finally:
        workbook.close()
    raise IntakeError("empty_file", "Excel-filen har ingen utfylte celler.")


def read_table(data: bytes, max_rows: int | None = None) -> RawTable:
    """Parse any accepted upload into text cells; IntakeError for whole-file problems.

    ``max_rows``: more data rows than this refuse the file before it is read in full (the
    portal and ``imdi upload`` pass the installation's limit; the warehouse load reads all)."""
    file_format = sniff_format(data)
    if file_format == "xlsx":
        return read_xlsx(data, max_rows)
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise IntakeError("binary", "Filen inneholder binærdata og er ikke en CSV-fil.")
    table = read_csv_text(text, max_rows)
    table.encoding = encoding
    return table
