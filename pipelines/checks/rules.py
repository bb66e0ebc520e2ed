"""The dataset-level quality rules: pandas frames in, a ``CheckOutcome`` out.

Each rule states its expectations as a Great Expectations suite and validates a frame read from
the warehouse (or made by hand in a test). Where a rule concerns something other than single
rows - a participant's three horizons, a programme's coverage - the function first shapes the
frame (one row per participant, per programme x horizon, ...) and GE validates that frame, so
the Data Docs show exactly the figures the rule judged.

Severity: every rule here judges a property of the data - coverage, plausibility, overdue
follow-ups, what programmes said, programmes missing from the register - and is a WARN: the
figures are published and flagged. What no valid input can break (keys, code lists, the
contracts' bounds, due dates in order, shares within 0-100 %) is a dbt test in dbt_project/
(ERROR, blocks publication). An ERROR severity remains possible here for a rule of that kind
that dbt cannot state. docs/quality.md has the table and the reasons.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from pipelines.contracts import HORIZONS, contract
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pipelines.checks.gx_session import GxSession

Severity = Literal["ERROR", "WARN"]

SAMPLE_SIZE = 5

# Plausibility of the attainment shares (WARN). A cohort of 20 or more where every single
# participant is in work at a horizon is far above anything the programmes have reported, and
# is what a status column filled down by mistake looks like.
FULL_EMPLOYMENT_MIN_PARTICIPANTS = 20
# Employment among participants with a known status moving more than 60 points between one
# horizon and the next is a swapped horizon or a misread status more often than a real change.
# Only judged when at least 10 have a known status at both horizons: below that one person
# moves the share by 10 points or more.
MAX_CHANGE_POINTS = 60.0
CHANGE_MIN_KNOWN = 10

# Reconciliation (WARN): a self-reported figure may differ from the participant rows by one
# person or 10 % of the rows' figure, whichever is larger (reports and uploads are rarely cut on
# the same day).
RECONCILE_TOLERANCE_PERSONS = 1
RECONCILE_TOLERANCE_SHARE = 0.10
RECONCILED_MEASURES = (
    # (name, what the programme said, what the participant rows show)
    ("recruited", "pairs_recruited", "shown_participants"),
    ("completed", "participants_completed", "shown_completed"),
    ("employed", "reported_employed", "shown_employed_0"),
    ("relevant", "reported_relevant", "shown_relevant_0"),
)

_PSEUDONYM = re.compile(r"^[0-9a-f]{32}$")


# --- configuration (from the installation's settings, passed in when a check runs) ----------


def _default(field: str) -> float:
    return float(Settings.model_fields[field].default)


def default_grace_days() -> int:
    """Days after the due date before a missing follow-up counts as late, when the settings give
    none: the contract's observation window after the due date (92 days)."""
    return int(contract("participant_followup").observation_window_days.get("after", 92))


# --- the shapes of a rule and of its outcome -----------------------------------------------


@dataclass(frozen=True)
class CheckSpec:
    """What a check is: its name, the asset it is attached to, the tables it reads, its rule."""

    name: str
    asset: str
    severity: Severity
    reads: tuple[str, ...]
    row_unit: str
    description_nb: str
    rule: str


