"""`imdi bench`: the warehouse measured at scale, against floors measured in the same run.

For each size (participants, each with follow-ups at 0, 6 and 12 months from the seeded demo
generator) the benchmark builds a fresh installation in its own temporary ``IMDI_HOME`` and
measures, each step in its own child process so that its peak memory (RSS) is its own:

1. ``ingest``: the real ``ingest_pending`` (intake, contract check, pseudonyms, raw tables) on
   every landed file; rows/s. Its CSV files are compared with ``raw_read``: the same files read
   by DuckDB's own CSV reader (``all_varchar``, no checks) into tables - the floor.
2. ``dbt_core``: ``dbt run`` of the core path (models only: ``+fct_attainment``, i.e. staging,
   versions, ``fct_followup_status``, ``fct_attainment``) on a copy of the warehouse, compared
   with ``sql_floor``: the same transformations written as plain SQL (:data:`FLOOR_SQL`) run
   directly in DuckDB on the same raw tables. Their totals must be equal.
3. ``incremental``: a late file of 10 follow-ups is landed in the warehouse of N participants;
   the time until the published copy shows it, through the real update path (ingest of the new
   file, ``dbt build`` with tests, publish; the flagging quality checks run after publication
   and are timed as part of the job, not of this figure). The Dagster job
   ``update_warehouse`` in-process, or the same steps called directly with ``--skip-dagster``.
4. ``rebuild``: the working DuckDB file deleted, the whole update run from the landing zone.

Ratios are computed from figures of the same run: the machine is shared and absolute timings
are noisy. The goals (:data:`GOALS`) are printed as MET / MISSED with the measured figure;
docs/benchmarks.md explains the latest run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pipelines.indicators import DENOMINATOR_COLUMNS, INDICATORS, indicators

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_OUT = Path("bench-results") / "bench.json"
REFERENCE_DATE = date(2020, 6, 30)
PSEUDONYM_KEY = "bench-key-not-secret"
LATE_ROWS = 10
# The late file arrives after every demo file (they arrive by the reference date).
LATE_ARRIVAL = datetime(2020, 6, 30, 23, 0, tzinfo=UTC)
LATE_COMMENT = "Sen rapport (ytelsesmåling)"
# Steps of the pipeline itself; the generator and the floors are measuring tools.
PIPELINE_STEPS = ("land", "ingest", "initial_update", "dbt_core", "incremental", "rebuild")
COUNT_COLUMNS = (
    "participants",
    "reported",
    "known_status",
    "overdue",
    *(f"n_{name}" for name in INDICATORS),
)


class BenchError(RuntimeError):
    pass


# --- the plain-SQL floor of the core path ----------------------------------------------------

# Latest version per participant x horizon, the indicators, the attainment aggregation: what
# dbt's fct_followup_status and fct_attainment compute at the reference date (macros/
# followup_status.sql, attainment.sql), written the way one would by hand for DuckDB. Same
# version order (newest reported_at, then upload_id, then source_row), same grant-year fallback
# (reported, else the register's latest grant year on or before the start year, else the start
# year), same indicator definitions.
_EMPLOYED = "status in ('employed', 'self_employed')"
_INDICATOR_SQL = {
    "employed": _EMPLOYED,
    "relevant_work": f"{_EMPLOYED} and coalesce(job_relevance = 'relevant', false)",
    "full_time": f"{_EMPLOYED} and coalesce(position_pct >= {{threshold}}, false)",
    "part_time": f"{_EMPLOYED} and coalesce(position_pct < {{threshold}}, false)",
    "permanent": "status = 'employed' and coalesce(contract_type = 'permanent', false)",
    "temporary": "status = 'employed' and coalesce(contract_type = 'temporary', false)",
    "right_shelf": (
        "status = 'employed' and coalesce(job_relevance = 'relevant' "
        "and contract_type = 'permanent' and position_pct >= {threshold}, false)"
    ),
    "closer_to_relevant": (
        "(status = 'internship' and coalesce(job_relevance = 'relevant', false)) "
        "or status = 'education'"
    ),
    "unemployed": "status = 'unemployed'",
    "unknown": "not is_known",
}

FLOOR_SQL = """
create or replace table bench_floor.followup_status as
with
followups as (
    select
        programme_id,
        participant_key,
        cast(horizon_months as integer) as horizon_months,
        cohort,
        cast(grant_year as integer) as grant_year,
        programme_start,
        programme_end,
        withdrawn,
        status,
        job_relevance,
        cast(position_pct as double) as position_pct,
        contract_type,
        upload_id,
        source_row,
        reported_at
    from raw.raw_followups
),
participants as (
    select *
    from followups
    qualify row_number() over (
        partition by programme_id, participant_key
        order by reported_at desc, upload_id desc, source_row desc
    ) = 1
),
reports as (
    select
        *,
        count(*) over (partition by programme_id, participant_key, horizon_months)
            as version_count
    from followups
    qualify row_number() over (
        partition by programme_id, participant_key, horizon_months
        order by reported_at desc, upload_id desc, source_row desc
    ) = 1
),
register_years as (
    select distinct programme_id, cast(grant_year as integer) as grant_year
    from raw.raw_programme_register
),
fallback_years as (
    select p.programme_id, year(p.programme_start) as start_year, max(r.grant_year) as grant_year
    from (select distinct programme_id, programme_start from participants where grant_year is null) as p
    inner join register_years as r
        on r.programme_id = p.programme_id and r.grant_year <= year(p.programme_start)
    group by all
),
expected as (
    select
        p.programme_id,
        p.participant_key,
        p.cohort,
        cast(coalesce(p.grant_year, f.grant_year, year(p.programme_start)) as integer)
            as grant_year,
        h.horizon_months,
        cast(p.programme_end + to_months(h.horizon_months) as date) as due_date
    from participants as p
    left join fallback_years as f
        on f.programme_id = p.programme_id and f.start_year = year(p.programme_start)
    cross join (values (0), (6), (12)) as h (horizon_months)
    where not coalesce(p.withdrawn = 'yes', false)
),
joined as (
    select
        e.*,
        e.due_date <= {reference_date} as is_due,
        case
            when r.upload_id is not null then 'reported'
            when e.due_date <= {reference_date} then 'overdue'
            else 'not_due'
        end as follow_up_state,
        coalesce(r.status, 'unknown') as status,
        r.job_relevance,
        r.position_pct,
        r.contract_type,
        r.upload_id,
        coalesce(r.version_count, 0) as version_count
    from expected as e
    left join reports as r
        on r.programme_id = e.programme_id
        and r.participant_key = e.participant_key
        and r.horizon_months = e.horizon_months
),
known as (
    select *, follow_up_state = 'reported' and status != 'unknown' as is_known from joined
)
select *, {indicator_columns} from known;

