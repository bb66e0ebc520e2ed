"""How sure each published figure is (issue 14): preliminary or final, how figures moved from
their first publication to their final value, how much of "in work" is backed by evidence, and
how often the programmes' statuses agree with a register extract (fct_register_comparison).

A figure (programme x grant year x cohort x horizon) is *final* once the observation window of
every participant in it has closed (``fct_attainment.figure_status``/``final_from``, see the
attainment macro). Totals over several figures are preliminary while any of them is. The
tables here are built beside the main report tables (:mod:`pipelines.report.tables`) and take
their counts from the quarter's protected attainment table wherever the same number is shown
there, so a cell hidden there is hidden here too; numbers new to this module are protected with
the same rules (:func:`pipelines.report.suppression.protect_cells`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from pipelines.quarters import quarter_label
from pipelines.report.labels import LEVEL_LABELS, is_missing, share, tr
from pipelines.report.marts import MartError, _columns_of, _read
from pipelines.report.suppression import (
    SUPPRESSED,
    Relation,
    SuppressedTable,
    protect_cells,
    suppress_tables,
)
from pipelines.report.tables import ATTAINMENT_SPEC, ROW_KEYS, attainment_frame

CERTAINTY_TABLES = ("revisions", "evidence", "register_agreement")
"""This module's tables, in the order the report shows them."""

PRELIMINARY_MARK = "(f)"
"""The mark on a preliminary figure, as SSB marks "foreløpige tall"."""

FIGURE_STATUS_LABELS = {
    "preliminary": f"{PRELIMINARY_MARK} foreløpig",
    "final": "endelig",
}

FIGURE_KEYS = ("programme_id", "grant_year", "cohort", "horizon_months")

FIGURE_COLUMNS = (
    *FIGURE_KEYS,
    "participants",
    "n_employed",
    "n_employed_with_evidence",
    "final_from",
    "figure_status",
)

HISTORY_COLUMNS = (
    "as_of_date",
    *FIGURE_KEYS,
    "participants",
    "n_employed",
    "n_relevant_work",
    "pct_employed_of_all",
    "pct_relevant_work_of_all",
    "figure_status",
)


@dataclass(frozen=True)
class CertaintyMarts:
    """The mart rows this module's tables are built from."""

    figures: pd.DataFrame  # fct_attainment: one row per figure, with its status
    history: pd.DataFrame  # fct_attainment_by_quarter up to the report's quarter end
    register: pd.DataFrame | None = None  # fct_register_comparison counted; None: no such mart


def read_certainty_marts(con: duckdb.DuckDBPyConnection, as_of_date: date) -> CertaintyMarts | None:
    """The rows, or None when the marts predate issue 14 (no figure status yet)."""
    try:
        return _read_certainty_marts(con, as_of_date)
    except MartError:
        return None


def _read_certainty_marts(con: duckdb.DuckDBPyConnection, as_of_date: date) -> CertaintyMarts:
    return CertaintyMarts(
        figures=_read(con, "fct_attainment", FIGURE_COLUMNS),
        history=_read(
            con,
            "fct_attainment_by_quarter",
            HISTORY_COLUMNS,
            "where as_of_date <= ?",
            [as_of_date],
        ),
        register=_register_counts(con) if has_table(con, "fct_register_comparison") else None,
    )


COMPARISONS = ("agree", "disagree", "only_programme", "only_register")


def _register_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """fct_register_comparison counted per programme x horizon (participant keys not read)."""
    counts = ", ".join(
        f"count(*) filter (where comparison = '{code}') as n_{code}" for code in COMPARISONS
    )
    return con.execute(
        f"select programme_id, horizon_months, {counts} from main.fct_register_comparison "
        "group by all order by all"
    ).df()


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_columns_of(con, table))


# --- preliminary or final --------------------------------------------------------------------


def _level_codes() -> dict[str, str]:
    return {label: code for code, label in LEVEL_LABELS.items()}


