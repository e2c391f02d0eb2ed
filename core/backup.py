"""Backing up a deployment and restoring it: the database, both buckets, the signing key.

What a deployment cannot do without, and nothing else:

- the **database** (cases, clips, annotations, the access log): on PostgreSQL a
  ``pg_dump`` custom-format archive taken in one snapshot, on SQLite a copy
  made with SQLite's online backup API; either while the service runs;
- **every object of both buckets** (originals, renditions, posters,
  storyboards, rendered playlists) with its content type;
- the **signing key** (``ATTUNE_SECRET_KEY`` or ``secret.key`` in the data
  dir): without it every signed link and login of before the restore ends.

Redis is not in it: the database is the source of truth for work, and the
sweeper queues again whatever was queued or running.

A backup is a directory with ``manifest.json`` (written last, so a backup
without one did not finish): the database's revision, row counts per table
and the access log's length and last hash, all read in the snapshot the dump
was taken in, and the size, content type and SHA-256 of every file. A restore
checks every file against the manifest before it changes anything, refuses a
target that already holds data (unless told to replace it), and afterwards
checks the row counts and the access log's hash chain against the manifest.

The backup holds the recordings of families and the key that signs access to
them: it is made readable by its owner only. Keep it as carefully as the
deployment itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core import audit
from core.config import Settings
from core.db.migrate import upgrade
from core.db.models import Base
from core.db.session import session_scope
from core.storage import ObjectStore

FORMAT = 1
MANIFEST = "manifest.json"
KEY_FILE = "signing.key"
PG_DUMP_FILE = "database.pgdump"
SQLITE_FILE = "database.sqlite"
OBJECTS_DIR = "objects"
#: The two buckets by what they hold; a restore puts each into the target's
#: bucket of the same role, whatever the buckets are called there.
BUCKET_ROLES = ("originals", "media")
#: Objects copied at a time (each a stream between the store and a file).
PARALLEL = 4
_PIECE = 1024 * 1024
#: libpq parameters a database URL may carry besides host, port, user and name.
_LIBPQ_PARAMS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "connect_timeout",
                 "options", "application_name", "target_session_attrs", "passfile")

Say = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    """What a restore brought back."""

    manifest: dict[str, Any]
    objects: int
    bytes: int
    audit_events: int
    warnings: list[str]


def _quiet(_: str) -> None:
    pass


# -- files ------------------------------------------------------------------

def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while piece := fh.read(_PIECE):
            digest.update(piece)
            size += len(piece)
    return digest.hexdigest(), size


def _private_file(path: Path) -> int:
    """Open ``path`` for writing, readable by its owner only from the start."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


def _object_path(root: Path, role: str, key: str) -> Path:
    """Where an object's bytes are kept in the backup: its key as a path."""
    parts = key.split("/")
    if key.startswith("/") or "\x00" in key or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"object key {key!r} cannot be kept as a file; it was not written "
                          "by Attune")
    return root.joinpath(OBJECTS_DIR, role, *parts)


def _prepare_destination(dest: Path) -> bool:
    """A new or empty directory, private; True when it was made here."""
    if dest.exists():
        if not dest.is_dir():
            raise BackupError(f"{dest} exists and is not a directory")
        if any(dest.iterdir()):
            raise BackupError(f"{dest} is not empty: back up into a new directory")
        dest.chmod(0o700)
        return False
    dest.mkdir(mode=0o700, parents=True)
    return True


# -- PostgreSQL --------------------------------------------------------------

@dataclass(frozen=True)
class _Libpq:
    """How the PostgreSQL client tools reach the database: a connection string
    without the password (it shows in ``ps``) and the password in the environment."""

    conninfo: str
    env: dict[str, str]


def _quote_conninfo(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _libpq(url: str) -> _Libpq:
    parsed = make_url(url)
    params: dict[str, str] = {}
    if parsed.host:
        params["host"] = parsed.host
    if parsed.port:
        params["port"] = str(parsed.port)
    if parsed.username:
        params["user"] = parsed.username
    if parsed.database:
        params["dbname"] = parsed.database
    for name in _LIBPQ_PARAMS:
        value = parsed.query.get(name)
        if isinstance(value, str):
            params[name] = value
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    conninfo = " ".join(f"{k}={_quote_conninfo(v)}" for k, v in params.items())
    return _Libpq(conninfo, env)


def _tool(pg_bin: Path | None, name: str) -> str:
    if pg_bin is not None:
        path = pg_bin / name
        if not os.access(path, os.X_OK):
            raise BackupError(f"{path} is not an executable {name}")
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client of the server's "
                          "version (Debian: postgresql-client) or give its directory with "
                          "--pg-bin")
    return found


