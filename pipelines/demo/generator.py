"""Seeded demo data: the uploads a few years of IMDi's mentor and trainee scheme would produce.

The default plan is modelled on IMDi's scheme 2014–2019 (about a dozen programmes; 6, 7, 8, 10
and 12 funded in the grant years 2014–2018, a few in 2019; cohorts of typically 10 pairs), so
the demo exercises what the warehouse meets in practice: follow-ups that arrive months late or
never, corrections that re-report a participant, status reports more optimistic than the data,
and files in every shape a Norwegian office sends (Excel with real date cells, ``;``-separated
Windows-1252 CSV with decimal commas, UTF-8 with BOM, plain ``,`` UTF-8 with English codes).

Everything comes from one seed: the same seed gives byte-identical files. Column names, labels
and code lists are read from the contracts (``schemas/``), never repeated here. With
``participants=N`` the plan is scaled for benchmarks; from ``BULK_FROM_PARTICIPANTS`` on, the
follow-ups are written as a few large CSV files instead of one file per delivery.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from itertools import product
from pathlib import Path
from statistics import NormalDist
from typing import Literal

import numpy as np

from pipelines.contracts import HORIZONS, Column, Contract, codelists, contract, normalise_label
from pipelines.ingest.privacy import pseudonymise

FileKind = Literal["register", "status_report", "followup", "register_employment"]

PROGRAMMES_PER_GRANT_YEAR = {2014: 6, 2015: 7, 2016: 8, 2017: 10, 2018: 12, 2019: 4}
BULK_FROM_PARTICIPANTS = 50_000
BULK_FILE_ROWS = 100_000

# Mean participant count of the default plan over many seeds; participants=N scales against it.
_DEFAULT_PARTICIPANTS = 860
# A programme keeps its grant from one year to the next unless it loses it (then for good).
_GRANT_LOST = 0.04


@dataclass(frozen=True)
class DemoFile:
    """One generated upload, as the landing step should receive it."""

    path: Path
    kind: FileKind
    arrived_on: datetime  # UTC, timezone-aware: becomes the file's received_at when landed
    programme_id: str | None  # None for the register and for multi-programme bulk files
    rows: int
    encoding: str | None  # cp1252 / utf-8-sig / utf-8; None for .xlsx


@dataclass(frozen=True)
class DemoManifest:
    """What :func:`generate` wrote, files in the order they arrived (the order to land them)."""

    out_dir: Path
    seed: int
    reference_date: date
    participants: int  # in the plan, including cohorts with no follow-up due yet
    programmes: int  # distinct programmes over all grant years
    files: tuple[DemoFile, ...]

    def of_kind(self, kind: FileKind) -> list[DemoFile]:
        return [f for f in self.files if f.kind == kind]


# --- how a file writes its cells ---------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    file_format: Literal["xlsx", "csv"]
    norwegian: bool  # Norwegian headers, labels, dd.mm.yyyy and decimal comma
    encoding: str | None = None
    delimiter: str = ";"
    lineterminator: str = "\r\n"


_STYLES = {
    "xlsx": _Style("xlsx", True),
    "csv_cp1252": _Style("csv", True, "cp1252", ";"),
    "csv_bom": _Style("csv", True, "utf-8-sig", ";"),
    "csv_en": _Style("csv", False, "utf-8", ",", "\n"),
}
_CSV_STYLES = ("csv_cp1252", "csv_bom", "csv_en")


@dataclass(frozen=True)
class _Render:
    style: str
    code_text: Literal["nb", "code", "alias"] = "nb"
    horizon_as_label: bool = False
    ints_as_floats: bool = False  # Excel users often get 1985.0 instead of 1985

    @property
    def spec(self) -> _Style:
        return _STYLES[self.style]


def _code_cell(col: Column, code: str, render: _Render) -> object:
    spec = render.spec
    if col.store_as == "integer" and not render.horizon_as_label:
        return int(code) if spec.file_format == "xlsx" else code
    if not spec.norwegian or render.code_text == "code":
        return code
    codes = codelists()[col.codelist]
    if render.code_text == "alias":
        return _first_alias(col.codelist, code) or codes.label(code)
    return codes.label(code)


@cache
def _first_alias(codelist: str, code: str) -> str | None:
    codes = codelists()[codelist]
    own = {normalise_label(code), normalise_label(codes.label(code))}
    return next((k for k, v in codes.lookup.items() if v == code and k not in own), None)


def _map_unique(values: np.ndarray, fn: Callable[[object], object]) -> np.ndarray:
    """Format each distinct value once: a few hundred dates or numbers stand for millions."""
    uniq, inverse = np.unique(values, return_inverse=True)
    table = np.empty(len(uniq), dtype=object)
    table[:] = [fn(u) for u in uniq]
    return table[inverse.reshape(-1)]


def _date_cell(value: np.datetime64, render: _Render) -> object:
    if np.isnat(value):
        return None
    day: date = value.astype("datetime64[D]").astype(date)
    if render.spec.file_format == "xlsx":
        return day
    return day.strftime("%d.%m.%Y") if render.spec.norwegian else day.isoformat()


def _number_cell(value: float, render: _Render) -> object:
    if np.isnan(value):
        return None
    spec = render.spec
    whole = float(value).is_integer()
    if spec.file_format == "xlsx":
        return int(value) if whole else float(value)
    text = str(int(value)) if whole else format(float(value), "g")
    return text.replace(".", ",") if spec.norwegian else text


def _render_column(col: Column, values: np.ndarray, render: _Render) -> list[object]:
    """Cells of one column: codes as int indexes into the code list (-1 blank), dates as
    datetime64 (NaT blank), numbers as float (nan blank), text as str (empty blank)."""
    if col.type == "code":
        codes = list(codelists()[col.codelist].codes)
        table = np.array([_code_cell(col, c, render) for c in codes] + [None], dtype=object)
        return table[values].tolist()
    if col.type == "date":
        return _map_unique(values, lambda v: _date_cell(v, render)).tolist()
    if col.type in ("integer", "decimal"):
        return _map_unique(values, lambda v: _number_cell(v, render)).tolist()
    return [v or None for v in values.tolist()]


def _write_file(
    path: Path,
    spec: Contract,
    values: dict[str, np.ndarray],
    columns: Sequence[str],
    render: _Render,
    stamp: datetime,
    sheet_title: str,
) -> int:
    cols = [spec.column(name) for name in columns]
    header = [c.label_nb if render.spec.norwegian else c.name for c in cols]
    cells = [_render_column(c, values[c.name], render) for c in cols]
    rows = len(cells[0]) if cells else 0
    if render.spec.file_format == "xlsx":
        dates = [i for i, c in enumerate(cols) if c.type == "date"]
        floats = [
            i
            for i, c in enumerate(cols)
            if render.ints_as_floats and "integer" in (c.type, c.store_as)
        ]
        _write_xlsx(path, header, cells, dates, floats, stamp, sheet_title)
    else:
        style = render.spec
        with path.open("w", encoding=style.encoding, newline="") as handle:
            writer = csv.writer(
                handle, delimiter=style.delimiter, lineterminator=style.lineterminator
            )
            writer.writerow(header)
            writer.writerows(zip(*cells, strict=True))
    return rows


def _write_xlsx(
    path: Path,
    header: list[str],
    cells: list[list[object]],
    date_positions: list[int],
    float_positions: list[int],
    stamp: datetime,
    sheet_title: str,
) -> None:
    """A real workbook with date cells, byte-identical for the same content and stamp.

    ``float_positions``: whole numbers stored as ``2016.0``, as some exporting tools do, so a
    reader gets a float back (openpyxl itself always writes ``2016``).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(header)
    for row in zip(*cells, strict=True):
        out = list(row)
        for pos in date_positions:
            if out[pos] is not None:
                cell = WriteOnlyCell(sheet, value=out[pos])
                cell.number_format = "dd.mm.yyyy"
                out[pos] = cell
        sheet.append(out)
    naive = stamp.astimezone(UTC).replace(tzinfo=None)
    workbook.properties.creator = "IMDi demo"
    workbook.properties.created = naive
    workbook.properties.modified = naive
    # openpyxl's save() stamps "modified" with the clock and the zip entries with file times;
    # writing through ExcelWriter and re-zipping with a fixed time keeps the bytes reproducible.
    raw = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=naive.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = source.read(info.filename)
            if float_positions and info.filename.startswith("xl/worksheets/"):
                letters = "|".join(get_column_letter(i + 1) for i in float_positions)
                cell = rb'(<c r="(?:' + letters.encode() + rb')\d+" t="n"><v>-?\d+)(</v>)'
                data = re.sub(cell, rb"\1.0\2", data)
            target.writestr(entry, data)
    path.write_bytes(fixed.getvalue())


