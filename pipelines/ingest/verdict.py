"""The verdict on one landed file - the contract check, or the refusal recorded at landing -
without touching the warehouse. The portal's and `imdi upload`'s receipts and the warehouse's
load all come from here, so they agree (and this module does not load DuckDB: a small upload's
answer is due within two seconds of starting the command)."""

from __future__ import annotations

import pandas as pd

from pipelines.ingest.intake import IntakeError, RawTable, read_table
from pipelines.ingest.landing import LandedFile
from pipelines.ingest.privacy import MASK
from pipelines.ingest.validation import (
    ISSUE_COLUMNS,
    ValidationResult,
    file_rejection,
    validate_table,
)


def check_file(
    landed: LandedFile, data: bytes | None, parsed: RawTable | IntakeError | None = None
) -> ValidationResult:
    """The verdict on one landed file, without touching the warehouse. ``parsed``: the file's
    cells (or the error reading them), when the caller has parsed the bytes already."""
    if landed.refused is not None:
        return _refusal(landed)
    if parsed is None:
        try:
            parsed = read_table(data or b"")
        except IntakeError as error:
            parsed = error
    if isinstance(parsed, IntakeError):
        return file_rejection(parsed)
    return validate_table(parsed, landed.received_datetime.date(), landed.claimed_programme_id)


def _refusal(landed: LandedFile) -> ValidationResult:
    refused = landed.refused or {}
    header = refused.get("header", [])
    records = [
        {
            "source_row": row if row else 1,
            "column_name": header[col] if col < len(header) else str(col + 1),
            "value": MASK,
            "rule": "national_id",
            "severity": "error",
            "message_nb": refused["message_nb"],
        }
        for row, col in refused.get("cells", [])
    ]
    # Files refused before this count was recorded say their rows are unknown.
    result = file_rejection(
        IntakeError("national_id", refused["message_nb"]), rows=refused.get("rows")
    )
    result.issues = pd.concat(
        [result.issues, pd.DataFrame(records, columns=ISSUE_COLUMNS)], ignore_index=True
    )
    return result
