"""The quarterly report on a hand-made warehouse: the published numbers must be the mart numbers
(where not hidden), small numbers and the cells protecting them must be hidden everywhere, and
the HTML must stand on its own (no scripts, no URLs, charts as inline SVG).

The fixture (as of 2020-06-30), all programmes together at programme end (h0):

P1 "Mentor Oslo", grant year 2018 (targets: employed 40 % at h0, 60 % at h12, relevant 40 % at h12)
  cohort 2018-1, h0: 40 participants, all reported, 35 known; employed 20, relevant 10,
      full-time 15, part-time 5, permanent 10, temporary 10, right shelf 5, closer 10,
      unemployed 5. Chosen so that no count and no difference of nested counts is 1-4.
  cohort 2018-2, h0: 10 participants, all known; employed 5 (all relevant, full-time,
      permanent, right shelf), unemployed 5.
  cohort 2018-1, h6: 20 participants, 15 reported (5 overdue), all reported known; employed 10.
  cohort 2018-1, h12: 20 participants, all known; employed 15, relevant 10.
P2 "Trainee Bergen", grant year 2019, cohort 2019-A, h0: 8 participants, all known; employed 3
  (full-time, permanent), unemployed 5.

Worked out by hand for h0, column n_employed: P2's 3 is hidden (primary), in its cohort, grant
year and programme rows alike (one cohort, so the same number). The all-programme total
28 = P1 25 + P2 3 would give P2 away, so P1's programme total (and its grant-year twin) is
hidden too, while the total 28 stays. The same holds for full-time and permanent. P1's grant
year count also appears in "said and shown" (shown_employed_0 for P1/2018), which must therefore
be hidden there as well. Everything not hidden must be exactly the mart's number.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.report import ReportFiles, build_quarterly_report

AS_OF = date(2020, 6, 30)
DASH = "–"
INDICATORS = [
    "employed",
    "relevant_work",
    "full_time",
    "part_time",
    "permanent",
    "temporary",
    "right_shelf",
    "closer_to_relevant",
    "unemployed",
    "unknown",
]


def pct(n: int, d: int) -> float | None:
    if not d:
        return None
    return float((Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def attainment_row(
    key: tuple[str, int, str, int],
    participants: int,
    reported: int,
    known: int,
    employed: int = 0,
    relevant: int = 0,
    full: int = 0,
    part: int = 0,
    perm: int = 0,
    temp: int = 0,
    right: int = 0,
    closer: int = 0,
    unemployed: int = 0,
    target_employed: float | None = None,
    target_relevant: float | None = None,
) -> dict:
    programme_id, grant_year, cohort, horizon = key
    counts = {
        "employed": employed,
        "relevant_work": relevant,
        "full_time": full,
        "part_time": part,
        "permanent": perm,
        "temporary": temp,
        "right_shelf": right,
        "closer_to_relevant": closer,
        "unemployed": unemployed,
        "unknown": participants - known,
    }
    row = {
        "programme_id": programme_id,
        "grant_year": grant_year,
        "cohort": cohort,
        "horizon_months": horizon,
        "participants": participants,
        "reported": reported,
        "known_status": known,
        "coverage_pct": pct(known, participants),
    }
    for ind in INDICATORS:
        row[f"n_{ind}"] = counts[ind]
        row[f"pct_{ind}_of_all"] = pct(counts[ind], participants)
        if ind != "unknown":  # unknown has no share of the known (schemas/indicators.yaml)
            row[f"pct_{ind}_of_known"] = pct(counts[ind], known)
    row["target_employed_pct"] = target_employed
    row["target_relevant_pct"] = target_relevant
    row["employed_target_met"] = (
        None if target_employed is None else row["pct_employed_of_all"] >= target_employed
    )
    row["relevant_target_met"] = (
        None if target_relevant is None else row["pct_relevant_work_of_all"] >= target_relevant
    )
    row["overdue"] = participants - reported
    return row


P1_TARGETS = {0: (40.0, None), 6: (None, None), 12: (60.0, 40.0)}


def p1(cohort: str, horizon: int, *args: int, **kwargs: int) -> dict:
    employed_target, relevant_target = P1_TARGETS[horizon]
    return attainment_row(
        ("P1", 2018, cohort, horizon),
        *args,
        target_employed=employed_target,
        target_relevant=relevant_target,
        **kwargs,
    )


ATTAINMENT = [
    p1("2018-1", 0, 40, 40, 35, employed=20, relevant=10, full=15, part=5, perm=10, temp=10,
       right=5, closer=10, unemployed=5),
    p1("2018-2", 0, 10, 10, 10, employed=5, relevant=5, full=5, perm=5, right=5, unemployed=5),
    p1("2018-1", 6, 20, 15, 15, employed=10, relevant=5, full=5, perm=5, temp=5, right=0,
       unemployed=5),
    p1("2018-1", 12, 20, 20, 20, employed=15, relevant=10, full=10, part=5, perm=10, temp=5,
       right=5, unemployed=5),
    attainment_row(("P2", 2019, "2019-A", 0), 15, 15, 15, employed=3, full=3, perm=3, closer=6,
                   unemployed=6),
]  # fmt: skip

# Earlier quarter ends: all programmes together would be one cohort row each.
BY_QUARTER = [
    ("2019-12-31", p1("2018-1", 0, 30, 25, 25, employed=10, relevant=5, full=5, perm=5,
                      temp=5, right=0, closer=10, unemployed=5)),
    ("2020-03-31", p1("2018-1", 0, 40, 38, 35, employed=20, relevant=10, full=15, part=5,
                      perm=10, temp=10, right=5, closer=10, unemployed=5)),
    # The report's own quarter: taken from fct_attainment instead.
    ("2020-06-30", p1("2018-1", 0, 99, 99, 99)),
]  # fmt: skip

TRANSITIONS = [
    ("P1", 2018, "2018-1", "employed", "employed", "employed", 12),
    ("P1", 2018, "2018-1", "unemployed", "employed", "employed", 6),
    ("P1", 2018, "2018-1", "education", "employed", "unknown", 5),
    ("P1", 2018, "2018-1", "internship", "internship", "employed", 2),
    ("P1", 2018, "2018-2", "unknown", "not_due", "not_due", 10),
    ("P2", 2019, "2019-A", "self_employed", "not_due", "not_due", 8),
]

OVERDUE = [("P1", 2018, "2018-1", f"k{i}", 6, "2019-12-30", days) for i, days in
           enumerate((10, 20, 30, 40, 50))]  # fmt: skip

SAID_VS_SHOWN = [
    # programme, grant year, period end, planned, recruited, completed, employed, relevant,
    # own words, shown participants, completed, employed at 0, relevant at 0
    ("P1", 2018, "2019-06-30", 20, 22, 18, 14, 3, "15 av 20 deltakere har jobbdeltakelse",
     50, 45, 25, 15),
    ("P2", 2019, "2019-12-31", 10, 15, 15, 6, 2, "3 av 15 i jobb", 15, 15, 3, 0),
]  # fmt: skip

QUALITY = [
    {
        "check_name": "participants_not_null",
        "asset": "fct_attainment",
        "severity": "ERROR",
        "passed": True,
        "description_nb": "Ingen tomme deltakertall",
        "details": None,
    },
    {
        "check_name": "coverage_reasonable",
        "asset": "fct_attainment",
        "severity": "WARN",
        "passed": False,
        "description_nb": "Lav dekning ved 6 måneder",
        "details": {"key": "0123456789abcdef0123456789abcdef"},
    },
]


def _attainment_ddl(name: str, extra: str = "") -> str:
    columns = [
        "programme_id varchar",
        "grant_year integer",
        "cohort varchar",
        "horizon_months integer",
        "participants bigint",
        "reported bigint",
        "known_status bigint",
        "coverage_pct double",
    ]
    for ind in INDICATORS:
        columns += [f"n_{ind} bigint", f"pct_{ind}_of_all double"]
        if ind != "unknown":
            columns.append(f"pct_{ind}_of_known double")
    columns += [
        "target_employed_pct double",
        "target_relevant_pct double",
        "employed_target_met boolean",
        "relevant_target_met boolean",
        "overdue bigint",
    ]
    return f"create table {name} ({extra}{', '.join(columns)})"


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into {table} values ({marks})", rows)


def make_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute(_attainment_ddl("fct_attainment"))
    _insert(con, "fct_attainment", [tuple(r.values()) for r in ATTAINMENT])
    con.execute(_attainment_ddl("fct_attainment_by_quarter", "as_of_date date, "))
    _insert(
        con,
        "fct_attainment_by_quarter",
        [(day, *r.values()) for day, r in BY_QUARTER],
    )
    con.execute(
        "create table fct_status_transitions (programme_id varchar, grant_year integer, "
        "cohort varchar, status_0 varchar, status_6 varchar, status_12 varchar, "
        "participants bigint)"
    )
    _insert(con, "fct_status_transitions", TRANSITIONS)
    con.execute(
        "create table fct_overdue_followups (programme_id varchar, grant_year integer, "
        "cohort varchar, participant_key varchar, horizon_months integer, due_date date, "
        "days_overdue integer)"
    )
    _insert(con, "fct_overdue_followups", OVERDUE)
    con.execute(
        "create table fct_said_vs_shown (programme_id varchar, grant_year integer, "
        "period_end date, pairs_planned integer, pairs_recruited integer, "
        "participants_completed integer, reported_employed integer, reported_relevant integer, "
        "reported_attainment varchar, shown_participants bigint, shown_completed bigint, "
        "shown_employed_0 bigint, shown_relevant_0 bigint)"
    )
    _insert(con, "fct_said_vs_shown", SAID_VS_SHOWN)
    con.execute(
        "create table dim_programmes (programme_id varchar, grant_year integer, name varchar, "
        "in_register boolean)"
    )
    _insert(
        con,
        "dim_programmes",
        [("P1", 2018, "Mentor Oslo", True), ("P2", 2019, "Trainee Bergen", True)],
    )
    con.close()
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    folder = tmp_path_factory.mktemp("report")
    database = make_warehouse(folder / "marts.duckdb")
    con = duckdb.connect(str(database), read_only=True)
    try:
        return build_quarterly_report(
            con,
            as_of_date=AS_OF,
            quarter_label="2020-K2",
            out_dir=folder / "out",
            threshold=5,
            full_time_threshold=100,
            quality=QUALITY,
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def html(report: ReportFiles) -> str:
    return report.html.read_text(encoding="utf-8")


def _row(frame, **where):
    mask = True
    for column, value in where.items():
        mask = mask & (frame[column].isna() if value is None else frame[column] == value)
    rows = frame[mask]
    assert len(rows) == 1, (where, rows)
    return rows.iloc[0]


def _no(value: float | None) -> str:
    """A share as the HTML writes it."""
    return f"{value:.1f}".replace(".", ",")


def test_files_are_written_to_the_quarters_folder(report: ReportFiles) -> None:
    assert report.html.name == "kvartalsrapport.html" and report.html.exists()
    assert report.xlsx.name == "kvartalsrapport.xlsx" and report.xlsx.exists()
    assert report.html.parent == report.xlsx.parent


def test_unhidden_cohort_numbers_equal_the_mart(report: ReportFiles) -> None:
    programmes = report.tables["programmes"]
    mart = ATTAINMENT[3]
    row = _row(programmes, programme_id="P1", cohort="2018-1", horizon_months=12)
    for column in ("participants", "known_status", "coverage_pct", "n_employed",
                   "pct_employed_of_all", "pct_employed_of_known", "n_relevant_work",
                   "pct_relevant_work_of_all", "n_right_shelf", "pct_right_shelf_of_known"):  # fmt: skip
        assert row[column] == mart[column], column
    detail = _row(report.tables["attainment_detail"], programme_id="P1", cohort="2018-1",
                  horizon_months=12)  # fmt: skip
    for ind in INDICATORS:
        assert detail[f"n_{ind}"] == mart[f"n_{ind}"]
        assert detail[f"pct_{ind}_of_all"] == mart[f"pct_{ind}_of_all"]


def test_every_published_number_is_the_marts_and_small_ones_are_hidden(
    report: ReportFiles,
) -> None:
    detail = report.tables["attainment_detail"]
    for mart in ATTAINMENT:
        row = _row(
            detail,
            programme_id=mart["programme_id"],
            cohort=mart["cohort"],
            horizon_months=mart["horizon_months"],
        )
        for column in ["participants", "reported", "known_status", "coverage_pct", "overdue"] + [
            f"{p}{ind}{s}" for ind in INDICATORS for p, s in (("n_", ""), ("pct_", "_of_all"))
        ]:
            if row[column] != DASH:
                assert row[column] == mart[column], (mart["cohort"], column)
        for ind in INDICATORS:
            if 0 < mart[f"n_{ind}"] < 5:
                assert row[f"n_{ind}"] == DASH and row[f"pct_{ind}_of_all"] == DASH
                assert row.get(f"pct_{ind}_of_known", DASH) == DASH


def test_small_count_and_its_complements_are_hidden_everywhere(report: ReportFiles) -> None:
    detail = report.tables["attainment_detail"]
    total = _row(detail, programme_id=None, horizon_months=0)
    for column in ("n_employed", "n_full_time", "n_permanent"):
        for where in ({"cohort": "2019-A"}, {"grant_year": 2019, "cohort": None}):
            assert _row(detail, programme_id="P2", horizon_months=0, **where)[column] == DASH
        assert _row(detail, programme_id="P2", grant_year=None, horizon_months=0)[column] == DASH
        p1_programme = _row(detail, programme_id="P1", grant_year=None, horizon_months=0)
        p1_grant_year = _row(
            detail, programme_id="P1", grant_year=2018, cohort=None, horizon_months=0
        )
        assert p1_programme[column] == DASH and p1_grant_year[column] == DASH
    assert total["n_employed"] == 20 + 5 + 3
    assert total["pct_employed_of_all"] == pct(28, 65)
    # Zero is shown, and counts outside the chain stay.
    p2 = _row(detail, programme_id="P2", cohort="2019-A", horizon_months=0)
    assert p2["n_relevant_work"] == 0 and p2["n_unemployed"] == 6
    first = _row(detail, programme_id="P1", cohort="2018-1", horizon_months=0)
    assert first["n_relevant_work"] == 10 and first["pct_relevant_work_of_all"] == 25.0
    # Hidden in the attainment tables, hence hidden in "said and shown" too.
    said = _row(report.tables["said_vs_shown"], programme_id="P1")
    assert said["shown_employed_0"] == DASH and said["employed_difference"] == DASH
    assert said["reported_relevant"] == DASH and said["relevant_difference"] == DASH
    assert said["pairs_recruited"] == 22 and said["recruited_difference"] == 22 - 50
    assert said["shown_completed"] == 45 and said["completed_difference"] == 18 - 45
    assert said["pairs_planned"] == 20


def test_no_published_count_is_small(report: ReportFiles) -> None:
    count_columns = {
        "programmes": ["participants", "known_status", "n_employed", "n_relevant_work",
                       "n_full_time", "n_permanent", "n_right_shelf"],
        "status_distribution": ["n_0", "n_6", "n_12"],
        "overdue": ["overdue_0", "overdue_6", "overdue_12", "overdue_total"],
        "said_vs_shown": ["pairs_recruited", "participants_completed", "reported_employed",
                          "reported_relevant", "shown_participants", "shown_completed",
                          "shown_employed_0", "shown_relevant_0"],
        "trend": ["participants", "known_status", "n_employed", "n_relevant_work"],
    }  # fmt: skip
    for name, columns in count_columns.items():
        for column in columns:
            for value in report.tables[name][column]:
                assert not (isinstance(value, int | float) and 0 < value < 5), (name, column)
    transitions = report.tables["transitions"]
    for column in [c for c in transitions.columns if c.startswith("to_")]:
        for value in transitions[column]:
            assert not (isinstance(value, int | float) and 0 < value < 5), column


def test_headline_states_both_denominators(report: ReportFiles, html: str) -> None:
    headline = report.tables["headline"].set_index("indicator")
    assert headline.loc["participants", "n_0"] == 40 + 10 + 15
    assert headline.loc["known_status", "n_0"] == 35 + 10 + 15
    assert headline.loc["known_status", "pct_of_all_0"] == pct(60, 65)
    assert headline.loc["employed", "pct_of_known_0"] == pct(28, 60)
    assert headline.loc["employed", "n_12"] == 15
    assert headline.loc["relevant_work", "pct_of_all_12"] == pct(10, 20)
    assert "% av alle" in html and "% av kjent status" in html
    assert _no(pct(28, 65)) in html and _no(pct(28, 60)) in html


def test_targets_are_met_not_met_or_absent(report: ReportFiles) -> None:
    targets = report.tables["targets"]
    first = _row(targets, programme_id="P1", cohort="2018-1", horizon_months=0)
    # 50 % in work against 40 %, but the count is hidden (see above), and so is the verdict.
    assert first["target_employed_pct"] == 40.0 and first["employed_target"] == DASH
    twelve = _row(targets, programme_id="P1", cohort="2018-1", horizon_months=12)
    assert twelve["employed_target"] == "nådd"  # 75.0 >= 60
    assert twelve["relevant_target"] == "nådd"  # 50.0 >= 40
    six = _row(targets, programme_id="P1", cohort="2018-1", horizon_months=6)
    assert six["employed_target"] == "ingen mål"
    # The grant year's share in work is hidden, and so is whether it met the target.
    grant_year = _row(targets, programme_id="P1", grant_year=2018, cohort=None, horizon_months=0)
    assert grant_year["employed_target"] == DASH
    p2 = _row(targets, programme_id="P2", cohort="2019-A", horizon_months=0)
    assert p2["employed_target"] == "ingen mål"


def test_overdue_counts_per_programme_without_participant_keys(
    report: ReportFiles, html: str
) -> None:
    overdue = report.tables["overdue"]
    p1_row = _row(overdue, programme_id="P1")
    assert (p1_row["overdue_0"], p1_row["overdue_6"], p1_row["overdue_12"]) == (0, 5, 0)
    assert p1_row["median_days_overdue"] == 30.0
    assert "participant_key" not in overdue.columns
    assert not re.search(r"\bk[0-4]\b", html)


def test_trend_uses_earlier_quarters_and_this_quarters_numbers(report: ReportFiles) -> None:
    trend = report.tables["trend"]
    at_zero = trend[trend["horizon_months"] == 0].set_index("quarter")
    assert list(at_zero.index) == ["2019-K4", "2020-K1", "2020-K2"]
    assert at_zero.loc["2019-K4", "participants"] == 30
    assert at_zero.loc["2020-K1", "coverage_pct"] == pct(35, 40)
    assert at_zero.loc["2020-K2", "participants"] == 65  # not the 99 of fct_attainment_by_quarter
    # 2020-K1: 40 participants, 38 reported: 2 overdue are hidden (not shown in the trend);
    # participants - known = 5 is fine, so known status and coverage stay.
    assert at_zero.loc["2020-K1", "known_status"] == 35


def test_transitions_hide_small_flows(report: ReportFiles) -> None:
    distribution = report.tables["status_distribution"].set_index("category")
    assert distribution.loc["total", "n_0"] == 43
    assert distribution.loc["employed", "n_0"] == 12 + 8
    assert distribution.loc["employed", "n_6"] == 12 + 6 + 5
    transitions = report.tables["transitions"]
    from_intern = _row(transitions, from_horizon=0, from_category="internship_education")
    assert from_intern["to_internship_education"] == DASH  # 2 people
    assert from_intern["to_employed"] == DASH  # 5, but 7 - 5 = 2 would give the 2 away
    assert from_intern["to_total"] == 7
    assert distribution.loc["internship_education", "n_6"] == DASH
    total = _row(transitions, from_horizon=0, from_category="total")
    assert total["to_total"] == 43


def test_html_is_self_contained_with_inline_svg_charts(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower()
    assert "<link" not in html.lower() and "@import" not in html
    assert "src=" not in html
    charts = re.findall(r'<svg class="chart"[^>]*data-chart="([a-z]+)"', html)
    assert set(charts) == {"programmes", "status", "coverage", "trend"}
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids must be unique across charts"
    for heading in ("Hovedtall", "Per program", "Sagt og vist", "Forfalte oppfølginger",
                    "Datakvalitet", "Definisjoner og merknader", "Statusoverganger"):  # fmt: skip
        assert heading.lower() in html.lower()
    assert "30.06.2020" in html
    assert "break-before: page" in html


def test_html_shows_suppressed_cells_and_not_their_values(html: str) -> None:
    assert 'class="num supp" title="Skjermet">–<' in html
    # P2's free text "3 av 15 i jobb": the 3 is masked; P1's "15 av 20" has a rest of 5.
    assert "– av 15 i jobb" in html and "3 av 15" not in html
    assert "15 av 20 deltakere" in html


def test_quality_section_lists_results_without_hashes(html: str) -> None:
    assert "1 av 2 kontroller bestått" in html
    assert "0123456789abcdef0123456789abcdef" not in html
    assert "coverage_reasonable" in html


def test_quality_section_says_when_no_results_were_given(tmp_path: Path) -> None:
    database = make_warehouse(tmp_path / "marts.duckdb")
    con = duckdb.connect(str(database), read_only=True)
    try:
        files = build_quarterly_report(con, AS_OF, "2020-K2", tmp_path / "out")
    finally:
        con.close()
    text = files.html.read_text(encoding="utf-8")
    assert "Ingen resultater fra datakvalitetskontrollene" in text


def test_workbook_has_every_table_with_the_same_values(report: ReportFiles) -> None:
    workbook = openpyxl.load_workbook(report.xlsx)
    from pipelines.report.excel import SHEET_TITLES

    for name, frame in report.tables.items():
        ws = workbook[SHEET_TITLES[name]]
        rows = list(ws.iter_rows(values_only=True))
        assert len(rows) == len(frame) + 1, name
        for values, record in zip(rows[1:], frame.itertuples(index=False), strict=True):
            for cell, value in zip(values, record, strict=True):
                if isinstance(value, str):
                    assert cell == value
                elif isinstance(value, bool):  # a code; its Norwegian label in the sheet
                    assert cell == ("ja" if value else "nei")
                elif value is None or value != value:  # None or NaN
                    assert cell is None
                elif isinstance(value, date):
                    assert cell.date() == value
                else:
                    assert cell == pytest.approx(float(value)), (name, value, cell)
    headers = [c.value for c in workbook["Per program"][1]]
    assert "Deltakere i oppfølging" in headers and "Dekning %" in headers
    per_programme = workbook["Per program"]
    column = headers.index("Deltakere i oppfølging") + 1
    participants = [
        row[0].value for row in per_programme.iter_rows(min_row=2, min_col=column, max_col=column)
    ]
    assert 40 in participants and all(isinstance(v, int) or v == DASH for v in participants)
    shares = [
        row[0] for row in per_programme.iter_rows(min_row=2, min_col=column + 2, max_col=column + 2)
    ]
    assert all(c.number_format == "0.0" for c in shares if not isinstance(c.value, str))
    assert "Om rapporten" in workbook.sheetnames and "Kolonner" in workbook.sheetnames


def test_suppressed_cells_counts_the_dashes(report: ReportFiles) -> None:
    dashes = sum(int((frame == DASH).to_numpy().sum()) for frame in report.tables.values())
    assert report.suppressed_cells == dashes > 0


def test_no_small_number_in_the_quarter_can_be_worked_out(tmp_path: Path) -> None:
    """Across all four protected tables and the links between them, a linear program finds no
    hidden small count (nor small rest of a nesting) pinned to one value."""
    from pipelines.report.marts import read_marts
    from pipelines.report.suppression import CellRef, table_relations
    from pipelines.report.tables import (
        ATTAINMENT_SPEC,
        OVERDUE_SPEC,
        SAID_SPEC,
        TRANSITIONS_SPEC,
        attainment_frame,
        overdue_frame,
        protect_quarter,
        quarter_links,
        said_vs_shown_frame,
        transitions_frame,
    )
    from tests.unit.test_suppression import _lp_pins

    database = make_warehouse(tmp_path / "marts.duckdb")
    con = duckdb.connect(str(database), read_only=True)
    try:
        marts = read_marts(con, AS_OF)
    finally:
        con.close()
    attainment = attainment_frame(marts.attainment)
    frames = {
        "attainment": (attainment, ATTAINMENT_SPEC),
        "transitions": (transitions_frame(marts.transitions), TRANSITIONS_SPEC),
        "said_vs_shown": (said_vs_shown_frame(marts.said_vs_shown, 5), SAID_SPEC),
        "overdue": (overdue_frame(marts.overdue, ["P1", "P2"]), OVERDUE_SPEC),
    }
    protected = protect_quarter(*(frame for frame, _ in frames.values()), threshold=5)
    results = {
        "attainment": protected.attainment,
        "transitions": protected.transitions,
        "said_vs_shown": protected.said_vs_shown,
        "overdue": protected.overdue,
    }
    values, hidden, groups = {}, set(), []
    for name, (frame, spec) in frames.items():
        for column in spec.counts:
            for i, value in enumerate(frame[column]):
                if not pd.isna(value):
                    values[CellRef(name, i, column)] = int(value)
                    if results[name].table.iloc[i][column] == DASH:
                        hidden.add(CellRef(name, i, column))
        groups += [
            (r.total, list(r.members), r.complete) for r in table_relations(name, frame, spec)
        ]
    links = quarter_links(*(frame for frame, _ in frames.values()))
    assert links, "the tables share numbers, so there must be links"
    groups += [(link.total, list(link.members), link.complete) for link in links]
    assert hidden and not _lp_pins(values, groups, hidden, 5)


def test_an_empty_warehouse_still_gives_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ATTAINMENT", "BY_QUARTER", "TRANSITIONS", "OVERDUE", "SAID_VS_SHOWN"):
        monkeypatch.setitem(globals(), name, [])
    con = duckdb.connect(str(make_warehouse(tmp_path / "marts.duckdb")), read_only=True)
    try:
        files = build_quarterly_report(con, AS_OF, "2020-K2", tmp_path / "out")
    finally:
        con.close()
    assert files.tables["programmes"].empty and files.suppressed_cells == 0
    assert "Ingen rader." in files.html.read_text(encoding="utf-8")
    assert openpyxl.load_workbook(files.xlsx)["Hovedtall"].max_row == 15
