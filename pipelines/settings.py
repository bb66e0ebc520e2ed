"""The one settings object: every knob of an installation, typed, read from the environment once.

``Settings.from_env()`` is called at the edges only - the ``imdi`` command, the Dagster
resource that every asset, check and sensor receives, the portal's app factory - and the
object is passed down from there. This is the only module that reads (or hands on) the process
environment; a test fails if another module touches ``os.environ``.

Everything hangs off one folder, ``IMDI_HOME`` (default ``./var``), so a test can point the
whole warehouse at its own ``tmp_path``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = REPO_ROOT / "schemas"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# Environment variable -> settings field. Only these are read.
ENVIRONMENT = {
    "IMDI_HOME": "home",
    "IMDI_REFERENCE_DATE": "reference_date",
    "IMDI_FULL_TIME_THRESHOLD": "full_time_threshold",
    "IMDI_SUPPRESSION_THRESHOLD": "suppression_threshold",
    "IMDI_PSEUDONYM_KEY": "pseudonym_key",
    "IMDI_COVERAGE_FLOOR": "coverage_floor_pct",
    "IMDI_OVERDUE_SHARE_MAX": "overdue_share_max_pct",
    "IMDI_OVERDUE_GRACE_DAYS": "overdue_grace_days",
    "IMDI_MAX_UPLOAD_MB": "max_upload_mb",
    "IMDI_MAX_UPLOAD_ROWS": "max_upload_rows",
    "IMDI_PORTAL_SECURE_COOKIE": "portal_secure_cookie",
    "DAGSTER_HOME": "dagster_home",
    "USER": "user",
}


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
    def logs(self) -> Path:
        """Full logs of runs started from the command line (`imdi run`)."""
        return self.home / "logs"

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


class MissingSecretError(RuntimeError):
    pass


def _number_text(value: object) -> object:
    """'50 %', '50,5' and ' 50 ' are numbers as people write them in an environment file."""
    if isinstance(value, str):
        return value.strip().rstrip("% ").replace(",", ".")
    return value


class Settings(BaseModel):
    """An installation's settings. Defaults are the documented ones (README, docs/quality.md)."""

    model_config = ConfigDict(frozen=True)

    home: Path = Field(default=REPO_ROOT / "var", description="IMDI_HOME: all state lives here")
    reference_date: date | None = Field(
        default=None,
        description="IMDI_REFERENCE_DATE: the day follow-ups are due or overdue against; "
        "empty means today (tests and the demo fix it)",
    )
    full_time_threshold: float = Field(
        default=100, ge=1, le=100, description="position % from which a job counts as full-time"
    )
    suppression_threshold: int = Field(
        default=5, ge=1, le=100, description="published counts below this are suppressed"
    )
    pseudonym_key: SecretStr | None = Field(
        default=None, description="IMDI_PSEUDONYM_KEY; else the key file under IMDI_HOME"
    )
    coverage_floor_pct: float = Field(default=50.0, ge=0, le=100)
    overdue_share_max_pct: float = Field(default=25.0, ge=0, le=100)
    overdue_grace_days: int | None = Field(
        default=None, ge=0, le=3650, description="empty: the contract's observation window"
    )
    max_upload_mb: float = Field(
        default=100, gt=0, le=10_000, description="largest upload (portal, imdi upload)"
    )
    max_upload_rows: int = Field(
        default=300_000,
        ge=1,
        le=10_000_000,
        description="most data rows in one upload (portal, imdi upload); the drop folder has none",
    )
    portal_secure_cookie: bool = False
    dagster_home: Path | None = None
    user: str | None = None

    @field_validator(
        "full_time_threshold",
        "suppression_threshold",
        "coverage_floor_pct",
        "overdue_share_max_pct",
        "overdue_grace_days",
        "max_upload_mb",
        "max_upload_rows",
        mode="before",
    )
    @classmethod
    def _numbers(cls, value: object) -> object:
        return _number_text(value)

    @field_validator("home", "dagster_home", mode="after")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.resolve() if value is not None else None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment (empty variables count as unset), then ``overrides``."""
        source = os.environ if environ is None else environ
        values: dict[str, object] = {
            field: source[name].strip()
            for name, field in ENVIRONMENT.items()
            if source.get(name, "").strip()
        }
        if "portal_secure_cookie" in values:
            values["portal_secure_cookie"] = values["portal_secure_cookie"] in ("1", "true", "yes")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied and validated."""
        return type(self).model_validate({**self.model_dump(), **changes})

    @property
    def paths(self) -> Paths:
        return Paths(self.home)

    def today(self) -> date:
        """The reference date: fixed by IMDI_REFERENCE_DATE, or the calendar's today."""
        return self.reference_date or date.today()

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def key(self) -> bytes:
        """The secret key for participant pseudonyms: ``IMDI_PSEUDONYM_KEY`` or the key file.

        The key never lives in the repository. Losing it means new pseudonyms for every
        participant, so the key file sits beside the landing zone and must be backed up with it.
        """
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode("utf-8")
        key_file = self.paths.secrets / "pseudonym.key"
        if key_file.exists():
            return key_file.read_bytes().strip()
        raise MissingSecretError(
            "Mangler nøkkel for pseudonymisering: sett IMDI_PSEUDONYM_KEY eller kjør `imdi init` "
            f"(lager {key_file})."
        )

    def ensure_key(self) -> Path:
        """Create a random key file once; an existing key is never replaced."""
        key_file = self.paths.secrets / "pseudonym.key"
        if not key_file.exists() and self.pseudonym_key is None:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_hex(32) + "\n")
            key_file.chmod(0o600)
        return key_file

    def child_environment(self, **extra: str) -> dict[str, str]:
        """The environment for a child process (dbt, a benchmark step): this process's, with
        these settings written back under their variable names, plus ``extra``."""
        environment = dict(os.environ)
        for name, field in ENVIRONMENT.items():
            value = getattr(self, field)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, bool):
                value = "1" if value else "0"
            environment[name] = str(value)
        environment.update(extra)
        environment["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        return environment


def dbt_executable() -> str:
    """dbt from this environment's bin folder (the venv), else from PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")