create or replace table bench_floor.attainment as
with
counted as (
    select
        programme_id,
        grant_year,
        cohort,
        horizon_months,
        count(*) as participants,
        count(*) filter (where follow_up_state = 'reported') as reported,
        count(*) filter (where is_known) as known_status,
        {indicator_counts},
        count(*) filter (where follow_up_state = 'overdue') as overdue
    from bench_floor.followup_status
    where is_due or follow_up_state = 'reported'
    group by all
),
register as (
    select * from raw.raw_programme_register
    qualify row_number() over (
        partition by programme_id, cast(grant_year as integer)
        order by reported_at desc, upload_id desc, source_row desc
    ) = 1
),
with_shares as (
    select
        c.*,
        round(100.0 * c.known_status / c.participants, 1) as coverage_pct,
        {indicator_shares},
        cast(case c.horizon_months
            when 0 then r.target_employed_pct_0
            when 6 then r.target_employed_pct_6
            when 12 then r.target_employed_pct_12
        end as double) as target_employed_pct,
        cast(case when c.horizon_months = 12 then r.target_relevant_pct_12 end as double)
            as target_relevant_pct
    from counted as c
    left join register as r
        on r.programme_id = c.programme_id and cast(r.grant_year as integer) = c.grant_year
)
select
    *,
    pct_employed_of_all >= target_employed_pct as employed_target_met,
    pct_relevant_work_of_all >= target_relevant_pct as relevant_target_met
from with_shares;
"""


def floor_sql(reference_date: date, full_time_threshold: float) -> str:
    """The plain-SQL floor with the run's reference date and full-time threshold filled in."""
    threshold = f"cast({float(full_time_threshold)!r} as double)"
    return FLOOR_SQL.format(
        reference_date=f"date '{reference_date.isoformat()}'",
        indicator_columns=", ".join(
            f"{_INDICATOR_SQL[name].format(threshold=threshold)} as is_{name}"
            for name in INDICATORS
        ),
        indicator_counts=", ".join(
            f"count(*) filter (where is_{name}) as n_{name}" for name in INDICATORS
        ),
        indicator_shares=", ".join(
            f"round(100.0 * c.n_{i.code} / nullif(c.{DENOMINATOR_COLUMNS[d]}, 0), 1)"
            f" as pct_{i.code}_of_{d}"
            for i in indicators()
            for d in i.denominators
        ),
    )


TOTALS_SQL = """
select
    count(*) as rows,
    {sums},
    count(*) filter (where employed_target_met) as employed_target_met,
    count(*) filter (where relevant_target_met) as relevant_target_met
from {table}
"""

# Rows of one attainment table that the other lacks, on the key, the counts and the headline share.
DIFF_SQL = """
select count(*) from (
    (select {columns} from {left} except all select {columns} from {right})
    union all
    (select {columns} from {right} except all select {columns} from {left})
)
"""
_DIFF_COLUMNS = (
    "programme_id",
    "cast(grant_year as integer)",
    "cohort",
    "cast(horizon_months as integer)",
    *(f"cast({c} as bigint)" for c in COUNT_COLUMNS),
    "cast(pct_employed_of_all as double)",
    "cast(target_employed_pct as double)",
)


def attainment_totals(con, table: str) -> dict[str, int]:
    sums = ", ".join(f"cast(sum({c}) as bigint) as {c}" for c in COUNT_COLUMNS)
    relation = con.execute(TOTALS_SQL.format(sums=sums, table=table))
    names = [d[0] for d in relation.description]
    return {name: int(value or 0) for name, value in zip(names, relation.fetchone(), strict=True)}


# --- goals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    name: str
    description: str
    target: float
    unit: str

    def judge(self, measured: float | None, **context: object) -> dict[str, Any]:
        """MET when the measured figure is at most the target; NOT MEASURED without one."""
        if measured is None:
            verdict = "NOT MEASURED"
        else:
            verdict = "MET" if measured <= self.target else "MISSED"
        return {
            "name": self.name,
            "description": self.description,
            "target": self.target,
            "unit": self.unit,
            "measured": measured,
            **context,
            "verdict": verdict,
        }


GOALS = (
    Goal(
        "validation_vs_raw_read", "ingest + validation within 3x of DuckDB's raw CSV read", 3, "x"
    ),
    Goal("dbt_vs_sql_floor", "dbt marts within 2x of the plain-SQL floor at 1 M", 2, "x"),
    Goal("incremental_flat", "incremental path at 1 M at most 2x its time at 10 k", 2, "x"),
    Goal("incremental_seconds", "incremental path (late file -> published) under 15 s", 15, "s"),
    Goal("peak_memory", "peak memory (RSS) of every pipeline step under 4 GB at 1 M", 4096, "MB"),
)


def evaluate_goals(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MET / MISSED per goal, judged at the largest size measured (the goals name 1 M).

    validation_vs_raw_read takes the worst size; incremental_flat needs two sizes.
    """
    by_n = sorted(sizes, key=lambda s: s["participants"])
    small, large = by_n[0], by_n[-1]
    incremental = {s["participants"]: s["steps"]["incremental"]["seconds"] for s in by_n}
    worst_validation = max(by_n, key=lambda s: s["ratios"]["validation_vs_raw_read"])
    figures: dict[str, tuple[float | None, int | None, str]] = {
        "validation_vs_raw_read": (
            worst_validation["ratios"]["validation_vs_raw_read"],
            worst_validation["participants"],
            "worst size",
        ),
        "dbt_vs_sql_floor": (
            large["ratios"]["dbt_vs_sql_floor"],
            large["participants"],
            "largest size",
        ),
        "incremental_flat": (
            (incremental[large["participants"]] / incremental[small["participants"]])
            if len(by_n) > 1
            else None,
            large["participants"],
            f"largest / smallest size (n={small['participants']:,})"
            if len(by_n) > 1
            else "needs two sizes",
        ),
        "incremental_seconds": (
            max(incremental.values()),
            max(incremental, key=incremental.get),
            "slowest size",
        ),
        "peak_memory": (large["peak_rss_mb"], large["participants"], "largest size"),
    }
    verdicts = []
    for goal in GOALS:
        measured, at_size, basis = figures[goal.name]
        verdicts.append(goal.judge(measured, at_participants=at_size, basis=basis))
    return verdicts


# --- child processes -------------------------------------------------------------------------


def _peak_rss_mb() -> dict[str, float]:
    """This process's peak RSS and that of its largest finished child (dbt), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "peak_rss_mb": round(max(own, children), 1),
        "rss_self_mb": round(own, 1),
        "rss_children_mb": round(children, 1),
    }


def _bench_dir(home: Path) -> Path:
    return home / "bench"


def _state_path(home: Path) -> Path:
    return _bench_dir(home) / "state.json"


def _read_state(home: Path) -> dict[str, Any]:
    path = _state_path(home)
    return json.loads(path.read_text()) if path.exists() else {}