# --- names and words ---------------------------------------------------------------------------

_CONCEPTS = {
    "mentor": [
        ("Mentorprogrammet", "MENT"),
        ("Kompetansebroen", "KOMP"),
        ("Nettverksmentor", "NETT"),
        ("Rett hylle", "RETT"),
        ("Fagmentor", "FAGM"),
        ("Mentor for nye landsmenn", "MNYL"),
        ("Karrieremakker", "KARR"),
        ("Mentorløftet", "MLFT"),
    ],
    "trainee": [
        ("Traineeprogrammet Ny kompetanse", "TRNK"),
        ("Inkluderingstrainee", "INKL"),
        ("Mangfoldstrainee", "MANG"),
        ("Trainee i offentlig sektor", "TROS"),
    ],
    "other": [("Kompetanseporten", "KPRT"), ("Jobbsjansen Akademiker", "JSAK")],
}
_PLACES = (
    "Oslo", "Bergen", "Trondheim", "Stavanger", "Kristiansand", "Tromsø", "Drammen",
    "Fredrikstad", "Bodø", "Ålesund", "Hamar", "Lillehammer", "Molde", "Skien", "Tønsberg",
    "Haugesund", "Sandnes", "Arendal", "Gjøvik", "Alta", "Harstad", "Moss", "Sarpsborg",
    "Porsgrunn", "Larvik", "Halden", "Kongsberg", "Steinkjer", "Narvik", "Førde", "Levanger",
    "Elverum", "Kongsvinger", "Horten", "Asker", "Lillestrøm",
)  # fmt: skip
_ORGANISATIONS = (
    "Stiftelsen Brobyggerne", "Foreningen Kompetansenettverket", "Mentorforum",
    "Integreringsverkstedet", "Mangfoldsløftet AS", "Nettverk for ny kompetanse",
    "Fagforum for inkludering", "Arbeid og mangfold SA", "Stiftelsen Ny start",
    "Karrieresenteret Fjordkyst", "Bedriftsnettverket Nye stemmer",
)  # fmt: skip
_REGIONS = (
    "Øst", "Vest", "Nord", "Midt", "Sør", "Agder", "Innlandet", "Vestland", "Rogaland",
    "Viken", "Nordland", "Trøndelag", "Møre", "Telemark", "Troms", "Finnmark",
)  # fmt: skip
_TARGET_GROUPS = (
    "Innvandrere med høyere utdanning fra land utenfor EØS",
    "Flyktninger med høyere utdanning som har fullført introduksjonsprogrammet",
    "Innvandrere med mastergrad innen realfag, teknologi eller økonomi",
    "Kvinner med innvandrerbakgrunn og høyere utdanning",
    "Arbeidssøkende innvandrere med bachelor- eller mastergrad, bosatt i regionen",
    "Innvandrere med helsefaglig utdanning fra hjemlandet",
    "Innvandrere med høyere utdanning og norskkunnskaper på B1-nivå eller bedre",
    "Personer med fluktbakgrunn og utdanning innen ingeniørfag eller IKT",
)
_VAGUE_GOALS = (
    "Deltakerne skal få relevant arbeid og bygge nettverk i norsk arbeidsliv.",
    "Øke deltakernes kunnskap om norsk arbeidsliv og styrke mulighetene for jobb som svarer "
    "til kompetansen.",
    "Gi deltakerne arbeidserfaring, referanser og nettverk gjennom en mentor i samme fag.",
    "Bidra til at flere innvandrere med høyere utdanning kommer i arbeid på rett hylle.",
    "Deltakerne skal bli bedre rustet til å søke jobb og få sin første relevante stilling i Norge.",
)
_COUNTRIES = (
    "Syria", "Iran", "Eritrea", "Afghanistan", "Pakistan", "Filippinene", "India", "Russland",
    "Irak", "Somalia", "Etiopia", "Colombia", "Ukraina", "Tyrkia", "Kina", "Polen", "Norge",
)  # fmt: skip
_COUNTRY_WEIGHTS = (14, 10, 8, 6, 6, 5, 6, 5, 6, 4, 4, 3, 4, 4, 4, 3, 8)
_COMMENTS = {
    "employed": (
        "Fikk jobb gjennom mentors nettverk",
        "Vikariat ut året, håper på forlengelse",
        "Deltid, ønsker full stilling",
        "Ansatt hos praksisbedriften",
        "Fikk jobb; starter etter sommeren",
    ),
    "self_employed": ("Startet eget konsulentfirma", "Driver enkeltpersonforetak"),
    "internship": ("Arbeidspraksis hos mentors arbeidsgiver", "Praksis i kommunen"),
    "education": ("Tar tilleggsutdanning for godkjenning", "Startet på master i Norge"),
    "parental_leave": ("I foreldrepermisjon til våren",),
    "unemployed": ("Søker aktivt", "Venter på godkjenning av utdanningen"),
    "moved_abroad": ("Flyttet til Sverige", "Flyttet tilbake til hjemlandet"),
    "other": ("Sykmeldt", "Norskkurs på heltid"),
    "unknown": ("Ikke mulig å få kontakt", "Svarte ikke på e-post eller telefon"),
}
_CORRECTION_COMMENTS = (
    "Rettet etter ny kontakt med deltakeren",
    "Korrigert: feil status i forrige rapport",
    "Rettet stillingsprosent og ansettelsesform",
)
_QUALITATIVE = ("Svært god", "Høy", "God", "Tilfredsstillende", "Middels")
_REPORT_COMMENTS = (
    None,
    "Rekrutteringen tok lengre tid enn planlagt.",
    "To deltakere avbrøt på grunn av flytting.",
    "God match mellom mentorer og deltakere.",
    "Flere deltakere har fått tilbud om fast stilling etter praksis.",
    "Vanskelig å følge opp deltakere etter programslutt.",
)


# --- the plan: programmes, grant years, cohorts --------------------------------------------------


@dataclass(frozen=True)
class _Programme:
    programme_id: str
    short: str
    name: str
    organisation: str
    programme_type: str
    years: tuple[int, ...]
    duration_months: int
    cohorts_per_year: int
    target_group: str
    targets_from: int | None
    targets: tuple[float, float, float, float]  # employed 0 / 6 / 12, relevant 12; nan = none
    goal_statement: str  # stating the targets, once the programme has them
    plain_goal: str  # before it had targets
    style: str
    report_style: str
    optional_dropped: frozenset[str]
    attainment_style: int
    optimism: float
    counts_internships: bool


_OPTIONAL_FOLLOWUP = (
    "grant_year",
    "birth_year",
    "gender",
    "education_level",
    "education_country",
    "via_programme",
    "business_has_revenue",
    "withdrawn",
    "comment",
)


def _funded_years(rng: np.random.Generator, counts: dict[int, int]) -> list[list[int]]:
    """Grant years per programme, consecutive: a programme that loses its grant never returns."""
    years_of: list[list[int]] = []
    active: list[int] = []
    for year, wanted in sorted(counts.items()):
        keep = [p for p in active if rng.random() > _GRANT_LOST]
        if len(keep) > wanted:
            keep = sorted(rng.choice(keep, size=wanted, replace=False).tolist())
        while len(keep) < wanted:
            years_of.append([])
            keep.append(len(years_of) - 1)
        for p in keep:
            years_of[p].append(year)
        active = keep
    return years_of


def _pct_text(value: float) -> str:
    return format(value, "g").replace(".", ",")


