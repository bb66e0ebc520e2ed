"""The quarterly attainment report: one self-contained HTML file and one Excel workbook.

:func:`build_quarterly_report` reads the marts (already rebuilt "as of" the quarter end by the
caller), protects small numbers (:mod:`pipelines.report.suppression`), and writes the same
published tables to HTML (inline CSS and SVG charts, nothing fetched, prints one section per
page) and to Excel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pipelines.report.certainty import CERTAINTY_TABLES, add_certainty
from pipelines.report.charts import all_charts
from pipelines.report.excel import SHEET_TITLES, write_workbook
from pipelines.report.labels import (
    HORIZONS,
    LEVEL_LABELS,
    WRAP_COLUMNS,
    column_info,
    format_value,
    horizon_title,
    is_suppressed,
    norwegian_date,
)
from pipelines.report.marts import read_marts
from pipelines.report.suppression import SUPPRESSED
from pipelines.report.tables import build_tables, programme_names


@dataclass(frozen=True)
class ReportFiles:
    """What one report run wrote. ``tables`` are the published (protected) tables exactly as
    written to the HTML and the workbook; ``suppressed_cells`` counts the cells shown as
    hidden ("–") across them."""

    html: Path
    xlsx: Path
    tables: dict[str, pd.DataFrame]
    suppressed_cells: int


def build_quarterly_report(
    con: duckdb.DuckDBPyConnection,
    as_of_date: date,
    quarter_label: str,
    out_dir: Path,
    threshold: int = 5,
    full_time_threshold: float = 100,
    quality: list[dict] | None = None,
) -> ReportFiles:
    """Build the report for the quarter ending ``as_of_date`` into ``out_dir``.

    ``con`` is a read-only connection to a warehouse whose marts describe ``as_of_date``;
    ``full_time_threshold`` is the one the marts were built with (stated in the notes);
    ``quality`` are the data-quality results shown in their own section (None: not available).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    marts = read_marts(con, as_of_date)
    built = build_tables(marts, as_of_date, threshold, quality)
    tables = built.tables
    notes = report_notes(as_of_date, quarter_label, threshold, full_time_threshold)
    # How sure each figure is (issue 14): pipelines/report/certainty.py.
    notes = notes + add_certainty(
        con,
        tables,
        marts.attainment_by_quarter,
        as_of_date,
        built.current.attainment,
        programme_names(marts.programmes),
        threshold,
    )

    # out_dir is the quarter's own folder (reports/<label>/), so the names stay plain.
    html_path = out_dir / "kvartalsrapport.html"
    xlsx_path = out_dir / "kvartalsrapport.xlsx"
    html = render_html(
        tables,
        as_of_date=as_of_date,
        quarter_label=quarter_label,
        threshold=threshold,
        full_time_threshold=full_time_threshold,
        participants_total=built.participants_total,
        quality_given=quality is not None,
        notes=notes,
        workbook_name=xlsx_path.name,
    )
    html_path.write_text(html, encoding="utf-8")
    about = [
        ("Rapport", f"Måloppnåelse i IMDis mentor- og traineeprogrammer, {quarter_label}"),
        ("Tall per", norwegian_date(as_of_date)),
        ("Skjermingsgrense", f"{threshold}"),
        ("Heltid fra stillingsprosent", f"{full_time_threshold:g} %"),
        ("Skjermede celler", SUPPRESSED),
        *((heading, " ".join(paragraphs)) for heading, paragraphs in notes),
    ]
    write_workbook(xlsx_path, tables, about)
    return ReportFiles(
        html=html_path,
        xlsx=xlsx_path,
        tables=tables,
        suppressed_cells=count_suppressed(tables),
    )


def count_suppressed(tables: dict[str, pd.DataFrame]) -> int:
    return int(
        sum(frame.map(is_suppressed).to_numpy().sum() for frame in tables.values() if len(frame))
    )


def report_notes(
    as_of_date: date, quarter_label: str, threshold: int, full_time_threshold: float
) -> list[tuple[str, list[str]]]:
    """The definitions and data notes, in Norwegian, for the HTML and the workbook."""
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


# --- HTML ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlCell:
    text: str
    css: str = ""
    title: str = ""


@dataclass(frozen=True)
class HtmlTable:
    headers: list[tuple[str, str]]  # (Norwegian label, code)
    rows: list[tuple[str, list[HtmlCell]]]  # (row class, cells)
    caption: str = ""


def _cell(value: object, kind: str, wrap: bool = False) -> HtmlCell:
    if is_suppressed(value):
        return HtmlCell(SUPPRESSED, "num supp", "Skjermet")
    css = "num" if kind in ("count", "int", "pct", "number") else ("" if wrap else "nw")
    return HtmlCell(format_value(value, kind), css)


