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
    "passed": ColumnInfo("Bestått", "text"),
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

# How sure the figures are (issue 14; tables in report/certainty.py).
COLUMNS.update(
    {
        "figure_status": ColumnInfo(
            "Foreløpig/endelig",
            "text",
            "(f) foreløpig: observasjonsvinduet er ikke lukket for alle deltakerne ennå; "
            "endelig: det er lukket for alle.",
        ),
        "final_from": ColumnInfo("Endelig fra", "date", "Datoen tallet blir (ble) endelig."),
        "n_employed_with_evidence": ColumnInfo(
            "I jobb, dokumentert", "count", "I jobb med oppgitt dokumentasjon (ikke «ingen»)."
        ),
        "n_employed_without_evidence": ColumnInfo(
            "I jobb, ikke dokumentert",
            "count",
            "I jobb uten dokumentasjon: «ingen dokumentasjon» eller ikke oppgitt.",
        ),
        "pct_employed_with_evidence": ColumnInfo(
            "% av i jobb dokumentert", "pct", "Dokumentert i % av dem i jobb."
        ),
        "first_quarter": ColumnInfo("Først publisert", "text", "Kvartalet tallet først kom."),
        "first_participants": ColumnInfo(
            "Deltakere, først publisert", "count", "Nevneren da tallet først ble publisert."
        ),
        "final_participants": ColumnInfo("Deltakere, endelig", "count"),
        "first_pct_employed": ColumnInfo("% i jobb, først publisert", "pct"),
        "final_pct_employed": ColumnInfo("% i jobb, endelig", "pct"),
        "change_pct_employed": ColumnInfo(
            "Endring i jobb (prosentpoeng)", "number", "Endelig minus først publisert."
        ),
        "n_compared": ColumnInfo(
            "Sammenlignet", "count", "Statuser der både programmet og registeret har en opplysning."
        ),
        "n_agree": ColumnInfo("Samsvar", "count", "Begge i jobb, eller begge ikke i jobb."),
        "n_disagree": ColumnInfo("Ikke samsvar", "count", "Programmet og registeret er uenige."),
        "pct_agree": ColumnInfo("% samsvar", "pct", "Samsvar i % av sammenlignet."),
        "n_only_programme": ColumnInfo(
            "Bare programmet", "count", "Programmet har status, registeret ingen opplysning."
        ),
        "n_only_register": ColumnInfo(
            "Bare registeret", "count", "Registeret har opplysning, programmet ingen kjent status."
        ),
        "first_pct_relevant_work": ColumnInfo("% i relevant jobb, først publisert", "pct"),
        "final_pct_relevant_work": ColumnInfo("% i relevant jobb, endelig", "pct"),
        "change_pct_relevant_work": ColumnInfo(
            "Endring relevant jobb (prosentpoeng)", "number", "Endelig minus først publisert."
        ),
    }
)


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


# --- English ---------------------------------------------------------------------------------

LANGUAGES = ("nb", "en")

