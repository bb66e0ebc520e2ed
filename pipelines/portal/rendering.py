"""The one place pages are rendered: Jinja templates, Norwegian formats and labels, the CSP.

Logic hands codes to the templates (outcome ``accepted``, severity ``error``, horizon ``6``);
the filters and globals here turn them into what a programme leader reads.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pipelines.contracts import codelists

TEMPLATE_DIR = Path(__file__).parent / "templates"


def nb_date(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def nb_time(value: object) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(str(value)) if not isinstance(value, datetime) else value
    return moment.strftime("%d.%m.%Y kl. %H:%M") + " UTC"


def nb_number(value: object) -> str:
    """1234567 -> "1 234 567" (Norwegian thousands separator, a no-break space)."""
    try:
        return f"{int(value):,}".replace(",", "\u00a0")
    except (TypeError, ValueError):
        return str(value)


def horizon_nb(value: object) -> str:
    try:
        return codelists()["horizon_months"].label(str(int(value)))
    except (TypeError, ValueError):
        return str(value)


class Pages:
    """The templates with the portal's filters, and the stylesheet's hash for the CSP."""

    def __init__(self) -> None:
        self.templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
        css = (TEMPLATE_DIR / "style.css").read_text(encoding="utf-8")
        self.css_hash = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
        self.templates.env.globals.update(css=css, horizon_nb=horizon_nb)
        self.templates.env.filters.update(nbdate=nb_date, nbtime=nb_time, nbnum=nb_number)

    @property
    def content_security_policy(self) -> str:
        return (
            "default-src 'self'; "
            f"style-src 'sha256-{self.css_hash}'; "
            "script-src 'none'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:"
        )

    def render(
        self, request: Request, name: str, context: dict[str, object], status: int = 200
    ) -> HTMLResponse:
        return self.templates.TemplateResponse(request, name, context, status_code=status)
