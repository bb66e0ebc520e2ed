"""The whole list of findings as files: CSV (``;``, UTF-8 with BOM) and XLSX, Norwegian headers.

Both are safe to open in a spreadsheet program: a cell that starts with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) never becomes a formula. In the CSV such a cell is written
with a leading apostrophe (the usual defence against formula injection: Excel shows the text
as it is); in the XLSX every cell is an inline string or a number, which a spreadsheet program
never evaluates, so the text stays exactly as uploaded.

The XLSX is written directly as SpreadsheetML (one sheet, inline strings), not with openpyxl:
openpyxl's write-only mode needs about a minute for the 250 000 findings of a large file, this
writer about a second (docs/validation.md).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import numpy as np
import pandas as pd

from pipelines.files import atomic_write
from pipelines.ingest.landing import LandedFile
from pipelines.ingest.receipt import (
    RECEIPT_HEADERS_NB,
    WHOLE_FILE_NB,
    ReceiptFiles,
    receipt_table,
    summary_nb,
)
from pipelines.ingest.validation import ValidationResult
from pipelines.settings import Paths

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADERS_NB = list(RECEIPT_HEADERS_NB.values())


def summary_row(landed: LandedFile, result: ValidationResult, note: str = "") -> dict[str, object]:
    """The first row of a receipt file: which file, when, and the verdict in one sentence."""
    received = landed.received_at[:19].replace("T", " ")
    text = f"«{landed.original_name}» mottatt {received} UTC. {summary_nb(landed, result)}"
    return dict(
        zip(
            HEADERS_NB,
            [None, WHOLE_FILE_NB, landed.upload_id, "oppsummering", text + note, "receipt"],
            strict=True,
        )
    )


def receipt_frame(
    landed: LandedFile, result: ValidationResult, note: str = "", extra: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Summary row, every finding, then ``extra`` rows (the portal's changes), Norwegian headers."""
    parts = [pd.DataFrame([summary_row(landed, result, note)]), receipt_table(result)]
    if extra is not None and not extra.empty:
        parts.append(extra[HEADERS_NB])
    parts = [p.astype(object) for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True)


def _integers(values: pd.Series) -> np.ndarray | None:
    """Each cell of a column of whole numbers as text ("" when empty); None for other columns.
    (Row numbers are all different: rendering them one by one is cheaper than by value.)"""
    if pd.api.types.infer_dtype(values, skipna=True) != "integer":
        return None
    return np.array(
        ["" if v is None or v != v else str(int(v)) for v in values.to_numpy(dtype=object)],
        dtype=object,
    )


