"""The requests of an opened view (its rendition playlists and segments):
answered from the view's own signed link, without the database, and only for
the login that opened the view (or for no login at all, as a player such as VLC
sends). Opening the view (the master playlist) always gets the full checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import media
import pytest
from support import make_people, ready_clip, sql_statements, team_name


@pytest.fixture(scope="module")
def view(runtime: Any, app: Any, api: Any, media_dir: Path) -> dict[str, Any]:
    """A ready clip opened by its owner: the signed URLs of its files."""
    people = make_people(runtime, app, team_name(), pro="professional",
                         colleague="professional", supervisor="supervisor",
                         stranger="professional@elsewhere")
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=6)
    clip = ready_clip(runtime, api, people["pro"]["headers"], source, "Gezin 2026-882")
    master_url = f"http://testserver/api/clips/{clip['id']}/media/master.m3u8"
    master = api.get(master_url, headers=people["pro"]["headers"])
    assert master.status_code == 200
    variant_url = urljoin(master_url, _uris(master.text)[0])
    variant = api.get(variant_url, headers=people["pro"]["headers"])
    segments = [urljoin(variant_url, uri) for uri in _uris(variant.text)]
    return {"clip": clip, "segments": segments, "variant": variant_url, **people}


def _uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def test_a_segment_of_an_opened_view_needs_no_database(view: dict[str, Any], api: Any,
                                                       runtime: Any) -> None:
    with sql_statements() as sent:
        for url in view["segments"]:
            assert api.get(url, headers=view["pro"]["headers"]).status_code == 200
            assert api.get(url).status_code == 200  # the link alone, as VLC plays it
    assert sent == []


def test_another_login_with_the_view_link_is_refused_and_logged(view: dict[str, Any],
                                                               api: Any) -> None:
    for name in ("colleague", "supervisor", "stranger"):
        answer = api.get(view["segments"][0], headers=view[name]["headers"])
        assert answer.status_code == 403, name
        assert answer.json()["code"] == "media_link_not_yours"


def test_a_link_for_another_file_or_object_or_forged_goes_the_long_way(
        view: dict[str, Any], api: Any) -> None:
    segment = view["segments"][0]
    token = segment.split("t=", 1)[1]
    unsigned = segment.split("?", 1)[0]
    # A link that does not name the view's files (the clip's own hls_url) still works,
    # through the full checks.
    clip = api.get(f"/api/clips/{view['clip']['id']}", headers=view["pro"]["headers"]).json()
    plain = clip["hls_url"].split("t=", 1)[1]
    assert api.get(f"{unsigned}?t={plain}").status_code == 200
    # Someone else's clip with this link; a forged link; a tampered one.
    other = unsigned.replace(view["clip"]["id"], "0" * 32)
    assert api.get(f"{other}?t={token}").status_code == 403
    assert api.get(f"{unsigned}?t=forged").status_code == 403
    payload, mac = token.split(".")
    assert api.get(f"{unsigned}?t={payload}x.{mac}").status_code == 403
    # A path that is no media file, with a good link.
    assert api.get(f"{unsigned.rsplit('/', 1)[0]}/../secret.key?t={token}").status_code == 404


def test_opening_files_always_get_the_full_checks(view: dict[str, Any], api: Any,
                                                  runtime: Any) -> None:
    token = view["segments"][0].split("t=", 1)[1]
    base = f"/api/clips/{view['clip']['id']}/media"
    for opening in ("poster.jpg", "master.m3u8"):
        with sql_statements() as sent:
            assert api.get(f"{base}/{opening}?t={token}").status_code == 200
        assert any("audit_events" in s for s in sent), f"opening {opening} is logged"


def test_a_rendition_playlist_of_an_opened_view_needs_no_database(
        view: dict[str, Any], api: Any, runtime: Any) -> None:
    token = view["segments"][0].split("t=", 1)[1]
    variant = f"{view['variant'].split('?', 1)[0]}?t={token}"
    with sql_statements() as sent:
        answer = api.get(variant, headers=view["pro"]["headers"])
    assert answer.status_code == 200 and sent == []
    assert _uris(answer.text) == [u.rsplit("/", 1)[1] for u in view["segments"]]
    assert api.get(variant, headers=view["stranger"]["headers"]).status_code == 403


def test_a_file_gone_from_the_store_is_not_found(view: dict[str, Any], api: Any,
                                                 runtime: Any) -> None:
    from core.db.models import Clip

    with runtime.db() as db:
        prefix = db.get(Clip, view["clip"]["id"]).media_prefix
    last = view["segments"][-1]
    key = prefix + last.split("/media/", 1)[1].split("?", 1)[0]
    runtime.store.delete(runtime.settings.s3_bucket_media, key)
    answer = api.get(last)
    assert answer.status_code == 404
    assert answer.json()["code"] == "media_file_not_found"
