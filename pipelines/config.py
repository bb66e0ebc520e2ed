"""Where things live and the few settings the pipeline needs, resolved from the environment.

Everything hangs off one folder, ``IMDI_HOME`` (default ``./var``), so a test can point the
whole warehouse at its own ``tmp_path``. Resolved inside functions, never at import time.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = REPO_ROOT / "schemas"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class Paths:
    """The folders and files of one warehouse installation."""

    home: Path

    @property
    def inbox(self) -> Path:
        """Drop folder: files put here are landed by the sensor."""
        return self.home / "inbox"

    @property
    def landing(self) -> Path:
        """Immutable, content-addressed landing zone."""
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        """The working DuckDB file: only pipeline runs open it, one at a time."""
        return self.home / "warehouse" / "work.duckdb"

    @property
    def published(self) -> Path:
        """The read-only copy analysts and reports use, swapped in atomically."""
        return self.home / "published" / "warehouse.duckdb"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def receipts(self) -> Path:
        return self.home / "receipts"

    @property
    def quality(self) -> Path:
        """Great Expectations Data Docs and check results."""
        return self.home / "quality"

    @property
    def secrets(self) -> Path:
        return self.home / "secrets"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for the update runs: kept between runs, so that dbt's partial
        parsing state matches this installation's profile and vars and is reused."""
        return self.home / "warehouse" / "dbt_target"

    def ensure(self) -> Paths:
        for folder in (
            self.inbox,
            self.landing,
            self.warehouse.parent,
            self.published.parent,
            self.reports,
            self.receipts,
            self.quality,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def get_paths() -> Paths:
    return Paths(Path(os.environ.get("IMDI_HOME", REPO_ROOT / "var")).resolve())


def full_time_threshold() -> float:
    """Position percentage from which a job counts as full-time (Norwegian practice: 100)."""
    return float(os.environ.get("IMDI_FULL_TIME_THRESHOLD", "100"))


def suppression_threshold() -> int:
    """Published counts below this are suppressed (small-cell protection)."""
    return int(os.environ.get("IMDI_SUPPRESSION_THRESHOLD", "5"))


def reference_date() -> date:
    """The date follow-ups are judged due or overdue against. Fixed in tests for determinism."""
    value = os.environ.get("IMDI_REFERENCE_DATE")
    return date.fromisoformat(value) if value else date.today()


class MissingSecretError(RuntimeError):
    pass


def pseudonym_key(paths: Paths | None = None) -> bytes:
    """The secret key for participant pseudonyms: ``IMDI_PSEUDONYM_KEY`` or a key file.

    The key never lives in the repository. Losing it means new pseudonyms for every participant,
    so the key file sits beside the landing zone and must be backed up with it.
    """
    value = os.environ.get("IMDI_PSEUDONYM_KEY")
    if value:
        return value.encode("utf-8")
    key_file = (paths or get_paths()).secrets / "pseudonym.key"
    if key_file.exists():
        return key_file.read_bytes().strip()
    raise MissingSecretError(
        "Mangler nøkkel for pseudonymisering: sett IMDI_PSEUDONYM_KEY eller kjør `imdi init` "
        f"(lager {key_file})."
    )


def ensure_pseudonym_key(paths: Paths) -> Path:
    """Create a random key file once; an existing key is never replaced."""
    key_file = paths.secrets / "pseudonym.key"
    if not key_file.exists() and not os.environ.get("IMDI_PSEUDONYM_KEY"):
        paths.secrets.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32) + "\n")
        key_file.chmod(0o600)
    return key_file


def dbt_executable() -> str:
    """dbt from this environment's bin folder (the venv), else from PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")
