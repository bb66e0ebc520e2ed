"""The Excel template programme leaders fill in, generated from the follow-up contract.

Everything in it comes from ``schemas/participant_followup.yaml``: the Norwegian headers
(``label_nb``), the drop-down lists (the code lists, on the sheet «Koder»), the input hints
(``description_nb``), the formats and the instructions. Change the contract and the template
follows.

What is *not* pre-filled, and why: the warehouse only holds a keyed one-way hash of each
participant reference (``participant_key``), never the programme's own reference, so it cannot
write a participant's row back for the programme to complete. Nor are blank rows pre-filled
with the programme id: a row holding only a programme id counts as a row and would come back
rejected as incomplete. Instead the programme id is the only choice in its drop-down, the known
cohorts are offered in theirs, and the follow-ups the warehouse knows to be due or overdue are
listed, counted per cohort, horizon and due date, on the sheet «Forfalte oppfølginger».

The data sheet is the first sheet, because the intake reads the first visible sheet with cells.
"""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.contracts import Column, Contract, codelists, contract

DATA_SHEET = "Oppfølging"
GUIDE_SHEET = "Veiledning"
DUE_SHEET = "Forfalte oppfølginger"
CODES_SHEET = "Koder"
PREPARED_ROWS = 1000  # rows 2..1001 carry formats and drop-downs; Excel users can add more

DATE_FORMAT = "DD.MM.YYYY"
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_WHITE_BOLD = Font(bold=True, color="FFFFFF")


def _format_hint(column: Column) -> str:
    if column.codelist:
        return "velg fra listen"
    return {
        "date": "dato, dd.mm.åååå",
        "integer": "heltall",
        "decimal": "tall, f.eks. 62,5",
        "string": "tekst",
        "text": "fritekst",
    }[column.type]


def _range_hint(column: Column) -> str:
    parts = []
    if column.min is not None and column.max is not None:
        parts.append(f"{_num(column.min)}–{_num(column.max)}")
    if column.max_length:
        parts.append(f"høyst {column.max_length} tegn")
    return ", ".join(parts)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _allowed_text(column: Column) -> str:
    if not column.codelist:
        return ""
    return ", ".join(codelists()[column.codelist].codes.values())


def _prompt(column: Column, programme_id: str) -> str:
    """The input hint shown when a cell is selected (Excel allows 255 characters)."""
    if column.name == "programme_id":
        text = f"Skriv eller velg {programme_id}."
    else:
        text = column.description_nb or ""
    if not text and column.codelist:
        text = "Velg en verdi fra listen."
    required = "Påkrevd. " if column.required else ""
    hint = _range_hint(column)
    full = f"{required}{text}" + (f" ({hint})" if hint else "")
    return full.strip()[:255]


def _code_ranges(ws: Worksheet, used: list[str], cohorts: list[str]) -> dict[str, str]:
    """Write each code list as a column pair (Norwegian label, code); return list -> range."""
    ws["A1"] = "Gyldige verdier for nedtrekkslistene. Både verdien og koden godtas ved opplasting."
    ws["A1"].font = _BOLD
    ranges: dict[str, str] = {}
    col = 1
    lists: list[tuple[str, str, list[tuple[str, str]]]] = [
        (name, name, list(codelists()[name].codes.items())) for name in used
    ]
    if cohorts:
        lists.append(("_cohorts", "Kjente puljer", [(c, c) for c in cohorts]))
    for key, title, entries in lists:
        label_col, code_col = get_column_letter(col), get_column_letter(col + 1)
        ws[f"{label_col}3"] = title
        ws[f"{label_col}3"].font = _BOLD
        ws[f"{label_col}4"] = "Verdi"
        ws[f"{code_col}4"] = "Kode"
        for offset, (code, label) in enumerate(entries):
            ws[f"{label_col}{5 + offset}"] = label
            ws[f"{code_col}{5 + offset}"] = code
            ws[f"{label_col}{5 + offset}"].number_format = "@"
            ws[f"{code_col}{5 + offset}"].number_format = "@"
        last = 4 + len(entries)
        ranges[key] = f"{quote_sheetname(ws.title)}!${label_col}$5:${label_col}${last}"
        ws.column_dimensions[label_col].width = max(len(title), 22)
        ws.column_dimensions[code_col].width = 14
        col += 3
    return ranges


