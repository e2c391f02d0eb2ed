"""Attune behind nginx, as docker-compose.yml runs it: the API decides who may
watch and logs it, nginx streams the bytes from the S3 store.

Real nginx (Debian's), with the production server block
(deploy/nginx/attune.conf.template), in front of a real uvicorn and the
SeaweedFS S3 server the suite runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import media
import pytest
from front import Front, start_front
from support import free_port, make_people, ready_clip, team_name
from test_playlists import (
    HLS_JS,
    PLAYER,
    browser,  # noqa: F401 (the fixture)
)


@pytest.fixture(scope="module")
def front(runtime: Any, live_url: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Front]:
    """nginx on a free port before the suite's API, which hands media to it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runtime.settings, "store_proxy", "/_store/")
        started = start_front(tmp_path_factory.mktemp("nginx"), free_port(),
                              [live_url.removeprefix("http://")], runtime.settings.s3_endpoint)
        try:
            yield started
        finally:
            started.stop()


@pytest.fixture(scope="module")
def watched(runtime: Any, app: Any, api: Any, media_dir: Path) -> dict[str, Any]:
    """A ready clip, its owner and a professional of another team."""
    people = make_people(runtime, app, team_name(), pro="professional",
                         stranger="professional@elsewhere")
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=6)
    clip = ready_clip(runtime, api, people["pro"]["headers"], source, "Gezin 2026-880")
    return {"clip": clip, **people}


def _uris(playlist: str) -> list[str]:
    uris = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    return uris + re.findall(r'URI="([^"]+)"', playlist)


def _key(runtime: Any, url: str, clip: dict[str, Any]) -> str:
    """The store key of the object a media URL (the API's, or a store link) names."""
    from core.db.models import Clip

    path = url.split("?", 1)[0]
    if "/_store/" in path:
        return path.split("/_store/", 1)[1].split("/", 1)[1]
    with runtime.db() as db:
        prefix = db.get(Clip, clip["id"]).media_prefix
    return f"{prefix}{path.split('/media/', 1)[1]}"


def _stored(runtime: Any, url: str, clip: dict[str, Any]) -> bytes:
    """The object a media URL names, read straight from the store."""
    data: bytes = runtime.store.get_bytes(runtime.settings.s3_bucket_media,
                                          _key(runtime, url, clip))
    return data


def test_a_clip_plays_through_nginx_byte_for_byte(front: Front, watched: dict[str, Any],
                                                  runtime: Any) -> None:
    headers = watched["pro"]["headers"]
    master_url = f"{front.url}/api/clips/{watched['clip']['id']}/media/master.m3u8"
    with httpx.Client(headers=headers, timeout=30) as http:
        master = http.get(master_url)
        assert master.status_code == 200, master.text
        assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
        variant_url = urljoin(master_url, _uris(master.text)[0])
        variant = http.get(variant_url)
        assert variant.status_code == 200
        segments = [urljoin(variant_url, uri) for uri in _uris(variant.text)]
        assert len(segments) >= 2
        # The view's segments (and its init file) are store links on Attune's own address.
        init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', variant.text)
        assert init is not None and init.group(1).startswith("/_store/")
        assert all(uri.startswith("/_store/") for uri in _uris(variant.text))
        for url in [urljoin(variant_url, init.group(1)), *segments]:
            whole = http.get(url)
            assert whole.status_code == 200, whole.text
            assert whole.content == _stored(runtime, url, watched["clip"])
            assert whole.headers["content-type"] in ("video/iso.segment", "video/mp4")
            assert whole.headers["x-content-type-options"] == "nosniff"
            assert "x-accel-redirect" not in whole.headers
            assert not [h for h in whole.headers if "amz" in h], "nothing of the store's own"
        poster = http.get(f"{front.url}/api/clips/{watched['clip']['id']}/media/poster.jpg")
        assert poster.status_code == 200 and poster.content[:2] == b"\xff\xd8"


def test_hls_js_plays_a_clip_through_nginx_to_its_end(
        front: Front, watched: dict[str, Any], browser: Any) -> None:  # noqa: F811
    """The web app's player: hls.js in Chromium, with the session the app has, follows
    the store links of the playlists it is given."""
    clip = httpx.get(f"{front.url}/api/clips/{watched['clip']['id']}",
                     headers=watched["pro"]["headers"]).json()
    hls_url = front.url + "/" + clip["hls_url"].split("://", 1)[1].split("/", 1)[1]
    page = browser.new_page()
    page.route(f"{front.url}/player", lambda route: route.fulfill(
        content_type="text/html", body=PLAYER.replace("HLS_URL", repr(hls_url))))
    page.route(f"{front.url}/hls.js", lambda route: route.fulfill(
        content_type="text/javascript", body=HLS_JS.read_text()))
    store_requests: list[str] = []
    page.on("request", lambda request: store_requests.append(request.url)
            if "/_store/" in request.url else None)
    page.goto(f"{front.url}/player")
    page.wait_for_function("window.report.ended", timeout=60_000)
    report = page.evaluate("window.report")
    page.close()
    assert report["errors"] == [] and report["stalls"] == 0, report
    assert store_requests, "the segments came through nginx's store location"


