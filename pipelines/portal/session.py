"""The portal's session cookie and CSRF tokens, signed with HMAC-SHA256.

The cookie holds no secret: a random nonce, and after sign-in the token's id and programme.
Its signature uses a key in ``IMDI_HOME/secrets/portal_session.key`` (created on first use).
Every request re-reads the token record, so revoking a token ends its sessions at once.
A form's CSRF token is an HMAC of the session nonce; the nonce changes at sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass

from pipelines.settings import Paths

COOKIE_NAME = "imdi_portal"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    nonce: str
    token_id: str | None = None
    programme_id: str | None = None
    issued: int = 0

    @property
    def signed_in(self) -> bool:
        return self.token_id is not None and self.programme_id is not None


def session_key(paths: Paths) -> bytes:
    """The signing key; created once with O_EXCL so two first requests cannot race."""
    key_file = paths.secrets / "portal_session.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    value = key_file.read_text().strip()
    if not value:  # written by a racing first request that has not flushed yet
        time.sleep(0.05)
        value = key_file.read_text().strip()
    return value.encode()


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def new_session(token_id: str | None = None, programme_id: str | None = None) -> Session:
    return Session(secrets.token_urlsafe(16), token_id, programme_id, int(time.time()))


def dump(key: bytes, session: Session) -> str:
    body = {"n": session.nonce, "t": session.token_id, "p": session.programme_id}
    body["i"] = session.issued
    raw = json.dumps(body, separators=(",", ":")).encode()
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")  # no quoting in the cookie
    return f"{payload}.{_sign(key, payload)}"


def load(key: bytes, value: str | None, max_age: int = SESSION_SECONDS) -> Session | None:
    """The session in a cookie, or None if it is missing, tampered with or too old."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(_sign(key, payload), signature):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    session = Session(body.get("n") or "", body.get("t"), body.get("p"), int(body.get("i", 0)))
    if not session.nonce or time.time() - session.issued > max_age:
        return None
    return session


def csrf_token(key: bytes, session: Session) -> str:
    return _sign(key, f"csrf:{session.nonce}")


def csrf_ok(key: bytes, session: Session | None, submitted: str | None) -> bool:
    if session is None or not submitted:
        return False
    return hmac.compare_digest(csrf_token(key, session), submitted)
