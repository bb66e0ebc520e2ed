"""The portal's receipt: the contract check's verdict plus what the file changes in the warehouse.

For a follow-up file, each accepted row is classified against what IMDi already has for the
same programme, participant and horizon: a new follow-up, a correction ("rettelse") of an
earlier version, or unchanged. "What IMDi already has" is the published copy's raw table plus
files of the same programme that are landed but not yet loaded, so two uploads a minute apart
are compared with each other too. Only versions that arrived before this file count, so the
receipt of an old upload reads the same later.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import duckdb
import pandas as pd

from pipelines.contracts import Contract, codelists
from pipelines.ingest.landing import LandedFile, landed_files, read_landed
from pipelines.ingest.raw_load import check_file, storage_frame
from pipelines.ingest.receipt import OUTCOME_NB, RECEIPT_HEADERS_NB, receipt_table
from pipelines.ingest.validation import ValidationResult
from pipelines.settings import Paths, Settings

CHANGE_NB = {
    "new": "ny oppfølging",
    "correction": "rettelse",
    "unchanged": "uendret (samme som før)",
}
MAX_PENDING_FILES = 50  # landed-but-not-loaded files re-read to compare against


@dataclass
class RowChange:
    source_row: int
    cohort: str
    horizon_nb: str
    change: str  # new / correction / unchanged
    withdrawn: bool
    changed_columns: list[str] = field(default_factory=list)

    @property
    def change_nb(self) -> str:
        text = CHANGE_NB[self.change]
        return f"{text}, trukket" if self.withdrawn else text


@dataclass
class Receipt:
    landed: LandedFile
    result: ValidationResult
    repeated: bool  # identical bytes were landed before: nothing changes
    ingested: bool  # the published warehouse already holds this file
    changes: list[RowChange] | None
    compared_with: str
    formulas: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "refused" if self.landed.refused else self.result.outcome

    @property
    def outcome_nb(self) -> str:
        return OUTCOME_NB[self.outcome]

    @property
    def issues(self) -> pd.DataFrame:
        return receipt_table(self.result)

    def _records(self, severity: str) -> list[dict[str, object]]:
        issues = self.issues
        chosen = issues[issues["Alvorlighet"] == severity].astype(object)
        return [
            {
                k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
                for k, v in r.items()
            }
            for r in chosen.to_dict("records")
        ]

    @property
    def errors(self) -> list[dict[str, object]]:
        return self._records("feil")

    @property
    def warnings(self) -> list[dict[str, object]]:
        return self._records("advarsel")

    def count(self, change: str) -> int:
        return sum(1 for c in self.changes or [] if c.change == change)

    @property
    def withdrawn(self) -> int:
        return sum(1 for c in self.changes or [] if c.withdrawn)

    @property
    def summary_nb(self) -> str:
        r = self.result
        if r.file_error is not None:
            return f"Filen er {self.outcome_nb}: {r.file_error.message_nb}"
        return (
            f"Filen er {self.outcome_nb}: {len(r.accepted)} av {r.rows_total} rader godkjent, "
            f"{r.rows_rejected} avvist, {r.warnings} advarsler."
        )


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
        return str(value)[:10]
    if kind in ("decimal", "integer"):
        try:
            number = Decimal(str(value)).normalize()
        except InvalidOperation:
            return str(value)
        return format(number, "f")
    text = str(value).strip()
    return text or None


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
    cursor = con.execute(
        "SELECT * FROM raw.raw_followups "
        f"WHERE upper(programme_id) IN ({placeholders}) AND upload_id <> ? AND reported_at < ?",
        [*programme_ids, upload_id, before],
    )
    names = [d[0] for d in cursor.description]
    return pd.DataFrame.from_records(cursor.fetchall(), columns=names)


def _loaded_upload_ids(con: duckdb.DuckDBPyConnection | None) -> set[str]:
    if con is None:
        return set()
    try:
        return {r[0] for r in con.execute("SELECT upload_id FROM raw.raw_uploads").fetchall()}
    except duckdb.Error:
        return set()


def _pending_versions(
    paths: Paths, landed: LandedFile, programme_ids: list[str], loaded: set[str], key: bytes
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
        result = check_file(other, read_landed(paths, other.upload_id))
        if result.contract is None or result.contract.name != "participant_followup":
            continue
        if result.accepted.empty:
            continue
        frame = storage_frame(result.contract, result.accepted, key)
        frame["reported_at"] = other.received_at
        frames.append(frame.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def classify_rows(
    settings: Settings,
    landed: LandedFile,
    result: ValidationResult,
    published: duckdb.DuckDBPyConnection | None,
) -> tuple[list[RowChange] | None, str]:
    """Each accepted follow-up row as new / correction / unchanged, and what it was compared with."""
    spec = result.contract
    if spec is None or spec.name != "participant_followup" or result.accepted.empty:
        return None, ""
    key = settings.key()
    incoming = storage_frame(spec, result.accepted, key)
    programme_ids = sorted({str(p).strip().upper() for p in incoming["programme_id"]})
    loaded = _loaded_upload_ids(published)
    earlier = []
    basis = []
    if published is not None:
        try:
            earlier.append(
                _published_versions(published, programme_ids, landed.upload_id, landed.received_at)
            )
            basis.append("det publiserte varehuset")
        except duckdb.Error:
            pass
    pending = _pending_versions(settings.paths, landed, programme_ids, loaded, key)
    if not pending.empty:
        earlier.append(pending)
        basis.append("filer som venter på innlesing")
    compared_with = " og ".join(basis) if basis else "ingenting (varehuset er ikke publisert ennå)"

    columns = _compared_columns(spec)
    latest: dict[tuple[str, str, int], dict[str, str | None]] = {}
    versions = (
        pd.concat([e for e in earlier if not e.empty], ignore_index=True) if earlier else None
    )
    if versions is not None and not versions.empty:
        versions = versions.assign(_at=pd.to_datetime(versions["reported_at"]))
        for row in versions.sort_values("_at", kind="stable").to_dict("records"):
            k = (
                str(row["programme_id"]).strip().upper(),
                str(row["participant_key"]),
                int(row["horizon_months"]),
            )
            latest[k] = {name: _normalise(row.get(name), kind) for name, kind, _ in columns}

    horizons = codelists()["horizon_months"]
    changes = []
    for source_row, row in zip(result.accepted.index, incoming.to_dict("records"), strict=True):
        k = (
            str(row["programme_id"]).strip().upper(),
            str(row["participant_key"]),
            int(row["horizon_months"]),
        )
        now = {name: _normalise(row.get(name), kind) for name, kind, _ in columns}
        before = latest.get(k)
        if before is None:
            change, differing = "new", []
        else:
            differing = [label for name, _, label in columns if now[name] != before[name]]
            change = "correction" if differing else "unchanged"
        changes.append(
            RowChange(
                source_row=int(source_row),
                cohort=str(row["cohort"]),
                horizon_nb=horizons.label(str(k[2])),
                change=change,
                withdrawn=now.get("withdrawn") == "yes",
                changed_columns=differing,
            )
        )
        latest[k] = now  # a later row of the same file (rejected as duplicate anyway) compares here
    return changes, compared_with


def upload_ingested(published: duckdb.DuckDBPyConnection | None, upload_id: str) -> bool:
    return upload_id in _loaded_upload_ids(published)


# --- the CSV receipt ---------------------------------------------------------------------------


def receipt_csv(receipt: Receipt) -> bytes:
    """Semicolon-separated, UTF-8 with BOM, so Norwegian Excel opens it as it is."""
    headers = list(RECEIPT_HEADERS_NB.values())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    landed = receipt.landed
    summary = f"«{landed.original_name}» mottatt {landed.received_at[:19].replace('T', ' ')} UTC. "
    summary += receipt.summary_nb
    if receipt.repeated:
        summary += " Filen er lastet opp før med samme innhold; ingenting er endret i varehuset."
    writer.writerow(["", "(hele filen)", landed.upload_id, "oppsummering", summary, "receipt"])
    for issue in receipt.issues.itertuples(index=False):
        writer.writerow(
            ["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in issue]
        )
    if not receipt.repeated:
        for change in receipt.changes or []:
            detail = change.change_nb
            if change.changed_columns:
                detail += " (endret: " + ", ".join(change.changed_columns) + ")"
            writer.writerow(
                [
                    change.source_row,
                    "(hele raden)",
                    f"{change.cohort} / {change.horizon_nb}",
                    "endring",
                    detail,
                    change.change,
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
