"""The quarterly attainment report, one partition per quarter."""

import dagster as dg

from pipelines.assets.publish import published_warehouse
from pipelines.partitions import quarter_end, quarter_label, quarterly_partitions
from pipelines.quarterly import build_report_for_quarter
from pipelines.resources import WarehouseResource


@dg.asset(
    group_name="report",
    partitions_def=quarterly_partitions,
    deps=[published_warehouse],
    kinds={"html", "excel"},
)
def quarterly_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Attainment at 0, 6 and 12 months per programme, grant year and cohort, as of the quarter's
    end, with small numbers suppressed: HTML for reading and printing, Excel for analysts."""
    key = context.partition_key
    result = build_report_for_quarter(warehouse.paths, quarter_end(key), quarter_label(key))
    headline = result["tables"].get("headline")
    return dg.MaterializeResult(
        metadata={
            "html": dg.MetadataValue.path(str(result["html"])),
            "xlsx": dg.MetadataValue.path(str(result["xlsx"])),
            "as_of": quarter_end(key).isoformat(),
            "suppressed_cells": result["suppressed_cells"],
            **(
                {"headline": dg.MetadataValue.md(headline.to_markdown(index=False))}
                if headline is not None
                else {}
            ),
        }
    )