@dataclass
class CheckOutcome:
    """The result of one rule on one set of frames, in a form for Dagster and results.json."""

    spec: CheckSpec
    passed: bool
    checked_rows: int
    failing_rows: int
    sample: list[dict[str, Any]]
    expectations_evaluated: int
    failed_expectations: list[dict[str, Any]]
    thresholds: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    # Every programme with a failing row (the sample shows five rows at most).
    programmes: list[str] = field(default_factory=list)
    docs_index: Path | None = None
    docs_page: Path | None = None

    @property
    def description_nb(self) -> str:
        return self.spec.description_nb.format(**self.thresholds)

    @property
    def summary_nb(self) -> str:
        if self.passed:
            return f"OK: {self.checked_rows} {self.spec.row_unit} kontrollert."
        errors = [e for e in self.failed_expectations if e.get("error")]
        if errors and not self.failing_rows:
            return f"Kontrollen kunne ikke kjøres: {errors[0]['error']}"
        return f"{self.failing_rows} av {self.checked_rows} {self.spec.row_unit} bryter regelen."

    def to_record(self, checked_at: str | None = None, run_id: str | None = None) -> dict:
        """One entry of results.json (the quarterly report reads it)."""
        return {
            "check_name": self.spec.name,
            "asset": self.spec.asset,
            "severity": self.spec.severity,
            "passed": bool(self.passed),
            "description_nb": self.description_nb,
            "details": {
                "summary_nb": self.summary_nb,
                "row_unit": self.spec.row_unit,
                "checked_rows": self.checked_rows,
                "failing_rows": self.failing_rows,
                "thresholds": self.thresholds,
                "figures": self.figures,
                "programmes": self.programmes,
                "sample": self.sample,
                "failed_expectations": self.failed_expectations,
                "data_docs": str(self.docs_page or self.docs_index or "") or None,
                "checked_at": checked_at,
                "run_id": run_id,
            },
        }


def _no_options(settings: Settings) -> dict[str, Any]:  # noqa: ARG001 - same shape for all
    return {}


@dataclass(frozen=True)
class Rule:
    """A check's spec, the plain function that evaluates it on the frames it reads, and the
    keyword arguments it takes from the installation's settings (thresholds)."""

    spec: CheckSpec
    evaluate: Callable[..., CheckOutcome]
    options: Callable[[Settings], dict[str, Any]] = _no_options


# --- helpers ---------------------------------------------------------------------------------


def _gxe():
    import great_expectations.expectations as gxe

    return gxe


def _session(session: GxSession | None) -> GxSession:
    if session is not None:
        return session
    from pipelines.checks.gx_session import in_memory_session

    return in_memory_session()


