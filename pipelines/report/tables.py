"""From mart rows to the report's published tables, with small numbers protected.

All numbers of the quarter that can be added up against each other are protected together in
one pass (:func:`protect_quarter`): the attainment hierarchy (cohort > grant year > programme >
all programmes, per follow-up horizon), the status transitions, what the programmes said beside
what their data show, and the overdue follow-ups, tied to each other wherever the same number
or sum appears twice. The published tables are then views of those protected frames, so a
number hidden in one place is hidden everywhere it appears.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipelines.indicators import DENOMINATOR_COLUMNS, indicator, indicators
from pipelines.quarters import quarter_label
from pipelines.report.labels import (
    HORIZONS,
    INDICATOR_LABELS,
    INDICATORS,
    KEY_INDICATORS,
    LEVEL_LABELS,
    STATUS_GROUPS,
    TARGET_LABELS,
    is_missing,
    share,
    status_group,
    status_group_labels,
)
from pipelines.report.marts import Marts
from pipelines.report.overview import programme_overview
from pipelines.report.suppression import (
    SUPPRESSED,
    CellRef,
    Derived,
    Link,
    SumGroup,
    SuppressedTable,
    TableSpec,
    suppress_tables,
)

LEVELS = ("total", "programme", "grant_year", "cohort")
ATTAINMENT_KEYS = ("programme_id", "grant_year", "cohort", "horizon_months")
ATTAINMENT_COUNTS = (
    "participants",
    "reported",
    "known_status",
    "overdue",
    *(f"n_{ind}" for ind in INDICATORS),
)

ATTAINMENT_SPEC = TableSpec(
    counts=ATTAINMENT_COUNTS,
    keys=ATTAINMENT_KEYS,
    margin_keys=("programme_id", "grant_year", "cohort"),
    groups=(
        # Exact sums (see fct_attainment's data tests).
        SumGroup("participants", ("reported", "overdue")),
        SumGroup("participants", ("known_status", "n_unknown")),
        # Nestings: the rest (e.g. reported as 'unknown', known but not employed) is unpublished
        # but derivable, so it must not be a small number either.
        SumGroup("reported", ("known_status",), complete=False),
        SumGroup("n_unknown", ("overdue",), complete=False),
        SumGroup(
            "known_status", ("n_employed", "n_closer_to_relevant", "n_unemployed"), complete=False
        ),
        SumGroup("n_employed", ("n_relevant_work",), complete=False),
        SumGroup("n_employed", ("n_full_time", "n_part_time"), complete=False),
        SumGroup("n_employed", ("n_permanent", "n_temporary"), complete=False),
        SumGroup("n_relevant_work", ("n_right_shelf",), complete=False),
        SumGroup("n_full_time", ("n_right_shelf",), complete=False),
        SumGroup("n_permanent", ("n_right_shelf",), complete=False),
    ),
    derived=(
        Derived("coverage_pct", ("known_status", "participants")),
        Derived("pct_reported_of_all", ("reported", "participants")),
        Derived("pct_overdue_of_all", ("overdue", "participants")),
        *(
            Derived(f"pct_{i.code}_of_{d}", (f"n_{i.code}", DENOMINATOR_COLUMNS[d]))
            for i in indicators()
            for d in i.denominators
        ),
        Derived("employed_target", ("n_employed", "participants")),
        Derived("relevant_target", ("n_relevant_work", "participants")),
    ),
)

TRANSITION_KEYS = ("status_0", "status_6", "status_12")
TRANSITIONS_SPEC = TableSpec(
    counts=("participants",), keys=TRANSITION_KEYS, margin_keys=TRANSITION_KEYS
)

SAID_COUNTS = (
    "pairs_recruited",
    "participants_completed",
    "reported_employed",
    "reported_relevant",
    "shown_participants",
    "shown_completed",
    "shown_employed_0",
    "shown_relevant_0",
)
SHOWN_COLUMNS = ("shown_participants", "shown_completed", "shown_employed_0", "shown_relevant_0")
DIFFERENCES = {
    "recruited_difference": ("pairs_recruited", "shown_participants"),
    "completed_difference": ("participants_completed", "shown_completed"),
    "employed_difference": ("reported_employed", "shown_employed_0"),
    "relevant_difference": ("reported_relevant", "shown_relevant_0"),
}
SAID_SPEC = TableSpec(
    # pairs_planned is a plan, not a count of people: published as it is.
    counts=SAID_COUNTS,
    groups=(
        SumGroup("shown_participants", ("shown_completed",), complete=False),
        SumGroup("shown_participants", ("shown_employed_0",), complete=False),
        SumGroup("shown_employed_0", ("shown_relevant_0",), complete=False),
    ),
    derived=tuple(Derived(column, sources) for column, sources in DIFFERENCES.items()),
)

OVERDUE_COUNTS = tuple(f"overdue_{h}" for h in HORIZONS)
OVERDUE_SPEC = TableSpec(
    counts=(*OVERDUE_COUNTS, "overdue_total"),
    keys=("programme_id",),
    margin_keys=("programme_id",),
    groups=(SumGroup("overdue_total", OVERDUE_COUNTS),),
    derived=(Derived("median_days_overdue", ("overdue_total",)),),
)


# --- frames to protect -----------------------------------------------------------------------


def _target_text(met: object, target: object) -> str:
    if is_missing(target) or is_missing(met):
        return TARGET_LABELS["no_target"]
    return TARGET_LABELS["met"] if bool(met) else TARGET_LABELS["not_met"]


def _with_shares(record: dict) -> dict:
    participants, known = record["participants"], record["known_status"]
    record["coverage_pct"] = share(known, participants)
    record["pct_reported_of_all"] = share(record["reported"], participants)
    record["pct_overdue_of_all"] = share(record["overdue"], participants)
    for i in indicators():
        for d in i.denominators:
            record[f"pct_{i.code}_of_{d}"] = share(
                record[f"n_{i.code}"], record[DENOMINATOR_COLUMNS[d]]
            )
    return record


def _single(values: pd.Series) -> object:
    """The one value all rows agree on, else None (targets of a grant year's cohorts)."""
    distinct = values.dropna().unique()
    return distinct[0] if len(distinct) == 1 else None


def attainment_frame(cohorts: pd.DataFrame, levels: tuple[str, ...] = LEVELS) -> pd.DataFrame:
    """fct_attainment rows (programme x grant year x cohort x horizon) plus their totals per
    grant year, per programme and for all programmes, in reading order.

    Cohort rows keep the mart's numbers; totals add the counts and recompute the shares the way
    the mart does (1 decimal, half away from zero). Targets are the register's per grant year,
    so grant-year rows carry them; programme and all-programme rows have none. ``levels``
    limits the rows built (the trend needs only the all-programme rows).
    """
    counts = list(ATTAINMENT_COUNTS)
    base = cohorts.copy()
    base["grant_year"] = base["grant_year"].astype("Int64")
    base["horizon_months"] = base["horizon_months"].astype(int)
    records: list[dict] = []
    for row in base.to_dict("records") if "cohort" in levels else []:
        record = {"level": "cohort", **{k: row[k] for k in ATTAINMENT_KEYS}}
        record.update({c: int(row[c]) for c in counts})
        record["coverage_pct"] = row["coverage_pct"]
        # Not in the mart: worked out like its shares.
        record["pct_reported_of_all"] = share(record["reported"], record["participants"])
        record["pct_overdue_of_all"] = share(record["overdue"], record["participants"])
        for column in (c for i in indicators() for c in i.share_columns()):
            record[column] = None if is_missing(row[column]) else row[column]
        record["target_employed_pct"] = row["target_employed_pct"]
        record["target_relevant_pct"] = row["target_relevant_pct"]
        record["employed_target"] = _target_text(
            row["employed_target_met"], row["target_employed_pct"]
        )
        record["relevant_target"] = _target_text(
            row["relevant_target_met"], row["target_relevant_pct"]
        )
        records.append(record)

    def totals(by: list[str], level: str) -> None:
        if base.empty or level not in levels:
            return
        grouped = base.groupby(by, dropna=False, sort=True)
        sums = grouped[counts].sum()
        targets = grouped[["target_employed_pct", "target_relevant_pct"]].agg(_single)
        for key, row in sums.iterrows():
            key = key if isinstance(key, tuple) else (key,)
            record = {"level": level, **{k: None for k in ATTAINMENT_KEYS}}
            record.update(dict(zip(by, key, strict=True)))
            record.update({c: int(row[c]) for c in counts})
            _with_shares(record)
            if level == "grant_year":
                index = key if len(key) > 1 else key[0]
                employed_target = targets.loc[index, "target_employed_pct"]
                relevant_target = targets.loc[index, "target_relevant_pct"]
            else:
                employed_target = relevant_target = None
            record["target_employed_pct"] = employed_target
            record["target_relevant_pct"] = relevant_target
            record["employed_target"] = _target_text(
                None
                if is_missing(employed_target)
                else record["pct_employed_of_all"] >= float(employed_target),
                employed_target,
            )
            record["relevant_target"] = _target_text(
                None
                if is_missing(relevant_target)
                else record["pct_relevant_work_of_all"] >= float(relevant_target),
                relevant_target,
            )
            records.append(record)

    totals(["horizon_months"], "total")
    totals(["programme_id", "horizon_months"], "programme")
    totals(["programme_id", "grant_year", "horizon_months"], "grant_year")

    columns = [
        "level",
        *ATTAINMENT_KEYS,
        *counts,
        *(d.column for d in ATTAINMENT_SPEC.derived),
        "target_employed_pct",
        "target_relevant_pct",
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["grant_year"] = frame["grant_year"].astype("Int64")
    frame["_order"] = frame["level"].map({lvl: i for i, lvl in enumerate(LEVELS)})
    frame["_programme"] = frame["programme_id"].fillna("")
    frame["_grant_year"] = frame["grant_year"].fillna(-1)
    frame["_cohort"] = frame["cohort"].fillna("")
    frame["_total"] = frame["level"] != "total"
    frame = frame.sort_values(
        ["_total", "_programme", "_grant_year", "_cohort", "_order", "horizon_months"],
        kind="stable",
    )
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
    return frame.reset_index(drop=True)


def transitions_frame(transitions: pd.DataFrame) -> pd.DataFrame:
    """The two-way tables status at 0 x 6 and at 6 x 12 months, in status groups, with all
    margins (every combination present, zeros included, so the margins are complete sums)."""
    flows: Counter = Counter()
    for row in transitions.to_dict("records"):
        key = tuple(status_group(row[k]) for k in TRANSITION_KEYS)
        flows[key] += int(row["participants"])
    groups = list(STATUS_GROUPS)
    records: list[tuple] = []

    def add(s0: str | None, s6: str | None, s12: str | None) -> None:
        count = sum(
            n
            for (a, b, c), n in flows.items()
            if (s0 is None or a == s0) and (s6 is None or b == s6) and (s12 is None or c == s12)
        )
        records.append((s0, s6, s12, count))

    add(None, None, None)
    for a in groups:
        add(a, None, None)
    for b in groups:
        add(None, b, None)
    for c in groups:
        add(None, None, c)
    for a in groups:
        for b in groups:
            add(a, b, None)
    for b in groups:
        for c in groups:
            add(None, b, c)
    return pd.DataFrame.from_records(records, columns=[*TRANSITION_KEYS, "participants"])


_SMALL_NUMBER = re.compile(r"\d+")
_CLAIM = re.compile(r"(\d+)(\s*av\s*)(\d+)", re.IGNORECASE)


def mask_small_numbers(text: object, threshold: int, limit: int = 300) -> str | None:
    """The programme's free text with small counts hidden: any whole number 1..threshold-1,
    and both numbers of an "X av Y" claim whose rest Y - X is that small."""
    if is_missing(text):
        return None
    value = str(text)

    def claim(match: re.Match) -> str:
        said, of = int(match.group(1)), int(match.group(3))
        if 0 < of - said < threshold:
            return f"{SUPPRESSED}{match.group(2)}{SUPPRESSED}"
        return match.group(0)

    value = _CLAIM.sub(claim, value)
    value = _SMALL_NUMBER.sub(
        lambda m: SUPPRESSED if 0 < int(m.group(0)) < threshold else m.group(0), value
    )
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def said_vs_shown_frame(said: pd.DataFrame, threshold: int) -> pd.DataFrame:
    frame = said.sort_values(["programme_id", "grant_year", "period_end"], kind="stable").copy()
    frame = frame.reset_index(drop=True)
    for column in ("pairs_planned", *SAID_COUNTS):
        frame[column] = frame[column].astype("Int64")
    for column, (said_column, shown_column) in DIFFERENCES.items():
        frame[column] = frame[said_column] - frame[shown_column]
    frame["reported_attainment"] = [
        mask_small_numbers(text, threshold) for text in frame["reported_attainment"]
    ]
    frame["period_end"] = [
        None if is_missing(d) else pd.Timestamp(d).date() for d in frame["period_end"]
    ]
    return frame


def overdue_frame(overdue: pd.DataFrame, programmes: list[str]) -> pd.DataFrame:
    """Overdue follow-ups per programme and horizon (counts only), with a total row."""
    ids = sorted(set(programmes) | set(overdue["programme_id"].dropna()))
    counts = overdue.groupby(["programme_id", "horizon_months"]).size()
    records = []
    for programme_id in [None, *ids]:
        subset = (
            overdue if programme_id is None else overdue[overdue["programme_id"] == programme_id]
        )
        record: dict = {"programme_id": programme_id}
        for h in HORIZONS:
            if programme_id is None:
                record[f"overdue_{h}"] = int((overdue["horizon_months"] == h).sum())
            else:
                record[f"overdue_{h}"] = int(counts.get((programme_id, h), 0))
        record["overdue_total"] = sum(record[f"overdue_{h}"] for h in HORIZONS)
        days = subset["days_overdue"].dropna()
        record["median_days_overdue"] = float(days.median()) if len(days) else None
        records.append(record)
    return pd.DataFrame.from_records(records)


# --- protection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtectedQuarter:
    attainment: SuppressedTable
    transitions: SuppressedTable
    said_vs_shown: SuppressedTable
    overdue: SuppressedTable


def _positions(frame: pd.DataFrame, columns: list[str]) -> dict[tuple, int]:
    keys = zip(*(frame[c] for c in columns), strict=True)
    return {tuple(None if is_missing(v) else v for v in key): i for i, key in enumerate(keys)}


def quarter_links(
    attainment: pd.DataFrame,
    transitions: pd.DataFrame,
    said: pd.DataFrame,
    overdue: pd.DataFrame,
) -> list[Link]:
    """Where the same people are counted in two tables: equal cells, and the transitions' total
    = participants in follow-up + not yet due. A link is only declared when the numbers agree,
    so every relation the protection relies on is true of the data."""
    links: list[Link] = []
    att = _positions(attainment, ["level", *ATTAINMENT_KEYS])

    def a(pos: int, column: str) -> CellRef:
        return CellRef("attainment", pos, column)

    def equal(left: CellRef, right: CellRef, frames: dict[str, pd.DataFrame]) -> None:
        lv = frames[left.table].iloc[left.row][left.column]
        rv = frames[right.table].iloc[right.row][right.column]
        if not is_missing(lv) and not is_missing(rv) and int(lv) == int(rv):
            links.append(Link(left, (right,)))

    frames = {
        "attainment": attainment,
        "transitions": transitions,
        "said_vs_shown": said,
        "overdue": overdue,
    }

    trans = _positions(transitions, list(TRANSITION_KEYS))
    total_pos = trans[(None, None, None)]
    for i, h in enumerate(HORIZONS):
        pos = att.get(("total", None, None, None, h))
        if pos is None:
            continue

        def group_at(group: str, i: int = i) -> CellRef:
            key = tuple(group if j == i else None for j in range(3))
            return CellRef("transitions", trans[key], "participants")

        for group, column in (
            ("employed", "n_employed"),
            ("unemployed", "n_unemployed"),
            ("unknown", "n_unknown"),
        ):
            equal(a(pos, column), group_at(group), frames)
        total = int(transitions.iloc[total_pos]["participants"])
        not_due = group_at("not_due")
        if total == int(attainment.iloc[pos]["participants"]) + int(
            transitions.iloc[not_due.row]["participants"]
        ):
            links.append(
                Link(
                    CellRef("transitions", total_pos, "participants"),
                    (a(pos, "participants"), not_due),
                )
            )

    first_of: dict[tuple, int] = {}
    for j, row in enumerate(said.to_dict("records")):
        key = (row["programme_id"], int(row["grant_year"]))
        if key in first_of:
            for column in SHOWN_COLUMNS:
                equal(
                    CellRef("said_vs_shown", first_of[key], column),
                    CellRef("said_vs_shown", j, column),
                    frames,
                )
            continue
        first_of[key] = j
        pos = att.get(("grant_year", key[0], key[1], None, 0))
        if pos is None:
            continue
        for shown, column in (
            ("shown_employed_0", "n_employed"),
            ("shown_relevant_0", "n_relevant_work"),
            ("shown_participants", "participants"),
        ):
            equal(a(pos, column), CellRef("said_vs_shown", j, shown), frames)

    for j, row in enumerate(overdue.to_dict("records")):
        programme_id = None if is_missing(row["programme_id"]) else row["programme_id"]
        level = "total" if programme_id is None else "programme"
        for h in HORIZONS:
            pos = att.get((level, programme_id, None, None, h))
            if pos is not None:
                equal(a(pos, "overdue"), CellRef("overdue", j, f"overdue_{h}"), frames)
    return links


def protect_quarter(
    attainment: pd.DataFrame,
    transitions: pd.DataFrame,
    said: pd.DataFrame,
    overdue: pd.DataFrame,
    threshold: int,
) -> ProtectedQuarter:
    """Protect the quarter's numbers together (see the module docstring)."""
    links = quarter_links(attainment, transitions, said, overdue)
    result = suppress_tables(
        {
            "attainment": (attainment, ATTAINMENT_SPEC),
            "transitions": (transitions, TRANSITIONS_SPEC),
            "said_vs_shown": (said, SAID_SPEC),
            "overdue": (overdue, OVERDUE_SPEC),
        },
        threshold,
        links,
    )
    protected = ProtectedQuarter(
        attainment=result["attainment"],
        transitions=result["transitions"],
        said_vs_shown=result["said_vs_shown"],
        overdue=result["overdue"],
    )
    _no_target_is_not_secret(protected.attainment, attainment)
    return protected


def _no_target_is_not_secret(result: SuppressedTable, frame: pd.DataFrame) -> None:
    """'No target' says nothing about the counts, so it is shown even where the share is
    hidden."""
    for flag, target in (
        ("employed_target", "target_employed_pct"),
        ("relevant_target", "target_relevant_pct"),
    ):
        if flag not in frame:
            continue
        missing = frame[target].map(is_missing).to_numpy()
        result.table.loc[missing, flag] = TARGET_LABELS["no_target"]


# --- published tables ------------------------------------------------------------------------


def programme_names(programmes: pd.DataFrame) -> dict[str, str]:
    """Programme id -> name from the register (the newest grant year's name)."""
    names: dict[str, str] = {}
    ordered = programmes.sort_values(["programme_id", "grant_year"], kind="stable")
    for row in ordered.to_dict("records"):
        if not is_missing(row["name"]):
            names[row["programme_id"]] = str(row["name"])
    return names


def _name_of(programme_id: object, names: dict[str, str]) -> str:
    if is_missing(programme_id):
        return LEVEL_LABELS["total"]
    return names.get(programme_id, str(programme_id))


def _clean_keys(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("programme_id", "cohort"):
        if column in out:
            out[column] = [None if is_missing(v) else v for v in out[column]]
    if "grant_year" in out:
        out["grant_year"] = [None if is_missing(v) else int(v) for v in out["grant_year"]]
    return out.reset_index(drop=True)


def _indicator_columns(indicators: tuple[str, ...]) -> list[str]:
    """n_<code> and the indicator's shares (pct_<code>_of_<denominator>), in that order."""
    return [c for code in indicators for c in (f"n_{code}", *indicator(code).share_columns())]


# Where a row of the attainment hierarchy sits: every table built from it starts with these.
ROW_KEYS = ["level", "programme_id", "programme_name", "grant_year", "cohort", "horizon_months"]


def detail_table(att: SuppressedTable, names: dict[str, str]) -> pd.DataFrame:
    """Every row and indicator of the attainment hierarchy (Excel)."""
    table = att.table.copy()
    table.insert(2, "programme_name", [_name_of(p, names) for p in table["programme_id"]])
    table["level"] = table["level"].map(LEVEL_LABELS)
    columns = [
        *ROW_KEYS,
        "participants",
        "reported",
        "pct_reported_of_all",
        "known_status",
        "coverage_pct",
        "overdue",
        "pct_overdue_of_all",
        *_indicator_columns(INDICATORS),
        "target_employed_pct",
        "employed_target",
        "target_relevant_pct",
        "relevant_target",
    ]
    return _clean_keys(table[columns])


def programmes_table(detail: pd.DataFrame) -> pd.DataFrame:
    """The key indicators per programme, grant year and cohort (HTML and Excel)."""
    columns = [
        *ROW_KEYS,
        "participants",
        "known_status",
        "coverage_pct",
        *_indicator_columns(KEY_INDICATORS),
    ]
    return detail[columns].reset_index(drop=True)


def targets_table(detail: pd.DataFrame) -> pd.DataFrame:
    """Actual against the programme's own targets, per grant year and cohort."""
    rows = detail[detail["level"].isin([LEVEL_LABELS["grant_year"], LEVEL_LABELS["cohort"]])]
    columns = [
        "level",
        "programme_id",
        "programme_name",
        "grant_year",
        "cohort",
        "horizon_months",
        "participants",
        "target_employed_pct",
        "pct_employed_of_all",
        "employed_target",
        "target_relevant_pct",
        "pct_relevant_work_of_all",
        "relevant_target",
    ]
    return rows[columns].reset_index(drop=True)


HEADLINE_MEASURES: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("participants", "participants", None, None),
    ("reported", "reported", "pct_reported_of_all", None),
    ("known_status", "known_status", "coverage_pct", None),
    ("overdue", "overdue", "pct_overdue_of_all", None),
    *(
        (
            ind,
            f"n_{ind}",
            f"pct_{ind}_of_all",
            f"pct_{ind}_of_known" if "known" in indicator(ind).denominators else None,
        )
        for ind in (*KEY_INDICATORS, *(i for i in INDICATORS if i not in KEY_INDICATORS))
    ),
)

HEADLINE_LABELS = {
    "participants": "Deltakere i oppfølging (forfalt eller rapportert) – nevner for «% av alle»",
    "reported": "Rapportert",
    "known_status": "Kjent status – nevner for «% av kjent status» (andel = dekning)",
    "overdue": "Forfalt, ikke rapportert",
    **INDICATOR_LABELS,
}


def headline_table(att: SuppressedTable) -> pd.DataFrame:
    """All programmes together: one row per measure, count and both shares per horizon."""
    table = att.table
    totals = {
        int(row["horizon_months"]): row for _, row in table[table["level"] == "total"].iterrows()
    }
    records = []
    for code, count, of_all, of_known in HEADLINE_MEASURES:
        record: dict = {"indicator": code, "label": HEADLINE_LABELS[code]}
        for h in HORIZONS:
            row = totals.get(h)
            record[f"n_{h}"] = None if row is None else row[count]
            record[f"pct_of_all_{h}"] = None if row is None or of_all is None else row[of_all]
            record[f"pct_of_known_{h}"] = None if row is None or of_known is None else row[of_known]
        records.append(record)
    return pd.DataFrame.from_records(records)


def _shown_share(count: object, total: object) -> object:
    if count == SUPPRESSED or total == SUPPRESSED:
        return SUPPRESSED
    return share(int(count), int(total))


def _transition_cells(table: pd.DataFrame) -> dict[tuple, object]:
    """Participants by (status_0, status_6, status_12); None marks a margin (a total)."""
    return {
        tuple(None if is_missing(v) else v for v in key): value
        for key, value in zip(
            zip(*(table[k] for k in TRANSITION_KEYS), strict=True),
            table["participants"],
            strict=True,
        )
    }


def status_distribution_table(trans: SuppressedTable) -> pd.DataFrame:
    """Participants by status group at each horizon (the margins of the transitions)."""
    table = trans.table
    cells = _transition_cells(table)
    total = cells[(None, None, None)]
    labels = status_group_labels()
    records = []
    for group in [*STATUS_GROUPS, None]:
        record: dict = {
            "category": group or "total",
            "category_label": labels[group] if group else "Alle deltakere",
        }
        for i, h in enumerate(HORIZONS):
            key = tuple(group if j == i else None for j in range(3))
            count = cells[key] if group else total
            record[f"n_{h}"] = count
            record[f"pct_{h}"] = _shown_share(count, total)
        records.append(record)
    return pd.DataFrame.from_records(records)


def transitions_table(trans: SuppressedTable) -> pd.DataFrame:
    """From-status x to-status for 0 -> 6 and 6 -> 12 months, with totals."""
    table = trans.table
    cells = _transition_cells(table)
    labels = status_group_labels()
    groups = list(STATUS_GROUPS)
    records = []
    for (from_h, to_h), (i, j) in (((0, 6), (0, 1)), ((6, 12), (1, 2))):
        for a in [*groups, None]:
            record: dict = {
                "from_horizon": from_h,
                "to_horizon": to_h,
                "from_category": a or "total",
                "from_label": labels[a] if a else "Alle",
            }

            def cell(first: str | None, second: str | None, i: int = i, j: int = j) -> object:
                key = [None, None, None]
                key[i], key[j] = first, second
                return cells[tuple(key)]

            for b in groups:
                record[f"to_{b}"] = cell(a, b)
            record["to_total"] = cell(a, None)
            records.append(record)
    return pd.DataFrame.from_records(records)


def said_vs_shown_table(said: SuppressedTable, names: dict[str, str]) -> pd.DataFrame:
    table = said.table.copy()
    table.insert(1, "programme_name", [_name_of(p, names) for p in table["programme_id"]])
    columns = [
        "programme_id",
        "programme_name",
        "grant_year",
        "period_end",
        "pairs_planned",
        "pairs_recruited",
        "shown_participants",
        "recruited_difference",
        "participants_completed",
        "shown_completed",
        "completed_difference",
        "reported_employed",
        "shown_employed_0",
        "employed_difference",
        "reported_relevant",
        "shown_relevant_0",
        "relevant_difference",
        "reported_attainment",
    ]
    return _clean_keys(table[columns])


def overdue_table(overdue: SuppressedTable, names: dict[str, str]) -> pd.DataFrame:
    table = overdue.table.copy()
    table.insert(1, "programme_name", [_name_of(p, names) for p in table["programme_id"]])
    # The total row last, as readers expect it.
    table = pd.concat([table.iloc[1:], table.iloc[:1]])
    return _clean_keys(table)


TREND_COLUMNS = (
    "participants",
    "known_status",
    "coverage_pct",
    "n_employed",
    "pct_employed_of_all",
    "pct_employed_of_known",
    "n_relevant_work",
    "pct_relevant_work_of_all",
    "pct_relevant_work_of_known",
    "n_right_shelf",
    "pct_right_shelf_of_all",
)


def trend_table(quarters: dict[date, SuppressedTable]) -> pd.DataFrame:
    """All programmes together at each quarter end, per horizon."""
    records = []
    for day in sorted(quarters):
        table = quarters[day].table
        for _, row in table[table["level"] == "total"].iterrows():
            record = {
                "as_of_date": day,
                "quarter": quarter_label(day),
                "horizon_months": int(row["horizon_months"]),
            }
            record.update({c: row[c] for c in TREND_COLUMNS})
            records.append(record)
    columns = ["as_of_date", "quarter", "horizon_months", *TREND_COLUMNS]
    return pd.DataFrame.from_records(records, columns=columns)


_LONG_HEX = re.compile(r"\b[0-9a-fA-F]{16,}\b")


def quality_table(quality: list[dict] | None) -> pd.DataFrame:
    """The data-quality results as published: long hexadecimal strings (pseudonymised
    participant keys, hashes) are cut out of the details, which are shortened."""
    columns = ["check_name", "asset", "severity", "passed", "description_nb", "details"]
    records = []
    for item in quality or []:
        details = item.get("details")
        text = "" if details is None else _LONG_HEX.sub("…", str(details))
        records.append(
            {
                "check_name": str(item.get("check_name", "")),
                "asset": str(item.get("asset", "")),
                "severity": str(item.get("severity", "")),
                "passed": bool(item.get("passed")),  # "ja"/"nei" (yes/no) at render
                "description_nb": str(item.get("description_nb") or "") or None,
                "details": (text if len(text) <= 200 else text[:199] + "…") or None,
            }
        )
    return pd.DataFrame.from_records(records, columns=columns)


# --- everything for one report ---------------------------------------------------------------


@dataclass(frozen=True)
class ReportTables:
    tables: dict[str, pd.DataFrame]
    current: ProtectedQuarter
    participants_total: object  # the transitions' grand total, as published
    overview: pd.DataFrame  # one row per programme (HTML; its cells are in "programmes")


def build_tables(
    marts: Marts, as_of_date: date, threshold: int, quality: list[dict] | None
) -> ReportTables:
    """All published tables of one report, protected."""
    names = programme_names(marts.programmes)
    attainment = attainment_frame(marts.attainment)
    programme_ids = sorted(attainment["programme_id"].dropna().unique().tolist())
    current = protect_quarter(
        attainment,
        transitions_frame(marts.transitions),
        said_vs_shown_frame(marts.said_vs_shown, threshold),
        overdue_frame(marts.overdue, programme_ids),
        threshold,
    )

    # Earlier quarters: only their all-programme rows are published (the trend), so only those
    # are protected, each quarter on its own with the same row rules. (Protecting each past
    # quarter's whole hierarchy would cost a full protection run per quarter for rows nobody
    # sees; a total row is almost only ever hidden by its own row's rules, which this repeats.)
    # The report's own quarter comes from fct_attainment, protected with everything else.
    quarters: dict[date, SuppressedTable] = {as_of_date: current.attainment}
    by_quarter = marts.attainment_by_quarter
    if not by_quarter.empty:
        days = pd.to_datetime(by_quarter["as_of_date"]).dt.date
        for day in sorted(set(days)):
            if day >= as_of_date:
                continue
            rows = by_quarter[days == day].drop(columns=["as_of_date"])
            totals = attainment_frame(rows, levels=("total",))
            quarters[day] = suppress_tables({"attainment": (totals, ATTAINMENT_SPEC)}, threshold)[
                "attainment"
            ]

    detail = detail_table(current.attainment, names)
    tables = {
        "headline": headline_table(current.attainment),
        "programmes": programmes_table(detail),
        "targets": targets_table(detail),
        "status_distribution": status_distribution_table(current.transitions),
        "transitions": transitions_table(current.transitions),
        "trend": trend_table(quarters),
        "said_vs_shown": said_vs_shown_table(current.said_vs_shown, names),
        "overdue": overdue_table(current.overdue, names),
        "attainment_detail": detail,
        "quality": quality_table(quality),
    }
    transitions = current.transitions.table
    total_row = transitions[transitions[list(TRANSITION_KEYS)].isna().all(axis=1)]
    return ReportTables(
        tables=tables,
        current=current,
        participants_total=total_row["participants"].iloc[0],
        overview=programme_overview(detail, tables["targets"]),
    )
