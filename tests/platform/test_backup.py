"""Backup and restore, as an operator does it: ``attune backup`` of a running
deployment, ``attune restore`` into a fresh database and a fresh S3 store, and
everything a professional had is there and plays, signed with the restored key.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import media
import psycopg
import pytest
from conftest import PG_ADMIN_URL, RUN_ID, _pg_url
from support import make_people, ready_clip, team_name

PASSWORD = "correct horse battery"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _attune(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "attune.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def deployment(runtime: Any, app: Any, media_dir: Path) -> dict[str, Any]:
    """The running deployment of the test services: a professional with a ready
    clip, a coded annotation set with a rating, and views in the access log."""
    from fastapi.testclient import TestClient

    pro = make_people(runtime, app, team_name(), pro="professional")["pro"]
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=3,
                                   name="backup.mp4")
    with TestClient(app) as client:
        clip = ready_clip(runtime, client, pro["headers"], source, "Gezin 2026-314")
        coded = client.post(f"/api/clips/{clip['id']}/sets", json={},
                            headers=pro["headers"]).json()
        mismatch = client.post(f"/api/sets/{coded['id']}/annotations", headers=pro["headers"],
                               json={"code": "MISMATCH", "start_ms": 500, "end_ms": 1500})
        repair = client.post(f"/api/sets/{coded['id']}/annotations", headers=pro["headers"],
                             json={"code": "REPAIR", "start_ms": 1800,
                                   "repairs": mismatch.json()["id"]})
        rating = client.put(f"/api/sets/{coded['id']}/ratings/sensitivity",
                            json={"value": 5, "note": "rustig"}, headers=pro["headers"])
        assert (mismatch.status_code, repair.status_code, rating.status_code) == \
            (201, 201, 200), (mismatch.text, repair.text, rating.text)
        # Played once: the views are in the access log, and the bytes are known.
        master = client.get(_path(clip["hls_url"]))
        variant_uri = next(line for line in master.text.splitlines() if not line.startswith("#"))
        base = clip["hls_url"].split("master.m3u8")[0]
        variant = client.get(_path(base + variant_uri))
        segment_uri = next(line for line in variant.text.splitlines() if ".m4s" in line)
        segment_url = base + variant_uri.split("?")[0].rsplit("/", 1)[0] + "/" + segment_uri
        segment = client.get(_path(segment_url))
        assert segment.status_code == 200
        annotations = client.get(f"/api/sets/{coded['id']}", headers=pro["headers"]).json()
    return {"pro": pro, "clip": clip, "set": annotations, "segment": segment.content,
            "case_id": clip["case_id"]}


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A fresh deployment's services: an empty database, another S3 store with
    other credentials and bucket names, an empty data dir, no key in the
    environment."""
    from core.embedded import start_seaweedfs

    root = tmp_path_factory.mktemp("restore-target")
    store = start_seaweedfs(root / "s3", "restore-test", "restore-test-secret")
    name = f"attune_restore_{RUN_ID}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if k != "ATTUNE_SECRET_KEY"}
    env.update(ATTUNE_DATABASE_URL=_pg_url(name), ATTUNE_S3_ENDPOINT=store.endpoint,
               ATTUNE_S3_ACCESS_KEY="restore-test", ATTUNE_S3_SECRET_KEY="restore-test-secret",
               ATTUNE_S3_BUCKET_ORIGINALS="restored-originals",
               ATTUNE_S3_BUCKET_MEDIA="restored-media",
               ATTUNE_DATA_DIR=str(root / "data"),
               ATTUNE_QUEUE_NAMESPACE=f"attune-restore-{RUN_ID}")
    try:
        yield env
    finally:
        store.stop()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _settings(env: dict[str, str]) -> Any:
    """The target's settings as its processes would read them (the test process's
    own environment holds the source's)."""
    from core.config import Settings

    return Settings(
        database_url=env["ATTUNE_DATABASE_URL"], s3_endpoint=env["ATTUNE_S3_ENDPOINT"],
        s3_access_key=env["ATTUNE_S3_ACCESS_KEY"], s3_secret_key=env["ATTUNE_S3_SECRET_KEY"],
        s3_bucket_originals=env["ATTUNE_S3_BUCKET_ORIGINALS"],
        s3_bucket_media=env["ATTUNE_S3_BUCKET_MEDIA"], data_dir=Path(env["ATTUNE_DATA_DIR"]),
        queue_namespace=env["ATTUNE_QUEUE_NAMESPACE"], secret_key=None)


