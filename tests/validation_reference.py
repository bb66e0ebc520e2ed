"""A slow, obviously-correct contract check: one cell and one row at a time, plain Python.

It restates docs/validation.md without pandas, so that the vectorised check in
``pipelines/ingest/validation.py`` can be compared with it on generated files
(tests/unit/test_validation_property.py). Only the header recognition, the national-id digit
check and the code lists are shared with the product: the first is a whole-file step, the other
two are tested on their own (test_privacy.py, the contracts).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from pipelines.contracts import Column, Contract, codelists
from pipelines.ingest.intake import RawTable
from pipelines.ingest.privacy import MASK, contains_national_id, is_national_id
from pipelines.ingest.validation import recognise

REQUIRED = "«{label}» må fylles ut."
TYPING = {
    "integer": "«{value}» i «{label}» er ikke et heltall.",
    "decimal": "«{value}» i «{label}» er ikke et tall. Skriv f.eks. 62,5.",
    "date": "«{value}» i «{label}» er ikke en gyldig dato. Skriv dd.mm.åååå, f.eks. 31.12.2019.",
    "code": "«{value}» er ikke en gyldig verdi for «{label}». Gyldige verdier: {allowed}.",
}
CHECKS = {
    "range": "«{value}» i «{label}» er utenfor gyldig område ({min}–{max}).",
    "pattern": "«{value}» har ugyldig format for «{label}» (bare bokstaver, tall, punktum, - og _).",
    "max_length": "Teksten i «{label}» er for lang (høyst {max_length} tegn).",
}
NATIONAL_ID = (
    "Cellen ser ut til å inneholde et fødselsnummer. Fødselsnummer skal aldri sendes inn; "
    "bruk programmets egen deltakerreferanse."
)
MAX_OTHER_ROWS = 20


class Bad(Exception):
    """A cell whose text is not a value of its column's type."""


def type_cell(text: str | None, column: Column) -> object:
    """The typed value of one cell (None for an empty cell), or Bad."""
    if text is None:
        return None
    text = text.strip()
    if column.type == "code":
        code = codelists()[column.codelist].resolve(text)
        if code is None:
            raise Bad
        return int(code) if column.store_as == "integer" else code
    if column.type == "date":
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text)
        if match:
            year, month, day = match.groups()
        else:
            match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
            if not match:
                raise Bad
            day, month, year = match.groups()
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise Bad from None
    if column.type == "integer":
        compact = re.sub(r"[\s\u00a0]", "", text)
        if not re.fullmatch(r"-?\d{1,9}(?:[.,]0+)?", compact):
            raise Bad
        return int(re.sub(r"[.,]0+$", "", compact))
    if column.type == "decimal":
        compact = re.sub(r"[\s\u00a0]", "", text).removesuffix("%")
        if re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?", compact):
            compact = compact.replace(".", "")
        compact = compact.replace(",", ".")
        if not re.fullmatch(r"-?\d{1,15}(?:\.\d{1,4})?", compact):
            raise Bad
        return compact
    return text


def shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def fill(template: str, values: dict[str, object]) -> str:
    class Missing(dict):
        def __missing__(self, key: str) -> str:
            return "?"

    return template.format_map(Missing(values))


def plus_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def broken_rules(contract: Contract, row: dict, received_on: date) -> list[str]:
    """The contract's cross-field rules this typed row breaks, in the contract's order."""
    broken = []
    if contract.name == "participant_followup":
        start, end, observed = row["programme_start"], row["programme_end"], row["observed_on"]
        status = row["status"]
        if start is not None and end is not None and end < start:
            broken.append("end_before_start")
        if status == "employed" and row["position_pct"] is None:
            broken.append("employed_needs_position_pct")
        if status == "employed" and row["contract_type"] is None:
            broken.append("employed_needs_contract_type")
        if status in ("employed", "self_employed", "internship") and row["job_relevance"] is None:
            broken.append("work_needs_relevance")
        if status is not None and status != "unknown" and observed is None:
            broken.append("known_status_needs_observed_on")
        if observed is not None and observed > received_on:
            broken.append("observed_on_in_future")
        if observed is not None and end is not None:
            window = contract.observation_window_days
            due = plus_months(end, row["horizon_months"] or 0)
            if not (
                due - timedelta(days=window["before"])
                <= observed
                <= due + timedelta(days=window["after"])
            ):
                broken.append("observed_on_outside_window")
    elif contract.name == "programme_status_report":
        start, end = row["period_start"], row["period_end"]
        if start is not None and end is not None and end < start:
            broken.append("end_before_start")
        planned, recruited = row["pairs_planned"], row["pairs_recruited"]
        if planned is not None and recruited is not None and recruited > planned:
            broken.append("recruited_more_than_planned")
    return broken


def rule_values(contract: Contract, rule_id: str, row: dict) -> dict[str, object]:
    values = {name: shown(value) for name, value in row.items()}
    if "status" in row:
        code = row["status"]
        values["status_nb"] = codelists()["status"].label(code) if code is not None else ""
    if rule_id == "observed_on_outside_window":
        window = contract.observation_window_days
        due = plus_months(row["programme_end"], row["horizon_months"] or 0)
        values["window_start"] = shown(due - timedelta(days=window["before"]))
        values["window_end"] = shown(due + timedelta(days=window["after"]))
    return values


