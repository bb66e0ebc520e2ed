"""The quarterly attainment report, reproducible "as of" the quarter's end.

The published copy holds every version ever reported. To reproduce a quarter exactly, the marts
are rebuilt as of the quarter end into a scratch copy (only versions that had reached the
landing zone by then are visible; due dates are judged against the quarter end), and the report
is rendered from that. Later corrections therefore never change a past quarter's report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.config import (
    DBT_PROJECT_DIR,
    Paths,
    dbt_executable,
    full_time_threshold,
    suppression_threshold,
)


def rebuild_marts_as_of(database: Path, as_of_date: date, work_dir: Path) -> None:
    """Run the dbt models against ``database`` with the visibility cut at the end of ``as_of_date``."""
    dbt_vars = {
        "as_of": (as_of_date + timedelta(days=1)).isoformat(),
        "reference_date": as_of_date.isoformat(),
        "full_time_threshold": full_time_threshold(),
    }
    env = {
        **os.environ,
        "IMDI_WAREHOUSE_PATH": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        dbt_executable(),
        "run",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--vars",
        json.dumps(dbt_vars),
        "--quiet",
    ]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(
            f"dbt run as of {as_of_date} failed:\n{completed.stdout}\n{completed.stderr}"
        )


def load_quality_results(paths: Paths) -> list[dict] | None:
    results = paths.quality / "results.json"
    if not results.exists():
        return None
    return json.loads(results.read_text(encoding="utf-8"))


def build_report_for_quarter(paths: Paths, as_of_date: date, label: str) -> dict:
    """Render the report for the quarter ending ``as_of_date`` from the published copy."""
    from pipelines.report import build_quarterly_report

    if not paths.published.exists():
        raise FileNotFoundError(f"No published warehouse at {paths.published}")
    out_dir = paths.reports / label
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=paths.reports, prefix=".asof-") as scratch:
        work = Path(scratch)
        snapshot = work / "as_of.duckdb"
        shutil.copyfile(paths.published, snapshot)
        os.chmod(snapshot, 0o644)
        rebuild_marts_as_of(snapshot, as_of_date, work)
        con = duckdb.connect(str(snapshot), read_only=True)
        try:
            files = build_quarterly_report(
                con,
                as_of_date=as_of_date,
                quarter_label=label,
                out_dir=out_dir,
                threshold=suppression_threshold(),
                full_time_threshold=full_time_threshold(),
                quality=load_quality_results(paths),
            )
        finally:
            con.close()
    return {
        "html": files.html,
        "xlsx": files.xlsx,
        "suppressed_cells": files.suppressed_cells,
        "tables": files.tables,
    }