def _make_programmes(rng: np.random.Generator, counts: dict[int, int]) -> list[_Programme]:
    years_of = _funded_years(rng, counts)
    n = len(years_of)
    types = rng.choice(["mentor", "trainee", "other"], size=n, p=[0.65, 0.3, 0.05])
    names: dict[str, list[tuple[str, str]]] = {}
    for kind, concepts in _CONCEPTS.items():
        combos = [(f"{c} {p}", s) for (c, s), p in product(concepts, _PLACES)]
        order = rng.permutation(len(combos))
        names[kind] = [combos[i] for i in order]
    used = dict.fromkeys(_CONCEPTS, 0)
    width = max(2, len(str(n)))
    programmes = []
    for i, years in enumerate(years_of):
        kind = str(types[i])
        pool = names[kind]
        name, short = pool[used[kind] % len(pool)]
        if used[kind] >= len(pool):
            name = f"{name} {used[kind] // len(pool) + 1}"
        used[kind] += 1
        if kind == "trainee":
            duration = int(rng.choice([12, 12, 18, 24]))
        else:
            duration = int(rng.choice([4, 6, 6, 8, 9, 10, 12]))
        if duration <= 6:
            per_year = int(rng.choice([2, 3]))
        elif duration <= 12:
            per_year = int(rng.choice([1, 2, 2]))
        else:
            per_year = 1
        targets = (np.nan, np.nan, np.nan, np.nan)
        targets_from = None
        plain_goal = str(rng.choice(_VAGUE_GOALS))
        goal = plain_goal
        if rng.random() < 0.4:
            targets_from = int(rng.choice(years))
            t12 = float(rng.choice([60, 65, 70, 70, 75]))
            t6 = float(rng.choice([50, 55, 60, 62.5])) if rng.random() < 0.7 else np.nan
            r12 = float(rng.choice([40, 50, 50, 60])) if rng.random() < 0.6 else np.nan
            t0 = float(rng.choice([30, 35, 40])) if rng.random() < 0.25 else np.nan
            targets = (t0, t6, t12, r12)
            goal = f"Minst {_pct_text(t12)} % av deltakerne skal være i arbeid 12 måneder etter programslutt"
            goal += (
                f", og minst {_pct_text(r12)} % i arbeid som er relevant for kompetansen."
                if not np.isnan(r12)
                else "."
            )
        dropped = frozenset(c for c in _OPTIONAL_FOLLOWUP if rng.random() < 0.25)
        programmes.append(
            _Programme(
                programme_id=f"{short}{i + 1:0{width}d}",
                short=short,
                name=name,
                organisation=f"{rng.choice(_ORGANISATIONS)} {rng.choice(_REGIONS)}",
                programme_type=kind,
                years=tuple(years),
                duration_months=duration,
                cohorts_per_year=per_year,
                target_group=str(rng.choice(_TARGET_GROUPS)),
                targets_from=targets_from,
                targets=targets,
                goal_statement=goal,
                plain_goal=plain_goal,
                style=str(rng.choice(list(_STYLES), p=[0.35, 0.3, 0.15, 0.2])),
                report_style=str(rng.choice(_CSV_STYLES, p=[0.45, 0.25, 0.3])),
                optional_dropped=dropped,
                attainment_style=int(rng.integers(0, 5)),
                optimism=float(rng.choice([1.0, 1.0, 1.1, 1.25, 1.4])),
                counts_internships=bool(rng.random() < 0.4),
            )
        )
    return programmes


def _add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Calendar month arithmetic on datetime64[D], clamping to the month's last day."""
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")


@dataclass
class _Plan:
    programmes: list[_Programme]
    py_prog: np.ndarray  # per programme-year
    py_year: np.ndarray
    cohort_py: np.ndarray  # per cohort
    cohort_label: np.ndarray
    cohort_start: np.ndarray
    cohort_end: np.ndarray
    cohort_planned: np.ndarray
    cohort_size: np.ndarray

    @property
    def cohort_prog(self) -> np.ndarray:
        return self.py_prog[self.cohort_py]


def _make_plan(rng: np.random.Generator, participants: int | None) -> _Plan:
    if participants is None:
        counts = dict(PROGRAMMES_PER_GRANT_YEAR)
    else:
        scale = participants / _DEFAULT_PARTICIPANTS
        # More programmes, and (above the default size) larger cohorts: sqrt splits the growth.
        factor = scale if scale < 1 else scale**0.5
        counts = {y: max(1, round(n * factor)) for y, n in PROGRAMMES_PER_GRANT_YEAR.items()}
    programmes = _make_programmes(rng, counts)
    py_prog, py_year = [], []
    c_py, c_label, c_start, c_dur, c_planned = [], [], [], [], []
    for p, prog in enumerate(programmes):
        for year in prog.years:
            py = len(py_prog)
            py_prog.append(p)
            py_year.append(year)
            n = prog.cohorts_per_year
            for k in range(n):
                month = 1 + (12 * k) // n + int(rng.integers(0, 3))
                day = int(rng.choice([1, 1, 15])) + int(rng.integers(0, 10))
                c_py.append(py)
                c_label.append(f"{year}-{k + 1}")
                c_start.append(np.datetime64(date(year, min(month, 12), day)))
                c_dur.append(prog.duration_months)
                c_planned.append(
                    int(rng.choice([4, 8, 10, 12, 15, 20], p=[0.1, 0.1, 0.55, 0.1, 0.05, 0.1]))
                )
    start = np.array(c_start, dtype="datetime64[D]")
    end = _add_months(start, np.array(c_dur)) - np.timedelta64(1, "D")
    planned = np.array(c_planned, dtype=np.int64)
    if participants is None:
        size = np.maximum(2, planned + rng.integers(-3, 3, size=len(planned)))
    else:
        weights = planned * rng.uniform(0.8, 1.2, size=len(planned))
        raw = participants * weights / weights.sum()
        size = np.floor(raw).astype(np.int64)
        short = participants - int(size.sum())
        size[np.argsort(-(raw - size), kind="stable")[:short]] += 1
        planned = np.maximum(1, np.round(size * rng.uniform(0.9, 1.15, size=len(size)))).astype(
            np.int64
        )
    return _Plan(
        programmes=programmes,
        py_prog=np.array(py_prog, dtype=np.int64),
        py_year=np.array(py_year, dtype=np.int64),
        cohort_py=np.array(c_py, dtype=np.int64),
        cohort_label=np.array(c_label, dtype=object),
        cohort_start=start,
        cohort_end=end,
        cohort_planned=planned,
        cohort_size=size.astype(np.int64),
    )


# --- participants and their outcomes ----------------------------------------------------------


def _code_index(codelist: str, code: str) -> int:
    return list(codelists()[codelist].codes).index(code)


def _draw_codes(
    rng: np.random.Generator, codelist: str, weights: dict[str, float], size: int
) -> np.ndarray:
    codes = list(weights)
    p = np.array([weights[c] for c in codes], dtype=float)
    picks = rng.choice(len(codes), size=size, p=p / p.sum())
    table = np.array([_code_index(codelist, c) for c in codes], dtype=np.int8)
    return table[picks]


@dataclass
class _Participants:
    cohort: np.ndarray
    prog: np.ndarray
    py: np.ndarray
    ref: np.ndarray  # object: "MENT-2016-007"
    birth_year: np.ndarray  # float
    gender: np.ndarray
    education_level: np.ndarray
    education_country: np.ndarray  # object, "" blank
    start: np.ndarray
    end: np.ndarray
    exit_reason: np.ndarray


