"""Reading the marts the report is built from (read-only; participant keys are never read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from pipelines.indicators import indicators

ATTAINMENT_COLUMNS = (
    "programme_id",
    "grant_year",
    "cohort",
    "horizon_months",
    "participants",
    "reported",
    "known_status",
    "coverage_pct",
    "overdue",
    *(column for i in indicators() for column in (f"n_{i.code}", *i.share_columns())),
    "target_employed_pct",
    "target_relevant_pct",
    "employed_target_met",
    "relevant_target_met",
)

TRANSITION_COLUMNS = (
    "programme_id",
    "grant_year",
    "cohort",
    "status_0",
    "status_6",
    "status_12",
    "participants",
)

# fct_overdue_followups also has participant_key; it is deliberately not read.
OVERDUE_COLUMNS = (
    "programme_id",
    "grant_year",
    "cohort",
    "horizon_months",
    "due_date",
    "days_overdue",
)

SAID_VS_SHOWN_COLUMNS = (
    "programme_id",
    "grant_year",
    "period_end",
    "pairs_planned",
    "pairs_recruited",
    "participants_completed",
    "reported_employed",
    "reported_relevant",
    "reported_attainment",
    "shown_participants",
    "shown_completed",
    "shown_employed_0",
    "shown_relevant_0",
)

PROGRAMME_COLUMNS = ("programme_id", "grant_year", "name")


class MartError(RuntimeError):
    """A mart the report needs is missing or lacks a column."""


@dataclass(frozen=True)
class Marts:
    """The mart rows one report is built from."""

    attainment: pd.DataFrame
    attainment_by_quarter: pd.DataFrame
    transitions: pd.DataFrame
    overdue: pd.DataFrame
    said_vs_shown: pd.DataFrame
    programmes: pd.DataFrame


def _columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'main' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def _read(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[str, ...],
    where: str = "",
    params: list | None = None,
) -> pd.DataFrame:
    available = _columns_of(con, table)
    if not available:
        raise MartError(f"Fant ikke tabellen main.{table} i varehuset.")
    missing = [c for c in columns if c not in available]
    if missing:
        raise MartError(f"main.{table} mangler kolonnene {', '.join(missing)}.")
    # Table and column names come from the constants above, never from input.
    select = ", ".join(f'"{c}"' for c in columns)
    frame = con.execute(f'select {select} from main."{table}" {where}', params or []).df()
    return frame.reset_index(drop=True)


def read_marts(con: duckdb.DuckDBPyConnection, as_of_date: date) -> Marts:
    """Every mart row the report needs; the trend only up to ``as_of_date``."""
    return Marts(
        attainment=_read(con, "fct_attainment", ATTAINMENT_COLUMNS),
        attainment_by_quarter=_read(
            con,
            "fct_attainment_by_quarter",
            ("as_of_date", *ATTAINMENT_COLUMNS),
            "where as_of_date <= ?",
            [as_of_date],
        ),
        transitions=_read(con, "fct_status_transitions", TRANSITION_COLUMNS),
        overdue=_read(con, "fct_overdue_followups", OVERDUE_COLUMNS),
        said_vs_shown=_read(con, "fct_said_vs_shown", SAID_VS_SHOWN_COLUMNS),
        programmes=_read(con, "dim_programmes", PROGRAMME_COLUMNS),
    )