def _validation(
    column: Column, programme_id: str, ranges: dict[str, str], has_cohorts: bool
) -> DataValidation | None:
    common = {
        "allow_blank": True,
        "showInputMessage": True,
        "showErrorMessage": True,
        "promptTitle": column.label_nb[:32],
        "prompt": _prompt(column, programme_id),
        "errorTitle": "Ugyldig verdi"[:32],
    }
    if column.codelist:
        return DataValidation(
            type="list",
            formula1=ranges[column.codelist],
            errorStyle="warning",
            error=f"Velg en verdi fra listen. Gyldige verdier: {_allowed_text(column)}"[:255],
            **common,
        )
    if column.name == "programme_id":
        return DataValidation(
            type="list",
            formula1=f'"{programme_id}"',
            errorStyle="stop",
            error=f"Denne malen gjelder programmet {programme_id}."[:255],
            **common,
        )
    if column.name == "cohort" and has_cohorts:
        return DataValidation(
            type="list",
            formula1=ranges["_cohorts"],
            errorStyle="information",
            error="Puljen er ny for IMDi. Sjekk skrivemåten; en ny pulje er greit.",
            **common,
        )
    if column.type == "date":
        return DataValidation(
            type="date",
            operator="between",
            formula1=str(int(to_excel(date(1990, 1, 1)))),
            formula2=str(int(to_excel(date(2100, 12, 31)))),
            errorStyle="stop",
            error="Skriv en dato som dd.mm.åååå, f.eks. 31.12.2019.",
            **common,
        )
    if column.type in ("integer", "decimal") and column.min is not None:
        return DataValidation(
            type="whole" if column.type == "integer" else "decimal",
            operator="between",
            formula1=_num(column.min).replace(",", "."),
            formula2=_num(column.max).replace(",", "."),
            errorStyle="stop",
            error=f"Skriv et tall mellom {_num(column.min)} og {_num(column.max)}.",
            **common,
        )
    if column.max_length:
        return DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(column.max_length),
            errorStyle="stop",
            error=f"Høyst {column.max_length} tegn.",
            **common,
        )
    return DataValidation(type=None, **common)  # a hint only


def _cell_format(column: Column) -> str:
    if column.type == "date":
        return DATE_FORMAT
    if column.type == "integer":
        return "0"
    if column.type == "decimal":
        return "General"
    # Text format keeps references like "007" and ids like "2018-1" as typed.
    return "@"


def _data_sheet(
    ws: Worksheet, spec: Contract, programme_id: str, ranges: dict[str, str], has_cohorts: bool
) -> None:
    last_row = PREPARED_ROWS + 1
    for pos, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(pos)
        cell = ws.cell(row=1, column=pos, value=column.label_nb)
        cell.font = _WHITE_BOLD
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        note = [
            "Påkrevd." if column.required else "Valgfri.",
            column.description_nb,
            f"Format: {_format_hint(column)}"
            + (f" ({_range_hint(column)})" if _range_hint(column) else "")
            + ".",
        ]
        if column.codelist:
            note.append(f"Gyldige verdier: {_allowed_text(column)}.")
        comment = Comment("\n".join(n for n in note if n), "IMDi")
        comment.width, comment.height = 320, 160
        cell.comment = comment
        ws.column_dimensions[letter].width = max(14, min(len(column.label_nb) + 4, 32))
        number_format = _cell_format(column)
        for row in range(2, last_row + 1):
            ws.cell(row=row, column=pos).number_format = number_format
        validation = _validation(column, programme_id, ranges, has_cohorts)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(validation)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "D2"


