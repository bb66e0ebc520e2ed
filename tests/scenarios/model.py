"""A scenario as plain data, and what the warehouse must publish for it, computed in plain
Python from the scenario alone (never from the code under test).

Population rules (docs/analysts.md, schemas/indicators.yaml), restated here as the test's own
reading of them: a participant is in follow-up at a horizon when the follow-up is due at the
reference date (programme end + horizon months, the day clamped to the month's length) or it
was reported anyway; the newest reported row of a participant x horizon wins; withdrawn
participants are not counted; "known" is a reported status other than unknown; "employed" is
employed or self-employed; "unknown" is every participant in follow-up who is not known.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

EMPLOYED = ("employed", "self_employed")


@dataclass(frozen=True)
class RegisterRow:
    programme_id: str
    grant_year: int
    name: str
    organisation: str
    programme_type: str | None = None
    target_employed_pct_6: Decimal | None = None
    target_employed_pct_12: Decimal | None = None


@dataclass(frozen=True)
class Participant:
    ref: str
    cohort: str
    start: date
    end: date
    exit_reason: str = "completed"
    grant_year: int | None = None
    withdrawn: bool = False
    birth_year: int | None = None
    gender: str | None = None


@dataclass(frozen=True)
class Followup:
    """One reported row: a participant's status at one horizon."""

    ref: str
    horizon: int
    status: str
    observed_on: date | None = None
    job_relevance: str | None = None
    position_pct: Decimal | None = None
    contract_type: str | None = None
    # Optional columns (issue 14): who said it, and what backs it; None = not in the file.
    status_source: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class Upload:
    """One file a programme sends: the rows of some of its participants, in one dialect."""

    name: str
    programme_id: str
    received_at: datetime  # UTC, naive
    dialect: str  # "csv_en" | "csv_nb" | "xlsx" (tests.scenarios.files)
    rows: tuple[Followup, ...]
    spelling: int = 0  # which accepted spelling of headers and codes (0: the labels)


@dataclass(frozen=True)
class Programme:
    programme_id: str
    participants: tuple[Participant, ...]
    uploads: tuple[Upload, ...]


@dataclass(frozen=True)
class Scenario:
    label: str
    reference_date: date
    register: tuple[RegisterRow, ...]
    register_received_at: datetime
    programmes: tuple[Programme, ...]
    register_dialect: str = "xlsx"
    register_spelling: int = 0
    notes: tuple[str, ...] = field(default=())

    def participant(self, programme_id: str, ref: str) -> Participant:
        programme = next(p for p in self.programmes if p.programme_id == programme_id)
        return next(p for p in programme.participants if p.ref == ref)

    def __repr__(self) -> str:  # short in Hypothesis' falsifying-example output
        uploads = sum(len(p.uploads) for p in self.programmes)
        rows = sum(len(u.rows) for p in self.programmes for u in p.uploads)
        return (
            f"Scenario({self.label!r}, {len(self.programmes)} programmes, {uploads} files, "
            f"{rows} rows, {len(self.register)} register rows)"
        )


def add_months(day: date, months: int) -> date:
    """``day`` + ``months``, the day clamped to the target month's length (31.08 + 6 = 28/29.02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


GroupKey = tuple[str, int, str, int]  # programme_id, grant_year, cohort, horizon


@dataclass
class Group:
    participants: int = 0
    reported: int = 0
    known_status: int = 0
    overdue: int = 0
    n_employed: int = 0
    n_unemployed: int = 0
    n_unknown: int = 0
    # In work with evidence other than "none"; in work by source (no source = the programme).
    n_employed_with_evidence: int = 0
    employed_by_source: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)  # status as fct_followup_status shows it


def share(count: int, total: int) -> float | None:
    """100 * count / total rounded to one decimal, halves away from zero; None without a total."""
    if total == 0:
        return None
    return math.floor(Fraction(1000 * count, total) + Fraction(1, 2)) / 10


def grant_year_of(scenario: Scenario, programme_id: str, participant: Participant) -> int:
    """The row's grant year; else the register's year equal to or nearest before the start
    year; else the start year (the contract's description of grant_year)."""
    if participant.grant_year is not None:
        return participant.grant_year
    start_year = participant.start.year
    years = [
        r.grant_year
        for r in scenario.register
        if r.programme_id == programme_id and r.grant_year <= start_year
    ]
    return max(years) if years else start_year


def expected_groups(scenario: Scenario, horizons: tuple[int, ...]) -> dict[GroupKey, Group]:
    """Per programme x grant year x cohort x horizon, the figures the published marts must show."""
    groups: dict[GroupKey, Group] = {}
    for programme in scenario.programmes:
        newest: dict[tuple[str, int], tuple[datetime, Followup]] = {}
        reported_refs: set[str] = set()
        for upload in programme.uploads:
            for row in upload.rows:
                reported_refs.add(row.ref)
                key = (row.ref, row.horizon)
                if key not in newest or newest[key][0] < upload.received_at:
                    newest[key] = (upload.received_at, row)
        for participant in programme.participants:
            if participant.ref not in reported_refs or participant.withdrawn:
                continue  # the warehouse only knows participants from their rows
            grant_year = grant_year_of(scenario, programme.programme_id, participant)
            for horizon in horizons:
                due = add_months(participant.end, horizon) <= scenario.reference_date
                report = newest.get((participant.ref, horizon))
                if not due and report is None:
                    continue
                group = groups.setdefault(
                    (programme.programme_id, grant_year, participant.cohort, horizon), Group()
                )
                status = report[1].status if report else "unknown"
                known = report is not None and status != "unknown"
                group.participants += 1
                group.reported += report is not None
                group.overdue += report is None
                group.known_status += known
                group.n_employed += status in EMPLOYED
                group.n_unemployed += status == "unemployed"
                group.n_unknown += not known
                if status in EMPLOYED:
                    row = report[1]
                    group.n_employed_with_evidence += row.evidence not in (None, "none")
                    group.employed_by_source[row.status_source or "programme"] += 1
                group.statuses[status] += 1
    return groups
