"""Prometheus metrics: the HTTP side per API process, the work side for the
whole deployment.

HTTP requests are counted and timed in each API process by
``prometheus-fastapi-instrumentator``. What the workers do (jobs by outcome,
transcode seconds per media second) and what arrives in uploads is counted in
one Redis hash under the deployment's namespace, so any API answers for all
workers and all APIs; queue depths are read from RQ when scraped. Nothing
about a family is in a metric: only counts, seconds and queue names.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator
from redis import Redis
from redis.exceptions import RedisError
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)

from core.config import Settings
from core.queue import KINDS, queue

log = logging.getLogger(__name__)
PATH = "/metrics"


def _key(settings: Settings) -> str:
    return f"{settings.queue_namespace}:metrics"


def count(settings: Settings, redis: Redis, **amounts: float) -> None:
    """Add to the deployment's counters; never fails the work it describes."""
    try:
        with redis.pipeline(transaction=False) as pipe:
            for name, amount in amounts.items():
                pipe.hincrbyfloat(_key(settings), name, amount)
            pipe.execute()
    except RedisError:
        log.warning("could not count %s", ", ".join(amounts))


def job_done(settings: Settings, redis: Redis, kind: str, succeeded: bool) -> None:
    count(settings, redis, **{f"jobs:{kind}:{'succeeded' if succeeded else 'failed'}": 1})


class WorkCollector(Collector):
    """Reads the deployment's counters and queues at scrape time."""

    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings, self.redis = settings, redis

    def collect(self) -> Iterator[Metric]:
        try:
            raw: dict[bytes, bytes] = self.redis.hgetall(_key(self.settings))  # type: ignore[assignment]
            counters = {k.decode(): float(v) for k, v in raw.items()}
            depth = self._queues()
        except RedisError:
            log.warning("metrics: Redis did not answer")
            return
        jobs = CounterMetricFamily("attune_jobs", "Jobs finished, by kind and outcome.",
                                   labels=["kind", "outcome"])
        for name, value in sorted(counters.items()):
            if name.startswith("jobs:"):
                _, kind, outcome = name.split(":", 2)
                jobs.add_metric([kind, outcome], value)
        yield jobs
        for name, help_text in (
                ("transcode_seconds", "Wall-clock seconds spent transcoding."),
                ("transcoded_media_seconds", "Seconds of recording transcoded."),
                ("upload_bytes", "Bytes of recordings received in full.")):
            yield CounterMetricFamily(f"attune_{name}", help_text,
                                      value=counters.get(name, 0.0))
        yield depth

    def _queues(self) -> GaugeMetricFamily:
        depth = GaugeMetricFamily("attune_queue_jobs", "Jobs per RQ queue and state.",
                                  labels=["queue", "state"])
        for kind in KINDS:
            q = queue(self.settings, self.redis, kind)
            depth.add_metric([kind, "queued"], q.count)
            for state, registry in (("started", StartedJobRegistry),
                                    ("scheduled", ScheduledJobRegistry),
                                    ("deferred", DeferredJobRegistry),
                                    ("failed", FailedJobRegistry)):
                depth.add_metric([kind, state], registry(queue=q).count)
        return depth


def registry_for(app: object, settings: Settings, redis: Redis) -> CollectorRegistry:
    """A registry of this app's own (tests build several apps in one process),
    with the HTTP metrics instrumented into ``app``."""
    registry = CollectorRegistry()
    Instrumentator(excluded_handlers=[PATH], registry=registry).instrument(app)  # type: ignore[arg-type]
    registry.register(WorkCollector(settings, redis))
    return registry


def authorised(settings: Settings, authorization: str | None) -> bool:
    """The scraper sent the configured token (no token configured: nobody may)."""
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    return bool(expected) and hmac.compare_digest(
        (authorization or "").encode(), f"Bearer {expected}".encode())


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    return generate_latest(registry), CONTENT_TYPE_LATEST