def _client_major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], check=True, capture_output=True, text=True,
                         timeout=30).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if match is None:
        raise BackupError(f"cannot tell the version of {tool} from {out.strip()!r}")
    return int(match.group(1))


def _run_tool(argv: list[str], env: Mapping[str, str], what: str) -> None:
    result = subprocess.run(argv, env=dict(env), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}):\n"
                          f"{result.stderr.strip()[-3000:]}")


def _dump_postgres(conn: Connection, url: str, out: Path, pg_bin: Path | None) -> None:
    """``pg_dump`` in the snapshot ``conn``'s transaction sees, so the dump and the
    counts in the manifest describe the same moment."""
    pg_dump = _tool(pg_bin, "pg_dump")
    server_major = int(conn.scalar(text("SHOW server_version_num")) or 0) // 10000
    client_major = _client_major(pg_dump)
    if client_major < server_major:
        raise BackupError(f"pg_dump {client_major} cannot dump a PostgreSQL {server_major} "
                          f"server: install the PostgreSQL {server_major} client and give its "
                          "directory with --pg-bin")
    snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
    libpq = _libpq(url)
    fd = _private_file(out)
    os.close(fd)
    _run_tool([pg_dump, f"--dbname={libpq.conninfo}", "--format=custom",
               f"--snapshot={snapshot}", f"--file={out}"], libpq.env, "pg_dump")


def _restore_postgres(url: str, dump: Path, replace: bool, pg_bin: Path | None) -> None:
    pg_restore = _tool(pg_bin, "pg_restore")
    libpq = _libpq(url)
    # Owned by whoever restores (the database's owner, who runs the migrations);
    # the application's role gets its rights from `attune db grant` afterwards.
    argv = [pg_restore, f"--dbname={libpq.conninfo}", "--no-owner", "--no-privileges",
            "--exit-on-error", "--single-transaction"]
    if replace:
        argv += ["--clean", "--if-exists"]
    _run_tool([*argv, str(dump)], libpq.env, "pg_restore")


# -- SQLite ------------------------------------------------------------------

def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url} is not a SQLite file")
    return Path(database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while others write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables: int = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                   ).fetchone()[0]
        return tables > 0
    finally:
        conn.close()


# -- what the manifest says about the database --------------------------------

def _database_facts(conn: Connection) -> dict[str, Any]:
    """Revision, rows per table and the access log's chain, as ``conn`` sees them."""
    present = set(inspect(conn).get_table_names())
    rows = {table.name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables if table.name in present}
    revision = (conn.scalar(text("SELECT version_num FROM alembic_version"))
                if "alembic_version" in present else None)
    check = None
    if "audit_events" in present:
        with Session(bind=conn) as db:
            check = audit.verify(db)
    return {
        "revision": revision,
        "rows": rows,
        "audit": None if check is None else {
            "events": check.events, "last_id": check.last_id, "last_hash": check.last_hash,
            "intact": check.intact, "broken_at": check.broken_at,
        },
    }


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise BackupError(f"backing up a {backend} database is not supported "
                          "(PostgreSQL and SQLite are)")
    return backend