def safe_value(value: Any) -> Any:
    """A JSON-ready value; pseudonymous participant keys cut to 8 characters."""
    if isinstance(value, dict):
        return {str(k): safe_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [safe_value(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, bool | int):
        return value
    text = str(value)
    return text[:8] + "…" if _PSEUDONYM.match(text) else text


def _raised(exception_info: Any) -> str | None:
    """GE's exception_info is a flat dict, or one dict per metric; the first message, if any."""
    if not isinstance(exception_info, dict):
        return None
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message") or "exception")
    return None


_SHOWN_KWARGS = (
    "column",
    "column_list",
    "column_A",
    "column_B",
    "value_set",
    "min_value",
    "max_value",
    "strict_min",
    "strict_max",
    "or_equal",
)


def _evaluate(
    spec: CheckSpec,
    frame: pd.DataFrame,
    expectations: Sequence[Any],
    *,
    frame_name: str,
    sample_columns: Sequence[str],
    session: GxSession | None,
    thresholds: dict[str, Any] | None = None,
    figures: dict[str, Any] | None = None,
) -> CheckOutcome:
    """Validate ``frame`` with GE and turn the result into an outcome with a small sample."""
    frame = frame.reset_index(drop=True)
    thresholds = thresholds or {}
    result = _session(session).validate(
        spec.name,
        frame_name,
        frame,
        expectations,
        notes=f"{spec.rule}\n\n*{spec.description_nb.format(**thresholds)}* ({spec.severity})",
    )
    failing: set[int] = set()
    counted = 0
    failed: list[dict[str, Any]] = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        found = item.result or {}
        indices = [
            int(i) for i in found.get("unexpected_index_list") or [] if isinstance(i, Integral)
        ]
        failing.update(indices)
        counted = max(counted, int(found.get("unexpected_count") or 0))
        kwargs = {k: v for k, v in config.kwargs.items() if k in _SHOWN_KWARGS}
        if "value_set" in kwargs:
            kwargs["value_set"] = list(kwargs["value_set"])[:20]
        entry = {
            "expectation": config.type,
            **safe_value(kwargs),
            "unexpected_count": found.get("unexpected_count"),
            "unexpected_sample": safe_value(list(found.get("partial_unexpected_list") or [])[:5]),
        }
        if config.kwargs.get("row_condition") is not None:
            entry["row_condition"] = str(config.kwargs["row_condition"])
        error = _raised(item.exception_info)
        if error:
            entry["error"] = error[:300]
        failed.append(entry)
    shown = [c for c in sample_columns if c in frame.columns]
    sample_rows = frame.loc[sorted(failing)[:SAMPLE_SIZE], shown] if failing else frame.iloc[:0]
    programmes = (
        sorted({str(p) for p in frame.loc[sorted(failing), "programme_id"].dropna()})
        if failing and "programme_id" in frame.columns
        else []
    )
    return CheckOutcome(
        spec=spec,
        passed=bool(result.success),
        checked_rows=len(frame),
        failing_rows=max(len(failing), counted),
        sample=[safe_value(row) for row in sample_rows.to_dict(orient="records")],
        expectations_evaluated=len(result.results),
        failed_expectations=failed,
        thresholds=thresholds,
        figures=figures or {},
        programmes=programmes,
    )


def _by_participant(status: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per participant, ``<column>_0``, ``_6``, ``_12`` side by side."""
    keys = ["programme_id", "participant_key"]
    wide = (
        status.groupby([*keys, "horizon_months"])[column]
        .min()
        .unstack("horizon_months")
        .reindex(columns=list(HORIZONS))
    )
    wide.columns = [f"{column}_{h}" for h in HORIZONS]
    cohorts = status.groupby(keys)["cohort"].first() if "cohort" in status else None
    wide = wide.reset_index()
    if cohorts is not None:
        wide = wide.merge(cohorts.reset_index(), on=keys, how="left")
    return wide


def _count(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("boolean").fillna(False).astype(bool)


# --- fct_followup_status -------------------------------------------------------------------

FOLLOWUP_OBSERVED_ORDER = CheckSpec(
    name="followup_observations_in_order",
    asset="fct_followup_status",
    severity="WARN",
    reads=("fct_followup_status",),
    row_unit="deltakere",
    description_nb=(
        "Observert dato for 6 måneder er etter 0 måneder, og 12 måneder etter 6 (og 0), der "
        "begge finnes."
    ),
    rule=(
        "Per participant, where both dates are present: observed_on_6 > observed_on_0, "
        "observed_on_12 > observed_on_6 and observed_on_12 > observed_on_0. A reversal is "
        "usually a status entered under the wrong horizon."
    ),
)


def followup_observations_in_order(
    status: pd.DataFrame, *, session: GxSession | None = None
) -> CheckOutcome:
    gxe = _gxe()
    wide = _by_participant(status, "observed_on")
    pairs = ((6, 0), (12, 6), (12, 0))
    expectations = [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=f"observed_on_{later}",
            column_B=f"observed_on_{earlier}",
            ignore_row_if="either_value_is_missing",
        )
        for later, earlier in pairs
    ]
    return _evaluate(
        FOLLOWUP_OBSERVED_ORDER,
        wide,
        expectations,
        frame_name="fct_followup_status_by_participant",
        sample_columns=(
            "programme_id",
            "cohort",
            "participant_key",
            *(f"observed_on_{h}" for h in HORIZONS),
        ),
        session=session,
    )


FOLLOWUP_COVERAGE = CheckSpec(
    name="followup_coverage_floor",
    asset="fct_followup_status",
    severity="WARN",
    reads=("fct_followup_status",),
    row_unit="program × tidspunkt",
    description_nb=(
        "Minst {coverage_floor_pct:g} % av forfalte oppfølginger har kjent status, per program og "
        "oppfølgingstidspunkt."
    ),
    rule=(
        "Per programme x horizon, among follow-ups that are due (is_due): 100 * known / due >= "
        "IMDI_COVERAGE_FLOOR (default 50 %). Known = reported with a status other than unknown, "
        "as fct_attainment.coverage_pct counts it. Horizons not yet due are not judged."
    ),
)


def followup_coverage_floor(
    status: pd.DataFrame,
    *,
    floor_pct: float | None = None,
    session: GxSession | None = None,
) -> CheckOutcome:
    gxe = _gxe()
    floor = _default("coverage_floor_pct") if floor_pct is None else float(floor_pct)
    due = status[_flag(status, "is_due")].assign(is_known=lambda f: _flag(f, "is_known"))
    coverage = (
        due.groupby(["programme_id", "horizon_months"], dropna=False)
        .agg(due=("is_known", "size"), known=("is_known", "sum"))
        .reset_index()
    )
    coverage["coverage_pct"] = (100.0 * coverage["known"] / coverage["due"]).round(1)
    expectations = [gxe.ExpectColumnValuesToBeBetween(column="coverage_pct", min_value=floor)]
    return _evaluate(
        FOLLOWUP_COVERAGE,
        coverage,
        expectations,
        frame_name="followup_coverage_by_programme_horizon",
        sample_columns=("programme_id", "horizon_months", "due", "known", "coverage_pct"),
        session=session,
        thresholds={"coverage_floor_pct": floor},
    )


# --- fct_attainment --------------------------------------------------------------------------

ATTAINMENT_PLAUSIBLE = CheckSpec(
    name="attainment_shares_plausible",
    asset="fct_attainment",
    severity="WARN",
    reads=("fct_attainment",),
    row_unit="program × tilskuddsår × pulje × tidspunkt",
    description_nb=(
        "Ingen pulje med minst {full_employment_min_participants} deltakere har 100 % i jobb, og "
        "andelen i jobb (av kjent status) endrer seg ikke mer enn {max_change_points:g} "
        "prosentpoeng fra ett oppfølgingstidspunkt til det neste."
    ),
    rule=(
        "pct_employed_of_all < 100 where participants >= 20; and, per programme x grant year x "
        "cohort, pct_employed_of_known changes by at most 60 points from one horizon to the "
        "next one present, judged only where known_status >= 10 at both."
    ),
)


def attainment_shares_plausible(
    attainment: pd.DataFrame, *, session: GxSession | None = None
) -> CheckOutcome:
    from great_expectations.expectations.row_conditions import Column

    gxe = _gxe()
    cohort = ["programme_id", "grant_year", "cohort"]
    frame = attainment.sort_values([*cohort, "horizon_months"]).reset_index(drop=True)
    previous = frame.groupby(cohort, dropna=False)[
        ["horizon_months", "known_status", "pct_employed_of_known"]
    ].shift(1)
    judged = (frame["known_status"] >= CHANGE_MIN_KNOWN) & (
        previous["known_status"] >= CHANGE_MIN_KNOWN
    )
    frame["previous_horizon_months"] = previous["horizon_months"]
    frame["previous_pct_employed_of_known"] = previous["pct_employed_of_known"]
    frame["pct_employed_of_known_change"] = (
        (frame["pct_employed_of_known"] - previous["pct_employed_of_known"])
        .astype("float64")
        .where(judged)
    )
    expectations = [
        gxe.ExpectColumnValuesToBeBetween(
            column="pct_employed_of_all",
            max_value=100,
            strict_max=True,
            row_condition=Column("participants") >= FULL_EMPLOYMENT_MIN_PARTICIPANTS,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="pct_employed_of_known_change",
            min_value=-MAX_CHANGE_POINTS,
            max_value=MAX_CHANGE_POINTS,
        ),
    ]
    return _evaluate(
        ATTAINMENT_PLAUSIBLE,
        frame,
        expectations,
        frame_name="fct_attainment_with_changes",
        sample_columns=(
            *cohort,
            "horizon_months",
            "participants",
            "known_status",
            "pct_employed_of_all",
            "previous_pct_employed_of_known",
            "pct_employed_of_known",
            "pct_employed_of_known_change",
        ),
        session=session,
        thresholds={
            "full_employment_min_participants": FULL_EMPLOYMENT_MIN_PARTICIPANTS,
            "max_change_points": MAX_CHANGE_POINTS,
            "change_min_known": CHANGE_MIN_KNOWN,
        },
    )


# --- fct_overdue_followups -------------------------------------------------------------------

OVERDUE_SHARE = CheckSpec(
    name="overdue_share",
    asset="fct_overdue_followups",
    severity="WARN",
    reads=("fct_overdue_followups", "fct_followup_status"),
    row_unit="programmer",
    description_nb=(
        "Høyst {overdue_share_max_pct:g} % av et programs forfalte oppfølginger er mer enn "
        "{grace_days} dager forsinket."
    ),
    rule=(
        "Per programme: 100 * (overdue follow-ups with days_overdue > IMDI_OVERDUE_GRACE_DAYS, "
        "default the contract's 92-day observation window) / (follow-ups due) <= "
        "IMDI_OVERDUE_SHARE_MAX (default 25 %). All overdue follow-ups are counted in the "
        "metadata; the chase list is fct_overdue_followups."
    ),
)


def overdue_share(
    overdue: pd.DataFrame,
    status: pd.DataFrame,
    *,
    max_share_pct: float | None = None,
    grace_days: int | None = None,
    session: GxSession | None = None,
) -> CheckOutcome:
    gxe = _gxe()
    limit = _default("overdue_share_max_pct") if max_share_pct is None else float(max_share_pct)
    grace = default_grace_days() if grace_days is None else int(grace_days)
    due = status[_flag(status, "is_due")].groupby("programme_id").size().rename("due")
    days = pd.to_numeric(overdue["days_overdue"])
    late = overdue.assign(late=days > grace)
    per_programme = late.groupby("programme_id").agg(
        overdue=("late", "size"), late=("late", "sum"), oldest_days_overdue=("days_overdue", "max")
    )
    frame = pd.concat([due, per_programme], axis=1).reset_index(names="programme_id")
    for column in ("due", "overdue", "late"):
        frame[column] = frame[column].fillna(0).astype("int64")
    # A late follow-up of a programme with nothing due is itself a contradiction: count it 100 %.
    frame["late_share_pct"] = (
        (100.0 * frame["late"] / frame["due"].where(frame["due"] > 0))
        .round(1)
        .fillna(frame["late"].gt(0).astype("float64") * 100.0)
    )
    expectations = [gxe.ExpectColumnValuesToBeBetween(column="late_share_pct", max_value=limit)]
    return _evaluate(
        OVERDUE_SHARE,
        frame,
        expectations,
        frame_name="overdue_share_by_programme",
        sample_columns=(
            "programme_id",
            "due",
            "overdue",
            "late",
            "late_share_pct",
            "oldest_days_overdue",
        ),
        session=session,
        thresholds={"overdue_share_max_pct": limit, "grace_days": grace},
        figures={
            "overdue_followups": len(overdue),
            "late_followups": int(frame["late"].sum()),
            "due_followups": int(frame["due"].sum()),
        },
    )


# --- dim_programmes --------------------------------------------------------------------------

REGISTER_COMPLETE = CheckSpec(
    name="programme_register_complete",
    asset="dim_programmes",
    severity="WARN",
    reads=("dim_programmes",),
    row_unit="program × tilskuddsår",
    description_nb="Alle programmer som leverer oppfølginger, finnes i programregisteret.",
    rule=(
        "dim_programmes.in_register is true on every row: each programme that uploads "
        "follow-ups has a register row (grant year, targets). Without it attainment cannot be "
        "set against the target and grant years fall back to the start year."
    ),
)


def programme_register_complete(
    programmes: pd.DataFrame, *, session: GxSession | None = None
) -> CheckOutcome:
    gxe = _gxe()
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="in_register"),
        gxe.ExpectColumnValuesToBeInSet(column="in_register", value_set=[True]),
    ]
    missing = programmes.loc[~_flag(programmes, "in_register"), "programme_id"]
    return _evaluate(
        REGISTER_COMPLETE,
        programmes,
        expectations,
        frame_name="dim_programmes",
        sample_columns=("programme_id", "grant_year", "name", "in_register"),
        session=session,
        figures={"programmes_not_in_register": sorted(missing.dropna().astype(str).unique())[:50]},
    )


# --- fct_said_vs_shown -----------------------------------------------------------------------

SAID_VS_SHOWN = CheckSpec(
    name="said_vs_shown_reconciliation",
    asset="fct_said_vs_shown",
    severity="WARN",
    reads=("fct_said_vs_shown",),
    row_unit="statusrapporter",
    description_nb=(
        "Programmenes egne tall (rekrutterte, fullførte, i jobb, i relevant jobb) stemmer med "
        "deltakerradene, med slingringsmonn på én person eller 10 %."
    ),
    rule=(
        "Per status report: |said - shown| <= max(1, 10 % of shown) for pairs_recruited vs "
        "shown_participants, participants_completed vs shown_completed, reported_employed vs "
        "shown_employed_0 and reported_relevant vs shown_relevant_0. Figures the programme did "
        "not report are not judged. Every non-zero difference is listed."
    ),
)


def said_vs_shown_reconciliation(
    said_vs_shown: pd.DataFrame, *, session: GxSession | None = None
) -> CheckOutcome:
    gxe = _gxe()
    frame = said_vs_shown.reset_index(drop=True).copy()
    expectations = []
    differences: list[dict[str, Any]] = []
    measures = [m for m in RECONCILED_MEASURES if m[1] in frame and m[2] in frame]
    for measure, said_column, shown_column in measures:
        said = pd.to_numeric(frame[said_column]).astype("float64")
        shown = pd.to_numeric(frame[shown_column]).astype("float64").fillna(0)
        tolerance = (RECONCILE_TOLERANCE_SHARE * shown).clip(lower=RECONCILE_TOLERANCE_PERSONS)
        excess = f"{measure}_beyond_tolerance"
        frame[excess] = ((said - shown).abs() - tolerance).clip(lower=0).where(said.notna())
        expectations.append(gxe.ExpectColumnValuesToBeBetween(column=excess, max_value=0))
        for index in frame.index[said.notna() & (said != shown)]:
            differences.append(
                {
                    "programme_id": frame.at[index, "programme_id"],
                    "grant_year": frame.at[index, "grant_year"],
                    "period_end": frame.at[index, "period_end"] if "period_end" in frame else None,
                    "measure": measure,
                    "said": _count(said[index]),
                    "shown": _count(shown[index]),
                    "difference": _count(said[index] - shown[index]),
                    "beyond_tolerance": bool(frame.at[index, excess] > 0),
                }
            )
    return _evaluate(
        SAID_VS_SHOWN,
        frame,
        expectations,
        frame_name="fct_said_vs_shown_with_tolerance",
        sample_columns=(
            "programme_id",
            "grant_year",
            "period_end",
            *(c for m in measures for c in m[1:]),
        ),
        session=session,
        thresholds={
            "tolerance_persons": RECONCILE_TOLERANCE_PERSONS,
            "tolerance_share": RECONCILE_TOLERANCE_SHARE,
        },
        figures={"differences": safe_value(differences[:50]), "difference_count": len(differences)},
    )


# --- the list the Dagster checks are made from -----------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(FOLLOWUP_OBSERVED_ORDER, followup_observations_in_order),
    Rule(
        FOLLOWUP_COVERAGE,
        followup_coverage_floor,
        lambda settings: {"floor_pct": settings.coverage_floor_pct},
    ),
    Rule(ATTAINMENT_PLAUSIBLE, attainment_shares_plausible),
    Rule(
        OVERDUE_SHARE,
        overdue_share,
        lambda settings: {
            "max_share_pct": settings.overdue_share_max_pct,
            "grace_days": settings.overdue_grace_days,
        },
    ),
    Rule(REGISTER_COMPLETE, programme_register_complete),
    Rule(SAID_VS_SHOWN, said_vs_shown_reconciliation),
)

# Blocking rules run before publication, on the working file; flagging ones after it, on the
# published copy (pipelines/defs/checks.py, docs/quality.md).
BLOCKING_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.spec.severity == "ERROR")
FLAGGING_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.spec.severity != "ERROR")
