"""`imdi upload` end to end in tmp_path: receipts grouped by rule that fit a screen, the whole
list as CSV and XLSX, texts that are true for every kind of file, and the upload limits."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.ingest.intake import IntakeError, read_table
from pipelines.ingest.landing import landed_files
from pipelines.ingest.receipt import LOADING_NB, MAX_CLI_LINES
from pipelines.ingest.receipt_files import to_csv, to_xlsx
from pipelines.settings import Settings
from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, followup_row, valid_national_id, xlsx_bytes

PROGRAMME = "MENTOR-OSLO"
# The receipt used to end with this for every file, refused or not.
OLD_LOADING_NB = "sensoren laster den inn"


def upload(path: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["upload", str(path), "--programme", PROGRAMME, *extra])
    return code, capsys.readouterr().out


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def late(ref: str) -> list[object]:
    """A valid row whose observation lies outside its window: one warning.
    (Horizon 6 after 30.11.2018: due 30.05.2019, window 15.04.2019–30.08.2019.)"""
    return followup_row(ref, horizon=6, observed="01.12.2019")


def receipt_rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings.from_env()


# --- a large file: grouped receipt, whole list downloaded ------------------------------------


def test_three_thousand_warnings_fit_a_screen_and_the_whole_list_is_in_the_files(
    settings, tmp_path, capsys
):
    rows = [late(f"D{i:05d}") for i in range(3000)]
    rows[10] = followup_row("X1", status="jobbing")  # row 12: bad code, error
    rows[20] = followup_row("X2", pct="120")  # row 22: out of range, error
    code, out = upload(write(tmp_path, "stor.csv", csv_bytes([FOLLOWUP_HEADER_NB, *rows])), capsys)
    lines = out.splitlines()
    assert code == 0
    assert len(lines) <= MAX_CLI_LINES
    # 3000 rows; rows 12 and 22 rejected; the other 2998 each carry one warning.
    assert "  Rader: 3000 i filen, 2998 godkjent, 2 avvist, 2998 advarsler" in lines
    assert "Funn per regel (3 regler, 3000 funn):" in lines
    # Errors first, then the largest group, with the first five rows as examples.
    groups = [line for line in lines if line.startswith("  feil") or line.startswith("  advarsel")]
    assert groups == [
        "  feil: Status (status) – 1 rad [code]",
        "  feil: Stillingsprosent (position_pct) – 1 rad [range]",
        "  advarsel: Observert dato (observed_on) – 2998 rader [observed_on_outside_window]",
    ]
    warning_at = lines.index(groups[2])
    assert lines[warning_at + 2 : warning_at + 7] == [
        f"      rad {r}: «01.12.2019»" for r in (2, 3, 4, 5, 6)
    ]
    assert LOADING_NB in out

    [landed] = landed_files(settings.paths)
    csv_path = settings.paths.receipts / f"{landed.upload_id}.csv"
    assert f"Hele listen (3000 funn): {csv_path}" in lines
    listed = receipt_rows(csv_path)
    assert list(listed.columns) == [
        "Rad",
        "Kolonne",
        "Verdi",
        "Alvorlighet",
        "Melding",
        "Regel (kode)",
    ]
    assert len(listed) == 1 + 3000  # the summary, then every finding
    assert listed.iloc[0]["Alvorlighet"] == "oppsummering"
    assert (listed["Alvorlighet"] == "advarsel").sum() == 2998
    assert listed.loc[listed["Rad"] == "12", "Melding"].item().startswith("«jobbing» er ikke")
    sheet = openpyxl.load_workbook(settings.paths.receipts / f"{landed.upload_id}.xlsx").active
    values = list(sheet.values)
    assert list(values[0]) == list(listed.columns)
    assert len(values) == 1 + 1 + 3000
    assert values[2][:4] == (2, "Observert dato (observed_on)", "01.12.2019", "advarsel")


def test_many_kinds_of_findings_still_fit_sixty_lines(settings, tmp_path, capsys):
    # Six rows each of twelve kinds of bad row; two kinds break two rules, so 14 groups of 6
    # findings (84): 14 x 7 lines would not fit in 60.
    bad = [
        {"status": "jobbing"},  # code (status)
        {"pct": "120"},  # range (position_pct)
        {"pct": "hundre"},  # decimal (position_pct)
        {"contract": "kanskje"},  # code (contract_type)
        {"relevance": "kanskje"},  # code (job_relevance)
        {"end": "31.02.2019"},  # date (programme_end)
        {"start": "2018/02/01"},  # date (programme_start)
        {"exit_reason": "ferdig"},  # code (exit_reason)
        {"cohort": None},  # required (cohort)
        {"programme": "P 1!"},  # pattern and other_programme (programme_id)
        {"observed": "01.01.2099"},  # observed_on_in_future, and outside its window (warning)
        {"comment": "x" * 501},  # max_length (comment)
    ]
    rows = [followup_row(f"R{k}-{i}", **kind) for k, kind in enumerate(bad) for i in range(6)]
    code, out = upload(write(tmp_path, "mange.csv", csv_bytes([FOLLOWUP_HEADER_NB, *rows])), capsys)
    lines = out.splitlines()
    assert code == 3  # every row has an error: nothing is loaded
    assert len(lines) <= MAX_CLI_LINES
    assert "Funn per regel (14 regler, 84 funn):" in lines
    # Six lines of head, two before the groups, four after: room for six groups of seven.
    assert sum(1 for line in lines if line.startswith("  feil: ")) == 6
    assert "  … og 8 regler til med 48 funn: se hele listen." in lines
    assert "  Rader: 72 i filen, 0 godkjent, 72 avvist, 6 advarsler" in lines
    assert LOADING_NB not in out and OLD_LOADING_NB not in out


# --- every kind of refused file says what is true, and what to do next ------------------------


def _macro_workbook() -> bytes:
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([FOLLOWUP_HEADER_NB, followup_row("A1")])))
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf macro")
    return buffer.getvalue()


REFUSED = [
    # (id, file name, bytes, the receipt's rows line, a phrase of the reason)
    ("empty", "tom.csv", lambda: b"", "Rader: ukjent", "Filen er tom."),
    ("pdf", "a.xlsx", lambda: b"%PDF-1.7 ...", "Rader: ukjent", "Filen er en PDF"),
    ("binary", "a.csv", lambda: b"\x00\x01" * 50, "Rader: ukjent", "ikke en tekstfil"),
    ("macros", "m.xlsm", _macro_workbook, "Rader: ukjent", "makroer"),
    (
        "unknown-columns",
        "u.csv",
        lambda: csv_bytes([["Navn", "Adresse"], ["Ola", "Gate 1"], ["Kari", "Gate 2"]]),
        "Rader: 2 i filen, 0 godkjent, 2 avvist, 0 advarsler",
        "Fant ingen kjente kolonner",
    ),
    (
        "missing-column",
        "m.csv",
        lambda: csv_bytes(
            [
                [h for h in FOLLOWUP_HEADER_NB if h != "Status"],
                [
                    v
                    for h, v in zip(FOLLOWUP_HEADER_NB, followup_row("A1"), strict=True)
                    if h != "Status"
                ],
            ]
        ),
        "Rader: 1 i filen, 0 godkjent, 1 avvist, 0 advarsler",
        "Kolonnen «Status» (status) mangler.",
    ),
    (
        "too-many-fields",
        "f.csv",
        lambda: csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1"), [*followup_row("A2"), "x"]]),
        "Rader: 2 i filen, 0 godkjent, 2 avvist, 0 advarsler",
        "Rad 3 har 14 felt, men overskriften har 13.",
    ),
    (
        "national-id",
        "fnr.csv",
        lambda: csv_bytes(
            [FOLLOWUP_HEADER_NB, followup_row("A1"), followup_row(valid_national_id())]
        ),
        "Rader: 2 i filen, 0 godkjent, 2 avvist, 0 advarsler",
        "fødselsnummer",
    ),
    (
        "every-row-bad",
        "alle.csv",
        lambda: csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1", status="jobbing")]),
        "Rader: 1 i filen, 0 godkjent, 1 avvist, 0 advarsler",
        "ingen rader ble godkjent",
    ),
]


@pytest.mark.parametrize(
    ("name", "make", "rows_line", "reason"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_a_refused_file_is_never_said_to_be_loaded_and_says_what_to_do(
    settings, tmp_path, capsys, name, make, rows_line, reason
):
    code, out = upload(write(tmp_path, name, make()), capsys)
    assert code == 3
    assert LOADING_NB not in out and OLD_LOADING_NB not in out
    assert "leses inn i varehuset" not in out.replace("Ingenting fra filen leses inn", "")
    assert f"  {rows_line}" in out
    assert reason in out
    assert "Neste steg" in out
    assert "Error" not in out and "tokenizing" not in out


def test_an_accepted_file_is_said_to_be_loaded(settings, tmp_path, capsys):
    code, out = upload(
        write(tmp_path, "ok.csv", csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1")])), capsys
    )
    assert code == 0
    assert "  Rader: 1 i filen, 1 godkjent, 0 avvist, 0 advarsler" in out
    assert LOADING_NB in out  # so its absence above means something
    assert "Funn per regel" not in out and "Hele listen" not in out


# --- limits -------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    home, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("IMDI_MAX_UPLOAD_MB", "0,01")  # 10 485 bytes
    data = csv_bytes([FOLLOWUP_HEADER_NB, *[followup_row(f"A{i}") for i in range(200)]])
    assert len(data) > 10_485
    code, out = upload(write(tmp_path, "stor.csv", data), capsys)
    assert code == 3
    assert "Filen er for stor: høyst 0,01 MB er tillatt." in out
    assert "ikke lest og ikke lagret" in out and LOADING_NB not in out
    assert landed_files(Settings.from_env().paths) == []


def test_a_file_over_the_row_limit_is_refused_and_not_stored(home, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IMDI_MAX_UPLOAD_ROWS", "5")
    six = csv_bytes([FOLLOWUP_HEADER_NB, *[followup_row(f"A{i}") for i in range(6)]])
    code, out = upload(write(tmp_path, "seks.csv", six), capsys)
    assert code == 3
    assert "Filen har flere enn 5 rader; høyst 5 er tillatt i én fil." in out
    assert landed_files(Settings.from_env().paths) == []
    five = csv_bytes([FOLLOWUP_HEADER_NB, *[followup_row(f"A{i}") for i in range(5)]])
    code, out = upload(write(tmp_path, "fem.csv", five), capsys)
    assert code == 0 and "Rader: 5 i filen, 5 godkjent" in out


def _genuine_workbook(rows: int) -> bytes:
    """A real workbook with ``rows`` data rows of varied text (compresses like real data, so
    not a "bomb"), written as a stream so the test itself stays small in memory."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
            'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Oppfølging" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>Program-ID</t></is></c>'
                b'<c r="B1" t="inlineStr"><is><t>Deltakerreferanse</t></is></c></row>'
            )
            for start in range(2, rows + 2, 10_000):
                sheet.write(
                    "".join(
                        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>MENTOR-OSLO</t></is></c>'
                        f'<c r="B{n}" t="inlineStr"><is><t>D{n * 7919 % 1000003:07d}</t></is></c>'
                        "</row>"
                        for n in range(start, min(start + 10_000, rows + 2))
                    ).encode()
                )
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_a_genuine_workbook_over_the_row_limit_is_refused_with_bounded_memory():
    data = _genuine_workbook(400_000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        inflated = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    assert inflated > 40 * 1024 * 1024  # the sheet inflates to tens of MB
    assert inflated < 200 * len(data)  # and compresses like real data: not a zip bomb
    tracemalloc.start()
    try:
        with pytest.raises(IntakeError) as caught:
            read_table(data, max_rows=300_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "too_many_rows"
    assert "høyst 300 000 er tillatt" in caught.value.message_nb
    # Streamed in 1 MB pieces: the peak is a few MB, not the sheet (nor openpyxl's cells).
    assert peak < 16 * 1024 * 1024, peak


def test_a_workbook_under_the_row_limit_is_read_whole():
    table = read_table(_genuine_workbook(1_000), max_rows=1_000)
    assert table.header == ["Program-ID", "Deltakerreferanse"]
    assert len(table.frame) == 1_000 and table.frame.index[-1] == 1_001


# --- the files: formula-safe, Norwegian ----------------------------------------------------------


def test_cells_that_look_like_formulas_stay_text_in_both_files():
    frame = pd.DataFrame(
        {
            "Rad": [2, 3, 4, 5, None],
            "Verdi": ["=1+1", "+47 22 33 44 55", "-2+3", "@SUM(A1)", "vanlig; med «semikolon»"],
        }
    )
    lines = to_csv(frame).decode("utf-8-sig").splitlines()
    assert lines == [
        "Rad;Verdi",
        "2;'=1+1",
        "3;'+47 22 33 44 55",
        "4;'-2+3",
        "5;'@SUM(A1)",
        ';"vanlig; med «semikolon»"',
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame))).active
    cells = [(c.value, c.data_type) for c in sheet["B"]][1:]
    assert cells == [
        ("=1+1", "s"),
        ("+47 22 33 44 55", "s"),
        ("-2+3", "s"),
        ("@SUM(A1)", "s"),
        ("vanlig; med «semikolon»", "s"),
    ]
    assert [c.value for c in sheet["A"]][1:] == [2, 3, 4, 5, None]
