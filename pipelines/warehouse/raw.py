"""The raw layer of the working DuckDB file: append-only tables stamped with upload id and time.

Only pipeline runs call these functions (one writer). Readers use the published copy.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.contracts import contracts

UPLOADS_DDL = """
CREATE TABLE IF NOT EXISTS raw.raw_uploads (
    upload_id VARCHAR PRIMARY KEY,      -- sha256 of the file's bytes
    original_name VARCHAR,              -- display only; never used as a path
    channel VARCHAR,                    -- portal / cli / dropfolder / demo
    uploaded_by VARCHAR,
    claimed_programme_id VARCHAR,       -- the programme the uploader was allowed to upload for
    received_at TIMESTAMP NOT NULL,     -- when the file reached the landing zone (= reported_at)
    size_bytes BIGINT,
    contract VARCHAR,                   -- which input the file was recognised as, if any
    outcome VARCHAR NOT NULL,           -- accepted / partly_accepted / rejected / refused
    rows_total INTEGER NOT NULL,
    rows_accepted INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    message_nb VARCHAR
)
"""

REJECTIONS_DDL = """
CREATE TABLE IF NOT EXISTS raw.raw_rejections (
    upload_id VARCHAR NOT NULL,
    source_row INTEGER,                 -- row number as the uploader sees it (header = row 1); NULL: whole file
    column_name VARCHAR,
    value VARCHAR,                      -- masked when it looked like a national identity number
    rule VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,          -- error (row rejected) / warning (row accepted)
    message_nb VARCHAR NOT NULL
)
"""


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(UPLOADS_DDL)
    con.execute(REJECTIONS_DDL)
    for c in contracts().values():
        con.execute(c.raw_table_ddl())
        for statement in c.raw_table_additions():
            con.execute(statement)


def processed_upload_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT upload_id FROM raw.raw_uploads").fetchall()}
