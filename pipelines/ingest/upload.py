"""One upload from a person (portal or `imdi upload`): limits, landing and the verdict, with the
file parsed once.

The limits protect the answer a person waits for: a file over the size limit is refused before
it is read, a file over the row limit before it is parsed in full, and neither is stored. Files
put in the drop folder by IMDi staff have no such limits (the sensor loads them in the
background). Everything else - unreadable files, unknown columns, bad rows - is landed and
judged exactly as the warehouse will judge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipelines.ingest.intake import IntakeError, RawTable, read_table
from pipelines.ingest.landing import LandingResult, land_bytes
from pipelines.ingest.validation import ValidationResult, file_rejection
from pipelines.ingest.verdict import check_file
from pipelines.settings import Paths, Settings

# Refused before reading or storing: nothing of the file is kept.
DOOR_CODES = ("too_large", "too_many_rows")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.max_upload_bytes, settings.max_upload_rows)


def too_large_message(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    shown = f"{mb:.0f}" if mb >= 1 else f"{mb:.2f}".replace(".", ",")
    return (
        f"Filen er for stor: høyst {shown} MB er tillatt. Del filen opp, eller fjern ark og "
        "kolonner som ikke hører til malen."
    )


def too_large(limits: Limits) -> IntakeError:
    return IntakeError("too_large", too_large_message(limits.max_bytes))


@dataclass(frozen=True)
class Received:
    """What became of one upload: landed (with its verdict), or refused at the door."""

    landing: LandingResult | None  # None: refused before it was read; nothing stored
    result: ValidationResult
    table: RawTable | None = None  # the parsed cells, for anything else the receipt shows

    @property
    def refused_at_door(self) -> IntakeError | None:
        return self.result.file_error if self.landing is None else None


def receive(
    paths: Paths,
    data: bytes,
    name: str,
    channel: str,
    limits: Limits,
    uploaded_by: str | None = None,
    claimed_programme_id: str | None = None,
    received_at: datetime | None = None,
) -> Received:
    """Check the limits, land the file and judge it; the bytes are parsed once for both the
    landing's identity-number check and the contract check."""
    if len(data) > limits.max_bytes:
        return Received(None, file_rejection(too_large(limits)))
    try:
        parsed: RawTable | IntakeError = read_table(data, max_rows=limits.max_rows)
    except IntakeError as error:
        if error.code in DOOR_CODES:
            return Received(None, file_rejection(error))
        parsed = error
    landing = land_bytes(
        paths,
        data,
        name,
        channel,
        uploaded_by=uploaded_by,
        claimed_programme_id=claimed_programme_id,
        received_at=received_at,
        parsed=parsed,
    )
    table = parsed if isinstance(parsed, RawTable) else None
    return Received(landing, check_file(landing.landed, data, parsed), table)
