"""dbt as the warehouse runs it: the vars every invocation gets, `dbt parse`, and `dbt run` as of
a past date.

The working file's path reaches dbt's profile as the var ``warehouse_path`` (profiles.yml), so
no process environment is changed for it. The Dagster dbt asset passes the same vars.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, Settings, dbt_executable


def dbt_vars(settings: Settings, warehouse: Path | None = None) -> dict[str, object]:
    """The vars of an update run: the installation's reference date and full-time threshold,
    and the DuckDB file dbt's profile connects to (absolute: dagster PR #22042)."""
    return {
        "warehouse_path": str(warehouse or settings.paths.warehouse),
        "reference_date": settings.today().isoformat(),
        "full_time_threshold": settings.full_time_threshold,
    }


def run_dbt(
    settings: Settings, args: list[str], dbt_vars_: dict[str, object], capture: bool = False
) -> subprocess.CompletedProcess:
    """One dbt command on this project with these vars; the caller judges its return code."""
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--vars",
        json.dumps(dbt_vars_),
    ]
    return subprocess.run(
        command,
        env=settings.child_environment(),
        capture_output=capture,
        text=True,
        check=False,
    )


def parse(settings: Settings) -> None:
    """dbt's manifest for dagster-dbt, built by `dbt parse` (opens no database)."""
    completed = run_dbt(settings, ["parse", "--quiet"], dbt_vars(settings))
    if completed.returncode != 0:
        raise RuntimeError("dbt parse failed")


def rebuild_marts_as_of(
    settings: Settings, database: Path, as_of_date: date, work_dir: Path
) -> None:
    """Run the dbt models against ``database`` with the visibility cut at the end of ``as_of_date``."""
    vars_ = {
        **dbt_vars(settings, database),
        "as_of": (as_of_date + timedelta(days=1)).isoformat(),
        "reference_date": as_of_date.isoformat(),
    }
    args = [
        "run",
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--quiet",
    ]
    completed = run_dbt(settings, args, vars_, capture=True)
    if completed.returncode != 0:
        raise RuntimeError(
            f"dbt run as of {as_of_date} failed:\n{completed.stdout}\n{completed.stderr}"
        )