# The report's fixed Norwegian texts (HTML, workbook, charts, table labels) and their English
# twins, in one place; indicator labels come from schemas/indicators.yaml (label_en, short_en).
# The report is written in Norwegian and translated at render with `tr`; numbers and codes are
# the same in both languages.
ENGLISH: dict[str, str] = {
    # levels, targets, horizons, status groups, results
    "Alle programmer": "All programmes",
    "Program totalt": "Programme total",
    "Tilskuddsår": "Grant year",
    "Kull": "Cohort",
    "nådd": "met",
    "ikke nådd": "not met",
    "ingen mål": "no target",
    "skjermet": "suppressed",
    "Skjermet": "Suppressed",
    "ved programslutt": "at programme end",
    "Ved programslutt": "At programme end",
    "6 måneder etter": "6 months after",
    "12 måneder etter": "12 months after",
    "Alle deltakere": "All participants",
    "Alle": "All",
    "Ikke forfalt ennå": "Not due yet",
    "I jobb": "In work",
    "i jobb": "in work",
    "relevant jobb": "relevant work",
    "Relevant jobb": "Relevant work",
    "Rett hylle": "Right shelf",
    "Dekning": "Coverage",
    "Deltakere": "Participants",
    "Dekn.": "Cov.",
    "Jobb": "Work",
    "Relev.": "Relev.",
    "Hylle": "Shelf",
    "mnd": "mo.",
    # headline rows
    "Deltakere i oppfølging (forfalt eller rapportert) – nevner for «% av alle»": (
        "Participants in follow-up (due or reported) – denominator of “% of all”"
    ),
    "Rapportert": "Reported",
    "Kjent status – nevner for «% av kjent status» (andel = dekning)": (
        "Known status – denominator of “% of known status” (share = coverage)"
    ),
    "Forfalt, ikke rapportert": "Overdue, not reported",
    # sheets and sections
    "Hovedtall": "Headline",
    "Per program": "Per programme",
    "Mål": "Targets",
    "Statusfordeling": "Status distribution",
    "Statusoverganger": "Status transitions",
    "Utvikling": "Trend",
    "Sagt og vist": "Said and shown",
    "Forfalte oppfølginger": "Overdue follow-ups",
    "Alle indikatorer": "All indicators",
    "Datakvalitet": "Data quality",
    "Om rapporten": "About the report",
    "Kolonner": "Columns",
    "Ark": "Sheet",
    "Kolonne": "Column",
    "Kode": "Code",
    "Forklaring": "Explanation",
    "Innhold": "Contents",
    "Hovedtall for kvartalet": "Headline figures for the quarter",
    "Måloppnåelse mot programmenes egne mål": "Attainment against the programmes' own targets",
    "Figurer": "Charts",
    "Statusoverganger fra programslutt til 6 og 12 måneder": (
        "Status transitions from programme end to 6 and 12 months"
    ),
    "Utvikling over tid": "Development over time",
    "Hva programmene sa, og hva deltakerdataene viser": (
        "What the programmes said, and what the participant data show"
    ),
    "Definisjoner og merknader": "Definitions and notes",
    "Overganger": "Transitions",
    "Måloppnåelse i mentor- og traineeprogrammene – {quarter}": (
        "Attainment in the mentor and trainee programmes – {quarter}"
    ),
    "Tall per {as_of} · Kvartal {quarter} · Tall under {threshold} er skjermet ({suppressed})": (
        "Figures as of {as_of} · Quarter {quarter} · Numbers below {threshold} are suppressed "
        "({suppressed})"
    ),
    "Mentor- og traineeprogrammer med tilskudd fra IMDi: deltakere med høyere utdanning fra "
    "utlandet, fulgt opp ved programslutt og 6 og 12 måneder etter.": (
        "Mentor and trainee programmes funded by IMDi: participants with higher education from "
        "abroad, followed up at programme end and 6 and 12 months after."
    ),
    "Alle programmer samlet. Hver andel står med sin nevner: «% av alle» er av alle deltakere i "
    "oppfølging (forfalt eller rapportert), «% av kjent status» er av dem med rapportert, kjent "
    "status.": (
        "All programmes together. Each share stands with its denominator: “% of all” is of all "
        "participants in follow-up (due or reported), “% of known status” of those with a "
        "reported, known status."
    ),
    "Indikator": "Indicator",
    "Antall": "Number",
    "% av alle": "% of all",
    "% av kjent status": "% of known status",
    "Deltakere i alt (ikke trukket)": "Participants in total (not withdrawn)",
    "alle deltakere i dataene": "all participants in the data",
    "kjent status av {n} i oppfølging": "known status of {n} in follow-up",
    "{label} etter 12 måneder": "{label} after 12 months",
    "av alle i oppfølging; {share} av dem med kjent status": (
        "of all in follow-up; {share} of those with known status"
    ),
    "ingen data": "no data",
    "I relevant jobb": "In relevant work",
    "«På rett hylle»": "“Right shelf”",
    "Program": "Programme",
    "N": "N",
    "Mål, siste tilskuddsår": "Targets, latest grant year",
    "Én rad per program: alle programmets tilskuddsår samlet, ved programslutt (0) og 6 og 12 "
    "måneder etter. N = deltakere i oppfølging; Dekn. = dekning, andelen med kjent status; Jobb, "
    "Relev. og Hylle = i jobb, i relevant jobb og «på rett hylle», i % av alle deltakere i "
    "oppfølging. Linjene viser utviklingen fra 0 til 6 til 12 måneder (0–100 %); brudd betyr "
    "skjermet tall. Til høyre: programmets siste tilskuddsår og om det nådde sine egne mål.": (
        "One row per programme: all its grant years together, at programme end (0) and 6 and 12 "
        "months after. N = participants in follow-up; Cov. = coverage, the share with known "
        "status; Work, Relev. and Shelf = in work, in relevant work and “right shelf”, as % of "
        "all participants in follow-up. The lines show the way from 0 to 6 to 12 months "
        "(0–100 %); a gap means a suppressed number. On the right: the programme's latest grant "
        "year and whether it met its own targets."
    ),
    "Hvert tilskuddsår og kull står i arket «{sheet}» i": (
        "Each grant year and cohort is in the sheet “{sheet}” of"
    ),
    ", alle indikatorene i arket «{sheet}».": ", all indicators in the sheet “{sheet}”.",
    "Programmenes mål for andel i jobb (og i relevant jobb etter 12 måneder) fra "
    "programregisteret, mot faktisk andel av alle deltakere i oppfølging. «nådd», «ikke nådd» "
    "eller «ingen mål».": (
        "The programmes' targets for the share in work (and in relevant work after 12 months) "
        "from the programme register, against the actual share of all participants in "
        "follow-up: “met”, “not met” or “no target”."
    ),
    "Her vises tilskuddsårene som har mål; hvert kull står i arket «{sheet}» i": (
        "Shown here: the grant years that have targets; each cohort is in the sheet “{sheet}” of"
    ),
    "Figuren kan ikke vises fordi tallene den bygger på er skjermet eller mangler.": (
        "The chart cannot be shown because the numbers it is drawn from are suppressed or missing."
    ),
    "Skjermede andeler er markert «– skjermet».": "Suppressed shares are marked “– suppressed”.",
    "Skjermede statusgrupper er slått sammen i det skraverte feltet.": (
        "Suppressed status groups are merged in the hatched segment."
    ),
    "Brudd i linjen betyr skjermet tall.": "A gap in the line means a suppressed number.",
    "Alle deltakere (ikke trukket) etter statusgruppe ved hvert tidspunkt, og hvordan de flytter "
    "seg mellom gruppene.": (
        "All participants (not withdrawn) by status group at each follow-up, and how they move "
        "between the groups."
    ),
    "Fra {a} til {b}": "From {a} to {b}",
    "Alle programmer samlet, slik tallene sto ved hvert kvartalsslutt. Senere rettelser endrer "
    "ikke et tidligere kvartal.": (
        "All programmes together, as the figures stood at each quarter end. Later corrections do "
        "not change an earlier quarter."
    ),
    "Programmenes egne tall fra statusrapportene («sagt») ved siden av deltakerdataene for samme "
    "program og tilskuddsår («vist»). Differanse = sagt minus vist.": (
        "The programmes' own figures from their status reports (“said”) beside the participant "
        "data for the same programme and grant year (“shown”). Difference = said minus shown."
    ),
    "Antall oppfølginger som er forfalt uten rapport, per program og tidspunkt. Ingen "
    "deltakerreferanser vises.": (
        "Follow-ups overdue without a report, per programme and follow-up. No participant "
        "references are shown."
    ),
    "Ingen resultater fra datakvalitetskontrollene var tilgjengelige for denne rapporten.": (
        "No results from the data quality checks were available for this report."
    ),
    "{passed} av {total} kontroller bestått. Ikke bestått: {errors} feil (ERROR) og {warnings} "
    "advarsler (WARN).": (
        "{passed} of {total} checks passed. Not passed: {errors} errors (ERROR) and {warnings} "
        "warnings (WARN)."
    ),
    "Tall per": "Figures as of",
    "Skjermingsgrense": "Suppression threshold",
    "Heltid fra stillingsprosent": "Full-time from position %",
    "IMDi – måloppnåelse i mentor- og traineeprogrammene, {quarter}. Samme tabeller finnes i "
    "Excel-filen {workbook}.": (
        "IMDi – attainment in the mentor and trainee programmes, {quarter}. The same tables are "
        "in the Excel file {workbook}."
    ),
    "Ingen rader.": "No rows.",
    # charts
    "I jobb, % av alle": "In work, % of all",
    "I relevant jobb, % av alle": "In relevant work, % of all",
    "Andel i jobb og i relevant jobb per program ved programslutt, 6 og 12 måneder etter.": (
        "Share in work and in relevant work per programme at programme end, 6 and 12 months after."
    ),
    "Måloppnåelse per program og oppfølgingstidspunkt": "Attainment per programme and follow-up",
    "% av alle deltakere": "% of all participants",
    "Statusfordeling ved programslutt, 6 og 12 måneder etter, i prosent av alle deltakere.": (
        "Status distribution at programme end, 6 and 12 months after, as % of all participants."
    ),
    "Status fra programslutt til 6 og 12 måneder etter": (
        "Status from programme end to 6 and 12 months after"
    ),
    "Dekning (% med kjent status)": "Coverage (% with known status)",
    "Oppfølgingsdekning over tid": "Follow-up coverage over time",
    "Andel med kjent status per kvartal, ved programslutt, 6 og 12 måneder etter.": (
        "Share with known status per quarter, at programme end, 6 and 12 months after."
    ),
    "Utvikling over kvartalene": "Development over the quarters",
    "Andel i jobb og i relevant jobb per kvartal, ved programslutt, 6 og 12 måneder etter.": (
        "Share in work and in relevant work per quarter, at programme end, 6 and 12 months after."
    ),
}