def _write_state(home: Path, **values: Any) -> None:
    state = {**_read_state(home), **values}
    _state_path(home).write_text(json.dumps(state, indent=1))


def bench_settings(home: Path):
    """Every step's settings: its own installation, a fixed key and reference date, and an
    ephemeral Dagster instance."""
    from pipelines.settings import Settings

    return Settings.from_env().replace(
        home=home,
        pseudonym_key=PSEUDONYM_KEY,
        reference_date=REFERENCE_DATE,
        dagster_home=None,
    )


def child_env(home: Path) -> dict[str, str]:
    """The environment of every step: the bench settings, written out for the child process."""
    env = bench_settings(home).child_environment(GX_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
    env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance per step
    return env


def run_step(step: str, home: Path, skip_dagster: bool) -> dict[str, Any]:
    """Run one step in a child process; its result (with its peak RSS) comes back as JSON."""
    bench = _bench_dir(home)
    result_path = bench / f"{step}.json"
    result_path.unlink(missing_ok=True)
    log_path = bench / "logs" / f"{step}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "benchmarks.bench", "--step", step, "--home", str(home)]
    if skip_dagster:
        command.append("--skip-dagster")
    with log_path.open("ab") as log:
        done = subprocess.run(
            command, env=child_env(home), cwd=home, stdout=log, stderr=subprocess.STDOUT
        )
    if done.returncode != 0 or not result_path.exists():
        tail = log_path.read_text(errors="replace")[-3000:]
        raise BenchError(f"step {step} failed (exit {done.returncode}); log {log_path}:\n{tail}")
    return json.loads(result_path.read_text())


# --- the steps (each runs in its own process) -----------------------------------------------


def _paths(home: Path):
    return bench_settings(home).paths.ensure()


def step_generate(home: Path, participants: int, seed: int) -> dict[str, Any]:
    from pipelines.demo.generator import generate

    started = time.perf_counter()
    manifest = generate(
        home / "demo-files", participants=participants, seed=seed, reference_date=REFERENCE_DATE
    )
    seconds = time.perf_counter() - started
    files = [
        {
            "path": str(f.path),
            "kind": f.kind,
            "arrived_on": f.arrived_on.isoformat(),
            "rows": f.rows,
            "encoding": f.encoding,
            "format": "xlsx" if f.path.suffix == ".xlsx" else "csv",
        }
        for f in manifest.files
    ]
    _write_state(home, files=files, participants=manifest.participants)
    return {
        "seconds": seconds,
        "files": len(files),
        "rows": sum(f["rows"] for f in files),
        "followup_rows": sum(f["rows"] for f in files if f["kind"] == "followup"),
        "participants_in_plan": manifest.participants,
    }


def step_land(home: Path) -> dict[str, Any]:
    from pipelines.ingest.landing import land_path

    paths = _paths(home)
    state = _read_state(home)
    started = time.perf_counter()
    for item in state["files"]:
        arrived = datetime.fromisoformat(item["arrived_on"])
        landed = land_path(paths, Path(item["path"]), channel="demo", received_at=arrived).landed
        item["upload_id"] = landed.upload_id
        item["refused"] = landed.refused is not None
    seconds = time.perf_counter() - started
    _write_state(home, files=state["files"])
    return {"seconds": seconds, "files": len(state["files"])}


@contextmanager
def _timed_per_upload(module: Any, names: tuple[str, ...]) -> Iterator[dict[str, float]]:
    """Time the named functions of ``module`` per upload id, while the real caller runs.

    ingest_pending looks them up in its module at call time, so it runs unchanged; the upload
    is the ``upload_id`` of the LandedFile argument (or the second argument of read_landed).
    """
    spent: dict[str, float] = {}
    originals = {name: getattr(module, name) for name in names}

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            upload = next(
                (getattr(a, "upload_id", None) for a in args if hasattr(a, "upload_id")), None
            )
            if upload is None:
                upload = args[1]
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[upload] = spent.get(upload, 0.0) + time.perf_counter() - started

        return timed

    for name, function in originals.items():
        setattr(module, name, wrap(function))
    try:
        yield spent
    finally:
        for name, function in originals.items():
            setattr(module, name, function)


def step_ingest(home: Path) -> dict[str, Any]:
    import pipelines.ingest.raw_load as ingest
    from pipelines.ingest.landing import landed_files
    from pipelines.warehouse.raw import connect

    paths = _paths(home)
    state = _read_state(home)
    by_id = {f["upload_id"]: f for f in state["files"]}
    started = time.perf_counter()
    inventory = landed_files(paths)
    inventory_seconds = time.perf_counter() - started
    con = connect(paths.warehouse)
    try:
        with _timed_per_upload(ingest, ("read_landed", "check_file", "store")) as spent:
            started = time.perf_counter()
            summaries = ingest.ingest_pending(con, paths, bench_settings(home).key())
            seconds = time.perf_counter() - started
        con.execute("CHECKPOINT")
    finally:
        con.close()
    rows = sum(s.rows_total for s in summaries)
    per_format: dict[str, dict[str, float]] = {}
    for summary in summaries:
        fmt = by_id[summary.upload_id]["format"]
        entry = per_format.setdefault(fmt, {"files": 0, "rows": 0, "seconds": 0.0})
        entry["files"] += 1
        entry["rows"] += summary.rows_total
        entry["seconds"] += spent.get(summary.upload_id, 0.0)
    csv_part = per_format.get("csv", {"files": 0, "rows": 0, "seconds": 0.0})
    return {
        "seconds": seconds,
        "files": len(summaries),
        "rows": rows,
        "rows_accepted": sum(s.rows_accepted for s in summaries),
        "rows_per_s": rows / seconds,
        "csv_files": csv_part["files"],
        "csv_rows": csv_part["rows"],
        "csv_seconds": csv_part["seconds"],
        "csv_rows_per_s": csv_part["rows"] / csv_part["seconds"] if csv_part["seconds"] else None,
        "xlsx_files": per_format.get("xlsx", {}).get("files", 0),
        "xlsx_rows": per_format.get("xlsx", {}).get("rows", 0),
        "xlsx_seconds": per_format.get("xlsx", {}).get("seconds", 0.0),
        "landed_files_seconds": inventory_seconds,
        "landed_files_count": len(inventory),
    }


_DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1252": "latin-1", None: "utf-8"}


def step_raw_read(home: Path) -> dict[str, Any]:
    """The floor: every landed CSV file into a DuckDB table, all columns as text, no checks.

    Delimiter and encoding are given, not sniffed (intake derives them from the bytes the same
    way); Windows-1252 is read as Latin-1, which agrees on every letter the files use.
    """
    import duckdb

    from pipelines.ingest.intake import choose_delimiter

    paths = _paths(home)
    state = _read_state(home)
    files = [f for f in state["files"] if f["format"] == "csv" and not f.get("refused")]
    target = _bench_dir(home) / "raw_read.duckdb"
    target.unlink(missing_ok=True)
    formats = []
    for item in files:
        with open(paths.landing / "files" / item["upload_id"], "rb") as handle:
            first = handle.readline().decode(_DUCKDB_ENCODINGS[item["encoding"]], "replace")
        formats.append((item, choose_delimiter(first)))
    con = duckdb.connect(str(target))
    try:
        rows = 0
        started = time.perf_counter()
        for number, (item, delimiter) in enumerate(formats):
            table = f"file_{number}"  # generated name, not from the file
            con.execute(
                f"create table {table} as select * from read_csv(?, all_varchar = true, "
                "header = true, delim = ?, quote = '\"', encoding = ?)",
                [
                    str(paths.landing / "files" / item["upload_id"]),
                    delimiter,
                    _DUCKDB_ENCODINGS[item["encoding"]],
                ],
            )
            rows += con.execute(f"select count(*) from {table}").fetchone()[0]
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
    finally:
        con.close()
    target.unlink(missing_ok=True)
    return {"seconds": seconds, "files": len(files), "rows": rows, "rows_per_s": rows / seconds}


def _dbt(home: Path, args: list[str], warehouse: Path) -> tuple[float, Path]:
    """dbt as a subprocess with its own target and log folders (partial parsing is kept there)."""
    from pipelines.warehouse.dbt import dbt_vars, run_dbt

    settings = bench_settings(home)
    target = _bench_dir(home) / "dbt-target"
    folders = ["--target-path", str(target), "--log-path", str(_bench_dir(home) / "dbt-logs")]
    started = time.perf_counter()
    done = run_dbt(settings, [*args, *folders], dbt_vars(settings, warehouse))
    if done.returncode != 0:
        raise BenchError(f"dbt {args[0]} failed (exit {done.returncode})")
    return time.perf_counter() - started, target


def _copy_warehouse(home: Path, name: str) -> Path:
    """A private copy of the checkpointed working file, for runs that must not touch it."""
    import duckdb

    paths = _paths(home)
    con = duckdb.connect(str(paths.warehouse))
    con.execute("CHECKPOINT")
    con.close()
    copy = _bench_dir(home) / name
    shutil.copyfile(paths.warehouse, copy)
    return copy


def step_dbt_core(home: Path) -> dict[str, Any]:
    """``dbt run`` of the core path (models only, no tests) on a copy of the warehouse."""
    copy = _copy_warehouse(home, "core.duckdb")
    _dbt(home, ["parse", "--quiet"], copy)  # warms partial parsing, as a prepared project has
    seconds, target = _dbt(home, ["run", "--select", "+fct_attainment"], copy)
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        "seconds": seconds,
        "models": len(results),
        "model_seconds": sum(r["execution_time"] for r in results),
        "selection": "+fct_attainment (dbt run: models only)",
    }


