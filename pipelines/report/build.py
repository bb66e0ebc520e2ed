"""The quarterly attainment report: one self-contained HTML file and one Excel workbook.

:func:`build_quarterly_report` reads the marts (already rebuilt "as of" the quarter end by the
caller), protects small numbers (:mod:`pipelines.report.suppression`), and writes the same
published tables to HTML (inline CSS and SVG charts, nothing fetched, prints one section per
page) and to Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pipelines.report.certainty import CERTAINTY_TABLES, add_certainty, notes_in
from pipelines.report.charts import SPARK_COLOURS, all_charts, sparkline
from pipelines.report.excel import SHEET_TITLES, write_workbook
from pipelines.report.labels import (
    HORIZONS,
    LANGUAGES,
    LEVEL_LABELS,
    TARGET_LABELS,
    WRAP_COLUMNS,
    column_label,
    format_date,
    format_number,
    horizon_label,
    horizon_title,
    is_missing,
    is_suppressed,
    norwegian_date,
    tr,
)
from pipelines.report.marts import read_marts
from pipelines.report.overview import OVERVIEW_FIGURES, TARGETS, sparkline_points
from pipelines.report.suppression import SUPPRESSED
from pipelines.report.tables import build_tables, programme_names

REPORT_NAMES = {"nb": "kvartalsrapport", "en": "quarterly-report"}
"""The report's file name (without suffix) per language, in the quarter's folder."""


@dataclass(frozen=True)
class ReportFiles:
    """What one report run wrote. ``tables`` are the published (protected) tables exactly as
    written to the HTML and the workbook; ``suppressed_cells`` counts the cells shown as
    hidden ("–") across them. ``html`` and ``xlsx`` are the first language's files; ``files``
    has every language's (HTML, workbook)."""

    html: Path
    xlsx: Path
    tables: dict[str, pd.DataFrame]
    suppressed_cells: int
    files: dict[str, tuple[Path, Path]] = field(default_factory=dict)


