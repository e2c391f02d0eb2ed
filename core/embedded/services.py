"""The settings-level entry point: run what ``attune serve`` is not pointed at."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from core.config import Settings
from core.embedded.redis_server import RedisProcess, start_redis
from core.embedded.seaweedfs_server import SeaweedFSProcess, start_seaweedfs


class EmbeddedServices:
    """Starts the services the settings leave unconfigured, for ``attune serve``.

    ``ATTUNE_REDIS_URL`` unset means "run Redis for me", ``ATTUNE_S3_ENDPOINT``
    unset means "run SeaweedFS for me"; both then live under
    ``settings.data_dir`` so a single-host install needs no system services.
    Configured services are used as they are. Use as a context manager::

        with EmbeddedServices(settings) as services:
            run(services.settings())  # redis_url / s3_endpoint filled in
    """

    def __init__(self, settings: Settings) -> None:
        self._config = settings
        self.redis: RedisProcess | None = None
        self.seaweedfs: SeaweedFSProcess | None = None
        self._started = False

    def start(self) -> Self:
        """Start whatever is not configured; on failure stop what did start."""
        if self._started:
            return self
        data_dir = self._config.data_dir
        try:
            if self._config.redis_url is None:
                self.redis = start_redis(data_dir)
            if self._config.s3_endpoint is None:
                self.seaweedfs = start_seaweedfs(
                    data_dir, self._config.s3_access_key, self._config.s3_secret_key
                )
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the services this object started (S3 first, then the queue)."""
        for process in (self.seaweedfs, self.redis):
            if process is not None:
                process.stop(timeout)
        self._started = False

    @property
    def redis_url(self) -> str:
        """The configured Redis URL, or the embedded one (with its password)."""
        if self._config.redis_url is not None:
            return self._config.redis_url
        if self.redis is None:
            raise RuntimeError("embedded Redis is not running; call start() first")
        return self.redis.url

    @property
    def s3_endpoint(self) -> str:
        """The configured S3 endpoint, or the embedded one (host:port)."""
        if self._config.s3_endpoint is not None:
            return self._config.s3_endpoint
        if self.seaweedfs is None:
            raise RuntimeError("embedded SeaweedFS is not running; call start() first")
        return self.seaweedfs.endpoint

    def settings(self) -> Settings:
        """A copy of the settings pointing at the effective services.

        The embedded store speaks plain HTTP, so ``s3_secure`` is forced off
        when it is used.
        """
        update: dict[str, object] = {"redis_url": self.redis_url, "s3_endpoint": self.s3_endpoint}
        if self.seaweedfs is not None:
            update["s3_secure"] = False
        return self._config.model_copy(update=update)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
