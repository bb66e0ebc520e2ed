"""The uploader's receipt: what was accepted, what was rejected and why, in Norwegian."""

from __future__ import annotations

import pandas as pd

from pipelines.ingest.landing import LandedFile
from pipelines.ingest.validation import ValidationResult

OUTCOME_NB = {
    "accepted": "godkjent",
    "partly_accepted": "delvis godkjent",
    "rejected": "avvist",
    "refused": "avvist (fødselsnummer)",
}

RECEIPT_HEADERS_NB = {
    "source_row": "Rad",
    "column_name": "Kolonne",
    "value": "Verdi",
    "severity": "Alvorlighet",
    "message_nb": "Melding",
    "rule": "Regel (kode)",
}


def column_label(result: ValidationResult, column: str | None) -> str:
    if column is None:
        return "(hele filen)"
    if result.contract is not None and column in result.contract.column_names:
        label = result.contract.column(column).label_nb
        return f"{label} ({column})"
    return column


def receipt_table(result: ValidationResult) -> pd.DataFrame:
    """The issues with Norwegian headers, as shown to the uploader and written to the CSV receipt."""
    issues = result.issues.copy()
    issues["column_name"] = [column_label(result, c) for c in issues["column_name"]]
    issues["severity"] = issues["severity"].map({"error": "feil", "warning": "advarsel"})
    issues["source_row"] = issues["source_row"].map(lambda r: "" if pd.isna(r) else int(r))
    return issues[list(RECEIPT_HEADERS_NB)].rename(columns=RECEIPT_HEADERS_NB)


def format_receipt(landed: LandedFile, result: ValidationResult, is_new: bool = True) -> str:
    outcome = "refused" if landed.refused else result.outcome
    lines = [
        f"Kvittering for «{landed.original_name}»",
        f"  Fil-ID (SHA-256): {landed.upload_id}",
        f"  Mottatt: {landed.received_at[:19].replace('T', ' ')} UTC",
    ]
    if not is_new:
        lines.append("  Denne filen er lastet opp før (samme innhold). Ingenting er endret.")
    if result.contract is not None:
        lines.append(f"  Gjenkjent som: {result.contract.title_nb} ({result.contract.name})")
    lines.append(f"  Resultat: {OUTCOME_NB[outcome]} ({outcome})")
    lines.append(
        f"  Rader: {result.rows_total} i filen, {len(result.accepted)} godkjent, "
        f"{result.rows_rejected} avvist, {result.warnings} advarsler"
    )
    if result.ignored_columns:
        lines.append("  Ukjente kolonner (ikke lest inn): " + ", ".join(result.ignored_columns))
    for issue in receipt_table(result).itertuples(index=False):
        row, column, value, severity, message, _rule = issue
        where = f"rad {row}, " if row != "" else ""
        shown = f" [verdi: {value}]" if value not in (None, "") and not pd.isna(value) else ""
        lines.append(f"  - {severity}: {where}{column}: {message}{shown}")
    return "\n".join(lines)
