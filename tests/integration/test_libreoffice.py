"""The Excel template and the receipt in a real spreadsheet program: LibreOffice Calc, headless.

LibreOffice opens the generated template and a filled one and saves them as CSV (what a leader
without Excel sends); the CSV uploads cleanly. A save round trip through LibreOffice keeps the
drop-down lists and the other input checks (read back with openpyxl), and the round-tripped
workbook uploads cleanly too. The receipt's XLSX opens, and a finding's value that looks like a
formula stays text. Uses Debian's libreoffice-calc (installed by .ci/run) with a private
profile in tmp_path; never skipped.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from pipelines.contracts import codelists, contract
from pipelines.ingest.intake import read_table
from pipelines.ingest.receipt_files import to_xlsx
from pipelines.ingest.template import CODES_SHEET, DATA_SHEET, build_followup_template
from pipelines.ingest.validation import validate_table
from tests.helpers import fill_template, list_values

PROGRAMME = "MENTOR-OSLO"
SPEC = contract("participant_followup")
RECEIVED = date(2020, 6, 30)
# CSV export: ';' between fields, '"' around text that needs it, UTF-8, from the first sheet.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):59,34,76,1"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail(
            "This test needs LibreOffice Calc: `apt-get install libreoffice-calc` (see .ci/run)."
        )
    return found


def convert(files: list[Path], target: str, out: Path, profile: Path) -> list[Path]:
    """LibreOffice converts ``files`` to ``target`` in ``out``, headless, with its own profile."""
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    extension = target.split(":", 1)[0]
    made = [out / f"{f.stem}.{extension}" for f in files]
    missing = [p.name for p in made if not p.exists()]
    assert done.returncode == 0 and not missing, (
        done.returncode,
        missing,
        done.stdout,
        done.stderr,
    )
    return made


def filled_template(tmp_path: Path) -> tuple[Path, Path]:
    """The template as downloaded, and the same filled in as a leader does (labels from the
    drop-downs, real dates, a reference with a leading zero, a ';' in a comment)."""
    template = tmp_path / "mal.xlsx"
    template.write_bytes(build_followup_template(PROGRAMME, as_of=RECEIVED))
    rows = [
        {
            "participant_ref": "007",
            "horizon_months": "6 måneder etter",
            "observed_on": datetime(2019, 5, 31),
            "status": "i jobb",
            "job_relevance": "relevant",
            "position_pct": 62.5,
            "contract_type": "fast",
            "comment": "Søker; «fast» stilling",
        },
        {
            "participant_ref": "008",
            "horizon_months": "ved programslutt",
            "observed_on": datetime(2018, 11, 30),
            "status": "arbeidsledig",
        },
    ]
    filled = tmp_path / "utfylt.xlsx"
    fill_template(template, rows, PROGRAMME).save(filled)
    return template, filled


def validations_by_column(workbook: openpyxl.Workbook) -> dict[int, list]:
    """Column number -> the data validations on the data sheet that cover rows 2-1001 of it."""
    found: dict[int, list] = {}
    for dv in workbook[DATA_SHEET].data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(cell_range.coord)
            if min_row <= 2 and max_row >= 1001:
                for col in range(min_col, max_col + 1):
                    found.setdefault(col, []).append(dv)
    return found


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    """Every LibreOffice conversion the tests need, in two runs of LibreOffice."""
    folder = tmp_path_factory.mktemp("libreoffice")
    profile = folder / "lo-profile"
    template, filled = filled_template(folder)
    receipt = folder / "kvittering.xlsx"
    receipt.write_bytes(
        to_xlsx(
            pd.DataFrame(
                {
                    "Rad": [2, 3],
                    "Verdi": ["=1+1", "@SUM(A1:A2)"],
                    "Melding": ["«=1+1» er ikke et tall.", "vanlig tekst"],
                }
            )
        )
    )
    template_csv, filled_csv, receipt_csv = convert(
        [template, filled, receipt], CSV_FILTER, folder / "csv", profile
    )
    (saved,) = convert([filled], "xlsx:Calc MS Excel 2007 XML", folder / "saved", profile)
    return {
        "template": template,
        "filled": filled,
        "template_csv": template_csv,
        "filled_csv": filled_csv,
        "receipt_csv": receipt_csv,
        "saved": saved,
    }


def test_the_template_saved_as_csv_by_libreoffice_is_recognised_and_only_lacks_rows(converted):
    data = converted["template_csv"].read_bytes()
    table = read_table(data)
    assert table.delimiter == ";" and table.header == [c.label_nb for c in SPEC.columns]
    result = validate_table(table, RECEIVED, PROGRAMME)
    assert result.contract.name == "participant_followup"
    # The same verdict as the unfilled workbook itself: headers, no data rows.
    assert result.file_error is not None and result.file_error.code == "no_rows"


def test_a_filled_template_saved_as_csv_by_libreoffice_uploads_cleanly(converted):
    result = validate_table(read_table(converted["filled_csv"].read_bytes()), RECEIVED, PROGRAMME)
    assert result.outcome == "accepted", result.issues.to_dict("records")
    assert result.issues.empty
    first, second = result.accepted.loc[2], result.accepted.loc[3]
    assert first["participant_ref"] == "007"  # the text cell kept its leading zero
    assert first["programme_end"] == date(2018, 11, 30)  # dd.mm.yyyy as formatted
    assert (first["horizon_months"], first["status"]) == (6, "employed")
    assert first["position_pct"] == "62.5"
    assert first["comment"] == "Søker; «fast» stilling"  # quoted: the ';' stayed in the cell
    assert (second["horizon_months"], second["status"]) == (0, "unemployed")


def test_drop_downs_and_input_checks_survive_a_save_round_trip(converted):
    original = validations_by_column(openpyxl.load_workbook(converted["filled"]))
    saved_book = openpyxl.load_workbook(converted["saved"])
    saved = validations_by_column(saved_book)
    for pos, column in enumerate(SPEC.columns, start=1):
        kinds = {dv.type for dv in original[pos]}
        assert {dv.type for dv in saved.get(pos, [])} >= kinds - {None}, column.name
    code_columns = [(pos, c) for pos, c in enumerate(SPEC.columns, start=1) if c.codelist]
    assert len(code_columns) >= 10
    for pos, column in code_columns:
        [drop_down] = [dv for dv in saved[pos] if dv.type == "list"]
        assert CODES_SHEET in drop_down.formula1, (column.name, drop_down.formula1)
        assert list_values(saved_book, drop_down.formula1) == list(
            codelists()[column.codelist].codes.values()
        ), column.name
    [programme] = [dv for dv in saved[1] if dv.type == "list"]
    assert PROGRAMME in programme.formula1


def test_the_workbook_saved_by_libreoffice_uploads_cleanly(converted):
    result = validate_table(read_table(converted["saved"].read_bytes()), RECEIVED, PROGRAMME)
    assert result.outcome == "accepted", result.issues.to_dict("records")
    assert list(result.accepted["participant_ref"]) == ["007", "008"]


def test_the_receipt_workbook_opens_and_formula_like_values_stay_text(converted):
    text = converted["receipt_csv"].read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [
        ["Rad", "Verdi", "Melding"],
        ["2", "=1+1", "«=1+1» er ikke et tall."],  # not 2: never evaluated
        ["3", "@SUM(A1:A2)", "vanlig tekst"],
    ]
