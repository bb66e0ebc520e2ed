"""Quarters as IMDi writes them ("2020-K2"), and the dates they begin and end on.

A quarter is named by its first day (the Dagster partition key, ISO) or by any day in it.
"""

from __future__ import annotations

from datetime import date, timedelta


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def quarter_start(day: date | str) -> date:
    """The first day of the quarter ``day`` lies in."""
    day = _day(day)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date | str) -> date:
    """The last day of the quarter ``day`` lies in (a partition key is its first day)."""
    start = quarter_start(day)
    month = start.month + 3
    following = date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return following - timedelta(days=1)


def quarter_label(day: date | str) -> str:
    """'2020-K2' for any day of the second quarter of 2020."""
    day = _day(day)
    return f"{day.year}-K{(day.month - 1) // 3 + 1}"


def latest_complete_quarter(today: date) -> str:
    """Partition key (first day, ISO) of the last quarter that has ended by ``today``."""
    return quarter_start(quarter_start(today) - timedelta(days=1)).isoformat()


def quarter_key(text: str) -> str:
    """'2020-K2', '2020-Q2' or any ISO date in the quarter -> the quarter's partition key."""
    text = text.strip().upper().replace("Q", "K")
    if "-K" in text:
        year, quarter = text.split("-K")
        return date(int(year), 3 * (int(quarter) - 1) + 1, 1).isoformat()
    return quarter_start(date.fromisoformat(text)).isoformat()
