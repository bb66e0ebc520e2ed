"""Two file primitives every part of the warehouse relies on: an atomic write and a file lock.

A reader must see a file whole or not at all (landing zone, published copy's manifest, quality
results, token store), and writers in different processes (a Dagster run, the portal, a check
started from the UI) must take turns.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def atomic_write(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``target`` so that readers see the old file or the new one, never half.

    Written and fsynced under a temporary name in the same folder, given ``mode``, then renamed
    over ``target`` (``os.replace`` is atomic within one file system).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def file_lock(lock_path: Path, timeout_s: float, poll_s: float = 0.1) -> Iterator[None]:
    """An inter-process lock on a file (flock), with a deadline instead of waiting forever."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock_path} held for more than {timeout_s} s") from None
                time.sleep(poll_s)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
