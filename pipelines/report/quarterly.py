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
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from pipelines.quarters import quarter_end, quarter_label
from pipelines.report.build import ReportFiles, build_quarterly_report
from pipelines.settings import Paths, Settings
from pipelines.warehouse.dbt import rebuild_marts_as_of


def load_quality_results(paths: Paths) -> list[dict] | None:
    """The latest outcome of every quality check (``<quality>/results.json``), if any ran."""
    results = paths.quality / "results.json"
    if not results.exists():
        return None
    return json.loads(results.read_text(encoding="utf-8"))


def build_report_for_quarter(
    settings: Settings, quarter: date | str, languages: Sequence[str] = ("nb",)
) -> ReportFiles:
    """Render the report for the quarter that ``quarter`` lies in, as of its last day, from the
    published copy, into ``<reports>/<label>/``, in each of ``languages`` ("nb", "en")."""
    paths = settings.paths
    as_of_date = quarter_end(quarter)
    label = quarter_label(quarter)
    if not paths.published.exists():
        raise FileNotFoundError(f"No published warehouse at {paths.published}")
    out_dir = paths.reports / label
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=paths.reports, prefix=".asof-") as scratch:
        work = Path(scratch)
        snapshot = work / "as_of.duckdb"
        shutil.copyfile(paths.published, snapshot)
        os.chmod(snapshot, 0o644)
        rebuild_marts_as_of(settings, snapshot, as_of_date, work)
        con = duckdb.connect(str(snapshot), read_only=True)
        try:
            return build_quarterly_report(
                con,
                as_of_date=as_of_date,
                quarter_label=label,
                out_dir=out_dir,
                threshold=settings.suppression_threshold,
                full_time_threshold=settings.full_time_threshold,
                quality=load_quality_results(paths),
                languages=languages,
            )
        finally:
            con.close()