def check(
    table: RawTable, received_on: date, claimed: str | None = None
) -> tuple[list[dict], dict[int, dict]]:
    """(findings in receipt order, accepted rows as {file row: typed values})."""
    contract, mapping, _ = recognise(table.header)
    frame = table.frame
    rows = {
        int(r): dict(zip(frame.columns, frame.loc[r].tolist(), strict=True)) for r in frame.index
    }
    found: list[dict] = []

    def add(row, column, value, rule, severity, message):
        found.append(
            {
                "source_row": row,
                "column_name": column,
                "value": value,
                "rule": rule,
                "severity": severity,
                "message_nb": message,
            }
        )

    for pos in frame.columns:
        for r, cells in rows.items():
            text = cells[pos]
            if text is None:
                continue
            if contains_national_id(text) or (
                text.isdigit() and len(text) == 10 and is_national_id("0" + text)
            ):
                name = mapping.get(pos, table.header[pos] if pos < len(table.header) else str(pos))
                add(r, name, MASK, "national_id", "error", NATIONAL_ID)

    typed: dict[int, dict] = {r: {} for r in rows}
    failed: set[tuple[int, str]] = set()
    position = {name: pos for pos, name in mapping.items()}
    for col in contract.columns:
        for r, cells in rows.items():
            text = cells[position[col.name]] if col.name in position else None
            try:
                typed[r][col.name] = type_cell(text, col)
            except Bad:
                typed[r][col.name] = None
                failed.add((r, col.name))
                allowed = ""
                if col.codelist:
                    codes = codelists()[col.codelist].codes
                    allowed = ", ".join(f"{label} ({code})" for code, label in codes.items())
                message = fill(
                    TYPING[col.type], {"value": text, "label": col.label_nb, "allowed": allowed}
                )
                add(r, col.name, text, col.type, "error", message)

    def number(value: float | None) -> str:
        if value is None:
            return ""
        return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")

    for col in contract.columns:
        checks = []
        if col.min is not None or col.max is not None:
            lo = col.min if col.min is not None else float("-inf")
            hi = col.max if col.max is not None else float("inf")
            checks.append(("range", lambda v, lo=lo, hi=hi: lo <= float(v) <= hi))
        if col.pattern:
            checks.append(("pattern", lambda v, p=col.pattern: re.match(p, v) is not None))
        if col.max_length:
            checks.append(("max_length", lambda v, n=col.max_length: len(v) <= n))
        if col.required:
            for r in rows:
                if typed[r][col.name] is None and (r, col.name) not in failed:
                    add(
                        r,
                        col.name,
                        None,
                        "required",
                        "error",
                        fill(REQUIRED, {"label": col.label_nb}),
                    )
        for name, passes in checks:
            for r in rows:
                value = typed[r][col.name]
                if value is None or passes(value):
                    continue
                values = {
                    "value": shown(value),
                    "label": col.label_nb,
                    "min": number(col.min),
                    "max": number(col.max),
                    "max_length": "" if col.max_length is None else col.max_length,
                }
                add(r, col.name, shown(value), name, "error", fill(CHECKS[name], values))

    def add_rule(r: int, rule_id: str, **extra: object) -> None:
        rule = contract.rules[rule_id]
        values = {**rule_values(contract, rule_id, typed[r]), **extra}
        column = rule.columns[0]
        value = typed[r].get(column)
        add(
            r,
            column,
            shown(value) if value is not None else None,
            rule_id,
            rule.severity,
            fill(rule.message_nb, values),
        )

    for rule_id in contract.rules:
        for r in rows:
            if rule_id in broken_rules(contract, typed[r], received_on) and (
                (r, contract.rules[rule_id].columns[0]) not in failed
            ):
                add_rule(r, rule_id)

    groups: dict[tuple, list[int]] = {}
    for r in rows:
        key = [typed[r][k] for k in contract.key]
        if all(v is not None for v in key):
            groups.setdefault(tuple(str(v).upper() for v in key), []).append(r)
    for members in groups.values():
        if len(members) < 2:
            continue
        contents = {tuple(typed[r].values()) for r in members}
        if len(contents) == 1:
            for r in members[1:]:
                add_rule(r, "exact_duplicate", other_rows=members[0])
        else:
            for r in members:
                others = [m for m in members if m != r]
                text = ", ".join(str(m) for m in others[:MAX_OTHER_ROWS])
                if len(others) > MAX_OTHER_ROWS:
                    text += f" og {len(others) - MAX_OTHER_ROWS} til"
                add_rule(r, "duplicate_in_file", other_rows=text)

    if claimed is not None and "other_programme" in contract.rules:
        for r in rows:
            programme = typed[r]["programme_id"]
            if programme is not None and programme.upper() != claimed.upper():
                add_rule(r, "other_programme", claimed_programme_id=claimed)

    seen: set[tuple] = set()
    unique = []
    for finding in found:
        key = (finding["source_row"], finding["column_name"], finding["rule"])
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    unique.sort(key=lambda f: (f["source_row"], f["severity"], f["column_name"]))
    rejected = {f["source_row"] for f in unique if f["severity"] == "error"}
    return unique, {r: typed[r] for r in rows if r not in rejected}