def build_quarterly_report(
    con: duckdb.DuckDBPyConnection,
    as_of_date: date,
    quarter_label: str,
    out_dir: Path,
    threshold: int = 5,
    full_time_threshold: float = 100,
    quality: list[dict] | None = None,
    languages: Sequence[str] = ("nb",),
) -> ReportFiles:
    """Build the report for the quarter ending ``as_of_date`` into ``out_dir``.

    ``con`` is a read-only connection to a warehouse whose marts describe ``as_of_date``;
    ``full_time_threshold`` is the one the marts were built with (stated in the notes);
    ``quality`` are the data-quality results shown in their own section (None: not available).
    The tables are protected once and rendered in each of ``languages`` ("nb", "en"): the same
    numbers, labels in that language.
    """
    unknown = set(languages) - set(LANGUAGES)
    if unknown or not languages:
        raise ValueError(f"languages must be some of {LANGUAGES}, not {list(languages)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    marts = read_marts(con, as_of_date)
    built = build_tables(marts, as_of_date, threshold, quality)
    tables = built.tables
    # How sure each figure is (issue 14): pipelines/report/certainty.py.
    certainty_notes = add_certainty(
        con,
        tables,
        marts.attainment_by_quarter,
        as_of_date,
        built.current.attainment,
        programme_names(marts.programmes),
        threshold,
    )
    files: dict[str, tuple[Path, Path]] = {}
    for lang in languages:
        notes = report_notes(as_of_date, quarter_label, threshold, full_time_threshold, lang)
        notes = notes + notes_in(certainty_notes, lang)
        # out_dir is the quarter's own folder (reports/<label>/), so the names stay plain.
        html_path = out_dir / f"{REPORT_NAMES[lang]}.html"
        xlsx_path = out_dir / f"{REPORT_NAMES[lang]}.xlsx"
        html = render_html(
            tables,
            as_of_date=as_of_date,
            quarter_label=quarter_label,
            threshold=threshold,
            full_time_threshold=full_time_threshold,
            participants_total=built.participants_total,
            overview=built.overview,
            quality_given=quality is not None,
            notes=notes,
            workbook_name=xlsx_path.name,
            lang=lang,
        )
        html_path.write_text(html, encoding="utf-8")
        if lang == "nb":
            about = [
                ("Rapport", f"Måloppnåelse i IMDis mentor- og traineeprogrammer, {quarter_label}"),
                ("Tall per", norwegian_date(as_of_date)),
                ("Skjermingsgrense", f"{threshold}"),
                ("Heltid fra stillingsprosent", f"{full_time_threshold:g} %"),
                ("Skjermede celler", SUPPRESSED),
            ]
        else:
            about = [
                ("Report", f"Attainment in IMDi's mentor and trainee programmes, {quarter_label}"),
                ("Figures as of", format_date(as_of_date, lang)),
                ("Suppression threshold", f"{threshold}"),
                ("Full-time from position %", f"{full_time_threshold:g} %"),
                ("Suppressed cells", SUPPRESSED),
            ]
        about += [(heading, " ".join(paragraphs)) for heading, paragraphs in notes]
        write_workbook(xlsx_path, tables, about, lang=lang)
        files[lang] = (html_path, xlsx_path)
    html_path, xlsx_path = files[languages[0]]
    return ReportFiles(
        html=html_path,
        xlsx=xlsx_path,
        tables=tables,
        suppressed_cells=count_suppressed(tables),
        files=files,
    )


def count_suppressed(tables: dict[str, pd.DataFrame]) -> int:
    return int(
        sum(frame.map(is_suppressed).to_numpy().sum() for frame in tables.values() if len(frame))
    )


def report_notes(
    as_of_date: date,
    quarter_label: str,
    threshold: int,
    full_time_threshold: float,
    lang: str = "nb",
) -> list[tuple[str, list[str]]]:
    """The definitions and data notes, for the HTML and the workbook."""
    if lang == "en":
        return english_notes(as_of_date, quarter_label, threshold, full_time_threshold)
    day = norwegian_date(as_of_date)
    ft = f"{full_time_threshold:g}"
    return [
        (
            "Tidspunkt og versjoner",
            [
                f"Tallene gjelder per {day} (slutten av {quarter_label}). Bare rapporter som var "
                "mottatt innen utgangen av denne dagen er med, og forfall vurderes mot denne datoen.",
                "Siste rapporterte versjon gjelder: rapporteres samme deltaker og "
                "oppfølgingstidspunkt flere ganger, teller den sist mottatte versjonen. Tidligere "
                "versjoner tas vare på, så rapporten kan lages på nytt med nøyaktig de samme tallene. "
                "Rettelser som kommer senere, endrer ikke et tidligere kvartal.",
            ],
        ),
        (
            "Hvem som telles (nevnerne)",
            [
                "Oppfølging skjer ved programslutt (0 måneder) og 6 og 12 måneder etter. En deltaker "
                "er med i et oppfølgingstidspunkt når oppfølgingen er forfalt (tidspunktet er "
                "passert), eller når den likevel er rapportert. Deltakere som er trukket, telles "
                "ikke.",
                "«% av alle» er andelen av alle deltakere i oppfølging på tidspunktet. Forfalte "
                "oppfølginger som ikke er rapportert, er med i nevneren og telles som ukjent – "
                "aldri som null.",
                "«% av kjent status» er andelen av dem som har rapportert en annen status enn "
                "«ukjent». Dekning er kjent status i prosent av alle.",
            ],
        ),
        (
            "Indikatorene",
            [
                "I jobb: lønnet arbeid eller selvstendig næringsdrivende.",
                "I relevant jobb: i jobb, og jobben er rapportert som relevant for deltakerens "
                "kompetanse og utdanning («delvis relevant» regnes ikke som relevant).",
                f"Heltid: i jobb med stillingsprosent på minst {ft} %. Deltid: i jobb med lavere "
                "stillingsprosent. Uten oppgitt stillingsprosent er jobben verken heltid eller deltid.",
                "Fast og midlertidig: ansettelsesform for ansatte (ikke selvstendige).",
                f"«På rett hylle»: ansatt i en relevant, fast jobb med minst {ft} % stilling.",
                "Nærmere relevant jobb: relevant praksis eller utdanning.",
                "Ukjent: rapportert som ukjent, eller ikke rapportert.",
            ],
        ),
        (
            "Mål",
            [
                "Målene er programmenes egne, fra programregisteret for tilskuddsåret: andel i jobb "
                "ved programslutt, 6 og 12 måneder etter, og andel i relevant jobb etter 12 "
                "måneder. Målet er nådd når «% av alle», avrundet til én desimal, er minst like "
                "høyt som målet. Mål vises per tilskuddsår og kull; summer for hele programmer og "
                "alle programmer har ikke mål.",
            ],
        ),
        (
            "Skjerming av små tall",
            [
                f"Tall om personer under {threshold} vises ikke (primærskjerming). Null vises: at "
                "ingen har en status, sier ikke noe om enkeltpersoner.",
                "Andeler, differanser og mål-vurderinger som er regnet ut fra et skjermet tall, "
                "skjermes også.",
                "Der tall summerer seg til en publisert sum – rapportert + forfalt = deltakere, "
                "kjent + ukjent status = deltakere, kull til tilskuddsår til program til alle "
                "programmer, statusgruppene i overgangstabellene – skjermes også den minste andre "
                "cellen (ikke null) i summen når bare én celle er skjermet, slik at ingen skjermet "
                "celle kan regnes ut ved subtraksjon. Dette gjentas til ingen sum har bare én "
                "skjermet celle (sekundærskjerming).",
                "Tall som kan regnes ut som differanse mellom to publiserte tall – for eksempel "
                "deltakere som ikke er i jobb (deltakere minus i jobb), eller i jobb, men ikke i "
                f"relevant jobb – skal heller ikke være mellom 1 og {threshold - 1}; da skjermes "
                "det minste av tallene.",
                "Til slutt kontrolleres hele tabellsettet som et likningssystem (lineær "
                "programmering): ingen skjermet celle under grensen kan regnes ut nøyaktig, verken "
                "ved å kombinere summene eller ved at et tall aldri er negativt og aldri større enn "
                "det det er en del av (i relevant jobb er aldri flere enn i jobb). Det samme tallet "
                "skjermes overalt det står, også i figurene.",
                f"«{SUPPRESSED}» betyr skjermet (både små tall og tall skjermet for å beskytte dem). "
                "Tom celle betyr ikke aktuelt, for eksempel andel av kjent status når ingen har "
                "kjent status.",
                "Programmenes egne tall i statusrapportene skjermes etter de samme reglene (unntatt "
                "planlagte par, som er et plantall); små tall i fritekst erstattes med "
                f"«{SUPPRESSED}».",
                "I utviklingen over tid er hvert tidligere kvartal skjermet for seg, med de samme "
                "reglene for hver rad. Endringer fra kvartal til kvartal kan likevel gi et grovt "
                "bilde av små grupper; vurder dette før tallene deles videre.",
            ],
        ),
        (
            "Statusoverganger",
            [
                "Overgangene viser hvordan alle deltakere (ikke trukket) fordeler seg på "
                "statusgrupper ved programslutt, 6 og 12 måneder etter. «Ikke forfalt ennå» er "
                "deltakere der tidspunktet ikke er passert og ingenting er rapportert; forfalt uten "
                "rapport er «ukjent».",
            ],
        ),
        (
            "Sagt og vist",
            [
                "Programmenes statusrapporter står ved siden av det deltakerdataene viser for samme "
                "program og tilskuddsår: rekrutterte og fullførte deltakere, og i jobb og i relevant "
                "jobb ved programslutt. Differansen er sagt minus vist; positive tall betyr at "
                "programmet oppga mer enn dataene viser.",
            ],
        ),
        (
            "Forfalte oppfølginger",
            [
                "Antall oppfølginger som er forfalt uten at noe er rapportert, per program og "
                "oppfølgingstidspunkt. Rapporten viser aldri deltakerreferanser; programmene ser "
                "sine egne forfalte oppfølginger i opplastingsløsningen.",
            ],
        ),
    ]


def english_notes(
    as_of_date: date, quarter_label: str, threshold: int, full_time_threshold: float
) -> list[tuple[str, list[str]]]:
    """The notes of :func:`report_notes` in English (the same rules, the same order)."""
    day = format_date(as_of_date, "en")
    ft = f"{full_time_threshold:g}"
    return [
        (
            "Time and versions",
            [
                f"The figures are as of {day} (the end of {quarter_label}). Only reports received "
                "by the end of that day are included, and due dates are judged against it.",
                "The latest reported version counts: when the same participant and follow-up are "
                "reported more than once, the version received last counts. Earlier versions are "
                "kept, so the report can be rebuilt with exactly the same figures. Corrections "
                "that arrive later do not change an earlier quarter.",
            ],
        ),
        (
            "Who is counted (the denominators)",
            [
                "Follow-ups are at programme end (0 months) and 6 and 12 months after. A "
                "participant is in a follow-up when it is due (the time has passed), or when it "
                "has been reported anyway. Participants who withdrew are not counted.",
                "“% of all” is the share of all participants in follow-up at that time. Overdue "
                "follow-ups that are not reported are in the denominator and count as unknown – "
                "never as zero.",
                "“% of known status” is the share of those who reported a status other than "
                "“unknown”. Coverage is known status as a percentage of all.",
            ],
        ),
        (
            "The indicators",
            [
                "In work: paid work or self-employed.",
                "In relevant work: in work, and the job is reported as relevant to the "
                "participant's qualifications and education (“partly relevant” does not count).",
                f"Full-time: in work with a position of at least {ft} %. Part-time: in work with a "
                "lower position. Without a stated position the job is neither.",
                "Permanent and temporary: form of employment for employees (not self-employed).",
                f"“Right shelf” (på rett hylle): employed in a relevant, permanent job of at least "
                f"{ft} %.",
                "Closer to relevant work: relevant internship or education.",
                "Unknown: reported as unknown, or not reported.",
            ],
        ),
        (
            "Targets",
            [
                "The targets are the programmes' own, from the programme register for the grant "
                "year: share in work at programme end, 6 and 12 months after, and share in "
                "relevant work after 12 months. A target is met when “% of all”, rounded to one "
                "decimal, is at least the target. Targets are shown per grant year and cohort; "
                "totals of whole programmes and of all programmes have no targets.",
            ],
        ),
        (
            "Suppression of small numbers",
            [
                f"Counts of people below {threshold} are not shown (primary suppression). Zero is "
                "shown: that nobody has a status says nothing about individuals.",
                "Shares, differences and target verdicts computed from a suppressed count are "
                "suppressed too.",
                "Where counts add up to a published total – reported + overdue = participants, "
                "known + unknown status = participants, cohorts to grant years to programmes to "
                "all programmes, the status groups of the transition tables – the smallest other "
                "(non-zero) cell of the sum is suppressed as well when only one cell is "
                "suppressed, so that no suppressed cell can be worked out by subtraction. This is "
                "repeated until no sum has a single suppressed cell (secondary suppression).",
                "Numbers that are the difference of two published numbers – for example "
                "participants not in work, or in work but not in relevant work – must not be "
                f"between 1 and {threshold - 1} either; then the smaller of the numbers is "
                "suppressed.",
                "Finally the whole set of tables is checked as a system of equations (linear "
                "programming): no suppressed cell below the threshold can be worked out exactly, "
                "neither by combining the sums nor from a count never being negative or larger "
                "than what it is part of. The same number is suppressed wherever it appears, "
                "charts included.",
                f"“{SUPPRESSED}” means suppressed (small numbers and numbers suppressed to protect "
                "them). An empty cell means not applicable, for example the share of known status "
                "when nobody has a known status.",
                "The programmes' own figures in the status reports are suppressed by the same "
                "rules (except pairs planned, a planning figure); small numbers in free text are "
                f"replaced by “{SUPPRESSED}”.",
                "In the development over time each earlier quarter is suppressed on its own, by "
                "the same rules for each row. Changes from quarter to quarter may still give a "
                "rough picture of small groups; consider this before sharing the figures further.",
            ],
        ),
        (
            "Status transitions",
            [
                "The transitions show how all participants (not withdrawn) are spread over status "
                "groups at programme end, 6 and 12 months after. “Not due yet” are participants "
                "whose follow-up time has not passed and nothing is reported; overdue without a "
                "report is “unknown”.",
            ],
        ),
        (
            "Said and shown",
            [
                "The programmes' status reports are set beside what the participant data show "
                "for the same programme and grant year: participants recruited and completed, and "
                "in work and in relevant work at programme end. The difference is said minus "
                "shown; positive numbers mean the programme stated more than the data show.",
            ],
        ),
        (
            "Overdue follow-ups",
            [
                "The number of follow-ups overdue without any report, per programme and "
                "follow-up. The report never shows participant references; programmes see their "
                "own overdue follow-ups in the upload portal.",
            ],
        ),
    ]


# --- HTML ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlCell:
    text: str
    css: str = ""
    title: str = ""


@dataclass(frozen=True)
class HtmlTable:
    headers: list[tuple[str, str]]  # (label in the report's language, code)
    rows: list[tuple[str, list[HtmlCell]]]  # (row class, cells)
    caption: str = ""


def _cell(value: object, kind: str, wrap: bool = False, lang: str = "nb") -> HtmlCell:
    if is_suppressed(value):
        return HtmlCell(SUPPRESSED, "num supp", tr("Skjermet", lang))
    css = "num" if kind in ("count", "int", "pct", "number") else ("" if wrap else "nw")
    return HtmlCell(format_number(value, kind, lang), css)


def html_table(
    frame: pd.DataFrame,
    columns: list[str] | None = None,
    row_class: str | None = None,
    caption: str = "",
    lang: str = "nb",
) -> HtmlTable:
    columns = columns or list(frame.columns)
    infos = [column_label(c, lang) for c in columns]
    rows = []
    for _, record in frame.iterrows():
        css = ""
        if row_class is not None:
            css = "lvl-" + {v: k for k, v in LEVEL_LABELS.items()}.get(record[row_class], "x")
        rows.append(
            (
                css,
                [
                    _cell(record[c], info.kind, c in WRAP_COLUMNS, lang)
                    for c, info in zip(columns, infos, strict=True)
                ],
            )
        )
    return HtmlTable(
        [(info.label, code) for code, info in zip(columns, infos, strict=True)], rows, caption
    )


def _headline_rows(
    headline: pd.DataFrame, lang: str = "nb"
) -> list[tuple[str, str, list[HtmlCell]]]:
    rows = []
    for _, record in headline.iterrows():
        cells = []
        for h in HORIZONS:
            cells.append(_cell(record[f"n_{h}"], "count", lang=lang))
            cells.append(_cell(record[f"pct_of_all_{h}"], "pct", lang=lang))
            cells.append(_cell(record[f"pct_of_known_{h}"], "pct", lang=lang))
        rows.append((tr(record["label"], lang), record["indicator"], cells))
    return rows


def _percent(value: object, lang: str = "nb") -> str:
    text = _cell(value, "pct", lang=lang).text
    if not text:
        return tr("ingen data", lang)
    return text if text == SUPPRESSED else f"{text} %"


def _kpis(
    tables: dict[str, pd.DataFrame], participants_total: object, lang: str = "nb"
) -> list[dict]:
    headline = tables["headline"].set_index("indicator")
    kpis = [
        {
            "label": tr("Deltakere i alt (ikke trukket)", lang),
            "value": _cell(participants_total, "count", lang=lang).text,
            "note": tr("alle deltakere i dataene", lang),
        }
    ]
    for h in HORIZONS:
        participants = headline.loc["participants", f"n_{h}"]
        kpis.append(
            {
                "label": f"{tr('Dekning', lang)} {tr(horizon_label(h), lang)}",
                "value": _percent(headline.loc["known_status", f"pct_of_all_{h}"], lang),
                "note": tr("kjent status av {n} i oppfølging", lang).format(
                    n=_cell(participants, "count", lang=lang).text
                ),
            }
        )
    for code, label in (
        ("employed", "I jobb"),
        ("relevant_work", "I relevant jobb"),
        ("right_shelf", "«På rett hylle»"),
    ):
        kpis.append(
            {
                "label": tr("{label} etter 12 måneder", lang).format(label=tr(label, lang)),
                "value": _percent(headline.loc[code, "pct_of_all_12"], lang),
                "note": tr("av alle i oppfølging; {share} av dem med kjent status", lang).format(
                    share=_percent(headline.loc[code, "pct_of_known_12"], lang)
                ),
            }
        )
    return kpis


OVERVIEW_HEADERS = {
    "participants": "Deltakere",
    "coverage_pct": "Dekning",
    "pct_employed_of_all": "I jobb",
    "pct_relevant_work_of_all": "Relevant jobb",
    "pct_right_shelf_of_all": "Rett hylle",
}
# Short column headers (the full ones are the headers' titles and in the lead).
OVERVIEW_SHORT = {
    "participants": "N",
    "coverage_pct": "Dekn.",
    "pct_employed_of_all": "Jobb",
    "pct_relevant_work_of_all": "Relev.",
    "pct_right_shelf_of_all": "Hylle",
}
SPARK_INDICATORS = ("employed", "relevant_work", "right_shelf")
TARGET_NAMES = {"employed_target": "i jobb", "relevant_target": "relevant jobb"}


def _target_summary(record: dict, lang: str = "nb") -> str:
    """The latest grant year's verdicts in words, grouped by verdict:
    ``2018 – ikke nådd: i jobb 6 mnd, relevant jobb 12 mnd; skjermet: i jobb 12 mnd``."""
    year = record["latest_grant_year"]
    if is_missing(year):
        return ""
    by_verdict: dict[str, list[str]] = {}
    for target, h in TARGETS:
        code = record[f"{target}_{h}"]
        if is_missing(code) or code == "no_target":
            continue
        by_verdict.setdefault(code, []).append(
            f"{tr(TARGET_NAMES[target], lang)} {h} {tr('mnd', lang)}"
        )
    if not by_verdict:
        return f"{int(year)}: {tr(TARGET_LABELS['no_target'], lang)}"
    verdict_names = {**TARGET_LABELS, SUPPRESSED: "skjermet"}
    parts = [
        f"{tr(verdict_names[code], lang)}: {', '.join(by_verdict[code])}"
        for code in ("met", "not_met", SUPPRESSED)
        if code in by_verdict
    ]
    return f"{int(year)} – " + "; ".join(parts)


def _years_with_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The targets table's grant-year rows that have a target (the HTML; cohorts: the workbook)."""
    none = TARGET_LABELS["no_target"]
    keep = (targets["level"] == LEVEL_LABELS["grant_year"]) & (
        (targets["employed_target"] != none) | (targets["relevant_target"] != none)
    )
    return targets[keep].reset_index(drop=True)


def overview_rows(overview: pd.DataFrame, lang: str = "nb") -> list[dict]:
    """The overview's rows for the template: name, years, the cells per horizon, a sparkline and
    the latest grant year's targets."""
    rows = []
    for record in overview.to_dict("records"):
        cells = []
        for h in HORIZONS:
            for figure in OVERVIEW_FIGURES:
                kind = "count" if figure == "participants" else "pct"
                cell = _cell(record[f"{figure}_{h}"], kind, lang=lang)
                first = " first-of-group" if figure == OVERVIEW_FIGURES[0] else ""
                cells.append(HtmlCell(cell.text, cell.css + first, cell.title))
        series = {code: sparkline_points(record, code) for code in SPARK_INDICATORS}
        label = f"{record['programme_name']}: " + "; ".join(
            f"{tr(OVERVIEW_HEADERS[f'pct_{code}_of_all'], lang)} "
            + " → ".join("–" if v is None else format_number(v, "pct", lang) for v in values)
            for code, values in series.items()
        )
        rows.append(
            {
                "name": record["programme_name"],
                "id": record["programme_id"],
                "years": record["grant_years"],
                "cells": cells,
                "spark": Markup(sparkline(series, label)),
                "targets": _target_summary(record, lang),
            }
        )
    return rows


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("pipelines.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(
    tables: dict[str, pd.DataFrame],
    *,
    as_of_date: date,
    quarter_label: str,
    threshold: int,
    full_time_threshold: float,
    participants_total: object,
    overview: pd.DataFrame,
    quality_given: bool,
    notes: list[tuple[str, list[str]]],
    workbook_name: str,
    lang: str = "nb",
) -> str:
    """The report's HTML in ``lang``: every text through ``tr`` (labels.py), numbers formatted
    for the language, the same cells."""

    def _(text: str) -> str:
        return tr(text, lang)

    charts = {chart.name: chart for chart in all_charts(tables, lang)}
    quality = tables["quality"]
    failed = quality[~quality["passed"].astype(bool)]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            _=_,
            lang=lang,
            title=_("Måloppnåelse i mentor- og traineeprogrammene – {quarter}").format(
                quarter=quarter_label
            ),
            quarter_label=quarter_label,
            as_of=format_date(as_of_date, lang),
            threshold=threshold,
            full_time_threshold=f"{full_time_threshold:g}",
            suppressed=SUPPRESSED,
            workbook_name=workbook_name,
            sheet_titles={name: _(title) for name, title in SHEET_TITLES.items()},
            kpis=_kpis(tables, participants_total, lang),
            horizons=[(h, _(horizon_title(h))) for h in HORIZONS],
            headline_rows=_headline_rows(tables["headline"], lang),
            overview=overview_rows(overview, lang),
            overview_figures=[
                (_(OVERVIEW_SHORT[f]), _(OVERVIEW_HEADERS[f])) for f in OVERVIEW_FIGURES
            ],
            spark_legend=[
                (SPARK_COLOURS[code], _(OVERVIEW_HEADERS[f"pct_{code}_of_all"]))
                for code in SPARK_INDICATORS
            ],
            targets=html_table(
                _years_with_targets(tables["targets"]), row_class="level", lang=lang
            ),
            status_distribution=html_table(tables["status_distribution"], lang=lang),
            transitions=[
                html_table(
                    part.drop(columns=["from_horizon", "to_horizon"]),
                    caption=_("Fra {a} til {b}").format(
                        a=_(horizon_label(a)), b=_(horizon_label(b))
                    ),
                    lang=lang,
                )
                for (a, b), part in tables["transitions"].groupby(
                    ["from_horizon", "to_horizon"], sort=True
                )
            ],
            trend=html_table(tables["trend"], lang=lang),
            said_vs_shown=html_table(tables["said_vs_shown"], lang=lang),
            overdue=html_table(tables["overdue"], lang=lang),
            quality_given=quality_given,
            quality=html_table(quality, lang=lang),
            quality_summary={
                "total": len(quality),
                "passed": int(quality["passed"].astype(bool).sum()),
                "errors": int((failed["severity"].str.upper() == "ERROR").sum()),
                "warnings": int((failed["severity"].str.upper() == "WARN").sum()),
            },
            charts={name: Markup(chart.svg) for name, chart in charts.items()},
            chart_info=charts,
            notes=notes,
            certainty={
                name: html_table(tables[name], lang=lang)
                for name in CERTAINTY_TABLES
                if name in tables
            },
        )
    )