def _make_participants(rng: np.random.Generator, plan: _Plan) -> _Participants:
    cohort = np.repeat(np.arange(len(plan.cohort_size)), plan.cohort_size)
    n = len(cohort)
    py = plan.cohort_py[cohort]
    prog = plan.py_prog[py]
    # Running number within the programme and grant year: cohorts are contiguous by py.
    first = np.searchsorted(py, py, side="left")
    number = np.arange(n) - first + 1
    shorts = np.array([p.short for p in plan.programmes], dtype=object)[prog]
    years = plan.py_year[py]
    ref = np.array(
        [
            f"{s}-{y}-{k:03d}"
            for s, y, k in zip(shorts.tolist(), years.tolist(), number.tolist(), strict=True)
        ],
        dtype=object,
    )
    cohort_start = plan.cohort_start[cohort]
    cohort_end = plan.cohort_end[cohort]
    late_join = np.where(rng.random(n) < 0.1, rng.integers(1, 30, size=n), 0)
    start = cohort_start + late_join.astype("timedelta64[D]")
    age = np.clip(np.round(rng.normal(36, 7, size=n)), 23, 62)
    birth_year = (cohort_start.astype("datetime64[Y]").astype(np.int64) + 1970 - age).astype(float)
    dropout_rate = np.array([0.03, 0.06, 0.08, 0.1, 0.15])[rng.integers(0, 5, len(plan.programmes))]
    u = rng.random(n)
    d = dropout_rate[prog]
    exits = [_code_index("exit_reason", c) for c in ("dropped_out", "leave", "moved_abroad")]
    completed = _code_index("exit_reason", "completed")
    exit_reason = np.select([u < d, u < d + 0.02, u < d + 0.035], exits, default=completed).astype(
        np.int64
    )
    span = (cohort_end - start).astype(np.int64)
    early = np.maximum(1, (span * rng.uniform(0.15, 0.85, size=n)).astype(np.int64))
    end = np.where(exit_reason == completed, cohort_end, start + early.astype("timedelta64[D]"))
    countries = np.array(_COUNTRIES, dtype=object)
    weights = np.array(_COUNTRY_WEIGHTS, dtype=float)
    country = countries[rng.choice(len(countries), size=n, p=weights / weights.sum())]
    country = np.where(rng.random(n) < 0.04, "", country).astype(object)
    return _Participants(
        cohort=cohort,
        prog=prog,
        py=py,
        ref=ref,
        birth_year=birth_year,
        gender=_draw_codes(
            rng, "gender", {"female": 55, "male": 42, "other": 0.5, "unknown": 2.5}, n
        ),
        education_level=_draw_codes(
            rng,
            "education_level",
            {"master": 50, "bachelor": 33, "phd": 7, "other_higher": 6, "unknown": 4},
            n,
        ),
        education_country=country,
        start=start,
        end=end,
        exit_reason=exit_reason,
    )


@dataclass
class _Outcomes:
    """One row per participant per horizon (index [horizon position, participant])."""

    status: np.ndarray
    relevance: np.ndarray
    position_pct: np.ndarray
    contract_type: np.ndarray
    via_programme: np.ndarray
    business_has_revenue: np.ndarray
    observed_on: np.ndarray
    comment: np.ndarray  # object, "" blank


_NOT_WORKING = {  # share of those not in work, by horizon 0 / 6 / 12 months
    "internship": (0.30, 0.16, 0.10),
    "education": (0.12, 0.15, 0.17),
    "parental_leave": (0.05, 0.07, 0.07),
    "unemployed": (0.42, 0.50, 0.52),
    "moved_abroad": (0.01, 0.02, 0.04),
    "other": (0.10, 0.10, 0.10),
}
_PART_TIME = (40.0, 50.0, 60.0, 62.5, 75.0, 80.0)


@dataclass
class _Behaviour:
    """Per-programme outcome and reporting parameters (arrays indexed by programme)."""

    work_z: np.ndarray  # (programmes, 3): normal quantile of the share in work
    relevant: np.ndarray
    partly: np.ndarray
    full_time: np.ndarray
    permanent: np.ndarray
    unknown: np.ndarray  # (programmes, 3)
    missing: np.ndarray  # (programmes, 3): a whole delivery never arrives
    omitted: np.ndarray  # (programmes, 3): a participant left out of a delivery
    lateness: np.ndarray
    corrections: np.ndarray


def _make_behaviour(rng: np.random.Generator, programmes: list[_Programme]) -> _Behaviour:
    n = len(programmes)
    trainee = np.array([p.programme_type == "trainee" for p in programmes])
    p0 = rng.uniform(0.30, 0.50, n) + np.where(trainee, 0.08, 0.0)
    p6 = p0 + rng.uniform(0.05, 0.15, n)
    p12 = np.minimum(0.85, p6 + rng.uniform(0.03, 0.12, n))
    inv = np.vectorize(NormalDist().inv_cdf)
    bad = rng.random(n) < 0.15  # a few programmes hardly report after the programme ends
    missing = np.column_stack(
        [
            np.full(n, 0.02),
            np.where(bad, 0.3, rng.uniform(0.03, 0.12, n)),
            np.where(bad, rng.uniform(0.5, 0.9, n), rng.uniform(0.08, 0.18, n)),
        ]
    )
    quality = np.where(bad, 2.5, rng.uniform(0.5, 1.5, n))
    return _Behaviour(
        work_z=inv(np.column_stack([p0, p6, p12])),
        relevant=rng.uniform(0.4, 0.7, n),
        partly=rng.uniform(0.15, 0.3, n),
        full_time=rng.uniform(0.5, 0.75, n),
        permanent=np.where(trainee, 0.2, 0.0) + rng.uniform(0.3, 0.5, n),
        unknown=np.outer(quality, [0.03, 0.06, 0.09]),
        missing=missing,
        omitted=np.outer(np.where(bad, 2.0, 1.0), [0.01, 0.03, 0.06]),
        lateness=rng.choice([0.5, 1.0, 1.0, 1.5, 3.0], size=n),
        corrections=np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.05, 0.25, n)),
    )


def _comment_pools() -> list[np.ndarray]:
    """Free-text comments per status, indexed like the status code list."""
    return [
        np.array(_COMMENTS.get(code, ("",)), dtype=object) for code in codelists()["status"].codes
    ]


def _make_outcomes(
    rng: np.random.Generator, parts: _Participants, behaviour: _Behaviour
) -> _Outcomes:
    n = len(parts.cohort)
    prog = parts.prog
    shape = (len(HORIZONS), n)
    status = np.empty(shape, dtype=np.int8)
    relevance = np.full(shape, -1, dtype=np.int8)
    pct = np.full(shape, np.nan)
    contract_type = np.full(shape, -1, dtype=np.int8)
    via = np.full(shape, -1, dtype=np.int8)
    revenue = np.full(shape, -1, dtype=np.int8)
    observed = np.full(shape, np.datetime64("NaT"), dtype="datetime64[D]")
    comment = np.full(shape, "", dtype=object)

    st = {code: _code_index("status", code) for code in codelists()["status"].codes}
    rel = [_code_index("job_relevance", c) for c in ("relevant", "partly", "not_relevant")]
    permanent = _code_index("contract_type", "permanent")
    temporary = _code_index("contract_type", "temporary")
    edu = parts.education_level
    shift = np.where(
        np.isin(edu, [_code_index("education_level", c) for c in ("master", "phd")]), 0.1, 0.0
    )
    shift -= np.where(edu == _code_index("education_level", "unknown"), 0.2, 0.0)
    shift -= np.where(parts.exit_reason == _code_index("exit_reason", "dropped_out"), 0.5, 0.0)
    moved = parts.exit_reason == _code_index("exit_reason", "moved_abroad")
    z_base = rng.standard_normal(n)
    u_rel, u_ft, u_perm, u_self = rng.random((4, n))
    part_time = np.array(_PART_TIME)[rng.integers(0, len(_PART_TIME), n)]
    via_code = _draw_codes(rng, "yes_no_unknown", {"yes": 35, "no": 50, "unknown": 15}, n)
    revenue_code = _draw_codes(rng, "yes_no_unknown", {"yes": 60, "no": 30, "unknown": 10}, n)
    not_working = [st[c] for c in _NOT_WORKING]
    pools = _comment_pools()

    for h, months in enumerate(HORIZONS):
        z = 0.8 * z_base + 0.6 * rng.standard_normal(n)
        work = (z < behaviour.work_z[prog, h] + shift) & ~moved
        p = np.array([_NOT_WORKING[c][h] for c in _NOT_WORKING])
        other = np.array(not_working)[rng.choice(len(p), size=n, p=p / p.sum())]
        s = np.where(work, np.where(u_self < 0.06, st["self_employed"], st["employed"]), other)
        s = np.where(
            moved, np.where(rng.random(n) < 0.25 * h, st["unknown"], st["moved_abroad"]), s
        )
        s = np.where(rng.random(n) < behaviour.unknown[prog, h], st["unknown"], s)
        status[h] = s

        in_work = np.isin(s, [st["employed"], st["self_employed"]])
        share = np.minimum(0.9, behaviour.relevant[prog] + 0.04 * h)
        job_rel = np.where(
            u_rel < share, rel[0], np.where(u_rel < share + behaviour.partly[prog], rel[1], rel[2])
        )
        praksis_rel = np.where(u_rel < 0.7, rel[0], np.where(u_rel < 0.9, rel[1], rel[2]))
        relevance[h] = np.where(in_work, job_rel, np.where(s == st["internship"], praksis_rel, -1))
        employed = s == st["employed"]
        full = u_ft < np.minimum(0.95, behaviour.full_time[prog] + 0.05 * h)
        job_pct = np.where(full, 100.0, part_time)
        own_pct = np.where(rng.random(n) < 0.5, job_pct, np.nan)
        pct[h] = np.where(employed, job_pct, np.where(s == st["self_employed"], own_pct, np.nan))
        perm = u_perm < np.minimum(0.9, behaviour.permanent[prog] + 0.08 * h)
        contract_type[h] = np.where(employed, np.where(perm, permanent, temporary), -1)
        working = in_work | (s == st["internship"])
        via[h] = np.where(working & (rng.random(n) > 0.1), via_code, -1)
        revenue[h] = np.where(s == st["self_employed"], revenue_code, -1)

        due = _add_months(parts.end, months)
        if months == 0:
            jitter = np.where(rng.random(n) < 0.6, 0, rng.integers(1, 15, n))
        else:
            jitter = rng.integers(-20, 41, n)
        seen = due + jitter.astype("timedelta64[D]")
        blank = (s == st["unknown"]) | (rng.random(n) < 0.02)
        observed[h] = np.where(blank, np.datetime64("NaT"), seen)

        chosen = np.flatnonzero(rng.random(n) < 0.08)
        picks = rng.random(len(chosen))
        comment[h, chosen] = [
            pools[code][int(u * len(pools[code]))]
            for code, u in zip(s[chosen].tolist(), picks.tolist(), strict=True)
        ]
    return _Outcomes(status, relevance, pct, contract_type, via, revenue, observed, comment)


