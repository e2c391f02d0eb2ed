"""Talking to a running Attune server as a user, the way the CLI does.

User commands never open the database: they go through the same HTTP API as
every other client, with the token ``attune login`` stored in the user's
config directory (or ``ATTUNE_TOKEN``).

Recordings go up over tus (``/api/uploads/``, see :mod:`attune.tus`): a
professional on home-visit Wi-Fi loses the connection, closes the laptop lid
or presses Ctrl-C, and running the same command again continues where the
server stopped. What is needed to find an unfinished upload again is kept in
``uploads.json`` next to the credentials (:class:`PendingUploads`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from attune.progress import human_bytes
from attune.tus import (
    ChunkSizer,
    FileSource,
    GaveUp,
    Position,
    RetryPolicy,
    TusClient,
    TusError,
    UploadGone,
)

DEFAULT_URL = "http://127.0.0.1:8000"
MIB = 1024 * 1024
#: The server's S3 part size: every request ends on a multiple of it, so none
#: leaves a partial part behind for the next one to read back and rewrite.
#: It is also the first request's size, so a file that is not a video is
#: refused after 8 MiB.
PART_BYTES = 8 * MIB
#: Bytes per PATCH at first; then sized by time (see ``ChunkSizer``), between
#: one part and ``LARGEST_CHUNK_BYTES``.
CHUNK_BYTES = 32 * MIB
LARGEST_CHUNK_BYTES = 512 * MIB
#: Generous reads: after the last byte of a chunk the server still stores
#: the parts in flight and commits before it answers.
UPLOAD_TIMEOUT = httpx.Timeout(120, connect=15)
#: Saved unfinished uploads older than this are forgotten; the server drops
#: them after ``ATTUNE_UPLOAD_EXPIRY_S`` (3 days by default) anyway.
PENDING_KEEP_S = 14 * 24 * 3600


class ClientError(Exception):
    """A readable reason why a command could not do its work."""


class UploadStopped(ClientError):
    """An upload cannot go on now (logged out, server unreachable), but the
    same command can continue it later; trying the next file is pointless."""


class UploadPaused(Exception):
    """The user interrupted an upload; the server keeps what it has."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"paused at {done} of {total} bytes")
        self.done, self.total = done, total

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class UploadListener(Protocol):
    """What an upload reports as it goes (the CLI shows it as a progress bar)."""

    def start(self, offset: int) -> None: ...

    def update(self, done: int) -> None: ...

    def note(self, message: str) -> None: ...


class _Quiet:
    def start(self, offset: int) -> None:
        pass

    def update(self, done: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "attune"


def credentials_file() -> Path:
    return config_dir() / "credentials.json"


def save_credentials(url: str, token: str) -> Path:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps({"url": url, "token": token}))
    path.chmod(0o600)
    return path


def load_credentials() -> tuple[str, str | None]:
    """Server URL and token: environment first, then what ``attune login`` saved."""
    saved: dict[str, str] = {}
    if credentials_file().exists():
        saved = json.loads(credentials_file().read_text())
    url = os.environ.get("ATTUNE_URL") or saved.get("url") or DEFAULT_URL
    token = os.environ.get("ATTUNE_TOKEN") or saved.get("token")
    return url.rstrip("/"), token


def _reason(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # request validation errors
        return "; ".join(f"{'.'.join(map(str, d.get('loc', [])[1:]))}: {d.get('msg')}"
                         for d in detail)
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and body.get("code") == "import_invalid":
        lines = [f"  {e.get('field')}: {e.get('message')}" for e in errors if isinstance(e, dict)]
        return "\n".join(["nothing was imported; the file has these problems:", *lines])
    return str(detail or f"HTTP {resp.status_code}")


# -- unfinished uploads ----------------------------------------------------

@dataclass(frozen=True)
class LocalFile:
    """A recording as this machine sees it, going to one case on one server.
    Same path but another size or modification time is another recording."""

    server: str
    case_id: str
    path: Path
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, server: str, case_id: str, path: Path) -> LocalFile:
        resolved = path.resolve()
        stat = resolved.stat()
        return cls(server, case_id, resolved, stat.st_size, stat.st_mtime_ns)

    def place(self) -> dict[str, Any]:
        return {"server": self.server, "case_id": self.case_id, "path": str(self.path)}

    def identity(self) -> dict[str, Any]:
        return {**self.place(), "size": self.size, "mtime_ns": self.mtime_ns}

    def recorded_at(self) -> str:
        """The file's modification time in ISO 8601 with the local offset: for a
        recording copied off a phone, when filming ended."""
        return datetime.fromtimestamp(self.mtime_ns / 1e9).astimezone().isoformat(
            timespec="seconds")


@dataclass(frozen=True)
class Pending:
    url: str
    clip_id: str


