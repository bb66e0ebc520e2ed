"""Quarterly partitions for the attainment report: a partition key is the quarter's first day."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 */3 *",
    start="2014-01-01",
    fmt="%Y-%m-%d",
    end_offset=0,
)


def quarter_end(partition_key: str) -> date:
    """The last day of the quarter that starts on ``partition_key`` (an ISO date)."""
    start = date.fromisoformat(partition_key)
    month = start.month + 3
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1) - timedelta(days=1)


def quarter_label(partition_key: str) -> str:
    start = date.fromisoformat(partition_key)
    return f"{start.year}-K{(start.month - 1) // 3 + 1}"


def latest_complete_quarter(today: date) -> str:
    """Partition key of the last quarter that has ended by ``today``."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = date(today.year, first_month, 1)
    previous = (this_quarter - timedelta(days=1)).replace(day=1)
    first_month = 3 * ((previous.month - 1) // 3) + 1
    return date(previous.year, first_month, 1).isoformat()
