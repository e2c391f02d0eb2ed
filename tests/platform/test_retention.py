"""Consent per purpose, closing a case, and the retention purge that removes its
recordings, through the API and the worker, on real services."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import media
import pytest
from sqlalchemy import func, select
from support import create_case, post_clip, ready_clip, run_jobs

from core.db.models import (
    AnnotationSet,
    AuditEvent,
    Case,
    CaseAccess,
    Clip,
    Comment,
    Playlist,
    PlaylistStatus,
    Share,
    Upload,
)

TUS = {"Tus-Resumable": "1.0.0"}
PART = 5 * 1024 * 1024  # the smallest S3 part


# -- fixtures and helpers ---------------------------------------------------------------

#: The case's owner, a supervisor and a colleague of the same team, and a
#: professional of another team.
PEOPLE = {"pro": "professional", "sup": "supervisor", "colleague": "professional",
          "stranger": "professional@elsewhere"}


@pytest.fixture(scope="module")
def source(media_dir: Path) -> Path:
    """One small recording, quick to transcode."""
    return media.make_plain_h264(media_dir, width=320, height=240, seconds=1, audio=False,
                                 name="retention.mp4")


def _tus_create(client: Any, user: dict[str, Any], case_id: str, length: int) -> Any:
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"case_id": case_id, "filename": "bad.mp4"}.items())
    return client.post("/api/uploads/", headers={**TUS, **user["headers"],
                                                 "Upload-Length": str(length),
                                                 "Upload-Metadata": meta})


def _tus_patch(client: Any, user: dict[str, Any], url: str, data: bytes) -> Any:
    return client.patch(url, content=data, headers={
        **TUS, **user["headers"], "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream"})


def _annotate(client: Any, user: dict[str, Any], clip_id: str) -> str:
    resp = client.post(f"/api/clips/{clip_id}/sets", json={}, headers=user["headers"])
    assert resp.status_code == 201, resp.text
    set_id = str(resp.json()["id"])
    resp = client.post(f"/api/sets/{set_id}/annotations", headers=user["headers"],
                       json={"code": "SHARED_JOY", "start_ms": 200, "note": "lacht"})
    assert resp.status_code == 201, resp.text
    return set_id


def _playlist_with_share(runtime: Any, case_id: str, owner_id: str) -> tuple[str, str]:
    """A rendered playlist and a live family link to it, as the review service makes them."""
    with runtime.db() as db:
        playlist = Playlist(case_id=case_id, owner_id=owner_id, title="Bezoek 3",
                            status=PlaylistStatus.ready)
        db.add(playlist)
        db.flush()
        playlist.media_prefix = f"cases/{case_id}/playlists/{playlist.id}/r1/"
        share = Share(playlist_id=playlist.id, token_hash=secrets.token_hex(32),
                      expires_at=datetime.now(UTC) + timedelta(days=7), created_by=owner_id)
        db.add(share)
        db.flush()
        return playlist.id, share.id


def _keys(runtime: Any, case_id: str) -> dict[str, list[str]]:
    prefix = f"cases/{case_id}/"
    return {bucket: runtime.store.list_keys(bucket, prefix)
            for bucket in (runtime.settings.s3_bucket_originals,
                           runtime.settings.s3_bucket_media)}


def _multipart_uploads(runtime: Any, case_id: str) -> list[Any]:
    return list(runtime.store.client._list_multipart_uploads(
        runtime.settings.s3_bucket_originals, prefix=f"cases/{case_id}/").uploads or [])


def _audit(runtime: Any, case_id: str, action: str) -> list[AuditEvent]:
    with runtime.db() as db:
        return list(db.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)).all())


def _set_status(runtime: Any, clip_id: str, status: Any) -> None:
    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        assert clip is not None
        clip.status = status


def _close_for_purge(client: Any, runtime: Any, user: dict[str, Any], case_id: str,
                     monkeypatch: Any) -> None:
    """Close with no grace period, so the case is due at once."""
    monkeypatch.setattr(runtime.settings, "retention_grace_days", 0)
    resp = client.post(f"/api/cases/{case_id}/close", headers=user["headers"])
    assert resp.status_code == 200, resp.text


# -- consent ----------------------------------------------------------------------------

def test_owner_and_supervisor_record_consent(client: Any, runtime: Any,
                                             people: dict[str, Any]) -> None:
    pro, sup = people["pro"], people["sup"]
    case_id = create_case(client, pro["headers"])
    fresh = client.get(f"/api/cases/{case_id}", headers=pro["headers"]).json()
    assert fresh["status"] == "open" and fresh["may_manage"] is True
    assert fresh["consent"] == {"feedback": False, "supervision": False, "training": False,
                                "updated_at": None}

    flags = {"feedback": True, "supervision": True, "training": False}
    resp = client.put(f"/api/cases/{case_id}/consent", json=flags, headers=pro["headers"])
    assert resp.status_code == 200, resp.text
    consent = resp.json()["consent"]
    assert {k: consent[k] for k in flags} == flags and consent["updated_at"]

    withdrawn = {"feedback": False, "supervision": True, "training": False}
    resp = client.put(f"/api/cases/{case_id}/consent", json=withdrawn, headers=sup["headers"])
    assert resp.status_code == 200, resp.text
    assert resp.json()["consent"]["feedback"] is False
    with runtime.db() as db:
        case = db.get(Case, case_id)
        assert case is not None and case.consent_updated_by == sup["id"]

    events = _audit(runtime, case_id, "update_consent")
    assert [(e.user_id, e.object_type, e.outcome) for e in events] == [
        (pro["id"], "case", "success"), (sup["id"], "case", "success")]
    assert json.loads(events[-1].detail or "") == withdrawn


def test_consent_is_refused_to_others(client: Any, runtime: Any,
                                      people: dict[str, Any]) -> None:
    pro = people["pro"]
    case_id = create_case(client, pro["headers"])
    with runtime.db() as db:
        db.add(CaseAccess(case_id=case_id, user_id=people["colleague"]["id"]))
    flags = {"feedback": True, "supervision": False, "training": False}
    url = f"/api/cases/{case_id}/consent"
    seen = client.get(f"/api/cases/{case_id}", headers=people["colleague"]["headers"]).json()
    assert seen["may_manage"] is False

    for refused in (client.put(url, json=flags, headers=people["colleague"]["headers"]),
                    client.post(f"/api/cases/{case_id}/close",
                                headers=people["colleague"]["headers"])):
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_case_manager"
    assert client.put(url, json=flags, headers=people["stranger"]["headers"]).status_code == 404

    missing = client.put(url, json={"feedback": True}, headers=pro["headers"])
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"supervision", "training"}
    vague = client.put(url, json={**flags, "training": "yes"}, headers=pro["headers"])
    assert vague.status_code == 422 and vague.json()["errors"][0]["field"] == "training"
    assert _audit(runtime, case_id, "update_consent") == []


def test_require_consent_names_the_purpose_and_the_fix(client: Any, runtime: Any,
                                                       people: dict[str, Any]) -> None:
    from core import errors
    from core.web import domain_status
    from services.cases import require_consent

    case_id = create_case(client, people["pro"]["headers"])
    client.put(f"/api/cases/{case_id}/consent", headers=people["pro"]["headers"],
               json={"feedback": False, "supervision": True, "training": False})
    with runtime.db() as db:
        case = db.get(Case, case_id)
        assert case is not None
        require_consent(case, "supervision")
        with pytest.raises(errors.Conflict) as refused:
            require_consent(case, "feedback")
        with pytest.raises(ValueError):
            require_consent(case, "marketing")
    assert domain_status(refused.value) == 409
    assert refused.value.code == "no_consent_feedback"
    assert "family" in refused.value.detail and "'feedback': true" in refused.value.detail


# -- closing ----------------------------------------------------------------------------

def test_close_stops_links_and_uploads_until_reopened(client: Any, runtime: Any,
                                                      people: dict[str, Any], source: Path,
                                                      monkeypatch: Any) -> None:
    monkeypatch.setattr(runtime.settings, "upload_part_bytes", PART)
    monkeypatch.setattr(runtime.settings, "retention_grace_days", 2.5)
    pro, sup = people["pro"], people["sup"]
    case_id = create_case(client, pro["headers"])
    _, share_id = _playlist_with_share(runtime, case_id, pro["id"])
    started = _tus_create(client, pro, case_id, 1000)
    assert started.status_code == 201

    assert client.post(f"/api/cases/{case_id}/close",
                       headers=people["colleague"]["headers"]).status_code == 404
    resp = client.post(f"/api/cases/{case_id}/close", headers=pro["headers"])
    assert resp.status_code == 200, resp.text
    closed = resp.json()
    closed_at = datetime.fromisoformat(closed["closed_at"])
    assert closed["status"] == "closed"
    assert abs(closed_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert datetime.fromisoformat(closed["purge_after"]) - closed_at == timedelta(days=2.5)
    with runtime.db() as db:
        share = db.get(Share, share_id)
        assert share is not None and share.revoked_at is not None
    [event] = _audit(runtime, case_id, "close_case")
    assert event.user_id == pro["id"] and json.loads(event.detail or "")["shares_revoked"] == 1

    plain = post_clip(client, pro["headers"], case_id, source)
    tus = _tus_create(client, pro, case_id, 1000)
    more = _tus_patch(client, pro, started.headers["location"], source.read_bytes()[:1000])
    for refused in (plain, tus, more):
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "case_closed"
    assert client.get(f"/api/cases/{case_id}/clips", headers=pro["headers"]).status_code == 200
    again = client.post(f"/api/cases/{case_id}/close", headers=pro["headers"])
    assert again.status_code == 409 and again.json()["code"] == "case_closed"

    resp = client.post(f"/api/cases/{case_id}/reopen", headers=sup["headers"])
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["closed_at"], resp.json()["purge_after"]) == (
        "open", None, None)
    assert _tus_create(client, pro, case_id, 1000).status_code == 201
    with runtime.db() as db:
        share = db.get(Share, share_id)
        assert share is not None and share.revoked_at is not None, "a new link is a new share"
    assert len(_audit(runtime, case_id, "reopen_case")) == 1
    not_closed = client.post(f"/api/cases/{case_id}/reopen", headers=pro["headers"])
    assert not_closed.status_code == 409 and not_closed.json()["code"] == "case_open"


# -- the purge --------------------------------------------------------------------------

def test_purge_removes_every_recording_of_the_case(client: Any, runtime: Any,
                                                   people: dict[str, Any], source: Path,
                                                   monkeypatch: Any) -> None:
    from worker.purge_job import purge_case
    from worker.sweeper import sweep_retention

    monkeypatch.setattr(runtime.settings, "upload_part_bytes", PART)
    pro = people["pro"]
    clip = ready_clip(runtime, client, pro["headers"], source, filename=source.name)
    case_id = clip["case_id"]
    set_id = _annotate(client, pro, clip["id"])
    playlist_id, share_id = _playlist_with_share(runtime, case_id, pro["id"])
    playlist_prefix = f"cases/{case_id}/playlists/{playlist_id}/"
    for name in ("r1/master.m3u8", "r1/seg-0.m4s", "r1/poster.jpg"):
        runtime.store.put_bytes(runtime.settings.s3_bucket_media, playlist_prefix + name,
                                b"rendered", "application/octet-stream")
    unfinished = source.read_bytes() + b"\0" * (PART + 10)
    upload = _tus_create(client, pro, case_id, len(unfinished) + 1)
    assert _tus_patch(client, pro, upload.headers["location"],
                      unfinished[:PART + 10]).status_code == 204
    assert _multipart_uploads(runtime, case_id), "an unfinished upload holds S3 parts"
    before = {bucket: len(keys) for bucket, keys in _keys(runtime, case_id).items()}
    assert all(before.values())

    _close_for_purge(client, runtime, pro, case_id, monkeypatch)
    late = client.post(f"/api/cases/{case_id}/reopen", headers=pro["headers"])
    assert late.status_code == 409 and late.json()["code"] == "case_purging"
    assert sweep_retention(runtime) == [case_id]
    assert sweep_retention(runtime) == [], "the queued purge is not queued twice"
    run_jobs(runtime)

    assert _keys(runtime, case_id) == {bucket: [] for bucket in before}
    assert _multipart_uploads(runtime, case_id) == []
    with runtime.db() as db:
        stored = db.get(Clip, clip["id"])
        assert stored is not None
        assert (stored.status.value, stored.media_prefix, stored.renditions, stored.progress,
                stored.error) == ("purged", None, [], 0.0, None)
        playlist = db.get(Playlist, playlist_id)
        assert playlist is not None
        assert (playlist.status, playlist.media_prefix) == (PlaylistStatus.purged, None)
        share = db.get(Share, share_id)
        assert share is not None and share.revoked_at is not None
        assert db.scalar(select(Upload.state).join(Clip).where(
            Clip.case_id == case_id, Clip.id != clip["id"])).value == "expired"
    case = client.get(f"/api/cases/{case_id}", headers=pro["headers"]).json()
    assert case["status"] == "purged" and case["purged_at"]

    [event] = _audit(runtime, case_id, "purge_case")
    detail = json.loads(event.detail or "")
    assert (event.user_id, event.role, event.object_type) == (None, "system", "case")
    originals, media_bucket = runtime.settings.s3_bucket_originals, runtime.settings.s3_bucket_media
    # the unfinished upload's tail object went with its aborted upload
    assert detail["objects"] == {originals: before[originals] - 1,
                                 media_bucket: before[media_bucket]}
    assert detail["annotations"] == "kept" and detail["uploads_aborted"] == 1
    media_prefixes = detail["prefixes"][media_bucket]
    assert f"cases/{case_id}/clips/{clip['id']}/" in media_prefixes
    assert playlist_prefix in media_prefixes
    kept = client.get(f"/api/sets/{set_id}", headers=pro["headers"])
    assert kept.status_code == 200 and kept.json()["annotations"][0]["note"] == "lacht"

    gone = client.get(f"/api/clips/{clip['id']}/media/master.m3u8", headers=pro["headers"])
    assert gone.status_code == 410 and gone.json()["code"] == "clip_purged"
    old_link = clip["hls_url"].split("/api/", 1)[1]
    assert client.get(f"/api/{old_link}").status_code == 410
    listed = client.get(f"/api/clips/{clip['id']}", headers=pro["headers"]).json()
    assert (listed["status"], listed["hls_url"]) == ("purged", None)

    assert sweep_retention(runtime) == []
    assert purge_case(case_id) == "already_purged"
    reopen = client.post(f"/api/cases/{case_id}/reopen", headers=pro["headers"])
    assert reopen.status_code == 409 and reopen.json()["code"] == "case_purged"
    assert post_clip(client, pro["headers"], case_id, source).json()["code"] == "case_closed"


def test_purge_waits_retries_and_can_drop_annotations(client: Any, runtime: Any,
                                                      people: dict[str, Any], source: Path,
                                                      monkeypatch: Any) -> None:
    from core.db.models import ClipStatus
    from worker.purge_job import PurgeDeferred, PurgeIncomplete, purge_case
    from worker.sweeper import sweep_retention

    monkeypatch.setattr(runtime.settings, "retention_keep_annotations", False)
    pro = people["pro"]
    clip = ready_clip(runtime, client, pro["headers"], source, filename=source.name)
    case_id = clip["case_id"]
    set_id = _annotate(client, pro, clip["id"])
    with runtime.db() as db:
        db.add(Comment(clip_id=clip["id"], set_id=set_id, body="mooi moment",
                       author_id=people["sup"]["id"]))
    _close_for_purge(client, runtime, pro, case_id, monkeypatch)

    _set_status(runtime, clip["id"], ClipStatus.processing)  # a transcode still writing
    with pytest.raises(PurgeDeferred):
        purge_case(case_id)
    _set_status(runtime, clip["id"], ClipStatus.ready)

    with monkeypatch.context() as m:  # the store drops the deletes on the floor
        m.setattr(runtime.store, "delete_prefix", lambda bucket, prefix: 0)
        with pytest.raises(PurgeIncomplete, match="remain"):
            purge_case(case_id)
    with runtime.db() as db:
        case = db.get(Case, case_id)
        assert case is not None and case.purged_at is None
    assert _audit(runtime, case_id, "purge_case") == []

    assert sweep_retention(runtime) == [case_id]
    run_jobs(runtime)
    assert all(keys == [] for keys in _keys(runtime, case_id).values())
    with runtime.db() as db:
        assert db.scalar(select(func.count()).select_from(AnnotationSet)
                         .where(AnnotationSet.clip_id == clip["id"])) == 0
        assert db.scalar(select(func.count()).select_from(Comment)
                         .where(Comment.clip_id == clip["id"])) == 0
    [event] = _audit(runtime, case_id, "purge_case")
    detail = json.loads(event.detail or "")
    # the professional's set and the analysis' suggestions
    assert (detail["annotations"], detail["annotation_sets_deleted"]) == ("deleted", 2)
    assert client.get(f"/api/sets/{set_id}", headers=pro["headers"]).status_code == 404