def figure_statuses(figures: pd.DataFrame) -> dict[tuple, tuple[str, date | None]]:
    """(level, programme, grant year, cohort, horizon) -> (status, final_from) for every row of
    the attainment hierarchy: a total is preliminary while any of its figures is, and final
    from the latest final_from among them."""
    result: dict[tuple, tuple[str, date | None]] = {}
    if figures.empty:
        return result
    frame = figures.copy()
    frame["grant_year"] = frame["grant_year"].astype(int)
    frame["horizon_months"] = frame["horizon_months"].astype(int)
    frame["final_from"] = pd.to_datetime(frame["final_from"]).dt.date
    frame["_prelim"] = frame["figure_status"] != "final"
    levels = (
        ("total", ["horizon_months"]),
        ("programme", ["programme_id", "horizon_months"]),
        ("grant_year", ["programme_id", "grant_year", "horizon_months"]),
        ("cohort", list(FIGURE_KEYS)),
    )
    for level, by in levels:
        grouped = frame.groupby(by, sort=True)
        prelim = grouped["_prelim"].any()
        final_from = grouped["final_from"].max()
        for key, is_prelim in prelim.items():
            values = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
            full = (
                level,
                values.get("programme_id"),
                values.get("grant_year"),
                values.get("cohort"),
                int(values["horizon_months"]),
            )
            result[full] = ("preliminary" if is_prelim else "final", final_from[key])
    return result


