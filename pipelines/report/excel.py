"""The Excel workbook: the same published tables as the HTML, one sheet each.

Numbers are stored as numbers (counts as whole numbers, shares with one decimal shown), dates as
dates; hidden cells hold the same "–" as the HTML, blanks mean "not applicable". Headers are in
Norwegian; the sheet "Kolonner" maps each header to its stable English code and explains it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipelines.report.labels import column_label, is_missing, tr

SHEET_TITLES = {
    "headline": "Hovedtall",
    "programmes": "Per program",
    "targets": "Mål",
    "status_distribution": "Statusfordeling",
    "transitions": "Statusoverganger",
    "trend": "Utvikling",
    "said_vs_shown": "Sagt og vist",
    "overdue": "Forfalte oppfølginger",
    "attainment_detail": "Alle indikatorer",
    "quality": "Datakvalitet",
    "revisions": "Revisjoner",
    "evidence": "Dokumentasjon",
    "register_agreement": "Registersammenligning",
}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_FORMATS = {"count": "#,##0", "int": "0", "pct": "0.0", "number": "0.0", "date": "DD.MM.YYYY"}


def _cell_value(value: object, kind: str, lang: str = "nb") -> object:
    if isinstance(value, str):
        return tr(value, lang)
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if kind == "date":
        return pd.Timestamp(value).date() if not isinstance(value, date) else value
    if kind in ("count", "int"):
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind in ("pct", "number"):
        return float(value)
    return value


def _write_table(ws, frame: pd.DataFrame, lang: str = "nb") -> None:
    infos = [column_label(c, lang) for c in frame.columns]
    ws.append([info.label for info in infos])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for record in frame.itertuples(index=False):
        ws.append([_cell_value(v, info.kind, lang) for v, info in zip(record, infos, strict=True)])
    for j, info in enumerate(infos, start=1):
        letter = get_column_letter(j)
        fmt = _FORMATS.get(info.kind)
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if fmt and not isinstance(cell.value, str):
                cell.number_format = fmt
            elif isinstance(cell.value, str) and info.kind in _FORMATS:
                cell.alignment = Alignment(horizontal="right")
        width = max([len(info.label) * 0.8, 8] + [len(str(v)) for v in frame.iloc[:, j - 1]][:200])
        ws.column_dimensions[letter].width = min(max(width, 8), 60)
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = ws.dimensions


def write_workbook(
    path: Path,
    tables: dict[str, pd.DataFrame],
    about: list[tuple[str, str]],
    lang: str = "nb",
) -> Path:
    """Write the tables and an "Om rapporten" sheet (``about``: heading/text pairs), labels in
    ``lang`` (the values are the same in every language)."""
    workbook = Workbook()
    info = workbook.active
    info.title = tr("Om rapporten", lang)
    info.column_dimensions["A"].width = 34
    info.column_dimensions["B"].width = 110
    for heading, text in about:
        info.append([heading, text])
        info.cell(info.max_row, 1).font = _HEADER_FONT
        info.cell(info.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        info.cell(info.max_row, 1).alignment = Alignment(vertical="top")

    for name, frame in tables.items():
        ws = workbook.create_sheet(tr(SHEET_TITLES.get(name, name), lang)[:31])
        _write_table(ws, frame, lang)

    columns = workbook.create_sheet(tr("Kolonner", lang))
    columns.append([tr(text, lang) for text in ("Ark", "Kolonne", "Kode", "Forklaring")])
    for cell in columns[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for name, frame in tables.items():
        for code in frame.columns:
            meta = column_label(code, lang)
            columns.append(
                [tr(SHEET_TITLES.get(name, name), lang), meta.label, code, meta.description]
            )
    for letter, width in zip("ABCD", (22, 40, 30, 90), strict=True):
        columns.column_dimensions[letter].width = width
    workbook.save(path)
    return path
