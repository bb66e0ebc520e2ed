"""The contract check: every row of an upload is accepted or rejected with reasons.

Cells arrive as text and are typed here column by column, so a bad cell is reported with its
row and value (pandera would skip later checks on a column whose coercion failed, and report
no index for dtype failures). Then pandera checks the typed frame lazily against the schema
generated from the contract (:func:`contract_schema`): required cells; each column's range,
pattern and length (judged once per distinct value); the contract's cross-field rules, each
reported on the column its message is about; pandera's failure cases say which rows break
which check. Duplicate keys are judged on the whole frame here. Each check's findings are
formatted in one pass over its rows, so the time grows with the rows, not with rows times
findings (a 250 000-row file with a warning on every row: docs/validation.md,
`imdi bench --only upload`).

Policy for a partly bad file (docs/validation.md): rows with an error are rejected and stored
in the rejection report; the other rows are accepted. Whole-file problems (unreadable file,
unknown or missing required columns) reject the file. Warnings never reject a row.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from pipelines.contracts import Column, Contract, codelists, contracts, normalise_label
from pipelines.ingest.intake import IntakeError, RawTable
from pipelines.ingest.privacy import MASK

ISSUE_COLUMNS = ["source_row", "column_name", "value", "rule", "severity", "message_nb"]

NOT_FROM_PROGRAMMES = ("register_employment",)
"""Contracts for data IMDi obtains itself: refused when a programme uploads them."""

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
    rows_total: int  # data rows in the file (0 when it could not be read: see rows_known)
    accepted: pd.DataFrame  # canonical columns, typed; index = file row number
    issues: pd.DataFrame  # ISSUE_COLUMNS; severity is a code: "error" or "warning"
    file_error: IntakeError | None = None
    ignored_columns: list[str] = field(default_factory=list)
    rows_known: bool = True  # False: the file could not be read far enough to count its rows

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


def file_rejection(
    error: IntakeError, contract: Contract | None = None, rows: int | None = None
) -> ValidationResult:
    """The verdict on a file refused whole: one finding without a row, and the number of data
    rows where the file could be read that far (``rows``, else the error's own count)."""
    issue = {
        "source_row": None,
        "column_name": None,
        "value": None,
        "rule": error.code,
        "severity": "error",
        "message_nb": error.message_nb,
    }
    counted = rows if rows is not None else error.rows
    issues = pd.DataFrame.from_records([issue], columns=ISSUE_COLUMNS)
    return ValidationResult(
        contract, counted or 0, pd.DataFrame(), issues, error, rows_known=counted is not None
    )


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
        names = [f"«{col.label_nb}» ({col.name})" for col in missing]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]
        which = "Kolonnen" if len(names) == 1 else "Kolonnene"
        raise IntakeError(
            "missing_columns",
            f"{which} {listed} mangler. Filen ser ut som «{chosen.title_nb}», der "
            f"{'den er påkrevd' if len(names) == 1 else 'de er påkrevd'}. Legg til "
            f"{'kolonnen' if len(names) == 1 else 'kolonnene'} med overskriften fra malen, "
            "og last opp på nytt.",
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


def _type_column(
    values: pd.Series, column: Column, distinct: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Type each distinct cell text once (per process) and spread the results over the rows.

    Without pyarrow, pandas' string methods loop in Python per element; a column of a million
    rows holds a few thousand distinct dates, codes or numbers (docs/benchmarks.md).
    ``distinct``: the column's codes and texts as ``pd.factorize`` gives them, if known."""
    codes, uniques = distinct if distinct is not None else pd.factorize(values)
    if column.type in ("string", "text"):
        return _stripped(values, codes, uniques)
    if len(uniques) == len(values) and len(values) > 1:
        return _type_distinct(values, column)  # all different: nothing repeats
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
    typed_distinct = _as_typed([value for value, _ in results], column)
    distinct_bad = np.array([flag for _, flag in results], dtype=bool)
    codes = np.where(codes < 0, len(uniques), codes)
    typed = typed_distinct.take(codes)
    typed.index = values.index
    return typed, pd.Series(distinct_bad[codes], index=values.index)


def _stripped(
    values: pd.Series, codes: np.ndarray, uniques: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """Text columns: each distinct text stripped once, never failing. Not remembered across
    files: references, names and comments rarely repeat from file to file, and would only
    crowd the remembered dates, codes and numbers out."""
    stripped = np.array([str(u).strip() for u in uniques] + [None], dtype=object)
    typed = pd.Series(stripped[codes], index=values.index, dtype="object")  # -1 (empty): None
    return typed, pd.Series(False, index=values.index)


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


# --- the checks, each on whole columns ---------------------------------------------------------
#
# Every check below gives a boolean mask over the rows, and every finding of one check is
# formatted in one pass over its rows (a message template filled column by column). Nothing
# here touches one row at a time: a 250 000-row file with a finding on every row costs about
# what a clean one does (docs/validation.md, `imdi bench --only upload`).


def value_checks(column: Column) -> dict[str, Callable[[pd.Series], pd.Series]]:
    """The contract's checks of one column's values (range, pattern, length), in the order
    they are reported; each takes typed values and returns True where a value passes."""
    checks: dict[str, Callable[[pd.Series], pd.Series]] = {}
    if column.min is not None or column.max is not None:
        lo = column.min if column.min is not None else float("-inf")
        hi = column.max if column.max is not None else float("inf")
        checks["range"] = lambda s: pd.to_numeric(s).between(lo, hi)
    if column.pattern:
        checks["pattern"] = lambda s: s.str.match(column.pattern).astype(bool)
    if column.max_length:
        checks["max_length"] = lambda s: s.str.len() <= column.max_length
    return checks


def _per_distinct(passes: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """A value check judged once per distinct value and spread back over the rows (a
    250 000-row column holds a few hundred distinct dates, codes or numbers); empty cells pass.
    Verdicts are remembered from file to file, like the typing's (the schema is made once per
    contract): calling the check on a file's values that all passed before would cost a pandas
    call per column and file."""
    remembered: dict[object, bool] = {}
    lock = threading.Lock()  # the portal checks files in several threads

    def check(values: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if len(uniques) == 0:
            return pd.Series(True, index=values.index)
        keys = list(uniques)
        with lock:
            verdict_of = {key: remembered.get(key) for key in keys}
        unseen = [i for i, key in enumerate(keys) if verdict_of[key] is None]
        if unseen:
            fresh = passes(pd.Series(uniques).take(unseen)).to_numpy(dtype=bool).tolist()
            verdict_of.update(zip((keys[i] for i in unseen), fresh, strict=True))
            with lock:
                if len(remembered) > _TYPED_LIMIT:
                    remembered.clear()
                remembered.update(verdict_of)
        verdicts = np.array([verdict_of[key] for key in keys] + [True], dtype=bool)
        return pd.Series(verdicts[codes], index=values.index)

    return check


def due_dates(programme_end: pd.Series, horizon_months: pd.Series) -> pd.Series:
    """programme_end + horizon months, vectorised; the day is clamped to the month's length
    (31.08 + 6 months = 28/29.02), as dbt's date arithmetic does. In numpy's calendar units:
    assembling dates from year, month and day columns with pandas cost ~4 ms a file."""
    ends = pd.to_datetime(programme_end).to_numpy(dtype="datetime64[D]")  # empty: NaT
    month = ends.astype("datetime64[M]")
    day = ends - month.astype("datetime64[D]")  # days after the first of the month
    months = horizon_months.fillna(0).astype("int64").to_numpy().astype("timedelta64[M]")
    first = (month + months).astype("datetime64[D]")
    last_day = (month + months + np.timedelta64(1, "M")).astype("datetime64[D]") - first - 1
    due = first + np.minimum(day, last_day)
    return pd.Series(due.astype("datetime64[us]"), index=programme_end.index)


def _timestamps(values: pd.Series) -> pd.Series:
    """Typed dates (date objects or None) as datetime64, converted once per distinct date."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    converted = pd.to_datetime(pd.Series([*uniques, None], dtype="object"))
    return pd.Series(converted.to_numpy()[codes], index=values.index)


def _followup_rules(
    typed: pd.DataFrame, received_on: date, window: dict[str, int]
) -> dict[str, pd.Series]:
    """Where each cross-field rule of the follow-up contract is broken (True = broken).

    Worked out on numpy arrays (empty dates are NaT, which compares False): the ~20 pandas
    operations this takes cost ~2 ms a file in pandas' own overhead, more than the rows."""
    work_statuses = ["employed", "self_employed", "internship"]
    start = _timestamps(typed["programme_start"]).to_numpy()
    end = _timestamps(typed["programme_end"])
    observed = _timestamps(typed["observed_on"]).to_numpy()
    status = typed["status"]
    employed = status.eq("employed").to_numpy(dtype=bool)
    known = (status.notna() & status.ne("unknown")).to_numpy(dtype=bool)
    working = status.isin(work_statuses).to_numpy(dtype=bool)
    due_on = due_dates(end, typed["horizon_months"]).to_numpy()
    lo = due_on - np.timedelta64(window.get("before", 45), "D")
    hi = due_on + np.timedelta64(window.get("after", 92), "D")
    in_window = (observed >= lo) & (observed <= hi)

    def empty(column: str) -> np.ndarray:
        return pd.isna(typed[column].to_numpy(dtype=object))

    broken = {
        "end_before_start": end.to_numpy() < start,
        "employed_needs_position_pct": employed & empty("position_pct"),
        "employed_needs_contract_type": employed & empty("contract_type"),
        "work_needs_relevance": working & empty("job_relevance"),
        "known_status_needs_observed_on": known & empty("observed_on"),
        "observed_on_in_future": observed > np.datetime64(received_on),
        "observed_on_outside_window": ~(np.isnat(observed) | np.isnat(due_on) | in_window),
    }
    return {rule: pd.Series(mask, index=typed.index) for rule, mask in broken.items()}


def _status_report_rules(typed: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "end_before_start": (_timestamps(typed["period_end"]) < _timestamps(typed["period_start"])),
        "recruited_more_than_planned": (
            pd.to_numeric(typed["pairs_recruited"]) > pd.to_numeric(typed["pairs_planned"])
        ),
    }


def rule_masks(contract: Contract, typed: pd.DataFrame, received_on: date) -> dict[str, pd.Series]:
    """The contract's cross-field rules on the typed frame, in the contract's order of checking."""
    if contract.name == "participant_followup":
        rules = _followup_rules(typed, received_on, contract.observation_window_days)
    elif contract.name == "programme_status_report":
        rules = _status_report_rules(typed)
    else:
        rules = {}
    return {rule: mask.fillna(False).astype(bool) for rule, mask in rules.items()}


# --- the pandera schema generated from the contract -------------------------------------------


RULE_FLAG_PREFIX = "rule_broken:"
"""Columns the cross-field rules' flags are handed to pandera in (``rule_broken:<rule id>``)."""


def rule_flag(rule_id: str) -> str:
    return f"{RULE_FLAG_PREFIX}{rule_id}"


def with_rule_flags(contract: Contract, typed: pd.DataFrame, received_on: date) -> pd.DataFrame:
    """The typed frame with one column per cross-field rule, True where the row breaks it:
    what :func:`contract_schema`'s rule checks look at."""
    masks = rule_masks(contract, typed, received_on)
    return typed.assign(**{rule_flag(rule_id): broken for rule_id, broken in masks.items()})


_schemas: dict[int, tuple[Contract, pa.DataFrameSchema]] = {}


def contract_schema(contract: Contract) -> pa.DataFrameSchema:
    """The contract as a pandera schema over the typed frame with its rule flags
    (:func:`with_rule_flags`); made once per contract, since pandera copies every column of a
    schema it makes (~2 ms, paid on every file of a load when the schema was made per file).

    Each column: not nullable when required; its value checks (range, pattern, length). A
    column with neither is left out: pandera would find nothing to check in it. Each
    cross-field rule is a check on its flag column, named by the rule's id: pandera reports
    one failure case per row that breaks it (a frame-wide check would be reported once per
    column of every failing row, which at 250 000 warnings is millions of cases), and the
    failure case maps back to the contract's rule, the column its message is about
    (:func:`rule_column`) and its severity.
    """
    known = _schemas.get(id(contract))
    if known is not None and known[0] is contract:
        return known[1]
    columns = {
        col.name: pa.Column(
            None,
            checks=[
                pa.Check(_per_distinct(passes), name=name, ignore_na=False)
                for name, passes in value_checks(col).items()
            ],
            nullable=not col.required,
            required=False,
        )
        for col in contract.columns
        if col.required or value_checks(col)
    }
    for rule_id in contract.rules:
        columns[rule_flag(rule_id)] = pa.Column(
            None,
            checks=[pa.Check(lambda broken: ~broken, name=rule_id, ignore_na=False)],
            required=False,  # only rules worked out on the typed frame have flags
        )
    schema = pa.DataFrameSchema(columns, coerce=False)
    _schemas[id(contract)] = (contract, schema)
    return schema


def rule_column(contract: Contract, column: str) -> str:
    """The contract column a failure case is about: a rule's flag column stands for the
    column the rule's message is about."""
    if column.startswith(RULE_FLAG_PREFIX):
        return contract.rules[column.removeprefix(RULE_FLAG_PREFIX)].columns[0]
    return column


def schema_failures(
    schema: pa.DataFrameSchema, typed: pd.DataFrame
) -> dict[tuple[str, str], pd.Index]:
    """(column, check) -> the rows pandera found breaking it (lazy validation: every check on
    every column is evaluated; ``not_nullable`` is a required cell left empty)."""
    try:
        schema.validate(typed, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()]
        return {
            (str(column), str(check)): pd.Index(group["index"].astype("int64").unique())
            for (column, check), group in cases.groupby(["column", "check"], sort=False)
        }
    return {}


# --- messages, formatted for all rows of a check at once ----------------------------------


def _display(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _shown(values: pd.Series) -> pd.Series:
    """How each value is shown in a message or a receipt (dates dd.mm.yyyy, empty = None),
    worked out once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    shown = np.array([_display(u) for u in uniques] + [None], dtype=object)
    return pd.Series(shown[codes], index=values.index, dtype=object)


def _upper(values: pd.Series) -> pd.Series:
    """``str(value).upper()`` of each value, worked out once per distinct value (None stays)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    upper = np.array([str(u).upper() for u in uniques] + [None], dtype=object)
    return pd.Series(upper[codes], index=values.index, dtype=object)


_FORMATTER = string.Formatter()


def render(template: str, fields: dict[str, pd.Series | str], index: pd.Index) -> pd.Series:
    """``template.format(...)`` for every row of ``index`` at once.

    ``fields`` holds a Series (aligned with ``index``) or one text per placeholder; empty values
    become "" and unknown placeholders "?", as the receipt has always shown them. Templates
    use plain ``{name}`` placeholders (a format spec would need per-row formatting).
    """
    out = pd.Series("", index=index, dtype=object)
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        if literal:
            out = out + literal
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"message templates use plain {{name}} placeholders: {template!r}")
        value = fields.get(name, "?")
        if isinstance(value, pd.Series):
            value = value.astype(object).where(value.notna(), "")
        out = out + ("" if value is None else value)
    return out


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _findings(
    rows: pd.Index,
    column: str | pd.Series,
    value: pd.Series | None,
    rule: str,
    severity: str,
    message: pd.Series | str,
) -> pd.DataFrame:
    """One check's findings as a frame in ISSUE_COLUMNS (rows in file order)."""
    frame = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    frame["source_row"] = np.asarray(rows, dtype="int64")
    frame["column_name"] = (
        column.to_numpy(dtype=object) if isinstance(column, pd.Series) else column
    )
    frame["value"] = None if value is None else value.to_numpy(dtype=object)
    frame["rule"] = rule
    frame["severity"] = severity
    frame["message_nb"] = (
        message.to_numpy(dtype=object) if isinstance(message, pd.Series) else message
    )
    return frame


def _rule_findings(
    contract: Contract,
    rule_id: str,
    typed: pd.DataFrame,
    mask: pd.Series,
    **extra: pd.Series | str,
) -> pd.DataFrame | None:
    """The findings of one contract rule on the rows of ``mask``; the message is the rule's
    template filled with the row's values (shown as in the receipt) and ``extra``."""
    if not mask.any():
        return None
    rule = contract.rules[rule_id]
    rows = typed.index[mask.to_numpy()]
    part = typed.loc[rows]
    fields: dict[str, pd.Series | str] = {}
    for _, name, _, _ in _FORMATTER.parse(rule.message_nb):
        if name is None or name in fields:
            continue
        if name in extra:
            given = extra[name]
            fields[name] = given.reindex(rows) if isinstance(given, pd.Series) else given
        elif name in part:
            fields[name] = _shown(part[name])
        elif name == "status_nb" and "status" in part:
            status = codelists()["status"]
            fields[name] = part["status"].map(
                lambda code, status=status: status.label(code) if isinstance(code, str) else ""
            )
        elif name in ("window_start", "window_end") and rule_id == "observed_on_outside_window":
            window = contract.observation_window_days
            due_on = due_dates(_timestamps(part["programme_end"]), part["horizon_months"])
            bound = (
                due_on - pd.Timedelta(days=window.get("before", 45))
                if name == "window_start"
                else due_on + pd.Timedelta(days=window.get("after", 92))
            )
            fields[name] = _shown(bound.dt.date)
    column = rule.columns[0]
    value = _shown(part[column]) if column in part else None
    message = render(rule.message_nb, fields, rows)
    return _findings(rows, column, value, rule_id, rule.severity, message)


def _duplicate_findings(contract: Contract, typed: pd.DataFrame) -> list[pd.DataFrame]:
    """Exact copies: the first is kept. Different rows for the same key: all are rejected,
    because choosing one would be guessing."""
    key = list(contract.key)
    complete = typed.dropna(subset=key)
    if complete.empty:
        return []
    key_frame = pd.DataFrame({k: _upper(complete[k]) for k in key})
    dup = key_frame.duplicated(keep=False).to_numpy()
    if not dup.any():
        return []
    rows = complete.index[dup]
    group = key_frame[dup].groupby(key, sort=False).ngroup().to_numpy()
    # Same content: every value equal, and empty cells equal only to empty cells.
    content = complete.loc[rows].astype(object)
    content = content.where(content.notna(), "\x00").astype(str)
    distinct = content.assign(_group=group).drop_duplicates()
    variants = distinct.groupby("_group").size().reindex(range(group.max() + 1)).to_numpy()
    frame = pd.DataFrame({"row": np.asarray(rows, dtype="int64"), "group": group})
    frame["first"] = frame.groupby("group")["row"].transform("min")
    exact = variants[group] == 1
    found = []
    copies = frame[exact & (frame["row"] != frame["first"]).to_numpy()]
    if not copies.empty:
        mask = pd.Series(typed.index.isin(copies["row"]), index=typed.index)
        first = pd.Series(copies["first"].astype(str).to_numpy(), index=copies["row"].to_numpy())
        found.append(_rule_findings(contract, "exact_duplicate", typed, mask, other_rows=first))
    conflicting = frame[~exact]
    if not conflicting.empty:
        found.append(
            _rule_findings(
                contract,
                "duplicate_in_file",
                typed,
                pd.Series(typed.index.isin(conflicting["row"]), index=typed.index),
                other_rows=_other_rows(conflicting),
            )
        )
    return [f for f in found if f is not None]


MAX_OTHER_ROWS = 20  # a group of thousands of copies names the first few, then counts the rest


def _other_rows(frame: pd.DataFrame) -> pd.Series:
    """For each row of a duplicate group: the group's other rows, as the message names them."""
    members: dict[int, list[int]] = {}
    for row, group in zip(frame["row"].tolist(), frame["group"].tolist(), strict=True):
        members.setdefault(group, []).append(row)
    texts = {}
    for rows in members.values():
        for row in rows:
            others = [r for r in rows[: MAX_OTHER_ROWS + 1] if r != row][:MAX_OTHER_ROWS]
            rest = len(rows) - 1 - len(others)
            texts[row] = ", ".join(map(str, others)) + (f" og {rest} til" if rest > 0 else "")
    return pd.Series(texts, dtype=object)


def _stack(parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    found = [p for p in parts if p is not None and not p.empty]
    if not found:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    frame = pd.concat(found, ignore_index=True)
    # Text columns in pandas' default string dtype, as a frame built from records has them.
    return pd.DataFrame(
        {c: frame[c].tolist() if c != "source_row" else frame[c].to_numpy() for c in ISSUE_COLUMNS}
    )


# --- the whole check ---------------------------------------------------------------------------


def validate_table(
    table: RawTable,
    received_on: date,
    claimed_programme_id: str | None = None,
) -> ValidationResult:
    """Check one parsed file against its contract; never raises for bad data."""
    try:
        contract, mapping, ignored = recognise(table.header)
    except IntakeError as error:
        return file_rejection(error, rows=len(table.frame))
    raw = table.frame
    rows_total = len(raw)
    if rows_total == 0:
        return file_rejection(
            IntakeError("no_rows", "Filen har overskrifter, men ingen datarader."), contract, 0
        )
    if claimed_programme_id is not None and contract.name in NOT_FROM_PROGRAMMES:
        # Evidence that is independent of the programmes only if they cannot send it.
        return file_rejection(
            IntakeError(
                "not_from_programmes",
                f"Filen ser ut som «{contract.title_nb}», som IMDi henter inn selv. "
                "Programmene kan ikke laste den opp.",
            ),
            contract,
            rows_total,
        )
    parts: list[pd.DataFrame | None] = []

    # National identity numbers anywhere, mapped column or not: never stored, value masked.
    cells = table.national_id_cells()
    if cells:
        names = [
            mapping.get(pos, table.header[pos] if pos < len(table.header) else str(pos))
            for _, pos in cells
        ]
        rows = pd.Index([row for row, _ in cells])
        parts.append(
            _findings(
                rows,
                pd.Series(names),
                pd.Series([MASK] * len(cells)),
                "national_id",
                "error",
                _GENERIC_MESSAGES["national_id"],
            )
        )

    # Typing, column by column; a cell that cannot be typed is an error and empty from here on.
    # The frame is made once from its columns: adding ~20 columns one by one cost ~1 ms a file.
    text = {name: raw[pos] for pos, name in mapping.items()}
    positions = {name: pos for pos, name in mapping.items()}
    typed_columns: dict[str, pd.Series] = {}
    failed: dict[str, pd.Series] = {}
    for col in contract.columns:
        if col.name not in text:
            typed_columns[col.name] = pd.Series(None, index=raw.index, dtype="object")
            continue
        values, bad = _type_column(text[col.name], col, table.distinct(positions[col.name]))
        typed_columns[col.name] = values
        if not bad.any():
            continue
        failed[col.name] = bad
        bad_text = text[col.name][bad.to_numpy()]
        shown = _shown(bad_text)
        template = _GENERIC_MESSAGES[col.type if col.type in _GENERIC_MESSAGES else "code"]
        fields = {
            "value": shown,
            "label": col.label_nb,
            "allowed": _allowed(col) if col.codelist else "",
        }
        message = render(template, fields, bad_text.index)
        parts.append(_findings(bad_text.index, col.name, shown, col.type, "error", message))

    typed = pd.DataFrame(typed_columns, index=raw.index)

    def not_failed(column: str) -> pd.Series:
        return ~failed[column] if column in failed else pd.Series(True, index=raw.index)

    # The contract as a pandera schema: which rows break which check.
    failures = schema_failures(
        contract_schema(contract), with_rule_flags(contract, typed, received_on)
    )
    found = {
        (rule_column(contract, column), check): rows for (column, check), rows in failures.items()
    }

    def rows_breaking(column: str, check: str) -> pd.Series:
        rows = found.get((column, check))
        if rows is None:
            return pd.Series(False, index=raw.index)
        return pd.Series(raw.index.isin(rows), index=raw.index) & not_failed(column)

    # Required cells, then each column's range, pattern and length.
    for col in contract.columns:
        if col.required:
            missing = rows_breaking(col.name, "not_nullable")
            if missing.any():
                rows = raw.index[missing.to_numpy()]
                message = render(_GENERIC_MESSAGES["required"], {"label": col.label_nb}, rows)
                parts.append(_findings(rows, col.name, None, "required", "error", message))
        for check in value_checks(col):
            mask = rows_breaking(col.name, check)
            if not mask.any():
                continue
            rows = raw.index[mask.to_numpy()]
            shown = _shown(typed.loc[rows, col.name])
            fields = {
                "value": shown,
                "label": col.label_nb,
                "min": _num(col.min),
                "max": _num(col.max),
                "max_length": "" if col.max_length is None else str(col.max_length),
            }
            message = render(_GENERIC_MESSAGES[check], fields, rows)
            parts.append(_findings(rows, col.name, shown, check, "error", message))

    # The contract's cross-field rules; a cell that could not be typed has said what is wrong.
    for rule_id in contract.rules:
        column = contract.rules[rule_id].columns[0]
        if (column, rule_id) in found:
            mask = rows_breaking(column, rule_id)
            parts.append(_rule_findings(contract, rule_id, typed, mask))

    parts.extend(_duplicate_findings(contract, typed))
    if claimed_programme_id is not None and "other_programme" in contract.rules:
        wrong = typed["programme_id"].notna() & _upper(typed["programme_id"]).ne(
            claimed_programme_id.upper()
        )
        parts.append(
            _rule_findings(
                contract,
                "other_programme",
                typed,
                wrong.fillna(False).astype(bool),
                claimed_programme_id=claimed_programme_id,
            )
        )

    issues = _stack(parts).drop_duplicates(subset=["source_row", "column_name", "rule"])
    issues = issues.sort_values(
        ["source_row", "severity", "column_name"], na_position="first", kind="stable"
    )
    errors = issues.loc[issues["severity"] == "error", "source_row"]
    accepted = typed[~typed.index.isin(errors.to_numpy())]
    return ValidationResult(
        contract, rows_total, accepted, issues.reset_index(drop=True), None, ignored
    )
