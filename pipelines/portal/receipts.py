"""The portal's receipt: the contract check's verdict plus what the file changes in the warehouse.

For a follow-up file, each accepted row is classified against what IMDi already has for the
same programme, participant and horizon: a new follow-up, a correction ("rettelse") of an
earlier version, or unchanged. "What IMDi already has" is the published copy's raw table plus
files of the same programme that are landed but not yet loaded, so two uploads a minute apart
are compared with each other too. Only versions that arrived before this file count, so the
receipt of an old upload reads the same later.

Everything here computes on codes (severity ``error``/``warning``, change ``new``/``correction``
/``unchanged``) and whole columns; Norwegian labels are applied when a page or a download is
rendered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import duckdb
import numpy as np
import pandas as pd

from pipelines.contracts import Contract, codelists
from pipelines.ingest.intake import IntakeError, RawTable, formula_positions, read_table
from pipelines.ingest.landing import LandedFile, landed_files, read_landed
from pipelines.ingest.raw_load import storage_frame
from pipelines.ingest.receipt import (
    OUTCOME_NB,
    RECEIPT_HEADERS_NB,
    RuleGroup,
    column_label,
    next_step_nb,
    outcome_of,
    rule_groups,
    summary_nb,
)
from pipelines.ingest.receipt_files import receipt_frame
from pipelines.ingest.validation import ValidationResult
from pipelines.ingest.verdict import check_file
from pipelines.settings import Paths, Settings

CHANGE_NB = {
    "new": "ny oppfølging",
    "correction": "rettelse",
    "unchanged": "uendret (samme som før)",
}
MAX_PENDING_FILES = 50  # landed-but-not-loaded files compared against
CHANGES_SHOWN = 50  # rows of the change table on the page; the download has them all
FORMULAS_SHOWN = 20


@dataclass(frozen=True)
class RowChange:
    source_row: int
    cohort: str
    horizon_nb: str
    change: str  # new / correction / unchanged
    withdrawn: bool
    changed_columns: tuple[str, ...] = ()

    @property
    def change_nb(self) -> str:
        text = CHANGE_NB[self.change]
        return f"{text}, trukket" if self.withdrawn else text


@dataclass(frozen=True)
class Changes:
    """Per accepted row: source_row, cohort, horizon_months, change, withdrawn, changed (the
    Norwegian labels of the changed columns, ", "-joined); and what it was compared with."""

    rows: pd.DataFrame
    compared_with: str

    def count(self, change: str) -> int:
        return int((self.rows["change"] == change).sum())

    @property
    def withdrawn(self) -> int:
        return int(self.rows["withdrawn"].sum())

    def shown(self, limit: int = CHANGES_SHOWN) -> list[RowChange]:
        horizons = codelists()["horizon_months"]
        return [
            RowChange(
                int(r.source_row),
                str(r.cohort),
                horizons.label(str(int(r.horizon_months))),
                r.change,
                bool(r.withdrawn),
                tuple(c for c in r.changed.split(", ") if c),
            )
            for r in self.rows.head(limit).itertuples(index=False)
        ]

    def download_rows(self) -> pd.DataFrame:
        """The changes as receipt rows (Norwegian headers): one per accepted row."""
        frame = self.rows
        horizons = codelists()["horizon_months"]
        labels = frame["horizon_months"].map(lambda h: horizons.label(str(int(h))))
        detail = frame["change"].map(CHANGE_NB)
        detail = detail.where(~frame["withdrawn"], detail + ", trukket")
        detail = detail.where(
            frame["changed"] == "", detail + " (endret: " + frame["changed"] + ")"
        )
        values = {
            "source_row": frame["source_row"].astype(object),
            "column_name": "(hele raden)",
            "value": frame["cohort"].astype(str) + " / " + labels,
            "severity": "endring",
            "message_nb": detail,
            "rule": frame["change"],
        }
        return pd.DataFrame(values).rename(columns=RECEIPT_HEADERS_NB)


@dataclass
class Receipt:
    landed: LandedFile
    result: ValidationResult
    repeated: bool  # identical bytes were landed before: nothing changes
    ingested: bool  # the published warehouse already holds this file
    changes: Changes | None
    formulas: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return outcome_of(self.landed, self.result)

    @property
    def outcome_nb(self) -> str:
        return OUTCOME_NB[self.outcome]

    @property
    def loads_rows(self) -> bool:
        """Whether any row of this file will be in the warehouse."""
        return self.outcome in ("accepted", "partly_accepted")

    @property
    def groups(self) -> list[RuleGroup]:
        return rule_groups(self.result.issues)

    @property
    def errors(self) -> int:
        return int((self.result.issues["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return self.result.warnings

    @property
    def summary_nb(self) -> str:
        return summary_nb(self.landed, self.result)

    @property
    def next_step_nb(self) -> str:
        return next_step_nb(self.outcome, self.result, is_new=not self.repeated)

    def column_label(self, column: str | None) -> str:
        return column_label(self.result.contract, column)

    def download(self) -> pd.DataFrame:
        """Summary, every finding and every row's change: the CSV and XLSX downloads."""
        note = ""
        if self.repeated:
            note = " Filen er lastet opp før med samme innhold; ingenting er endret i varehuset."
        extra = None if self.repeated or self.changes is None else self.changes.download_rows()
        return receipt_frame(self.landed, self.result, note=note, extra=extra)


