"""The uploader's receipt: what was accepted, what was rejected and why, in Norwegian.

The verdict is computed on codes (severity ``error``/``warning``, rule ids, column names); the
Norwegian labels are applied here, when a text, a page or a download is rendered. Findings are
shown grouped by rule - severity, count, the first examples - so a receipt fits a screen
whatever the file; the whole list goes into a download (CSV and XLSX, receipt_files.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.contracts import Contract
from pipelines.ingest.landing import LandedFile
from pipelines.ingest.validation import ValidationResult

OUTCOME_NB = {
    "accepted": "godkjent",
    "partly_accepted": "delvis godkjent",
    "rejected": "avvist",
    "refused": "avvist (fødselsnummer)",
}
SEVERITY_NB = {"error": "feil", "warning": "advarsel"}
WHOLE_FILE_NB = "(hele filen)"

RECEIPT_HEADERS_NB = {
    "source_row": "Rad",
    "column_name": "Kolonne",
    "value": "Verdi",
    "severity": "Alvorlighet",
    "message_nb": "Melding",
    "rule": "Regel (kode)",
}

# Said only of files whose rows will reach the warehouse; a test checks that no receipt of a
# refused or rejected file contains it.
LOADING_NB = "Filen ligger i mottaket, og de godkjente radene leses inn i varehuset automatisk"

EXAMPLES = 5
MAX_CLI_LINES = 60


@dataclass(frozen=True)
class Example:
    row: int | None
    column: str | None
    value: str | None


@dataclass(frozen=True)
class RuleGroup:
    """All findings of one rule on one column: how many, and the first few."""

    severity: str  # code: error / warning
    rule: str
    column: str | None  # None: the whole file
    count: int
    message_nb: str  # the first finding's message, as an example of what the rule says
    examples: tuple[Example, ...]

    @property
    def severity_nb(self) -> str:
        return SEVERITY_NB.get(self.severity, self.severity)


def outcome_of(landed: LandedFile | None, result: ValidationResult) -> str:
    return "refused" if landed is not None and landed.refused else result.outcome


def column_label(contract: Contract | None, column: str | None) -> str:
    if column is None or (not isinstance(column, str) and pd.isna(column)):
        return WHOLE_FILE_NB
    if contract is not None and column in contract.column_names:
        return f"{contract.column(column).label_nb} ({column})"
    return column


def _text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def rule_groups(issues: pd.DataFrame, examples: int = EXAMPLES) -> list[RuleGroup]:
    """The findings grouped by severity, rule and column: errors first, then the largest
    groups; each with its count and its first ``examples`` findings in file order."""
    if issues.empty:
        return []
    keys = ["severity", "rule", "column_name"]
    frame = issues[[*keys, "source_row", "value", "message_nb"]].copy()
    frame["column_name"] = frame["column_name"].astype(object).where(frame["column_name"].notna())
    frame["_order"] = range(len(frame))
    grouped = frame.groupby(keys, sort=False, dropna=False)
    # Both in order of first appearance, so the n-th count belongs to the n-th group of heads.
    counts = grouped.size().tolist()
    heads = grouped.head(examples).groupby(keys, sort=False, dropna=False)
    groups = []
    for count, (key, rows) in zip(counts, heads, strict=True):
        severity, rule, column = key
        column = _text(column)
        samples = tuple(
            Example(None if pd.isna(r) else int(r), column, _text(v))
            for r, v in zip(rows["source_row"], rows["value"], strict=True)
        )
        group = RuleGroup(
            severity, rule, column, int(count), str(rows["message_nb"].iloc[0]), samples
        )
        groups.append((severity != "error", -int(count), int(rows["_order"].iloc[0]), group))
    return [group for *_, group in sorted(groups, key=lambda g: g[:3])]


def receipt_table(result: ValidationResult) -> pd.DataFrame:
    """Every finding with Norwegian headers and labels: the downloadable list."""
    issues = result.issues
    contract = result.contract
    labels = {c: column_label(contract, c) for c in issues["column_name"].dropna().unique()}
    frame = pd.DataFrame(
        {
            "source_row": issues["source_row"].astype(object).where(issues["source_row"].notna()),
            "column_name": issues["column_name"].map(labels).fillna(WHOLE_FILE_NB),
            "value": issues["value"].astype(object).where(issues["value"].notna(), ""),
            "severity": issues["severity"].map(SEVERITY_NB),
            "message_nb": issues["message_nb"],
            "rule": issues["rule"],
        }
    )
    return frame.rename(columns=RECEIPT_HEADERS_NB)


def rows_line_nb(result: ValidationResult) -> str:
    """ "Rader: N i filen, A godkjent, R avvist, W advarsler" - true for every kind of file."""
    if not result.rows_known:
        return "Rader: ukjent – filen kunne ikke leses så langt at radene kunne telles"
    return (
        f"Rader: {result.rows_total} i filen, {len(result.accepted)} godkjent, "
        f"{result.rows_rejected} avvist, {result.warnings} advarsler"
    )


def summary_nb(landed: LandedFile | None, result: ValidationResult) -> str:
    outcome = OUTCOME_NB[outcome_of(landed, result)]
    if result.file_error is not None:
        return f"Filen er {outcome}: {result.file_error.message_nb}"
    return (
        f"Filen er {outcome}: {len(result.accepted)} av {result.rows_total} rader godkjent, "
        f"{result.rows_rejected} avvist, {result.warnings} advarsler."
    )


def next_step_nb(outcome: str, result: ValidationResult, is_new: bool = True) -> str:
    """What happens to the file now, and what the uploader should do: never that a refused or
    rejected file will be loaded."""
    if outcome == "refused":
        return (
            "Filen er ikke lagret, og ingenting fra den leses inn. Neste steg: fjern "
            "fødselsnumrene (bruk programmets egen deltakerreferanse) og last opp filen på nytt."
        )
    if outcome == "rejected":
        why = (
            "filen som helhet er avvist"
            if result.file_error is not None
            else "ingen rader ble godkjent"
        )
        return (
            f"Ingenting fra filen leses inn i varehuset: {why}. Neste steg: rett feilene "
            "over og last opp filen på nytt."
        )
    if not is_new:
        return "Filen er mottatt før med nøyaktig samme innhold; den leses ikke inn på nytt."
    loading = f"{LOADING_NB} (eller med `imdi run`)."
    if outcome == "partly_accepted":
        return (
            f"{loading} Neste steg: rett de {result.rows_rejected} avviste radene og send dem "
            "på nytt; rader som allerede er godkjent, trenger ikke sendes igjen."
        )
    return loading


def _group_lines(group: RuleGroup, contract: Contract | None) -> list[str]:
    where = column_label(contract, group.column)
    noun = "rad" if group.count == 1 else "rader"
    lines = [
        f"  {group.severity_nb}: {where} – {group.count} {noun} [{group.rule}]",
        f"      {group.message_nb}",
    ]
    for example in group.examples:
        if example.row is None:
            continue
        shown = f"«{example.value}»" if example.value not in (None, "") else "(tom)"
        lines.append(f"      rad {example.row}: {shown}")
    return lines


@dataclass(frozen=True)
class ReceiptFiles:
    """Where the whole list of findings was written."""

    csv: Path
    xlsx: Path


def format_receipt(
    landed: LandedFile,
    result: ValidationResult,
    is_new: bool = True,
    files: ReceiptFiles | None = None,
    max_lines: int = MAX_CLI_LINES,
) -> str:
    """The receipt `imdi upload` prints: at most ``max_lines`` lines whatever the file."""
    outcome = outcome_of(landed, result)
    head = [
        f"Kvittering for «{landed.original_name}»",
        f"  Fil-ID (SHA-256): {landed.upload_id}",
        f"  Mottatt: {landed.received_at[:19].replace('T', ' ')} UTC",
    ]
    if not is_new:
        head.append("  Denne filen er lastet opp før (samme innhold). Ingenting er endret.")
    if result.contract is not None:
        head.append(f"  Gjenkjent som: {result.contract.title_nb} ({result.contract.name})")
    head.append(f"  Resultat: {OUTCOME_NB[outcome]} ({outcome})")
    head.append(f"  {rows_line_nb(result)}")
    if result.ignored_columns:
        names = result.ignored_columns
        shown = ", ".join(names[:10]) + (f" og {len(names) - 10} til" if len(names) > 10 else "")
        head.append(f"  Ukjente kolonner (ikke lest inn): {shown}")
    foot = [""]
    if files is not None and not result.issues.empty:
        foot.append(f"Hele listen ({len(result.issues)} funn): {files.csv}")
        foot.append(f"  (også som Excel: {files.xlsx})")
    foot.append(next_step_nb(outcome, result, is_new))

    groups = rule_groups(result.issues)
    body: list[str] = []
    if groups:
        noun = "regel" if len(groups) == 1 else "regler"
        body = ["", f"Funn per regel ({len(groups)} {noun}, {len(result.issues)} funn):"]
        room = max_lines - len(head) - len(body) - len(foot)
        for number, group in enumerate(groups):
            lines = _group_lines(group, result.contract)
            left = len(groups) - number - 1
            if len(lines) + (1 if left else 0) > room:
                rest = groups[number:]
                findings = sum(g.count for g in rest)
                body.append(f"  … og {len(rest)} regler til med {findings} funn: se hele listen.")
                break
            body.extend(lines)
            room -= len(lines)
    return "\n".join(head + body + foot)


def format_door_refusal(name: str, message_nb: str) -> str:
    """A file refused before it was read or stored (too large, too many rows)."""
    return "\n".join(
        [
            f"Kvittering for «{name}»",
            "  Resultat: avvist – filen er ikke lest og ikke lagret",
            "  Rader: ikke telt – filen ble avvist før den ble lest",
            f"  - feil: {WHOLE_FILE_NB}: {message_nb}",
            "",
            "Ingenting fra filen leses inn i varehuset. Neste steg: del filen opp eller fjern "
            "det som ikke hører til malen, og last opp på nytt.",
        ]
    )