# --- deliveries: which follow-ups arrive, when, in which file -----------------------------------


@dataclass
class _Rows(_Outcomes):
    """Follow-up rows as written: originals and corrections, each assigned to a file group.
    The outcome fields as in ``_Outcomes``, one entry per row instead of a horizon x
    participant grid, and where each row belongs."""

    part: np.ndarray
    horizon: np.ndarray  # position in HORIZONS
    withdrawn: np.ndarray
    group: np.ndarray

    def take(self, index: np.ndarray) -> _Rows:
        return _Rows(**{k: v[index] for k, v in vars(self).items()})

    @staticmethod
    def concat(parts: Sequence[_Rows]) -> _Rows:
        return _Rows(**{k: np.concatenate([vars(p)[k] for p in parts]) for k in vars(parts[0])})


@dataclass
class _Group:
    """One follow-up file to be written."""

    name: str
    arrived: np.datetime64  # seconds, UTC
    programme_id: str | None
    render: _Render
    columns: tuple[str, ...]


def _quarterly_batches(
    items: np.ndarray, arrived: np.ndarray, rows: np.ndarray
) -> list[tuple[str, np.ndarray]]:
    """Bulk mode: items grouped by the quarter they arrived in ("2016K2"), split so that no
    batch holds much more than ``BULK_FILE_ROWS`` rows. ``arrived`` and ``rows`` align with
    ``items``; each batch is (label, items)."""
    order = np.lexsort((items, arrived))
    items, arrived, rows = items[order], arrived[order], rows[order]
    quarter = arrived.astype("datetime64[M]").astype(np.int64) // 3
    batches = []
    for q in np.unique(quarter).tolist():
        sel = np.flatnonzero(quarter == q)
        part = (np.cumsum(rows[sel]) - 1) // BULK_FILE_ROWS
        parts = np.unique(part).tolist()
        year, k = divmod(q, 4)
        for p in parts:
            label = f"{1970 + year}K{k + 1}" + (f"_del{p + 1}" if len(parts) > 1 else "")
            batches.append((label, items[sel[part == p]]))
    return batches


def _office_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    seconds = rng.integers(7 * 3600, 15 * 3600, size=days.shape)
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def _random_render(rng: np.random.Generator, style: str) -> _Render:
    spec = _STYLES[style]
    if not spec.norwegian:
        return _Render(style, code_text="code")
    return _Render(
        style,
        code_text=str(rng.choice(["nb", "code", "alias"], p=[0.75, 0.1, 0.15])),  # type: ignore[arg-type]
        horizon_as_label=bool(rng.random() < 0.2),
        ints_as_floats=spec.file_format == "xlsx" and bool(rng.random() < 0.5),
    )


def _followup_columns(dropped: frozenset[str]) -> tuple[str, ...]:
    return tuple(n for n in contract("participant_followup").column_names if n not in dropped)


def _make_rows(
    rng: np.random.Generator,
    plan: _Plan,
    parts: _Participants,
    out: _Outcomes,
    behaviour: _Behaviour,
    reference: np.datetime64,
    bulk: bool,
) -> tuple[_Rows, list[_Group]]:
    n_cohorts = len(plan.cohort_size)
    n_h = len(HORIZONS)
    c_prog = plan.cohort_prog
    # Delivery d = cohort * 3 + horizon position.
    due = np.stack([_add_months(plan.cohort_end, m) for m in HORIZONS], axis=1).reshape(-1)
    d_prog = np.repeat(c_prog, n_h)
    d_h = np.tile(np.arange(n_h), n_cohorts)
    scale = np.where(d_h == 0, 18.0, 55.0) * behaviour.lateness[d_prog]
    lag = np.where(d_h == 0, 3, 10) + np.minimum(rng.exponential(scale), 400).astype(np.int64)
    arrived = _office_time(rng, due + lag.astype("timedelta64[D]"))
    delivered = (
        (due <= reference)
        & (rng.random(len(due)) >= behaviour.missing[d_prog, d_h])
        & (arrived.astype("datetime64[D]") <= reference)
        & (np.repeat(plan.cohort_size, n_h) > 0)
    )

    # Original rows, ordered by delivery then participant.
    p_idx = np.arange(len(parts.cohort))
    row_part = np.concatenate([p_idx] * n_h)
    row_h = np.repeat(np.arange(n_h, dtype=np.int8), len(p_idx))
    row_d = parts.cohort[row_part] * n_h + row_h
    keep = delivered[row_d] & (
        rng.random(len(row_d)) >= behaviour.omitted[parts.prog[row_part], row_h]
    )
    order = np.lexsort((row_part[keep], row_d[keep]))
    row_part, row_h, row_d = row_part[keep][order], row_h[keep][order], row_d[keep][order]

    groups: list[_Group] = []
    d_group = np.full(len(due), -1, dtype=np.int64)
    delivered_ids = np.unique(row_d)
    if not bulk:
        for d in delivered_ids.tolist():
            c, h = divmod(d, n_h)
            prog = plan.programmes[int(c_prog[c])]
            style = prog.style if rng.random() < 0.8 else str(rng.choice(list(_STYLES)))
            ext = "xlsx" if _STYLES[style].file_format == "xlsx" else "csv"
            d_group[d] = len(groups)
            groups.append(
                _Group(
                    name=f"{prog.programme_id}_oppfolging_{HORIZONS[h]}mnd_pulje-{plan.cohort_label[c]}.{ext}",
                    arrived=arrived[d],
                    programme_id=prog.programme_id,
                    render=_random_render(rng, style),
                    columns=_followup_columns(prog.optional_dropped),
                )
            )
    else:
        counts = np.bincount(row_d, minlength=len(due))
        all_columns = _followup_columns(frozenset())
        for h in range(n_h):
            ids = delivered_ids[d_h[delivered_ids] == h]
            for label, members in _quarterly_batches(ids, arrived[ids], counts[ids]):
                d_group[members] = len(groups)
                style = _CSV_STYLES[len(groups) % len(_CSV_STYLES)]
                groups.append(
                    _Group(
                        name=f"oppfolging_{HORIZONS[h]}mnd_{label}.csv",
                        arrived=arrived[members].max(),
                        programme_id=None,
                        render=_random_render(rng, style),
                        columns=all_columns,
                    )
                )
    group_arrived = np.array([g.arrived for g in groups], dtype="datetime64[s]")
    row_group = d_group[row_d]
    observed = out.observed_on[row_h, row_part]
    # Nobody reports a status dated after the day the file is sent.
    observed = np.minimum(observed, group_arrived[row_group].astype("datetime64[D]"))
    observed = np.where(np.isnat(out.observed_on[row_h, row_part]), np.datetime64("NaT"), observed)
    originals = _Rows(
        part=row_part,
        horizon=row_h,
        status=out.status[row_h, row_part],
        relevance=out.relevance[row_h, row_part],
        position_pct=out.position_pct[row_h, row_part],
        contract_type=out.contract_type[row_h, row_part],
        via_programme=out.via_programme[row_h, row_part],
        business_has_revenue=out.business_has_revenue[row_h, row_part],
        withdrawn=np.full(len(row_part), -1, dtype=np.int8),
        observed_on=observed,
        comment=out.comment[row_h, row_part],
        group=row_group,
    )
    corrections = _make_corrections(
        rng, plan, parts, originals, row_d, d_group, groups, behaviour, reference, bulk
    )
    return _Rows.concat([originals, corrections]), groups


