"""The portal's own audit trail: one JSON line per event in ``IMDI_HOME/audit/portal.jsonl``.

Uploads that reach the landing zone are also recorded by the warehouse (raw_uploads); this log
adds what never gets that far (failed sign-ins, refused files) and who did what in the portal.
Tokens are never written here, only their ``token_id``.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from pipelines.settings import Paths


def audit_path(paths: Paths) -> Path:
    return paths.home / "audit" / "portal.jsonl"


def log_event(paths: Paths, event: str, **fields: object) -> dict:
    """Append one event; a single write of one line under a lock, so lines never interleave."""
    record = {"at": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
    record.update({k: v for k, v in fields.items() if v is not None})
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    path = audit_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return record


def read_events(paths: Paths) -> list[dict]:
    path = audit_path(paths)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
