"""Issue 14 on a small hand-made warehouse, through real dbt and the real report: how sure each
figure is (preliminary or final), how a figure moved from its first publication to its final
value, and how much of "in work" is backed by evidence.

Programme P1 "Mentor Test", grant year 2019, cohort K1; the contract's observation window runs
92 days after a follow-up's due date (schemas/participant_followup.yaml).

  upload u1, arrived 2020-01-15 - programme end 2019-12-31, horizon 0 (due 2019-12-31):
    a  employed, relevant, 100 %, permanent   source employer     evidence employment_contract
    b  employed, relevant, 100 %, temporary   source programme    evidence none
    c  employed, partly,    80 %, permanent   (old shape: neither column given)
    d  unemployed                             source participant  evidence (not given)
  upload u2, arrived 2020-05-10 - programme end 2020-01-31, horizon 0 (due 2020-01-31):
    e  employed, relevant, 100 %, permanent   source participant  evidence payslip

Windows: a-d at h0 close 2019-12-31 + 92 days = 2020-04-01 (Jan 31 + Feb 29 + Mar 31 = 91 days
to 2020-03-31, one more), e's at h0 2020-01-31 + 92 = 2020-05-02 (Feb 29 + Mar 31 + Apr 30 = 90
to 2020-04-30, two more). At h6 a-d are due 2020-06-30, window to 2020-09-30 (Jul 31 + Aug 31
+ Sep 30 = 92); e is due 2020-07-31, window to 2020-10-31 (Aug 31 + Sep 30 + Oct 31 = 92).

Register extract (uploads r1 2020-06-20, r2 2020-06-25; keys as the data provider writes
them, in groups of four, upper case here): a 2019-12 yes; b 2019-12 no in r1, corrected to yes
in r2; c 2020-06 yes (nothing for 2019-12); d 2019-12 yes; e not in the extract.

The marts are built for the report's quarter, 2020-K2 (reference date 2020-06-30).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.report import ReportFiles, build_quarterly_report
from pipelines.warehouse.raw import ensure_raw_tables
from tests.integration.test_dbt_models import _rows, _run_dbt

AS_OF = date(2020, 6, 30)
DASH = "–"

UPLOADS = {
    "reg1": ("2019-01-10 09:00:00", "programme_register"),
    "u1": ("2020-01-15 10:00:00", "participant_followup"),
    "u2": ("2020-05-10 10:00:00", "participant_followup"),
    "r1": ("2020-06-20 10:00:00", "register_employment"),
    "r2": ("2020-06-25 10:00:00", "register_employment"),
}

# Pseudonyms in the warehouse's form (32 lower-case hex digits), in the order a-e.
KEYS = {key: key * 32 for key in "abcde"}

REGISTER = [
    # upload, key, reference month, employed
    ("r1", "a", "2019-12", "yes"),
    ("r1", "b", "2019-12", "no"),
    ("r2", "b", "2019-12", "yes"),
    ("r1", "c", "2020-06", "yes"),
    ("r1", "d", "2019-12", "yes"),
]


def grouped(key: str) -> str:
    """A key as the register_employment contract has it: groups of four, here upper case."""
    return "-".join(key[i : i + 4] for i in range(0, 32, 4)).upper()


FOLLOWUPS = [
    # upload, key, end, status, relevance, pct, contract, status_source, evidence
    ("u1", "a", "2019-12-31", "employed", "relevant", 100, "permanent", "employer", "employment_contract"),
    ("u1", "b", "2019-12-31", "employed", "relevant", 100, "temporary", "programme", "none"),
    ("u1", "c", "2019-12-31", "employed", "partly", 80, "permanent", None, None),
    ("u1", "d", "2019-12-31", "unemployed", None, None, None, "participant", None),
    ("u2", "e", "2020-01-31", "employed", "relevant", 100, "permanent", "participant", "payslip"),
]  # fmt: skip


def _load(con: duckdb.DuckDBPyConnection) -> None:
    ensure_raw_tables(con)
    for upload_id, (received_at, kind) in UPLOADS.items():
        con.execute(
            "INSERT INTO raw.raw_uploads (upload_id, original_name, channel, uploaded_by,"
            " claimed_programme_id, received_at, size_bytes, contract, outcome, rows_total,"
            " rows_accepted, rows_rejected, warnings, message_nb)"
            " VALUES (?, ?, 'cli', 'test', 'P1', ?, 1000, ?, 'accepted', 1, 1, 0, 0, 'OK')",
            [upload_id, f"{upload_id}.csv", datetime.fromisoformat(received_at), kind],
        )
    con.execute(
        "INSERT INTO raw.raw_programme_register VALUES ('P1', 'Mentor Test', 'Org', 'mentor',"
        " 2019, 1000000, NULL, NULL, 20, 10, 50, 60, 70, 40, 'reg1', 2, ?)",
        [datetime.fromisoformat(UPLOADS["reg1"][0])],
    )
    for row, (upload_id, key, end, status, relevance, pct, kind, source, evidence) in enumerate(
        FOLLOWUPS, start=2
    ):
        con.execute(
            "INSERT INTO raw.raw_followups (programme_id, cohort, grant_year, participant_key,"
            " programme_start, programme_end, exit_reason, horizon_months, status,"
            " job_relevance, position_pct, contract_type, withdrawn, status_source, evidence,"
            " upload_id, source_row, reported_at)"
            " VALUES ('P1', 'K1', 2019, ?, DATE '2019-01-01', ?, 'completed', 0, ?, ?, ?, ?,"
            " 'no', ?, ?, ?, ?, ?)",
            [
                KEYS[key],
                date.fromisoformat(end),
                status,
                relevance,
                None if pct is None else Decimal(pct),
                kind,
                source,
                evidence,
                upload_id,
                row,
                datetime.fromisoformat(UPLOADS[upload_id][0]),
            ],
        )
    for row, (upload_id, key, month, employed) in enumerate(REGISTER, start=2):
        con.execute(
            "INSERT INTO raw.raw_register_employment VALUES ('P1', ?, ?, ?, 100, 'yes', ?, ?, ?)",
            [
                grouped(KEYS[key]),
                month,
                employed,
                upload_id,
                row,
                datetime.fromisoformat(UPLOADS[upload_id][0]),
            ],
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("certainty")
    path = base / "work.duckdb"
    con = duckdb.connect(str(path))
    try:
        _load(con)
    finally:
        con.close()
    _run_dbt(path, base, "build", reference_date=AS_OF.isoformat(), snapshot_quarters=4)
    return path


def _figure(warehouse: Path, table: str, horizon: int, as_of: date | None = None) -> dict:
    where = "cohort = 'K1' AND horizon_months = ?"
    params: list = [horizon]
    if as_of is not None:
        where += " AND as_of_date = ?"
        params.append(as_of)
    rows = _rows(warehouse, f"SELECT * FROM main.{table} WHERE {where}", params)
    assert len(rows) == 1, rows
    return rows[0]


def test_a_figure_is_final_once_every_participants_window_has_closed(warehouse: Path) -> None:
    h0 = _figure(warehouse, "fct_attainment", 0)
    # Latest window among a-e: e's, to 2020-05-02, so final from the day after; 2020-06-30 is
    # later -> final.
    assert (h0["final_from"], h0["figure_status"]) == (date(2020, 5, 3), "final")
    h6 = _figure(warehouse, "fct_attainment", 6)
    # a-d due 2020-06-30 (in scope, overdue); e not due yet but in the cohort, window to
    # 2020-10-31 -> final from 2020-11-01, preliminary now.
    assert (h6["participants"], h6["overdue"]) == (4, 4)
    assert (h6["final_from"], h6["figure_status"]) == (date(2020, 11, 1), "preliminary")


def test_employed_counted_with_evidence_and_by_source(warehouse: Path) -> None:
    h0 = _figure(warehouse, "fct_attainment", 0)
    # In work: a, b, c, e = 4 of 5. Evidence other than 'none': a (contract), e (payslip) = 2;
    # b says 'none', c gave nothing. Sources: programme b + c (old shape counts as programme)
    # = 2, employer a = 1, participant e = 1 (d is the participant's word but not in work).
    assert (h0["participants"], h0["n_employed"], h0["n_employed_with_evidence"]) == (5, 4, 2)
    assert (
        h0["n_employed_source_programme"],
        h0["n_employed_source_employer"],
        h0["n_employed_source_participant"],
        h0["n_employed_source_register"],
    ) == (2, 1, 1, 0)
    statuses = _rows(
        warehouse,
        "SELECT participant_key, status_source, evidence, window_closes_on"
        " FROM main.fct_followup_status WHERE horizon_months = 0 ORDER BY participant_key",
    )
    assert [(r["status_source"], r["evidence"]) for r in statuses] == [
        ("employer", "employment_contract"),
        ("programme", "none"),
        ("programme", None),
        ("participant", None),
        ("participant", "payslip"),
    ]
    assert [r["window_closes_on"] for r in statuses] == [date(2020, 4, 1)] * 4 + [date(2020, 5, 2)]


def test_quarter_snapshots_keep_the_preliminary_first_publication(warehouse: Path) -> None:
    q1 = _figure(warehouse, "fct_attainment_by_quarter", 0, date(2020, 3, 31))
    # 2020-03-31: only u1 had arrived -> a-d; employed a, b, c = 3 of 4 = 75.0 %; relevant a, b
    # = 2 of 4 = 50.0 %; windows to 2020-04-01 -> final from 2020-04-02: preliminary.
    assert (q1["participants"], q1["n_employed"], q1["pct_employed_of_all"]) == (4, 3, 75.0)
    assert q1["pct_relevant_work_of_all"] == 50.0
    assert (q1["final_from"], q1["figure_status"]) == (date(2020, 4, 2), "preliminary")
    q2 = _figure(warehouse, "fct_attainment_by_quarter", 0, date(2020, 6, 30))
    # 2020-06-30: e has arrived: 4 of 5 = 80.0 %, relevant a, b, e = 3 of 5 = 60.0 %; final.
    assert (q2["participants"], q2["n_employed"], q2["pct_employed_of_all"]) == (5, 4, 80.0)
    assert q2["pct_relevant_work_of_all"] == 60.0
    assert (q2["final_from"], q2["figure_status"]) == (date(2020, 5, 3), "final")


def _report(warehouse: Path, out: Path, threshold: int) -> ReportFiles:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return build_quarterly_report(
            con, as_of_date=AS_OF, quarter_label="2020-K2", out_dir=out, threshold=threshold
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def open_report(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    # Threshold 1: no count is small, so every number can be checked against the arithmetic.
    return _report(warehouse, tmp_path_factory.mktemp("open"), threshold=1)


def test_revision_table_sets_first_publication_beside_the_final_value(
    open_report: ReportFiles,
) -> None:
    revisions = open_report.tables["revisions"]
    # Only h0 moved from preliminary (2020-K1) to final (2020-K2); h6 is still preliminary.
    # One figure, so the programme row adds up that one cohort.
    assert list(revisions["level"]) == ["Kull", "Program totalt"]
    assert list(revisions["horizon_months"]) == [0, 0]
    for _, row in revisions.iterrows():
        assert (row["programme_id"], row["programme_name"]) == ("P1", "Mentor Test")
        assert row["first_quarter"] == "2020-K1"
        # employed 3/4 = 75.0 -> 4/5 = 80.0: +5.0 points; relevant 2/4 = 50.0 -> 3/5 = 60.0:
        # +10.0 points.
        assert (row["first_participants"], row["final_participants"]) == (4, 5)
        assert (row["first_pct_employed"], row["final_pct_employed"]) == (75.0, 80.0)
        assert row["change_pct_employed"] == 5.0
        assert (row["first_pct_relevant_work"], row["final_pct_relevant_work"]) == (50.0, 60.0)
        assert row["change_pct_relevant_work"] == 10.0
    cohort = revisions.iloc[0]
    assert (cohort["grant_year"], cohort["cohort"]) == (2019, "K1")


def test_evidence_share_per_programme_and_horizon(open_report: ReportFiles) -> None:
    evidence = open_report.tables["evidence"].set_index("horizon_months")
    # h0: 4 in work, 2 with evidence, 2 without -> 2/4 = 50.0 %.
    h0 = evidence.loc[0]
    assert (h0["n_employed"], h0["n_employed_with_evidence"]) == (4, 2)
    assert (h0["n_employed_without_evidence"], h0["pct_employed_with_evidence"]) == (2, 50.0)
    # h6: nobody reported yet -> 0 in work, no share (not 0 %).
    h6 = evidence.loc[6]
    assert (h6["n_employed"], h6["n_employed_with_evidence"]) == (0, 0)
    assert pd.isna(h6["pct_employed_with_evidence"])


def test_preliminary_figures_are_marked_in_the_tables_html_and_workbook(
    open_report: ReportFiles,
) -> None:
    programmes = open_report.tables["programmes"]
    marks = {
        (row["level"], row["horizon_months"]): row["figure_status"]
        for row in programmes.to_dict("records")
    }
    # Every level has the one cohort's status: h0 final, h6 preliminary.
    for level in ("Alle programmer", "Program totalt", "Tilskuddsår", "Kull"):
        assert marks[(level, 0)] == "endelig"
        assert marks[(level, 6)] == "(f) foreløpig"
    detail = open_report.tables["attainment_detail"]
    cohort = detail[(detail["level"] == "Kull") & (detail["horizon_months"] == 6)].iloc[0]
    assert cohort["final_from"] == date(2020, 11, 1)
    html = open_report.html.read_text(encoding="utf-8")
    assert "(f) = foreløpige tall" in html and "(f) foreløpig" in html
    assert 'id="revisjoner"' in html and 'id="dokumentasjon"' in html
    sheet = openpyxl.load_workbook(open_report.xlsx)["Revisjoner"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["Først publisert"] == "2020-K1"
    assert values["Endring i jobb (prosentpoeng)"] == 5.0
    assert "Foreløpig/endelig" in [
        c.value for c in openpyxl.load_workbook(open_report.xlsx)["Per program"][1]
    ]


def test_small_numbers_are_hidden_in_the_new_tables(warehouse: Path, tmp_path: Path) -> None:
    files = _report(warehouse, tmp_path, threshold=5)
    revision = files.tables["revisions"].iloc[0]
    # First publication (2020-K1 as protected then): 4 participants, 3 employed, 2 relevant:
    # all below 5 -> hidden, and so the shares and changes computed from them.
    assert revision["first_participants"] == DASH
    assert revision["first_pct_employed"] == DASH and revision["change_pct_employed"] == DASH
    # Final: 5 participants are shown (not small), 4 employed is hidden in the attainment table,
    # so its share is hidden here as it is there.
    assert revision["final_participants"] == 5
    assert revision["final_pct_employed"] == DASH
    # The programme row: a sum over hidden numbers is hidden too.
    total = files.tables["revisions"].iloc[1]
    assert total["first_participants"] == DASH and total["first_pct_employed"] == DASH
    assert total["final_participants"] == 5 and total["final_pct_employed"] == DASH
    h0 = files.tables["evidence"].set_index("horizon_months").loc[0]
    # 4 in work (hidden there), 2 and 2: all hidden, and the share.
    assert (
        list(h0[["n_employed", "n_employed_with_evidence", "n_employed_without_evidence"]])
        == [DASH] * 3
    )
    assert h0["pct_employed_with_evidence"] == DASH


def test_register_comparison_sets_the_programmes_status_beside_the_registers(
    warehouse: Path,
) -> None:
    rows = _rows(
        warehouse,
        "SELECT participant_key, horizon_months, reference_month, programme_employed,"
        " register_employed, comparison FROM main.fct_register_comparison"
        " ORDER BY horizon_months, participant_key",
    )
    got = [
        (r["participant_key"][0], r["horizon_months"], r["reference_month"], r["comparison"])
        for r in rows
    ]
    assert got == [
        # h0, month of the due date 2019-12-31:
        ("a", 0, date(2019, 12, 1), "agree"),  # employed / yes
        ("b", 0, date(2019, 12, 1), "agree"),  # employed / no, corrected to yes (newest wins)
        ("c", 0, date(2019, 12, 1), "only_programme"),  # employed / no row for 2019-12
        ("d", 0, date(2019, 12, 1), "disagree"),  # unemployed / yes
        # e is not in the extract: not compared. h6 (due 2020-06-30): a, b, d have no known
        # status and no register row -> nothing to compare; c is overdue, the register says yes.
        ("c", 6, date(2020, 6, 1), "only_register"),
    ]


def test_register_agreement_per_programme_and_horizon(open_report: ReportFiles) -> None:
    table = open_report.tables["register_agreement"].set_index("horizon_months")
    h0 = table.loc[0]
    # Compared (both sides known): a, b, d = 3; agree a, b = 2 -> 2/3 = 66.7 %; disagree d.
    assert (h0["n_compared"], h0["n_agree"], h0["n_disagree"]) == (3, 2, 1)
    assert h0["pct_agree"] == 66.7
    assert (h0["n_only_programme"], h0["n_only_register"]) == (1, 0)
    h6 = table.loc[6]
    assert (h6["n_compared"], h6["n_only_register"]) == (0, 1)
    assert pd.isna(h6["pct_agree"])
    html = open_report.html.read_text(encoding="utf-8")
    assert 'id="registersammenligning"' in html


def test_register_agreement_hides_small_counts(warehouse: Path, tmp_path: Path) -> None:
    table = _report(warehouse, tmp_path, threshold=5).tables["register_agreement"]
    h0 = table.set_index("horizon_months").loc[0]
    # 3, 2, 1, 1 are all below 5: hidden, and the rate with them.
    assert [h0[c] for c in ("n_compared", "n_agree", "n_disagree", "pct_agree")] == [DASH] * 4
