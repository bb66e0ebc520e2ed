"""Hypothesis strategies for whole, valid scenarios, built from the contracts.

Column types, required columns, min/max, patterns, lengths and code lists come from
``pipelines.contracts`` (schemas/*.yaml). Each programme follows one ``MODE``, so extreme
distributions are common rather than rare: nobody answering the follow-ups, everyone unknown,
only 6-month rows, one participant, everyone dropped out or withdrawn, everyone self-employed
without a position percentage, everyone moved abroad, low response as in the evaluation (about
2 of 10 known). Across programmes: a programme missing from the register, a register row without
follow-ups, a correction flipping every status, a file stamped just before the quarter end, and
the three dialects (English CSV, Norwegian Excel CSV in Windows-1252, XLSX).

Validity under the contract's cross-field rules (participant_followup.yaml ``rules``):
programme_end >= programme_start; employed rows carry position_pct, contract_type and
job_relevance; self-employed and internship rows carry job_relevance; a known status has an
observed_on inside the observation window and never after the file was received.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from pipelines.contracts import HORIZONS, Column, codelists, contract
from pipelines.ingest.privacy import contains_national_id
from tests.scenarios.files import DIALECTS
from tests.scenarios.model import (
    Followup,
    Participant,
    Programme,
    RegisterRow,
    Scenario,
    Upload,
    add_months,
)

REFERENCE_DATE = date(2020, 12, 31)  # a quarter end: 2020-K4
QUARTER_END_STAMP = time(23, 59, 59)
REGISTER_RECEIVED = datetime(2014, 1, 2, 8, 0)
EARLIEST_END = date(2017, 1, 1)

FOLLOWUP = contract("participant_followup")
REGISTER = contract("programme_register")
WINDOW = FOLLOWUP.observation_window_days
WORK = ("employed", "self_employed", "internship")

MODES = (
    "mixed",
    "low_response",
    "nobody_answered",
    "all_unknown",
    "only_6_months",
    "single_participant",
    "all_dropped_out",
    "all_withdrawn",
    "self_employed_no_pct",
    "moved_abroad",
)


def codes(name: str) -> list[str]:
    """The codes of a code-list column of the follow-up contract."""
    return list(codelists()[FOLLOWUP.column(name).codelist].codes)


def window(end: date, horizon: int, reference: date) -> tuple[date, date] | None:
    """The days a status at ``horizon`` may be observed on and reported by ``reference``:
    the contract's observation window, cut at the reference date (never in the future)."""
    due = add_months(end, horizon)
    lo, hi = due - timedelta(days=WINDOW["before"]), due + timedelta(days=WINDOW["after"])
    hi = min(hi, reference)
    return (lo, hi) if lo <= hi else None


def _no_national_id(text: str) -> bool:
    return not contains_national_id(text)


def plain_text(column: Column, alphabet: str, cap: int = 30) -> st.SearchStrategy[str]:
    """Text within the column's max_length, trimmed, never empty, never an identity number."""
    size = min(cap, column.max_length or cap)
    return (
        st.text(alphabet=alphabet, min_size=1, max_size=size)
        .map(str.strip)
        .filter(bool)
        .filter(_no_national_id)
    )


NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ &-'"
REF_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
COHORT_ALPHABET = "abcdefghijklmnopqrstuvwxyzæøå0123456789-/"


def programme_ids(n: int) -> st.SearchStrategy[list[str]]:
    """Ids from the contract's pattern, distinct ignoring case (pseudonyms fold case)."""
    pattern = FOLLOWUP.column("programme_id").pattern
    ids = st.from_regex(pattern, fullmatch=True).filter(_no_national_id)
    return st.lists(ids, min_size=n, max_size=n, unique_by=str.upper)


def decimal_in(column: Column) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(str(column.min)), max_value=Decimal(str(column.max)), places=1
    )


@dataclass
class Clock:
    """Hands out distinct receive times, so versions never tie."""

    ticks: int = 0

    def at(self, day: date, base: time) -> datetime:
        self.ticks += 1
        return datetime.combine(day, base) + timedelta(minutes=self.ticks)