def with_figure_status(table: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """``table`` (rows of the attainment hierarchy, level as its Norwegian label or code) with
    ``figure_status`` ("(f) foreløpig" / "endelig") and ``final_from`` after ``horizon_months``."""
    statuses = figure_statuses(figures)
    codes = _level_codes()
    status_texts, final_froms = [], []
    for row in table.to_dict("records"):
        level = codes.get(row["level"], row["level"])
        key = (
            level,
            None if is_missing(row.get("programme_id")) else row["programme_id"],
            None if is_missing(row.get("grant_year")) else int(row["grant_year"]),
            None if is_missing(row.get("cohort")) else row["cohort"],
            int(row["horizon_months"]),
        )
        status, final_from = statuses.get(key, (None, None))
        status_texts.append(FIGURE_STATUS_LABELS.get(status) if status else None)
        final_froms.append(final_from)
    out = table.copy()
    at = list(out.columns).index("horizon_months") + 1
    out.insert(at, "figure_status", status_texts)
    out.insert(at + 1, "final_from", final_froms)
    return out


def preliminary_share(figures: pd.DataFrame) -> tuple[int, int]:
    """(preliminary figures, all figures) of the quarter."""
    return int((figures["figure_status"] != "final").sum()), len(figures)


# --- protection of numbers new to this module ------------------------------------------------


def _protect(
    values: dict[Hashable, int],
    relations: list[Relation],
    threshold: int,
    forced: set[Hashable],
) -> frozenset[Hashable]:
    """The cells to hide: small counts, anything hidden elsewhere (``forced``), and whatever the
    relations then require."""
    return protect_cells(values, relations, threshold, forced=forced)


def _hidden_in(att: SuppressedTable) -> dict[tuple, dict[str, object]]:
    """(level, programme, grant year, cohort, horizon) -> the published row of the protected
    attainment table, so a number shown again here is shown (or hidden) as it is there."""
    rows: dict[tuple, dict[str, object]] = {}
    for record in att.table.to_dict("records"):
        key = (
            record["level"],
            None if is_missing(record["programme_id"]) else record["programme_id"],
            None if is_missing(record["grant_year"]) else int(record["grant_year"]),
            None if is_missing(record["cohort"]) else record["cohort"],
            int(record["horizon_months"]),
        )
        rows[key] = record
    return rows


def _shown(value: object) -> bool:
    return not (isinstance(value, str) and value == SUPPRESSED)


# --- evidence --------------------------------------------------------------------------------


def evidence_table(
    figures: pd.DataFrame, att: SuppressedTable, names: dict[str, str], threshold: int
) -> pd.DataFrame:
    """Per programme and horizon: in work (as published in the attainment table), how many of
    them with evidence (a document or confirmation other than "none"), and the share."""
    columns = [
        "programme_id",
        "programme_name",
        "horizon_months",
        "n_employed",
        "n_employed_with_evidence",
        "n_employed_without_evidence",
        "pct_employed_with_evidence",
    ]
    if figures.empty:
        return pd.DataFrame(columns=columns)
    published = _hidden_in(att)
    sums = (
        figures.groupby(["programme_id", "horizon_months"], sort=True)[
            ["n_employed", "n_employed_with_evidence"]
        ]
        .sum()
        .reset_index()
    )
    values: dict[Hashable, int] = {}
    relations: list[Relation] = []
    forced: set[Hashable] = set()
    for i, row in enumerate(sums.to_dict("records")):
        employed = int(row["n_employed"])
        with_evidence = int(row["n_employed_with_evidence"])
        values[(i, "n_employed")] = employed
        values[(i, "n_employed_with_evidence")] = with_evidence
        values[(i, "n_employed_without_evidence")] = employed - with_evidence
        relations.append(
            Relation(
                (i, "n_employed"),
                ((i, "n_employed_with_evidence"), (i, "n_employed_without_evidence")),
            )
        )
        main = published.get(
            ("programme", row["programme_id"], None, None, int(row["horizon_months"]))
        )
        if main is None or not _shown(main["n_employed"]):
            forced.add((i, "n_employed"))
    hidden = _protect(values, relations, threshold, forced)
    records = []
    for i, row in enumerate(sums.to_dict("records")):
        record: dict[str, object] = {
            "programme_id": row["programme_id"],
            "programme_name": names.get(row["programme_id"], row["programme_id"]),
            "horizon_months": int(row["horizon_months"]),
        }
        for column in ("n_employed", "n_employed_with_evidence", "n_employed_without_evidence"):
            record[column] = SUPPRESSED if (i, column) in hidden else values[(i, column)]
        if (i, "n_employed") in hidden or (i, "n_employed_with_evidence") in hidden:
            record["pct_employed_with_evidence"] = SUPPRESSED
        else:
            record["pct_employed_with_evidence"] = share(
                values[(i, "n_employed_with_evidence")], values[(i, "n_employed")]
            )
        records.append(record)
    return pd.DataFrame.from_records(records, columns=columns)


# --- revisions -------------------------------------------------------------------------------

REVISION_COLUMNS = [
    *ROW_KEYS,
    "first_quarter",
    "first_participants",
    "first_pct_employed",
    "final_participants",
    "final_pct_employed",
    "change_pct_employed",
    "first_pct_relevant_work",
    "final_pct_relevant_work",
    "change_pct_relevant_work",
]


def newly_final_figures(history: pd.DataFrame, as_of_date: date) -> pd.DataFrame:
    """Figures final at ``as_of_date`` that were published as preliminary in an earlier quarter
    and never final before: one row each, the first publication beside the final one
    (columns ``first_*`` and ``final_*``)."""
    if history.empty:
        return pd.DataFrame()
    frame = history.copy()
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    frame["grant_year"] = frame["grant_year"].astype(int)
    frame["horizon_months"] = frame["horizon_months"].astype(int)
    frame = frame.sort_values(["as_of_date"], kind="stable")
    rows = []
    for key, group in frame.groupby(list(FIGURE_KEYS), sort=True):
        now = group[group["as_of_date"] == as_of_date]
        earlier = group[group["as_of_date"] < as_of_date]
        if now.empty or earlier.empty or now.iloc[0]["figure_status"] != "final":
            continue
        if (earlier["figure_status"] == "final").any():
            continue  # final already in an earlier quarter: shown in that quarter's report
        first, final = earlier.iloc[0], now.iloc[0]
        rows.append(
            {
                **dict(zip(FIGURE_KEYS, key, strict=True)),
                "first_as_of_date": first["as_of_date"],
                **{f"first_{c}": first[c] for c in ("participants", "n_employed")},
                "first_n_relevant_work": first["n_relevant_work"],
                **{f"final_{c}": final[c] for c in ("participants", "n_employed")},
                "final_n_relevant_work": final["n_relevant_work"],
            }
        )
    return pd.DataFrame.from_records(rows)


def _protected_rows(
    by_quarter: pd.DataFrame, day: date, threshold: int
) -> dict[tuple, dict[str, object]]:
    """The attainment hierarchy of the quarter ending ``day`` as its own report protected it
    (the same rules on the whole hierarchy), by row key: a first-published number is shown
    here only if it could be shown then."""
    days = pd.to_datetime(by_quarter["as_of_date"]).dt.date
    rows = by_quarter[days == day].drop(columns=["as_of_date"])
    frame = attainment_frame(rows)
    return _hidden_in(
        suppress_tables({"attainment": (frame, ATTAINMENT_SPEC)}, threshold)["attainment"]
    )


def _number(record: dict[str, object], column: str) -> object:
    value = record.get(column, SUPPRESSED)
    return SUPPRESSED if value is None else value


def _change(first: object, final: object) -> object:
    if not (_shown(first) and _shown(final)) or is_missing(first) or is_missing(final):
        return SUPPRESSED
    return round(float(final) - float(first), 1)


def revisions_table(
    history: pd.DataFrame,
    by_quarter: pd.DataFrame,
    as_of_date: date,
    att: SuppressedTable,
    names: dict[str, str],
    threshold: int,
) -> pd.DataFrame:
    """First published value, final value and the change (percentage points), per figure that
    became final this quarter, and per programme and horizon over those figures.

    The final numbers are this quarter's cohort figures exactly as the attainment table shows
    them (hidden there, hidden here); the first-published ones are that quarter's cohort
    figures as that quarter's hierarchy was protected. A programme row adds up the figures'
    counts only when every one of them is shown (a sum of published numbers discloses
    nothing new); otherwise it is hidden."""
    moved = newly_final_figures(history, as_of_date)
    if moved.empty:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    published = _hidden_in(att)
    first_quarters = {
        day: _protected_rows(by_quarter, day, threshold)
        for day in sorted(set(moved["first_as_of_date"]))
    }
    cohort_rows: list[dict[str, object]] = []
    for row in moved.to_dict("records"):
        key = (
            "cohort",
            row["programme_id"],
            int(row["grant_year"]),
            row["cohort"],
            int(row["horizon_months"]),
        )
        first = first_quarters[row["first_as_of_date"]].get(key, {})
        final = published.get(key, {})
        record: dict[str, object] = {
            "level": LEVEL_LABELS["cohort"],
            "programme_id": row["programme_id"],
            "programme_name": names.get(row["programme_id"], row["programme_id"]),
            "grant_year": int(row["grant_year"]),
            "cohort": row["cohort"],
            "horizon_months": int(row["horizon_months"]),
            "first_quarter": quarter_label(row["first_as_of_date"]),
            "first_participants": _number(first, "participants"),
            "final_participants": _number(final, "participants"),
        }
        for indicator in ("employed", "relevant_work"):
            first_pct = _number(first, f"pct_{indicator}_of_all")
            final_pct = _number(final, f"pct_{indicator}_of_all")
            record[f"first_pct_{indicator}"] = first_pct
            record[f"final_pct_{indicator}"] = final_pct
            record[f"change_pct_{indicator}"] = _change(first_pct, final_pct)
            record[f"_first_n_{indicator}"] = _number(first, f"n_{indicator}")
            record[f"_final_n_{indicator}"] = _number(final, f"n_{indicator}")
        cohort_rows.append(record)

    records: list[dict[str, object]] = []
    frame = pd.DataFrame.from_records(cohort_rows)
    for (programme_id, horizon), group in frame.groupby(
        ["programme_id", "horizon_months"], sort=True
    ):
        members = group.to_dict("records")
        records.extend(members)
        total: dict[str, object] = {
            "level": LEVEL_LABELS["programme"],
            "programme_id": programme_id,
            "programme_name": names.get(programme_id, programme_id),
            "grant_year": None,
            "cohort": None,
            "horizon_months": int(horizon),
            "first_quarter": min(str(m["first_quarter"]) for m in members),
        }
        for side in ("first", "final"):
            counts = [m[f"{side}_participants"] for m in members]
            participants = sum(counts) if all(_shown(c) for c in counts) else SUPPRESSED
            total[f"{side}_participants"] = participants
            for indicator in ("employed", "relevant_work"):
                parts = [m[f"_{side}_n_{indicator}"] for m in members]
                if _shown(participants) and all(_shown(p) for p in parts):
                    total[f"{side}_pct_{indicator}"] = share(sum(parts), int(participants))
                else:
                    total[f"{side}_pct_{indicator}"] = SUPPRESSED
        for indicator in ("employed", "relevant_work"):
            total[f"change_pct_{indicator}"] = _change(
                total[f"first_pct_{indicator}"], total[f"final_pct_{indicator}"]
            )
        records.append(total)
    return pd.DataFrame.from_records(records, columns=REVISION_COLUMNS)


# --- register agreement ----------------------------------------------------------------------

REGISTER_COLUMNS = [
    "programme_id",
    "programme_name",
    "horizon_months",
    "n_compared",
    "n_agree",
    "n_disagree",
    "pct_agree",
    "n_only_programme",
    "n_only_register",
]


def register_agreement_table(
    counts: pd.DataFrame, names: dict[str, str], threshold: int
) -> pd.DataFrame:
    """Per programme and horizon: statuses compared with the register (both sides known), how
    many agree and disagree, the agreement rate, and the statuses only one side has. Counts
    are protected like every published count: compared = agree + disagree."""
    if counts.empty:
        return pd.DataFrame(columns=REGISTER_COLUMNS)
    values: dict[Hashable, int] = {}
    relations: list[Relation] = []
    rows = counts.to_dict("records")
    for i, row in enumerate(rows):
        for code in COMPARISONS:
            values[(i, f"n_{code}")] = int(row[f"n_{code}"])
        values[(i, "n_compared")] = int(row["n_agree"]) + int(row["n_disagree"])
        relations.append(Relation((i, "n_compared"), ((i, "n_agree"), (i, "n_disagree"))))
    hidden = _protect(values, relations, threshold, set())
    records = []
    for i, row in enumerate(rows):
        record: dict[str, object] = {
            "programme_id": row["programme_id"],
            "programme_name": names.get(row["programme_id"], row["programme_id"]),
            "horizon_months": int(row["horizon_months"]),
        }
        for column in ("n_compared", *(f"n_{code}" for code in COMPARISONS)):
            record[column] = SUPPRESSED if (i, column) in hidden else values[(i, column)]
        if (i, "n_agree") in hidden or (i, "n_compared") in hidden:
            record["pct_agree"] = SUPPRESSED
        else:
            record["pct_agree"] = share(values[(i, "n_agree")], values[(i, "n_compared")])
        records.append(record)
    return pd.DataFrame.from_records(records, columns=REGISTER_COLUMNS)


# --- the report's part -----------------------------------------------------------------------


def certainty_tables(
    marts: CertaintyMarts,
    by_quarter: pd.DataFrame,
    as_of_date: date,
    att: SuppressedTable,
    names: dict[str, str],
    threshold: int,
) -> dict[str, pd.DataFrame]:
    """The published tables of this module, by name (sheet titles in excel.SHEET_TITLES)."""
    tables = {
        "revisions": revisions_table(marts.history, by_quarter, as_of_date, att, names, threshold),
        "evidence": evidence_table(marts.figures, att, names, threshold),
    }
    if marts.register is not None:
        tables["register_agreement"] = register_agreement_table(marts.register, names, threshold)
    return tables


def mark_preliminary(tables: dict[str, pd.DataFrame], figures: pd.DataFrame) -> None:
    """Give the tables of the attainment hierarchy their figure status column, in place."""
    for name in ("programmes", "targets", "attainment_detail"):
        if name in tables and "horizon_months" in tables[name]:
            marked = with_figure_status(tables[name], figures)
            if name != "attainment_detail":
                marked = marked.drop(columns=["final_from"])
            tables[name] = marked


PRELIMINARY_COUNT = "I dette kvartalet er {preliminary} av {total} tall foreløpige."


def certainty_notes(figures: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """The notes on preliminary figures, revisions and evidence (Norwegian; every text has an
    English twin in labels.ENGLISH, the count sentence as a template)."""
    preliminary, total = preliminary_share(figures)
    return [
        (
            "Foreløpige og endelige tall",
            [
                f"{PRELIMINARY_MARK} = foreløpige tall. Et tall for et kull og et "
                "oppfølgingstidspunkt er endelig når observasjonsvinduet (forfallsdato pluss "
                "vinduet etter forfall i kontrakten for deltakeroppfølging) er lukket for alle "
                "deltakerne i kullet. Før det kan sene rapporter fortsatt endre tallet. Summer for "
                "tilskuddsår, program og alle programmer er foreløpige så lenge ett av tallene i "
                "dem er det. «Endelig fra» er datoen tallet blir endelig.",
                (PRELIMINARY_COUNT, {"preliminary": preliminary, "total": total}),
            ],
        ),
        (
            "Revisjoner",
            [
                "Tabellen over revisjoner viser tall som ble publisert som foreløpige i et "
                "tidligere kvartal og er endelige nå: første publiserte verdi, endelig verdi og "
                "endringen i prosentpoeng (endelig minus først publisert).",
            ],
        ),
        (
            "Sammenligning med registerdata",
            [
                "Der IMDi har et registerutdrag om arbeid (a-ordningen) for deltakerne, settes "
                "programmets status ved hvert oppfølgingstidspunkt ved siden av registerets for "
                "måneden oppfølgingen forfalt. Samsvar: begge sier i jobb, eller begge sier ikke i "
                "jobb. Andel samsvar er av dem der begge har en opplysning. Selvstendig "
                "næringsdrivende sammenlignes ikke (registeret gjelder arbeidstakere). Bare "
                "deltakere som finnes i utdraget er med.",
            ],
        ),
        (
            "Dokumentasjon av «i jobb»",
            [
                "Programmene kan oppgi hvem statusen kommer fra (programmet, deltakeren, "
                "arbeidsgiver eller register) og hva den er dokumentert med (for eksempel "
                "arbeidskontrakt eller lønnsslipp). Filer uten disse kolonnene regnes som "
                "opplyst av programmet, uten oppgitt dokumentasjon. Andelen dokumentert er "
                "andelen av dem i jobb der dokumentasjon er oppgitt (ikke «ingen dokumentasjon»).",
            ],
        ),
    ]


def notes_in(notes: list, lang: str) -> list[tuple[str, list[str]]]:
    """``notes`` of :func:`certainty_notes` in ``lang`` (templates filled after translation)."""
    out = []
    for heading, paragraphs in notes:
        texts = []
        for paragraph in paragraphs:
            if isinstance(paragraph, tuple):
                template, values = paragraph
                texts.append(tr(template, lang).format(**values))
            else:
                texts.append(tr(paragraph, lang))
        out.append((tr(heading, lang), texts))
    return out


def add_certainty(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, pd.DataFrame],
    by_quarter: pd.DataFrame,
    as_of_date: date,
    att: SuppressedTable,
    names: dict[str, str],
    threshold: int,
) -> list[tuple[str, list[str]]]:
    """Add this module's tables and the figure status column to the report's ``tables`` (in
    place); return the notes to add. Marts without figure status (built before issue 14) add
    nothing."""
    marts = read_certainty_marts(con, as_of_date)
    if marts is None:
        return []
    tables.update(certainty_tables(marts, by_quarter, as_of_date, att, names, threshold))
    mark_preliminary(tables, marts.figures)
    return certainty_notes(marts.figures)