def _make_corrections(
    rng: np.random.Generator,
    plan: _Plan,
    parts: _Participants,
    originals: _Rows,
    row_d: np.ndarray,
    d_group: np.ndarray,
    groups: list[_Group],
    behaviour: _Behaviour,
    reference: np.datetime64,
    bulk: bool,
) -> _Rows:
    """Later files re-reporting a few participants of an earlier delivery, status changed."""
    n_h = len(HORIZONS)
    n_d = len(d_group)
    d_prog = np.repeat(plan.cohort_prog, n_h)
    # The extra NaT at the end stands for "not delivered" (d_group -1).
    group_arrived = np.array([g.arrived for g in groups] + [None], dtype="datetime64[s]")
    selected = (d_group >= 0) & (rng.random(n_d) < behaviour.corrections[d_prog])
    lag = (7 + np.minimum(rng.exponential(45, n_d), 300)).astype(np.int64)
    lag_s = lag.astype("timedelta64[D]").astype("timedelta64[s]")
    when = group_arrived[d_group] + lag_s
    target = np.full(n_d, -1, dtype=np.int64)
    attach = rng.random(n_d) < 0.5
    for d in np.flatnonzero(selected).tolist():
        nxt = d + 1
        if (
            not bulk
            and attach[d]
            and d % n_h < n_h - 1
            and d_group[nxt] >= 0
            and group_arrived[d_group[nxt]] > group_arrived[d_group[d]]
        ):
            target[d] = d_group[nxt]
    # Stand-alone correction files: one per corrected delivery, or one per horizon in bulk.
    standalone = selected & (target < 0) & (when.astype("datetime64[D]") <= reference)
    if bulk:
        for h in range(n_h):
            ids = np.flatnonzero(standalone & (np.arange(n_d) % n_h == h))
            for label, members in _quarterly_batches(ids, when[ids], np.ones(len(ids))):
                target[members] = len(groups)
                groups.append(
                    _Group(
                        name=f"oppfolging_{HORIZONS[h]}mnd_{label}_rettelser.csv",
                        arrived=when[members].max(),
                        programme_id=None,
                        render=_random_render(rng, _CSV_STYLES[len(groups) % len(_CSV_STYLES)]),
                        columns=_followup_columns(frozenset()),
                    )
                )
    else:
        for d in np.flatnonzero(standalone).tolist():
            original = groups[d_group[d]]
            target[d] = len(groups)
            stem, ext = original.name.rsplit(".", 1)
            groups.append(
                _Group(
                    name=f"{stem}_rettet.{ext}",
                    arrived=when[d],
                    programme_id=original.programme_id,
                    render=original.render,
                    columns=original.columns,
                )
            )
    pick = np.flatnonzero((target[row_d] >= 0) & (rng.random(len(row_d)) < 0.25))
    rows = originals.take(pick)
    rows.group = target[row_d[pick]]
    _change_status(rng, rows, parts)
    return rows


def _change_status(rng: np.random.Generator, rows: _Rows, parts: _Participants) -> None:
    """What a correction changes: a better job than reported, a participant found in work
    after all, or (rarely) a row withdrawn because the participant was registered in error."""
    n = len(rows.part)
    employed = _code_index("status", "employed")
    relevant = _code_index("job_relevance", "relevant")
    withdrawn = rng.random(n) < 0.03
    improve = ~withdrawn & (rows.status == employed)
    found = ~withdrawn & (rows.status != employed)
    kind = rng.integers(0, 3, n)
    rows.position_pct = np.where(improve & (kind == 0), 100.0, rows.position_pct)
    rows.contract_type = np.where(
        improve & (kind == 1), _code_index("contract_type", "permanent"), rows.contract_type
    )
    rows.relevance = np.where(improve & (kind == 2), relevant, rows.relevance)

    rows.status = np.where(found, employed, rows.status)
    rows.relevance = np.where(
        found,
        np.where(rng.random(n) < 0.6, relevant, _code_index("job_relevance", "partly")),
        rows.relevance,
    )
    rows.position_pct = np.where(
        found, np.where(rng.random(n) < 0.6, 100.0, 80.0), rows.position_pct
    )
    rows.contract_type = np.where(
        found, _code_index("contract_type", "temporary"), rows.contract_type
    )
    rows.business_has_revenue = np.where(found, -1, rows.business_has_revenue)
    # A status found later needs the date it applies to; the horizon's due date stands in.
    due = np.stack([_add_months(parts.end[rows.part], m) for m in HORIZONS])[
        rows.horizon, np.arange(n)
    ]
    rows.observed_on = np.where(found & np.isnat(rows.observed_on), due, rows.observed_on)
    rows.withdrawn = np.where(withdrawn, _code_index("yes_no_unknown", "yes"), -1)
    texts = np.array(_CORRECTION_COMMENTS, dtype=object)
    rows.comment = np.where(
        withdrawn, "Registrert ved en feil", texts[rng.integers(0, len(texts), n)]
    ).astype(object)


def _followup_values(plan: _Plan, parts: _Participants, rows: _Rows) -> dict[str, np.ndarray]:
    p = rows.part
    cohort = parts.cohort[p]
    ids = np.array([prog.programme_id for prog in plan.programmes], dtype=object)
    horizon_codes = np.array([_code_index("horizon_months", str(m)) for m in HORIZONS])
    return {
        "programme_id": ids[parts.prog[p]],
        "cohort": plan.cohort_label[cohort],
        "grant_year": plan.py_year[parts.py[p]].astype(float),
        "participant_ref": parts.ref[p],
        "birth_year": parts.birth_year[p],
        "gender": parts.gender[p],
        "education_level": parts.education_level[p],
        "education_country": parts.education_country[p],
        "programme_start": parts.start[p],
        "programme_end": parts.end[p],
        "exit_reason": parts.exit_reason[p],
        "horizon_months": horizon_codes[rows.horizon],
        "observed_on": rows.observed_on,
        "status": rows.status,
        "job_relevance": rows.relevance,
        "position_pct": rows.position_pct,
        "contract_type": rows.contract_type,
        "via_programme": rows.via_programme,
        "business_has_revenue": rows.business_has_revenue,
        "withdrawn": rows.withdrawn,
        "comment": rows.comment,
        **_source_and_evidence(parts.prog[p], p, rows.horizon, rows.status),
    }


# Files sent before this day have the shape from before issue 14: no status_source, no evidence.
SOURCE_EVIDENCE_FROM = np.datetime64("2018-01-01T00:00:00", "s")
_SOURCE_EVIDENCE_COLUMNS = frozenset({"status_source", "evidence"})
_DOCUMENTS = ("employment_contract", "payslip", "participant_confirmation", "employer_confirmation")


