"""Human documentation of the contracts, generated from schemas/ (never written by hand)."""

from __future__ import annotations

from pathlib import Path

from pipelines.contracts import Column, codelists, contracts

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


def write_contract_docs(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(contract_docs(), encoding="utf-8")
    return target