# How sure the figures are (issue 14; report/certainty.py, templates/certainty.html.j2).
ENGLISH.update(
    {
        "Hvor sikre er tallene?": "How sure are the figures?",
        "(f) = foreløpige tall.": "(p) = preliminary figures.",
        "Tall merket «(f) foreløpig» i kolonnen «Foreløpig/endelig» kan fortsatt endres av sene "
        "rapporter: observasjonsvinduet er ikke lukket for alle deltakerne ennå. «Endelig» betyr "
        "at vinduet er lukket for alle, så bare rettelser kan endre tallet. Se «Foreløpige og "
        "endelige tall» under definisjonene.": "Figures marked “(p) preliminary” in the column "
        "“Preliminary/final” can still change with late reports: the observation window has not "
        "closed for every participant yet. “Final” means it has closed for all, so only "
        "corrections can change the figure. See “Preliminary and final figures” under the "
        "definitions.",
        "Revisjoner: foreløpige tall som nå er endelige": "Revisions: preliminary figures that "
        "are now final",
        "Tall som ble publisert som foreløpige i et tidligere kvartal og er endelige i dette: "
        "første publiserte verdi, endelig verdi og endringen i prosentpoeng (endelig minus først "
        "publisert).": "Figures published as preliminary in an earlier quarter and final in this "
        "one: first published value, final value and the change in percentage points (final "
        "minus first published).",
        "Dokumentasjon av «i jobb»": "Evidence for “in work”",
        "Per program og oppfølgingstidspunkt: hvor mange av dem i jobb statusen er dokumentert "
        "for (arbeidskontrakt, lønnsslipp, bekreftelse o.l.), og andelen. Uten oppgitt "
        "dokumentasjon regnes som ikke dokumentert.": "Per programme and horizon: for how many "
        "of those in work the status is backed by evidence (employment contract, payslip, "
        "confirmation and the like), and the share. No evidence given counts as not documented.",
        "Programmenes status mot registeropplysninger": "The programmes' statuses against "
        "register data",
        "Per program og oppfølgingstidspunkt: hvor ofte programmets status (i jobb eller ikke) "
        "stemmer med registerutdraget for samme måned.": "Per programme and horizon: how often "
        "the programme's status (in work or not) agrees with the register extract for the same "
        "month.",
        "Revisjoner": "Revisions",
        "Dokumentasjon": "Evidence",
        "Registersammenligning": "Register comparison",
        "Foreløpige og endelige tall": "Preliminary and final figures",
        "(f) = foreløpige tall. Et tall for et kull og et oppfølgingstidspunkt er endelig når "
        "observasjonsvinduet (forfallsdato pluss vinduet etter forfall i kontrakten for "
        "deltakeroppfølging) er lukket for alle deltakerne i kullet. Før det kan sene rapporter "
        "fortsatt endre tallet. Summer for tilskuddsår, program og alle programmer er foreløpige "
        "så lenge ett av tallene i dem er det. «Endelig fra» er datoen tallet blir endelig.": "(p) "
        "= preliminary figures. A figure for a cohort and horizon is final when the observation "
        "window (due date plus the window after it in the follow-up contract) has closed for "
        "every participant of the cohort. Until then late reports can still change it. Totals "
        "for grant years, programmes and all programmes are preliminary while any of their "
        "figures is. “Final from” is the date the figure becomes final.",
        "I dette kvartalet er {preliminary} av {total} tall foreløpige.": "This quarter, "
        "{preliminary} of {total} figures are preliminary.",
        "Tabellen over revisjoner viser tall som ble publisert som foreløpige i et tidligere "
        "kvartal og er endelige nå: første publiserte verdi, endelig verdi og endringen i "
        "prosentpoeng (endelig minus først publisert).": "The revisions table lists figures "
        "published as preliminary in an earlier quarter that are final now: first published "
        "value, final value and the change in percentage points (final minus first published).",
        "Sammenligning med registerdata": "Comparison with register data",
        "Der IMDi har et registerutdrag om arbeid (a-ordningen) for deltakerne, settes "
        "programmets status ved hvert oppfølgingstidspunkt ved siden av registerets for måneden "
        "oppfølgingen forfalt. Samsvar: begge sier i jobb, eller begge sier ikke i jobb. Andel "
        "samsvar er av dem der begge har en opplysning. Selvstendig næringsdrivende "
        "sammenlignes ikke (registeret gjelder arbeidstakere). Bare deltakere som finnes i "
        "utdraget er med.": "Where IMDi has a register extract on employment (a-ordningen) for "
        "the participants, the programme's status at each horizon is set beside the register's "
        "for the month the follow-up was due. Agreement: both say in work, or both say not in "
        "work. The agreement rate is of those where both sides say something. Self-employed "
        "statuses are not compared (the register covers employees). Only participants in the "
        "extract are included.",
        "Programmene kan oppgi hvem statusen kommer fra (programmet, deltakeren, arbeidsgiver "
        "eller register) og hva den er dokumentert med (for eksempel arbeidskontrakt eller "
        "lønnsslipp). Filer uten disse kolonnene regnes som opplyst av programmet, uten oppgitt "
        "dokumentasjon. Andelen dokumentert er andelen av dem i jobb der dokumentasjon er oppgitt "
        "(ikke «ingen dokumentasjon»).": "Programmes may state who gave the status (the "
        "programme, the participant, the employer or a register) and what backs it (e.g. an "
        "employment contract or a payslip). Files without these columns count as stated by the "
        "programme, without evidence. The documented share is the share of those in work with "
        "evidence given (other than “no evidence”).",
        "(f) foreløpig": "(p) preliminary",
        "endelig": "final",
        "Endring i jobb (prosentpoeng)": "Change in work (points)",
        "Endelig minus først publisert.": "Final minus first published.",
        "Endring relevant jobb (prosentpoeng)": "Change relevant work (points)",
        "Foreløpig/endelig": "Preliminary/final",
        "(f) foreløpig: observasjonsvinduet er ikke lukket for alle deltakerne ennå; endelig: "
        "det er lukket for alle.": "(p) preliminary: the observation window has not closed for "
        "every participant yet; final: it has closed for all.",
        "Endelig fra": "Final from",
        "Datoen tallet blir (ble) endelig.": "The date the figure becomes (became) final.",
        "Deltakere, endelig": "Participants, final",
        "% i jobb, endelig": "% in work, final",
        "% i relevant jobb, endelig": "% in relevant work, final",
        "Deltakere, først publisert": "Participants, first published",
        "Nevneren da tallet først ble publisert.": "The denominator when first published.",
        "% i jobb, først publisert": "% in work, first published",
        "% i relevant jobb, først publisert": "% in relevant work, first published",
        "Først publisert": "First published",
        "Kvartalet tallet først kom.": "The quarter the figure first appeared.",
        "Samsvar": "Agree",
        "Begge i jobb, eller begge ikke i jobb.": "Both in work, or both not in work.",
        "Sammenlignet": "Compared",
        "Statuser der både programmet og registeret har en opplysning.": "Statuses where both "
        "the programme and the register say something.",
        "Ikke samsvar": "Disagree",
        "Programmet og registeret er uenige.": "The programme and the register disagree.",
        "I jobb, dokumentert": "In work, documented",
        "I jobb med oppgitt dokumentasjon (ikke «ingen»).": "In work with evidence given (not "
        "“none”).",
        "I jobb, ikke dokumentert": "In work, not documented",
        "I jobb uten dokumentasjon: «ingen dokumentasjon» eller ikke oppgitt.": "In work without "
        "evidence: “no evidence” or not given.",
        "Bare programmet": "Programme only",
        "Programmet har status, registeret ingen opplysning.": "The programme has a status, the "
        "register nothing.",
        "Bare registeret": "Register only",
        "Registeret har opplysning, programmet ingen kjent status.": "The register has data, the "
        "programme no known status.",
        "% samsvar": "% agree",
        "Samsvar i % av sammenlignet.": "Agreeing as % of compared.",
        "% av i jobb dokumentert": "% of in work documented",
        "Dokumentert i % av dem i jobb.": "Documented as % of those in work.",
    }
)

