"""``<quality>/results.json``: the latest outcome of every quality check, for the quarterly report.

A JSON list, one entry per check (merged by ``check_name``)::

    {"check_name": ..., "asset": ..., "severity": "ERROR" | "WARN", "passed": bool,
     "description_nb": "...", "details": {...}}

Checks run in parallel processes, so every read-modify-write happens under an inter-process
lock, and the file is replaced atomically (temporary file + ``os.replace``): a reader sees the
old list or the new one, never half of either.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.config import Paths

RESULTS_NAME = "results.json"


def results_path(paths: Paths) -> Path:
    return paths.quality / RESULTS_NAME


@contextmanager
def quality_lock(paths: Paths, timeout_s: float = 300) -> Iterator[None]:
    """Serialise writers of the quality folder (results.json, GE stores, Data Docs)."""
    paths.quality.mkdir(parents=True, exist_ok=True)
    lock_path = paths.quality / ".quality.lock"
    with open(lock_path, "w") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock_path} held for more than {timeout_s} s") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_results(paths: Paths) -> list[dict[str, Any]]:
    path = results_path(paths)
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        # Only a hand-edited file can be broken (writes are atomic); the next runs rebuild it.
        return []
    return [e for e in entries if isinstance(e, dict) and "check_name" in e]


def merge_result(
    paths: Paths, entry: dict[str, Any], known_checks: Iterable[str] | None = None
) -> Path:
    """Put ``entry`` in results.json in place of the check's earlier entry; call under the lock.

    With ``known_checks``, entries of checks that no longer exist (renamed, removed) are dropped.
    """
    known = set(known_checks) if known_checks is not None else None
    merged = {
        e["check_name"]: e for e in read_results(paths) if known is None or e["check_name"] in known
    }
    merged[entry["check_name"]] = entry
    ordered = [merged[name] for name in sorted(merged)]
    path = results_path(paths)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(ordered, ensure_ascii=False, indent=1, default=str), "utf-8")
    os.replace(tmp, path)
    return path
