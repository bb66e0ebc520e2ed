"""The report's per-programme section: one row per programme, numbers worked out by hand from the
hand-made warehouse of tests/unit/test_report.py (see its docstring), hidden where the tables
hide them, the cohort detail linked in the workbook.

P1 "Mentor Oslo" (2018), all cohorts together:
  h0:  50 participants (40 + 10), 45 known -> coverage 90.0; employed 25 hidden (P2's 3 would
       follow from the total 28); relevant 15 -> 30.0; right shelf 10 -> 20.0
  h6:  20 participants, 15 known -> 75.0; employed 10 -> 50.0; relevant 5 -> 25.0; right 0 -> 0.0
  h12: 20 participants, all known -> 100.0; employed 15 -> 75.0; relevant 10 -> 50.0;
       right shelf 5 -> 25.0
  targets 2018: employed 40 % at h0 (hidden share -> hidden verdict), 60 % at h12 (75.0: met),
       relevant 40 % at h12 (50.0: met)
P2 "Trainee Bergen" (2019): h0 15 participants, all known -> 100.0; employed 3 hidden;
  relevant 0 and right shelf 0 -> 0.0; nothing due at h6 and h12; no targets.
"""

from __future__ import annotations

import re

import pytest

from pipelines.report import ReportFiles
from tests.unit.test_report import html, report  # noqa: F401 - the module's fixtures

DASH = "–"


def section(page: str) -> str:
    return page[page.index('id="per-program"') : page.index('id="maal"')]


def rows(page: str) -> dict[str, list[str]]:
    """Programme id -> the texts of its cells (years, 15 figures, chart, targets)."""
    found = {}
    for name, code, cells in re.findall(
        r'<tr><th scope="row">(.*?)<code>(.*?)</code></th>(.*?)</tr>', section(page), re.S
    ):
        texts = re.findall(r"<td[^>]*>(.*?)</td>", re.sub(r"<svg.*?</svg>", "svg", cells), re.S)
        found[code] = [name, *texts]
    return found


def test_one_row_per_programme_sorted_by_name(html: str) -> None:  # noqa: F811
    assert [cells[0] for cells in rows(html).values()] == ["Mentor Oslo", "Trainee Bergen"]


def test_numbers_are_worked_out_by_hand(html: str) -> None:  # noqa: F811
    p1 = rows(html)["P1"]
    assert p1[1] == "2018"
    # N, coverage, employed, relevant, right shelf at 0, 6 and 12 months
    assert p1[2:7] == ["50", "90,0", DASH, "30,0", "20,0"]
    assert p1[7:12] == ["20", "75,0", "50,0", "25,0", "0,0"]
    assert p1[12:17] == ["20", "100,0", "75,0", "50,0", "25,0"]
    assert p1[-1] == "2018 – nådd: i jobb 12 mnd, relevant jobb 12 mnd; skjermet: i jobb 0 mnd"
    p2 = rows(html)["P2"]
    assert p2[2:7] == ["15", "100,0", DASH, "0,0", "0,0"]
    assert p2[7:17] == [""] * 10  # nothing due yet
    assert p2[-1] == "2019: ingen mål"


def test_hidden_shares_stay_hidden_and_the_chart_has_a_gap(html: str) -> None:  # noqa: F811
    part = section(html)
    charts = re.findall(r'<svg class="spark".*?</svg>', part, re.S)
    assert len(charts) == 2
    p1_chart, p2_chart = charts
    # P2's 3 of 15 employed (20,0 %) is hidden in its chart too
    assert "i jobb – → – → –" in p2_chart.lower()
    # employed: hidden at 0, 50 at 6, 75 at 12 -> one line from 6 to 12; relevant: 0 -> 12
    assert p1_chart.count("<polyline") == 3
    assert "i jobb – → 50,0 → 75,0" in p1_chart.lower()


def test_section_links_the_cohort_detail_in_the_workbook(
    report: ReportFiles,  # noqa: F811
    html: str,  # noqa: F811
) -> None:
    part = section(html)
    assert f'href="{report.xlsx.name}"' in part
    assert "«Per program»" in part
    # the cohorts are not in the HTML section, only in the workbook
    assert "2018-1" not in part
    assert (report.tables["programmes"]["cohort"] == "2018-1").any()


@pytest.mark.parametrize("programme", ["P1", "P2"])
def test_each_row_has_all_columns(html: str, programme: str) -> None:  # noqa: F811
    assert len(rows(html)[programme]) == 1 + 1 + 15 + 2
