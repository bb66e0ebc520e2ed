"""`imdi report --lang en`: the same report in English - the same cells, the same numbers, the
labels from labels.py (and schemas/indicators.yaml) - rendered from the hand-made warehouse of
tests/unit/test_report.py in both languages in one run."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.report import ReportFiles, build_quarterly_report
from pipelines.report.labels import english, tr
from tests.unit.test_report import AS_OF, QUALITY, make_warehouse


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    folder = tmp_path_factory.mktemp("english")
    con = duckdb.connect(str(make_warehouse(folder / "marts.duckdb")), read_only=True)
    try:
        return build_quarterly_report(
            con, AS_OF, "2020-K2", folder / "out", quality=QUALITY, languages=("nb", "en")
        )
    finally:
        con.close()


def cells(html: str) -> list[str]:
    """The text of every table cell, in order (charts left out)."""
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


NB_NUMBER = re.compile(r"-?\d{1,3}(?:\u00a0\d{3})*(?:,\d)?")
EN_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})*(?:\.\d)?")


def numbers(texts: list[str], pattern: re.Pattern, thousands: str, decimal: str) -> list:
    """Each cell that is a number, as a number; "–" (suppressed) and "" (empty) kept as such."""
    out: list = []
    for text in texts:
        if text in ("–", ""):
            out.append(text)
        elif pattern.fullmatch(text):
            out.append(float(text.replace(thousands, "").replace(decimal, ".")))
    return out


def test_files_for_both_languages(both: ReportFiles) -> None:
    assert both.files["nb"][0].name == "kvartalsrapport.html"
    assert both.files["en"][0].name == "quarterly-report.html"
    assert both.files["en"][1].name == "quarterly-report.xlsx"
    assert both.html == both.files["nb"][0]  # the first language is the report's


def test_html_has_the_same_figures_in_both_languages(both: ReportFiles) -> None:
    nb = cells(both.files["nb"][0].read_text(encoding="utf-8"))
    en = cells(both.files["en"][0].read_text(encoding="utf-8"))
    assert len(nb) == len(en)
    nb_numbers = numbers(nb, NB_NUMBER, "\u00a0", ",")
    en_numbers = numbers(en, EN_NUMBER, ",", ".")
    assert len([n for n in nb_numbers if isinstance(n, float)]) > 100
    assert nb_numbers == en_numbers
    # and written the English way: 88.4, not 88,4
    assert any(re.fullmatch(r"\d+\.\d", text) for text in en)
    assert not any(re.fullmatch(r"\d+,\d", text) for text in en)


def test_workbooks_hold_the_same_values(both: ReportFiles) -> None:
    nb = openpyxl.load_workbook(both.files["nb"][1])
    en = openpyxl.load_workbook(both.files["en"][1])
    assert len(nb.sheetnames) == len(en.sheetnames)
    assert "Per programme" in en.sheetnames and "Per program" in nb.sheetnames
    compared = 0
    for nb_sheet, en_sheet in zip(nb.worksheets[1:-1], en.worksheets[1:-1], strict=True):
        nb_rows = list(nb_sheet.iter_rows(min_row=2, values_only=True))
        en_rows = list(en_sheet.iter_rows(min_row=2, values_only=True))
        assert len(nb_rows) == len(en_rows), nb_sheet.title
        for nb_row, en_row in zip(nb_rows, en_rows, strict=True):
            for a, b in zip(nb_row, en_row, strict=True):
                if isinstance(a, int | float) or a == "–":
                    assert a == b, (nb_sheet.title, a, b)
                    compared += 1
                elif isinstance(a, str):
                    assert b == tr(a, "en")
    assert compared > 100


def test_english_page_is_english(both: ReportFiles) -> None:
    html = both.files["en"][0].read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    for heading in ("Headline figures for the quarter", "Per programme", "Data quality",
                    "Definitions and notes", "Status transitions"):  # fmt: skip
        assert heading in html
    # Norwegian left only where it is quoted: the checks' descriptions and the programmes' own
    # words (both marked as Norwegian in their column headers), and the term "på rett hylle".
    text = re.sub(r"<(style|svg).*?</\1>", "", html, flags=re.S)
    text = re.sub(r"<td>Lav dekning ved 6 måneder</td>", "", text)
    words = set(re.findall(r"\w*[æøåÆØÅ]\w*", re.sub(r"<[^>]+>", " ", text)))
    assert words <= {"på"}, words
    assert "Description (Norwegian)" in html


def test_every_text_the_report_translates_has_an_english_twin() -> None:
    """Every literal passed to ``_()`` in the template or ``tr()`` in the report's code, and
    every sheet title, is in the catalogue (a missing one would stay Norwegian)."""
    from pipelines.report.excel import SHEET_TITLES
    from pipelines.settings import REPO_ROOT

    report = REPO_ROOT / "pipelines" / "report"
    texts = set(SHEET_TITLES.values())
    texts |= set(
        re.findall(
            r'_\("((?:[^"\\]|\\.)*)"\)', (report / "templates" / "report.html.j2").read_text()
        )
    )
    for name in ("build.py", "charts.py", "excel.py"):
        source = (report / name).read_text(encoding="utf-8")
        texts |= set(re.findall(r'\b(?:tr|_)\(\s*"((?:[^"\\]|\\.)*)"', source))
    assert len(texts) > 60
    missing = sorted(t for t in texts if t not in english())
    assert not missing, missing
    assert (
        english()["I jobb (inkl. selvstendig næringsdrivende)"] == "In work (incl. self-employed)"
    )


def test_cli_takes_the_language(tmp_path: Path) -> None:
    from pipelines.cli import parser

    assert parser().parse_args(["report", "--lang", "en"]).lang == "en"
    assert parser().parse_args(["report"]).lang == "nb"
    with pytest.raises(SystemExit):
        parser().parse_args(["report", "--lang", "de"])
