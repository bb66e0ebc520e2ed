"""Sign-in and sign-out with a programme's upload token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from pipelines.portal import session as sessions
from pipelines.portal.audit import log_event
from pipelines.portal.dependencies import AnyVisitor, csrf_checked
from pipelines.portal.tokens import TokenError, TokenStore

router = APIRouter()

SIGNED_OUT_NB = {
    "utlogget": "Du er logget ut.",
    "utlopt": "Økten er utløpt. Logg inn på nytt.",
    "trukket": "Opplastingskoden din er trukket tilbake eller utløpt. Be IMDi om en ny kode.",
}


@router.get("/helse", response_class=PlainTextResponse)
def health() -> str:
    return "ok"


@router.get("/")
def root(visitor: AnyVisitor) -> Response:
    return RedirectResponse("/oversikt" if visitor.signed_in else "/logg-inn", status_code=303)


@router.get("/logg-inn")
def signin_page(visitor: AnyVisitor, grunn: str | None = None) -> Response:
    if visitor.signed_in:
        return RedirectResponse("/oversikt", status_code=303)
    return visitor.page(
        "login.html", fresh_session=visitor.revoked, notice=SIGNED_OUT_NB.get(grunn or "")
    )


@router.post("/logg-inn")
def signin(
    visitor: AnyVisitor, form: Annotated[dict[str, str], Depends(csrf_checked("sign_in"))]
) -> Response:
    paths, client = visitor.paths, visitor.client
    throttle = visitor.portal.throttle
    if throttle.blocked(client):
        log_event(paths, "sign_in_failed", reason="throttled", client=client)
        return visitor.page(
            "login.html",
            status=429,
            error="For mange mislykkede innlogginger. Vent et kvarter og prøv igjen.",
        )
    try:
        record = TokenStore(paths).verify(form.get("token", ""))
    except TokenError as error:
        throttle.fail(client)
        log_event(
            paths, "sign_in_failed", reason=error.reason, token_id=error.token_id, client=client
        )
        return visitor.page("login.html", status=401, error=error.message_nb)
    log_event(
        paths,
        "sign_in_ok",
        programme_id=record.programme_id,
        token_id=record.token_id,
        client=client,
    )
    response = RedirectResponse("/oversikt", status_code=303)
    # A new nonce at sign-in: a session id planted before sign-in is worth nothing after.
    visitor.set_cookie(response, sessions.new_session(record.token_id, record.programme_id))
    return response


@router.post("/logg-ut")
def signout(
    visitor: AnyVisitor, form: Annotated[dict[str, str], Depends(csrf_checked("sign_out"))]
) -> Response:
    if visitor.signed_in:
        log_event(visitor.paths, "sign_out", **visitor.who())
    response = RedirectResponse("/logg-inn?grunn=utlogget", status_code=303)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response