def _guide_sheet(ws: Worksheet, spec: Contract, programme_id: str) -> None:
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 11
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 70
    ws.column_dimensions["E"].width = 60
    lines = [
        (f"Oppfølging av deltakere – mal for {programme_id}", _TITLE_FONT),
        ("", None),
        ("Slik gjør du", _BOLD),
        (
            f"1. Fyll inn én rad per deltaker per oppfølgingstidspunkt på arket «{DATA_SHEET}»: "
            "ved programslutt (0), 6 måneder etter og 12 måneder etter.",
            None,
        ),
        (
            f"2. Skriv {programme_id} i «Program-ID» på hver rad (eller velg fra listen). "
            "Rader for andre programmer blir avvist.",
            None,
        ),
        (
            "3. Bruk programmets egen deltakerreferanse (løpenummer e.l.), aldri navn eller "
            "fødselsnummer. En fil med fødselsnummer avvises i sin helhet og lagres ikke.",
            None,
        ),
        ("4. Velg verdier fra nedtrekkslistene. Datoer skrives dd.mm.åååå.", None),
        (
            "5. Lagre som Excel-arbeidsbok (.xlsx) – ikke .xlsm eller .xls – og last opp i "
            "portalen. Du får kvittering med én linje per feil i løpet av sekunder.",
            None,
        ),
        ("", None),
        ("Rettelser, sen innrapportering og trukne deltakere", _BOLD),
        (
            "Send gjerne oppfølginger for sent: de telles for tidspunktet de gjelder. "
            "Har du meldt feil, last opp raden på nytt med riktige verdier: den nye raden blir en "
            "ny versjon («rettelse»), og den forrige blir bevart. Å laste opp nøyaktig samme fil "
            "igjen endrer ingenting.",
            None,
        ),
        (
            "Skal en deltaker ikke telles med (f.eks. registrert ved en feil), send en rad med "
            "«Trukket» = ja.",
            None,
        ),
        ("", None),
        ("Hvorfor deltakerne ikke er fylt inn", _BOLD),
        (
            "IMDi lagrer ikke deltakerreferansene deres, bare en nøkkelbasert kode som ikke kan "
            "regnes tilbake (pseudonym). Derfor kan malen ikke fylles ut med deltakerne for dere. "
            f"Arket «{DUE_SHEET}» viser i stedet hvor mange oppfølginger IMDi venter på, per "
            "pulje, tidspunkt og forfallsdato.",
            None,
        ),
        ("", None),
        ("Kolonnene", _BOLD),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text)
        if font is not None:
            cell.font = font
        if len(text) > 60:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 15 * (1 + len(text) // 150)
    header_row = len(lines) + 1
    for pos, title in enumerate(
        ["Kolonne", "Påkrevd", "Format", "Forklaring", "Gyldige verdier"], start=1
    ):
        ws.cell(row=header_row, column=pos, value=title).font = _BOLD
    for offset, column in enumerate(spec.columns, start=1):
        row = header_row + offset
        fmt = _format_hint(column)
        if _range_hint(column):
            fmt += f" ({_range_hint(column)})"
        values = [
            column.label_nb,
            "ja" if column.required else "nei",
            fmt,
            column.description_nb,
            _allowed_text(column),
        ]
        for pos, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=pos, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    rules_row = header_row + len(spec.columns) + 2
    ws.cell(row=rules_row, column=1, value="Regler som sjekkes").font = _BOLD
    for offset, rule in enumerate(spec.rules.values(), start=1):
        cell = ws.cell(row=rules_row + offset, column=1, value=_rule_text(rule.message_nb))
        ws.cell(
            row=rules_row + offset,
            column=2,
            value="feil" if rule.severity == "error" else "advarsel",
        )
        cell.alignment = Alignment(wrap_text=False)


def _rule_text(message: str) -> str:
    """A rule's message with its placeholders shown as «…»."""
    return re.sub(r"\{[a-z_]+\}", "…", message)


def due_summary(known_rows: pd.DataFrame | None) -> pd.DataFrame:
    """Follow-up states counted per cohort, horizon and due date (no participant keys)."""
    columns = ["cohort", "horizon_months", "due_date", "reported", "overdue", "not_due"]
    if known_rows is None or known_rows.empty:
        return pd.DataFrame(columns=columns)
    frame = known_rows.assign(
        due_date=pd.to_datetime(known_rows["due_date"]).dt.date,
        horizon_months=known_rows["horizon_months"].astype(int),
    )
    counts = (
        frame.groupby(["cohort", "horizon_months", "due_date", "follow_up_state"])
        .size()
        .unstack("follow_up_state", fill_value=0)
    )
    for state in ("reported", "overdue", "not_due"):
        if state not in counts:
            counts[state] = 0
    counts = counts.reset_index()[columns]
    return counts.sort_values(["due_date", "cohort", "horizon_months"]).reset_index(drop=True)


def _due_sheet(
    ws: Worksheet, programme_id: str, known_rows: pd.DataFrame | None, as_of: date | None
) -> None:
    horizons = codelists()["horizon_months"]
    summary = due_summary(known_rows)
    as_of_text = f" per {as_of:%d.%m.%Y}" if as_of else ""
    ws["A1"] = f"Oppfølginger IMDi venter på fra {programme_id}{as_of_text}"
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = (
        "Tallene bygger på radene IMDi allerede har fått. Deltakerne vises ikke enkeltvis: "
        "IMDi har bare pseudonymer, ikke deres deltakerreferanser."
    )
    if summary.empty:
        ws["A4"] = "IMDi har ingen oppfølginger registrert for programmet ennå."
        return
    headers = [
        "Pulje",
        "Oppfølgingstidspunkt",
        "Forfallsdato",
        "Innrapportert",
        "Forfalt, ikke innrapportert",
        "Ikke forfalt ennå",
    ]
    for pos, title in enumerate(headers, start=1):
        cell = ws.cell(row=4, column=pos, value=title)
        cell.font = _WHITE_BOLD
        cell.fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(pos)].width = max(16, len(title) + 2)
    for offset, item in enumerate(summary.itertuples(index=False), start=5):
        values = [
            str(item.cohort),
            horizons.label(str(item.horizon_months)),
            item.due_date,
            int(item.reported),
            int(item.overdue),
            int(item.not_due),
        ]
        for pos, value in enumerate(values, start=1):
            cell = ws.cell(row=offset, column=pos, value=value)
            if pos == 3:
                cell.number_format = DATE_FORMAT
        if item.overdue:
            ws.cell(row=offset, column=5).font = Font(bold=True, color="C00000")
    ws.freeze_panes = "A5"


