"""The upload portal: FastAPI, server-rendered Norwegian pages, no scripts, no external assets.

Routes (docs/portal.md):
  GET  /                      -> /oversikt or /logg-inn
  GET  /logg-inn, POST /logg-inn, POST /logg-ut
  GET  /oversikt              participants, follow-ups due/overdue/received, upload history
  GET  /mal.xlsx              the Excel template for the signed-in programme
  POST /last-opp              upload (.xlsx/.csv) -> landing zone -> receipt
  GET  /kvittering/{id}       receipt page;  GET /kvittering/{id}.csv  the same as CSV
  GET  /helse                 liveness

Every upload goes through ``pipelines.ingest.landing.land_bytes`` (the one landing path) and is judged
by ``pipelines.ingest.check_file`` (the same verdict the warehouse will reach), so the receipt
shown within seconds is the one the warehouse records. The warehouse itself is only read,
through the published copy.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from collections import OrderedDict, deque
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pipelines.contracts import codelists
from pipelines.ingest.intake import IntakeError, read_table, sniff_format
from pipelines.ingest.landing import (
    LandedFile,
    land_bytes,
    landed_files,
    read_landed,
    safe_display_name,
)
from pipelines.ingest.raw_load import check_file
from pipelines.ingest.template import build_followup_template
from pipelines.ingest.validation import ValidationResult
from pipelines.portal import overview
from pipelines.portal import session as sessions
from pipelines.portal.audit import log_event
from pipelines.portal.receipts import Receipt, classify_rows, receipt_csv, upload_ingested
from pipelines.portal.tokens import TokenError, TokenStore
from pipelines.portal.uploads import (
    UploadProblem,
    formula_cells,
    read_upload_form,
)
from pipelines.settings import Paths, Settings

TEMPLATE_DIR = Path(__file__).parent / "templates"
CHANNEL = "portal"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{64}$")
_MAX_SIGNIN_BODY = 16 * 1024
_FAILED_SIGNIN_LIMIT = 20  # per client address and window
_FAILED_SIGNIN_WINDOW_S = 15 * 60

SIGNED_OUT_NB = {
    "utlogget": "Du er logget ut.",
    "utlopt": "Økten er utløpt. Logg inn på nytt.",
    "trukket": "Opplastingskoden din er trukket tilbake eller utløpt. Be IMDi om en ny kode.",
}


# --- small helpers -----------------------------------------------------------------------------


def _nb_date(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _nb_time(value: object) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(str(value)) if not isinstance(value, datetime) else value
    return moment.strftime("%d.%m.%Y kl. %H:%M") + " UTC"


def _horizon_nb(value: object) -> str:
    try:
        return codelists()["horizon_months"].label(str(int(value)))
    except (TypeError, ValueError):
        return str(value)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


class _SecurityHeaders:
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


class _Throttle:
    """Failed sign-ins per client address; tokens are long and random, this is a backstop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, client: str | None) -> bool:
        with self._lock:
            q = self._failures.get(client or "", deque())
            while q and time.monotonic() - q[0] > _FAILED_SIGNIN_WINDOW_S:
                q.popleft()
            return len(q) >= _FAILED_SIGNIN_LIMIT

    def fail(self, client: str | None) -> None:
        with self._lock:
            self._failures.setdefault(client or "", deque()).append(time.monotonic())


class _VerdictCache:
    """The contract check's verdict per landed file (it depends on the bytes alone), so the
    receipt page after an upload does not parse the file a second time."""

    def __init__(self, size: int = 32) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[ValidationResult, list]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, paths: Paths, landed: LandedFile) -> tuple[ValidationResult, list]:
        key = (str(paths.home), landed.upload_id)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        data = None if landed.refused else read_landed(paths, landed.upload_id)
        result = check_file(landed, data)
        formulas = []
        safe = result.file_error is None or result.file_error.code in (
            "unknown_columns",
            "missing_columns",
            "duplicate_column",
            "no_rows",
        )
        if data and data[:4] == b"PK\x03\x04" and safe:
            try:
                table = read_table(data)
                formulas = formula_cells(data, table.sheet, table.header)
            except IntakeError:
                formulas = []
        with self._lock:
            self._items[key] = (result, formulas)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return result, formulas


