"""The programme's overview and its Excel template."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from pipelines.ingest.template import build_followup_template
from pipelines.portal import overview
from pipelines.portal.audit import log_event
from pipelines.portal.dependencies import SignedIn, Visitor

router = APIRouter()

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def overview_page(visitor: Visitor, status: int = 200, error: str | None = None) -> HTMLResponse:
    """The overview, also the page an upload that is refused at the door comes back to."""
    settings = visitor.portal.settings
    programme = visitor.programme
    with overview.published(visitor.paths) as con:
        context = {
            "has_warehouse": con is not None,
            "published_at": overview.published_at(visitor.paths),
            "reference_date": settings.today(),
            "cohorts": overview.cohorts(con, programme).to_dict("records"),
            "followups": overview.followups(con, programme).to_dict("records"),
            "overdue": overview.overdue(con, programme).to_dict("records"),
            "quality_flags": overview.quality_flags(visitor.paths, programme),
            "uploads": overview.uploads(
                visitor.paths,
                con,
                programme,
                lambda landed: visitor.portal.verdicts.outcome(visitor.paths, landed),
            ),
        }
    return visitor.page(
        "overview.html",
        status=status,
        error=error,
        max_mb=settings.max_upload_bytes // (1024 * 1024),
        max_rows=settings.max_upload_rows,
        **context,
    )


@router.get("/oversikt")
def overview_route(visitor: SignedIn) -> Response:
    return overview_page(visitor)


@router.get("/mal.xlsx")
def template_download(visitor: SignedIn) -> Response:
    programme = visitor.programme
    with overview.published(visitor.paths) as con:
        known = overview.known_followups(con, programme)
    data = build_followup_template(programme, known, as_of=visitor.portal.settings.today())
    log_event(visitor.paths, "template_download", **visitor.who())
    return Response(
        data,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="oppfolging-{programme}.xlsx"'},
    )
