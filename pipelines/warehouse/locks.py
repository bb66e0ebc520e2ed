"""The one-writer rule for the working DuckDB file, across processes.

DuckDB allows one read-write process or many readers, never both (duckdb #1330). Dagster's
``duckdb_write`` pool serialises the update run's steps; this lock is the backstop for anything
else that opens the working file (the quality checks' reads, publishing, a second process).
"""

from __future__ import annotations

from pipelines.files import file_lock
from pipelines.settings import Paths


def writer_lock(paths: Paths, timeout_s: float = 600):
    """Serialise writers (and readers) of the working file across processes."""
    return file_lock(paths.warehouse.parent / ".writer.lock", timeout_s, poll_s=0.2)
