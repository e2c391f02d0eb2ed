"""The FastAPI application: every service router behind one API."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from core.runtime import Runtime, set_runtime
from core.web import install_error_handlers
from services.accounts.router import router as accounts_router
from services.annotate.router import router as annotate_router
from services.ingest.router import router as ingest_router
from services.review.router import router as review_router


def create_app(runtime: Runtime) -> FastAPI:
    """Build the API around a runtime whose database is migrated and whose
    buckets exist (the CLI's ``api``/``serve`` commands take care of both)."""
    set_runtime(runtime)
    app = FastAPI(
        title="Attune",
        summary="Video feedback for attachment-focused youth care.",
        version="0.1.0",
        docs_url="/docs",
        openapi_url="/api/openapi.json",
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for router in (accounts_router, ingest_router, annotate_router, review_router):
        app.include_router(router)

    @app.get("/api/health", tags=["ops"])
    def health() -> dict[str, str]:
        """Liveness and readiness: database and Redis answer."""
        with runtime.db() as db:
            db.execute(text("SELECT 1"))
        runtime.redis.ping()
        return {"status": "ok"}

    return app