def step_sql_floor(home: Path) -> dict[str, Any]:
    """The plain-SQL floor on the same copy; its totals beside those of dbt's fct_attainment."""
    import duckdb

    copy = _bench_dir(home) / "core.duckdb"
    con = duckdb.connect(str(copy))
    try:
        con.execute("create schema if not exists bench_floor")
        sql = floor_sql(REFERENCE_DATE, bench_settings(home).full_time_threshold)
        started = time.perf_counter()
        con.execute(sql)
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        totals_sql = attainment_totals(con, "bench_floor.attainment")
        totals_dbt = attainment_totals(con, "main.fct_attainment")
        columns = ", ".join(_DIFF_COLUMNS)
        differing = con.execute(
            DIFF_SQL.format(
                columns=columns, left="bench_floor.attainment", right="main.fct_attainment"
            )
        ).fetchone()[0]
    finally:
        con.close()
    copy.unlink(missing_ok=True)
    return {
        "seconds": seconds,
        "totals_sql": totals_sql,
        "totals_dbt": totals_dbt,
        "totals_equal": totals_sql == totals_dbt,
        "rows_differing": int(differing),
    }


def _update(home: Path, skip_dagster: bool) -> dict[str, Any]:
    """The real update path; seconds per part (landing, ingest, dbt_build, checks, publish)."""
    if skip_dagster:
        return _update_direct(home)
    import dagster as dg

    from pipelines.defs.run import run_update

    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    ok = run_update(bench_settings(home), instance)
    seconds = time.perf_counter() - started
    if not ok:
        raise BenchError("update_warehouse failed; see the step log")
    run = instance.get_runs(limit=1)[0]
    parts = dict.fromkeys(("landing", "ingest", "dbt_build", "publish", "checks"), 0.0)
    names = {
        "landing_zone": "landing",
        "raw_tables": "ingest",
        "warehouse_models": "dbt_build",
        "published_warehouse": "publish",
    }
    published_epoch = None
    for stat in instance.get_run_step_stats(run.run_id):
        if stat.start_time is not None and stat.end_time is not None:
            part = names.get(stat.step_key, "checks")
            parts[part] += stat.end_time - stat.start_time
            if part == "publish":
                published_epoch = stat.end_time
    parts["orchestration"] = max(seconds - sum(parts.values()), 0.0)
    return {
        "seconds": seconds,
        "parts": parts,
        "published_epoch": published_epoch,
        "path": "dagster update_warehouse",
    }


def _update_direct(home: Path) -> dict[str, Any]:
    """The same steps as update_warehouse, called directly (``--skip-dagster``)."""
    from pipelines.checks.gate import Evaluation, blocking_failures
    from pipelines.checks.rules import BLOCKING_RULES, FLAGGING_RULES
    from pipelines.checks.runner import run_quality_checks
    from pipelines.ingest.landing import landed_files, sweep_inbox
    from pipelines.ingest.raw_load import ingest_pending
    from pipelines.warehouse.locks import writer_lock
    from pipelines.warehouse.publish import publish
    from pipelines.warehouse.raw import connect

    settings = bench_settings(home)
    paths = _paths(home)
    parts: dict[str, float] = {}
    begun = time.perf_counter()
    started = begun
    sweep_inbox(paths)
    landed_files(paths)
    parts["landing"] = time.perf_counter() - started
    started = time.perf_counter()
    with writer_lock(paths):
        con = connect(paths.warehouse)
        try:
            ingest_pending(con, paths, settings.key())
        finally:
            con.close()
    parts["ingest"] = time.perf_counter() - started
    with writer_lock(paths):
        parts["dbt_build"], _ = _dbt(home, ["build", "--quiet"], paths.warehouse)
    # As in the job: blocking (ERROR) checks before publication, flagging ones after it.
    blocking = [r.spec.name for r in BLOCKING_RULES]
    flagging = [r.spec.name for r in FLAGGING_RULES]
    started = time.perf_counter()
    failures = blocking_failures(
        Evaluation(o.spec.asset, o.spec.name, o.passed, o.spec.severity)
        for o in (run_quality_checks(settings, blocking) if blocking else [])
    )
    parts["checks"] = time.perf_counter() - started
    started = time.perf_counter()
    publish(paths, failures)
    parts["publish"] = time.perf_counter() - started
    published_epoch = time.time()
    started = time.perf_counter()
    run_quality_checks(settings, flagging, published=True)
    parts["checks"] += time.perf_counter() - started
    return {
        "seconds": time.perf_counter() - begun,
        "parts": parts,
        "published_epoch": published_epoch,
        "path": "direct steps",
    }


