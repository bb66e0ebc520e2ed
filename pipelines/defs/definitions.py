"""The one Definitions object: assets, checks, jobs, the landing sensor and the quarterly schedule."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.assets.dbt import warehouse_models
from pipelines.defs.assets.ingest import landing_zone, raw_tables
from pipelines.defs.assets.publish import published_warehouse
from pipelines.defs.assets.report import quarterly_report
from pipelines.defs.checks import quality_checks
from pipelines.defs.jobs import quarterly_report_job, update_warehouse_job
from pipelines.defs.resources import build_resources
from pipelines.defs.schedules import quarterly_report_schedule
from pipelines.defs.sensors import landing_sensor

defs = dg.Definitions(
    assets=[landing_zone, raw_tables, warehouse_models, published_warehouse, quarterly_report],
    asset_checks=quality_checks,
    jobs=[update_warehouse_job, quarterly_report_job],
    sensors=[landing_sensor],
    schedules=[quarterly_report_schedule],
    resources=build_resources(),
)