def build_followup_template(
    programme_id: str,
    known_rows: pd.DataFrame | None = None,
    *,
    as_of: date | None = None,
) -> bytes:
    """The .xlsx template for one programme.

    ``known_rows``: the programme's rows of ``fct_followup_status`` from the published copy
    (at least cohort, horizon_months, due_date, follow_up_state), or None. Only counts per
    cohort, horizon and due date reach the workbook.
    """
    spec = contract("participant_followup")
    cohorts: list[str] = []
    if known_rows is not None and not known_rows.empty:
        cohorts = sorted({str(c) for c in known_rows["cohort"].dropna()})
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    guide = workbook.create_sheet(GUIDE_SHEET)
    due = workbook.create_sheet(DUE_SHEET)
    codes = workbook.create_sheet(CODES_SHEET)
    used = list(dict.fromkeys(c.codelist for c in spec.columns if c.codelist))
    ranges = _code_ranges(codes, used, cohorts)
    _data_sheet(data, spec, programme_id, ranges, bool(cohorts))
    _guide_sheet(guide, spec, programme_id)
    _due_sheet(due, programme_id, known_rows, as_of)
    workbook.active = 0
    workbook.properties.creator = "IMDi"
    workbook.properties.title = f"{spec.title_nb} – {programme_id}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
