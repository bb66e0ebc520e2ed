"""The contract check, rule by rule: each bad row gets file row, column, value and a Norwegian message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipelines.ingest import validation
from pipelines.ingest.intake import read_table
from pipelines.ingest.validation import clean_decimals, parse_dates, validate_table
from tests.fixture_files import ENGLISH_HEADER
from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, followup_row, valid_national_id, xlsx_bytes

RECEIVED = date(2020, 1, 15)


def check(rows, claimed=None, **kwargs):
    return validate_table(read_table(csv_bytes(rows, **kwargs)), RECEIVED, claimed)


def only_issue(result, row):
    issues = result.issues[result.issues["source_row"] == row]
    assert len(issues) == 1, issues.to_dict("records")
    return issues.iloc[0]


def test_clean_file_is_accepted_with_norwegian_codes_and_decimal_comma():
    result = check(
        [
            FOLLOWUP_HEADER_NB,
            followup_row("A1", pct="62,5", contract="midlertidig", relevance="delvis relevant"),
            followup_row("A2", status="praksis", pct=None, contract=None),
        ]
    )
    assert result.contract.name == "participant_followup"
    assert result.outcome == "accepted"
    assert result.issues.empty
    first = result.accepted.loc[2]
    assert (first["status"], first["contract_type"], first["job_relevance"]) == (
        "employed",
        "temporary",
        "partly",
    )
    assert Decimal(first["position_pct"]) == Decimal("62.5")
    assert first["programme_end"] == date(2018, 11, 30)
    assert result.accepted.loc[3, "status"] == "internship"


def test_english_headers_and_codes_are_accepted_too():
    header = ENGLISH_HEADER[:-1]  # without the comment column
    row = [
        "P1",
        "2018-1",
        "A1",
        "2018-02-01",
        "2018-11-30",
        "completed",
        "6",
        "2019-05-31",
        "employed",
        "relevant",
        "100",
        "permanent",
    ]
    result = check([header, row], sep=",")
    assert result.outcome == "accepted"
    assert result.accepted.loc[2, "horizon_months"] == 6


@pytest.mark.parametrize(
    ("row", "column", "rule", "words"),
    [
        (
            followup_row("A1", status="jobbing"),
            "status",
            "code",
            "«jobbing» er ikke en gyldig verdi",
        ),
        (followup_row("A1", pct="hundre"), "position_pct", "decimal", "ikke et tall"),
        (followup_row("A1", pct="120"), "position_pct", "range", "utenfor gyldig område (1–100)"),
        (followup_row("A1", end="31.02.2019"), "programme_end", "date", "ikke en gyldig dato"),
        (followup_row("A1", end="2019/02/01"), "programme_end", "date", "ikke en gyldig dato"),
        (
            followup_row("A1", end="01.01.2018", observed="05.01.2018"),
            "programme_end",
            "end_before_start",
            "er før programstart",
        ),
        (
            followup_row("A1", pct=None),
            "position_pct",
            "employed_needs_position_pct",
            "Stillingsprosent må fylles ut",
        ),
        (
            followup_row("A1", contract=None),
            "contract_type",
            "employed_needs_contract_type",
            "fast/midlertidig",
        ),
        (
            followup_row("A1", status="praksis", relevance=None, pct=None, contract=None),
            "job_relevance",
            "work_needs_relevance",
            "«praksis»",
        ),
        (
            followup_row("A1", horizon=12, observed="01.02.2020"),
            "observed_on",
            "observed_on_in_future",
            "etter innleveringsdatoen",
        ),
        (followup_row("A1", cohort=None), "cohort", "required", "«Pulje» må fylles ut"),
        (followup_row("A1", programme="P 1!"), "programme_id", "pattern", "ugyldig format"),
    ],
)
def test_each_row_rule_rejects_only_its_row(row, column, rule, words):
    result = check([FOLLOWUP_HEADER_NB, followup_row("OK1"), row])
    issue = only_issue(result, 3)
    assert (issue["column_name"], issue["rule"], issue["severity"]) == (column, rule, "error")
    assert words in issue["message_nb"]
    assert list(result.accepted.index) == [2]  # the good row is kept: partly bad file policy
    assert result.outcome == "partly_accepted"


def test_observation_outside_window_is_a_warning_and_the_row_is_kept():
    # due date for horizon 6: 30.11.2018 + 6 months = 30.05.2019; window 15.04.2019–30.08.2019
    result = check([FOLLOWUP_HEADER_NB, followup_row("A1", horizon=6, observed="01.12.2019")])
    issue = only_issue(result, 2)
    assert (issue["rule"], issue["severity"]) == ("observed_on_outside_window", "warning")
    assert "15.04.2019–30.08.2019" in issue["message_nb"]
    assert list(result.accepted.index) == [2]
    assert result.outcome == "accepted" and result.warnings == 1


def test_missing_observed_on_is_a_warning():
    row = followup_row("A1")
    row[7] = None
    issue = only_issue(check([FOLLOWUP_HEADER_NB, row]), 2)
    assert (issue["rule"], issue["severity"]) == ("known_status_needs_observed_on", "warning")


def test_all_failures_of_a_row_are_reported_not_just_the_first():
    bad = followup_row("A1", status="i jobb", pct="abc", contract="kanskje", end="32.13.2018")
    result = check([FOLLOWUP_HEADER_NB, bad])
    assert set(result.issues["column_name"]) == {"position_pct", "contract_type", "programme_end"}
    assert result.outcome == "rejected"


def test_missing_required_columns_reject_the_file_naming_them():
    header = [h for h in FOLLOWUP_HEADER_NB if h not in ("Programslutt", "Status")]
    result = check([header, ["x"] * len(header)])
    assert result.outcome == "rejected"
    message = result.issues.iloc[0]["message_nb"]
    assert "«Programslutt» (programme_end)" in message and "«Status» (status)" in message


def test_unknown_headers_reject_the_file():
    result = check([["Navn", "Adresse"], ["Ola", "Gata 1"]])
    assert result.file_error.code == "unknown_columns"
    assert "«Navn»" in result.file_error.message_nb


def test_extra_columns_are_ignored_and_named():
    result = check([[*FOLLOWUP_HEADER_NB, "Mentor"], [*followup_row("A1"), "Kari"]])
    assert result.ignored_columns == ["Mentor"]
    assert result.outcome == "accepted"


def test_duplicates_exact_copy_kept_once_conflicting_copies_all_rejected():
    result = check(
        [
            FOLLOWUP_HEADER_NB,
            followup_row("A1"),
            followup_row("A1"),  # exact copy of row 2
            followup_row("B1", status="i jobb"),
            followup_row("B1", status="arbeidsledig", relevance=None, pct=None, contract=None),
        ]
    )
    assert list(result.accepted.index) == [2]
    assert only_issue(result, 3)["rule"] == "exact_duplicate"
    assert only_issue(result, 4)["rule"] == "duplicate_in_file"
    assert "rad 5" in only_issue(result, 4)["message_nb"]


def test_national_id_in_a_free_text_cell_is_rejected_and_masked():
    nid = valid_national_id()
    result = check([FOLLOWUP_HEADER_NB, followup_row("A1", comment=f"fnr {nid}")])
    issue = only_issue(result, 2)
    assert issue["rule"] == "national_id" and issue["column_name"] == "comment"
    assert nid not in str(result.issues.to_dict())
    assert result.accepted.empty


def test_rows_for_another_programme_are_rejected_when_the_upload_is_scoped():
    result = check(
        [FOLLOWUP_HEADER_NB, followup_row("A1"), followup_row("A2", programme="ANNET")],
        claimed="MENTOR-OSLO",
    )
    issue = only_issue(result, 3)
    assert issue["rule"] == "other_programme"
    assert "«ANNET»" in issue["message_nb"] and "«MENTOR-OSLO»" in issue["message_nb"]


def test_excel_upload_with_real_date_cells():
    from datetime import datetime

    row = followup_row("A1")
    row[3], row[4], row[7] = datetime(2018, 2, 1), datetime(2018, 11, 30), datetime(2018, 11, 30)
    row[6], row[10] = 0.0, 80.0
    result = validate_table(read_table(xlsx_bytes([FOLLOWUP_HEADER_NB, row])), RECEIVED)
    assert result.outcome == "accepted"
    assert result.accepted.loc[2, "programme_start"] == date(2018, 2, 1)
    assert Decimal(result.accepted.loc[2, "position_pct"]) == Decimal("80")


def test_register_and_status_report_are_recognised_by_their_headers():
    register = check(
        [
            ["Program-ID", "Programnavn", "Organisasjon", "Tilskuddsår", "Tilskudd (kr)"],
            ["P1", "Mentor Oslo", "Org", "2018", "1 250 000,50"],
        ]
    )
    assert register.contract.name == "programme_register"
    assert Decimal(register.accepted.loc[2, "grant_nok"]) == Decimal("1250000.50")
    report = check(
        [
            ["Program-ID", "Tilskuddsår", "Periode fra", "Periode til", "Måloppnåelse"],
            ["P1", "2018", "01.01.2018", "31.12.2018", "7 av 10 deltakere har jobbdeltakelse"],
        ]
    )
    assert report.contract.name == "programme_status_report"
    assert report.outcome == "accepted"


def test_parse_dates_never_guesses_day_month_order():
    import pandas as pd

    parsed, bad = parse_dates(
        pd.Series(["05.04.2019", "2019-04-05", "04/05/2019", "5.4.2019", "2019-04-05 00:00:00"])
    )
    assert parsed.tolist()[:2] == [date(2019, 4, 5), date(2019, 4, 5)]
    assert bad.tolist() == [False, False, True, False, False]


def test_decimals_keep_their_exact_digits():
    import pandas as pd

    cleaned, bad = clean_decimals(pd.Series(["62,5", "1.234,56", "33.3333", "50 %", "1,2,3"]))
    assert cleaned.tolist()[:4] == ["62.5", "1234.56", "33.3333", "50"]
    assert bad.tolist() == [False, False, False, False, True]


def _verdict(result):
    return (
        result.outcome,
        result.accepted.to_dict("index"),
        result.issues.to_dict("records"),
        {c: str(t) for c, t in result.accepted.dtypes.items()},
    )


def test_remembered_typing_gives_the_same_verdict_cold_warm_and_when_cleared(monkeypatch):
    # Typing results are remembered per process across files (pipelines/ingest/validation.py). The
    # same rows must get the same verdict - values, dtypes, messages on bad cells - whether
    # nothing is remembered yet, everything is, or the memo is cleared after every column.
    rows = [
        FOLLOWUP_HEADER_NB,
        followup_row("A1", pct="62,5", contract="midlertidig", relevance="delvis relevant"),
        followup_row("A2", status="praksis", pct=None, contract=None),
        followup_row("A3", status="jobbing"),
        followup_row("A4", end="31.02.2019"),
        followup_row("A5", pct="hundre"),
        followup_row("A6", horizon=6),
    ]
    monkeypatch.setattr(validation, "_typed_memo", {})
    cold = _verdict(check(rows))
    assert validation._typed_memo  # something was remembered
    warm = _verdict(check(rows))
    monkeypatch.setattr(validation, "_TYPED_LIMIT", 0)
    cleared = _verdict(check(rows))
    assert cold == warm == cleared
    assert {issue["rule"] for issue in cold[2]} >= {"code", "date", "decimal"}
    # A text typed under one kind is never reused under another: '6' is a valid horizon code
    # but not a date.
    assert check([FOLLOWUP_HEADER_NB, followup_row("B1", end="6")]).outcome == "rejected"


def test_a_text_none_is_not_an_empty_cell_when_copies_are_compared():
    # Copies were compared as text, where an empty comment and the word "None" looked alike:
    # two different rows passed for an exact copy and one was silently skipped.
    result = check(
        [FOLLOWUP_HEADER_NB, followup_row("A1", comment="None"), followup_row("A1", comment=None)]
    )
    assert [only_issue(result, r)["rule"] for r in (2, 3)] == ["duplicate_in_file"] * 2


def test_a_large_group_of_conflicting_rows_names_twenty_others_and_counts_the_rest():
    rows = [followup_row("A1", comment=f"versjon {i}") for i in range(25)]  # rows 2..26
    result = check([FOLLOWUP_HEADER_NB, *rows])
    message = only_issue(result, 2)["message_nb"]
    others = ", ".join(str(r) for r in range(3, 23))  # the first 20 other rows
    assert f"(rad {others} og 4 til)" in message
    assert result.accepted.empty
