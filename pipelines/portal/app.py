"""The upload portal: FastAPI, server-rendered Norwegian pages, no scripts, no external assets.

Routes (docs/portal.md), one router per area in ``routes/``:
  signin.py    GET /, GET/POST /logg-inn, POST /logg-ut, GET /helse
  overview.py  GET /oversikt (participants, follow-ups, uploads), GET /mal.xlsx (the template)
  uploads.py   POST /last-opp (-> landing zone -> receipt), GET /kvittering/{id}[.csv|.xlsx]

``dependencies.py`` holds what routes declare they need (the portal, the visitor, the signed-in
check, the CSRF check); ``rendering.py`` is the one place pages are rendered; this module puts
them together and turns the dependencies' refusals into responses.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from pipelines.portal import session as sessions
from pipelines.portal.audit import log_event
from pipelines.portal.dependencies import (
    CsrfRejected,
    FormTooLarge,
    Portal,
    SignInRequired,
    Visitor,
)
from pipelines.portal.receipts import VerdictCache
from pipelines.portal.rendering import Pages
from pipelines.portal.routes import overview, signin, uploads
from pipelines.portal.security import SecurityHeaders, Throttle
from pipelines.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """The portal for one installation; ``settings`` come from the edge (`imdi portal`)."""
    app = FastAPI(
        title="IMDi – opplasting for programmer", docs_url=None, redoc_url=None, openapi_url=None
    )
    pages = Pages()
    app.state.portal = Portal(settings, pages, Throttle(), VerdictCache())
    app.add_middleware(SecurityHeaders, csp=pages.content_security_policy)
    for router in (signin.router, overview.router, uploads.router):
        app.include_router(router)

    def visitor_of(request: Request) -> Visitor:
        return request.state.visitor

    @app.exception_handler(SignInRequired)
    def to_signin(request: Request, refusal: SignInRequired) -> Response:
        target = "/logg-inn" + (f"?grunn={refusal.reason}" if refusal.reason else "")
        response = RedirectResponse(target, status_code=303)
        if refusal.reason == "trukket":
            response.delete_cookie(sessions.COOKIE_NAME, path="/")
        return response

    @app.exception_handler(FormTooLarge)
    def form_too_large(request: Request, _: FormTooLarge) -> Response:
        return PlainTextResponse("For stor forespørsel.", status_code=413)

    @app.exception_handler(CsrfRejected)
    def csrf_rejected(request: Request, refusal: CsrfRejected) -> Response:
        visitor = visitor_of(request)
        if refusal.action != "sign_in":
            return PlainTextResponse("Ugyldig skjema.", status_code=403)
        log_event(visitor.paths, "csrf_failed", action="sign_in", client=visitor.client)
        return visitor.page(
            "login.html",
            status=403,
            fresh_session=True,
            error="Skjemaet var utløpt. Prøv igjen (informasjonskapsler må være slått på).",
        )

    @app.exception_handler(uploads.UploadRefused)
    def upload_refused(request: Request, refusal: uploads.UploadRefused) -> Response:
        visitor = visitor_of(request)
        log_event(
            visitor.paths, "upload_refused", reason=refusal.code, **visitor.who(), **refusal.facts
        )
        return overview.overview_page(visitor, status=refusal.status, error=refusal.message_nb)

    @app.exception_handler(uploads.ReceiptNotFound)
    def receipt_not_found(request: Request, _: uploads.ReceiptNotFound) -> Response:
        return visitor_of(request).page(
            "message.html",
            status=404,
            title="Fant ikke kvitteringen",
            message="Kvitteringen finnes ikke, eller gjelder et annet program.",
        )

    return app