def _import_update_path(skip_dagster: bool) -> float:
    """Import what the update needs before the clock starts; a running sensor has it loaded."""
    started = time.perf_counter()
    if skip_dagster:
        import pipelines.checks.gx_session  # noqa: F401
        import pipelines.checks.runner  # noqa: F401
    else:
        import pipelines.defs.definitions  # noqa: F401
    return time.perf_counter() - started


def step_initial_update(home: Path, skip_dagster: bool) -> dict[str, Any]:
    """The first update after ingest: dbt build, checks and a first published copy."""
    startup = _import_update_path(skip_dagster)
    return {**_update(home, skip_dagster), "startup_seconds": startup}


def late_file(home: Path) -> bytes:
    """Ten follow-ups sent late: rows of the last follow-up CSV, re-reported with a comment.

    Re-reports of existing participants, so the warehouse's size is unchanged; each becomes the
    newest version of its participant x horizon.
    """
    from pipelines.ingest.intake import read_table

    state = _read_state(home)
    source = next(
        f for f in reversed(state["files"]) if f["kind"] == "followup" and f["format"] == "csv"
    )
    table = read_table(Path(source["path"]).read_bytes())
    header = table.header
    comment = next((i for i, h in enumerate(header) if h.lower() in ("kommentar", "comment")), None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header + ([] if comment is not None else ["Kommentar"]))
    for row in table.frame.head(LATE_ROWS).itertuples(index=False):
        cells = ["" if v is None else str(v) for v in row]
        if comment is not None:
            cells[comment] = LATE_COMMENT
        else:
            cells.append(LATE_COMMENT)
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def step_incremental(home: Path, skip_dagster: bool) -> dict[str, Any]:
    """A late file of 10 follow-ups: time from landing it until the published copy shows it."""
    import duckdb

    from pipelines.ingest.landing import land_bytes
    from pipelines.ingest.raw_load import check_file

    paths = _paths(home)
    data = late_file(home)
    startup = _import_update_path(skip_dagster)
    started = time.perf_counter()
    started_epoch = time.time()
    landed = land_bytes(paths, data, "sen_oppfolging.csv", "cli", received_at=LATE_ARRIVAL)
    land_seconds = time.perf_counter() - started
    update = _update(home, skip_dagster)
    job_seconds = time.perf_counter() - started
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        uploaded = con.execute(
            "select rows_accepted from raw.raw_uploads where upload_id = ?",
            [landed.landed.upload_id],
        ).fetchone()
        in_marts = con.execute(
            "select count(*) from fct_followup_status where upload_id = ?",
            [landed.landed.upload_id],
        ).fetchone()[0]
    finally:
        con.close()
    if not landed.is_new or uploaded is None or update["published_epoch"] is None:
        raise BenchError("the late file did not reach the published copy")
    return {
        # Until the published copy was swapped in; the flagging checks run after it.
        "seconds": update["published_epoch"] - started_epoch,
        "job_seconds": job_seconds,
        "parts": {"land": land_seconds, **update["parts"]},
        "path": update["path"],
        "late_rows": LATE_ROWS,
        "late_rows_accepted": int(uploaded[0]),
        "late_rows_in_published_marts": int(in_marts),
        "expected_accepted": int(len(check_file(landed.landed, data).accepted)),
        "startup_seconds": startup,
    }


def step_rebuild(home: Path, skip_dagster: bool) -> dict[str, Any]:
    """Full rebuild: the working DuckDB file deleted, the whole update from the landing zone."""
    import duckdb

    paths = _paths(home)
    for leftover in (paths.warehouse, paths.warehouse.with_name(paths.warehouse.name + ".wal")):
        leftover.unlink(missing_ok=True)
    startup = _import_update_path(skip_dagster)
    update = _update(home, skip_dagster)
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        rows = con.execute("select count(*) from raw.raw_followups").fetchone()[0]
    finally:
        con.close()
    return {**update, "raw_followup_rows": int(rows), "startup_seconds": startup}


def _run_child_step(step: str, home: Path, skip_dagster: bool) -> None:
    state = _read_state(home)
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "generate": lambda: step_generate(home, state["requested"], state["seed"]),
        "land": lambda: step_land(home),
        "ingest": lambda: step_ingest(home),
        "raw_read": lambda: step_raw_read(home),
        "initial_update": lambda: step_initial_update(home, skip_dagster),
        "dbt_core": lambda: step_dbt_core(home),
        "sql_floor": lambda: step_sql_floor(home),
        "incremental": lambda: step_incremental(home, skip_dagster),
        "rebuild": lambda: step_rebuild(home, skip_dagster),
        "portal_upload": lambda: step_portal_upload(home),
    }
    result = steps[step]()
    result.update(_peak_rss_mb())
    (_bench_dir(home) / f"{step}.json").write_text(json.dumps(result, indent=1))


# --- one size, the whole run -----------------------------------------------------------------

STEPS = (
    "generate",
    "land",
    "ingest",
    "raw_read",
    "initial_update",
    "dbt_core",
    "sql_floor",
    "incremental",
    "rebuild",
)