STATUS_GROUPS_EN = {
    "employed": "Employed, self-employed",
    "internship_education": "Internship, education",
    "unemployed": "Unemployed",
    "other": "Parental leave, moved abroad, other",
    "unknown": "Unknown or not reported",
    "not_due": "Not due yet",
}


def _english_columns() -> dict[str, ColumnInfo]:
    columns: dict[str, ColumnInfo] = {}
    for i in indicators():
        columns[f"n_{i.code}"] = ColumnInfo(f"Number {i.short_en}", "count", f"{i.label_en}.")
        columns[f"pct_{i.code}_of_all"] = ColumnInfo(
            f"% {i.short_en} of all", "pct", f"{i.label_en}: share of all in follow-up."
        )
        columns[f"pct_{i.code}_of_known"] = ColumnInfo(
            f"% {i.short_en} of known status", "pct", f"{i.label_en}: share of known status."
        )
    plain = {
        "level": "Level",
        "programme_id": "Programme ID",
        "programme_name": "Programme",
        "grant_year": "Grant year",
        "cohort": "Cohort",
        "horizon_months": "Follow-up (months)",
        "horizon": "Follow-up",
        "participants": "Participants in follow-up",
        "reported": "Reported",
        "pct_reported_of_all": "% reported",
        "known_status": "Known status",
        "coverage_pct": "Coverage %",
        "overdue": "Overdue, not reported",
        "pct_overdue_of_all": "% overdue",
        "target_employed_pct": "Target % in work",
        "employed_target": "Target in work",
        "target_relevant_pct": "Target % in relevant work",
        "relevant_target": "Target relevant work",
        "as_of_date": "As of",
        "quarter": "Quarter",
        "indicator": "Code",
        "label": "Indicator",
        "category": "Code",
        "category_label": "Status",
        "from_horizon": "From (months)",
        "to_horizon": "To (months)",
        "from_category": "From code",
        "from_label": "From status",
        "to_total": "Total",
        "period_end": "Period to",
        "pairs_planned": "Pairs planned",
        "pairs_recruited": "Pairs recruited (said)",
        "shown_participants": "Participants (shown)",
        "recruited_difference": "Difference recruited",
        "participants_completed": "Completed (said)",
        "shown_completed": "Completed (shown)",
        "completed_difference": "Difference completed",
        "reported_employed": "In work (said)",
        "shown_employed_0": "In work at end (shown)",
        "employed_difference": "Difference in work",
        "reported_relevant": "In relevant work (said)",
        "shown_relevant_0": "In relevant work at end (shown)",
        "relevant_difference": "Difference relevant",
        "reported_attainment": "Attainment (the programme's own words, Norwegian)",
        "median_days_overdue": "Median days overdue",
        "check_name": "Check",
        "asset": "Dataset",
        "severity": "Severity",
        "passed": "Passed",
        "description_nb": "Description (Norwegian)",
        "details": "Details",
        "overdue_total": "Overdue in total",
    }
    for code, label in plain.items():
        columns[code] = ColumnInfo(label, COLUMNS[code].kind)
    for h in HORIZONS:
        columns[f"n_{h}"] = ColumnInfo(f"Number, {h} months", "count")
        columns[f"pct_of_all_{h}"] = ColumnInfo(f"% of all, {h} months", "pct")
        columns[f"pct_of_known_{h}"] = ColumnInfo(f"% of known status, {h} months", "pct")
        columns[f"pct_{h}"] = ColumnInfo(f"% of all, {h} months", "pct")
        when = f"{h} months after" if h else "at programme end"
        columns[f"overdue_{h}"] = ColumnInfo(f"Overdue {when}", "count")
    for group in STATUS_GROUPS:
        columns[f"to_{group}"] = ColumnInfo(f"To: {group}", "count")
    return columns


