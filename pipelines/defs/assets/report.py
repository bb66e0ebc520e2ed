"""The quarterly attainment report, one partition per quarter."""

import dagster as dg

from pipelines.defs.assets.publish import published_warehouse
from pipelines.defs.partitions import quarterly_partitions
from pipelines.defs.resources import SettingsResource
from pipelines.quarters import quarter_end
from pipelines.report.quarterly import build_report_for_quarter
from pipelines.report.summary import key_figures


class ReportConfig(dg.Config):
    """Which languages to render: "nb" (the report), "en" (the same report in English)."""

    languages: list[str] = ["nb"]


@dg.asset(
    group_name="report",
    partitions_def=quarterly_partitions,
    deps=[published_warehouse],
    kinds={"html", "excel"},
)
def quarterly_report(
    context: dg.AssetExecutionContext, settings: SettingsResource, config: ReportConfig
) -> dg.MaterializeResult:
    """Attainment at 0, 6 and 12 months per programme, grant year and cohort, as of the quarter's
    end, with small numbers suppressed: HTML for reading and printing, Excel for analysts."""
    key = context.partition_key
    files = build_report_for_quarter(settings.get(), key, languages=config.languages)
    headline = files.tables.get("headline")
    return dg.MaterializeResult(
        metadata={
            "html": dg.MetadataValue.path(str(files.html)),
            "xlsx": dg.MetadataValue.path(str(files.xlsx)),
            **{
                f"html_{lang}": dg.MetadataValue.path(str(html))
                for lang, (html, _) in files.files.items()
            },
            "as_of": quarter_end(key).isoformat(),
            "suppressed_cells": files.suppressed_cells,
            "key_figures": dg.MetadataValue.json(
                key_figures(headline) if headline is not None else []
            ),
            **(
                {"headline": dg.MetadataValue.md(headline.to_markdown(index=False))}
                if headline is not None
                else {}
            ),
        }
    )
