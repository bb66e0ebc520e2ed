"""Jobs: one that brings the warehouse up to date, one that renders a quarter's report."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.assets.report import quarterly_report
from pipelines.defs.partitions import quarterly_partitions

# Writers are serialised: one run at a time changes the working DuckDB file.
WRITER_TAGS = {"imdi/writes_warehouse": "true"}

update_warehouse_job = dg.define_asset_job(
    name="update_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(quarterly_report),
    description="Land drop-folder files, ingest and validate, dbt build with tests, quality checks, publish.",
    tags=WRITER_TAGS,
    # The steps run one after the other anyway (one writer of the DuckDB file); in one process
    # they share their imports instead of paying ~2-3 s of start-up per step (docs/benchmarks.md).
    executor_def=dg.in_process_executor,
)

quarterly_report_job = dg.define_asset_job(
    name="quarterly_report_job",
    selection=dg.AssetSelection.assets(quarterly_report),
    partitions_def=quarterly_partitions,
    description="The attainment report for one quarter, as of its end.",
)
