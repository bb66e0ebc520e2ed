"""A small, hand-checkable programme: the numbers in test_pipeline_e2e.py are computed from this.

MENTOR-OSLO, grant year 2018, cohort 2018-1: start 01.02.2018, end 30.11.2018, so follow-ups are
due 30.11.2018 (0), 30.05.2019 (6) and 30.11.2019 (12). Eleven participants, A11 withdrawn.
Each file uses another dialect a Norwegian office produces.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, xlsx_bytes

PROGRAMME = "MENTOR-OSLO"
ENGLISH_HEADER = [
    "programme_id",
    "cohort",
    "participant_ref",
    "programme_start",
    "programme_end",
    "exit_reason",
    "horizon_months",
    "observed_on",
    "status",
    "job_relevance",
    "position_pct",
    "contract_type",
    "comment",
]


def arrived(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def register_xlsx() -> bytes:
    header = [
        "Program-ID",
        "Programnavn",
        "Organisasjon",
        "Programtype",
        "Tilskuddsår",
        "Tilskudd (kr)",
        "Planlagte deltakere",
        "Varighet (mnd)",
        "Mål i jobb etter 6 mnd (%)",
        "Mål i jobb etter 12 mnd (%)",
    ]
    return xlsx_bytes(
        [
            header,
            [
                PROGRAMME,
                "Mentorprogram Oslo",
                "Oslo Mentorforening",
                "mentorprogram",
                2018,
                850000,
                10,
                10,
                40,
                50,
            ],
        ],
        sheet="Register",
    )


def status_report_csv() -> bytes:
    header = [
        "Program-ID",
        "Tilskuddsår",
        "Periode fra",
        "Periode til",
        "Planlagte par",
        "Rekrutterte par",
        "Rapportert i jobb",
        "Måloppnåelse (egen vurdering)",
    ]
    row = [
        PROGRAMME,
        "2018",
        "01.01.2018",
        "31.12.2018",
        "10",
        "11",
        "7",
        "7 av 10 deltakere har jobbdeltakelse",
    ]
    return csv_bytes([header, row], encoding="cp1252")


def _nb(
    ref, horizon, status, relevance=None, pct=None, contract=None, observed=None, withdrawn=None
):
    observed = observed or {0: "30.11.2018", 6: "31.05.2019", 12: "30.11.2019"}[horizon]
    return [
        PROGRAMME,
        "2018-1",
        ref,
        "01.02.2018",
        "30.11.2018",
        "fullført",
        horizon,
        observed,
        status,
        relevance,
        pct,
        contract,
        None,
        withdrawn,
    ]


def followups_h0_csv() -> bytes:
    """Semicolons, Windows-1252, Norwegian labels and dates."""
    rows = [
        _nb("A01", 0, "i jobb", "relevant", "100", "fast"),
        _nb("A02", 0, "i jobb", "relevant", "80", "fast"),
        _nb("A03", 0, "i jobb", "ikke relevant", "100", "midlertidig"),
        _nb("A04", 0, "praksis", "relevant"),
        _nb("A05", 0, "utdanning"),
        _nb("A06", 0, "arbeidsledig"),
        _nb("A07", 0, "arbeidsledig"),
        _nb("A08", 0, "ukjent"),
        _nb("A09", 0, "selvstendig næringsdrivende", "relevant"),
        _nb("A10", 0, "foreldrepermisjon"),
        _nb("A11", 0, "i jobb", "relevant", "100", "fast", withdrawn="ja"),
    ]
    return csv_bytes([[*FOLLOWUP_HEADER_NB, "Trukket"], *rows], encoding="cp1252")


def followups_h6_xlsx() -> bytes:
    """Excel with Norwegian headers; percentages typed as numbers."""
    rows = [
        _nb("A01", 6, "i jobb", "relevant", 100, "fast"),
        _nb("A02", 6, "i jobb", "relevant", 100, "fast"),
        _nb("A03", 6, "i jobb", "delvis relevant", 100, "fast"),
        _nb("A04", 6, "i jobb", "relevant", 60, "midlertidig"),
        _nb("A05", 6, "utdanning"),
        _nb("A06", 6, "arbeidsledig"),
        _nb("A07", 6, "i jobb", "ikke relevant", 50, "midlertidig"),
        _nb("A08", 6, "ukjent"),
    ]
    return xlsx_bytes([[*FOLLOWUP_HEADER_NB, "Trukket"], *rows])


def _en(ref, status, relevance="", pct="", contract=""):
    return [
        PROGRAMME,
        "2018-1",
        ref,
        "2018-02-01",
        "2018-11-30",
        "completed",
        "12",
        "2019-11-30",
        status,
        relevance,
        pct,
        contract,
        "",
    ]


def followups_h12_csv() -> bytes:
    """Commas, UTF-8 with BOM, English headers and codes, ISO dates."""
    rows = [
        _en("A01", "employed", "relevant", "100", "permanent"),
        _en("A02", "employed", "relevant", "100", "permanent"),
        _en("A03", "employed", "relevant", "100", "permanent"),
        _en("A04", "employed", "relevant", "100", "temporary"),
        _en("A05", "employed", "relevant", "80", "permanent"),
        _en("A06", "moved_abroad"),
    ]
    return csv_bytes([ENGLISH_HEADER, *rows], sep=",", bom=True)


def correction_h12_csv() -> bytes:
    """Arrives 10.03.2020: A06 was in fact employed; A07's 12-month follow-up arrives late."""
    rows = [
        _nb("A06", 12, "i jobb", "relevant", "100", "fast", observed="30.11.2019"),
        _nb("A07", 12, "arbeidsledig", observed="02.12.2019"),
    ]
    return csv_bytes([[*FOLLOWUP_HEADER_NB, "Trukket"], *rows], encoding="cp1252")


FIRST_BATCH = [
    ("register.xlsx", register_xlsx, arrived(2018, 3, 1)),
    ("statusrapport-2018.csv", status_report_csv, arrived(2019, 1, 15)),
    ("oppfolging-0.csv", followups_h0_csv, arrived(2018, 12, 10)),
    ("oppfolging-6.xlsx", followups_h6_xlsx, arrived(2019, 7, 15)),
    ("followup-12.csv", followups_h12_csv, arrived(2020, 1, 20)),
]
CORRECTION = ("rettelse-12.csv", correction_h12_csv, arrived(2020, 3, 10))