class PendingUploads:
    """Unfinished uploads of this user, so the same command continues them.

    One JSON file in the config dir, mode 600 (it names the user's recordings
    and cases). Every change re-reads the file under a lock and replaces it
    atomically, so two ``attune upload`` runs in two terminals do not lose each
    other's entries and a crash never leaves half a file.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "uploads.json"

    def find(self, local: LocalFile) -> Pending | None:
        for entry in self._read():
            if _matches(entry, local.identity()):
                return Pending(entry["url"], entry["clip_id"])
        return None

    def remember(self, local: LocalFile, pending: Pending) -> None:
        entry = {**local.identity(), "url": pending.url, "clip_id": pending.clip_id,
                 "saved_at": time.time()}
        self._change(lambda entries: [*_without(entries, local.identity()), entry])

    def forget(self, local: LocalFile) -> None:
        self._change(lambda entries: _without(entries, local.identity()))

    def forget_changed(self, local: LocalFile) -> list[Pending]:
        """Entries for this path whose file has changed since: their uploads
        will never be continued, so the caller can remove them on the server."""
        stale: list[Pending] = []

        def drop(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
            for entry in entries:
                if _matches(entry, local.place()) and not _matches(entry, local.identity()):
                    stale.append(Pending(entry["url"], entry["clip_id"]))
            return [e for e in entries if Pending(e.get("url", ""), e.get("clip_id", ""))
                    not in stale]

        self._change(drop)
        return stale

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        entries = data.get("uploads") if isinstance(data, dict) else None
        return [e for e in entries or [] if isinstance(e, dict) and "url" in e]

    def _change(self, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _locked(self.path.with_name(self.path.name + ".lock")):
            cutoff = time.time() - PENDING_KEEP_S
            entries = [e for e in change(self._read()) if e.get("saved_at", 0) >= cutoff]
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".uploads-")
            with os.fdopen(fd, "w") as fh:  # mkstemp creates it with mode 600
                json.dump({"uploads": entries}, fh, indent=1)
            os.replace(tmp, self.path)


def _matches(entry: dict[str, Any], fields: dict[str, Any]) -> bool:
    return all(entry.get(key) == value for key, value in fields.items())


def _without(entries: list[dict[str, Any]], fields: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in entries if not _matches(e, fields)]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` where the platform has flock."""
    try:
        import fcntl
    except ImportError:  # Windows: atomic replace alone
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Transfer:
    """The moving parts of one file's upload."""

    source: FileSource
    sizer: ChunkSizer
    position: Position


# -- the API -----------------------------------------------------------------

