"""The common schema: one declarative contract per input, loaded from ``schemas/``.

Everything that needs to know the columns (the contract check, raw DuckDB tables, Excel template,
docs) reads them from here, so a column is described once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import yaml

from pipelines.settings import SCHEMAS_DIR

CONTRACT_NAMES = (
    "participant_followup",
    "programme_register",
    "programme_status_report",
    "register_employment",
)

_SQL_TYPES = {
    "string": "VARCHAR",
    "text": "VARCHAR",
    "code": "VARCHAR",
    "integer": "INTEGER",
    "decimal": "DECIMAL(18, 4)",
    "date": "DATE",
}


def normalise_label(value: str) -> str:
    """Fold a header or code label for matching: case, accents kept, spacing and punctuation folded."""
    value = unicodedata.normalize("NFC", str(value)).strip().lower()
    value = value.replace("_", " ").replace("-", " ")
    value = re.sub(r"[\s\u00a0]+", " ", value)
    return value.strip(" .:*")


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: dict[str, str]  # code -> Norwegian label
    lookup: dict[str, str]  # normalised code/label/alias -> code

    def resolve(self, value: str) -> str | None:
        return self.lookup.get(normalise_label(value))

    def label(self, code: str) -> str:
        return self.codes.get(code, code)


@dataclass(frozen=True)
class Column:
    name: str
    label_nb: str
    type: str
    required: bool = False
    codelist: str | None = None
    store_as: str | None = None
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pseudonymise: bool = False
    aliases: tuple[str, ...] = ()
    description_nb: str = ""

    @property
    def sql_type(self) -> str:
        if self.pseudonymise:
            return "VARCHAR"
        return _SQL_TYPES[self.store_as or self.type]

    @property
    def stored_name(self) -> str:
        """Pseudonymised columns are stored under a different name, so the raw ref never is."""
        return "participant_key" if self.pseudonymise else self.name


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    columns: tuple[str, ...]
    message_nb: str


@dataclass(frozen=True)
class Contract:
    name: str
    table: str
    title_nb: str
    description_nb: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    rules: dict[str, Rule] = field(default_factory=dict)
    observation_window_days: dict[str, int] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header text (canonical name, Norwegian label or alias) -> column name."""
        lookup: dict[str, str] = {}
        for col in self.columns:
            for text in (col.name, col.label_nb, *col.aliases):
                lookup.setdefault(normalise_label(text), col.name)
        return lookup

    def raw_table_ddl(self) -> str:
        cols = [f"{c.stored_name} {c.sql_type}" for c in self.columns]
        meta = [
            "upload_id VARCHAR NOT NULL",
            "source_row INTEGER NOT NULL",
            "reported_at TIMESTAMP NOT NULL",
        ]
        return f"CREATE TABLE IF NOT EXISTS raw.{self.table} ({', '.join(cols + meta)})"

    def raw_table_additions(self) -> list[str]:
        """Statements that give a raw table made by an older contract the contract's later
        optional columns (null on the rows loaded before), so an existing warehouse keeps
        loading; a no-op on a table that has them."""
        return [
            f"ALTER TABLE raw.{self.table} ADD COLUMN IF NOT EXISTS {c.stored_name} {c.sql_type}"
            for c in self.columns
            if not c.required
        ]


def _yaml(path: Path) -> object:
    """A YAML file, parsed by libyaml when it is there: PyYAML's pure-Python parser takes
    ~0.4 s for the four schema files, a fifth of the time budget of a small upload."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe loader)


@cache
def codelists() -> dict[str, CodeList]:
    raw = _yaml(SCHEMAS_DIR / "codelists.yaml")
    result = {}
    for name, entries in raw.items():
        codes = {str(code): spec["nb"] for code, spec in entries.items()}
        lookup: dict[str, str] = {}
        for code, spec in entries.items():
            for text in (str(code), spec["nb"], *spec.get("aliases", [])):
                lookup.setdefault(normalise_label(text), str(code))
        result[name] = CodeList(name=name, codes=codes, lookup=lookup)
    return result


def _load(path: Path) -> Contract:
    raw = _yaml(path)
    columns = tuple(
        Column(**{**spec, "aliases": tuple(spec.get("aliases", ()))}) for spec in raw["columns"]
    )
    rules = {
        spec["id"]: Rule(spec["id"], spec["severity"], tuple(spec["columns"]), spec["message_nb"])
        for spec in raw.get("rules", [])
    }
    return Contract(
        name=raw["name"],
        table=raw["table"],
        title_nb=raw["title_nb"],
        description_nb=raw["description_nb"].strip(),
        key=tuple(raw["key"]),
        columns=columns,
        rules=rules,
        observation_window_days=raw.get("observation_window_days", {}),
    )


@cache
def contracts() -> dict[str, Contract]:
    return {name: _load(SCHEMAS_DIR / f"{name}.yaml") for name in CONTRACT_NAMES}


def contract(name: str) -> Contract:
    return contracts()[name]


def horizons() -> tuple[int, ...]:
    """The follow-up horizons (months after programme end), from the code list: 0, 6, 12."""
    return tuple(int(code) for code in codelists()["horizon_months"].codes)


HORIZONS = horizons()