@st.composite
def followup(
    draw, participant: Participant, horizon: int, status: str, reference: date, no_pct=False
) -> Followup | None:
    """A valid row for ``status`` at ``horizon``, or None when it cannot be observed yet."""
    days = window(participant.end, horizon, reference)
    if days is None:
        return None
    lo, hi = days
    observed = lo + timedelta(days=draw(st.integers(0, (hi - lo).days)))
    if status == "unknown" and draw(st.booleans()):
        observed = None
    relevance = draw(st.sampled_from(codes("job_relevance"))) if status in WORK else None
    pct = None
    if status == "employed" or (status == "self_employed" and not no_pct and draw(st.booleans())):
        pct = draw(decimal_in(FOLLOWUP.column("position_pct")))
    contract_type = draw(st.sampled_from(codes("contract_type"))) if status == "employed" else None
    # The optional columns of issue 14: mostly absent (the old shape), else any code.
    source = draw(st.none() | st.sampled_from(codes("status_source")))
    evidence = draw(st.none() | st.sampled_from(codes("evidence")))
    return Followup(
        participant.ref, horizon, status, observed, relevance, pct, contract_type, source, evidence
    )


def _status_for(mode: str, answered: bool) -> st.SearchStrategy[str]:
    statuses = codes("status")
    if mode == "all_unknown" or not answered:
        return st.just("unknown")
    if mode == "self_employed_no_pct":
        return st.just("self_employed")
    if mode == "moved_abroad":
        return st.just("moved_abroad")
    return st.sampled_from(statuses)


@st.composite
def participants(draw, mode: str, reference: date) -> tuple[Participant, ...]:
    count = 1 if mode == "single_participant" else draw(st.integers(1, 10))
    refs = draw(
        st.lists(
            plain_text(FOLLOWUP.column("participant_ref"), REF_ALPHABET, cap=12),
            min_size=count,
            max_size=count,
            unique_by=str.upper,
        )
    )
    cohorts = draw(
        st.lists(plain_text(FOLLOWUP.column("cohort"), COHORT_ALPHABET), min_size=1, max_size=2)
    )
    latest_end = add_months(reference, -6) if mode == "only_6_months" else reference
    grant_year = FOLLOWUP.column("grant_year")
    result = []
    for ref in refs:
        end = draw(st.dates(EARLIEST_END, latest_end))
        start = end - timedelta(days=draw(st.integers(0, 730)))
        year = draw(st.sampled_from([None, start.year, start.year - 1]))
        if year is not None and not grant_year.min <= year <= grant_year.max:
            year = None
        exit_reason = (
            "dropped_out"
            if mode == "all_dropped_out"
            else "moved_abroad"
            if mode == "moved_abroad"
            else draw(st.sampled_from(codes("exit_reason")))
        )
        result.append(
            Participant(
                ref=ref,
                cohort=draw(st.sampled_from(cohorts)),
                start=start,
                end=end,
                exit_reason=exit_reason,
                grant_year=year,
                withdrawn=mode == "all_withdrawn" or (mode == "mixed" and draw(st.booleans())),
                birth_year=draw(
                    st.none()
                    | st.integers(
                        int(FOLLOWUP.column("birth_year").min),
                        int(FOLLOWUP.column("birth_year").max),
                    )
                ),
                gender=draw(st.none() | st.sampled_from(codes("gender"))),
            )
        )
    return tuple(result)


def _horizons_sent(mode: str) -> tuple[int, ...]:
    if mode == "only_6_months":
        return (6,)
    if mode == "nobody_answered":
        return (HORIZONS[0],)
    return HORIZONS


@st.composite
def programme(
    draw, programme_id: str, mode: str, clock: Clock, reference: date, correction: bool
) -> Programme:
    people = draw(participants(mode, reference))
    rows: list[Followup] = []
    for person in people:
        mine: list[Followup] = []
        for horizon in _horizons_sent(mode):
            if mode == "mixed" and not draw(st.booleans()) and horizon != 0:
                continue  # no row at all: overdue once due
            answered = mode != "low_response" or draw(st.integers(0, 9)) < 2
            status = draw(_status_for(mode, answered))
            row = draw(
                followup(person, horizon, status, reference, no_pct=mode == "self_employed_no_pct")
            )
            if row is not None:
                mine.append(row)
        rows.extend(mine)
    # Every participant has a row: the 0-month window opens before programme end <= reference.
    assert {r.ref for r in rows} == {p.ref for p in people}
    split = draw(st.sampled_from(["one", "per_horizon"]))
    batches = (
        [rows]
        if split == "one"
        else [
            [r for r in rows if r.horizon == h]
            for h in HORIZONS
            if any(r.horizon == h for r in rows)
        ]
    )
    uploads = []
    for number, batch in enumerate(batches, start=1):
        floor = max(
            r.observed_on or window(_person(people, r.ref).end, r.horizon, reference)[0]
            for r in batch
        )
        day = min(reference, floor + timedelta(days=draw(st.integers(0, 60))))
        uploads.append(
            Upload(
                name=f"oppfolging-{number}",
                programme_id=programme_id,
                received_at=clock.at(day, time(12, 0)),
                dialect=draw(st.sampled_from(DIALECTS)),
                rows=tuple(batch),
                spelling=draw(st.integers(0, 5)),
            )
        )
    if correction:
        uploads.append(draw(flipped(uploads[-1], people, clock, reference)))
    return Programme(programme_id, people, tuple(uploads))


