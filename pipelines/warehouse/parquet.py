"""The raw tables as Parquet files: how the same dbt project runs on Apache Spark
(`dbt --target spark`, docs/SCALING.md), which reads its sources from these files."""

from __future__ import annotations

from pathlib import Path

from pipelines.warehouse.raw import connect


def export_raw_tables(database: Path, directory: Path) -> dict[str, Path]:
    """Every table of schema ``raw`` in the DuckDB file ``database`` as ``<table>.parquet`` in
    ``directory`` (the dbt var ``raw_parquet_dir``); returns the files by table name."""
    directory.mkdir(parents=True, exist_ok=True)
    con = connect(database, read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'raw' and table_type = 'BASE TABLE' order by table_name"
            ).fetchall()
        ]
        files = {}
        for table in tables:
            target = directory / f"{table}.parquet"
            target.unlink(missing_ok=True)
            con.execute(f"copy raw.{table} to '{target}' (format parquet)")
            files[table] = target
        return files
    finally:
        con.close()