def test_byte_ranges_are_answered_by_the_store_through_nginx(
        front: Front, watched: dict[str, Any], runtime: Any) -> None:
    headers = watched["pro"]["headers"]
    master_url = f"{front.url}/api/clips/{watched['clip']['id']}/media/master.m3u8"
    with httpx.Client(headers=headers, timeout=30) as http:
        variant_url = urljoin(master_url, _uris(http.get(master_url).text)[0])
        segment = urljoin(variant_url, _uris(http.get(variant_url).text)[-1])
        data = _stored(runtime, segment, watched["clip"])
        part = http.get(segment, headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
        assert part.content == data[100:1100]
        tail = http.get(segment, headers={"Range": "bytes=-200"})
        assert tail.status_code == 206 and tail.content == data[-200:]
        beyond = http.get(segment, headers={"Range": f"bytes={len(data) + 10}-"})
        assert beyond.status_code == 416
        # Gone from the store mid-view (a purge): the API's own 404, not the store's.
        runtime.store.delete(runtime.settings.s3_bucket_media,
                             _key(runtime, segment, watched["clip"]))
        gone = http.get(segment)
        assert gone.status_code == 404 and gone.json()["code"] == "media_file_not_found"


def test_nginx_streams_only_what_the_api_allowed(front: Front, watched: dict[str, Any],
                                                 runtime: Any) -> None:
    clip_id = watched["clip"]["id"]
    owner = watched["pro"]["headers"]
    master_url = f"{front.url}/api/clips/{clip_id}/media/master.m3u8"
    with httpx.Client(timeout=30) as http:
        # Opening the view: no login and no link, someone of another team, a forged link.
        assert http.get(master_url).status_code == 401
        assert http.get(master_url, headers=watched["stranger"]["headers"]).status_code == 404
        assert http.get(f"{master_url}?t=forged").status_code == 403
        variant_url = urljoin(master_url, _uris(http.get(master_url, headers=owner).text)[0])
        segment = urljoin(variant_url, _uris(http.get(variant_url, headers=owner).text)[0])
        # A store link works alone, as it does for a player that sends no login ...
        assert http.get(segment).status_code == 200
        path, query = segment.split("?", 1)
        other = urljoin(variant_url, _uris(http.get(variant_url, headers=owner).text)[1])
        refused = {
            "no link": path,
            "the store's bucket list": f"{front.url}/_store/",
            "another object with this link": f"{other.split('?', 1)[0]}?{query}",
            "a changed signature": segment[:-4] + ("0000" if not segment.endswith("0000")
                                                   else "1111"),
        }
        for what, url in refused.items():
            answer = http.get(url)
            assert answer.status_code == 403, what
            assert answer.json()["code"] == "bad_media_token", what
        # ... and only for reading.
        for method in ("PUT", "DELETE", "POST"):
            assert http.request(method, segment, content=b"x").status_code == 403, method
        assert _stored(runtime, segment, watched["clip"])[:4] != b"x"


def test_a_store_link_ends_when_it_expires(front: Front, watched: dict[str, Any],
                                           runtime: Any) -> None:
    import time

    from core.delivery import store_link

    key = _key(runtime, f"/api/clips/{watched['clip']['id']}/media/poster.jpg",
               watched["clip"])
    link = store_link(runtime.store, runtime.settings.s3_bucket_media, key, "/_store/", 1)
    time.sleep(2.5)
    answer = httpx.get(f"{front.url}{link}")
    assert answer.status_code == 403 and answer.json()["code"] == "bad_media_token"


def test_opening_a_clip_through_nginx_is_logged_with_the_caller(
        front: Front, watched: dict[str, Any], runtime: Any) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    clip_id = watched["clip"]["id"]
    response = httpx.get(f"{front.url}/api/clips/{clip_id}/media/master.m3u8",
                         headers={**watched["pro"]["headers"], "X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 200
    with runtime.db() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.object_id == clip_id,
                                                    AuditEvent.action == "view_clip")
                           .order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.user_id == watched["pro"]["id"]
    # nginx passes on where the request came from, not what the client claims.
    assert event.ip == "127.0.0.1"


def test_an_upload_through_nginx_arrives_whole(front: Front, watched: dict[str, Any],
                                               media_dir: Path, runtime: Any) -> None:
    """tus through nginx: every PATCH reaches the API as it is sent, resumable."""
    from tusclient import client as tus_client

    headers = watched["pro"]["headers"]
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=4)
    case = httpx.post(f"{front.url}/api/cases", json={"label": "Gezin 2026-881"},
                      headers=headers)
    assert case.status_code == 201, case.text
    uploader = tus_client.TusClient(f"{front.url}/api/uploads/", headers=headers).uploader(
        str(source), chunk_size=64 * 1024,
        metadata={"filename": "bad.mp4", "case_id": case.json()["id"]})
    uploader.upload()
    assert uploader.offset == source.stat().st_size
    head = httpx.head(str(uploader.url), headers={**headers, "Tus-Resumable": "1.0.0"})
    assert head.headers["upload-offset"] == str(source.stat().st_size)
    clip = httpx.get(f"{front.url}/api/clips/{head.headers['attune-clip-id']}",
                     headers=headers).json()
    assert clip["size_bytes"] == source.stat().st_size and clip["status"] == "queued"
    with runtime.db() as db:
        from core.db.models import Clip

        key = db.get(Clip, clip["id"]).original_key
    stored = runtime.store.get_bytes(runtime.settings.s3_bucket_originals, key)
    assert hashlib.sha256(stored).digest() == hashlib.sha256(source.read_bytes()).digest()
