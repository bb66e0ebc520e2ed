"""Quarterly partitions for the attainment report: a partition key is the quarter's first day."""

from __future__ import annotations

import dagster as dg

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 */3 *",
    start="2014-01-01",
    fmt="%Y-%m-%d",
    end_offset=0,
)