def _ensure_manifest(work_dir: Path) -> None:
    """dagster-dbt loads dbt's manifest at import: prepare it once if the checkout has none."""
    from pipelines.settings import DBT_PROJECT_DIR
    from pipelines.warehouse.dbt import parse

    if not (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        parse(bench_settings(work_dir / "prepare"))


def bench_size(
    participants: int, work_dir: Path, seed: int, skip_dagster: bool, log: Callable[[str], None]
) -> dict[str, Any]:
    home = work_dir / f"n{participants}"
    if home.exists():
        shutil.rmtree(home)
    _bench_dir(home).mkdir(parents=True)
    _write_state(home, requested=participants, seed=seed)
    steps: dict[str, dict[str, Any]] = {}
    for step in STEPS:
        started = time.perf_counter()
        steps[step] = run_step(step, home, skip_dagster)
        log(
            f"  n={participants:>9,} {step:<15} {steps[step]['seconds']:8.2f} s "
            f"(wall {time.perf_counter() - started:6.1f} s, peak {steps[step]['peak_rss_mb']:7.0f} MB)"
        )
    ingest, raw_read = steps["ingest"], steps["raw_read"]
    return {
        "participants": participants,
        "home": str(home),
        "files": steps["generate"]["files"],
        "rows": steps["ingest"]["rows"],
        "steps": steps,
        "ratios": {
            "validation_vs_raw_read": ingest["csv_seconds"] / raw_read["seconds"],
            "dbt_vs_sql_floor": steps["dbt_core"]["seconds"] / steps["sql_floor"]["seconds"],
        },
        "peak_rss_mb": max(steps[s]["peak_rss_mb"] for s in PIPELINE_STEPS),
        "floor_totals_equal": steps["sql_floor"]["totals_equal"],
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import duckdb

    memory_kb = 0
    cpu = platform.processor()
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    with open("/proc/cpuinfo") as handle:
        cpu = next((ln.split(":", 1)[1].strip() for ln in handle if "model name" in ln), cpu)

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "dagster": version("dagster"),
        "pandas": version("pandas"),
        "pandera": version("pandera"),
        "great_expectations": version("great-expectations"),
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _markdown_table(lines: list[tuple[str, ...]]) -> list[str]:
    """A header row and data rows as a right-aligned Markdown table."""
    widths = [max(len(row[i]) for row in lines) for i in range(len(lines[0]))]
    table = [
        "| " + " | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        for row in lines
    ]
    table.insert(1, "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return table


def format_table(result: dict[str, Any]) -> str:
    """The results as a Markdown table, where the update time goes, and the goal verdicts."""
    header = (
        "participants",
        "rows",
        "ingest CSV rows/s",
        "raw read rows/s",
        "ingest/raw",
        "dbt core s",
        "SQL floor s",
        "dbt/SQL",
        "incremental s",
        "rebuild s",
        "peak RSS MB",
    )
    lines = [header]
    for size in result["sizes"]:
        steps = size["steps"]
        lines.append(
            (
                f"{size['participants']:,}",
                f"{size['rows']:,}",
                _fmt(steps["ingest"]["csv_rows_per_s"], 0),
                _fmt(steps["raw_read"]["rows_per_s"], 0),
                _fmt(size["ratios"]["validation_vs_raw_read"]) + "x",
                _fmt(steps["dbt_core"]["seconds"]),
                _fmt(steps["sql_floor"]["seconds"]),
                _fmt(size["ratios"]["dbt_vs_sql_floor"]) + "x",
                _fmt(steps["incremental"]["seconds"]),
                _fmt(steps["rebuild"]["seconds"]),
                _fmt(size["peak_rss_mb"], 0),
            )
        )
    table = _markdown_table(lines)
    parts = [
        "",
        "Where the update time goes (seconds; 'incremental s' stops when the published copy is "
        "swapped in, the flagging checks run after it):",
    ]
    for size in result["sizes"]:
        for step in ("incremental", "rebuild"):
            split = ", ".join(f"{k} {v:.1f}" for k, v in size["steps"][step]["parts"].items())
            parts.append(f"  {size['participants']:>9,} {step:<11} {split}")
    goals = ["", "Goals:"]
    for goal in result["goals"]:
        measured = _fmt(goal["measured"], 2 if goal["unit"] == "x" else 1)
        goals.append(
            f"  {goal['verdict']:<12} {goal['description']}: {measured} {goal['unit']} "
            f"(target {goal['target']:g} {goal['unit']}; {goal['basis']}, "
            f"n={goal['at_participants']:,})"
        )
    return "\n".join(table + parts + goals)


# --- the upload section: one person's upload, start to receipt --------------------------------

UPLOAD_SIZES = (1_000, 25_000, 100_000, 250_000)
UPLOAD_SHARES = (0, 50, 100)  # % of rows carrying a finding
UPLOAD_PROGRAMME = "MENTOR-OSLO"
UPLOAD_HEADER = (
    "Program-ID;Pulje;Deltakerreferanse;Programstart;Programslutt;Avslutningsårsak;"
    "Oppfølgingstidspunkt (mnd);Observert dato;Status;Relevans for kompetansen;"
    "Stillingsprosent;Ansettelsesform;Kommentar"
)
XLSX_REFUSAL_ROWS = 400_000  # over the default row limit (300 000)


UPLOAD_GOALS = (
    Goal("cli_1k", "imdi upload of 1,000 rows, start-up to receipt, <= 2 s", 2, "s"),
    Goal("cli_250k", "imdi upload of 250,000 rows <= 15 s", 15, "s"),
    Goal("portal_1k", "portal upload-to-receipt of 1,000 rows <= 2 s", 2, "s"),
    Goal("portal_250k", "portal upload-to-receipt of 250,000 rows <= 15 s", 15, "s"),
    Goal("peak_memory_250k", "peak memory at 250,000 rows <= 1.5 GB", 1536, "MB"),
    Goal(
        "linear",
        "time linear in rows: the portal's s per 1,000 rows at the largest size at most 1.5x "
        "that at the size before (worst share)",
        1.5,
        "x",
    ),
    Goal("xlsx_refusal", "a genuine XLSX over the row limit refused <= 5 s", 5, "s"),
)


def upload_csv(path: Path, rows: int, share: int) -> None:
    """A follow-up CSV of ``rows`` valid rows, ``share`` % of them observed outside their
    window (one warning each; horizon 6 after 30.11.2018: window 15.04.2019-30.08.2019)."""
    fixed = f"{UPLOAD_PROGRAMME};2018-1;"
    tail = ";01.02.2018;30.11.2018;fullført;6;{observed};i jobb;relevant;100;fast;"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(UPLOAD_HEADER + "\r\n")
        for start in range(0, rows, 50_000):
            handle.write(
                "".join(
                    fixed
                    + f"D{i:07d}"
                    + tail.format(observed="01.12.2019" if i % 100 < share else "31.05.2019")
                    + "\r\n"
                    for i in range(start, min(start + 50_000, rows))
                )
            )


def genuine_xlsx(path: Path, rows: int) -> None:
    """A real workbook (SpreadsheetML, varied text, so it compresses like real data) with
    ``rows`` data rows, written as a stream."""
    import zipfile

    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg_ns}"><Relationship Id="rId1" Type="{rel_ns}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main_ns}" xmlns:r="{rel_ns}"><sheets><sheet name="Oppfølging" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg_ns}"><Relationship Id="rId1" Type="{rel_ns}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        header = UPLOAD_HEADER.split(";")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{main_ns}"><sheetData>'.encode())
            cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in header)
            sheet.write(f'<row r="1">{cells}</row>'.encode())
            for start in range(2, rows + 2, 20_000):
                sheet.write(
                    "".join(
                        f'<row r="{n}"><c t="inlineStr"><is><t>{UPLOAD_PROGRAMME}</t></is></c>'
                        f'<c t="inlineStr"><is><t>2018-1</t></is></c><c t="inlineStr"><is>'
                        f"<t>D{n * 7919 % 10_000_019:08d}</t></is></c></row>"
                        for n in range(start, min(start + 20_000, rows + 2))
                    ).encode()
                )
            sheet.write(b"</sheetData></worksheet>")


