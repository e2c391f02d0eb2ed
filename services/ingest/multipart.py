"""Streaming reader for ``multipart/form-data`` request bodies.

Framework form parsing spools uploaded files to a temporary file on disk; a
2 GB recording of a baby must not land on the API server's disk, so the body is
parsed incrementally and the file part is handed on chunk by chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass
class PartEvent:
    """One step of the body: a part starts (with its headers), data, or a part ends."""

    kind: str  # "start" | "data" | "end"
    name: str = ""
    filename: str | None = None
    content_type: str = ""
    data: bytes = b""


@dataclass
class _State:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    field_name: bytes = b""
    field_value: bytes = b""
    events: list[PartEvent] = field(default_factory=list)


def boundary_of(content_type: str) -> bytes:
    ctype, params = parse_options_header(content_type)
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise MultipartError("Send the recording as multipart/form-data with a 'file' field.")
    return params[b"boundary"]


def _parser(boundary: bytes, state: _State) -> MultipartParser:
    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.field_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.field_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.field_name.lower()] = state.field_value
        state.field_name, state.field_value = b"", b""

    def on_headers_finished() -> None:
        _, params = parse_options_header(state.headers.get(b"content-disposition", b""))
        filename = params.get(b"filename")
        state.events.append(PartEvent(
            "start",
            name=params.get(b"name", b"").decode("utf-8", "replace"),
            filename=filename.decode("utf-8", "replace") if filename is not None else None,
            content_type=state.headers.get(b"content-type", b"").decode("latin-1"),
        ))
        state.headers = {}

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state.events.append(PartEvent("data", data=bytes(data[start:end])))

    def on_part_end() -> None:
        state.events.append(PartEvent("end"))

    return MultipartParser(boundary, {
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })


async def iter_parts(content_type: str, body: AsyncIterator[bytes]) -> AsyncIterator[PartEvent]:
    """Yield part events as the body arrives; memory stays at one network chunk."""
    state = _State()
    parser = _parser(boundary_of(content_type), state)
    async for chunk in body:
        try:
            parser.write(chunk)
        except Exception as exc:
            raise MultipartError(f"The upload is not valid multipart/form-data: {exc}") from exc
        for event in state.events:
            yield event
        state.events.clear()
    try:
        parser.finalize()
    except Exception as exc:
        raise MultipartError(f"The upload ended early or is malformed: {exc}") from exc
    for event in state.events:
        yield event
