"""`imdi bench` at the smallest size: a complete, self-consistent results file.

The machine is shared, so nothing here asserts a timing: only that every figure is there and
positive, that ratios and verdicts follow from the figures, and that the plain-SQL floor
computes the same attainment totals as the dbt marts.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import pytest

from benchmarks import bench

pytestmark = pytest.mark.integration

SIZE = 300
VERDICTS = {"MET", "MISSED", "NOT MEASURED"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[dict, str]:
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "results" / "bench.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = bench.main(
            [
                "--sizes",
                str(SIZE),
                "--out",
                str(out),
                "--work-dir",
                str(folder / "work"),
                "--skip-dagster",
            ]
        )
    assert code == 0
    return json.loads(out.read_text()), printed.getvalue()


@pytest.fixture(scope="module")
def size(run) -> dict:
    result, _ = run
    assert [s["participants"] for s in result["sizes"]] == [SIZE]
    return result["sizes"][0]


def positive(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_every_step_has_positive_time_and_memory(size):
    assert set(size["steps"]) == set(bench.STEPS)
    for name, step in size["steps"].items():
        assert positive(step["seconds"]), name
        assert positive(step["peak_rss_mb"]), name
    assert positive(size["peak_rss_mb"])
    assert size["peak_rss_mb"] == max(size["steps"][s]["peak_rss_mb"] for s in bench.PIPELINE_STEPS)


def test_ingest_and_raw_read_figures_are_consistent(size):
    ingest, raw_read = size["steps"]["ingest"], size["steps"]["raw_read"]
    for figure in ("rows", "rows_per_s", "csv_rows", "csv_seconds", "csv_rows_per_s"):
        assert positive(ingest[figure]), figure
    for figure in ("rows", "rows_per_s", "files"):
        assert positive(raw_read[figure]), figure
    # The floor reads exactly the CSV files the ingest compared with it checked.
    assert raw_read["rows"] == ingest["csv_rows"]
    assert raw_read["files"] == ingest["csv_files"]
    assert ingest["rows_per_s"] == pytest.approx(ingest["rows"] / ingest["seconds"])
    assert size["ratios"]["validation_vs_raw_read"] == pytest.approx(
        ingest["csv_seconds"] / raw_read["seconds"]
    )


def test_plain_sql_floor_totals_equal_the_dbt_marts(size):
    floor = size["steps"]["sql_floor"]
    assert floor["totals_sql"] == floor["totals_dbt"]
    assert floor["totals_equal"] is True
    assert floor["rows_differing"] == 0
    assert floor["totals_dbt"]["participants"] > 0
    assert floor["totals_dbt"]["n_employed"] > 0
    assert size["ratios"]["dbt_vs_sql_floor"] == pytest.approx(
        size["steps"]["dbt_core"]["seconds"] / floor["seconds"]
    )


def test_late_file_reaches_the_published_copy(size):
    incremental = size["steps"]["incremental"]
    assert incremental["late_rows_accepted"] == bench.LATE_ROWS
    assert incremental["late_rows_in_published_marts"] == bench.LATE_ROWS
    assert set(incremental["parts"]) >= {"land", "ingest", "dbt_build", "checks", "publish"}
    assert all(v >= 0 for v in incremental["parts"].values())
    rebuild = size["steps"]["rebuild"]
    assert positive(rebuild["raw_followup_rows"])


def test_goal_verdicts_follow_from_the_figures(run, size):
    result, printed = run
    goals = {g["name"]: g for g in result["goals"]}
    assert list(goals) == [g.name for g in bench.GOALS]
    for goal in goals.values():
        assert goal["verdict"] in VERDICTS
        if goal["measured"] is None:
            assert goal["verdict"] == "NOT MEASURED"
        else:
            expected = "MET" if goal["measured"] <= goal["target"] else "MISSED"
            assert goal["verdict"] == expected, goal
        assert f"{goal['verdict']:<12} {goal['description']}" in printed
    # One size: nothing to compare the incremental path with.
    assert goals["incremental_flat"]["verdict"] == "NOT MEASURED"
    assert goals["validation_vs_raw_read"]["measured"] == size["ratios"]["validation_vs_raw_read"]
    assert goals["peak_memory"]["measured"] == size["peak_rss_mb"]
    machine = result["machine"]
    assert machine["nproc"] >= 1 and machine["memory_gb"] > 0 and machine["duckdb"]


def test_installations_are_removed_unless_kept(run):
    result, _ = run
    assert not Path(result["sizes"][0]["home"]).exists()


def figures(participants: int, incremental: float, validation: float, dbt: float, rss: float):
    return {
        "participants": participants,
        "steps": {"incremental": {"seconds": incremental}},
        "ratios": {"validation_vs_raw_read": validation, "dbt_vs_sql_floor": dbt},
        "peak_rss_mb": rss,
    }


def test_goals_are_judged_at_the_largest_size_and_the_worst_ratio():
    small = figures(10_000, incremental=10.0, validation=4.0, dbt=9.0, rss=500.0)
    large = figures(1_000_000, incremental=14.0, validation=2.5, dbt=1.5, rss=5000.0)
    verdicts = {g["name"]: g for g in bench.evaluate_goals([large, small])}
    # worst validation ratio is at 10 k: 4.0 > 3
    assert (
        verdicts["validation_vs_raw_read"]["measured"],
        verdicts["validation_vs_raw_read"]["verdict"],
    ) == (4.0, "MISSED")
    assert verdicts["validation_vs_raw_read"]["at_participants"] == 10_000
    # dbt at 1 M: 1.5 <= 2
    assert verdicts["dbt_vs_sql_floor"]["verdict"] == "MET"
    # 14 / 10 = 1.4 <= 2, and the slowest is 14 s < 15 s
    assert verdicts["incremental_flat"]["measured"] == pytest.approx(1.4)
    assert verdicts["incremental_flat"]["verdict"] == "MET"
    assert verdicts["incremental_seconds"]["verdict"] == "MET"
    # 5000 MB > 4096 MB at 1 M
    assert verdicts["peak_memory"]["verdict"] == "MISSED"