# --- the verdicts the portal has computed ------------------------------------------------------


class VerdictCache:
    """The contract check's verdict per landed file (it depends on the bytes alone), kept for
    the last few files, so the receipt page, its downloads and the comparison with pending
    files never check a file twice."""

    def __init__(self, size: int = 32) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[ValidationResult, list]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def put(
        self,
        paths: Paths,
        landed: LandedFile,
        result: ValidationResult,
        data: bytes | None,
        table: RawTable | None,
    ) -> tuple[ValidationResult, list]:
        formulas = formula_cells(data, table)
        with self._lock:
            self._items[(str(paths.home), landed.upload_id)] = (result, formulas)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return result, formulas

    def outcome(self, paths: Paths, landed: LandedFile) -> str | None:
        """The outcome of a file checked recently, without checking anything (None if not)."""
        with self._lock:
            found = self._items.get((str(paths.home), landed.upload_id))
        return None if found is None else outcome_of(landed, found[0])

    def get(self, paths: Paths, landed: LandedFile) -> tuple[ValidationResult, list]:
        key = (str(paths.home), landed.upload_id)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        data = None if landed.refused else read_landed(paths, landed.upload_id)
        if landed.refused or data is None:
            return self.put(paths, landed, check_file(landed, data), data, None)
        try:
            parsed: RawTable | IntakeError = read_table(data)
        except IntakeError as error:
            parsed = error
        table = parsed if isinstance(parsed, RawTable) else None
        return self.put(paths, landed, check_file(landed, data, parsed), data, table)


def formula_cells(data: bytes | None, table: RawTable | None) -> list[tuple[int, str, str]]:
    """(row, header text, value read) of the first formula cells of the sheet the intake read:
    the receipt says that formulas were not computed and which value counted."""
    if not data or table is None or table.file_format != "xlsx" or not table.sheet_part:
        return []
    found = []
    for row, pos in formula_positions(data, table.sheet_part, FORMULAS_SHOWN):
        header = table.header
        name = header[pos] if pos < len(header) and header[pos] else str(pos + 1)
        value = None
        if row in table.frame.index and pos in table.frame.columns:
            value = table.frame.at[row, pos]
        found.append((row, name, "" if value is None else str(value)))
    return found


# --- comparing with what the warehouse already has -------------------------------------------


def _normalise(value: object, kind: str) -> str | None:
    """One text form per value, whether it came from a typed frame or from DuckDB."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        return str(value)[:10]
    if kind in ("decimal", "integer"):
        try:
            number = Decimal(str(value)).normalize()
        except InvalidOperation:
            return str(value)
        return format(number, "f")
    text = str(value).strip()
    return text or None


def _normalised(values: pd.Series, kind: str) -> np.ndarray:
    """``_normalise`` of each value, once per distinct value; empty = None."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    forms = np.array([_normalise(u, kind) for u in uniques] + [None], dtype=object)
    return forms[codes]


def _compared_columns(spec: Contract) -> list[tuple[str, str, str]]:
    """(stored name, kind, Norwegian label) of the columns that make up a follow-up's content."""
    key = {"programme_id", "participant_ref", "horizon_months"}
    return [
        (c.stored_name, c.store_as or c.type, c.label_nb) for c in spec.columns if c.name not in key
    ]


def _published_versions(
    con: duckdb.DuckDBPyConnection, programme_ids: list[str], upload_id: str, before: str
) -> pd.DataFrame:
    placeholders = ", ".join("?" for _ in programme_ids)
    return con.execute(
        "SELECT * FROM raw.raw_followups "
        f"WHERE upper(programme_id) IN ({placeholders}) AND upload_id <> ? AND reported_at < ?",
        [*programme_ids, upload_id, before],
    ).df()


def _loaded_upload_ids(con: duckdb.DuckDBPyConnection | None) -> set[str]:
    if con is None:
        return set()
    try:
        return {r[0] for r in con.execute("SELECT upload_id FROM raw.raw_uploads").fetchall()}
    except duckdb.Error:
        return set()


Verdicts = Callable[[LandedFile], ValidationResult]


