"""Upload tokens: issued by IMDi from the CLI, one programme each, stored only as hashes.

A token is a random secret handed to one programme leader. The store keeps its SHA-256, the
programme it may upload for, when it was issued, when it expires and whether it is revoked,
in ``IMDI_HOME/secrets/tokens.json``. The file is rewritten atomically under a lock, so a
crash or two concurrent ``imdi token`` commands never leave half a file.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

from pipelines.contracts import contract
from pipelines.files import atomic_write
from pipelines.settings import Paths

TOKEN_PREFIX = "imdi_"
DEFAULT_DAYS = 180


class TokenError(ValueError):
    """A sign-in that must be refused; ``reason`` is logged, ``message_nb`` is shown."""

    def __init__(self, reason: str, message_nb: str, token_id: str | None = None):
        super().__init__(message_nb)
        self.reason = reason
        self.message_nb = message_nb
        self.token_id = token_id


@dataclass(frozen=True)
class TokenRecord:
    token_id: str  # first 12 hex digits of the hash: names the token in logs and cookies
    sha256: str
    programme_id: str
    issued_at: str  # ISO, UTC
    expires_at: str
    revoked: bool = False
    revoked_at: str | None = None
    issued_by: str | None = None

    def state(self, now: datetime) -> str:
        if self.revoked:
            return "revoked"
        if now >= datetime.fromisoformat(self.expires_at):
            return "expired"
        return "active"


def _now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def check_programme_id(programme_id: str) -> str:
    """The programme id as the contract allows it (the same pattern as in uploaded rows)."""
    value = (programme_id or "").strip()
    pattern = contract("participant_followup").column("programme_id").pattern
    if not re.fullmatch(pattern, value):
        raise ValueError(
            f"Ugyldig program-ID «{programme_id}»: bare bokstaver, tall, punktum, - og _."
        )
    return value


class TokenStore:
    """Read and change ``secrets/tokens.json``."""

    def __init__(self, paths: Paths):
        self.path = paths.secrets / "tokens.json"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        with open(self.path.parent / ".tokens.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def records(self) -> list[TokenRecord]:
        if not self.path.exists():
            return []
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        return [TokenRecord(**item) for item in raw.get("tokens", [])]

    def _write(self, records: list[TokenRecord]) -> None:
        payload = json.dumps(
            {"tokens": [asdict(r) for r in records]}, ensure_ascii=False, indent=1
        ).encode("utf-8")
        atomic_write(self.path, payload, mode=0o600)

    def issue(
        self,
        programme_id: str,
        days: int = DEFAULT_DAYS,
        issued_by: str | None = None,
        now: datetime | None = None,
    ) -> tuple[str, TokenRecord]:
        """A new token for one programme; the token itself is returned once and never stored."""
        if days < 1:
            raise ValueError("Gyldighet må være minst én dag.")
        programme_id = check_programme_id(programme_id)
        now = now or _now()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = hash_token(token)
        record = TokenRecord(
            token_id=digest[:12],
            sha256=digest,
            programme_id=programme_id,
            issued_at=now.isoformat(timespec="seconds"),
            expires_at=(now + timedelta(days=days)).isoformat(timespec="seconds"),
            issued_by=issued_by,
        )
        with self._locked():
            self._write([*self.records(), record])
        return token, record

    def revoke(self, programme_id: str, now: datetime | None = None) -> list[TokenRecord]:
        """Revoke every token of a programme that is not revoked yet; returns those revoked."""
        now = now or _now()
        changed: list[TokenRecord] = []
        with self._locked():
            records = []
            for record in self.records():
                if record.programme_id.upper() == programme_id.strip().upper() and not (
                    record.revoked
                ):
                    record = replace(
                        record, revoked=True, revoked_at=now.isoformat(timespec="seconds")
                    )
                    changed.append(record)
                records.append(record)
            if changed:
                self._write(records)
        return changed

    def find(self, token_id: str) -> TokenRecord | None:
        return next((r for r in self.records() if r.token_id == token_id), None)

    def verify(self, token: str, now: datetime | None = None) -> TokenRecord:
        """The record of a valid token, or TokenError saying (in Norwegian) why not."""
        now = now or _now()
        token = (token or "").strip()
        if not token:
            raise TokenError("empty", "Skriv inn opplastingskoden du har fått fra IMDi.")
        digest = hash_token(token)
        match = None
        for record in self.records():
            # Constant-time comparison: the hash must not leak through timing.
            if hmac.compare_digest(record.sha256, digest):
                match = record
        if match is None:
            raise TokenError(
                "unknown",
                "Opplastingskoden er ikke gyldig. Sjekk at du har kopiert hele koden, "
                "eller be IMDi om en ny.",
            )
        return self.check(match, now)

    def check(self, record: TokenRecord, now: datetime | None = None) -> TokenRecord:
        state = record.state(now or _now())
        if state == "revoked":
            raise TokenError(
                "revoked",
                "Opplastingskoden er trukket tilbake av IMDi. Be IMDi om en ny kode.",
                record.token_id,
            )
        if state == "expired":
            expired = datetime.fromisoformat(record.expires_at).strftime("%d.%m.%Y")
            raise TokenError(
                "expired",
                f"Opplastingskoden gikk ut {expired}. Be IMDi om en ny kode.",
                record.token_id,
            )
        return record
