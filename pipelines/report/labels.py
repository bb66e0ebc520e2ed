"""Norwegian labels, column kinds and number formatting for the report (one place for both the
HTML and the Excel workbook, so they always agree)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import pandas as pd

from pipelines.contracts import HORIZONS, codelists
from pipelines.indicators import INDICATORS, indicator, indicators
from pipelines.report.suppression import SUPPRESSED

KEY_INDICATORS = ("employed", "relevant_work", "full_time", "permanent", "right_shelf")
"""The indicators shown per programme and first in the headline: work, relevance, full-time,
permanence and "på rett hylle"."""

INDICATOR_LABELS = {i.code: i.label_nb for i in indicators()}
INDICATOR_SHORT = {i.code: i.short_nb for i in indicators()}

LEVEL_LABELS = {
    "total": "Alle programmer",
    "programme": "Program totalt",
    "grant_year": "Tilskuddsår",
    "cohort": "Kull",
}

TARGET_LABELS = {
    "met": "nådd",
    "not_met": "ikke nådd",
    "no_target": "ingen mål",
}

# Status groups for the transitions: a few categories, each a set of status codes.
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "employed": ("employed", "self_employed"),
    "internship_education": ("internship", "education"),
    "unemployed": ("unemployed",),
    "other": ("parental_leave", "moved_abroad", "other"),
    "unknown": ("unknown",),
    "not_due": ("not_due",),
}


@cache
def status_group_labels() -> dict[str, str]:
    """Norwegian labels of the status groups, built from the code list's own labels."""
    status = codelists()["status"]

    def join(codes: tuple[str, ...]) -> str:
        return capitalised(", ".join(status.label(code) for code in codes))

    return {
        "employed": join(STATUS_GROUPS["employed"]),
        "internship_education": join(STATUS_GROUPS["internship_education"]),
        "unemployed": join(STATUS_GROUPS["unemployed"]),
        "other": join(STATUS_GROUPS["other"]),
        "unknown": f"{capitalised(status.label('unknown'))} eller ikke rapportert",
        "not_due": "Ikke forfalt ennå",
    }


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def status_group(code: str | None) -> str:
    """The group of a status code ('not_due' and 'unknown' included); unknown codes -> other."""
    if code is None or pd.isna(code):
        return "unknown"
    for group, codes in STATUS_GROUPS.items():
        if code in codes:
            return group
    return "other"


@cache
def horizon_label(months: int) -> str:
    """'ved programslutt', '6 måneder etter', ... from the code list."""
    return codelists()["horizon_months"].label(str(int(months)))


def horizon_title(months: int) -> str:
    return capitalised(horizon_label(months))


@dataclass(frozen=True)
class ColumnInfo:
    """A published column: Norwegian header, kind (how to format it) and explanation."""

    label: str
    kind: str  # 'count', 'pct', 'int', 'text', 'date', 'number'
    description: str = ""


def _indicator_columns() -> dict[str, ColumnInfo]:
    columns: dict[str, ColumnInfo] = {}
    for code in INDICATORS:
        short = INDICATOR_SHORT[code]
        columns[f"n_{code}"] = ColumnInfo(
            f"Antall {short}", "count", f"{INDICATOR_LABELS[code]}: antall deltakere."
        )
        denominators = indicator(code).denominators
        if "all" in denominators:
            columns[f"pct_{code}_of_all"] = ColumnInfo(
                f"% {short} av alle",
                "pct",
                f"{INDICATOR_LABELS[code]}: andel av alle deltakere i oppfølging (forfalt eller "
                "rapportert).",
            )
        if "known" in denominators:
            columns[f"pct_{code}_of_known"] = ColumnInfo(
                f"% {short} av kjent status",
                "pct",
                f"{INDICATOR_LABELS[code]}: andel av deltakerne med kjent status.",
            )
    return columns


