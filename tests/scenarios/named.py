"""The named extreme cases, built by hand so each always runs (``@example`` in the tests).

Participants end their programme on 30.06.2019 unless said otherwise: follow-ups fall due on
30.06.2019 (0), 30.12.2019 (6) and 30.06.2020 (12), all before the reference date 31.12.2020.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from pipelines.contracts import HORIZONS
from tests.scenarios.model import (
    Followup,
    Participant,
    Programme,
    RegisterRow,
    Scenario,
    Upload,
    add_months,
)
from tests.scenarios.strategies import QUARTER_END_STAMP, REFERENCE_DATE, REGISTER_RECEIVED

END = date(2019, 6, 30)
START = date(2018, 9, 1)


def people(prefix: str, count: int, **attributes: object) -> tuple[Participant, ...]:
    values = {"cohort": "2018-1", "start": START, "end": END, **attributes}
    return tuple(Participant(ref=f"{prefix}{n:02d}", **values) for n in range(1, count + 1))


def row(person: Participant, horizon: int, status: str, **values: object) -> Followup:
    """A valid row: observed on the due date; the fields the contract requires for the status."""
    needs = {
        "employed": {
            "job_relevance": "relevant",
            "position_pct": Decimal("100"),
            "contract_type": "permanent",
        },
        "self_employed": {"job_relevance": "partly"},
        "internship": {"job_relevance": "relevant"},
    }.get(status, {})
    observed = None if status == "unknown" else add_months(person.end, horizon)
    fields = {"observed_on": observed, **needs, **values}
    return Followup(person.ref, horizon, status, **fields)


def upload(pid: str, name: str, received: datetime, dialect: str, rows, spelling: int = 0):
    return Upload(name, pid, received, dialect, tuple(rows), spelling)


def registered(pid: str, year: int = 2018) -> RegisterRow:
    return RegisterRow(
        pid, year, f"Program {pid}", "Mentorforeningen", "mentor", Decimal("40"), Decimal("50")
    )


MIXED = ("employed", "unemployed", "education", "internship", "parental_leave", "other")
FLIP = {
    "employed": "unemployed",
    "self_employed": "unknown",
    "internship": "employed",
    "education": "self_employed",
    "parental_leave": "moved_abroad",
    "unemployed": "employed",
    "moved_abroad": "other",
    "other": "internship",
    "unknown": "education",
}
SEEN = datetime(2020, 7, 15, 12, 0)  # after the 12-month follow-up of END


def scenario(label: str, programmes, register, register_dialect="xlsx", spelling=0) -> Scenario:
    return Scenario(
        label=label,
        reference_date=REFERENCE_DATE,
        register=tuple(register),
        register_received_at=REGISTER_RECEIVED,
        programmes=tuple(programmes),
        register_dialect=register_dialect,
        register_spelling=spelling,
    )


def nobody_answered() -> Scenario:
    """Rows at programme end only; nobody answered at 6 or 12 months (all overdue). Norwegian
    Excel CSV. A second programme is in the register but sends nothing."""
    group = people("N", 6)
    rows = [row(p, 0, MIXED[i % len(MIXED)]) for i, p in enumerate(group)]
    prog = Programme("NOBODY", group, (upload("NOBODY", "slutt", SEEN, "csv_nb", rows, 1),))
    register = [registered("NOBODY"), registered("REGISTER-ONLY", 2019)]
    return scenario("nobody_answered+register_without_followups", [prog], register, "csv_nb", 3)


def all_unknown() -> Scenario:
    """Every follow-up reported, every status unknown. XLSX."""
    group = people("U", 5)
    rows = [row(p, h, "unknown") for p in group for h in (0, 6, 12)]
    prog = Programme("UKJENT", group, (upload("UKJENT", "alle", SEEN, "xlsx", rows, 2),))
    return scenario("all_unknown", [prog], [registered("UKJENT")])


def only_6_months() -> Scenario:
    """Only 6-month rows: the 0- and 12-month follow-ups are overdue."""
    group = people("S", 4, grant_year=2018)
    rows = [row(p, 6, MIXED[i]) for i, p in enumerate(group)]
    prog = Programme("SEKS", group, (upload("SEKS", "seks", SEEN, "csv_nb", rows, 4),))
    return scenario("only_6_months", [prog], [registered("SEKS")], "csv_en")


def single_participant() -> Scenario:
    (person,) = people("E", 1, exit_reason="leave")
    rows = [row(person, 0, "internship"), row(person, 6, "employed"), row(person, 12, "employed")]
    prog = Programme("EN", (person,), (upload("EN", "en", SEEN, "csv_en", rows, 1),))
    return scenario("single_participant", [prog], [registered("EN")])


def dropped_out_and_withdrawn() -> Scenario:
    """One programme where everyone dropped out; one where everyone is withdrawn."""
    dropped = people("D", 5, exit_reason="dropped_out")
    gone = people("W", 4, withdrawn=True)
    first = [row(p, h, MIXED[(i + h) % len(MIXED)]) for i, p in enumerate(dropped) for h in (0, 6)]
    second = [row(p, h, "employed") for p in gone for h in (0, 6, 12)]
    programmes = [
        Programme("AVBRUTT", dropped, (upload("AVBRUTT", "a", SEEN, "xlsx", first, 5),)),
        Programme("TRUKKET", gone, (upload("TRUKKET", "t", SEEN, "csv_en", second),)),
    ]
    register = [registered("AVBRUTT"), registered("TRUKKET")]
    return scenario("all_dropped_out+all_withdrawn", programmes, register)


def self_employed_and_moved_abroad() -> Scenario:
    """Everyone self-employed without a position percentage; elsewhere everyone moved abroad."""
    own = people("B", 6)
    moved = people("F", 3, exit_reason="moved_abroad")
    first = [row(p, h, "self_employed") for p in own for h in (0, 6, 12)]
    second = [row(p, h, "moved_abroad") for p in moved for h in (0, 6, 12)]
    programmes = [
        Programme("EGEN", own, (upload("EGEN", "e", SEEN, "csv_nb", first, 2),)),
        Programme("UTLAND", moved, (upload("UTLAND", "u", SEEN, "xlsx", second, 3),)),
    ]
    register = [registered("EGEN"), registered("UTLAND")]
    return scenario("self_employed_no_pct+moved_abroad", programmes, register, "csv_en")


def not_in_register() -> Scenario:
    """A programme uploads follow-ups before IMDi has registered it."""
    group = people("X", 3)
    rows = [row(p, 0, "employed") for p in group]
    programmes = [
        Programme("UREGISTRERT", group, (upload("UREGISTRERT", "x", SEEN, "csv_en", rows),))
    ]
    return scenario("not_in_register", programmes, [registered("ANNET-PROGRAM")])


def correction_at_quarter_end() -> Scenario:
    """A second file for the same participants flips every status; it is stamped one second
    before the quarter ends (the reference date) and loaded after it, by the run."""
    group = people("K", 9)
    statuses = [*FLIP]
    first = [
        row(p, h, statuses[(i + h) % len(statuses)])
        for i, p in enumerate(group)
        for h in (0, 6, 12)
    ]
    second = [
        replace(
            row(group[[p.ref for p in group].index(r.ref)], r.horizon, FLIP[r.status]),
            observed_on=r.observed_on or add_months(END, r.horizon),
        )
        for r in first
    ]
    stamped = datetime.combine(REFERENCE_DATE, QUARTER_END_STAMP)
    uploads = (
        upload("RETTING", "forste", SEEN, "csv_en", first),
        upload("RETTING", "rettelse", stamped, "csv_nb", second, 5),
    )
    return scenario(
        "correction_flips_every_status+quarter_end",
        [Programme("RETTING", group, uploads)],
        [registered("RETTING")],
    )


def issue_story() -> Scenario:
    """Issue 11: four programmes in the register (grant year 2018) send follow-ups for 10
    participants each (programme 01.02.2018-30.11.2018: due 30.11.2018, 30.05.2019,
    30.11.2019). LAVSVAR: at 6 months only 2 of 10 answered (1 employed, 1 unemployed), the
    other 8 are sent as unknown; nothing at 12 months. The others answer everything."""
    start, end = date(2018, 2, 1), date(2018, 11, 30)
    seen = datetime(2020, 1, 20, 12, 0)
    programmes = []
    for n, pid in enumerate(("MENTOR-A", "MENTOR-B", "TRAINEE-C", "LAVSVAR")):
        group = people(f"{pid[0]}{n}-", 10, start=start, end=end)
        if pid == "LAVSVAR":
            statuses = {0: ["employed"] * 4 + ["unemployed"] * 6}
            statuses[6] = ["employed", "unemployed"] + ["unknown"] * 8
        else:
            statuses = {h: ["employed"] * 5 + ["education"] * 5 for h in HORIZONS}
        rows = [
            row(person, horizon, codes[i])
            for horizon, codes in statuses.items()
            for i, person in enumerate(group)
        ]
        dialect = "csv_nb" if pid == "LAVSVAR" else "xlsx"
        uploads = (upload(pid, f"oppfolging-{pid}", seen, dialect, rows, n),)
        programmes.append(Programme(pid, group, uploads))
    register = [registered(p.programme_id, 2018) for p in programmes]
    return scenario("issue_story", programmes, register)


NAMED = (
    issue_story,
    nobody_answered,
    all_unknown,
    only_6_months,
    single_participant,
    dropped_out_and_withdrawn,
    self_employed_and_moved_abroad,
    not_in_register,
    correction_at_quarter_end,
)
