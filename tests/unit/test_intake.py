"""The Norwegian CSV/Excel dialects: encodings, separators, decimal commas, dates, Excel cells."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from pipelines.ingest.intake import IntakeError, read_table
from tests.helpers import csv_bytes, xlsx_bytes

ROWS = [
    ["Program-ID", "Pulje", "Stillingsprosent", "Kommentar"],
    ["P1", "2018-1", "62,5", "Søknad på Ålesund"],
]


@pytest.mark.parametrize(
    ("sep", "encoding", "bom", "expected_encoding"),
    [
        (";", "cp1252", False, "cp1252"),
        (";", "utf-8", True, "utf-8-sig"),
        (",", "utf-8", False, "utf-8"),
        ("\t", "utf-8", False, "utf-8"),
    ],
)
def test_csv_dialects_read_the_same_cells(sep, encoding, bom, expected_encoding):
    rows = ROWS if sep != "," else [ROWS[0], ["P1", "2018-1", '"62,5"', "Søknad på Ålesund"]]
    table = read_table(csv_bytes(rows, sep=sep, encoding=encoding, bom=bom))
    assert table.encoding == expected_encoding
    assert table.delimiter == sep
    assert table.header == ROWS[0]  # no BOM left in the first header
    assert table.frame.loc[2].tolist() == ["P1", "2018-1", "62,5", "Søknad på Ålesund"]


def test_row_numbers_are_the_ones_the_uploader_sees():
    data = csv_bytes([["Program-ID", "Pulje"], ["P1", "a"], ["", ""], ["P2", "b"]])
    table = read_table(data)
    assert list(table.frame.index) == [2, 4]


def test_xlsx_dates_floats_and_formulas():
    data = xlsx_bytes(
        [
            ["Program-ID", "Programslutt", "Stillingsprosent", "Fødselsår", "Formel"],
            ["P1", datetime(2019, 3, 31), 62.5, 1985.0, "=1+1"],
        ]
    )
    table = read_table(data)
    assert table.file_format == "xlsx"
    # dates arrive as ISO text, whole floats as integers, formulas are never evaluated
    # (openpyxl wrote no cached value, so the cell is empty rather than "2")
    assert table.frame.loc[2].tolist() == ["P1", "2019-03-31", "62.5", "1985", None]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"   \r\n", "empty_file"),
        (b"%PDF-1.7 ...", "not_spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy_xls"),
        (b"\x00\x01\x02binary", "binary"),
        (b"PK\x03\x04garbage", "broken_zip"),
    ],
)
def test_whole_file_problems_have_norwegian_messages(data, code):
    with pytest.raises(IntakeError) as caught:
        read_table(data)
    assert caught.value.code == code
    assert caught.value.message_nb  # shown to the uploader as is


def test_macro_workbook_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "<x/>")
        archive.writestr("xl/vbaProject.bin", b"\x00" * 10)
    with pytest.raises(IntakeError) as caught:
        read_table(buffer.getvalue())
    assert caught.value.code == "macros"


def test_spreadsheet_bomb_refused_before_opening():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(IntakeError) as caught:
        read_table(data)
    assert caught.value.code == "xlsx_bomb"


def test_thousands_of_columns_refused():
    with pytest.raises(IntakeError) as caught:
        read_table(csv_bytes([[f"k{i}" for i in range(5000)], ["x"] * 5000]))
    assert caught.value.code == "too_many_columns"


def test_a_row_with_more_fields_than_the_header_is_named_in_norwegian():
    # Was pandas' "Error tokenizing data. C error: Expected 2 fields in line 2, saw 4".
    with pytest.raises(IntakeError) as caught:
        read_table(b"a;b\n1;2;3;4\n5;6\n")
    assert caught.value.code == "field_count"
    assert caught.value.message_nb.startswith("Rad 2 har 4 felt, men overskriften har 2.")
    assert "Error" not in caught.value.message_nb and "fields" not in caught.value.message_nb
    assert caught.value.rows == 2  # the file could be read: it has two data rows


def test_a_row_with_fewer_fields_is_named_and_every_other_bad_row_listed():
    header = ";".join(f"k{i}" for i in range(18))
    rows = [";".join(["x"] * 18), ";".join(["x"] * 19), ";".join(["x"] * 17), ";".join(["x"] * 18)]
    with pytest.raises(IntakeError) as caught:
        read_table(("\r\n".join([header, *rows]) + "\r\n").encode())
    message = caught.value.message_nb
    assert message.startswith("Rad 3 har 19 felt, men overskriften har 18.")
    assert "Det gjelder også rad 4." in message
    assert caught.value.rows == 4


def test_empty_trailing_fields_and_blank_lines_are_not_counted_as_wrong():
    table = read_table(b"a;b;\r\n1;2;;\r\n\r\n3;4\r\n")
    assert table.header[:2] == ["a", "b"] and not any(table.header[2:])
    assert table.frame.loc[2].tolist()[:2] == ["1", "2"]
    assert list(table.frame.index) == [2, 4]


def test_rows_with_quoted_delimiters_and_line_breaks_are_one_field():
    table = read_table(b'a;b\r\n"1;x";"linje 1\r\nlinje 2"\r\n3;4\r\n')
    assert table.frame.loc[2].tolist() == ["1;x", "linje 1\r\nlinje 2"]
    assert table.frame.loc[3].tolist() == ["3", "4"]


def test_an_unclosed_quote_is_reported_with_its_row():
    with pytest.raises(IntakeError) as caught:
        read_table(b'a;b\r\n1;2\r\n"3;4\r\n5;6\r\n')
    assert caught.value.code == "csv_structure"
    assert "rad 3" in caught.value.message_nb and "anførselstegn" in caught.value.message_nb


def test_a_short_row_among_quoted_values_is_named():
    # Quotes on single lines: counted line by line, only the quoted lines parsed as CSV.
    with pytest.raises(IntakeError) as caught:
        read_table(b'a;b;c\r\n"1;x";2;3\r\n4;"5"\r\n"6";7;""\r\n')
    assert caught.value.code == "field_count"
    assert caught.value.message_nb.startswith("Rad 3 har 2 felt, men overskriften har 3.")


@pytest.mark.parametrize(
    "text",
    [
        'a;b\r\n"1;x";2\r\n\r\n3;""\r\n',  # every quoted value on one line
        'a;b\n"linje 1\nlinje 2";2\n3;4\n',  # a quoted value across lines
        'a;b\r\n"3"x;4\r\n',  # a value the strict parser refuses
        'a;b\r"1";2\r',  # old Mac line ends
    ],
)
def test_quoted_text_is_split_into_the_records_the_csv_module_reads(text):
    from pipelines.ingest.intake import _csv_records, _quoted_lines

    by_line = _quoted_lines(text, ";", None)
    if by_line is not None:
        lines, quoted = by_line
        records = [quoted.get(i, line.split(";") if line else []) for i, line in enumerate(lines)]
        assert records == _csv_records(text, ";", None, strict=False)


def test_the_distinct_texts_found_while_reading_give_back_every_cell():
    # The header's text also in the body, blanks and spaces, a text only in the header.
    table = read_table(b"\n a ;b;c\r\n a ;x; \r\n\r\nb;;c\r\n a ;x;z\r\n")
    for column in table.frame.columns:
        codes, texts = table.distinct(column)
        cells = [None if code < 0 else texts[code] for code in codes]
        assert cells == table.frame[column].tolist()
        assert len(set(texts)) == len(texts) == len(set(filter(None, cells)))
