"""The FastAPI application: every service router behind one API, and the web app."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Annotated

import swagger_ui_bundle
from fastapi import FastAPI, Header, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attune.health import health_router
from core import metrics
from core.logs import RequestLog
from core.openapi import errors, install_openapi
from core.runtime import Runtime, set_runtime
from core.web import (
    WEB_FALLBACK,
    CommitBeforeResponse,
    ResponseHeaders,
    install_error_handlers,
    wrong_method,
)
from services.accounts import admin, links, oidc, setup, team, twofactor
from services.accounts.router import router as accounts_router
from services.annotate.router import router as annotate_router
from services.annotate.suggestion_routes import router as suggestions_router
from services.audit.router import router as audit_router
from services.ingest.router import router as ingest_router
from services.ingest.tus import EXPOSED_HEADERS, TUS_VERSION
from services.ingest.tus import router as tus_router
from services.review.router import router as review_router
from services.trajectory.progress_routes import router as progress_router
from services.trajectory.report_routes import router as report_router
from services.trajectory.router import router as trajectory_router


def create_app(runtime: Runtime) -> FastAPI:
    """Build the API around a runtime whose database is migrated and whose
    buckets exist (the CLI's ``api``/``serve`` commands take care of both)."""
    set_runtime(runtime)
    app = FastAPI(
        title="Attune",
        summary="Video feedback for attachment-focused youth care.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    # Innermost: it commits once the status is known and before anything is sent.
    app.add_middleware(CommitBeforeResponse)
    # Every answer under /api/uploads says which protocol version it speaks,
    # errors included, as tus requires.
    app.add_middleware(ResponseHeaders, headers={"Tus-Resumable": TUS_VERSION},
                       prefix=tus_router.prefix, replace=True)
    app.add_middleware(ResponseHeaders, headers=SECURITY_HEADERS)
    app.add_middleware(StrictTransportSecurity)
    if runtime.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=runtime.settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "HEAD", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Tus-Resumable", "Upload-Length",
                           "Upload-Metadata", "Upload-Offset", "Upload-Checksum",
                           "Upload-Defer-Length", "X-Requested-With"],
            expose_headers=EXPOSED_HEADERS, max_age=600)
    _mount_docs(app)
    _mount_metrics(app, runtime)
    for router, statuses in ROUTERS:
        app.include_router(router, responses=errors(*COMMON_ERRORS, *statuses))
    app.include_router(health_router(runtime))
    install_openapi(app)
    # Outermost: every line logged while a request is handled carries its id.
    app.add_middleware(RequestLog)

    _mount_web(app, runtime.settings.web_dir)  # last: it answers every other GET path
    return app


#: The error statuses every API route may answer with (a body that cannot be
#: parsed; most routes need a login; a path names objects; every route reads
#: the database).
COMMON_ERRORS = (400, 401, 403, 404, 409, 422, 503)

#: Every service router, with the error statuses it answers beyond the common ones.
ROUTERS = (
    (accounts_router, (429,)),
    (setup.router, (429,)),
    (admin.router, (410,)),
    (links.router, (410,)),
    (team.router, (410,)),
    (twofactor.router, ()),
    (oidc.router, ()),
    (ingest_router, (410, 413, 415)),
    (tus_router, (410, 412, 413, 415)),
    (annotate_router, (412, 428)),
    (suggestions_router, ()),
    (review_router, (410, 412, 416, 423, 428)),
    (report_router, ()),
    (trajectory_router, (412, 428)),
    (progress_router, ()),
    (audit_router, ()),
)


def _script_hash(source: str) -> str:
    """A CSP source that allows exactly this inline script or event handler."""
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    return f"'sha256-{digest}'"


#: The one inline event handler Attune serves: the plain share page's video
#: (``oncontextmenu="return false"``, no "Save video as…" in the menu). A
#: handler is allowed only by hash together with 'unsafe-hashes'; this hash
#: allows that handler text and nothing else.
_SHARE_PAGE_HANDLER = _script_hash("return false")


def content_security_policy(script_src: str = f"'self' 'unsafe-hashes' {_SHARE_PAGE_HANDLER}",
                            ) -> str:
    """No inline scripts, so an injected ``<script>`` does not run.

    ``style-src`` keeps 'unsafe-inline': the share pages carry their style in
    the page, the web app sets element styles (a timeline's positions, a
    progress bar's width) and Swagger UI injects styles; styles cannot run
    code, and hashing every one would break with each change.
    """
    return (f"default-src 'self'; script-src {script_src}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'")


#: Served with every response. No third-party origins anywhere (these are babies'
#: videos), no referrer (media URLs carry tokens), no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


#: Browsers that reached Attune over https once use nothing else for a year.
HSTS = "max-age=31536000; includeSubDomains"


class StrictTransportSecurity:
    """Sends ``Strict-Transport-Security`` on answers served over https only.

    Over plain http the header is meaningless and, on a laptop's
    ``attune serve``, would pin ``localhost`` to an https nobody serves. The
    scheme is the request's own, or ``X-Forwarded-Proto`` from a reverse proxy
    that uvicorn trusts (``FORWARDED_ALLOW_IPS``; see ``attune.cli``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"strict-transport-security", HSTS.encode())]
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def _mount_web(app: FastAPI, web_dir: Path) -> None:
    """The web app: hashed assets cached for a year, and ``index.html`` for every
    page path (the app routes in the browser). API paths never fall through to
    it, so a mistyped API URL is a JSON 404, not a page."""
    index = web_dir / "index.html"
    if (web_dir / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=web_dir / "assets"), name="web-assets")

    @app.get("/{page:path}", include_in_schema=False, name=WEB_FALLBACK)
    def web_page(page: str, request: Request) -> Response:
        if page.startswith(("api/", "s/", "assets/")) or page == "api":
            # a path the API has, but not with GET, is 405; any other is 404
            return wrong_method(request)
        if not index.is_file():
            return HTMLResponse("<!doctype html><title>Attune</title><p>The web app is not "
                                "built yet: run <code>scripts/install.sh</code>.</p>",
                                status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


def _mount_metrics(app: FastAPI, runtime: Runtime) -> None:
    """``/metrics`` for a Prometheus scraper holding ``ATTUNE_METRICS_TOKEN``;
    without the setting it answers 404, as if it were not there."""
    registry = metrics.registry_for(app, runtime.settings, runtime.redis)

    @app.get(metrics.PATH, include_in_schema=False)
    def prometheus_metrics(authorization: Annotated[str | None, Header()] = None) -> Response:
        if not metrics.authorised(runtime.settings, authorization):
            return JSONResponse({"detail": "No such endpoint.", "code": "not_found"},
                                status_code=404)
        body, content_type = metrics.exposition(registry)
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


def _mount_docs(app: FastAPI) -> None:
    """Interactive API docs from assets shipped with the app: no CDN."""
    assets = "/api/docs-assets"
    app.mount(assets, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs")

    html = get_swagger_ui_html(
        openapi_url="/api/openapi.json", title="Attune API",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon-32x32.png",
    ).body
    page = bytes(html).decode()
    # The page starts Swagger UI with one inline script: this page alone
    # allows that script, by its hash, and no other.
    inline = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    policy = content_security_policy(" ".join(["'self'", *map(_script_hash, inline)]))

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})
