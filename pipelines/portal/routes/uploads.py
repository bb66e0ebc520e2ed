"""Uploads and their receipts.

Every upload goes through ``pipelines.ingest.upload.receive`` - the same limits, landing
(``land_bytes``, the one landing path) and verdict (``check_file``, what the warehouse will
record) as `imdi upload` - so the receipt shown within seconds is the one the warehouse keeps.
The warehouse itself is only read, through the published copy.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pipelines.ingest.intake import IntakeError, sniff_format
from pipelines.ingest.landing import LandedFile, landed_files, safe_display_name
from pipelines.ingest.receipt_files import to_csv, to_xlsx
from pipelines.ingest.upload import Limits, receive
from pipelines.portal import overview
from pipelines.portal import session as sessions
from pipelines.portal.audit import log_event
from pipelines.portal.dependencies import SignedIn, Visitor
from pipelines.portal.receipts import Receipt, classify_rows, upload_ingested
from pipelines.portal.routes.overview import XLSX_MEDIA_TYPE
from pipelines.portal.uploads import UploadForm, UploadProblem, read_upload_form

router = APIRouter()

CHANNEL = "portal"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{64}$")


class UploadRefused(Exception):
    """An upload refused before it reached the landing zone: the overview comes back with the
    message, and the audit log keeps the reason and ``facts``."""

    def __init__(self, code: str, message_nb: str, status: int, **facts: object):
        super().__init__(message_nb)
        self.code = code
        self.message_nb = message_nb
        self.status = status
        self.facts = facts


class ReceiptNotFound(Exception):
    pass


async def upload_form(request: Request, visitor: SignedIn) -> UploadForm:
    """The multipart body, read within the size limit, with this session's CSRF token."""
    try:
        form = await read_upload_form(request, visitor.portal.settings.max_upload_bytes)
    except UploadProblem as problem:
        raise UploadRefused(problem.code, problem.message_nb, problem.status) from problem
    if not sessions.csrf_ok(visitor.key, visitor.session, form.fields.get("csrf")):
        log_event(visitor.paths, "csrf_failed", action="upload", **visitor.who())
        raise UploadRefused("csrf", "Skjemaet var utløpt. Last siden på nytt og prøv igjen.", 403)
    return form


@router.post("/last-opp")
def upload(visitor: SignedIn, form: Annotated[UploadForm, Depends(upload_form)]) -> Response:
    portal, paths, programme = visitor.portal, visitor.paths, visitor.programme
    name = safe_display_name(form.filename)
    facts = {
        "file_name": name,
        "size_bytes": len(form.data),
        "sha256": hashlib.sha256(form.data).hexdigest(),
    }
    if not form.has_file or (not form.data and not form.filename):
        raise UploadRefused("no_file", "Velg en fil å laste opp.", 400)
    try:
        sniff_format(form.data)
    except IntakeError as error:
        # Not a data file at all (empty, PDF, macros, old .xls, binary): nothing to keep.
        status = 415 if error.code != "empty_file" else 400
        raise UploadRefused(error.code, error.message_nb, status, **facts) from error
    received = receive(
        paths,
        form.data,
        name,
        channel=CHANNEL,
        limits=Limits.of(portal.settings),
        uploaded_by=f"portal:{programme}:{visitor.session.token_id}",
        claimed_programme_id=programme,
    )
    if received.landing is None:  # over the size or row limit: refused unread, not stored
        error = received.result.file_error
        raise UploadRefused(error.code, error.message_nb, 413, **facts)
    landing = received.landing
    landed = landing.landed
    if (landed.claimed_programme_id or "").upper() != programme.upper():
        # The same bytes were sent earlier for another programme; that upload stands.
        raise UploadRefused(
            "landed_for_other_programme",
            "Nøyaktig samme fil er allerede mottatt for et annet program, og den behandles "
            "ikke på nytt. Kontroller at filen gjelder ditt program, og kontakt IMDi ved behov.",
            409,
            upload_id=landed.upload_id,
        )
    result, _ = portal.verdicts.put(paths, landed, received.result, form.data, received.table)
    outcome = "refused" if landed.refused else result.outcome
    who = visitor.who()
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
    receipt = make_receipt(visitor, landed, repeated=not landing.is_new)
    # Rendered here rather than redirected: only this response knows the bytes were seen
    # before. Reloading re-sends the same bytes, and the receipt then says so.
    return visitor.page("receipt.html", receipt=receipt, igjen=int(receipt.repeated))


def make_receipt(visitor: Visitor, landed: LandedFile, repeated: bool) -> Receipt:
    portal, paths = visitor.portal, visitor.paths
    result, formulas = portal.verdicts.get(paths, landed)
    with overview.published(paths) as con:
        changes = (
            None
            if repeated
            else classify_rows(
                portal.settings,
                landed,
                result,
                con,
                verdict_of=lambda other: portal.verdicts.get(paths, other)[0],
            )
        )
        ingested = upload_ingested(con, landed.upload_id)
    return Receipt(landed, result, repeated, ingested, changes, formulas)


def programme_receipt(visitor: SignedIn, upload_id: str, igjen: int = 0) -> Receipt:
    """The receipt of one of the signed-in programme's uploads (ReceiptNotFound otherwise)."""
    landed = None
    if _UPLOAD_ID.match(upload_id):
        landed = next((f for f in landed_files(visitor.paths) if f.upload_id == upload_id), None)
    if landed is None or (landed.claimed_programme_id or "").upper() != visitor.programme.upper():
        raise ReceiptNotFound
    return make_receipt(visitor, landed, bool(igjen))


ProgrammeReceipt = Annotated[Receipt, Depends(programme_receipt)]


def _attachment(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/kvittering/{upload_id}.csv")
def receipt_csv(receipt: ProgrammeReceipt, upload_id: str) -> Response:
    name = f"kvittering-{upload_id[:12]}.csv"
    return _attachment(to_csv(receipt.download()), "text/csv; charset=utf-8", name)


@router.get("/kvittering/{upload_id}.xlsx")
def receipt_xlsx(receipt: ProgrammeReceipt, upload_id: str) -> Response:
    name = f"kvittering-{upload_id[:12]}.xlsx"
    return _attachment(to_xlsx(receipt.download()), XLSX_MEDIA_TYPE, name)


@router.get("/kvittering/{upload_id}")
def receipt_page(visitor: SignedIn, receipt: ProgrammeReceipt, igjen: int = 0) -> Response:
    return visitor.page("receipt.html", receipt=receipt, igjen=int(bool(igjen)))
