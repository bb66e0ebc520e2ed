"""Security headers on every response, and a backstop against guessing tokens."""

from __future__ import annotations

import threading
import time
from collections import deque

FAILED_SIGNIN_LIMIT = 20  # per client address and window
FAILED_SIGNIN_WINDOW_S = 15 * 60


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering): strict CSP and friends on every response."""

    def __init__(self, app, csp: str):
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cache-control", b"no-store"),
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Throttle:
    """Failed sign-ins per client address; tokens are long and random, this is a backstop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, client: str | None) -> bool:
        with self._lock:
            q = self._failures.get(client or "", deque())
            while q and time.monotonic() - q[0] > FAILED_SIGNIN_WINDOW_S:
                q.popleft()
            return len(q) >= FAILED_SIGNIN_LIMIT

    def fail(self, client: str | None) -> None:
        with self._lock:
            self._failures.setdefault(client or "", deque()).append(time.monotonic())
