"""Liveness and readiness, kept apart.

``/api/health`` (also ``/api/health/live``) says the process serves HTTP and
touches nothing else: restarting the API cannot bring a database back, so a
liveness check that failed with the database would only add restarts to an
outage. ``/api/health/ready`` asks the database, Redis and the S3 store, each
once and briefly, and says which one is down: for a load balancer deciding
where to send people, and for an operator looking for the cause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

import anyio
import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import text

from core.runtime import Runtime
from core.web import DATABASE_UNAVAILABLE, QUEUE_UNAVAILABLE, STORAGE_UNAVAILABLE, Unavailable

log = logging.getLogger(__name__)

#: How long one dependency may take to answer before it counts as down.
CHECK_TIMEOUT_S = 3.0


class LiveOut(BaseModel):
    status: Literal["ok"]


class CheckOut(BaseModel):
    """One dependency: ``up``, or ``down`` with the error code its requests get."""

    status: Literal["up", "down"]
    code: str | None = None


class ReadyOut(BaseModel):
    status: Literal["ready"]
    checks: dict[str, CheckOut]


def health_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/health", tags=["ops"])
    checks = Readiness(runtime)

    def live() -> dict[str, str]:
        """Liveness: 200 as long as the process serves requests."""
        return {"status": "ok"}

    async def ready() -> JSONResponse:
        """Readiness: the database, Redis and the S3 store each answer within a few
        seconds. 503 names the ones that do not."""
        return await checks.answer()

    not_ready: dict[int | str, dict[str, Any]] = {
        503: {"description": "A dependency is down; `checks` says which."}}
    for path, endpoint, model, responses in (("", live, LiveOut, None),
                                             ("/live", live, LiveOut, None),
                                             ("/ready", ready, ReadyOut, not_ready)):
        router.add_api_route(path, endpoint, methods=["GET"], response_model=model,
                             responses=responses)
        # HEAD too, for probes that ask without a body; documented once, as GET.
        router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)
    return router


class Readiness:
    """Asks each dependency once, concurrently, with its own short deadline."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._redis: Redis | None = None
        # Its own few threads: a dependency that hangs keeps a probe thread
        # busy until its own timeout, and must not take the API's threads.
        self._threads = anyio.CapacityLimiter(6)

    def probes(self) -> dict[str, tuple[Unavailable, Callable[[], object]]]:
        return {"database": (DATABASE_UNAVAILABLE, self._database),
                "queue": (QUEUE_UNAVAILABLE, self._queue),
                "storage": (STORAGE_UNAVAILABLE, self._storage)}

    async def answer(self) -> JSONResponse:
        results: dict[str, dict[str, str]] = {}
        async with anyio.create_task_group() as group:
            for name, (unavailable, probe) in self.probes().items():
                group.start_soon(self._check, name, unavailable, probe, results)
        checks = {name: results[name] for name in self.probes()}
        down = [name for name, result in checks.items() if result["status"] != "up"]
        headers = {"Cache-Control": "no-store"}
        if not down:
            return JSONResponse({"status": "ready", "checks": checks}, headers=headers)
        whats = " and ".join(self.probes()[name][0].what for name in down)
        return JSONResponse(
            {"detail": f"Not ready: the {whats} did not answer. Requests that need "
                       f"{'it' if len(down) == 1 else 'them'} are answered with 503 until "
                       "then; see the API's log for the cause.",
             "code": "not_ready", "status": "not_ready", "down": down, "checks": checks},
            status_code=503, headers={**headers, "Retry-After": "5"})

    async def _check(self, name: str, unavailable: Unavailable, probe: Callable[[], object],
                     results: dict[str, dict[str, str]]) -> None:
        down = {"status": "down", "code": unavailable.code}
        with anyio.move_on_after(CHECK_TIMEOUT_S):
            try:
                await anyio.to_thread.run_sync(probe, abandon_on_cancel=True,
                                               limiter=self._threads)
            except Exception as exc:
                log.warning("readiness: %s is down (%s: %s)", unavailable.what,
                            type(exc).__name__, exc)
                results[name] = down
            else:
                results[name] = {"status": "up"}
            return
        log.warning("readiness: %s did not answer within %.0f s", unavailable.what,
                    CHECK_TIMEOUT_S)
        results[name] = down

    def _database(self) -> None:
        with self.runtime.db() as db:
            db.execute(text("SELECT 1"))

    def _queue(self) -> None:
        if self._redis is None:
            url = self.runtime.settings.redis_url
            if not url:
                raise RuntimeError("ATTUNE_REDIS_URL is not set")
            # Not the runtime's client: that one retries with back-off, which
            # is right for queueing a job and wrong for a quick yes or no.
            self._redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2,
                                         retry=Retry(NoBackoff(), 0))
        self._redis.ping()

    def _storage(self) -> None:
        settings = self.runtime.settings
        self.runtime.store.check(settings.s3_bucket_originals, settings.s3_bucket_media)
