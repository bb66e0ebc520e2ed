"""The landing zone: immutable raw files, content-addressed by SHA-256.

Every channel (portal, CLI, drop folder, demo) lands files through :func:`land_bytes`, so there
is one ingest path. A file is written once and made read-only; landing the same bytes again
changes nothing. The metadata record is written last: a file without one was never landed.

The one exception to "the raw file is kept": a file holding a national identity number is
refused at the door. Its bytes are not stored (personal data stays minimal); the refusal, with
the row and column of each offending cell but never the number, is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.files import atomic_write
from pipelines.ingest.intake import IntakeError, RawTable, read_table
from pipelines.ingest.privacy import contains_national_id
from pipelines.settings import Paths


@dataclass(frozen=True)
class LandedFile:
    upload_id: str
    original_name: str
    channel: str
    received_at: str  # ISO timestamp, UTC, no zone suffix (the warehouse stores naive UTC)
    size_bytes: int
    uploaded_by: str | None = None
    claimed_programme_id: str | None = None
    refused: dict | None = None

    @property
    def received_datetime(self) -> datetime:
        return datetime.fromisoformat(self.received_at)


@dataclass(frozen=True)
class LandingResult:
    landed: LandedFile
    is_new: bool


def safe_display_name(name: str) -> str:
    """The uploader's file name for display only; paths and control characters removed."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:120] or "uten-navn"


def _files(paths: Paths) -> Path:
    return paths.landing / "files"


def _meta(paths: Paths) -> Path:
    return paths.landing / "meta"


def national_id_refusal(data: bytes, parsed: RawTable | IntakeError | None = None) -> dict | None:
    """Where a file holds national identity numbers: row and column of each, no values.

    ``parsed``: the file's cells (or the error reading them) when the caller has them already."""
    if parsed is None:
        try:
            parsed = read_table(data)
        except IntakeError as error:
            parsed = error
    if isinstance(parsed, IntakeError):
        return None  # unreadable files are landed and reported by the ingest step
    table = parsed
    header_cells = [
        [0, pos] for pos, text in enumerate(table.header) if contains_national_id(text or "")
    ]
    cells = [[int(row), int(col)] for row, col in table.national_id_cells()]
    cells = header_cells + cells
    if not cells:
        return None
    return {
        "rule": "national_id",
        "cells": cells,
        "header": table.header,
        "rows": len(table.frame),
        "message_nb": (
            "Filen inneholder fødselsnummer og er avvist uten å bli lagret. Fjern fødselsnummer "
            "(bruk programmets egen deltakerreferanse) og last opp på nytt."
        ),
    }


def land_bytes(
    paths: Paths,
    data: bytes,
    original_name: str,
    channel: str,
    uploaded_by: str | None = None,
    claimed_programme_id: str | None = None,
    received_at: datetime | None = None,
    parsed: RawTable | IntakeError | None = None,
) -> LandingResult:
    """Put one upload into the landing zone (idempotent by content). ``parsed``: the file's
    cells (or the error reading them), when the caller has parsed it already."""
    upload_id = hashlib.sha256(data).hexdigest()
    meta_path = _meta(paths) / f"{upload_id}.json"
    if meta_path.exists():
        return LandingResult(read_meta(meta_path), is_new=False)
    stamp = (received_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    refused = national_id_refusal(data, parsed)
    landed = LandedFile(
        upload_id=upload_id,
        original_name=safe_display_name(original_name),
        channel=channel,
        received_at=stamp.isoformat(timespec="microseconds"),
        size_bytes=len(data),
        uploaded_by=uploaded_by,
        claimed_programme_id=claimed_programme_id,
        refused=refused,
    )
    if refused is None:
        target = _files(paths) / upload_id
        if not target.exists():
            atomic_write(target, data, mode=0o444)
    atomic_write(
        meta_path, json.dumps(asdict(landed), ensure_ascii=False, indent=1).encode(), mode=0o444
    )
    return LandingResult(landed, is_new=True)


def land_path(paths: Paths, path: Path, channel: str, **kwargs) -> LandingResult:
    return land_bytes(paths, path.read_bytes(), path.name, channel, **kwargs)


def read_meta(meta_path: Path) -> LandedFile:
    return LandedFile(**json.loads(meta_path.read_text(encoding="utf-8")))


def landed_files(paths: Paths) -> list[LandedFile]:
    """Every landed file, oldest first (received_at, then id, so the order is reproducible)."""
    folder = _meta(paths)
    if not folder.exists():
        return []
    files = [read_meta(p) for p in folder.glob("*.json")]
    return sorted(files, key=lambda f: (f.received_at, f.upload_id))


def read_landed(paths: Paths, upload_id: str) -> bytes:
    return (_files(paths) / upload_id).read_bytes()


def sweep_inbox(paths: Paths) -> list[LandingResult]:
    """Land every file in the drop folder, then remove it there (the landing zone keeps it)."""
    results = []
    if not paths.inbox.exists():
        return results
    for path in sorted(
        p for p in paths.inbox.iterdir() if p.is_file() and not p.name.startswith(".")
    ):
        results.append(land_path(paths, path, channel="dropfolder"))
        path.unlink()
    return results
