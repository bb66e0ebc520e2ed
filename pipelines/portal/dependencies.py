"""What a route needs, as FastAPI dependencies: the installation's portal, the visitor's session
(the token re-checked on every request), the signed-in check and the CSRF check.

A route that needs a signed-in programme leader declares ``visitor: SignedIn``; anyone else is
sent to the sign-in page (``SignInRequired``, turned into a redirect by the app). Small forms are
read with ``CheckedForm``, which refuses a body over 16 KB and a form without this session's
CSRF token before the route runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from pipelines.portal import session as sessions
from pipelines.portal.receipts import VerdictCache
from pipelines.portal.rendering import Pages
from pipelines.portal.security import Throttle
from pipelines.portal.tokens import TokenStore
from pipelines.settings import Paths, Settings

MAX_FORM_BODY = 16 * 1024


@dataclass
class Portal:
    """What the requests of one installation's portal share."""

    settings: Settings
    pages: Pages
    throttle: Throttle
    verdicts: VerdictCache

    @property
    def paths(self) -> Paths:
        return self.settings.paths


def get_portal(request: Request) -> Portal:
    return request.app.state.portal


@dataclass
class Visitor:
    """One request's visitor: the signing key, the session (if any) and whether its token was
    withdrawn since it signed in."""

    portal: Portal
    request: Request
    key: bytes
    session: sessions.Session | None
    revoked: bool = False

    @property
    def paths(self) -> Paths:
        return self.portal.paths

    @property
    def signed_in(self) -> bool:
        return not self.revoked and self.session is not None and self.session.signed_in

    @property
    def programme(self) -> str:
        return (self.session.programme_id if self.session else None) or ""

    @property
    def client(self) -> str | None:
        return self.request.client.host if self.request.client else None

    def who(self) -> dict[str, object]:
        """The audit log's fields for this visitor."""
        return {
            "programme_id": self.programme,
            "token_id": self.session.token_id if self.session else None,
            "client": self.client,
        }

    def set_cookie(self, response: Response, session: sessions.Session) -> None:
        response.set_cookie(
            sessions.COOKIE_NAME,
            sessions.dump(self.key, session),
            max_age=sessions.SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            # Behind a TLS-terminating proxy the app sees http: IMDI_PORTAL_SECURE_COOKIE=1.
            secure=self.request.url.scheme == "https" or self.portal.settings.portal_secure_cookie,
        )

    def page(
        self,
        name: str,
        status: int = 200,
        fresh_session: bool = False,
        **context: object,
    ) -> HTMLResponse:
        """A rendered page with this session's CSRF token; a visitor without a session (or
        ``fresh_session``) gets a new one, in a cookie."""
        fresh = fresh_session or self.session is None
        session = sessions.new_session() if fresh else self.session
        context.update(
            csrf=sessions.csrf_token(self.key, session),
            programme_id=session.programme_id if session.signed_in else None,
        )
        response = self.portal.pages.render(self.request, name, context, status)
        if fresh:
            self.set_cookie(response, session)
        return response


def get_visitor(request: Request, portal: Annotated[Portal, Depends(get_portal)]) -> Visitor:
    paths = portal.paths
    key = sessions.session_key(paths)
    session = sessions.load(key, request.cookies.get(sessions.COOKIE_NAME))
    revoked = False
    if session is not None and session.signed_in:
        record = TokenStore(paths).find(session.token_id)
        revoked = (
            record is None
            or record.state(datetime.now(UTC)) != "active"
            or record.programme_id.upper() != (session.programme_id or "").upper()
        )
    visitor = Visitor(portal, request, key, session, revoked)
    request.state.visitor = visitor
    return visitor


class SignInRequired(Exception):
    """The route needs a signed-in visitor; ``reason`` is shown on the sign-in page."""

    def __init__(self, reason: str | None = None):
        super().__init__(reason)
        self.reason = reason


def require_sign_in(visitor: Annotated[Visitor, Depends(get_visitor)]) -> Visitor:
    if not visitor.signed_in:
        raise SignInRequired("trukket" if visitor.revoked else None)
    return visitor


AnyVisitor = Annotated[Visitor, Depends(get_visitor)]
SignedIn = Annotated[Visitor, Depends(require_sign_in)]


class FormTooLarge(Exception):
    pass


class CsrfRejected(Exception):
    """A form without this session's CSRF token; ``action`` says which form it was."""

    def __init__(self, action: str):
        super().__init__(action)
        self.action = action


async def read_small_form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BODY:
            raise FormTooLarge
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def csrf_checked(action: str):
    """A dependency: the small form of ``action``, refused unless it carries the CSRF token
    of the visitor's session."""

    async def checked(
        visitor: AnyVisitor, form: Annotated[dict[str, str], Depends(read_small_form)]
    ) -> dict[str, str]:
        session = None if visitor.revoked else visitor.session
        if not sessions.csrf_ok(visitor.key, session, form.get("csrf")):
            raise CsrfRejected(action)
        return form

    return checked