@contextmanager
def _snapshot(url: str) -> Iterator[Connection]:
    """A read-only view of the database that stays the same until the block ends."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
    finally:
        engine.dispose()


def _backup_database(url: str, dest: Path, pg_bin: Path | None, say: Say) -> dict[str, Any]:
    kind = _kind(url)
    if kind == "postgresql":
        out = dest / PG_DUMP_FILE
        with _snapshot(url) as conn:
            facts = _database_facts(conn)
            say(f"database: pg_dump of {sum(facts['rows'].values())} rows")
            _dump_postgres(conn, url, out, pg_bin)
    else:
        out = dest / SQLITE_FILE
        os.close(_private_file(out))
        _copy_sqlite(_sqlite_path(url), out)
        with _snapshot(f"sqlite:///file:{out}?mode=ro&uri=true") as conn:
            facts = _database_facts(conn)
        say(f"database: SQLite copy of {sum(facts['rows'].values())} rows")
    digest, size = _sha256_file(out)
    return {"kind": kind, "file": out.name, "size": size, "sha256": digest, **facts}


# -- objects -----------------------------------------------------------------

def _bucket(settings: Settings, role: str) -> str:
    return str(getattr(settings, f"s3_bucket_{role}"))


def _save_object(store: ObjectStore, bucket: str, key: str, path: Path) -> dict[str, Any]:
    stream = store.open(bucket, key)
    digest, size = hashlib.sha256(), 0
    with os.fdopen(_private_file(path), "wb") as out:
        for piece in stream.iter_chunks(_PIECE):
            out.write(piece)
            digest.update(piece)
            size += len(piece)
    if size != stream.size:
        raise BackupError(f"{bucket}/{key}: read {size} bytes of {stream.size}")
    return {"key": key, "size": size, "content_type": stream.content_type,
            "sha256": digest.hexdigest()}


def _backup_objects(store: ObjectStore, settings: Settings, dest: Path,
                    say: Say) -> dict[str, Any]:
    buckets: dict[str, Any] = {}
    with ThreadPoolExecutor(PARALLEL, thread_name_prefix="backup") as pool:
        for role in BUCKET_ROLES:
            bucket = _bucket(settings, role)
            keys = sorted(store.list_keys(bucket, ""))
            entries = list(pool.map(
                lambda key, bucket=bucket, role=role: _save_object(
                    store, bucket, key, _object_path(dest, role, key)), keys))
            total = sum(e["size"] for e in entries)
            say(f"{role}: {len(entries)} objects, {total / 1e6:.1f} MB from bucket {bucket}")
            buckets[role] = {"bucket": bucket, "count": len(entries), "bytes": total,
                             "objects": entries}
    return buckets


# -- backup ------------------------------------------------------------------

def _unfinished_uploads(conn: Connection) -> int:
    if "uploads" not in inspect(conn).get_table_names():
        return 0
    return int(conn.scalar(text("SELECT count(*) FROM uploads WHERE state = 'receiving'"))
               or 0)


def backup(settings: Settings, dest: Path, *, pg_bin: Path | None = None,
           say: Say = _quiet) -> dict[str, Any]:
    """Write a backup of the deployment ``settings`` describe into ``dest`` (new or
    empty); returns the manifest.

    The database is dumped first, then the objects are copied: every object
    a row of the dump points at was stored before the dump was taken, so it
    is in the copy (objects written meanwhile come along and do no harm).
    """
    url = settings.resolved_database_url()
    store = ObjectStore.from_settings(settings)
    made = _prepare_destination(dest)
    try:
        # The copy is a read of every recording: it goes into the access log,
        # before the snapshot, so the backup holds its own record.
        with session_scope(url) as db:
            audit.record(db, audit.Actor(None, None, "server", on_behalf_of="attune backup"),
                         action="backup", object_type="deployment", object_id=None,
                         case_id=None, detail="database, both buckets and the signing key")
        with _snapshot(url) as conn:
            unfinished = _unfinished_uploads(conn)
        database = _backup_database(url, dest, pg_bin, say)
        buckets = _backup_objects(store, settings, dest, say)
        key = settings.resolved_secret_key()
        with os.fdopen(_private_file(dest / KEY_FILE), "w") as out:
            out.write(key)
        manifest = {
            "format": FORMAT,
            "attune_version": metadata.version("attune"),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": database,
            "buckets": buckets,
            "signing_key": {
                "file": KEY_FILE,
                "source": "environment" if settings.secret_key else "file",
                "sha256": hashlib.sha256(key.encode()).hexdigest(),
            },
            "unfinished_uploads": unfinished,
        }
        temporary = dest / f".{MANIFEST}.{secrets.token_hex(4)}"
        with os.fdopen(_private_file(temporary), "w") as out:
            json.dump(manifest, out, indent=1)
            out.write("\n")
        temporary.rename(dest / MANIFEST)
    except BaseException:
        if made:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for child in dest.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
    return manifest


# -- restore -----------------------------------------------------------------

def read_manifest(src: Path) -> dict[str, Any]:
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} has no {MANIFEST}: it is not a backup, or the backup did "
                          "not finish")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src} is a backup of format {manifest.get('format')}; this "
                          f"version of Attune reads format {FORMAT}")
    return manifest


def check_files(src: Path, manifest: Mapping[str, Any], say: Say = _quiet) -> None:
    """Every file of the backup is there with the size and SHA-256 the manifest
    names; raises naming the first that is not."""
    expected: list[tuple[Path, int | None, str]] = []
    database = manifest["database"]
    expected.append((src / database["file"], database["size"], database["sha256"]))
    for role in BUCKET_ROLES:
        for entry in manifest["buckets"][role]["objects"]:
            expected.append((_object_path(src, role, entry["key"]), entry["size"],
                             entry["sha256"]))
    key_path = src / manifest["signing_key"]["file"]
    if not key_path.is_file():
        raise BackupError(f"{key_path} is missing")
    if hashlib.sha256(key_path.read_text().encode()).hexdigest() != \
            manifest["signing_key"]["sha256"]:
        raise BackupError(f"{key_path} is not the key the backup was made with")

    def one(item: tuple[Path, int | None, str]) -> str | None:
        path, size, digest = item
        if not path.is_file():
            return f"{path} is missing"
        actual, actual_size = _sha256_file(path)
        if actual_size != size or actual != digest:
            return f"{path} differs from when it was backed up (size or SHA-256)"
        return None

    with ThreadPoolExecutor(PARALLEL) as pool:
        for problem in pool.map(one, expected):
            if problem:
                raise BackupError(f"the backup is damaged: {problem}; nothing was restored")
    say(f"backup checked: {len(expected)} files match the manifest")


def _target_key_file(settings: Settings) -> Path:
    return settings.data_dir / "secret.key"


def _occupied(settings: Settings, store: ObjectStore, backup_key: str) -> list[str]:
    """What the target already holds (a restore would mix or overwrite it)."""
    found: list[str] = []
    url = settings.resolved_database_url()
    if _kind(url) == "sqlite":
        if _sqlite_has_tables(_sqlite_path(url)):
            found.append(f"the database {_sqlite_path(url)} has tables")
    else:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                tables = inspect(conn).get_table_names()
        finally:
            engine.dispose()
        if tables:
            found.append(f"the database has {len(tables)} tables")
    for role in BUCKET_ROLES:
        bucket = _bucket(settings, role)
        count = len(store.list_keys(bucket, ""))
        if count:
            found.append(f"bucket {bucket} has {count} objects")
    key_path = _target_key_file(settings)
    if not settings.secret_key and key_path.exists() and \
            key_path.read_text().strip() != backup_key:
        found.append(f"{key_path} holds another signing key")
    return found


def _restore_key(settings: Settings, key: str, warnings: list[str], say: Say) -> None:
    if settings.secret_key:
        if settings.secret_key != key:
            warnings.append("ATTUNE_SECRET_KEY is not the key of the backup: signed media "
                            "links and logins from before the backup will not work. To keep "
                            "them, set ATTUNE_SECRET_KEY to the contents of the backup's "
                            f"{KEY_FILE}")
        return
    path = _target_key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    with os.fdopen(_private_file(temporary), "w") as out:
        out.write(key)
    temporary.replace(path)
    say(f"signing key written to {path}")


def _restore_database(settings: Settings, src: Path, database: Mapping[str, Any],
                      replace: bool, pg_bin: Path | None, say: Say) -> None:
    url = settings.resolved_database_url()
    kind = _kind(url)
    if kind != database["kind"]:
        raise BackupError(f"the backup holds a {database['kind']} database and the target is "
                          f"{kind}: restore into the same kind of database")
    if kind == "postgresql":
        _restore_postgres(url, src / database["file"], replace, pg_bin)
    else:
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        if replace:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        _copy_sqlite(src / database["file"], target)
    say(f"database restored ({sum(database['rows'].values())} rows)")
    upgrade(url)


def _restore_objects(store: ObjectStore, settings: Settings, src: Path,
                     buckets: Mapping[str, Any], replace: bool, say: Say) -> tuple[int, int]:
    count = size = 0
    with ThreadPoolExecutor(PARALLEL, thread_name_prefix="restore") as pool:
        for role in BUCKET_ROLES:
            bucket = _bucket(settings, role)
            if replace:
                store.delete_prefix(bucket, "")
            entries = buckets[role]["objects"]
            list(pool.map(lambda e, bucket=bucket, role=role: store.put_file(
                bucket, e["key"], _object_path(src, role, e["key"]), e["content_type"]),
                entries))
            count += len(entries)
            size += sum(e["size"] for e in entries)
            say(f"{role}: {len(entries)} objects into bucket {bucket}")
    return count, size


def _compare(settings: Settings, database: Mapping[str, Any]) -> int:
    """The restored database holds what the backup did; returns the access log's length."""
    url = settings.resolved_database_url()
    with _snapshot(url) as conn:
        facts = _database_facts(conn)
    if facts["revision"] == database["revision"]:
        differ = {t: (n, facts["rows"].get(t)) for t, n in database["rows"].items()
                  if facts["rows"].get(t) != n}
        if differ:
            raise BackupError(f"the restored database differs from the backup (table: "
                              f"backup, restored): {differ}")
    want, got = database.get("audit"), facts["audit"]
    if want is not None:
        if got is None or (got["events"], got["last_hash"]) != (want["events"],
                                                                want["last_hash"]):
            raise BackupError(f"the restored access log is not the one backed up: {got} "
                              f"instead of {want}")
        if want["intact"] and not got["intact"]:
            raise BackupError(f"the restored access log's chain is broken at event "
                              f"#{got['broken_at']}")
    return int(got["events"]) if got else 0