def _audit(url: str) -> tuple[Any, dict[int, str]]:
    from sqlalchemy import select

    from core import audit
    from core.db.models import AuditEvent
    from core.db.session import session_scope

    with session_scope(url) as db:
        check = audit.verify(db)
        hashes = {row.id: row.hash for row in db.execute(select(AuditEvent.id, AuditEvent.hash))}
    return check, hashes


def test_backup_restores_into_a_fresh_deployment_and_plays(
        deployment: dict[str, Any], target: dict[str, str], runtime: Any,
        tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from attune.app import create_app
    from core.runtime import Runtime, set_runtime

    backup_dir = tmp_path / "backup"
    made = _attune(dict(os.environ), "backup", str(backup_dir))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    stat = (backup_dir / "signing.key").stat()
    assert stat.st_mode & 0o077 == 0, "the key and the recordings are private to the owner"
    assert backup_dir.stat().st_mode & 0o077 == 0
    database = manifest["database"]
    assert database["kind"] == "postgresql" and database["audit"]["intact"]
    source_check, source_hashes = _audit(runtime.database_url)
    assert source_check.intact
    backed_up = database["audit"]
    assert backed_up["last_hash"] == source_hashes[backed_up["last_id"]]
    media_keys = {o["key"]: o for o in manifest["buckets"]["media"]["objects"]}
    assert any(k.endswith(".m4s") and o["content_type"] == "video/iso.segment"
               for k, o in media_keys.items())
    original_key = f"cases/{deployment['case_id']}/clips/{deployment['clip']['id']}/original"
    assert original_key in {o["key"] for o in manifest["buckets"]["originals"]["objects"]}

    restored = _attune(target, "restore", str(backup_dir))
    assert restored.returncode == 0, restored.stderr

    settings = _settings(target)
    check, hashes = _audit(settings.resolved_database_url())
    assert check.intact, check
    # Every event that was backed up is there, unchanged, and the restore follows it.
    assert check.events == backed_up["events"] + 1
    assert all(hashes[i] == source_hashes[i] for i in source_hashes if i <= backed_up["last_id"])
    assert (settings.data_dir / "secret.key").read_text() == os.environ["ATTUNE_SECRET_KEY"]

    app = create_app(Runtime(settings))
    try:
        with TestClient(app) as client:
            clip, pro = deployment["clip"], deployment["pro"]
            # The link made before the backup plays from the restored deployment: it
            # was signed with the key that came back.
            master = client.get(_path(clip["hls_url"]))
            assert master.status_code == 200, master.text
            variant_uri = next(x for x in master.text.splitlines() if not x.startswith("#"))
            base = clip["hls_url"].split("master.m3u8")[0]
            variant = client.get(_path(base + variant_uri))
            assert variant.status_code == 200
            segment_uri = next(x for x in variant.text.splitlines() if ".m4s" in x)
            segment_url = (base + variant_uri.split("?")[0].rsplit("/", 1)[0] + "/"
                           + segment_uri)
            part = client.get(_path(segment_url), headers={"Range": "bytes=0-999"})
            assert part.status_code == 206
            assert part.content == deployment["segment"][:1000]

            # The professional logs in with their password and finds everything.
            token = client.post("/api/auth/token", data={"username": pro["email"],
                                                         "password": PASSWORD})
            assert token.status_code == 200, token.text
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            listed = client.get(f"/api/cases/{deployment['case_id']}/clips", headers=headers)
            assert [(c["id"], c["status"]) for c in listed.json()] == [(clip["id"], "ready")]
            fresh = client.get(f"/api/clips/{clip['id']}", headers=headers).json()
            assert fresh["duration_s"] == clip["duration_s"]
            assert client.get(_path(fresh["hls_url"])).status_code == 200
            coded = client.get(f"/api/sets/{deployment['set']['id']}", headers=headers).json()
            assert coded["annotations"] == deployment["set"]["annotations"]
            assert coded["ratings"] == deployment["set"]["ratings"]
    finally:
        set_runtime(runtime)

    # Restoring again into what is now a deployment is refused; nothing changes.
    before = _audit(settings.resolved_database_url())[0]
    again = _attune(target, "restore", str(backup_dir))
    assert again.returncode == 1 and "not empty" in again.stderr, again.stderr
    assert _audit(settings.resolved_database_url())[0] == before

    # A damaged backup is refused before anything is touched.
    damaged = tmp_path / "damaged"
    shutil.copytree(backup_dir, damaged)
    segment_file = damaged / "objects" / "media" / next(k for k in media_keys
                                                        if k.endswith(".m4s"))
    data = bytearray(segment_file.read_bytes())
    data[100] ^= 0xFF
    segment_file.write_bytes(bytes(data))
    refused = _attune(target, "restore", "--replace", str(damaged))
    assert refused.returncode == 1 and "damaged" in refused.stderr, refused.stderr

    # --replace puts the backup in place of what is there.
    replaced = _attune(target, "restore", "--replace", str(backup_dir))
    assert replaced.returncode == 0, replaced.stderr
    check, _ = _audit(settings.resolved_database_url())
    assert check.intact and check.events == backed_up["events"] + 1


def test_a_sqlite_deployment_is_copied_with_the_online_backup(
        runtime: Any, tmp_path: Path) -> None:
    """The embedded shape (``attune serve``): SQLite in the data dir and the key
    file beside it, restored into another data dir and other buckets."""
    from core import audit
    from core.auth import add_user
    from core.backup import backup, restore
    from core.config import Settings
    from core.db.migrate import upgrade
    from core.db.models import Role
    from core.db.session import session_scope

    def embedded(name: str) -> Any:
        return Settings(data_dir=tmp_path / name, database_url=None, secret_key=None,
                        s3_bucket_originals=f"{name}-originals", s3_bucket_media=f"{name}-media")

    source = embedded("source")
    url = source.resolved_database_url()
    upgrade(url)
    with session_scope(url) as db:
        user = add_user(db, "els@example.org", PASSWORD, Role.professional, team_name())
        audit.record(db, audit.Actor.of(user), action="login", object_type="user",
                     object_id=user.id, case_id=None)
    runtime.store.ensure_buckets(source.s3_bucket_originals, source.s3_bucket_media)
    runtime.store.put_bytes(source.s3_bucket_media, "cases/c1/clips/k1/media/a/poster.jpg",
                            b"\xff\xd8\xff poster", "image/jpeg")
    key = source.resolved_secret_key()

    manifest = backup(source, tmp_path / "backup")
    assert manifest["database"]["kind"] == "sqlite"
    assert manifest["signing_key"]["source"] == "file"
    assert manifest["database"]["rows"]["users"] == 1

    copy = embedded("copy")
    done = restore(copy, tmp_path / "backup")
    assert done.objects == 1 and done.audit_events == manifest["database"]["audit"]["events"]
    assert (copy.data_dir / "secret.key").read_text() == key
    assert runtime.store.get_bytes(copy.s3_bucket_media, "cases/c1/clips/k1/media/a/poster.jpg"
                                   ) == b"\xff\xd8\xff poster"
    assert runtime.store.stat(copy.s3_bucket_media, "cases/c1/clips/k1/media/a/poster.jpg"
                              )[1] == "image/jpeg"
    with session_scope(copy.resolved_database_url()) as db:
        check = audit.verify(db)
    assert check.intact and check.events == done.audit_events + 1
