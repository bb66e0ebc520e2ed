"""Publishing: analysts read a copy of the warehouse, swapped in atomically after checks pass.

DuckDB allows one read-write process or many readers, never both (duckdb #1330), so readers
never open the working file. The copy is made from a checkpointed file (no WAL left behind),
written under a temporary name in the same folder, then renamed over the old copy: a reader
sees the old copy or the new one, never half of either.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime

import duckdb

from pipelines.files import atomic_write
from pipelines.settings import Paths
from pipelines.warehouse.locks import writer_lock


class PublishRefused(RuntimeError):
    pass


def publish(paths: Paths, blocking_failures: list[str], run_id: str | None = None) -> dict:
    """Swap in a new published copy, or refuse (and keep the last good copy) on a blocking failure."""
    if blocking_failures:
        raise PublishRefused(
            "Publication held back; analysts keep the last good copy. Blocking checks failed: "
            + ", ".join(blocking_failures)
        )
    source = paths.warehouse
    target = paths.published
    target.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(paths):
        con = duckdb.connect(str(source))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        tmp = target.parent / f".{target.name}.{os.getpid()}.tmp"
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    info = {
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "size_bytes": target.stat().st_size,
    }
    atomic_write(target.parent / "published.json", json.dumps(info, indent=1).encode())
    return info


def connect_published(paths: Paths) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published copy; never the working file."""
    if not paths.published.exists():
        raise FileNotFoundError(
            f"Ingen publisert kopi av varehuset ennå ({paths.published}). Kjør `make demo` eller "
            "vent på første vellykkede kjøring."
        )
    return duckdb.connect(str(paths.published), read_only=True)