def _source_and_evidence(
    prog: np.ndarray, part: np.ndarray, horizon: np.ndarray, status: np.ndarray
) -> dict[str, np.ndarray]:
    """Who gave each status and what backs it, as code indexes (-1 blank). Deterministic in the
    row (no random stream, so adding it left every other draw alone): programmes differ in how
    often they document work (8, 5 or 2 in 10 employed statuses, by programme), and the rest
    say "none" or leave the cell empty."""
    k = (
        part.astype(np.int64) * 31 + horizon.astype(np.int64) * 7 + prog.astype(np.int64) * 11
    ) % 10
    in_work = np.isin(
        status, [_code_index("status", "employed"), _code_index("status", "self_employed")]
    )
    documented = in_work & (k < np.array([8, 5, 2])[prog % 3])
    documents = np.array([_code_index("evidence", c) for c in _DOCUMENTS], dtype=np.int8)
    evidence = np.where(
        documented,
        documents[part % len(_DOCUMENTS)],
        np.where(in_work & (k % 2 == 1), _code_index("evidence", "none"), -1),
    ).astype(np.int8)
    sources = np.array(
        [_code_index("status_source", c) for c in ("programme", "participant", "employer")],
        dtype=np.int8,
    )
    source_pick = np.where(k < 6, 0, np.where(k < 8, 1, 2))
    source = np.where(in_work, sources[source_pick], sources[np.minimum(source_pick, 1)])
    return {"status_source": source.astype(np.int8), "evidence": evidence}


# --- register and status reports ----------------------------------------------------------------


def _register_values(plan: _Plan, rng: np.random.Generator) -> dict[str, np.ndarray]:
    progs = [plan.programmes[i] for i in plan.py_prog.tolist()]
    years = plan.py_year
    planned = np.bincount(plan.cohort_py, weights=plan.cohort_planned, minlength=len(years))
    per_pair = rng.integers(25, 46, len(years)) * 1000
    grant = np.maximum(300_000, np.round(planned * per_pair / 10_000) * 10_000)
    with_targets = [
        p.targets_from is not None and y >= p.targets_from
        for p, y in zip(progs, years.tolist(), strict=True)
    ]
    targets = np.array(
        [p.targets if t else (np.nan,) * 4 for p, t in zip(progs, with_targets, strict=True)],
        dtype=float,
    ).reshape(-1, 4)
    goals = [
        p.goal_statement if t else p.plain_goal for p, t in zip(progs, with_targets, strict=True)
    ]
    types = list(codelists()["programme_type"].codes)
    return {
        "programme_id": np.array([p.programme_id for p in progs], dtype=object),
        "name": np.array([p.name for p in progs], dtype=object),
        "organisation": np.array([p.organisation for p in progs], dtype=object),
        "programme_type": np.array([types.index(p.programme_type) for p in progs]),
        "grant_year": years.astype(float),
        "grant_nok": grant.astype(float),
        "target_group": np.array([p.target_group for p in progs], dtype=object),
        "goal_statement": np.array(goals, dtype=object),
        "planned_participants": planned.astype(float),
        "duration_months": np.array([p.duration_months for p in progs], dtype=float),
        "target_employed_pct_0": targets[:, 0],
        "target_employed_pct_6": targets[:, 1],
        "target_employed_pct_12": targets[:, 2],
        "target_relevant_pct_12": targets[:, 3],
    }


def _attainment(style: int, employed: int, recruited: int, praksis_rel: int, job_rel: int) -> str:
    """Programmes' own words, in the styles the Fafo evaluation quotes."""
    ratio = employed / max(recruited, 1)
    if style == 0:
        return _QUALITATIVE[0 if ratio >= 0.7 else 1 if ratio >= 0.55 else 2 if ratio >= 0.4 else 3]
    if style == 1:
        return f"{employed} av {recruited} deltakere har jobbdeltakelse"
    if style == 2:
        return f"{praksis_rel} av {recruited} i fagrelevant praksis og {job_rel} i relevant fulltidsstilling"
    if style == 3:
        return f"{round(100 * ratio)} % i jobb ved programslutt"
    return ""


