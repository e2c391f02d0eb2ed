"""Upload -> queue -> transcode -> stream, through the API, on real services."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import media
import pytest
from sqlalchemy import select, text
from support import create_case, post_clip, run_jobs, team_name, upload

from core.db.models import AuditEvent, Clip


@pytest.fixture(scope="module")
def clips_dir(media_dir: Path) -> Path:
    path = media_dir / "ingest"
    path.mkdir(exist_ok=True)
    return path


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_upload_transcode_and_stream(client: Any, runtime: Any, pro: dict[str, Any],
                                     clips_dir: Path) -> None:
    source = media.make_plain_h264(clips_dir, seconds=5, name="visit.mp4")
    case_id = create_case(client, pro["headers"])
    resp = post_clip(client, pro["headers"], case_id, source)
    assert resp.status_code == 202, resp.text
    clip = resp.json()
    assert clip["status"] == "queued" and clip["hls_url"] is None
    assert clip["size_bytes"] == source.stat().st_size

    run_jobs(runtime)

    clip = client.get(f"/api/clips/{clip['id']}", headers=pro["headers"]).json()
    assert clip["status"] == "ready", clip
    assert clip["progress"] == 1.0
    assert (clip["width"], clip["height"]) == (1280, 720)
    assert clip["duration_s"] == pytest.approx(5, abs=0.2)
    # the phone's own date of the recording is kept (the media served carry none)
    assert clip["recorded_at"] == media.CREATION_TIME
    listed = client.get(f"/api/cases/{case_id}/clips", headers=pro["headers"]).json()
    assert [c["id"] for c in listed] == [clip["id"]]

    # The signed URL works without a login (VLC, <video>) ...
    master = client.get(_path(clip["hls_url"]))
    assert master.status_code == 200
    assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    variants = [line for line in master.text.splitlines() if line and line[0] != "#"]
    assert len(variants) == 2 and all("?t=" in v for v in variants)
    assert "RESOLUTION=1280x720" in master.text and "RESOLUTION=640x360" in master.text

    base = clip["hls_url"].split("master.m3u8")[0]
    variant = client.get(_path(base + variants[0]))
    assert variant.status_code == 200
    assert '#EXT-X-MAP:URI="' in variant.text and "?t=" in variant.text
    segment = next(line for line in variant.text.splitlines() if ".m4s" in line)
    variant_dir = base + variants[0].split("?")[0].rsplit("/", 1)[0] + "/"
    whole = client.get(_path(variant_dir + segment))
    assert whole.status_code == 200 and len(whole.content) > 1000
    part = client.get(_path(variant_dir + segment), headers={"Range": "bytes=10-109"})
    assert part.status_code == 206
    assert part.content == whole.content[10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{len(whole.content)}"

    poster = client.get(_path(clip["poster_url"]))
    assert poster.status_code == 200 and poster.content[:3] == b"\xff\xd8\xff"
    storyboard = client.get(_path(clip["storyboard_url"]))
    assert storyboard.status_code == 200 and storyboard.text.startswith("WEBVTT")

    # ... and every read of the recording is in the audit log, with NEN 7513 fields.
    with runtime.db() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.object_id == clip["id"])
                            .order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    assert actions[:2] == ["upload_recording", "read_original"]
    assert {"view_clip", "view_poster", "view_storyboard"} <= set(actions)
    # Opened with the bare signed link (as VLC would): a use of the professional's
    # link, not a claim that the professional looked.
    view = next(e for e in events if e.action == "view_clip")
    assert (view.user_id, view.role, view.on_behalf_of, view.case_id, view.outcome) == (
        None, "link", f"link:{pro['id']}", case_id, "success")
    assert view.ip and view.at


def test_media_links_are_bound_to_clip_and_user_access(client: Any, runtime: Any, users: Any,
                                                       pro: dict[str, Any],
                                                       clips_dir: Path) -> None:
    source = media.make_no_audio(clips_dir)
    case_id = create_case(client, pro["headers"])
    clip_id = upload(client, pro["headers"], case_id, source)
    run_jobs(runtime)
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert clip["status"] == "ready", clip

    stranger = users.add("professional", team_name())
    assert client.get(f"/api/clips/{clip_id}", headers=stranger["headers"]).status_code == 404
    media_path = f"/api/clips/{clip_id}/media/master.m3u8"
    assert client.get(media_path, headers=stranger["headers"]).status_code == 404
    assert client.get(media_path).status_code == 401
    forged = _path(clip["hls_url"])[:-4] + "AAAA"
    resp = client.get(forged)
    assert resp.status_code == 403 and resp.json()["code"] == "bad_media_token"
    other_clip = _path(clip["hls_url"]).replace(clip_id, "0" * 32)
    assert client.get(other_clip).status_code == 403
    assert client.get(f"{media_path.replace('master.m3u8', '../../x.m3u8')}",
                      headers=pro["headers"]).status_code == 404

    with runtime.db() as db:
        denied = db.scalars(select(AuditEvent).where(
            AuditEvent.object_id == clip_id, AuditEvent.outcome == "denied")).all()
    assert [d.user_id for d in denied] == [stranger["id"]]


def test_expired_media_link_is_refused(client: Any, runtime: Any, pro: dict[str, Any],
                                       clips_dir: Path) -> None:
    from core import signing

    source = media.make_no_audio(clips_dir)
    clip_id = upload(client, pro["headers"], create_case(client, pro["headers"]), source)
    run_jobs(runtime)
    token = signing.sign(runtime.secret_key, {"k": "clip", "id": clip_id, "u": pro["id"]}, -1)
    resp = client.get(f"/api/clips/{clip_id}/media/master.m3u8", params={"t": token})
    assert resp.status_code == 403 and resp.json()["code"] == "bad_media_token"


@pytest.mark.parametrize("maker,status,code", [
    (media.make_empty, 400, "empty_file"),
    (media.make_text_as_mp4, 415, "not_video_text"),
    (media.make_image, 415, "not_video_image"),
    (media.make_audio_only, 415, "not_video_audio"),
])
def test_non_video_is_refused_at_upload(client: Any, runtime: Any, pro: dict[str, Any],
                                        clips_dir: Path, maker: Any, status: int,
                                        code: str) -> None:
    case_id = create_case(client, pro["headers"])
    resp = post_clip(client, pro["headers"], case_id, maker(clips_dir))
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    _assert_nothing_stored(client, runtime, pro, case_id)


def _assert_nothing_stored(client: Any, runtime: Any, user: dict[str, Any],
                           case_id: str) -> None:
    assert client.get(f"/api/cases/{case_id}/clips", headers=user["headers"]).json() == []
    prefix = f"cases/{case_id}/"
    assert runtime.store.list_keys(runtime.settings.s3_bucket_originals, prefix) == []
    uploads = runtime.store.client._list_multipart_uploads(
        runtime.settings.s3_bucket_originals, prefix=prefix)
    assert not uploads.uploads


def test_oversize_upload_is_refused_and_leaves_nothing(client: Any, runtime: Any,
                                                       pro: dict[str, Any], clips_dir: Path,
                                                       monkeypatch: Any) -> None:
    source = media.make_plain_h264(clips_dir, seconds=2, name="big.mp4")
    monkeypatch.setattr(runtime.settings, "max_upload_bytes", source.stat().st_size // 3)
    monkeypatch.setattr(runtime.settings, "upload_part_bytes", 1)  # S3 minimum applies
    case_id = create_case(client, pro["headers"])
    resp = post_clip(client, pro["headers"], case_id, source)
    assert resp.status_code == 413
    assert resp.json()["code"] == "too_large"
    _assert_nothing_stored(client, runtime, pro, case_id)


def test_declared_huge_upload_is_refused_before_reading(client: Any, pro: dict[str, Any]) -> None:
    case_id = create_case(client, pro["headers"])
    ten_gb = str(10 * 1024**3)
    resp = client.post(f"/api/cases/{case_id}/clips", content=b"x",
                       headers={**pro["headers"], "Content-Length": ten_gb,
                                "Content-Type": "multipart/form-data; boundary=x"})
    assert resp.status_code == 413


def test_missing_file_field_and_bad_body(client: Any, pro: dict[str, Any]) -> None:
    case_id = create_case(client, pro["headers"])
    resp = client.post(f"/api/cases/{case_id}/clips", headers=pro["headers"],
                       files={"other": ("a.txt", b"hello", "text/plain")})
    assert resp.status_code == 422 and resp.json()["code"] == "missing_file"
    resp = client.post(f"/api/cases/{case_id}/clips", headers=pro["headers"],
                       content=b"raw", )
    assert resp.status_code == 400 and resp.json()["code"] == "bad_multipart"


@pytest.mark.parametrize("maker,code", [
    (media.make_truncated, "truncated"),
    (media.make_tiny, "too_small_frame"),
])
def test_broken_video_fails_with_a_reason(client: Any, runtime: Any, pro: dict[str, Any],
                                          clips_dir: Path, maker: Any, code: str) -> None:
    case_id = create_case(client, pro["headers"])
    resp = post_clip(client, pro["headers"], case_id, maker(clips_dir))
    assert resp.status_code == 202, resp.text
    run_jobs(runtime)
    clip = client.get(f"/api/clips/{resp.json()['id']}", headers=pro["headers"]).json()
    assert clip["status"] == "failed"
    assert clip["error_code"] == code
    assert clip["error"] and "Traceback" not in clip["error"]
    assert clip["hls_url"] is None
    prefix = f"cases/{case_id}/clips/{clip['id']}/media/"
    assert runtime.store.list_keys(runtime.settings.s3_bucket_media, prefix) == []
    # the original stays, privately, for a later retry or download
    assert runtime.store.list_keys(runtime.settings.s3_bucket_originals, f"cases/{case_id}/")


def test_job_is_safe_to_run_twice(client: Any, runtime: Any, pro: dict[str, Any],
                                  clips_dir: Path) -> None:
    from core.db.models import ClipStatus
    from worker.transcode_job import transcode_clip

    case_id = create_case(client, pro["headers"])
    clip_id = upload(client, pro["headers"], case_id, media.make_no_audio(clips_dir))
    run_jobs(runtime)
    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        assert clip is not None
        first_prefix = clip.media_prefix
        clip.status = ClipStatus.queued  # as if the job were delivered a second time
    assert transcode_clip(clip_id) == "ready"
    assert transcode_clip(clip_id) == "skipped"
    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        assert clip is not None and clip.status is ClipStatus.ready
        assert clip.media_prefix != first_prefix
        assert len(clip.renditions) == 1
        prefix = clip.media_prefix
    keys = runtime.store.list_keys(runtime.settings.s3_bucket_media,
                                   f"cases/{case_id}/clips/{clip_id}/media/")
    assert keys and all(k.startswith(prefix) for k in keys)


def test_lost_job_is_requeued_by_the_sweeper(client: Any, runtime: Any, pro: dict[str, Any],
                                             clips_dir: Path, monkeypatch: Any) -> None:
    from worker.sweeper import sweep

    case_id = create_case(client, pro["headers"])
    clip_id = upload(client, pro["headers"], case_id, media.make_no_audio(clips_dir))
    runtime.redis.flushdb()  # Redis lost everything: the queued job is gone
    runtime.redis.set("attune-test:claimed-by", "ingest-test")
    monkeypatch.setattr(runtime.settings, "stale_after_s", 0)
    with runtime.db() as db:
        db.execute(text("UPDATE clips SET updated_at = updated_at - interval '1 minute' "
                        "WHERE id = :id"), {"id": clip_id})
    assert sweep(runtime) == [clip_id]
    assert sweep(runtime) == []  # the new job is alive: nothing to do
    run_jobs(runtime)
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert clip["status"] == "ready"


def _ffmpeg_processes_reading(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("ffmpeg") and marker in cmdline:
            pids.append(int(proc.name))
    return pids


def test_timeout_kills_ffmpeg_and_fails_the_clip(client: Any, runtime: Any, pro: dict[str, Any],
                                                 clips_dir: Path, monkeypatch: Any) -> None:
    case_id = create_case(client, pro["headers"])
    clip_id = upload(client, pro["headers"], case_id, media.make_no_audio(clips_dir))
    monkeypatch.setattr(runtime.settings, "job_timeout_base_s", 0)
    monkeypatch.setattr(runtime.settings, "job_timeout_factor", 0.0)
    run_jobs(runtime)
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert (clip["status"], clip["error_code"]) == ("failed", "timeout")
    assert "took" in clip["error"] or "time" in clip["error"]
    assert _ffmpeg_processes_reading(clip_id) == []
    assert not list((runtime.settings.data_dir / "tmp").iterdir()), "scratch space is cleaned"


def _unreachable_store_runtime(runtime: Any) -> Any:
    from support import free_port

    from core.runtime import Runtime

    return Runtime(runtime.settings.model_copy(
        update={"s3_endpoint": f"127.0.0.1:{free_port()}", "s3_region": "us-east-1"}))


def test_storage_hiccup_is_retried_not_failed(client: Any, runtime: Any, pro: dict[str, Any],
                                              clips_dir: Path) -> None:
    from rq.job import Job, JobStatus

    from core.runtime import set_runtime

    case_id = create_case(client, pro["headers"])
    clip_id = upload(client, pro["headers"], case_id, media.make_no_audio(clips_dir))
    set_runtime(_unreachable_store_runtime(runtime))
    try:
        run_jobs(runtime)
    finally:
        set_runtime(runtime)
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert (clip["status"], clip["error_code"]) == ("queued", "retrying")
    with runtime.db() as db:
        job_id = db.get(Clip, clip_id).job_id
    job = Job.fetch(job_id, connection=runtime.redis)
    assert job.get_status() == JobStatus.SCHEDULED, "RQ retries it after a back-off"
    assert job.retries_left == runtime.settings.job_retries - 1


def test_storage_down_for_good_fails_with_a_reason(client: Any, runtime: Any,
                                                   pro: dict[str, Any], clips_dir: Path) -> None:
    from core.runtime import set_runtime
    from worker.transcode_job import transcode_clip

    case_id = create_case(client, pro["headers"])
    clip_id = upload(client, pro["headers"], case_id, media.make_no_audio(clips_dir))
    set_runtime(_unreachable_store_runtime(runtime))
    try:
        with pytest.raises(Exception):  # noqa: B017 - RQ records it; the clip says why
            transcode_clip(clip_id)  # outside RQ: no retries left
    finally:
        set_runtime(runtime)
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert (clip["status"], clip["error_code"]) == ("failed", "storage_unavailable")
    assert "upload itself is safe" in clip["error"]


def test_corrupt_and_overlong_recordings_fail_clearly(client: Any, runtime: Any,
                                                      pro: dict[str, Any], clips_dir: Path,
                                                      monkeypatch: Any) -> None:
    case_id = create_case(client, pro["headers"])
    corrupt = upload(client, pro["headers"], case_id, media.make_corrupt(clips_dir))
    long = upload(client, pro["headers"], case_id, media.make_long_tiny(clips_dir, 30))
    monkeypatch.setattr(runtime.settings, "max_duration_s", 10)
    run_jobs(runtime)
    got = {c["id"]: c for c in client.get(f"/api/cases/{case_id}/clips",
                                          headers=pro["headers"]).json()}
    assert got[corrupt]["status"] == "failed" and got[corrupt]["error_code"] in (
        "corrupt", "transcode_failed")
    assert got[long]["status"] == "failed" and got[long]["error_code"] == "too_long"
    assert "maximum" in got[long]["error"]


def test_supervisor_of_the_team_can_watch(client: Any, runtime: Any, users: Any,
                                          clips_dir: Path) -> None:
    team = team_name()
    pro, supervisor = users.add("professional", team), users.add("supervisor", team)
    case_id = create_case(client, pro["headers"])
    clip_id = upload(client, pro["headers"], case_id, media.make_no_audio(clips_dir))
    run_jobs(runtime)
    clip = client.get(f"/api/clips/{clip_id}", headers=supervisor["headers"]).json()
    assert clip["status"] == "ready"
    assert client.get(_path(clip["hls_url"])).status_code == 200
    assert post_clip(client, supervisor["headers"], case_id, b"x", "a.mp4").status_code == 403
