"""Reading an upload safely: a size limit enforced while the body streams in, and a multipart
parser that keeps the file in memory (no temporary files outside the landing zone)."""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from pipelines.ingest.upload import too_large_message

MAX_FIELD_BYTES = 4096
MAX_PARTS = 8
_OVERHEAD = 64 * 1024  # multipart boundaries and the small form fields
_DRAIN_FACTOR = (
    4  # read (and discard) at most this many times the limit, so browsers see the answer
)


class UploadProblem(ValueError):
    def __init__(self, code: str, message_nb: str, status: int = 400):
        super().__init__(message_nb)
        self.code = code
        self.message_nb = message_nb
        self.status = status


def too_large(limit: int) -> UploadProblem:
    return UploadProblem("too_large", too_large_message(limit), 413)


@dataclass
class UploadForm:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    data: bytes = b""
    has_file: bool = False


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None
    buffer: bytearray = field(default_factory=bytearray)


async def read_upload_form(request: Request, limit: int) -> UploadForm:
    """Parse a multipart/form-data body chunk by chunk; stop storing past ``limit`` bytes."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadProblem("bad_form", "Skjemaet ble ikke sendt som filopplasting.")
    declared = request.headers.get("content-length")
    over = declared is not None and declared.isdigit() and int(declared) > limit + _OVERHEAD

    form = UploadForm()
    state = {"part": _Part(), "field": b"", "value": b"", "parts": 0, "over": over}

    def on_part_begin() -> None:
        state["part"] = _Part()
        state["parts"] += 1

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["part"].headers[state["field"].lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        part = state["part"]
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            part.filename = options[b"filename"].decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = state["part"]
        cap = limit if part.filename is not None else MAX_FIELD_BYTES
        if len(part.buffer) + (end - start) > cap:
            state["over"] = True
            return
        part.buffer += data[start:end]

    def on_part_end() -> None:
        part = state["part"]
        if part.filename is not None:
            if not form.has_file:
                form.has_file = True
                form.filename = part.filename
                form.data = bytes(part.buffer)
        else:
            form.fields[part.name] = part.buffer.decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if state["over"] or received > limit + _OVERHEAD:
            state["over"] = True
            # Nothing more is stored; the rest is only read so the browser gets the answer.
            if received > _DRAIN_FACTOR * limit + _OVERHEAD:
                break
            continue
        try:
            parser.write(chunk)
        except Exception as exc:  # python-multipart raises its own error types
            raise UploadProblem("bad_form", "Opplastingen kom ikke fram i sin helhet.") from exc
        if state["parts"] > MAX_PARTS:
            raise UploadProblem("bad_form", "Skjemaet har for mange deler.")
    if state["over"]:
        raise too_large(limit)
    try:
        parser.finalize()
    except Exception as exc:
        raise UploadProblem("bad_form", "Opplastingen kom ikke fram i sin helhet.") from exc
    return form