def _status_report_values(
    rng: np.random.Generator, plan: _Plan, parts: _Participants, out: _Outcomes
) -> dict[str, np.ndarray]:
    n_py = len(plan.py_year)
    st = {code: _code_index("status", code) for code in codelists()["status"].codes}
    relevant = _code_index("job_relevance", "relevant")
    at_end = out.status[0]
    in_job = np.isin(at_end, [st["employed"], st["self_employed"]])
    praksis = at_end == st["internship"]
    rel_job = in_job & (out.relevance[0] == relevant)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(parts.py[mask], minlength=n_py)

    completed = count(parts.exit_reason == _code_index("exit_reason", "completed"))
    employed, internships = count(in_job), count(praksis)
    praksis_rel = count(praksis & (out.relevance[0] == relevant))
    rel_full = count(rel_job & (out.position_pct[0] >= 100))
    rel_total = count(rel_job)
    recruited = np.bincount(plan.cohort_py, weights=plan.cohort_size, minlength=n_py)
    planned = np.bincount(plan.cohort_py, weights=plan.cohort_planned, minlength=n_py)
    start = np.full(n_py, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    end = np.full(n_py, np.datetime64("1900-01-01"), dtype="datetime64[D]")
    np.minimum.at(start, plan.cohort_py, plan.cohort_start)
    np.maximum.at(end, plan.cohort_py, plan.cohort_end)

    progs = [plan.programmes[i] for i in plan.py_prog.tolist()]
    optimism = np.array([p.optimism for p in progs])
    with_praksis = np.array([p.counts_internships for p in progs])
    # What programmes tell IMDi: sometimes internships counted as jobs, sometimes rounded up.
    said = np.minimum(
        recruited, np.round((employed + np.where(with_praksis, internships, 0)) * optimism)
    ).astype(np.int64)
    said_rel = np.where(
        rng.random(n_py) < 0.4, np.nan, np.minimum(said, np.round(rel_total * optimism))
    )
    attainment = np.array(
        [
            _attainment(p.attainment_style, s, int(r), int(a), int(b))
            for p, s, r, a, b in zip(
                progs, said.tolist(), recruited.tolist(), praksis_rel.tolist(),
                rel_full.tolist(), strict=True,
            )
        ],
        dtype=object,
    )  # fmt: skip
    comments = np.array(_REPORT_COMMENTS, dtype=object)
    picked = comments[rng.integers(0, len(comments), n_py)]
    return {
        "programme_id": np.array([p.programme_id for p in progs], dtype=object),
        "grant_year": plan.py_year.astype(float),
        "period_start": start,
        "period_end": end,
        "pairs_planned": planned,
        "pairs_recruited": recruited,
        "participants_completed": completed.astype(float),
        "reported_employed": said.astype(float),
        "reported_relevant": said_rel,
        "reported_attainment": attainment,
        "comment": np.array([c or "" for c in picked], dtype=object),
    }


# --- the whole run -------------------------------------------------------------------------------


def _to_datetime(value: np.datetime64) -> datetime:
    return value.astype("datetime64[s]").astype(datetime).replace(tzinfo=UTC)


def _subset(values: dict[str, np.ndarray], index: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[index] for k, v in values.items()}


def _write_registers(
    out_dir: Path, rng: np.random.Generator, plan: _Plan, reference: np.datetime64
) -> list[DemoFile]:
    """IMDi's register: one workbook per grant year, sent when the grants are awarded."""
    register = _register_values(plan, rng)
    spec = contract("programme_register")
    files = []
    for year in np.unique(plan.py_year).tolist():
        sent = np.datetime64(date(year, 1, 6)) + int(rng.integers(0, 35))
        arrived = _office_time(rng, np.array([sent]))[0]
        render = _Render("xlsx", ints_as_floats=bool(rng.random() < 0.5))
        if arrived.astype("datetime64[D]") > reference:
            continue
        stamp = _to_datetime(arrived)
        path = out_dir / f"programregister_{year}.xlsx"
        values = _subset(register, np.flatnonzero(plan.py_year == year))
        n = _write_file(path, spec, values, spec.column_names, render, stamp, "Tilskudd")
        files.append(DemoFile(path, "register", stamp, None, n, None))
    return files


def _write_status_reports(
    out_dir: Path,
    rng: np.random.Generator,
    plan: _Plan,
    parts: _Participants,
    outcomes: _Outcomes,
    behaviour: _Behaviour,
    reference: np.datetime64,
    bulk: bool,
) -> list[DemoFile]:
    """One report per programme and grant year, sent a few weeks after its last cohort ended
    (in bulk mode, all reports that arrived in a quarter in one file)."""
    reports = _status_report_values(rng, plan, parts, outcomes)
    spec = contract("programme_status_report")
    late = behaviour.lateness[plan.py_prog]
    lag = 14 + np.minimum(rng.exponential(30 * late), 200).astype(np.int64)
    arrived = _office_time(rng, reports["period_end"] + lag.astype("timedelta64[D]"))
    sent = np.flatnonzero(arrived.astype("datetime64[D]") <= reference)
    renders = [_random_render(rng, p.report_style) for p in plan.programmes]
    files = []
    if bulk:
        batches = _quarterly_batches(sent, arrived[sent], np.ones(len(sent)))
        for k, (label, index) in enumerate(batches):
            render = _random_render(rng, _CSV_STYLES[k % len(_CSV_STYLES)])
            stamp = _to_datetime(arrived[index].max())
            path = out_dir / f"statusrapporter_{label}.csv"
            values = _subset(reports, index)
            n = _write_file(path, spec, values, spec.column_names, render, stamp, "")
            files.append(DemoFile(path, "status_report", stamp, None, n, render.spec.encoding))
        return files
    for i in sent.tolist():
        prog = plan.programmes[int(plan.py_prog[i])]
        render = renders[int(plan.py_prog[i])]
        # Programmes that report no attainment in words leave the relevant-job count out too.
        columns = [
            c
            for c in spec.column_names
            if not (c == "reported_relevant" and prog.attainment_style == 4)
        ]
        stamp = _to_datetime(arrived[i])
        path = out_dir / f"{prog.programme_id}_statusrapport_{int(plan.py_year[i])}.csv"
        n = _write_file(path, spec, _subset(reports, np.array([i])), columns, render, stamp, "")
        files.append(
            DemoFile(path, "status_report", stamp, prog.programme_id, n, render.spec.encoding)
        )
    return files


def _write_followups(
    out_dir: Path, plan: _Plan, parts: _Participants, rows: _Rows, groups: list[_Group]
) -> list[DemoFile]:
    spec = contract("participant_followup")
    order = np.argsort(rows.group, kind="stable")
    bounds = np.searchsorted(rows.group[order], np.arange(len(groups) + 1))
    files = []
    for g, group in enumerate(groups):
        index = order[bounds[g] : bounds[g + 1]]
        if not len(index):
            continue
        stamp = _to_datetime(group.arrived)
        path = out_dir / group.name
        values = _followup_values(plan, parts, rows.take(index))
        title = "Oppfølging" if group.render.spec.norwegian else "followup"
        columns = group.columns
        if group.arrived < SOURCE_EVIDENCE_FROM:
            columns = tuple(c for c in columns if c not in _SOURCE_EVIDENCE_COLUMNS)
        n = _write_file(path, spec, values, columns, group.render, stamp, title)
        files.append(
            DemoFile(path, "followup", stamp, group.programme_id, n, group.render.spec.encoding)
        )
    return files


# --- a register extract (issue 14) --------------------------------------------------------------

REGISTER_EXTRACT_PROGRAMMES = 3
"""The extract covers the participants of this many programmes (the first by ID): small."""


def register_extract_disagrees(part: int, horizon_position: int) -> bool:
    """The rows where the demo's register deliberately says the opposite of the participant's
    true status: a few, chosen by formula so that a test can find them."""
    return (part * 7 + horizon_position) % 19 == 3


def register_extract_misses(part: int, horizon_position: int) -> bool:
    """The rows the demo's register does not have (not in a-ordningen that month): a few."""
    return (part * 5 + horizon_position) % 29 == 7


def _register_extract_values(
    plan: _Plan, parts: _Participants, out: _Outcomes, reference: np.datetime64, key: bytes
) -> dict[str, np.ndarray]:
    """One row per covered participant per horizon whose due month has begun by ``reference``:
    employed when the true status is 'employed' (the register knows employees only), except
    where :func:`register_extract_disagrees`; keys made with the warehouse's own pseudonym and
    written in groups of four (contract register_employment)."""
    ids = np.array([prog.programme_id for prog in plan.programmes], dtype=object)
    covered = sorted(set(ids.tolist()))[:REGISTER_EXTRACT_PROGRAMMES]
    employed = _code_index("status", "employed")
    permanent = _code_index("contract_type", "permanent")
    yes, no = _code_index("yes_no_unknown", "yes"), _code_index("yes_no_unknown", "no")
    columns: dict[str, list] = {name: [] for name in contract("register_employment").column_names}
    for p in np.flatnonzero(np.isin(ids[parts.prog], covered)).tolist():
        programme_id = str(ids[parts.prog[p]])
        hex_key = pseudonymise(key, programme_id, str(parts.ref[p]))
        grouped = "-".join(hex_key[i : i + 4] for i in range(0, len(hex_key), 4))
        for h, months in enumerate(HORIZONS):
            month = _add_months(parts.end[p : p + 1], months)[0].astype("datetime64[M]")
            if month > reference.astype("datetime64[M]") or register_extract_misses(p, h):
                continue
            in_work = bool(out.status[h, p] == employed) != register_extract_disagrees(p, h)
            pct = float(out.position_pct[h, p]) if in_work else np.nan
            columns["programme_id"].append(programme_id)
            columns["participant_key"].append(grouped)
            columns["reference_month"].append(str(month))
            columns["employed"].append(yes if in_work else no)
            columns["position_pct"].append(pct if in_work and not np.isnan(pct) else np.nan)
            columns["permanent"].append(
                (yes if out.contract_type[h, p] == permanent else no) if in_work else -1
            )
    return {
        name: np.array(values, dtype=np.int8 if name in ("employed", "permanent") else object)
        if name != "position_pct"
        else np.array(values, dtype=float)
        for name, values in columns.items()
    }


def _write_register_extract(
    out_dir: Path,
    plan: _Plan,
    parts: _Participants,
    out: _Outcomes,
    reference: np.datetime64,
    key: bytes,
) -> list[DemoFile]:
    values = _register_extract_values(plan, parts, out, reference, key)
    spec = contract("register_employment")
    stamp = _to_datetime(
        (reference - np.timedelta64(10, "D")).astype("datetime64[s]") + np.timedelta64(43200, "s")
    )
    path = out_dir / "registerutdrag_a-ordningen.csv"
    render = _Render("csv_en", code_text="code")
    n = _write_file(path, spec, values, spec.column_names, render, stamp, "register")
    return [DemoFile(path, "register_employment", stamp, None, n, "utf-8")]


def generate(
    out_dir: Path,
    participants: int | None = None,
    seed: int = 2019,
    reference_date: date = date(2020, 6, 30),
    pseudonym_key: bytes | None = None,
) -> DemoManifest:
    """Write the uploads that would have arrived by ``reference_date`` into ``out_dir``.

    ``participants=None`` gives the IMDi-sized default (about 860 participants); a number
    scales the plan to that many participants for benchmarks. Files already in ``out_dir``
    with the same names are overwritten; nothing else there is touched. With
    ``pseudonym_key`` (the warehouse's key) a register extract on employment is written too,
    keyed as the warehouse keys its participants (docs/register.md).
    """
    if participants is not None and participants < 1:
        raise ValueError("participants must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # One stream per stage, so a change in one stage leaves the others' draws alone.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    reference = np.datetime64(reference_date, "D")
    bulk = participants is not None and participants >= BULK_FROM_PARTICIPANTS

    plan = _make_plan(streams[0], participants)
    parts = _make_participants(streams[1], plan)
    behaviour = _make_behaviour(streams[2], plan.programmes)
    outcomes = _make_outcomes(streams[3], parts, behaviour)
    rows, groups = _make_rows(streams[4], plan, parts, outcomes, behaviour, reference, bulk)

    files = [
        *_write_registers(out_dir, streams[5], plan, reference),
        *_write_status_reports(
            out_dir, streams[6], plan, parts, outcomes, behaviour, reference, bulk
        ),
        *_write_followups(out_dir, plan, parts, rows, groups),
    ]
    if pseudonym_key is not None:
        files += _write_register_extract(out_dir, plan, parts, outcomes, reference, pseudonym_key)
    files.sort(key=lambda f: (f.arrived_on, f.path.name))
    return DemoManifest(
        out_dir=out_dir,
        seed=seed,
        reference_date=reference_date,
        participants=len(parts.cohort),
        programmes=len(plan.programmes),
        files=tuple(files),
    )
