"""``<quality>/results.json``: the latest outcome of every quality check, for the quarterly report.

A JSON list, one entry per check (merged by ``check_name``)::

    {"check_name": ..., "asset": ..., "severity": "ERROR" | "WARN", "passed": bool,
     "description_nb": "...", "details": {...}}

Checks may run in several processes at once (a whole run, a single check from the UI), so
every read-modify-write happens under an inter-process lock, and the file is replaced
atomically: a reader sees the old list or the new one, never half of either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipelines.files import atomic_write, file_lock
from pipelines.settings import Paths

RESULTS_NAME = "results.json"


def results_path(paths: Paths) -> Path:
    return paths.quality / RESULTS_NAME


def quality_lock(paths: Paths, timeout_s: float = 300):
    """Serialise writers of the quality folder (results.json, GE stores, Data Docs)."""
    return file_lock(paths.quality / ".quality.lock", timeout_s)


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


def merge_results(
    paths: Paths, entries: Iterable[dict[str, Any]], known_checks: Iterable[str] | None = None
) -> Path:
    """Put each entry in results.json in place of its check's earlier entry; call under the lock.

    With ``known_checks``, entries of checks that no longer exist (renamed, removed) are dropped.
    """
    known = set(known_checks) if known_checks is not None else None
    merged = {
        e["check_name"]: e for e in read_results(paths) if known is None or e["check_name"] in known
    }
    merged.update((entry["check_name"], entry) for entry in entries)
    ordered = [merged[name] for name in sorted(merged)]
    path = results_path(paths)
    atomic_write(path, json.dumps(ordered, ensure_ascii=False, indent=1, default=str).encode())
    return path