COLUMNS: dict[str, ColumnInfo] = {
    "level": ColumnInfo("Nivå", "text", "Alle programmer, program totalt, tilskuddsår eller kull."),
    "programme_id": ColumnInfo("Program-ID", "text"),
    "programme_name": ColumnInfo("Program", "text"),
    "grant_year": ColumnInfo("Tilskuddsår", "int"),
    "cohort": ColumnInfo("Kull", "text"),
    "horizon_months": ColumnInfo(
        "Oppfølging (mnd)", "int", "0 = ved programslutt, 6 og 12 = måneder etter."
    ),
    "horizon": ColumnInfo("Oppfølging", "text"),
    "participants": ColumnInfo(
        "Deltakere i oppfølging",
        "count",
        "Deltakere der oppfølgingen er forfalt, eller likevel rapportert (nevner for «% av alle»).",
    ),
    "reported": ColumnInfo("Rapportert", "count", "Deltakere med rapportert oppfølging."),
    "pct_reported_of_all": ColumnInfo("% rapportert", "pct", "Rapportert i % av alle."),
    "known_status": ColumnInfo(
        "Kjent status",
        "count",
        "Rapportert med annen status enn «ukjent» (nevner for «% av kjent status»).",
    ),
    "coverage_pct": ColumnInfo(
        "Dekning %", "pct", "Kjent status i % av alle deltakere i oppfølging."
    ),
    "overdue": ColumnInfo(
        "Forfalt, ikke rapportert", "count", "Oppfølging forfalt uten at noe er rapportert."
    ),
    "pct_overdue_of_all": ColumnInfo("% forfalt", "pct", "Forfalt uten rapport i % av alle."),
    **_indicator_columns(),
    "target_employed_pct": ColumnInfo(
        "Mål % i jobb", "pct", "Programmets eget mål for andel i jobb (programregisteret)."
    ),
    "employed_target": ColumnInfo("Mål i jobb", "text", "Nådd / ikke nådd / ingen mål."),
    "target_relevant_pct": ColumnInfo(
        "Mål % i relevant jobb", "pct", "Programmets eget mål for andel i relevant jobb (12 mnd)."
    ),
    "relevant_target": ColumnInfo("Mål relevant jobb", "text", "Nådd / ikke nådd / ingen mål."),
    "as_of_date": ColumnInfo("Per dato", "date", "Kvartalsslutt tallene gjelder."),
    "quarter": ColumnInfo("Kvartal", "text"),
    "indicator": ColumnInfo("Kode", "text"),
    "label": ColumnInfo("Indikator", "text"),
    "category": ColumnInfo("Kode", "text"),
    "category_label": ColumnInfo("Status", "text"),
    "from_horizon": ColumnInfo("Fra (mnd)", "int"),
    "to_horizon": ColumnInfo("Til (mnd)", "int"),
    "from_category": ColumnInfo("Fra-kode", "text"),
    "from_label": ColumnInfo("Fra status", "text"),
    "to_total": ColumnInfo("I alt", "count", "Alle deltakere med denne fra-statusen."),
    "period_end": ColumnInfo("Periode til", "date", "Slutten av perioden statusrapporten gjelder."),
    "pairs_planned": ColumnInfo(
        "Planlagte par", "count", "Plantall fra statusrapporten (ikke personopplysning)."
    ),
    "pairs_recruited": ColumnInfo("Rekrutterte par (sagt)", "count"),
    "shown_participants": ColumnInfo(
        "Deltakere (vist)", "count", "Deltakere i deltakerdataene (ikke trukket)."
    ),
    "recruited_difference": ColumnInfo("Differanse rekruttert", "number", "Sagt minus vist."),
    "participants_completed": ColumnInfo("Fullført (sagt)", "count"),
    "shown_completed": ColumnInfo(
        "Fullført (vist)", "count", "Deltakere med avslutningsårsak «fullført»."
    ),
    "completed_difference": ColumnInfo("Differanse fullført", "number", "Sagt minus vist."),
    "reported_employed": ColumnInfo("I jobb (sagt)", "count"),
    "shown_employed_0": ColumnInfo(
        "I jobb ved slutt (vist)", "count", "I jobb ved programslutt ifølge deltakerdataene."
    ),
    "employed_difference": ColumnInfo("Differanse i jobb", "number", "Sagt minus vist."),
    "reported_relevant": ColumnInfo("I relevant jobb (sagt)", "count"),
    "shown_relevant_0": ColumnInfo(
        "I relevant jobb ved slutt (vist)",
        "count",
        "I relevant jobb ved programslutt ifølge deltakerdataene.",
    ),
    "relevant_difference": ColumnInfo("Differanse relevant", "number", "Sagt minus vist."),
    "reported_attainment": ColumnInfo(
        "Måloppnåelse (programmets egne ord)",
        "text",
        "Fritekst fra statusrapporten; små tall er skjermet.",
    ),
    "median_days_overdue": ColumnInfo(
        "Median dager over frist", "number", "Vises bare når antallet er publisert."
    ),
    "check_name": ColumnInfo("Kontroll", "text"),
    "asset": ColumnInfo("Datasett", "text"),
    "severity": ColumnInfo("Alvorlighet", "text"),
    "result": ColumnInfo("Resultat", "text"),
    "description_nb": ColumnInfo("Beskrivelse", "text"),
    "details": ColumnInfo("Detaljer", "text"),
}
for _h in HORIZONS:
    COLUMNS[f"n_{_h}"] = ColumnInfo(f"Antall, {_h} mnd", "count")
    COLUMNS[f"pct_of_all_{_h}"] = ColumnInfo(f"% av alle, {_h} mnd", "pct")
    COLUMNS[f"pct_of_known_{_h}"] = ColumnInfo(f"% av kjent status, {_h} mnd", "pct")
    COLUMNS[f"pct_{_h}"] = ColumnInfo(f"% av alle, {_h} mnd", "pct")
    _when = f"{_h} mnd etter" if _h else "ved programslutt"
    COLUMNS[f"overdue_{_h}"] = ColumnInfo(
        f"Forfalt {_when}", "count", f"Oppfølginger {_when} som er forfalt uten rapport."
    )