def restore(settings: Settings, src: Path, *, replace: bool = False,
            pg_bin: Path | None = None, say: Say = _quiet) -> Restored:
    """Restore the backup in ``src`` into the deployment ``settings`` describe.

    The target's database must exist (on PostgreSQL, connect as its owner);
    its buckets are made if missing. A target that holds data is refused
    unless ``replace``, which drops what the backup has and empties both
    buckets first. Checks afterwards that the rows and the access log are the
    ones backed up, then records the restore in the access log.
    """
    manifest = read_manifest(src)
    check_files(src, manifest, say)
    key = (src / manifest["signing_key"]["file"]).read_text().strip()
    store = ObjectStore.from_settings(settings)
    store.ensure_buckets(*(_bucket(settings, role) for role in BUCKET_ROLES))
    occupied = _occupied(settings, store, key)
    if occupied and not replace:
        raise BackupError("the target is not empty (" + "; ".join(occupied) + "): restore "
                          "into a fresh database and empty buckets, or pass --replace to "
                          "replace what is there")
    warnings: list[str] = []
    _restore_database(settings, src, manifest["database"], replace, pg_bin, say)
    count, size = _restore_objects(store, settings, src, manifest["buckets"], replace, say)
    _restore_key(settings, key, warnings, say)
    events = _compare(settings, manifest["database"])
    audit_head = (manifest["database"].get("audit") or {}).get("last_hash")
    with session_scope(settings.resolved_database_url()) as db:
        audit.record(db, audit.Actor(None, None, "server", on_behalf_of="attune restore"),
                     action="restore", object_type="deployment", object_id=None,
                     case_id=None, detail=f"backup of {manifest['created_at']}: {events} "
                     f"events up to hash {audit_head}, {count} objects")
    if manifest.get("unfinished_uploads"):
        warnings.append(f"{manifest['unfinished_uploads']} uploads were unfinished when the "
                        "backup was made; their bytes were not in it, so those recordings "
                        "must be uploaded again")
    if make_url(settings.resolved_database_url()).get_backend_name() == "postgresql":
        warnings.append("the tables belong to the role that restored them; run "
                        "'attune db grant ROLE' for the role the API and workers use")
    return Restored(manifest, count, size, events, warnings)


__all__ = ["BackupError", "Restored", "backup", "check_files", "read_manifest",
           "restore"]
