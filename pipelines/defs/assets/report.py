"""The quarterly attainment report, one partition per quarter."""

import dagster as dg

from pipelines.defs.assets.publish import published_warehouse
from pipelines.defs.partitions import quarterly_partitions
from pipelines.defs.resources import SettingsResource
from pipelines.quarters import quarter_end
from pipelines.report.quarterly import build_report_for_quarter


@dg.asset(
    group_name="report",
    partitions_def=quarterly_partitions,
    deps=[published_warehouse],
    kinds={"html", "excel"},
)
def quarterly_report(
    context: dg.AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """Attainment at 0, 6 and 12 months per programme, grant year and cohort, as of the quarter's
    end, with small numbers suppressed: HTML for reading and printing, Excel for analysts."""
    key = context.partition_key
    files = build_report_for_quarter(settings.get(), key)
    headline = files.tables.get("headline")
    return dg.MaterializeResult(
        metadata={
            "html": dg.MetadataValue.path(str(files.html)),
            "xlsx": dg.MetadataValue.path(str(files.xlsx)),
            "as_of": quarter_end(key).isoformat(),
            "suppressed_cells": files.suppressed_cells,
            **(
                {"headline": dg.MetadataValue.md(headline.to_markdown(index=False))}
                if headline is not None
                else {}
            ),
        }
    )
