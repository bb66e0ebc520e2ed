"""The quarter's key figures in a few numbers: what the demo prints and the report's asset shows.

Taken from the published headline table (already protected), so a suppressed number stays
suppressed ("–") here too.
"""

from __future__ import annotations

import pandas as pd

from pipelines.report.labels import HORIZONS, is_missing

# (code, the headline row, its column prefix): participants as a count, the rest as % of all.
KEY_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("participants", "participants", "n"),
    ("coverage", "known_status", "pct_of_all"),
    ("employed", "employed", "pct_of_all"),
    ("relevant_work", "relevant_work", "pct_of_all"),
    ("right_shelf", "right_shelf", "pct_of_all"),
)


def _plain(value: object, kind: str) -> object:
    if isinstance(value, str):
        return value
    if is_missing(value):
        return None
    return int(value) if kind == "count" else float(value)


def key_figures(headline: pd.DataFrame) -> list[dict]:
    """One dict per key figure: ``{"code": ..., "kind": "count" | "pct", "0": v, "6": v,
    "12": v}`` (JSON-ready; a value is a number, "–" when suppressed, or None)."""
    rows = {row["indicator"]: row for row in headline.to_dict("records")}
    figures = []
    for code, indicator, prefix in KEY_FIGURES:
        row = rows.get(indicator, {})
        kind = "count" if prefix == "n" else "pct"
        figure: dict = {"code": code, "kind": kind}
        for h in HORIZONS:
            figure[str(h)] = _plain(row.get(f"{prefix}_{h}"), kind)
        figures.append(figure)
    return figures
