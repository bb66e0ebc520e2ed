"""The contract check: every row of an upload is accepted or rejected with reasons.

Cells arrive as text and are typed here column by column, so a bad cell is
reported with its row and value (pandera would skip later checks on a column whose coercion
failed, and report no index for dtype failures). pandera then checks the typed frame lazily:
required cells, ranges, patterns, lengths and the cross-field rules of the contract.

Policy for a partly bad file (docs/validation.md): rows with an error are rejected and stored
in the rejection report; the other rows are accepted. Whole-file problems (unreadable file,
unknown or missing required columns) reject the file. Warnings never reject a row.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from pipelines.contracts import Column, Contract, codelists, contracts, normalise_label
from pipelines.ingest.intake import IntakeError, RawTable
from pipelines.ingest.privacy import MASK, national_id_cells

ISSUE_COLUMNS = ["source_row", "column_name", "value", "rule", "severity", "message_nb"]

_GENERIC_MESSAGES = {
    "required": "«{label}» må fylles ut.",
    "integer": "«{value}» i «{label}» er ikke et heltall.",
    "decimal": "«{value}» i «{label}» er ikke et tall. Skriv f.eks. 62,5.",
    "date": "«{value}» i «{label}» er ikke en gyldig dato. Skriv dd.mm.åååå, f.eks. 31.12.2019.",
    "code": "«{value}» er ikke en gyldig verdi for «{label}». Gyldige verdier: {allowed}.",
    "range": "«{value}» i «{label}» er utenfor gyldig område ({min}–{max}).",
    "pattern": "«{value}» har ugyldig format for «{label}» (bare bokstaver, tall, punktum, - og _).",
    "max_length": "Teksten i «{label}» er for lang (høyst {max_length} tegn).",
    "national_id": (
        "Cellen ser ut til å inneholde et fødselsnummer. Fødselsnummer skal aldri sendes inn; "
        "bruk programmets egen deltakerreferanse."
    ),
}


@dataclass
class ValidationResult:
    """What the contract check decided for one file."""

    contract: Contract | None
    rows_total: int
    accepted: pd.DataFrame  # canonical columns, typed; index = file row number
    issues: pd.DataFrame  # ISSUE_COLUMNS
    file_error: IntakeError | None = None
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_total - len(self.accepted)

    @property
    def warnings(self) -> int:
        return int((self.issues["severity"] == "warning").sum())

    @property
    def outcome(self) -> str:
        if self.file_error is not None or (self.rows_total and self.accepted.empty):
            return "rejected"
        return "partly_accepted" if self.rows_rejected else "accepted"


def _issues_frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=ISSUE_COLUMNS)


def file_rejection(error: IntakeError, contract: Contract | None = None) -> ValidationResult:
    issue = {
        "source_row": None,
        "column_name": None,
        "value": None,
        "rule": error.code,
        "severity": "error",
        "message_nb": error.message_nb,
    }
    return ValidationResult(contract, 0, pd.DataFrame(), _issues_frame([issue]), error)


# --- recognising the file ------------------------------------------------------------------


def recognise(header: list[str]) -> tuple[Contract, dict[int, str], list[str]]:
    """Pick the contract the header belongs to; map positions to column names.

    Raises IntakeError when no contract fits or required columns are missing, naming them.
    """
    normalised = [normalise_label(h) for h in header]
    best: tuple[int, Contract] | None = None
    for c in contracts().values():
        lookup = c.header_lookup
        score = len({lookup[h] for h in normalised if h in lookup})
        required = sum(
            1
            for col in c.columns
            if col.required and col.name in {lookup.get(h) for h in normalised}
        )
        candidate = (score + required, c)
        if best is None or candidate[0] > best[0]:
            best = candidate
    matched = (
        0
        if best is None
        else len({best[1].header_lookup[h] for h in normalised if h in best[1].header_lookup})
    )
    if best is None or matched < 2:
        shown = ", ".join(f"«{h}»" for h in header if h) or "(ingen)"
        raise IntakeError(
            "unknown_columns",
            f"Fant ingen kjente kolonner i første rad ({shown}). Bruk malen fra IMDi med "
            "kolonnenavn som «Program-ID», «Deltakerreferanse», «Status».",
        )
    chosen = best[1]
    lookup = chosen.header_lookup
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    seen: dict[str, int] = {}
    for pos, norm in enumerate(normalised):
        name = lookup.get(norm)
        if name is None:
            if header[pos]:
                ignored.append(header[pos])
            continue
        if name in seen:
            raise IntakeError(
                "duplicate_column",
                f"Kolonnen «{chosen.column(name).label_nb}» står to ganger (kolonne "
                f"{seen[name] + 1} og {pos + 1}).",
            )
        seen[name] = pos
        mapping[pos] = name
    missing = [col for col in chosen.columns if col.required and col.name not in seen]
    if missing:
        names = ", ".join(f"«{col.label_nb}» ({col.name})" for col in missing)
        raise IntakeError(
            "missing_columns",
            f"Filen ser ut som «{chosen.title_nb}», men mangler påkrevde kolonner: {names}.",
        )
    return chosen, mapping, ignored


# --- typing, column by column ----------------------------------------------------------------


def _strip(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.isna(), values.astype(str).str.strip())


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """dd.mm.yyyy or ISO yyyy-mm-dd (with a midnight time from Excel); never guessing order."""
    text = _strip(values)
    present = text.notna()
    s = text.fillna("")
    iso = s.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
    nor = s.str.extract(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
    year = iso[0].fillna(nor[2])
    month = iso[1].fillna(nor[1])
    day = iso[2].fillna(nor[0])
    iso_text = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    parsed = pd.to_datetime(iso_text, format="%Y-%m-%d", errors="coerce")
    bad = present & parsed.isna()
    return parsed.dt.date.astype("object").where(parsed.notna(), None), bad


def parse_integers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _strip(values)
    present = text.notna()
    s = text.fillna("").str.replace(r"[\s\u00a0]", "", regex=True)
    ok = s.str.fullmatch(r"-?\d{1,9}(?:[.,]0+)?")
    parsed = pd.to_numeric(s.where(ok).str.replace(r"[.,]0+$", "", regex=True), errors="coerce")
    return parsed.astype("Int64"), present & ~ok


def clean_decimals(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal text with a point ('62.5'), ready for an exact DECIMAL cast in DuckDB.

    Accepts decimal comma, thousands separators (space, no-break space, or '.' groups before a
    decimal comma) and a trailing '%'. Kept as text so no precision is lost through float.
    """
    text = _strip(values)
    present = text.notna()
    s = text.fillna("").str.replace(r"[\s\u00a0]", "", regex=True).str.removesuffix("%")
    grouped = s.str.fullmatch(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
    s = s.where(~grouped, s.str.replace(".", "", regex=False))
    s = s.str.replace(",", ".", regex=False)
    ok = s.str.fullmatch(r"-?\d{1,15}(?:\.\d{1,4})?")
    return s.where(ok & present, None), present & ~ok


def resolve_codes(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    codelist = codelists()[column.codelist]
    text = _strip(values)
    uniques = text.dropna().unique()
    mapping = {u: codelist.resolve(u) for u in uniques}
    resolved = text.map(mapping)
    bad = text.notna() & resolved.isna()
    if column.store_as == "integer":
        resolved = pd.to_numeric(resolved, errors="coerce").astype("Int64")
    return resolved, bad


def _allowed(column: Column) -> str:
    codes = codelists()[column.codelist].codes
    return ", ".join(f"{label} ({code})" for code, label in codes.items())


# Typing is a pure function of the column's kind and the cell's text, and files repeat the same
# dates, codes and numbers file after file: the results are remembered per process, per kind.
# A full rebuild of the 10 000-participant demo types ~18 000 columns of ~26 cells each, where
# the pandas calls cost more than the values (docs/benchmarks.md). Bounded: cleared when full.
_TYPED_LIMIT = 200_000
_typed_memo: dict[tuple, dict[object, tuple[object, bool]]] = {}
_typed_memo_lock = threading.Lock()


def _memo_for(column: Column) -> dict[object, tuple[object, bool]]:
    """The remembered results of the column's kind of typing."""
    kind = (column.type, column.codelist if column.type == "code" else None, column.store_as)
    memo = _typed_memo.setdefault(kind, {})
    if len(memo) > _TYPED_LIMIT:
        memo.clear()
    return memo


def _as_typed(values: list[object], column: Column) -> pd.Series:
    """Typed values in the dtype _type_distinct gives them (what pandera and storage expect)."""
    if column.type == "integer" or (column.type == "code" and column.store_as == "integer"):
        return pd.Series(values, dtype="Int64")
    if column.type == "code":  # resolved codes: pandas' str, or all-missing float as map() gives
        if all(value is None for value in values):
            return pd.Series(float("nan"), index=range(len(values)), dtype="float64")
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype="object")


def _type_column(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Type each distinct cell text once (per process) and spread the results over the rows.

    Without pyarrow, pandas' string methods loop in Python per element; a column of a million
    rows holds a few thousand distinct dates, codes or numbers (docs/benchmarks.md)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == len(values) and len(values) > 1:
        return _type_distinct(values, column)  # all different (names, comments): nothing repeats
    keys = [*uniques, None]  # None: the empty cells (code -1)
    with _typed_memo_lock:  # the portal checks files in several threads
        memo = _memo_for(column)
        known = {key: memo[key] for key in keys if key in memo}
    unseen = [key for key in keys if key not in known]
    if unseen:
        typed, bad = _type_distinct(pd.Series(unseen, dtype="object"), column)
        typed = typed.astype("object").where(typed.notna(), None)
        fresh = dict(zip(unseen, zip(typed.tolist(), bad.tolist(), strict=True), strict=True))
        known.update(fresh)
        with _typed_memo_lock:
            _memo_for(column).update(fresh)
    results = [known[key] for key in keys]
    distinct = _as_typed([value for value, _ in results], column)
    distinct_bad = np.array([flag for _, flag in results], dtype=bool)
    codes[codes < 0] = len(uniques)
    typed = distinct.take(codes)
    typed.index = values.index
    return typed, pd.Series(distinct_bad[codes], index=values.index)


def _type_distinct(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    if column.type == "code":
        return resolve_codes(values, column)
    if column.type == "date":
        return parse_dates(values)
    if column.type == "integer":
        return parse_integers(values)
    if column.type == "decimal":
        return clean_decimals(values)
    text = _strip(values)
    return text, pd.Series(False, index=values.index)


def due_dates(programme_end: pd.Series, horizon_months: pd.Series) -> pd.Series:
    """programme_end + horizon months, vectorised; the day is clamped to the month's length
    (31.08 + 6 months = 28/29.02), as dbt's date arithmetic does."""
    ends = pd.to_datetime(programme_end)
    months = ends.dt.year * 12 + (ends.dt.month - 1) + horizon_months.fillna(0).astype("int64")
    first = pd.to_datetime(
        {"year": months // 12, "month": months % 12 + 1, "day": 1}, errors="coerce"
    )
    day = ends.dt.day.clip(upper=first.dt.days_in_month)
    return first + pd.to_timedelta(day - 1, unit="D")


# --- pandera: required, ranges, patterns and the cross-field rules -------------------------


def _column_checks(column: Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if column.min is not None or column.max is not None:
        lo = column.min if column.min is not None else float("-inf")
        hi = column.max if column.max is not None else float("inf")
        checks.append(
            pa.Check(lambda s, lo=lo, hi=hi: pd.to_numeric(s).between(lo, hi), name="range")
        )
    if column.pattern:
        checks.append(pa.Check(lambda s, p=column.pattern: s.str.match(p), name="pattern"))
    if column.max_length:
        checks.append(pa.Check(lambda s, n=column.max_length: s.str.len() <= n, name="max_length"))
    return checks


def _followup_rules(received_on: date, window: dict[str, int]) -> dict[str, callable]:
    work_statuses = ["employed", "self_employed", "internship"]

    def due(df: pd.DataFrame) -> pd.Series:
        return due_dates(df["programme_end"], df["horizon_months"])

    def outside_window(df: pd.DataFrame) -> pd.Series:
        observed = pd.to_datetime(df["observed_on"])
        due_on = due(df)
        lo = due_on - pd.Timedelta(days=window.get("before", 45))
        hi = due_on + pd.Timedelta(days=window.get("after", 92))
        return ~(observed.isna() | due_on.isna() | observed.between(lo, hi))

    return {
        "end_before_start": lambda df: (
            pd.to_datetime(df["programme_end"]) < pd.to_datetime(df["programme_start"])
        ),
        "employed_needs_position_pct": lambda df: (
            df["status"].eq("employed") & df["position_pct"].isna()
        ),
        "employed_needs_contract_type": lambda df: (
            df["status"].eq("employed") & df["contract_type"].isna()
        ),
        "work_needs_relevance": lambda df: (
            df["status"].isin(work_statuses) & df["job_relevance"].isna()
        ),
        "known_status_needs_observed_on": lambda df: (
            df["status"].notna() & df["status"].ne("unknown") & df["observed_on"].isna()
        ),
        "observed_on_in_future": lambda df: (
            pd.to_datetime(df["observed_on"]) > pd.Timestamp(received_on)
        ),
        "observed_on_outside_window": outside_window,
    }


def _status_report_rules() -> dict[str, callable]:
    return {
        "end_before_start": lambda df: (
            pd.to_datetime(df["period_end"]) < pd.to_datetime(df["period_start"])
        ),
        "recruited_more_than_planned": lambda df: (
            pd.to_numeric(df["pairs_recruited"]) > pd.to_numeric(df["pairs_planned"])
        ),
    }


def build_schema(contract: Contract, received_on: date) -> pa.DataFrameSchema:
    """The pandera schema generated from the contract (plus its named cross-field rules)."""
    columns = {
        col.name: pa.Column(
            None, checks=_column_checks(col), nullable=not col.required, required=False
        )
        for col in contract.columns
    }
    if contract.name == "participant_followup":
        rules = _followup_rules(received_on, contract.observation_window_days)
    elif contract.name == "programme_status_report":
        rules = _status_report_rules()
    else:
        rules = {}
    # A rule function returns True where a row breaks it; pandera wants True where a row passes.
    checks = [
        pa.Check(lambda df, fn=fn: ~fn(df).fillna(False).astype(bool), name=rule_id)
        for rule_id, fn in rules.items()
    ]
    return pa.DataFrameSchema(columns, checks=checks, coerce=False)


# --- the whole check ---------------------------------------------------------------------------


def _format(template: str, **values: object) -> str:
    class _Missing(dict):
        def __missing__(self, key: str) -> str:
            return "?"

    return template.format_map(_Missing({k: "" if v is None else v for k, v in values.items()}))


def _display(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def validate_table(
    table: RawTable,
    received_on: date,
    claimed_programme_id: str | None = None,
) -> ValidationResult:
    """Check one parsed file against its contract; never raises for bad data."""
    try:
        contract, mapping, ignored = recognise(table.header)
    except IntakeError as error:
        return file_rejection(error)
    raw = table.frame
    rows_total = len(raw)
    if rows_total == 0:
        return file_rejection(
            IntakeError("no_rows", "Filen har overskrifter, men ingen datarader."), contract
        )

    records: list[dict] = []

    def add(
        row: object, column: str | None, value: object, rule: str, severity: str, message: str
    ) -> None:
        records.append(
            {
                "source_row": int(row) if row is not None else None,
                "column_name": column,
                "value": _display(value),
                "rule": rule,
                "severity": severity,
                "message_nb": message,
            }
        )

    # National identity numbers anywhere, mapped column or not: never stored, value masked.
    for row, pos in national_id_cells(raw):
        name = mapping.get(pos, table.header[pos] if pos < len(table.header) else str(pos))
        add(row, name, MASK, "national_id", "error", _GENERIC_MESSAGES["national_id"])

    text = pd.DataFrame({name: raw[pos] for pos, name in mapping.items()}, index=raw.index)
    typed = pd.DataFrame(index=raw.index)
    failed_cells: set[tuple[int, str]] = set()
    for col in contract.columns:
        if col.name not in text:
            typed[col.name] = pd.Series(None, index=raw.index, dtype="object")
            continue
        values, bad = _type_column(text[col.name], col)
        typed[col.name] = values
        for row in bad[bad].index:
            failed_cells.add((int(row), col.name))
            add(
                row,
                col.name,
                text.at[row, col.name],
                col.type if col.type != "code" else "code",
                "error",
                _format(
                    _GENERIC_MESSAGES[col.type if col.type in _GENERIC_MESSAGES else "code"],
                    value=text.at[row, col.name],
                    label=col.label_nb,
                    allowed=_allowed(col) if col.codelist else "",
                ),
            )

    schema = build_schema(contract, received_on)
    failures = pd.DataFrame(columns=["column", "check", "index"])
    try:
        schema.validate(typed, lazy=True)
    except SchemaErrors as errors:
        failures = errors.failure_cases
    # pandera reports a failing row of a frame-wide rule once per column: one issue per row.
    is_rule = failures["check"].astype(str).isin(list(contract.rules))
    failures = failures[~(is_rule & failures.duplicated(subset=["check", "index"]))]
    for case in failures.itertuples(index=False):
        check = str(case.check)
        row = case.index
        if row is None or pd.isna(row):
            continue
        row = int(row)
        if check == "not_nullable":
            column = contract.column(case.column)
            if (row, column.name) in failed_cells:
                continue
            add(
                row,
                column.name,
                None,
                "required",
                "error",
                _format(_GENERIC_MESSAGES["required"], label=column.label_nb),
            )
        elif check in ("range", "pattern", "max_length"):
            column = contract.column(case.column)
            add(
                row,
                column.name,
                typed.at[row, column.name],
                check,
                "error",
                _format(
                    _GENERIC_MESSAGES[check],
                    value=_display(typed.at[row, column.name]),
                    label=column.label_nb,
                    min=_num(column.min),
                    max=_num(column.max),
                    max_length=column.max_length,
                ),
            )
        elif check in contract.rules:
            if (row, contract.rules[check].columns[0]) in failed_cells:
                continue  # the cell's own error already says what is wrong
            _add_rule(add, contract, check, row, typed)

    _check_duplicates(add, contract, typed)
    if claimed_programme_id is not None and "other_programme" in contract.rules:
        wrong = typed["programme_id"].notna() & typed["programme_id"].str.upper().ne(
            claimed_programme_id.upper()
        )
        for row in wrong[wrong].index:
            _add_rule(
                add,
                contract,
                "other_programme",
                row,
                typed,
                claimed_programme_id=claimed_programme_id,
            )

    issues = _issues_frame(records).drop_duplicates(subset=["source_row", "column_name", "rule"])
    issues = issues.sort_values(
        ["source_row", "severity", "column_name"], na_position="first", kind="stable"
    )
    rejected_rows = set(
        issues.loc[issues["severity"] == "error", "source_row"].dropna().astype(int)
    )
    accepted = typed[~typed.index.isin(rejected_rows)]
    return ValidationResult(
        contract, rows_total, accepted, issues.reset_index(drop=True), None, ignored
    )


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _add_rule(
    add, contract: Contract, rule_id: str, row: int, typed: pd.DataFrame, **extra
) -> None:
    rule = contract.rules[rule_id]
    values = {k: _display(v) for k, v in typed.loc[row].items()}
    if "status" in typed:
        code = typed.at[row, "status"]
        values["status_nb"] = codelists()["status"].label(code) if isinstance(code, str) else ""
    if rule_id == "observed_on_outside_window":
        due = (
            due_dates(typed.loc[[row], "programme_end"], typed.loc[[row], "horizon_months"])
            .iloc[0]
            .date()
        )
        window = contract.observation_window_days
        values["window_start"] = _display(due - timedelta(days=window.get("before", 45)))
        values["window_end"] = _display(due + timedelta(days=window.get("after", 92)))
    values.update(extra)
    column = rule.columns[0]
    add(
        row,
        column,
        typed.at[row, column] if column in typed else None,
        rule_id,
        rule.severity,
        _format(rule.message_nb, **values),
    )


def _check_duplicates(add, contract: Contract, typed: pd.DataFrame) -> None:
    """Exact copies: the first is kept. Different rows for the same key: all are rejected,
    because choosing one would be guessing."""
    key = list(contract.key)
    complete = typed.dropna(subset=key)
    if complete.empty:
        return
    key_frame = complete[key].astype(str).apply(lambda s: s.str.upper())
    dup_key = key_frame.duplicated(keep=False)
    if not dup_key.any():
        return
    content = complete.astype(str)
    for _, group in content[dup_key].groupby([key_frame.loc[dup_key, k] for k in key], sort=False):
        rows = [int(r) for r in group.index]
        distinct = group.drop_duplicates()
        if len(distinct) == 1:
            for row in rows[1:]:
                _add_rule(add, contract, "exact_duplicate", row, typed, other_rows=rows[0])
        else:
            for row in rows:
                others = ", ".join(str(r) for r in rows if r != row)
                _add_rule(add, contract, "duplicate_in_file", row, typed, other_rows=others)