@dataclass
class Api:
    url: str
    token: str | None
    #: Tests put a failing network in between; ``None`` is the real one.
    transport: httpx.BaseTransport | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_env(cls) -> Api:
        return cls(*load_credentials())

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _client(self, timeout: float | httpx.Timeout | None = 30) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self._headers(), timeout=timeout,
                            transport=self.transport)

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request whose failure (network, login, refusal) becomes a ClientError."""
        try:
            with self._client(kwargs.pop("timeout", 30)) as client:
                resp = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach {self.url}: {exc}") from None
        if resp.status_code == 401:
            raise ClientError(f"not logged in: {_reason(resp)} Run 'attune login'.")
        if resp.status_code >= 400:
            raise ClientError(_reason(resp))
        return resp

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request answered with JSON (or nothing)."""
        resp = self.send(method, path, **kwargs)
        return resp.json() if resp.content else None

    def login(self, email: str, password: str) -> str:
        data = self.request("POST", "/api/auth/token",
                            data={"username": email, "password": password})
        token: str = data["access_token"]
        return token

    def case_by_label(self, label: str, create: bool = True) -> dict[str, Any]:
        for case in self.request("GET", "/api/cases"):
            if case["label"] == label:
                return dict(case)
        if not create:
            raise ClientError(f"no case labelled '{label}'")
        return dict(self.request("POST", "/api/cases", json={"label": label}))

    def clip(self, clip_id: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/api/clips/{clip_id}"))

    # -- annotations ----------------------------------------------------------

    def working_set(self, clip_id: str) -> str:
        """The clip's working set (the professional's own coding)."""
        found = [s for s in self.request("GET", f"/api/clips/{clip_id}/sets")
                 if s["purpose"] == "working"]
        if not found:
            raise ClientError("this clip has no working set yet; name one with --set")
        return str(found[0]["id"])

    def export(self, set_id: str, fmt: str) -> bytes:
        """An annotation set as a file, exactly as the server wrote it."""
        return self.send("GET", f"/api/sets/{set_id}/export", params={"format": fmt},
                         timeout=60).content

    def audit_export(self, filters: dict[str, str]) -> bytes:
        """The access log as CSV, for a privacy officer (or an admin)."""
        return self.send("GET", "/api/audit/export.csv", params=filters, timeout=300).content

    def import_file(self, clip_id: str, path: Path) -> dict[str, Any]:
        """Read an .eaf or .csv file into a new set on the clip."""
        with path.open("rb") as fh:
            return dict(self.request("POST", f"/api/clips/{clip_id}/sets/import",
                                     files={"file": (path.name, fh)}, timeout=120))

    def wait_for_clip(self, clip_id: str, on_update: Callable[[dict[str, Any]], None],
                      interval_s: float = 1.0) -> dict[str, Any]:
        """Follow processing until the clip is ready or failed."""
        while True:
            clip = self.clip(clip_id)
            on_update(clip)
            if clip["status"] in ("ready", "failed"):
                return clip
            time.sleep(interval_s)

    # -- uploading (tus) -----------------------------------------------------

    def upload(self, case_id: str, path: Path, *, activity: str | None = None,
               chunk_bytes: int | None = None, listener: UploadListener | None = None,
               pending: PendingUploads | None = None) -> str:
        """Upload one recording, continuing an earlier attempt at the same file
        if the server still has it; returns the clip id. ``chunk_bytes`` fixes
        the size of every request instead of sizing them by time. Raises
        :class:`UploadPaused` on Ctrl-C and :class:`ClientError` with a reason
        a person can act on otherwise."""
        listener = listener or _Quiet()
        pending = pending or PendingUploads()
        local = LocalFile.of(self.url, case_id, path)
        sizer = (ChunkSizer.fixed(chunk_bytes) if chunk_bytes else
                 ChunkSizer(CHUNK_BYTES, PART_BYTES, LARGEST_CHUNK_BYTES))
        grid = min(PART_BYTES, sizer.smallest)
        position = Position(0, 0)
        try:
            with self._readable_errors(local, pending), self._tus(listener) as tus, \
                    FileSource(local.path, local.size, grid) as source:
                for stale in pending.forget_changed(local):
                    tus.terminate(stale.url)
                return self._upload_with(tus, _Transfer(source, sizer, position), local,
                                         pending, activity, listener)
        except KeyboardInterrupt:
            raise UploadPaused(position.confirmed, local.size) from None

    def _upload_with(self, tus: TusClient, transfer: _Transfer, local: LocalFile,
                     pending: PendingUploads, activity: str | None,
                     listener: UploadListener) -> str:
        """Resume or create, then send; if the server lost the upload on the way
        (expired, removed), start once more from the beginning."""
        position = transfer.position
        for attempt in (1, 2):
            target = self._resume(tus, local, pending, listener, position)
            if target is None:
                target = self._create(tus, local, pending, activity)
                position.confirmed = position.sent = 0
            listener.start(position.confirmed)
            try:
                tus.send(target.url, transfer.source, position,
                         lambda p: listener.update(p.sent), transfer.sizer)
            except UploadGone:
                pending.forget(local)
                if attempt == 2:
                    raise ClientError("the server lost this upload twice; try again later") \
                        from None
                listener.note("the server no longer has this upload; starting again")
                continue
            pending.forget(local)
            return target.clip_id
        raise AssertionError("unreachable")

    def _resume(self, tus: TusClient, local: LocalFile, pending: PendingUploads,
                listener: UploadListener, position: Position) -> Pending | None:
        saved = pending.find(local)
        if saved is None:
            return None
        try:
            offset = tus.offset(saved.url)
        except UploadGone:
            pending.forget(local)
            listener.note("the server no longer has the earlier upload; starting again")
            return None
        position.confirmed = position.sent = offset
        listener.note(f"resuming at {100 * offset // max(local.size, 1)}% "
                      f"({human_bytes(offset)} of {human_bytes(local.size)} already on the "
                      "server)")
        return saved

    def _create(self, tus: TusClient, local: LocalFile, pending: PendingUploads,
                activity: str | None) -> Pending:
        metadata = {"case_id": local.case_id, "filename": local.path.name,
                    "recorded_at": local.recorded_at()}
        if activity:
            metadata["activity"] = activity
        resp = tus.create("/api/uploads/", local.size, metadata)
        created = Pending(str(resp.url.join(resp.headers["location"])),
                          resp.headers["attune-clip-id"])
        pending.remember(local, created)
        return created

    @contextlib.contextmanager
    def _tus(self, listener: UploadListener) -> Iterator[TusClient]:
        with self._client(UPLOAD_TIMEOUT) as http:
            yield TusClient(http, retry=self.retry, on_retry=lambda reason, delay:
                            listener.note(f"{reason}; trying again in {delay:.0f} s"))

    @contextlib.contextmanager
    def _readable_errors(self, local: LocalFile, pending: PendingUploads) -> Iterator[None]:
        """Turn what went wrong into one sentence. The saved upload is kept when
        running the command again can continue it, and dropped when not."""
        try:
            yield
        except TusError as exc:
            if exc.status == 401:
                raise UploadStopped(f"not logged in: {_reason(exc.response)} Run 'attune "
                                    "login', then the same command again to continue.") \
                    from None
            pending.forget(local)
            raise ClientError(_reason(exc.response)) from None
        except GaveUp as exc:
            raise UploadStopped(f"giving up on {self.url} after repeated failures ({exc}); "
                                "run the same command again to continue") from None
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise ClientError(f"{exc.strerror or exc}{where}") from None
