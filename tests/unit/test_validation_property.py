"""The vectorised contract check gives exactly the verdict of a slow, obviously-correct one.

``tests/validation_reference.py`` checks one cell and one row at a time in plain Python. On
generated files - cells drawn from valid, borderline and broken values of each column, with
duplicate keys, identity numbers, rows for other programmes, shuffled and missing optional
columns - both must give the same findings (row, column, value, rule, severity, message, in
receipt order) and accept the same rows with the same typed values.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import date

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from pipelines.contracts import contract
from pipelines.ingest.intake import RawTable
from pipelines.ingest.validation import validate_table
from tests import validation_reference as reference
from tests.helpers import valid_national_id

_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="imdi-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, True)
set_hypothesis_home_dir(_HYPOTHESIS_HOME)
EXAMPLES = int(os.environ.get("IMDI_VALIDATION_EXAMPLES", "40"))  # raise for a thorough run
RECEIVED = date(2020, 1, 15)
NID = valid_national_id()

DATES = [
    "30.11.2018", "2018-11-30", "01.02.2018", "1.2.2018", "31.08.2018", "28.02.2019",
    "31.05.2019", "15.04.2019", "14.04.2019", "30.08.2019", "31.08.2019", "01.12.2019",
    "2019-05-31 00:00:00", "2019-05-31T00:00", "16.01.2020", "31.02.2019", "2019/02/01",
    "05/04/2019", "igår", " 30.11.2018 ",
]  # fmt: skip
FOLLOWUP = {
    "programme_id": ["MENTOR-OSLO", "mentor-oslo", "ANNET", "P 1!", "=1+1"],
    "cohort": ["2018-1", "2019-1", "x" * 41],
    "grant_year": ["2018", "2018.0", "1999", "2101", "tjue", "2 018"],
    "participant_ref": ["A1", "a1", "B2", " B2 ", "C3", NID, "r" * 65],
    "birth_year": ["1985", "1929", "2016", "1985,0"],
    "gender": ["kvinne", "m", "female", "hen"],
    "education_level": ["master", "phd", "cand.", "grunnskole"],
    "education_country": ["Syria", "None", "nan", "<NA>", "y" * 61],
    "programme_start": DATES,
    "programme_end": DATES,
    "exit_reason": ["fullført", "avbrutt", "completed", "ferdig"],
    "horizon_months": ["0", "6", "12", "ved programslutt", "6 mnd", "1 år", "7", "6.0"],
    "observed_on": DATES,
    "status": ["i jobb", "arbeidsledig", "praksis", "ukjent", "employed", "selvstendig", "jobbing"],
    "job_relevance": ["relevant", "delvis", "ikke relevant", "kanskje"],
    "position_pct": ["100", "62,5", "1.234,56", "120", "0", "0,5", "50 %", "hundre", "1,2,3"],
    "contract_type": ["fast", "midlertidig", "vikariat", "kanskje"],
    "via_programme": ["ja", "nei", "1", "kanskje"],
    "business_has_revenue": ["ja", "ukjent", "x"],
    "withdrawn": ["ja", "nei", "ukjent", "tja"],
    "status_source": ["arbeidsgiver", "deltaker", "register", "naboen"],
    "evidence": ["lønnsslipp", "arbeidsavtale", "none", "rykte"],
    "comment": ["Søker jobb", f"fnr {NID}", "z" * 501, "+47 22 33 44 55", "@ok"],
}
STATUS_REPORT = {
    "programme_id": ["MENTOR-OSLO", "ANNET", "P 1!"],
    "grant_year": ["2018", "2019", "1999", "x"],
    "period_start": ["01.01.2018", "2018-07-01", "31.12.2018", "32.01.2018"],
    "period_end": ["31.12.2018", "30.06.2018", "2018-12-31", "x"],
    "pairs_planned": ["10", "5", "0", "-1", "ti"],
    "pairs_recruited": ["10", "7", "4", "100001"],
    "participants_completed": ["3", "3.0"],
    "reported_employed": ["2"],
    "reported_relevant": ["1", "x"],
    "reported_attainment": ["Høy", "7 av 10"],
    "comment": ["ok", "w" * 2001],
}


@st.composite
def files(draw, name: str, samples: dict[str, list[str]]) -> RawTable:
    """A parsed upload (what intake hands over): a header and rows of text cells."""
    spec = contract(name)
    required = [c.name for c in spec.columns if c.required]
    optional = [c.name for c in spec.columns if not c.required]
    chosen = required + draw(st.lists(st.sampled_from(optional), unique=True))
    chosen = draw(st.permutations(chosen))
    header = [spec.column(c).label_nb for c in chosen]
    extra = draw(st.booleans())
    if extra:
        header.append("Mentor")
    cell = {c: st.sampled_from([*samples[c], None]) for c in chosen}
    # Variants of one row, so that keys repeat: exact copies and conflicting duplicates.
    base = draw(st.fixed_dictionaries(cell))
    pool = [base]
    for _ in range(draw(st.integers(0, 5))):
        changed = draw(st.lists(st.sampled_from(chosen), max_size=3, unique=True))
        pool.append({**pool[-1], **{c: draw(cell[c]) for c in changed}})
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=14))
    rows = []
    for pick in picks:
        values = [pool[pick][c] for c in chosen]
        if extra:
            values.append(draw(st.sampled_from([None, "Kari", NID])))
        rows.append(values)
    frame = pd.DataFrame(rows, dtype=object, index=range(2, 2 + len(rows)))
    frame = frame.astype(object).where(frame.notna(), None)
    return RawTable(header=header, frame=frame, file_format="csv")


def _normalised(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def assert_same_verdict(table: RawTable, claimed: str | None) -> None:
    result = validate_table(table, RECEIVED, claimed)
    expected_issues, expected_accepted = reference.check(table, RECEIVED, claimed)
    issues = [
        {k: _normalised(v) for k, v in issue.items()} for issue in result.issues.to_dict("records")
    ]
    assert issues == expected_issues
    accepted = {
        int(row): {k: _normalised(v) for k, v in values.items()}
        for row, values in result.accepted.to_dict("index").items()
    }
    assert accepted == expected_accepted


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    table=files("participant_followup", FOLLOWUP),
    claimed=st.sampled_from([None, "MENTOR-OSLO", "mentor-oslo"]),
)
def test_followup_findings_equal_the_row_by_row_reference(table, claimed):
    assert_same_verdict(table, claimed)


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=files("programme_status_report", STATUS_REPORT),
    claimed=st.sampled_from([None, "MENTOR-OSLO"]),
)
def test_status_report_findings_equal_the_row_by_row_reference(table, claimed):
    assert_same_verdict(table, claimed)


def test_the_reference_itself_finds_what_the_hand_written_rule_tests_expect():
    # One row per rule, checked by hand (tests/unit/test_validation.py has each on its own):
    # due 30.11.2018 + 6 months = 30.05.2019, window 15.04.2019–30.08.2019.
    header = [contract("participant_followup").column(c).label_nb for c in FOLLOWUP_COLUMNS]
    rows = [
        ["P1", "2018-1", "A1", "01.02.2018", "30.11.2018", "fullført", "6", "01.12.2019", "i jobb", "relevant", "100", "fast"],
        ["P1", "2018-1", "A2", "01.02.2018", "30.11.2018", "fullført", "6", "31.05.2019", "jobbing", None, None, None],
    ]  # fmt: skip
    frame = pd.DataFrame(rows, dtype=object, index=[2, 3])
    frame = frame.where(frame.notna(), None)
    table = RawTable(header=header, frame=frame, file_format="csv")
    issues, accepted = reference.check(table, RECEIVED, None)
    assert [(i["source_row"], i["rule"], i["severity"]) for i in issues] == [
        (2, "observed_on_outside_window", "warning"),
        (3, "code", "error"),
    ]
    assert "15.04.2019–30.08.2019" in issues[0]["message_nb"]
    assert list(accepted) == [2]
    assert_same_verdict(table, None)


FOLLOWUP_COLUMNS = [
    "programme_id", "cohort", "participant_ref", "programme_start", "programme_end",
    "exit_reason", "horizon_months", "observed_on", "status", "job_relevance", "position_pct",
    "contract_type",
]  # fmt: skip
