"""The quarterly report runs at the start of each quarter, for the quarter that just ended."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.jobs import quarterly_report_job

quarterly_report_schedule = dg.build_schedule_from_partitioned_job(
    quarterly_report_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