def _person(people: tuple[Participant, ...], ref: str) -> Participant:
    return next(p for p in people if p.ref == ref)


@st.composite
def flipped(
    draw, original: Upload, people: tuple[Participant, ...], clock: Clock, reference: date
) -> Upload:
    """A correction of ``original``: the same participants and horizons, every status another
    one, received later the same day or after."""
    statuses = codes("status")
    rows = []
    for row in original.rows:
        status = draw(st.sampled_from([s for s in statuses if s != row.status]))
        new = draw(followup(_person(people, row.ref), row.horizon, status, reference))
        # Observed no later than the original was received, so never after the correction.
        lo, _ = window(_person(people, row.ref).end, row.horizon, reference)
        observed = row.observed_on or (None if status == "unknown" else lo)
        rows.append(replace(new, observed_on=observed))
    day = original.received_at.date() + timedelta(days=draw(st.integers(0, 30)))
    return Upload(
        name="rettelse",
        programme_id=original.programme_id,
        received_at=clock.at(min(day, reference), time(20, 0)),
        dialect=draw(st.sampled_from(DIALECTS)),
        rows=tuple(rows),
        spelling=draw(st.integers(0, 5)),
    )


@st.composite
def register_rows(draw, programme_id: str, years: set[int]) -> list[RegisterRow]:
    name = REGISTER.column("name")
    return [
        RegisterRow(
            programme_id=programme_id,
            grant_year=year,
            name=draw(plain_text(name, NAME_ALPHABET)),
            organisation=draw(plain_text(REGISTER.column("organisation"), NAME_ALPHABET)),
            programme_type=draw(
                st.none() | st.sampled_from(list(codelists()["programme_type"].codes))
            ),
            target_employed_pct_6=draw(
                st.none() | decimal_in(REGISTER.column("target_employed_pct_6"))
            ),
            target_employed_pct_12=draw(
                st.none() | decimal_in(REGISTER.column("target_employed_pct_12"))
            ),
        )
        for year in sorted(years)
    ]


@st.composite
def scenarios(draw, reference: date = REFERENCE_DATE) -> Scenario:
    """A whole scenario: 1-4 programmes, each in one MODE, the register, the files."""
    count = draw(st.integers(1, 4))
    ids = draw(programme_ids(count + 1))  # the last: a register row without follow-ups
    modes = draw(st.lists(st.sampled_from(MODES), min_size=count, max_size=count))
    clock = Clock()
    programmes = [
        draw(programme(pid, mode, clock, reference, correction=draw(st.booleans())))
        for pid, mode in zip(ids, modes, strict=False)
    ]
    unregistered = draw(st.none() | st.sampled_from([p.programme_id for p in programmes]))
    register: list[RegisterRow] = []
    for prog in programmes:
        if prog.programme_id == unregistered:
            continue
        years = {p.grant_year or p.start.year for p in prog.participants}
        if draw(st.booleans()):
            years.add(draw(st.integers(2014, 2020)))
        register.extend(draw(register_rows(prog.programme_id, years)))
    if draw(st.booleans()):
        register.extend(draw(register_rows(ids[-1], {draw(st.integers(2014, 2020))})))
    if draw(st.booleans()):
        programmes = stamp_quarter_end(programmes, reference)
    return Scenario(
        label="+".join(modes),
        reference_date=reference,
        register=tuple(register),
        register_received_at=REGISTER_RECEIVED,
        programmes=tuple(programmes),
        register_dialect=draw(st.sampled_from(DIALECTS)),
        register_spelling=draw(st.integers(0, 5)),
    )


def stamp_quarter_end(programmes: list[Programme], reference: date) -> list[Programme]:
    """The newest file of the last programme stamped one second before the quarter ends (the
    reference date); it is loaded afterwards, by the run."""
    last = programmes[-1]
    newest = max(last.uploads, key=lambda u: u.received_at)
    stamped = replace(newest, received_at=datetime.combine(reference, QUARTER_END_STAMP))
    uploads = tuple(stamped if u is newest else u for u in last.uploads)
    return [*programmes[:-1], Programme(last.programme_id, last.participants, uploads)]
