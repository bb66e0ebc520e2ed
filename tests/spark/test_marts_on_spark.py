"""The same dbt project on Apache Spark (docs/SCALING.md): the demo's files are generated,
landed and ingested into DuckDB's raw tables as `make demo` does, the raw tables are exported to
Parquet, and `dbt build` runs once on each engine (DuckDB target `dev`, Spark target `spark`:
dbt-spark's session method, pyspark in local mode on 2 cores). Every mart must then hold the
same rows on both engines.

Needs the `spark` extra and Java 17: `make test-spark` (not part of `make test`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.demo import generate
from pipelines.ingest.landing import land_path
from pipelines.ingest.raw_load import ingest_pending
from pipelines.settings import DBT_PROJECT_DIR, Settings
from pipelines.warehouse.dbt import dbt_vars, run_dbt
from pipelines.warehouse.parquet import export_raw_tables
from pipelines.warehouse.raw import connect

REFERENCE_DATE = dt.date(2020, 6, 30)  # the demo's "today" (imdi demo --reference-date)
SPARK_SCHEMA = "imdi"  # profiles.yml, target spark
MARTS = sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").glob("*.sql"))
# md5 of the SQL a quarter snapshot was computed with (macros/quarter_snapshots.sql): the SQL
# is the engine's own, so the value is too.
ENGINE_SPECIFIC = {"code_fingerprint"}
MD5 = re.compile(r"^[0-9a-f]{32}$")


def _build(settings: Settings, target: str, vars_: dict[str, object], work: Path) -> float:
    """`dbt build --full-refresh` (models, data tests, unit tests) on ``target``; seconds."""
    args = [
        "build",
        "--full-refresh",
        "--target",
        target,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    started = time.perf_counter()
    completed = run_dbt(settings, args, vars_, capture=True)
    seconds = time.perf_counter() - started
    assert completed.returncode == 0, (
        f"dbt build on {target} failed:\n{completed.stdout[-20000:]}\n{completed.stderr[-5000:]}"
    )
    summary = re.findall(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", completed.stdout)
    assert summary, completed.stdout[-5000:]
    passed, warned, errors, skipped = map(int, summary[-1])
    assert (errors, skipped) == (0, 0), summary
    return seconds


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("engines")
    settings = Settings.from_env(
        home=root / "imdi",
        dagster_home=root / "imdi" / "dagster",
        pseudonym_key="spark-test-key-not-secret",
        reference_date=REFERENCE_DATE,
    )
    started = time.perf_counter()
    settings.paths.ensure()
    demo = generate(
        root / "demo-files",
        participants=None,
        seed=2019,
        reference_date=REFERENCE_DATE,
        pseudonym_key=settings.key(),  # the register extract, as `imdi demo` writes it
    )
    for item in demo.files:  # as `imdi demo` lands them: arrival times are the files' own
        land_path(settings.paths, item.path, channel="demo", received_at=item.arrived_on)
    con = connect(settings.paths.warehouse)
    try:
        summaries = ingest_pending(con, settings.paths, settings.key())
    finally:
        con.close()
    assert len(summaries) == len(demo.files)
    demo_seconds = time.perf_counter() - started

    # DuckDB: the same build as on Spark, on a copy of the raw tables' file.
    duckdb_file = root / "duckdb" / "work.duckdb"
    duckdb_file.parent.mkdir()
    shutil.copy2(settings.paths.warehouse, duckdb_file)
    vars_ = dbt_vars(settings, duckdb_file)
    duckdb_seconds = _build(settings, "dev", vars_, root / "duckdb")

    raw = export_raw_tables(settings.paths.warehouse, root / "raw")
    spark_warehouse = root / "spark-warehouse"
    spark_vars = {
        **vars_,
        "raw_parquet_dir": str(root / "raw"),
        "spark_warehouse_dir": str(spark_warehouse),
    }
    spark_seconds = _build(settings, "spark", spark_vars, root / "spark")
    print(
        f"\ndemo data landed and ingested in {demo_seconds:.1f} s; dbt build: DuckDB {duckdb_seconds:.1f} s,"
        f" Spark {spark_seconds:.1f} s"
    )
    return {
        "duckdb_file": duckdb_file,
        "raw": raw,
        "spark_tables": spark_warehouse / f"{SPARK_SCHEMA}.db",
    }


def _normal(value: object) -> object:
    """Values as the marts promise them: shares are rounded to 1 decimal and targets carry 4,
    so doubles are compared at 6 decimals; timestamps as naive UTC."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _sort_key(row: tuple) -> tuple:
    return tuple((value is None, "" if value is None else value) for value in row)


def _table(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list, list, list]:
    described = con.execute(f"describe select * from {relation}").fetchall()
    names = [row[0] for row in described]
    types = [row[1] for row in described]
    rows = con.execute(f"select * from {relation}").fetchall()
    return names, types, rows


def test_raw_tables_exported_to_parquet(engines: dict[str, object]) -> None:
    con = duckdb.connect(str(engines["duckdb_file"]), read_only=True)
    for table, path in engines["raw"].items():
        expected = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        exported = con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0]
        assert exported == expected, table
    assert {"raw_followups", "raw_programme_register", "raw_uploads"} <= set(engines["raw"])


@pytest.mark.parametrize("mart", MARTS)
def test_mart_equal_on_spark_and_duckdb(engines: dict[str, object], mart: str) -> None:
    folder = engines["spark_tables"] / mart
    assert folder.is_dir(), f"Spark did not write {mart} ({folder})"
    con = duckdb.connect(str(engines["duckdb_file"]), read_only=True)
    names, types, duck_rows = _table(con, f"main.{mart}")
    spark_names, spark_types, spark_rows = _table(con, f"read_parquet('{folder}/*.parquet')")

    assert spark_names == names
    assert spark_types == types
    assert duck_rows, f"{mart} is empty on DuckDB: the demo should fill every mart"
    assert len(spark_rows) == len(duck_rows)

    compared = [i for i, name in enumerate(names) if name not in ENGINE_SPECIFIC]
    for i, name in enumerate(names):
        if name in ENGINE_SPECIFIC:
            for rows in (duck_rows, spark_rows):
                assert all(MD5.match(row[i]) for row in rows), name

    def normal(rows: list[tuple]) -> list[tuple]:
        return sorted((tuple(_normal(row[i]) for i in compared) for row in rows), key=_sort_key)

    duck, spark = normal(duck_rows), normal(spark_rows)
    differing = [(d, s) for d, s in zip(duck, spark, strict=True) if d != s]
    assert not differing, (
        f"{len(differing)} of {len(duck)} rows of {mart} differ; first (DuckDB, Spark):"
        f" {differing[:3]}"
    )