def html_table(
    frame: pd.DataFrame,
    columns: list[str] | None = None,
    row_class: str | None = None,
    caption: str = "",
) -> HtmlTable:
    columns = columns or list(frame.columns)
    infos = [column_info(c) for c in columns]
    rows = []
    for _, record in frame.iterrows():
        css = ""
        if row_class is not None:
            css = "lvl-" + {v: k for k, v in LEVEL_LABELS.items()}.get(record[row_class], "x")
        rows.append(
            (
                css,
                [
                    _cell(record[c], info.kind, c in WRAP_COLUMNS)
                    for c, info in zip(columns, infos, strict=True)
                ],
            )
        )
    return HtmlTable(
        [(info.label, code) for code, info in zip(columns, infos, strict=True)], rows, caption
    )


def _headline_rows(headline: pd.DataFrame) -> list[tuple[str, str, list[HtmlCell]]]:
    rows = []
    for _, record in headline.iterrows():
        cells = []
        for h in HORIZONS:
            cells.append(_cell(record[f"n_{h}"], "count"))
            cells.append(_cell(record[f"pct_of_all_{h}"], "pct"))
            cells.append(_cell(record[f"pct_of_known_{h}"], "pct"))
        rows.append((record["label"], record["indicator"], cells))
    return rows


def _percent(value: object) -> str:
    text = _cell(value, "pct").text
    if not text:
        return "ingen data"
    return text if text == SUPPRESSED else f"{text} %"


def _kpis(tables: dict[str, pd.DataFrame], participants_total: object) -> list[dict]:
    headline = tables["headline"].set_index("indicator")
    kpis = [
        {
            "label": "Deltakere i alt (ikke trukket)",
            "value": _cell(participants_total, "count").text,
            "note": "alle deltakere i dataene",
        }
    ]
    for h in HORIZONS:
        participants = headline.loc["participants", f"n_{h}"]
        kpis.append(
            {
                "label": f"Dekning {horizon_title(h).lower()}",
                "value": _percent(headline.loc["known_status", f"pct_of_all_{h}"]),
                "note": f"kjent status av {_cell(participants, 'count').text} i oppfølging",
            }
        )
    for code, label in (
        ("employed", "I jobb"),
        ("relevant_work", "I relevant jobb"),
        ("right_shelf", "«På rett hylle»"),
    ):
        kpis.append(
            {
                "label": f"{label} etter 12 måneder",
                "value": _percent(headline.loc[code, "pct_of_all_12"]),
                "note": "av alle i oppfølging; "
                + _percent(headline.loc[code, "pct_of_known_12"])
                + " av dem med kjent status",
            }
        )
    return kpis


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
    quality_given: bool,
    notes: list[tuple[str, list[str]]],
    workbook_name: str,
) -> str:
    charts = {chart.name: chart for chart in all_charts(tables)}
    quality = tables["quality"]
    failed = quality[quality["result"] != "bestått"]
    context = {
        "title": f"Måloppnåelse i mentor- og traineeprogrammene – {quarter_label}",
        "quarter_label": quarter_label,
        "as_of": norwegian_date(as_of_date),
        "threshold": threshold,
        "full_time_threshold": f"{full_time_threshold:g}",
        "suppressed": SUPPRESSED,
        "workbook_name": workbook_name,
        "sheet_titles": SHEET_TITLES,
        "kpis": _kpis(tables, participants_total),
        "horizons": [(h, horizon_title(h)) for h in HORIZONS],
        "headline_rows": _headline_rows(tables["headline"]),
        "programmes": html_table(tables["programmes"], row_class="level"),
        "targets": html_table(tables["targets"], row_class="level"),
        "status_distribution": html_table(tables["status_distribution"]),
        "transitions": [
            html_table(
                part.drop(columns=["from_horizon", "to_horizon"]),
                caption=f"Fra {horizon_title(a).lower()} til {horizon_title(b).lower()}",
            )
            for (a, b), part in tables["transitions"].groupby(
                ["from_horizon", "to_horizon"], sort=True
            )
        ],
        "trend": html_table(tables["trend"]),
        "said_vs_shown": html_table(tables["said_vs_shown"]),
        "overdue": html_table(tables["overdue"]),
        "quality_given": quality_given,
        "quality": html_table(quality),
        "quality_summary": {
            "total": len(quality),
            "passed": int((quality["result"] == "bestått").sum()),
            "errors": int((failed["severity"].str.upper() == "ERROR").sum()),
            "warnings": int((failed["severity"].str.upper() == "WARN").sum()),
        },
        "charts": {name: Markup(chart.svg) for name, chart in charts.items()},
        "chart_info": charts,
        "notes": notes,
        "certainty": {
            name: html_table(tables[name]) for name in CERTAINTY_TABLES if name in tables
        },
    }
    return _environment().get_template("report.html.j2").render(**context)