@cache
def english() -> dict[str, str]:
    """Norwegian text -> English: the fixed texts above, the indicators' and status groups'
    labels."""
    catalog = dict(ENGLISH)
    for i in indicators():
        catalog[i.label_nb] = i.label_en
        catalog[i.short_nb] = i.short_en
        catalog[capitalised(i.short_nb)] = capitalised(i.short_en)
    for group, label in status_group_labels().items():
        catalog[label] = STATUS_GROUPS_EN[group]
    return catalog


def tr(text: str, lang: str = "nb") -> str:
    """``text`` (Norwegian) in ``lang``; a text without an English twin stays as it is."""
    if lang == "nb":
        return text
    return english().get(text, text)


@cache
def english_columns() -> dict[str, ColumnInfo]:
    return _english_columns()


def column_label(code: str, lang: str = "nb") -> ColumnInfo:
    """A column's header, kind and explanation in ``lang``."""
    info = column_info(code)
    if lang == "nb":
        return info
    english_info = english_columns().get(code)
    if english_info is None:
        return ColumnInfo(tr(info.label, lang), info.kind, tr(info.description, lang))
    return english_info


def format_number(value: object, kind: str, lang: str = "nb") -> str:
    """``format_value`` in ``lang``: English has a decimal point and thousands commas."""
    text = format_value(value, kind)
    if lang == "nb" or isinstance(value, str):
        return tr(text, lang) if isinstance(value, str) else text
    if isinstance(value, bool):
        return "yes" if value else "no"
    return text.replace(",", ".").replace("\u00a0", ",")


MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def format_date(day: date, lang: str = "nb") -> str:
    if lang == "nb":
        return norwegian_date(day)
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