def _pending_versions(
    paths: Paths,
    landed: LandedFile,
    programme_ids: list[str],
    loaded: set[str],
    key: bytes,
    verdict_of: Verdicts,
) -> pd.DataFrame:
    frames = []
    earlier = [
        f
        for f in landed_files(paths)
        if f.upload_id != landed.upload_id
        and f.upload_id not in loaded
        and f.refused is None
        and f.received_at < landed.received_at
        and (f.claimed_programme_id or "").upper() in programme_ids
    ]
    for other in earlier[-MAX_PENDING_FILES:]:
        result = verdict_of(other)
        if result.contract is None or result.contract.name != "participant_followup":
            continue
        if result.accepted.empty:
            continue
        frame = storage_frame(result.contract, result.accepted, key)
        frame["reported_at"] = other.received_at
        frames.append(frame.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    programme = frame["programme_id"].astype(object)
    codes, uniques = pd.factorize(programme, use_na_sentinel=True)
    folded = np.array([str(u).strip().upper() for u in uniques] + [None], dtype=object)
    return pd.DataFrame(
        {
            "_programme": folded[codes],
            "_participant": frame["participant_key"].astype(str).to_numpy(),
            "_horizon": pd.to_numeric(frame["horizon_months"]).astype("int64").to_numpy(),
        }
    )


def classify_rows(
    settings: Settings,
    landed: LandedFile,
    result: ValidationResult,
    published: duckdb.DuckDBPyConnection | None,
    verdict_of: Verdicts | None = None,
) -> Changes | None:
    """Each accepted follow-up row as new / correction / unchanged, against the newest earlier
    version of the same programme, participant and horizon (rows of this file count too, in
    file order); computed on whole columns."""
    spec = result.contract
    if spec is None or spec.name != "participant_followup" or result.accepted.empty:
        return None
    verdict_of = verdict_of or (
        lambda other: check_file(other, read_landed(settings.paths, other.upload_id))
    )
    key = settings.key()
    incoming = storage_frame(spec, result.accepted, key).reset_index(drop=True)
    programme_ids = sorted({str(p).strip().upper() for p in incoming["programme_id"].unique()})
    loaded = _loaded_upload_ids(published)
    earlier: list[pd.DataFrame] = []
    basis = []
    if published is not None:
        try:
            earlier.append(
                _published_versions(published, programme_ids, landed.upload_id, landed.received_at)
            )
            basis.append("det publiserte varehuset")
        except duckdb.Error:
            pass
    pending = _pending_versions(settings.paths, landed, programme_ids, loaded, key, verdict_of)
    if not pending.empty:
        earlier.append(pending)
        basis.append("filer som venter på innlesing")
    compared_with = " og ".join(basis) if basis else "ingenting (varehuset er ikke publisert ennå)"

    columns = _compared_columns(spec)
    names = [name for name, _, _ in columns]
    versions = [e for e in earlier if not e.empty]
    if versions:
        before = pd.concat(versions, ignore_index=True)
        before = before.iloc[
            np.argsort(pd.to_datetime(before["reported_at"]).to_numpy(), kind="stable")
        ].reset_index(drop=True)
    else:
        before = pd.DataFrame(columns=[*incoming.columns])
    # Earlier versions oldest first, then this file's rows in file order; each row of this file
    # is compared with the row before it of the same key.
    stacked = pd.concat([before.reindex(columns=incoming.columns), incoming], ignore_index=True)
    content = pd.DataFrame(
        {name: _normalised(stacked[name], kind) for name, kind, _ in columns}
    ).fillna("\x00")  # "empty" compares equal to "empty" and to nothing else
    content["_seen"] = True
    keyed = pd.concat([_keys(stacked), content], axis=1)
    previous = keyed.groupby(["_programme", "_participant", "_horizon"], sort=False)[
        [*names, "_seen"]
    ].shift(1)
    mine = slice(len(before), len(stacked))
    now, then = content.iloc[mine], previous.iloc[mine]
    seen = then["_seen"].notna().to_numpy()
    differs = (now[names].to_numpy() != then[names].to_numpy()) & seen[:, None]
    labels = np.array([label for _, _, label in columns], dtype=object)
    changed = np.full(len(differs), "", dtype=object)
    for row in np.flatnonzero(differs.any(axis=1)):
        changed[row] = ", ".join(labels[differs[row]])
    change = np.where(~seen, "new", np.where(differs.any(axis=1), "correction", "unchanged"))
    withdrawn = (now["withdrawn"] == "yes").to_numpy() if "withdrawn" in now else False
    rows = pd.DataFrame(
        {
            "source_row": np.asarray(result.accepted.index, dtype="int64"),
            "cohort": incoming["cohort"].astype(str).to_numpy(),
            "horizon_months": _keys(incoming)["_horizon"].to_numpy(),
            "change": change,
            "withdrawn": withdrawn,
            "changed": changed,
        }
    )
    return Changes(rows, compared_with)


def upload_ingested(published: duckdb.DuckDBPyConnection | None, upload_id: str) -> bool:
    return upload_id in _loaded_upload_ids(published)
