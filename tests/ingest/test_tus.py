"""The tus 1.0.0 protocol at /api/uploads/, status code by status code."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import media
import pytest
from sqlalchemy import select
from support import run_jobs, team_name

from core.db.models import Clip, Upload

TUS = {"Tus-Resumable": "1.0.0"}
PART = 5 * 1024 * 1024  # the smallest S3 part: the server's part size in these tests


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def metadata(**values: str) -> str:
    return ",".join(f"{k} {b64(v)}" for k, v in values.items())


@pytest.fixture(autouse=True)
def small_parts(runtime: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(runtime.settings, "upload_part_bytes", PART)


@pytest.fixture(scope="module")
def video(media_dir: Path) -> bytes:
    """A real recording padded past two S3 parts, so uploads span several parts."""
    clip = media.make_plain_h264(media_dir, width=320, height=240, seconds=2, name="tus.mp4")
    data = clip.read_bytes()
    return data + b"\0" * (2 * PART + 12345 - len(data))


def create(client: Any, user: dict[str, Any], case_id: str, length: int,
           **extra: str) -> Any:
    headers = {**TUS, **user["headers"], "Upload-Length": str(length),
               "Upload-Metadata": metadata(case_id=case_id, filename="bad.mp4", **extra)}
    return client.post("/api/uploads/", headers=headers)


def patch(client: Any, user: dict[str, Any], url: str, offset: int, data: bytes,
          **headers: str) -> Any:
    return client.patch(url, content=data, headers={
        **TUS, **user["headers"], "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream", **headers})


def head(client: Any, user: dict[str, Any], url: str) -> Any:
    return client.head(url, headers={**TUS, **user["headers"]})


def test_options_advertises_the_protocol(client: Any) -> None:
    resp = client.options("/api/uploads/")
    assert resp.status_code == 204
    assert resp.headers["tus-version"] == "1.0.0"
    assert set(resp.headers["tus-extension"].split(",")) == {
        "creation", "creation-with-upload", "expiration", "termination", "checksum"}
    assert int(resp.headers["tus-max-size"]) > 0
    assert "sha1" in resp.headers["tus-checksum-algorithm"]


def test_upload_in_pieces_then_transcode_once(client: Any, runtime: Any, pro: dict[str, Any],
                                              case_id: str, video: bytes) -> None:
    resp = create(client, pro, case_id, len(video), activity="bath",
                  recorded_at="2026-11-20T14:05:00+01:00")
    assert resp.status_code == 201, resp.text
    url, clip_id = resp.headers["location"], resp.headers["attune-clip-id"]
    assert resp.headers["tus-resumable"] == "1.0.0" and "upload-expires" in resp.headers
    listed = client.get(f"/api/cases/{case_id}/clips", headers=pro["headers"]).json()
    assert [(c["id"], c["status"]) for c in listed] == [(clip_id, "uploading")]

    offset = 0
    for size in (1000, PART, 3 * 1024 * 1024, len(video)):  # small, whole-part, odd chunks
        chunk = video[offset: offset + size]
        resp = patch(client, pro, url, offset, chunk)
        assert resp.status_code == 204, resp.text
        offset += len(chunk)
        assert int(resp.headers["upload-offset"]) == offset
        assert int(head(client, pro, url).headers["upload-offset"]) == offset
        if offset == len(video):
            break
        seen = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
        assert seen["upload_progress"] == pytest.approx(offset / len(video), abs=1e-4)

    info = head(client, pro, url)
    assert info.status_code == 200 and info.headers["cache-control"] == "no-store"
    assert int(info.headers["upload-length"]) == len(video)
    stored = runtime.store.get_bytes(runtime.settings.s3_bucket_originals,
                                     f"cases/{case_id}/clips/{clip_id}/original")
    assert hashlib.sha256(stored).digest() == hashlib.sha256(video).digest()
    # only the original is left: no tail objects
    assert runtime.store.list_keys(runtime.settings.s3_bucket_originals, f"cases/{case_id}/") == [
        f"cases/{case_id}/clips/{clip_id}/original"]

    again = patch(client, pro, url, len(video), b"")  # a retried final PATCH
    assert again.status_code == 409
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert clip["status"] == "queued" and clip["upload_progress"] is None
    assert clip["activity"] == "bath"
    jobs = runtime.redis.lrange(f"rq:queue:{runtime.settings.queue_namespace}:transcode", 0, -1)
    assert len([j for j in jobs if clip_id.encode() in j]) == 1, "queued exactly once"
    run_jobs(runtime)
    with runtime.db() as db:
        row = db.get(Clip, clip_id)
        assert row is not None
        assert (row.status.value, row.activity) == ("ready", "bath")
        assert row.recorded_at is not None and row.recorded_at.hour == 13


def test_creation_with_upload_and_checksum(client: Any, pro: dict[str, Any], case_id: str,
                                           video: bytes) -> None:
    first = video[:100_000]
    headers = {**TUS, **pro["headers"], "Upload-Length": str(len(video)),
               "Upload-Metadata": metadata(case_id=case_id, filename="a.mp4"),
               "Content-Type": "application/offset+octet-stream",
               "Upload-Checksum": "sha1 " + base64.b64encode(
                   hashlib.sha1(first).digest()).decode()}
    resp = client.post("/api/uploads/", headers=headers, content=first)
    assert resp.status_code == 201, resp.text
    assert int(resp.headers["upload-offset"]) == len(first)
    url = resp.headers["location"]

    chunk = video[len(first): len(first) + 50_000]
    wrong = "sha1 " + base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    resp = patch(client, pro, url, len(first), chunk, **{"Upload-Checksum": wrong})
    assert resp.status_code == 460
    assert resp.json()["code"] == "checksum_mismatch"
    assert int(head(client, pro, url).headers["upload-offset"]) == len(first)
    right = "sha1 " + base64.b64encode(hashlib.sha1(chunk).digest()).decode()
    resp = patch(client, pro, url, len(first), chunk, **{"Upload-Checksum": right})
    assert resp.status_code == 204
    resp = patch(client, pro, url, len(first), chunk, **{"Upload-Checksum": "crc99 AAAA"})
    assert resp.status_code == 400 and resp.json()["code"] == "bad_checksum_algorithm"


def test_protocol_errors(client: Any, pro: dict[str, Any], case_id: str, video: bytes) -> None:
    resp = create(client, pro, case_id, len(video))
    url = resp.headers["location"]
    # wrong offset
    assert patch(client, pro, url, 10, b"abc").status_code == 409
    # wrong or missing content type
    resp = client.patch(url, content=b"abc", headers={
        **TUS, **pro["headers"], "Upload-Offset": "0", "Content-Type": "text/plain"})
    assert resp.status_code == 415
    # missing or wrong protocol version
    resp = client.patch(url, content=b"abc", headers={
        **pro["headers"], "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream", "Tus-Resumable": "0.2.2"})
    assert resp.status_code == 412 and resp.headers["tus-version"] == "1.0.0"
    # errors, too, say which protocol they speak, and carry the security headers
    assert resp.headers["tus-resumable"] == "1.0.0"
    assert resp.headers["x-content-type-options"] == "nosniff"
    # bytes past the declared length
    resp = patch(client, pro, url, 0, video + b"extra")
    assert resp.status_code == 413
    assert int(head(client, pro, url).headers["upload-offset"]) == 0
    # missing Upload-Offset
    resp = client.patch(url, content=b"abc", headers={
        **TUS, **pro["headers"], "Content-Type": "application/offset+octet-stream"})
    assert resp.status_code == 400


def test_creation_is_checked(client: Any, runtime: Any, users: Any, pro: dict[str, Any],
                             case_id: str) -> None:
    too_big = runtime.settings.max_upload_bytes + 1
    resp = create(client, pro, case_id, too_big)
    assert resp.status_code == 413 and resp.json()["code"] == "too_large"
    resp = client.post("/api/uploads/", headers={**TUS, **pro["headers"],
                                                 "Upload-Length": "100"})
    assert resp.status_code == 400 and resp.json()["code"] == "missing_case"
    stranger = users.add("professional", team_name())
    assert create(client, stranger, case_id, 100).status_code == 404
    assert create(client, pro, case_id, 100, activity="swimming").status_code == 400
    assert create(client, pro, case_id, 100, recorded_at="yesterday").status_code == 400
    assert create(client, pro, case_id, 0).status_code == 400
    resp = client.post("/api/uploads/", headers={**TUS, **pro["headers"],
                                                 "Upload-Metadata": metadata(case_id=case_id)})
    assert resp.status_code == 400  # no Upload-Length
    assert client.post("/api/uploads/", headers={**TUS, "Upload-Length": "5"}).status_code == 401
    with runtime.db() as db:
        assert db.scalars(select(Clip).where(Clip.case_id == case_id)).all() == []


def test_other_users_cannot_touch_an_upload(client: Any, users: Any, pro: dict[str, Any],
                                            case_id: str, video: bytes) -> None:
    url = create(client, pro, case_id, len(video)).headers["location"]
    stranger = users.add("professional", team_name())
    assert head(client, stranger, url).status_code == 404
    assert patch(client, stranger, url, 0, b"abc").status_code == 404
    assert client.delete(url, headers={**TUS, **stranger["headers"]}).status_code == 404


def test_termination_removes_everything(client: Any, runtime: Any, pro: dict[str, Any],
                                        case_id: str, video: bytes) -> None:
    resp = create(client, pro, case_id, len(video))
    url = resp.headers["location"]
    assert patch(client, pro, url, 0, video[: PART + 10]).status_code == 204
    assert client.delete(url, headers={**TUS, **pro["headers"]}).status_code == 204
    assert head(client, pro, url).status_code == 404
    assert patch(client, pro, url, PART + 10, b"x").status_code == 404
    assert client.get(f"/api/cases/{case_id}/clips", headers=pro["headers"]).json() == []
    bucket = runtime.settings.s3_bucket_originals
    assert runtime.store.list_keys(bucket, f"cases/{case_id}/") == []
    assert not runtime.store.client._list_multipart_uploads(
        bucket, prefix=f"cases/{case_id}/").uploads


def test_expired_upload_is_gone_and_its_parts_aborted(client: Any, runtime: Any,
                                                      pro: dict[str, Any], case_id: str,
                                                      video: bytes, monkeypatch: Any) -> None:
    from services.ingest.resumable import expire_stale

    resp = create(client, pro, case_id, len(video))
    url, clip_id = resp.headers["location"], resp.headers["attune-clip-id"]
    assert patch(client, pro, url, 0, video[:1000]).status_code == 204
    monkeypatch.setattr(runtime.settings, "upload_expiry_s", -1)
    assert patch(client, pro, url, 1000, video[1000:2000]).status_code == 204  # sets expiry
    assert expire_stale(runtime) >= 1
    assert head(client, pro, url).status_code == 410
    assert patch(client, pro, url, 2000, b"x").status_code == 410
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert (clip["status"], clip["error_code"]) == ("failed", "upload_expired")
    bucket = runtime.settings.s3_bucket_originals
    assert runtime.store.list_keys(bucket, f"cases/{case_id}/") == []
    assert not runtime.store.client._list_multipart_uploads(
        bucket, prefix=f"cases/{case_id}/").uploads


def test_non_video_is_refused_on_its_first_bytes(client: Any, runtime: Any,
                                                 pro: dict[str, Any], case_id: str) -> None:
    text = b"hello, this is not a video at all " * 100
    url = create(client, pro, case_id, len(text)).headers["location"]
    resp = patch(client, pro, url, 0, text)
    assert resp.status_code == 415 and resp.json()["code"] == "not_video_text"
    assert head(client, pro, url).status_code == 404
    assert client.get(f"/api/cases/{case_id}/clips", headers=pro["headers"]).json() == []


def test_a_complete_non_video_fails_with_a_reason(client: Any, runtime: Any,
                                                  pro: dict[str, Any], case_id: str) -> None:
    junk = b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000)  # looks like MP4, is not
    url = create(client, pro, case_id, len(junk)).headers["location"]
    assert patch(client, pro, url, 0, junk).status_code == 204
    clip_id = head(client, pro, url).headers["attune-clip-id"]
    run_jobs(runtime)
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert clip["status"] == "failed" and clip["error"]


def test_browser_clients_may_read_the_headers(app: Any, runtime: Any, monkeypatch: Any) -> None:
    from fastapi.testclient import TestClient

    from attune.app import create_app

    monkeypatch.setattr(runtime.settings, "cors_origins", ["https://app.example.org"])
    with TestClient(create_app(runtime)) as browser:
        resp = browser.options("/api/uploads/", headers={
            "Origin": "https://app.example.org", "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "upload-offset,tus-resumable,content-type"})
        assert resp.status_code == 200
        resp = browser.post("/api/uploads/", headers={**TUS, "Origin": "https://app.example.org"})
        exposed = resp.headers["access-control-expose-headers"]
        assert {"Location", "Upload-Offset", "Attune-Clip-Id"} <= set(exposed.split(", "))
    from core.runtime import set_runtime

    set_runtime(runtime)


def test_upload_state_is_in_the_database(runtime: Any, client: Any, pro: dict[str, Any],
                                         case_id: str, video: bytes) -> None:
    url = create(client, pro, case_id, len(video)).headers["location"]
    assert patch(client, pro, url, 0, video[: PART + 7]).status_code == 204
    with runtime.db() as db:
        upload = db.get(Upload, url.rsplit("/", 1)[1])
        assert upload is not None
        assert upload.offset == PART + 7 and len(upload.parts) == 1 and upload.tail_size == 7


def test_racing_requests_cannot_corrupt_an_upload(app: Any, client: Any, runtime: Any,
                                                  pro: dict[str, Any], case_id: str,
                                                  video: bytes) -> None:
    """Two PATCHes at the same offset at once (a client retrying while its first
    request is still arriving): one wins, the other gets 409, the bytes stay right."""
    import asyncio

    import httpx

    url = create(client, pro, case_id, len(video)).headers["location"]
    path = url.split("testserver", 1)[1]

    async def slow_body(data: bytes) -> Any:
        for i in range(0, len(data), 256 * 1024):
            yield data[i: i + 256 * 1024]
            await asyncio.sleep(0.01)

    async def race() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            headers = {**TUS, **pro["headers"], "Upload-Offset": "0",
                       "Content-Type": "application/offset+octet-stream"}
            first, second = await asyncio.gather(
                c.patch(path, content=slow_body(video), headers=headers),
                c.patch(path, content=slow_body(video), headers=headers))
            return sorted([first.status_code, second.status_code])

    assert asyncio.run(race()) == [204, 409]
    assert int(head(client, pro, url).headers["upload-offset"]) == len(video)
    clip_id = head(client, pro, url).headers["attune-clip-id"]
    stored = runtime.store.get_bytes(runtime.settings.s3_bucket_originals,
                                     f"cases/{case_id}/clips/{clip_id}/original")
    assert stored == video
    jobs = runtime.redis.lrange(f"rq:queue:{runtime.settings.queue_namespace}:transcode", 0, -1)
    assert len([j for j in jobs if clip_id.encode() in j]) == 1
