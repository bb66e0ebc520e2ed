"""The report's per-programme overview: one row per programme, readable on one or two screens.

Every number is a cell of the protected attainment table (the programme's total over its grant
years, at 0, 6 and 12 months), so suppression applies exactly as everywhere else; nothing new
is computed from unprotected counts. Beside them, the programme's latest grant year and how it
did against its own targets there (the verdicts are the protected ones of the targets table).
The cohort detail stays in the workbook.
"""

from __future__ import annotations

import pandas as pd

from pipelines.report.labels import HORIZONS, TARGET_LABELS, is_missing
from pipelines.report.suppression import SUPPRESSED

# The figures per horizon, in the order the table shows them: coverage beside the shares.
OVERVIEW_FIGURES = (
    "participants",
    "coverage_pct",
    "pct_employed_of_all",
    "pct_relevant_work_of_all",
    "pct_right_shelf_of_all",
)

# (target column of the targets table, horizon): the targets a grant year can have.
TARGETS = (
    ("employed_target", 0),
    ("employed_target", 6),
    ("employed_target", 12),
    ("relevant_target", 12),
)

TARGET_CODES = {label: code for code, label in TARGET_LABELS.items()}


def overview_columns() -> list[str]:
    return [
        "programme_id",
        "programme_name",
        "grant_years",
        *(f"{figure}_{h}" for h in HORIZONS for figure in OVERVIEW_FIGURES),
        "latest_grant_year",
        *(f"{target}_{h}" for target, h in TARGETS),
    ]


def _grant_years(years: list[int]) -> str:
    if not years:
        return ""
    low, high = min(years), max(years)
    return str(low) if low == high else f"{low}–{high}"


def target_code(value: object) -> str | None:
    """The verdict as a code: met / not_met / no_target, ``SUPPRESSED`` when hidden, or None."""
    if is_missing(value):
        return None
    if value == SUPPRESSED:
        return SUPPRESSED
    return TARGET_CODES.get(str(value), str(value))


def programme_overview(detail: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """One row per programme, sorted by name: its totals at each horizon, then its latest grant
    year's target verdicts (codes: met / not_met / no_target, or "–" when suppressed).

    ``detail`` and ``targets`` are the published (protected) tables, levels as Norwegian labels.
    """
    from pipelines.report.labels import LEVEL_LABELS

    totals = detail[detail["level"] == LEVEL_LABELS["programme"]]
    years = detail[detail["level"] == LEVEL_LABELS["grant_year"]]
    year_targets = targets[targets["level"] == LEVEL_LABELS["grant_year"]]
    records = []
    for programme_id, rows in totals.groupby("programme_id", sort=False):
        record: dict = {
            "programme_id": programme_id,
            "programme_name": rows["programme_name"].iloc[0],
        }
        programme_years = sorted(
            int(y) for y in years.loc[years["programme_id"] == programme_id, "grant_year"].dropna()
        )
        record["grant_years"] = _grant_years(programme_years)
        by_horizon = {int(row["horizon_months"]): row for _, row in rows.iterrows()}
        for h in HORIZONS:
            row = by_horizon.get(h)
            for figure in OVERVIEW_FIGURES:
                record[f"{figure}_{h}"] = None if row is None else row[figure]
        latest = programme_years[-1] if programme_years else None
        record["latest_grant_year"] = latest
        mine = year_targets[
            (year_targets["programme_id"] == programme_id) & (year_targets["grant_year"] == latest)
        ]
        verdicts = {int(row["horizon_months"]): row for _, row in mine.iterrows()}
        for target, h in TARGETS:
            row = verdicts.get(h)
            record[f"{target}_{h}"] = None if row is None else target_code(row[target])
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=overview_columns())
    return frame.sort_values(["programme_name", "programme_id"], kind="stable").reset_index(
        drop=True
    )


def sparkline_points(record: dict, indicator: str) -> list[float | None]:
    """The share at 0, 6 and 12 months, None where hidden or missing (a gap in the line)."""
    values = []
    for h in HORIZONS:
        value = record.get(f"pct_{indicator}_of_all_{h}")
        values.append(None if is_missing(value) or isinstance(value, str) else float(value))
    return values