def _per_value(values: pd.Series, render) -> np.ndarray:
    """``render(value)`` for each cell (``render(None)`` for empty ones), computed once per
    distinct value and spread back over the rows."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    choices = np.empty(len(uniques) + 1, dtype=object)  # filled one by one: some are tuples
    for i, value in enumerate(uniques):
        choices[i] = render(value)
    choices[-1] = render(None)
    return choices[codes]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def formula_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


_NEEDS_QUOTES = re.compile('[;"\r\n]')


def _csv_field(value: object) -> str:
    text = formula_safe(_text(value))
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _joined(
    columns: list[np.ndarray], separator: str, start: str = "", end: str = "", chunk: int = 50_000
) -> Iterator[bytes]:
    """Row i is start + columns[0][i] + separator + ... + end, UTF-8 encoded, in chunks of rows
    (so no text of the whole file is ever held: Norwegian letters make Python hold it at two
    bytes a character)."""
    n = len(columns[0]) if columns else 0
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        parts: list[np.ndarray] = [np.full(hi - lo, start, dtype=object)]
        for number, column in enumerate(columns):
            if number:
                parts.append(np.full(hi - lo, separator, dtype=object))
            parts.append(column[lo:hi])
        parts.append(np.full(hi - lo, end, dtype=object))
        yield "".join(np.column_stack(parts).ravel().tolist()).encode("utf-8")


def to_csv(frame: pd.DataFrame) -> bytes:
    """Semicolon-separated, UTF-8 with BOM, so Norwegian Excel opens it as it is."""
    header = ";".join(_csv_field(str(c)) for c in frame.columns) + "\r\n"
    columns = []
    for name in frame.columns:
        numbers = _integers(frame[name])
        columns.append(numbers if numbers is not None else _per_value(frame[name], _csv_field))
    return b"".join([("\ufeff" + header).encode("utf-8"), *_joined(columns, ";", end="\r\n")])


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    text = _XML_ILLEGAL.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
_WIDTHS = {"Rad": 8, "Kolonne": 30, "Verdi": 24, "Alvorlighet": 12, "Melding": 90}


def to_xlsx(frame: pd.DataFrame, sheet: str = "Kvittering") -> bytes:
    """One sheet: a bold, frozen header row with a filter, then one row per record. Integer
    cells are numbers; every other cell is an inline string, so nothing is ever a formula."""
    letters = [_column_letter(i) for i in range(len(frame.columns))]
    header = "".join(
        f'<c r="{letter}1" t="inlineStr" s="1"><is><t>{_xml_text(str(name))}</t></is></c>'
        for letter, name in zip(letters, frame.columns, strict=True)
    )
    numbers = np.array([str(n) for n in range(2, len(frame) + 2)], dtype=object)
    cells = []
    for letter, name in zip(letters, frame.columns, strict=True):

        def render(value: object, letter: str = letter) -> tuple[str, str] | None:
            if value is None:
                return None
            if isinstance(value, int | np.integer) or (
                isinstance(value, float) and value.is_integer()
            ):
                return f'<c r="{letter}', f'"><v>{int(value)}</v></c>'
            text = _xml_text(str(value))
            if not text:
                return None
            space = ' xml:space="preserve"' if text != text.strip() else ""
            return f'<c r="{letter}', f'" t="inlineStr"><is><t{space}>{text}</t></is></c>'

        whole = _integers(frame[name])
        if whole is not None:
            present = whole != ""
            cells.append(np.where(present, f'<c r="{letter}', ""))
            cells.append(np.where(present, numbers, ""))
            cells.append(np.where(present, '"><v>' + whole + "</v></c>", ""))
            continue
        rendered = _per_value(frame[name], render)
        present = np.array([cell is not None for cell in rendered], dtype=bool)
        cells.append(np.array([cell[0] if cell else "" for cell in rendered], dtype=object))
        cells.append(np.where(present, numbers, ""))
        cells.append(np.array([cell[1] if cell else "" for cell in rendered], dtype=object))
    starts = np.array([f'<row r="{n}">' for n in numbers], dtype=object)
    last = f"{letters[-1]}{len(frame) + 1}"
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{_WIDTHS.get(str(name), 16)}" customWidth="1"/>'
        for i, name in enumerate(frame.columns, start=1)
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>"
        f"<cols>{cols}</cols>"
        f'<sheetData><row r="1">{header}</row>'
    )
    tail = f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(sheet=_xml_text(sheet)))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(head.encode("utf-8"))
            if len(frame):
                for chunk in _joined([starts, *cells], "", end="</row>"):
                    part.write(chunk)
            part.write(tail.encode("utf-8"))
    return buffer.getvalue()


def write_receipt_files(paths: Paths, landed: LandedFile, result: ValidationResult) -> ReceiptFiles:
    """``<IMDI_HOME>/receipts/<upload id>.csv`` and ``.xlsx``: the whole list, for `imdi upload`."""
    frame = receipt_frame(landed, result)
    files = ReceiptFiles(
        csv=paths.receipts / f"{landed.upload_id}.csv",
        xlsx=paths.receipts / f"{landed.upload_id}.xlsx",
    )
    atomic_write(files.csv, to_csv(frame))
    atomic_write(files.xlsx, to_xlsx(frame))
    return files
