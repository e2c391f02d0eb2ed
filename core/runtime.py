"""The live connections one process works with: database, object store, Redis.

Built once per process from :class:`~core.config.Settings`; the API keeps it on
the application, the worker builds it lazily inside each job process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from redis import Redis
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.db.session import get_sessionmaker, session_scope
from core.storage import ObjectStore


@dataclass
class Runtime:
    settings: Settings
    database_url: str = field(init=False)

    def __post_init__(self) -> None:
        self.database_url = self.settings.resolved_database_url()

    @cached_property
    def store(self) -> ObjectStore:
        return ObjectStore.from_settings(self.settings)

    @cached_property
    def redis(self) -> Redis:
        if not self.settings.redis_url:
            raise RuntimeError("ATTUNE_REDIS_URL is not set and no embedded Redis is running")
        # An unreachable Redis makes a request fail (503) in seconds instead of
        # holding it for the library's retries. No read timeout: the worker's
        # blocking dequeue waits longer than any sensible one.
        return Redis.from_url(self.settings.redis_url, health_check_interval=30,
                              socket_connect_timeout=2)

    @cached_property
    def secret_key(self) -> bytes:
        return self.settings.resolved_secret_key().encode()

    @contextmanager
    def db(self) -> Iterator[Session]:
        """A unit of work that commits on success."""
        with session_scope(self.database_url) as session:
            yield session

    def session(self) -> Session:
        """A plain session; the caller commits and closes (FastAPI dependency)."""
        return get_sessionmaker(self.database_url)()

    def ensure_buckets(self) -> None:
        self.store.ensure_buckets(self.settings.s3_bucket_originals, self.settings.s3_bucket_media)


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The process-wide runtime (used by jobs, which RQ calls with plain arguments)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings())
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """Replace the process-wide runtime (the API factory and tests do this)."""
    global _runtime
    _runtime = runtime