COLUMNS["overdue_total"] = ColumnInfo("Forfalt i alt", "count", "Sum over tidspunktene.")
for _group in STATUS_GROUPS:
    COLUMNS[f"to_{_group}"] = ColumnInfo(f"Til: {_group}", "count")


WRAP_COLUMNS = frozenset(
    {
        "programme_name",
        "label",
        "category_label",
        "from_label",
        "reported_attainment",
        "description_nb",
        "details",
    }
)
"""Text columns that may wrap in the HTML; every other cell stays on one line."""


def column_info(code: str) -> ColumnInfo:
    info = COLUMNS.get(code)
    if info is None:
        return ColumnInfo(code, "text")
    if code.startswith("to_") and code[3:] in STATUS_GROUPS:
        return ColumnInfo(status_group_labels()[code[3:]], "count")
    return info


# --- numbers ---------------------------------------------------------------------------------


def share(numerator: int, denominator: int) -> float | None:
    """100 * n / d rounded half away from zero to one decimal, like DuckDB's round(); None when
    the denominator is 0."""
    if not denominator:
        return None
    value = (Decimal(int(numerator)) * 100 / Decimal(int(denominator))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return float(value)


def is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: object, kind: str) -> str:
    """A value as the HTML shows it: Norwegian decimal comma, no-break space in thousands."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if kind == "date" and isinstance(value, date | pd.Timestamp):
        return value.strftime("%d.%m.%Y")
    if kind == "pct":
        return f"{float(value):.1f}".replace(".", ",")
    if kind in ("count", "int", "number"):
        number = float(value)
        if number.is_integer():
            text = f"{int(number):,}".replace(",", "\u00a0")
            return text if kind != "int" else str(int(number))
        return f"{number:.1f}".replace(".", ",")
    return str(value)


def norwegian_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def is_suppressed(value: object) -> bool:
    return isinstance(value, str) and value == SUPPRESSED
