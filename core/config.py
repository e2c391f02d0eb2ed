"""Settings shared by every Attune process (API, worker, CLI).

Every command reads the same settings, from environment variables prefixed
``ATTUNE_`` or from a ``.env`` file, so an operator configures a deployment in
one place. Unset service URLs mean "embedded": ``attune serve`` starts a local
Redis and SeaweedFS under ``ATTUNE_DATA_DIR`` and fills them in.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    """Deployment settings; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="ATTUNE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Where embedded services keep data.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data dir."
    )
    redis_url: str | None = Field(default=None, description="Redis URL; default: embedded.")
    queue_namespace: str = Field(
        default="attune", description="Prefix of queue names and Redis keys (one per deployment)."
    )
    s3_endpoint: str | None = Field(
        default=None, description="S3 API endpoint as host:port; default: embedded SeaweedFS."
    )
    s3_access_key: str = "attune"
    s3_secret_key: str = "attune-local-secret"
    s3_secure: bool = False
    s3_region: str | None = None
    s3_bucket_originals: str = "attune-originals"
    s3_bucket_media: str = "attune-media"

    secret_key: str | None = Field(
        default=None,
        description="Signs media URLs; default: generated once into the data dir.",
    )
    token_ttl_s: int = Field(
        default=12 * 3600,
        description="Absolute lifetime of a login (web session or API token), however busy.")
    session_idle_s: int = Field(
        default=30 * 60,
        description="A web session ends after this long without a request (shared devices).")
    invite_ttl_s: int = Field(
        default=72 * 3600, description="How long an invitation or password-reset link works.")
    public_url: str | None = Field(
        default=None,
        description="The address people open Attune at (https://attune.example.org); used "
                    "in invitation links and as the single sign-on redirect. Default: the "
                    "address the request came to.")
    oidc_issuer: str | None = Field(
        default=None,
        description="Single sign-on: the OpenID Connect issuer URL (its discovery "
                    "document is at /.well-known/openid-configuration).")
    oidc_client_id: str | None = Field(default=None, description="Single sign-on: client id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Single sign-on: client secret (none for a public client).")
    oidc_name: str = Field(
        default="single sign-on",
        description="What the login page calls the provider, e.g. 'Microsoft'.")
    oidc_role_claim: str = Field(
        default="roles", description="ID-token claim holding the person's role(s).")
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict,
        description='Claim value -> Attune role, e.g. {"Attune.Supervisor": "supervisor"}.')
    oidc_default_role: str | None = Field(
        default=None,
        description="Role for a first sign-in whose claims map to none; unset: refused.")
    oidc_team_claim: str | None = Field(
        default=None, description="ID-token claim holding the person's team (group) name.")
    oidc_team_map: dict[str, str] = Field(
        default_factory=dict, description="Claim value -> Attune team name; unmapped values "
                                          "are used as the team name itself.")
    media_url_ttl_s: int = Field(default=15 * 60, description="Lifetime of a signed media URL.")
    store_proxy: str | None = Field(
        default=None, pattern=r"^/[A-Za-z0-9_/-]*/$",
        description="Behind nginx: its location that passes presigned links on to the S3 "
                    "store (such as /_store/; deploy/nginx/attune.conf.template). Set, the "
                    "API still checks and logs every opening of a recording, but the bytes "
                    "go from the store through nginx: the files a view's playlists list "
                    "are links to that location, and the files the API answers for itself "
                    "it hands to nginx (X-Accel-Redirect).")

    max_upload_bytes: int = Field(default=4 * 1024**3, description="Largest accepted recording.")
    max_duration_s: float = Field(default=3 * 3600, description="Longest accepted recording.")
    max_pixels: int = Field(default=8192 * 8192, description="Largest accepted frame (w*h).")
    upload_part_bytes: int = Field(default=8 * 1024**2, description="S3 multipart part size.")
    upload_expiry_s: int = Field(
        default=3 * 24 * 3600, description="An unfinished resumable upload is kept this long."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Other web origins allowed to call the API."
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="One JSON object a log line, or plain text for a terminal."
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token a Prometheus scraper sends to /metrics; "
        "unset, /metrics answers 404.",
    )

    job_timeout_base_s: int = Field(default=120, description="Transcode timeout floor.")
    job_timeout_factor: float = Field(
        default=6.0, description="Transcode timeout per second of media."
    )
    job_retries: int = Field(default=3, description="Retries on storage/queue hiccups.")
    sweep_interval_s: int = Field(default=30, description="How often lost jobs are looked for.")
    stale_after_s: int = Field(
        default=180, description="A processing clip without heartbeat this long is re-queued."
    )
    x264_preset: str = Field(default="veryfast", description="Speed/quality trade-off of x264.")
    web_dir: Path = Field(
        default=Path(__file__).resolve().parents[1] / "web" / "dist",
        description="The built web app (npm run build in web/) served at /.",
    )

    retention_grace_days: float = Field(
        default=30, ge=0,
        description="Days between closing a case and removing its recordings (a closed case "
                    "can be reopened until then).",
    )
    retention_keep_annotations: bool = Field(
        default=True,
        description="Keep a purged case's annotations, ratings and comments (text only); "
                    "false removes them with the recordings.",
    )

    def resolved_database_url(self) -> str:
        """The configured database, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'attune.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The signing key; generated once per data dir so restarts keep URLs valid."""
        if self.secret_key:
            return self.secret_key
        return key_file(self.data_dir / "secret.key")


def key_file(path: Path) -> str:
    """The key kept in ``path``, made on first use; readable by this user only.

    Whoever holds the key can sign media URLs and CSRF tokens, so the file is
    never readable by others, not even for a moment: it is written under a
    temporary name created with mode 0600 and then linked into place, which
    also means a process starting alongside (the worker next to the API)
    reads either no key file or a complete one. A key file found with looser
    permissions is tightened, with a warning, since others may have read it.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_key_file(path, secrets.token_urlsafe(48))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            path.chmod(0o600)
        except OSError as exc:
            log.warning("%s can be read by other users (mode %o) and could not be made "
                        "private (%s): run 'chmod 600 %s'", path, mode, exc, path)
        else:
            log.warning("%s could be read by other users (mode %o); made private (0600). "
                        "If anyone else may have read it, delete it to make a new key "
                        "(signed links and logins then end).", path, mode)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it so a new key is made, or set "
                           "ATTUNE_SECRET_KEY")
    return key


def _create_key_file(path: Path, key: str) -> None:
    """Write ``key`` to ``path`` unless another process got there first."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another process made the key first: everyone uses that one
        except OSError:  # a file system without hard links: create in place
            with contextlib.suppress(FileExistsError):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(key)
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return Settings()
