"""Logs an operator can search: one JSON object a line, every line of a request
(and of the jobs it queued) carrying the same request id.

A request id comes from the caller's ``X-Request-ID`` (a proxy's) when it is a
plain token, or is made here; it is echoed in the response, rides along in
the meta of every job the request queues, and is set again in the worker
around that job. Logs hold no personal data: requests are logged by their
route's template (``/api/clips/{clip_id}``), never their query string, which
carries media tokens, nor a share link's token; ids are opaque.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LogFormat = Literal["json", "text"]
REQUEST_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
access_log = logging.getLogger("attune.access")


class _Context(logging.Filter):
    """Puts the current request and job ids on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        return True


def configure(fmt: LogFormat = "json", level: int | str = logging.INFO,
              stream: TextIO | None = None) -> None:
    """Send every logger's records to ``stream`` (stderr) in ``fmt``, with the
    context ids."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_Context())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False))
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(job_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


@contextmanager
def job_context(job: str, request: str | None) -> Iterator[None]:
    """Around one job in the worker: its lines carry its id and its request's."""
    tokens = job_id.set(job), request_id.set(request)
    try:
        yield
    finally:
        job_id.reset(tokens[0])
        request_id.reset(tokens[1])


class RequestLog:
    """One log line a request (method, route template, status, duration) and its
    id on every other line logged while it is handled."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(REQUEST_HEADER.lower().encode(), b"").decode()
        rid = sent if _SANE_ID.match(sent) else secrets.token_hex(8)
        token = request_id.set(rid)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            access_log.info("request", extra={
                "method": scope["method"],
                "route": getattr(route, "path", None) or "(no route)",
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            })
            request_id.reset(token)
