"""What is generated from schemas/ (never written by hand): the contracts' documentation, the
data dictionary, and the dbt macros that carry the code lists and indicators into dbt."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.contracts import HORIZONS, Column, codelists, contracts
from pipelines.indicators import indicators

_TYPE_NB = {
    "string": "tekst",
    "text": "fritekst",
    "code": "kode",
    "integer": "heltall",
    "decimal": "desimaltall (komma eller punktum)",
    "date": "dato (dd.mm.åååå eller åååå-mm-dd)",
}


def _rule_text(col: Column) -> str:
    parts = []
    if col.codelist:
        codes = codelists()[col.codelist].codes
        parts.append("; ".join(f"`{code}` = {label}" for code, label in codes.items()))
    if col.min is not None or col.max is not None:
        parts.append(f"{col.min:g}–{col.max:g}")
    if col.max_length:
        parts.append(f"høyst {col.max_length} tegn")
    if col.pseudonymise:
        parts.append("pseudonymiseres ved innlesing (lagres aldri i klartekst)")
    return "; ".join(parts)


def contract_docs() -> str:
    lines = [
        "# Felles skjema (kontrakter)",
        "",
        "Generert fra `schemas/` med `imdi docs`; ikke rediger for hånd.",
        "Kolonner kan ha kanonisk navn (engelsk), norsk overskrift eller et av aliasene.",
        "Koder kan skrives som kode eller norsk etikett. Fødselsnummer avvises overalt.",
        "",
    ]
    for c in contracts().values():
        lines += [
            f"## {c.title_nb} (`{c.name}`)",
            "",
            c.description_nb,
            "",
            f"Nøkkel: {', '.join(c.key)}",
            "",
        ]
        lines += [
            "| Kolonne | Norsk overskrift | Type | Påkrevd | Regler | Beskrivelse |",
            "|---|---|---|---|---|---|",
        ]
        for col in c.columns:
            lines.append(
                f"| `{col.name}` | {col.label_nb} | {_TYPE_NB[col.type]} | {'ja' if col.required else 'nei'} "
                f"| {_rule_text(col)} | {col.description_nb} |"
            )
        if c.rules:
            lines += [
                "",
                "Regler på tvers av kolonner:",
                "",
                "| Regel | Alvorlighet | Melding |",
                "|---|---|---|",
            ]
            for rule in c.rules.values():
                severity = "feil (raden avvises)" if rule.severity == "error" else "advarsel"
                lines.append(f"| `{rule.id}` | {severity} | {rule.message_nb} |")
        lines.append("")
    return "\n".join(lines)


def data_dictionary(manifest_path: Path) -> str:
    """Marts and staging models with their column docs, from dbt's manifest (`imdi prepare`)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = sorted(
        (node for node in manifest["nodes"].values() if node["resource_type"] == "model"),
        key=lambda node: (_LAYER_ORDER.get(node["fqn"][1], 9), node["name"]),
    )
    from_contracts = {
        col.stored_name: f"{col.label_nb}. {col.description_nb}".strip(". ") + "."
        for c in contracts().values()
        for col in c.columns
    }
    lines = [
        "# Data dictionary",
        "",
        "Generated from the dbt project's documentation with `imdi docs`; do not edit by hand.",
        "Analysts query the published copy (`var/published/warehouse.duckdb`, schema `main`);",
        "the raw tables are in schema `raw`. See [analysts.md](analysts.md) for example queries and",
        "[contracts.md](contracts.md) for the upload contracts these tables come from.",
        "",
    ]
    for node in models:
        if node["fqn"][1] not in ("marts", "staging"):
            continue
        lines += [
            f"## `{node['name']}` ({node['fqn'][1]})",
            "",
            node.get("description", "").strip(),
            "",
        ]
        columns = node.get("columns", {})
        if columns:
            lines += ["| Column | Type | Description |", "|---|---|---|"]
            for col in columns.values():
                description = " ".join(col.get("description", "").split()) or from_contracts.get(
                    col["name"], ""
                )
                lines.append(f"| `{col['name']}` | {col.get('data_type') or ''} | {description} |")
        lines.append("")
    return "\n".join(lines)


_LAYER_ORDER = {"marts": 0, "intermediate": 1, "staging": 2}


def write_contract_docs(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(contract_docs(), encoding="utf-8")
    return target


def write_data_dictionary(manifest_path: Path, target: Path) -> Path:
    target.write_text(data_dictionary(manifest_path), encoding="utf-8")
    return target


DBT_CONTRACT_MACROS = "dbt_project/macros/generated/contract_lists.sql"


def dbt_contract_macros() -> str:
    """The contract's lists as dbt macros, so models and tests never restate them by hand.

    ``codelist(name, also=[...])`` gives a code list's codes (for ``accepted_values``; ``also``
    adds the warehouse's own codes such as ``not_due``), ``horizons()`` the
    follow-up horizons, ``indicators()`` each indicator's code and the denominators its shares
    are published with (the attainment macro generates exactly those columns),
    ``contract_required(name)`` and ``contract_bounds(name)`` what a contract requires of its
    stored columns (the staging models' ``within_contract`` test).
    """
    lists = {name: list(codes.codes) for name, codes in sorted(codelists().items())}
    rows = [{"code": i.code, "denominators": list(i.denominators)} for i in indicators()]
    required = {
        name: [c.stored_name for c in spec.columns if c.required]
        for name, spec in sorted(contracts().items())
    }
    bounds = {
        name: {
            c.stored_name: {
                key: _number(value)
                for key, value in (("min", c.min), ("max", c.max))
                if value is not None
            }
            for c in spec.columns
            if c.min is not None or c.max is not None
        }
        for name, spec in sorted(contracts().items())
    }

    def literal(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = [
        "{#- Generated by `imdi docs` from schemas/codelists.yaml and schemas/indicators.yaml.",
        "    Do not edit: change the schema files and regenerate (a test compares). -#}",
        "",
        "{% macro codelist(name, also=[]) -%}",
        "    {%- set lists = {",
        *[f"        {literal(name)}: {literal(codes)}," for name, codes in lists.items()],
        "    } -%}",
        "    {{ return(lists[name] + also) }}",
        "{%- endmacro %}",
        "",
        "",
        "{% macro horizons() -%}",
        f"    {{{{ return({literal(list(HORIZONS))}) }}}}",
        "{%- endmacro %}",
        "",
        "",
        "{% macro indicators() -%}",
        "    {{ return([",
        *[f"        {literal(row)}," for row in rows],
        "    ]) }}",
        "{%- endmacro %}",
        "",
        "",
        "{#- A contract's required columns (stored names) and its bounds (min and/or max). -#}",
        "{% macro contract_required(name) -%}",
        "    {%- set lists = {",
        *[f"        {literal(name)}: {literal(cols)}," for name, cols in required.items()],
        "    } -%}",
        "    {{ return(lists[name]) }}",
        "{%- endmacro %}",
        "",
        "",
        "{% macro contract_bounds(name) -%}",
        "    {%- set bounds = {",
        *[f"        {literal(name)}: {literal(cols)}," for name, cols in bounds.items()],
        "    } -%}",
        "    {{ return(bounds[name]) }}",
        "{%- endmacro %}",
        "",
    ]
    return "\n".join(lines)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def write_dbt_contract_macros(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dbt_contract_macros(), encoding="utf-8")
    return target