def _find_landed(paths: Paths, upload_id: str) -> LandedFile | None:
    return next((f for f in landed_files(paths) if f.upload_id == upload_id), None)


# --- the application -----------------------------------------------------------------------------


def create_app(settings: Settings | None = None) -> FastAPI:
    """The portal for one installation (``settings``; default: read from the environment)."""
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="IMDi – opplasting for programmer", docs_url=None, redoc_url=None, openapi_url=None
    )
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    css = (TEMPLATE_DIR / "style.css").read_text(encoding="utf-8")
    css_hash = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    templates.env.globals.update(css=css, horizon_nb=_horizon_nb)
    templates.env.filters.update(nbdate=_nb_date, nbtime=_nb_time)
    csp = (
        "default-src 'self'; "
        f"style-src 'sha256-{css_hash}'; "
        "script-src 'none'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:"
    )
    app.add_middleware(_SecurityHeaders, csp=csp)
    throttle = _Throttle()
    verdicts = _VerdictCache()

    # -- session handling --

    def current(request: Request) -> tuple[Paths, bytes, sessions.Session | None, str | None]:
        """(paths, signing key, session, why-signed-out); the token is re-checked every time."""
        paths = settings.paths
        key = sessions.session_key(paths)
        session = sessions.load(key, request.cookies.get(sessions.COOKIE_NAME))
        if session is None or not session.signed_in:
            return paths, key, session, None
        record = TokenStore(paths).find(session.token_id)
        if (
            record is None
            or record.state(datetime.now(UTC)) != "active"
            or record.programme_id.upper() != (session.programme_id or "").upper()
        ):
            return paths, key, sessions.new_session(), "trukket"
        return paths, key, session, None

    def set_cookie(request: Request, response: Response, key: bytes, session) -> None:
        response.set_cookie(
            sessions.COOKIE_NAME,
            sessions.dump(key, session),
            max_age=sessions.SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            # Behind a TLS-terminating proxy the app sees http: IMDI_PORTAL_SECURE_COOKIE=1.
            secure=request.url.scheme == "https" or settings.portal_secure_cookie,
        )

    def render(
        request: Request,
        name: str,
        key: bytes,
        session: sessions.Session | None,
        status: int = 200,
        **context: object,
    ) -> HTMLResponse:
        fresh = session is None
        session = session or sessions.new_session()
        context.update(
            csrf=sessions.csrf_token(key, session),
            programme_id=session.programme_id if session.signed_in else None,
        )
        response = templates.TemplateResponse(request, name, context, status_code=status)
        if fresh:
            set_cookie(request, response, key, session)
        return response

    def to_signin(reason: str | None = None) -> RedirectResponse:
        target = "/logg-inn" + (f"?grunn={reason}" if reason else "")
        response = RedirectResponse(target, status_code=303)
        if reason == "trukket":
            response.delete_cookie(sessions.COOKIE_NAME, path="/")
        return response

    # -- pages --

    @app.get("/helse", response_class=PlainTextResponse)
    def health() -> str:
        return "ok"

    @app.get("/")
    def root(request: Request) -> Response:
        _, _, session, _ = current(request)
        return RedirectResponse(
            "/oversikt" if session and session.signed_in else "/logg-inn", status_code=303
        )

    @app.get("/logg-inn")
    def signin_page(request: Request, grunn: str | None = None) -> Response:
        paths, key, session, revoked = current(request)
        if session and session.signed_in and not revoked:
            return RedirectResponse("/oversikt", status_code=303)
        return render(
            request,
            "login.html",
            key,
            None if revoked else session,
            notice=SIGNED_OUT_NB.get(grunn or ""),
        )

    @app.post("/logg-inn")
    async def signin(request: Request) -> Response:
        paths, key, session, _ = current(request)
        client = _client(request)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _MAX_SIGNIN_BODY:
                return PlainTextResponse("For stor forespørsel.", status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not sessions.csrf_ok(key, session, form.get("csrf")):
            log_event(paths, "csrf_failed", action="sign_in", client=client)
            return render(
                request,
                "login.html",
                key,
                None,
                status=403,
                error="Skjemaet var utløpt. Prøv igjen (informasjonskapsler må være slått på).",
            )
        if throttle.blocked(client):
            log_event(paths, "sign_in_failed", reason="throttled", client=client)
            return render(
                request,
                "login.html",
                key,
                session,
                status=429,
                error="For mange mislykkede innlogginger. Vent et kvarter og prøv igjen.",
            )
        try:
            record = TokenStore(paths).verify(form.get("token", ""))
        except TokenError as error:
            throttle.fail(client)
            log_event(
                paths,
                "sign_in_failed",
                reason=error.reason,
                token_id=error.token_id,
                client=client,
            )
            return render(request, "login.html", key, session, status=401, error=error.message_nb)
        log_event(
            paths,
            "sign_in_ok",
            programme_id=record.programme_id,
            token_id=record.token_id,
            client=client,
        )
        response = RedirectResponse("/oversikt", status_code=303)
        # A new nonce at sign-in: a session id planted before sign-in is worth nothing after.
        set_cookie(
            request, response, key, sessions.new_session(record.token_id, record.programme_id)
        )
        return response

    @app.post("/logg-ut")
    async def signout(request: Request) -> Response:
        paths, key, session, _ = current(request)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _MAX_SIGNIN_BODY:
                return PlainTextResponse("For stor forespørsel.", status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not sessions.csrf_ok(key, session, form.get("csrf")):
            return PlainTextResponse("Ugyldig skjema.", status_code=403)
        if session and session.signed_in:
            log_event(
                paths,
                "sign_out",
                programme_id=session.programme_id,
                token_id=session.token_id,
                client=_client(request),
            )
        response = RedirectResponse("/logg-inn?grunn=utlogget", status_code=303)
        response.delete_cookie(sessions.COOKIE_NAME, path="/")
        return response

    def overview_page(
        request: Request,
        paths: Paths,
        key: bytes,
        session: sessions.Session,
        status: int = 200,
        error: str | None = None,
    ) -> HTMLResponse:
        programme = session.programme_id or ""
        with overview.published(paths) as con:
            context = {
                "has_warehouse": con is not None,
                "published_at": overview.published_at(paths),
                "reference_date": settings.today(),
                "cohorts": overview.cohorts(con, programme).to_dict("records"),
                "followups": overview.followups(con, programme).to_dict("records"),
                "overdue": overview.overdue(con, programme).to_dict("records"),
                "uploads": overview.uploads(paths, con, programme),
            }
        return render(
            request,
            "overview.html",
            key,
            session,
            status=status,
            error=error,
            max_mb=settings.max_upload_bytes // (1024 * 1024),
            **context,
        )

    @app.get("/oversikt")
    def overview_route(request: Request) -> Response:
        paths, key, session, revoked = current(request)
        if revoked or session is None or not session.signed_in:
            return to_signin(revoked)
        return overview_page(request, paths, key, session)

    @app.get("/mal.xlsx")
    def template_download(request: Request) -> Response:
        paths, _, session, revoked = current(request)
        if revoked or session is None or not session.signed_in:
            return to_signin(revoked)
        programme = session.programme_id or ""
        with overview.published(paths) as con:
            known = overview.known_followups(con, programme)
        data = build_followup_template(programme, known, as_of=settings.today())
        log_event(
            paths,
            "template_download",
            programme_id=programme,
            token_id=session.token_id,
            client=_client(request),
        )
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="oppfolging-{programme}.xlsx"'},
        )

    @app.post("/last-opp")
    async def upload(request: Request) -> Response:
        paths, key, session, revoked = current(request)
        if revoked or session is None or not session.signed_in:
            return to_signin(revoked)
        programme = session.programme_id or ""
        who = {"programme_id": programme, "token_id": session.token_id, "client": _client(request)}
        limit = settings.max_upload_bytes

        def refuse(code: str, message: str, status: int, **extra: object) -> HTMLResponse:
            log_event(paths, "upload_refused", reason=code, **who, **extra)
            return overview_page(request, paths, key, session, status=status, error=message)

        try:
            form = await read_upload_form(request, limit)
        except UploadProblem as problem:
            return refuse(problem.code, problem.message_nb, problem.status)
        if not sessions.csrf_ok(key, session, form.fields.get("csrf")):
            log_event(paths, "csrf_failed", action="upload", **who)
            return refuse("csrf", "Skjemaet var utløpt. Last siden på nytt og prøv igjen.", 403)
        name = safe_display_name(form.filename)
        facts = {
            "file_name": name,
            "size_bytes": len(form.data),
            "sha256": hashlib.sha256(form.data).hexdigest(),
        }
        if not form.has_file or (not form.data and not form.filename):
            return refuse("no_file", "Velg en fil å laste opp.", 400)
        try:
            sniff_format(form.data)
        except IntakeError as error:
            # Not a data file at all (empty, PDF, macros, old .xls, binary): nothing to keep.
            return refuse(
                error.code, error.message_nb, 415 if error.code != "empty_file" else 400, **facts
            )
        landing = land_bytes(
            paths,
            form.data,
            name,
            channel=CHANNEL,
            uploaded_by=f"portal:{programme}:{session.token_id}",
            claimed_programme_id=programme,
        )
        landed = landing.landed
        if (landed.claimed_programme_id or "").upper() != programme.upper():
            # The same bytes were sent earlier for another programme; that upload stands.
            return refuse(
                "landed_for_other_programme",
                "Nøyaktig samme fil er allerede mottatt for et annet program, og den behandles "
                "ikke på nytt. Kontroller at filen gjelder ditt program, og kontakt IMDi ved behov.",
                409,
                upload_id=landed.upload_id,
            )
        result, _ = verdicts.get(paths, landed)
        outcome = "refused" if landed.refused else result.outcome
        log_event(
            paths,
            "upload",
            **who,
            upload_id=landed.upload_id,
            file_name=landed.original_name,
            size_bytes=landed.size_bytes,
            is_new=landing.is_new,
            contract=result.contract.name if result.contract else None,
            outcome=outcome,
            rows_total=result.rows_total,
            rows_accepted=len(result.accepted),
            rows_rejected=result.rows_rejected,
        )
        other = result.issues[result.issues["rule"] == "other_programme"]
        if not other.empty:
            log_event(
                paths,
                "other_programme_rows",
                **who,
                upload_id=landed.upload_id,
                rows=[int(r) for r in other["source_row"]],
                named_programmes=sorted({str(v) for v in other["value"].dropna()}),
            )
        receipt = make_receipt(paths, landed, repeated=not landing.is_new)
        # Rendered here rather than redirected: only this response knows the bytes were seen
        # before. Reloading re-sends the same bytes, and the receipt then says so.
        return render(
            request, "receipt.html", key, session, receipt=receipt, igjen=int(receipt.repeated)
        )

    def make_receipt(paths: Paths, landed: LandedFile, repeated: bool) -> Receipt:
        result, formulas = verdicts.get(paths, landed)
        with overview.published(paths) as con:
            changes, basis = (
                (None, "") if repeated else classify_rows(settings, landed, result, con)
            )
            ingested = upload_ingested(con, landed.upload_id)
        return Receipt(landed, result, repeated, ingested, changes, basis, formulas)

    def load_receipt(
        request: Request, upload_id: str, repeated: bool
    ) -> tuple[bytes, sessions.Session | None, Receipt | None, Response | None]:
        paths, key, session, revoked = current(request)
        if revoked or session is None or not session.signed_in:
            return key, session, None, to_signin(revoked)
        landed = _find_landed(paths, upload_id) if _UPLOAD_ID.match(upload_id) else None
        if (
            landed is None
            or (landed.claimed_programme_id or "").upper() != (session.programme_id or "").upper()
        ):
            missing = render(
                request,
                "message.html",
                key,
                session,
                status=404,
                title="Fant ikke kvitteringen",
                message="Kvitteringen finnes ikke, eller gjelder et annet program.",
            )
            return key, session, None, missing
        return key, session, make_receipt(paths, landed, repeated), None

    @app.get("/kvittering/{upload_id}.csv")
    def receipt_csv_route(request: Request, upload_id: str, igjen: int = 0) -> Response:
        _, _, receipt, early = load_receipt(request, upload_id, bool(igjen))
        if early is not None:
            return early
        return Response(
            receipt_csv(receipt),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="kvittering-{upload_id[:12]}.csv"'
            },
        )

    @app.get("/kvittering/{upload_id}")
    def receipt_page(request: Request, upload_id: str, igjen: int = 0) -> Response:
        key, session, receipt, early = load_receipt(request, upload_id, bool(igjen))
        if early is not None:
            return early
        return render(
            request, "receipt.html", key, session, receipt=receipt, igjen=int(bool(igjen))
        )

    return app
