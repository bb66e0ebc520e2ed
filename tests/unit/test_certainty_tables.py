"""The report's certainty tables (pipelines/report/certainty.py) on hand-made mart rows."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.report.certainty import figure_statuses, newly_final_figures, with_figure_status

FIGURES = pd.DataFrame(
    [
        # programme, grant year, cohort, horizon, final_from, status
        ("P1", 2018, "A", 0, date(2019, 4, 1), "final"),
        ("P1", 2018, "B", 0, date(2020, 9, 1), "preliminary"),
        ("P1", 2019, "C", 0, date(2020, 2, 1), "final"),
        ("P2", 2018, "D", 0, date(2019, 6, 1), "final"),
    ],
    columns=[
        "programme_id",
        "grant_year",
        "cohort",
        "horizon_months",
        "final_from",
        "figure_status",
    ],
)


def test_a_total_is_preliminary_while_any_of_its_figures_is() -> None:
    statuses = figure_statuses(FIGURES)
    # P1/2018 holds B (preliminary) -> preliminary, final from B's 2020-09-01 (the latest).
    assert statuses[("grant_year", "P1", 2018, None, 0)] == ("preliminary", date(2020, 9, 1))
    assert statuses[("grant_year", "P1", 2019, None, 0)] == ("final", date(2020, 2, 1))
    assert statuses[("programme", "P1", None, None, 0)] == ("preliminary", date(2020, 9, 1))
    assert statuses[("programme", "P2", None, None, 0)] == ("final", date(2019, 6, 1))
    assert statuses[("total", None, None, None, 0)] == ("preliminary", date(2020, 9, 1))
    assert statuses[("cohort", "P1", 2018, "A", 0)] == ("final", date(2019, 4, 1))


def test_the_mark_goes_after_the_horizon_column() -> None:
    table = pd.DataFrame(
        [
            {"level": "Kull", "programme_id": "P1", "grant_year": 2018, "cohort": "B", "horizon_months": 0, "x": 1},
            {"level": "Program totalt", "programme_id": "P2", "grant_year": None, "cohort": None, "horizon_months": 0, "x": 2},
        ]
    )  # fmt: skip
    marked = with_figure_status(table, FIGURES)
    assert list(marked.columns) == [
        "level",
        "programme_id",
        "grant_year",
        "cohort",
        "horizon_months",
        "figure_status",
        "final_from",
        "x",
    ]
    assert list(marked["figure_status"]) == ["(f) foreløpig", "endelig"]
    assert list(marked["final_from"]) == [date(2020, 9, 1), date(2019, 6, 1)]


def test_only_figures_final_for_the_first_time_this_quarter_are_revisions() -> None:
    def row(day, cohort, status, participants, employed):
        return {
            "as_of_date": day,
            "programme_id": "P1",
            "grant_year": 2018,
            "cohort": cohort,
            "horizon_months": 6,
            "participants": participants,
            "n_employed": employed,
            "n_relevant_work": 0,
            "figure_status": status,
        }

    q1, q2, q3 = date(2020, 3, 31), date(2020, 6, 30), date(2020, 9, 30)
    history = pd.DataFrame(
        [
            row(q1, "A", "preliminary", 8, 2),  # A: preliminary, preliminary, final -> revision
            row(q2, "A", "preliminary", 9, 3),
            row(q3, "A", "final", 10, 6),
            row(q2, "B", "final", 7, 7),  # B: final already in Q2 -> not a revision in Q3
            row(q3, "B", "final", 7, 7),
            row(q3, "C", "final", 5, 5),  # C: first seen final -> nothing to revise
            row(q2, "D", "preliminary", 5, 1),  # D: still preliminary -> not yet
            row(q3, "D", "preliminary", 6, 2),
        ]
    )
    moved = newly_final_figures(history, q3)
    assert list(moved["cohort"]) == ["A"]
    first = moved.iloc[0]
    # The first publication is Q1's (8 participants, 2 employed), the final Q3's (10, 6).
    assert first["first_as_of_date"] == q1
    assert (first["first_participants"], first["first_n_employed"]) == (8, 2)
    assert (first["final_participants"], first["final_n_employed"]) == (10, 6)
