"""What one programme sees of the warehouse: participants, follow-ups and its uploads.

Everything is read from the published copy (read-only, never the working file) and the landing
zone's metadata. Missing tables (a warehouse not yet built) give empty answers, not errors.
Participants appear only as counts: the warehouse holds pseudonyms, which mean nothing to the
programme.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipelines.checks.results import read_results
from pipelines.ingest.landing import LandedFile, landed_files
from pipelines.ingest.receipt import OUTCOME_NB
from pipelines.settings import Paths
from pipelines.warehouse.publish import connect_published


@contextmanager
def published(paths: Paths) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the published copy, or None if there is none yet."""
    try:
        con = connect_published(paths)
    except (FileNotFoundError, duckdb.Error):
        yield None
        return
    try:
        yield con
    finally:
        con.close()


def published_at(paths: Paths) -> str | None:
    manifest = paths.published.parent / "published.json"
    if not manifest.exists():
        return None
    try:
        return json.loads(manifest.read_text()).get("published_at")
    except (OSError, ValueError):
        return None


def _frame(con: duckdb.DuckDBPyConnection | None, sql: str, params: list) -> pd.DataFrame:
    if con is None:
        return pd.DataFrame()
    try:
        cursor = con.execute(sql, params)
    except duckdb.Error:  # the table is not there (yet): nothing to show
        return pd.DataFrame()
    names = [d[0] for d in cursor.description]
    return pd.DataFrame.from_records(cursor.fetchall(), columns=names)


def cohorts(con: duckdb.DuckDBPyConnection | None, programme_id: str) -> pd.DataFrame:
    return _frame(
        con,
        """
        select
            cohort,
            min(grant_year) as grant_year,
            count(*) filter (where not is_withdrawn) as participants,
            count(*) filter (where is_withdrawn) as withdrawn,
            min(programme_start) as first_start,
            max(programme_end) as last_end
        from dim_participants
        where upper(programme_id) = upper(?)
        group by cohort
        order by min(programme_start), cohort
        """,
        [programme_id],
    )


def followups(con: duckdb.DuckDBPyConnection | None, programme_id: str) -> pd.DataFrame:
    """Per cohort and horizon: how many follow-ups are reported, overdue and not yet due."""
    return _frame(
        con,
        """
        select
            cohort,
            horizon_months,
            count(*) filter (where follow_up_state = 'reported') as reported,
            count(*) filter (where follow_up_state = 'overdue') as overdue,
            count(*) filter (where follow_up_state = 'not_due') as not_due,
            min(due_date) as first_due,
            max(due_date) as last_due
        from fct_followup_status
        where upper(programme_id) = upper(?)
        group by cohort, horizon_months
        order by min(due_date), cohort, horizon_months
        """,
        [programme_id],
    )


def overdue(con: duckdb.DuckDBPyConnection | None, programme_id: str) -> pd.DataFrame:
    """The chase list, counted per cohort, horizon and due date."""
    return _frame(
        con,
        """
        select
            cohort,
            horizon_months,
            due_date,
            count(*) as followups,
            max(days_overdue) as days_overdue
        from fct_overdue_followups
        where upper(programme_id) = upper(?)
        group by cohort, horizon_months, due_date
        order by due_date, cohort, horizon_months
        """,
        [programme_id],
    )


def known_followups(con: duckdb.DuckDBPyConnection | None, programme_id: str) -> pd.DataFrame:
    """The programme's follow-up states for the template (no participant keys leave here)."""
    return _frame(
        con,
        """
        select cohort, horizon_months, due_date, follow_up_state
        from fct_followup_status
        where upper(programme_id) = upper(?)
        """,
        [programme_id],
    )


@dataclass(frozen=True)
class UploadRow:
    landed: LandedFile
    outcome: str | None  # None: not loaded into the published warehouse yet
    rows_total: int | None
    rows_accepted: int | None
    rows_rejected: int | None
    warnings: int | None
    expected: str | None = None  # a pending file's verdict, when the portal has it at hand

    @property
    def status_nb(self) -> str:
        if self.landed.refused:
            return OUTCOME_NB["refused"]
        if self.outcome is None:
            # Only a file with accepted rows is waiting to be loaded.
            if self.expected == "rejected":
                return "avvist – ingenting leses inn"
            return "venter på innlesing"
        return OUTCOME_NB.get(self.outcome, self.outcome)


def uploads(
    paths: Paths,
    con: duckdb.DuckDBPyConnection | None,
    programme_id: str,
    known_outcome: Callable[[LandedFile], str | None] = lambda landed: None,
) -> list[UploadRow]:
    """The programme's uploads, newest first, with the warehouse's verdict when it has one, or
    the expected one (``known_outcome``) for a file still waiting."""
    mine = [
        f
        for f in landed_files(paths)
        if (f.claimed_programme_id or "").upper() == programme_id.upper()
    ]
    verdicts = _frame(
        con,
        "select upload_id, outcome, rows_total, rows_accepted, rows_rejected, warnings "
        "from raw.raw_uploads where upper(claimed_programme_id) = upper(?)",
        [programme_id],
    )
    by_id = {r["upload_id"]: r for r in verdicts.to_dict("records")} if not verdicts.empty else {}
    rows = []
    for landed in reversed(mine):
        v = by_id.get(landed.upload_id, {})
        rows.append(
            UploadRow(
                landed,
                v.get("outcome"),
                v.get("rows_total"),
                v.get("rows_accepted"),
                v.get("rows_rejected"),
                v.get("warnings"),
                None if v else known_outcome(landed),
            )
        )
    return rows


@dataclass(frozen=True)
class QualityFlag:
    check_name: str  # the stable code, shown small under the Norwegian text
    severity: str  # "ERROR" | "WARN"
    description_nb: str
    summary_nb: str


def quality_flags(paths: Paths, programme_id: str) -> list[QualityFlag]:
    """The last quality checks that flagged this programme's figures (published, but to look
    at): low coverage, late follow-ups, implausible jumps, missing from the register, ..."""
    flags = []
    for entry in read_results(paths):
        details = entry.get("details") or {}
        mine = {str(p).upper() for p in details.get("programmes") or []}
        if entry.get("passed") or programme_id.upper() not in mine:
            continue
        flags.append(
            QualityFlag(
                entry["check_name"],
                str(entry.get("severity", "")).upper(),
                entry.get("description_nb", ""),
                details.get("summary_nb", ""),
            )
        )
    return flags