def _run_measured(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Run a command; its wall time, exit code, output and its own peak RSS (wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stdout:
        process.stdout.close()
    return {
        "seconds": seconds,
        "exit_code": process.returncode,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "output": output.decode("utf-8", "replace"),
    }


def _imdi() -> str:
    """The installed `imdi` command beside this interpreter (the real entry point)."""
    candidate = Path(sys.executable).parent / "imdi"
    return str(candidate) if candidate.exists() else (shutil.which("imdi") or "imdi")


def cli_upload(home: Path, path: Path) -> dict[str, Any]:
    """`imdi upload FILE` as a person runs it, in a fresh installation."""
    bench_settings(home).paths.ensure()
    run = _run_measured(
        [_imdi(), "upload", str(path), "--programme", UPLOAD_PROGRAMME], child_env(home), home
    )
    lines = run.pop("output").splitlines()
    if run["exit_code"] not in (0, 3):
        raise BenchError(f"imdi upload failed (exit {run['exit_code']}):\n" + "\n".join(lines))
    run["receipt_lines"] = len(lines)
    run["rows_line"] = next((ln.strip() for ln in lines if ln.strip().startswith("Rader:")), "")
    run["refusal_line"] = next((ln.strip() for ln in lines if ln.strip().startswith("- feil:")), "")
    return run


def step_portal_upload(home: Path) -> dict[str, Any]:
    """The portal, signed in, receiving one file: the time from sending it to the receipt page
    (the app already running, as in production; in-process ASGI client, no network)."""
    from fastapi.testclient import TestClient

    from pipelines.portal.app import create_app
    from pipelines.portal.tokens import TokenStore

    state = _read_state(home)
    settings = bench_settings(home)
    token, _ = TokenStore(settings.paths.ensure()).issue(UPLOAD_PROGRAMME)
    client = TestClient(create_app(settings))

    def csrf(html: str) -> str:
        marker = 'name="csrf" value="'
        return html.split(marker, 1)[1].split('"', 1)[0]

    page = client.get("/logg-inn")
    client.post("/logg-inn", data={"token": token, "csrf": csrf(page.text)})
    form_csrf = csrf(client.get("/oversikt").text)
    path = Path(state["upload_file"])
    data = path.read_bytes()
    started = time.perf_counter()
    response = client.post("/last-opp", data={"csrf": form_csrf}, files={"file": (path.name, data)})
    seconds = time.perf_counter() - started
    if response.status_code != 200 or "Kvittering for" not in response.text:
        raise BenchError(f"the portal gave no receipt (status {response.status_code})")
    return {
        "seconds": seconds,
        "status": response.status_code,
        "page_kb": len(response.content) // 1024,
    }


def duckdb_read_seconds(path: Path) -> float:
    """DuckDB's own CSV reader on the same file into a table, all text, no checks: the floor."""
    import duckdb

    con = duckdb.connect()
    try:
        started = time.perf_counter()
        con.execute(
            "create table t as select * from read_csv(?, all_varchar = true, header = true, "
            "delim = ';', quote = '\"')",
            [str(path)],
        )
        return time.perf_counter() - started
    finally:
        con.close()


def bench_upload(
    work_dir: Path,
    sizes: list[int],
    shares: list[int],
    log: Callable[[str], None],
    keep: bool = False,
    repeat: int = 2,
) -> dict[str, Any]:
    """Every size x share: `imdi upload`, the portal, and DuckDB's read of the same file; each
    in a fresh installation (removed after its measurement unless ``keep``)."""
    files = work_dir / "upload-files"
    files.mkdir(parents=True, exist_ok=True)
    runs = []
    for rows in sizes:
        for share in shares:
            path = files / f"oppfolging-{rows}-{share}.csv"
            upload_csv(path, rows, share)
            file_mb = round(path.stat().st_size / 1024 / 1024, 1)
            # The fastest of ``repeat`` runs, each in a fresh installation: on a shared machine a
            # single run also measures the neighbours (peak memory: the largest of the runs).
            tries = [
                cli_upload(work_dir / f"upload-cli-{rows}-{share}-{n}", path) for n in range(repeat)
            ]
            cli = {
                **min(tries, key=lambda t: t["seconds"]),
                "peak_rss_mb": max(t["peak_rss_mb"] for t in tries),
                "runs_seconds": [t["seconds"] for t in tries],
            }
            home = work_dir / f"upload-portal-{rows}-{share}"
            _bench_dir(home).mkdir(parents=True, exist_ok=True)
            _write_state(home, upload_file=str(path))
            portal = run_step("portal_upload", home, skip_dagster=True)
            floor = duckdb_read_seconds(path)
            if not keep:
                for used in [*work_dir.glob(f"upload-cli-{rows}-{share}-*"), home]:
                    shutil.rmtree(used, ignore_errors=True)
                path.unlink()
            runs.append(
                {
                    "rows": rows,
                    "share_pct": share,
                    "file_mb": file_mb,
                    "cli": cli,
                    "portal": portal,
                    "duckdb_read_seconds": floor,
                    "cli_vs_duckdb": cli["seconds"] / floor,
                }
            )
            log(
                f"  upload {rows:>9,} rows, {share:>3}% with findings: imdi upload "
                f"{cli['seconds']:6.2f} s (peak {cli['peak_rss_mb']:6.0f} MB, "
                f"{cli['receipt_lines']} lines), portal {portal['seconds']:6.2f} s, "
                f"DuckDB read {floor:6.3f} s"
            )
    xlsx = files / "over-the-row-limit.xlsx"
    genuine_xlsx(xlsx, XLSX_REFUSAL_ROWS)
    refusal = cli_upload(work_dir / "upload-xlsx", xlsx)
    log(
        f"  upload {XLSX_REFUSAL_ROWS:,}-row XLSX ({xlsx.stat().st_size // 1024 // 1024} MB): "
        f"refused in {refusal['seconds']:.2f} s (peak {refusal['peak_rss_mb']:.0f} MB)"
    )
    return {
        "runs": runs,
        "xlsx_refusal": refusal,
        "sizes": sizes,
        "shares": shares,
        "repeat": repeat,
    }


def evaluate_upload_goals(upload: dict[str, Any]) -> list[dict[str, Any]]:
    """MET / MISSED per upload goal, judged at the worst share of the size the goal names."""
    runs = upload["runs"]

    def worst(rows: int, figure: Callable[[dict[str, Any]], float]) -> float | None:
        values = [figure(r) for r in runs if r["rows"] == rows]
        return max(values) if values else None

    sizes = sorted({r["rows"] for r in runs})
    linear = None
    if len(sizes) >= 2:
        # Seconds per 1,000 rows of the portal's upload-to-receipt (the same path as imdi upload
        # plus the change classification, with no process start-up in it, which at a few
        # thousand rows is half of imdi upload's time and as noisy as the machine): at the
        # largest size against the size before, per share, the worst share.
        def per_row(rows: int, share: int) -> float:
            run = next(r for r in runs if r["rows"] == rows and r["share_pct"] == share)
            return run["portal"]["seconds"] / rows

        before, last = sizes[-2:]
        linear = max(
            per_row(last, share) / per_row(before, share)
            for share in sorted({r["share_pct"] for r in runs})
        )
    refusal = upload.get("xlsx_refusal")
    figures = {
        "cli_1k": worst(1_000, lambda r: r["cli"]["seconds"]),
        "cli_250k": worst(250_000, lambda r: r["cli"]["seconds"]),
        "portal_1k": worst(1_000, lambda r: r["portal"]["seconds"]),
        "portal_250k": worst(250_000, lambda r: r["portal"]["seconds"]),
        "peak_memory_250k": worst(
            250_000, lambda r: max(r["cli"]["peak_rss_mb"], r["portal"]["peak_rss_mb"])
        ),
        "linear": linear,
        "xlsx_refusal": refusal["seconds"] if refusal else None,
    }
    return [goal.judge(figures[goal.name]) for goal in UPLOAD_GOALS]


def format_upload_table(upload: dict[str, Any]) -> str:
    header = (
        "rows",
        "findings",
        "file MB",
        "imdi upload s",
        "portal s",
        "DuckDB read s",
        "upload/read",
        "peak RSS MB",
        "receipt lines",
    )
    lines = [header]
    for run in upload["runs"]:
        lines.append(
            (
                f"{run['rows']:,}",
                f"{run['share_pct']} %",
                _fmt(run["file_mb"]),
                _fmt(run["cli"]["seconds"], 2),
                _fmt(run["portal"]["seconds"], 2),
                _fmt(run["duckdb_read_seconds"], 3),
                _fmt(run["cli_vs_duckdb"], 0) + "x",
                _fmt(max(run["cli"]["peak_rss_mb"], run["portal"]["peak_rss_mb"]), 0),
                str(run["cli"]["receipt_lines"]),
            )
        )
    table = _markdown_table(lines)
    goals = ["", "Upload goals:"]
    for goal in upload["goals"]:
        measured = _fmt(goal["measured"], 2)
        goals.append(
            f"  {goal['verdict']:<12} {goal['description']}: {measured} {goal['unit']} "
            f"(target {goal['target']:g} {goal['unit']})"
        )
    return "\n".join(["Upload (one file, start to receipt):", *table, *goals])


def _print_flush(line: str) -> None:
    print(line, flush=True)


def _counts(text: str, option: str, parser: argparse.ArgumentParser) -> list[int]:
    values = [int(v.replace("_", "")) for v in text.split(",") if v.strip()]
    if not values or min(values) < 0:
        parser.error(f"{option} needs non-negative numbers, comma-separated")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="imdi bench",
        description="Measure ingest, dbt, incremental path and rebuild at scale, and one "
        "person's upload from start to receipt.",
    )
    parser.add_argument(
        "--only",
        choices=("warehouse", "upload"),
        default=None,
        help="run one section: the warehouse at scale, or the upload (default: both)",
    )
    for flag, defaults, what in (
        ("--sizes", DEFAULT_SIZES, "participants per size"),
        ("--upload-sizes", UPLOAD_SIZES, "rows per uploaded file"),
        ("--upload-shares", UPLOAD_SHARES, "%% of an uploaded file's rows with a finding"),
    ):
        listed = ",".join(str(n) for n in defaults)
        parser.add_argument(flag, default=listed, help=f"{what}, comma-separated ({listed})")
    parser.add_argument(
        "--upload-repeat",
        type=int,
        default=2,
        help="runs of imdi upload per file; the fastest counts (default 2)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument(
        "--skip-dagster",
        action="store_true",
        help="call ingest, dbt build, checks and publish directly instead of the Dagster job",
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="where the installations go (default: temp)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the installations afterwards")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.step:
        _run_child_step(args.step, args.home, args.skip_dagster)
        return 0

    warehouse = args.only in (None, "warehouse")
    uploads = args.only in (None, "upload")
    sizes = _counts(args.sizes, "--sizes", parser) if warehouse else []
    if warehouse and min(sizes) < 1:
        parser.error("--sizes needs positive participant counts")
    upload_sizes = _counts(args.upload_sizes, "--upload-sizes", parser) if uploads else []
    shares = _counts(args.upload_shares, "--upload-shares", parser) if uploads else []
    if uploads and (min(upload_sizes) < 1 or max(shares) > 100):
        parser.error("--upload-sizes needs positive row counts, --upload-shares 0-100")
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="imdi-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    work_dir = work_dir.resolve()
    started_at = datetime.now(UTC)
    results = []
    upload = None
    try:
        if warehouse:
            _ensure_manifest(work_dir)
        for participants in sizes:
            print(f"Size {participants:,} participants, in {work_dir}", flush=True)
            results.append(
                bench_size(participants, work_dir, args.seed, args.skip_dagster, _print_flush)
            )
            if not args.keep:
                shutil.rmtree(work_dir / f"n{participants}", ignore_errors=True)
        if uploads:
            print(f"Upload, in {work_dir}", flush=True)
            upload = bench_upload(
                work_dir / "upload",
                upload_sizes,
                shares,
                _print_flush,
                keep=args.keep,
                repeat=max(args.upload_repeat, 1),
            )
            upload["goals"] = evaluate_upload_goals(upload)
            if not args.keep:
                shutil.rmtree(work_dir / "upload", ignore_errors=True)
    finally:
        if not args.keep and args.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    result: dict[str, Any] = {
        "schema_version": 2,
        "measured_at": started_at.isoformat(timespec="seconds"),
        "seconds_total": (datetime.now(UTC) - started_at).total_seconds(),
        "machine": machine(),
        "options": {
            "only": args.only,
            "sizes": sizes,
            "upload_sizes": upload_sizes,
            "upload_shares": shares,
            "upload_repeat": args.upload_repeat,
            "skip_dagster": args.skip_dagster,
            "seed": args.seed,
            "reference_date": REFERENCE_DATE.isoformat(),
            "dbt_core_selection": "+fct_attainment (dbt run: models only)",
            "update_path": "direct steps" if args.skip_dagster else "dagster update_warehouse",
        },
    }
    if warehouse:
        result.update(sizes=results, goals=evaluate_goals(results))
    if upload is not None:
        result["upload"] = upload
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    if warehouse:
        print()
        print(format_table(result))
    if upload is not None:
        print()
        print(format_upload_table(upload))
    print(f"\nJSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
