"""Building and rendering a visit playlist the way a professional does: pick
moments from the case's coding, set a question and slow motion or a freeze,
render, and play it; with every refusal readable and nothing half-rendered
ever served."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import media
import pytest
from support import clip_when_ready, ready_clip, run_jobs, upload

PEOPLE = {"pro": "professional", "sup": "supervisor", "stranger": "professional@elsewhere",
          "admin": "admin"}


@pytest.fixture(scope="module")
def clips(runtime: Any, app: Any, media_dir: Path,
          people: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Two ready clips of one family and one of another family."""
    from fastapi.testclient import TestClient

    bath = media.make_plain_h264(media_dir, width=320, height=240, seconds=10,
                                 name="playlist_bath.mp4")
    headers = people["pro"]["headers"]
    with TestClient(app) as client:
        first = ready_clip(runtime, client, headers, bath, "Gezin 2026-201")
        second_id = upload(client, headers, first["case_id"], bath, "voeden.mp4")
        other = ready_clip(runtime, client, headers, bath, "Gezin 2026-202")
        second = clip_when_ready(runtime, client, headers, second_id)
    return {"bath": first, "feeding": second, "other_family": other}


@pytest.fixture(scope="module")
def coded(app: Any, clips: dict[str, Any], people: dict[str, Any]) -> dict[str, str]:
    """The bath clip's coding: a shared smile, a mismatch and its repair, a still."""
    from fastapi.testclient import TestClient

    headers = people["pro"]["headers"]
    with TestClient(app) as client:
        made = client.post(f"/api/clips/{clips['bath']['id']}/sets", json={}, headers=headers)
        set_id = made.json()["id"]

        def add(**body: Any) -> str:
            resp = client.post(f"/api/sets/{set_id}/annotations", json=body, headers=headers)
            assert resp.status_code == 201, resp.text
            return str(resp.json()["id"])

        ids = {"joy": add(code="SHARED_JOY", start_ms=1_000),
               "mismatch": add(code="MISMATCH", start_ms=3_000, end_ms=4_500),
               "still": add(code="STILL", start_ms=7_000)}
        ids["repair"] = add(code="REPAIR", start_ms=5_000, repairs=ids["mismatch"])
    return ids


def _playlist(client: Any, user: dict[str, Any], case_id: str,
              title: str = "Bezoek 3 december") -> dict[str, Any]:
    resp = client.post(f"/api/cases/{case_id}/playlists", json={"title": title},
                       headers=user["headers"])
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _add(client: Any, user: dict[str, Any], playlist_id: str, **body: Any) -> Any:
    return client.post(f"/api/playlists/{playlist_id}/items", json=body,
                       headers=user["headers"])


# -- building --------------------------------------------------------------------------

def test_moments_from_annotations_get_sensible_ranges(
        client: Any, people: dict[str, Any], clips: dict[str, Any],
        coded: dict[str, str]) -> None:
    pro = people["pro"]
    playlist = _playlist(client, pro, clips["bath"]["case_id"])
    for key in ("joy", "mismatch", "still"):
        assert _add(client, pro, playlist["id"], annotation_id=coded[key]).status_code == 201
    items = client.get(f"/api/playlists/{playlist['id']}", headers=pro["headers"]).json()["items"]
    joy, mismatch, still = items
    # a moment: two seconds before it, three after
    assert (joy["start_ms"], joy["end_ms"], joy["code"]) == (0, 4_000, "SHARED_JOY")
    # a mismatch runs on to the end of its repair (a moment: two seconds after it)
    assert (mismatch["start_ms"], mismatch["end_ms"]) == (3_000, 7_000)
    # a STILL moment freezes by itself, three seconds
    assert (still["freeze_at_ms"], still["freeze_s"]) == (7_000, 3.0)
    assert [i["position"] for i in items] == [0, 1, 2]


def test_every_kind_of_mismatch_runs_on_to_the_end_of_its_repair(
        client: Any, people: dict[str, Any], clips: dict[str, Any]) -> None:
    """Not only the scheme's general MISMATCH: a missed signal, an interruption..."""
    pro = people["pro"]
    clip = clips["other_family"]  # its own case: the bath case's moments stay as they are
    set_id = client.post(f"/api/clips/{clip['id']}/sets", json={},
                         headers=pro["headers"]).json()["id"]

    def add(**body: Any) -> str:
        resp = client.post(f"/api/sets/{set_id}/annotations", json=body, headers=pro["headers"])
        assert resp.status_code == 201, resp.text
        return str(resp.json()["id"])

    missed = add(code="MISSED_SIGNAL", start_ms=1_000, end_ms=2_000)
    add(code="REPAIR", start_ms=3_000, end_ms=4_500, repairs=missed)
    playlist = _playlist(client, pro, clip["case_id"], "Gemiste signalen")
    assert _add(client, pro, playlist["id"], annotation_id=missed).status_code == 201
    item = client.get(f"/api/playlists/{playlist['id']}",
                      headers=pro["headers"]).json()["items"][0]
    assert (item["start_ms"], item["end_ms"]) == (1_000, 4_500)


def test_the_builder_lists_the_case_moments_to_pick_from(
        client: Any, people: dict[str, Any], clips: dict[str, Any],
        coded: dict[str, str]) -> None:
    case_id, headers = clips["bath"]["case_id"], people["pro"]["headers"]
    moments = client.get(f"/api/cases/{case_id}/moments", headers=headers).json()
    assert [m["code"] for m in moments] == ["SHARED_JOY", "MISMATCH", "REPAIR", "STILL"]
    assert moments[2]["repairs"] == coded["mismatch"]
    assert moments[0]["label_nl"] == "Gedeeld plezier" and moments[0]["colour"].startswith("#")
    positive = client.get(f"/api/cases/{case_id}/moments", params={"category": "positive"},
                          headers=headers).json()
    assert [m["annotation_id"] for m in positive] == [coded["joy"]]
    assert client.get(f"/api/cases/{case_id}/moments",
                      headers=people["stranger"]["headers"]).status_code == 404


def test_items_are_edited_reordered_and_removed_and_each_edit_counts(
        client: Any, people: dict[str, Any], clips: dict[str, Any],
        coded: dict[str, str]) -> None:
    pro, sup = people["pro"], people["sup"]
    playlist = _playlist(client, pro, clips["bath"]["case_id"])
    pid = playlist["id"]
    first = _add(client, pro, pid, clip_id=clips["feeding"]["id"], start_ms=500,
                 end_ms=2_500, caption="Wat doet je baby hier?").json()
    second = _add(client, pro, pid, annotation_id=coded["still"]).json()
    a, b = first["items"][0]["id"], second["items"][1]["id"]
    assert second["revision"] == playlist["revision"] + 2
    changed = client.patch(f"/api/playlists/{pid}/items/{b}",
                           json={"freeze_at_ms": None, "speed": 0.5,
                                 "caption": "Kijk:\n\n  ze kijkt terug  "},
                           headers=sup["headers"])
    assert changed.status_code == 200, changed.text
    item = changed.json()["items"][1]
    assert (item["freeze_at_ms"], item["freeze_s"], item["speed"]) == (None, 0.0, 0.5)
    assert item["caption"] == "Kijk:\nze kijkt terug"
    swapped = client.put(f"/api/playlists/{pid}/order", json={"item_ids": [b, a]},
                         headers=pro["headers"]).json()
    assert [i["id"] for i in swapped["items"]] == [b, a]
    wrong = client.put(f"/api/playlists/{pid}/order", json={"item_ids": [b]},
                       headers=pro["headers"])
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "item_ids"
    left = client.delete(f"/api/playlists/{pid}/items/{b}", headers=pro["headers"]).json()
    assert [(i["id"], i["position"]) for i in left["items"]] == [(a, 0)]
    assert left["up_to_date"] is False and left["hls_url"] is None


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"start_ms": 0, "end_ms": 11_000}, "end_ms", "invalid_item"),
    ({"start_ms": 5_000, "end_ms": 4_000}, "end_ms", "invalid_item"),
    ({"start_ms": 10_500, "end_ms": 10_800}, "start_ms", "invalid_item"),
    ({"start_ms": 1_000}, "end_ms", "invalid_item"),
    ({"start_ms": 0, "end_ms": 2_000, "speed": 0.3}, "speed", "invalid_item"),
    ({"start_ms": 0, "end_ms": 2_000, "freeze_at_ms": 5_000}, "freeze_at_ms", "invalid_item"),
    ({"start_ms": 0, "end_ms": 2_000, "freeze_s": 2}, "freeze_at_ms", "invalid_item"),
    ({"start_ms": 0, "end_ms": 2_000, "freeze_at_ms": 1_000, "freeze_s": 45}, "freeze_s",
     "invalid_request"),
    ({"start_ms": 0, "end_ms": 2_000, "pre_roll_ms": 20_000}, "pre_roll_ms",
     "invalid_request"),
])
def test_bad_items_are_refused_with_the_field_that_is_wrong(
        client: Any, people: dict[str, Any], clips: dict[str, Any], body: dict[str, Any],
        field: str, code: str) -> None:
    pro = people["pro"]
    playlist = _playlist(client, pro, clips["bath"]["case_id"])
    resp = _add(client, pro, playlist["id"], clip_id=clips["bath"]["id"], **body)
    assert resp.status_code == 422, resp.text
    assert (resp.json()["code"], resp.json()["errors"][0]["field"]) == (code, field)
    assert resp.json()["detail"]


def test_a_playlist_shows_one_family_only_and_only_to_those_with_access(
        client: Any, people: dict[str, Any], clips: dict[str, Any],
        coded: dict[str, str]) -> None:
    pro = people["pro"]
    playlist = _playlist(client, pro, clips["bath"]["case_id"])
    mixed = _add(client, pro, playlist["id"], clip_id=clips["other_family"]["id"],
                 start_ms=0, end_ms=1_000)
    assert mixed.status_code == 422 and mixed.json()["code"] == "mixes_cases"
    for outsider in ("stranger", "admin"):
        headers = people[outsider]["headers"]
        assert client.get(f"/api/playlists/{playlist['id']}", headers=headers).status_code == 404
        assert _add(client, people[outsider], playlist["id"],
                    annotation_id=coded["joy"]).status_code == 404
    assert client.get(f"/api/cases/{clips['bath']['case_id']}/playlists",
                      headers=people["stranger"]["headers"]).status_code == 404


def test_rendering_refuses_an_empty_playlist_or_a_failed_clip_with_the_reason(
        client: Any, runtime: Any, people: dict[str, Any], clips: dict[str, Any]) -> None:
    from core.db.models import ClipStatus, PlaylistItem

    pro = people["pro"]
    playlist = _playlist(client, pro, clips["bath"]["case_id"])
    empty = client.post(f"/api/playlists/{playlist['id']}/render", headers=pro["headers"])
    assert empty.status_code == 422 and empty.json()["code"] == "empty_playlist"
    from core.db.models import Clip

    with runtime.db() as db:
        broken = Clip(case_id=clips["bath"]["case_id"], uploaded_by=pro["id"],
                      filename="kapot.mp4", status=ClipStatus.failed, original_key="x")
        db.add(broken)
        db.flush()
        db.add(PlaylistItem(playlist_id=playlist["id"], position=0, clip_id=broken.id,
                            start_ms=0, end_ms=1_000))
    refused = client.post(f"/api/playlists/{playlist['id']}/render", headers=pro["headers"])
    assert refused.status_code == 409
    assert refused.json()["code"] == "clip_not_ready"
    media_first = client.get(f"/api/playlists/{playlist['id']}/media/master.m3u8",
                             headers=pro["headers"])
    assert media_first.status_code == 409
    assert media_first.json()["code"] == "playlist_not_rendered"


# -- rendering and playing ---------------------------------------------------------------

def _render(client: Any, runtime: Any, user: dict[str, Any], playlist_id: str) -> Any:
    started = client.post(f"/api/playlists/{playlist_id}/render", headers=user["headers"])
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "rendering"
    run_jobs(runtime)
    return client.get(f"/api/playlists/{playlist_id}", headers=user["headers"]).json()


def _cached_items(runtime: Any, case_id: str, playlist_id: str) -> set[str]:
    prefix = f"cases/{case_id}/playlists/{playlist_id}/"
    keys = runtime.store.list_keys(runtime.settings.s3_bucket_media, prefix)
    return {k[len(prefix):].split("/")[1] for k in keys if k[len(prefix):].startswith("items/")}


def _presentations(runtime: Any, case_id: str, playlist_id: str) -> set[str]:
    prefix = f"cases/{case_id}/playlists/{playlist_id}/"
    keys = runtime.store.list_keys(runtime.settings.s3_bucket_media, prefix)
    return {k[len(prefix):].split("/")[0] for k in keys} - {"items"}


@pytest.fixture(scope="module")
def rendered(app: Any, runtime: Any, people: dict[str, Any], clips: dict[str, Any],
             coded: dict[str, str]) -> dict[str, Any]:
    """A visit playlist of three moments: a smile with a question, the mismatch
    and its repair at half speed, and a still held for two seconds."""
    from fastapi.testclient import TestClient

    pro = people["pro"]
    with TestClient(app) as client:
        playlist = _playlist(client, pro, clips["bath"]["case_id"], "Bezoek 10 december")
        pid = playlist["id"]
        _add(client, pro, pid, annotation_id=coded["joy"], caption="Wat doet je baby hier?")
        _add(client, pro, pid, annotation_id=coded["mismatch"], speed=0.5)
        _add(client, pro, pid, annotation_id=coded["still"], freeze_s=2)
        return dict(_render(client, runtime, pro, pid))


def test_a_rendered_playlist_plays_as_one_presentation_with_captions_and_chapters(
        client: Any, runtime: Any, live_url: str, people: dict[str, Any],
        rendered: dict[str, Any]) -> None:
    assert rendered["status"] == "ready", rendered
    assert rendered["up_to_date"] and rendered["progress"] == 1.0
    # 4 s + (4 s at half speed) + (5 s and a 2 s freeze)
    assert rendered["duration_s"] == pytest.approx(19.0, abs=0.05)
    assert [i["starts_at_s"] for i in rendered["items"]] == pytest.approx([0, 4, 12], abs=0.05)
    path = rendered["hls_url"].split("://", 1)[1].split("/", 1)[1]
    probed = media.ffprobe_json(f"{live_url}/{path}", "-show_format")
    assert float(probed["format"]["duration"]) == pytest.approx(19.0, abs=0.1)
    master = client.get(rendered["hls_url"]).text
    assert 'TYPE=SUBTITLES' in master and 'SUBTITLES="captions"' in master
    captions = client.get(rendered["captions_url"]).text
    assert "00:00:00.000 --> 00:00:04.000\nWat doet je baby hier?" in captions
    chapters = client.get(rendered["chapters_url"]).text
    assert "00:00:04.000 --> 00:00:12.000\n2. Mismatch" in chapters
    assert "00:00:12.000 --> 00:00:19.000\n3. Stilstaand beeld" in chapters


def test_playing_a_playlist_is_audited_and_needs_access(
        client: Any, runtime: Any, people: dict[str, Any], rendered: dict[str, Any]) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    pro, stranger = people["pro"], people["stranger"]
    pid = rendered["id"]
    assert client.get(rendered["hls_url"]).status_code == 200
    own = client.get(f"/api/playlists/{pid}/media/master.m3u8", headers=pro["headers"])
    assert own.status_code == 200 and "t=" in own.text
    refused = client.get(f"/api/playlists/{pid}/media/master.m3u8",
                         headers=stranger["headers"])
    assert refused.status_code == 404
    forged = client.get(f"/api/playlists/{pid}/media/master.m3u8", params={"t": "abc"})
    assert forged.status_code == 403 and forged.json()["detail"]
    with runtime.db() as db:
        views = db.scalars(select(AuditEvent).where(AuditEvent.object_id == pid,
                                                    AuditEvent.action == "view_playlist")).all()
    outcomes = {(v.user_id, v.outcome) for v in views}
    assert (pro["id"], "success") in outcomes and (stranger["id"], "denied") in outcomes


def test_the_access_log_names_who_really_looked_on_every_media_route(
        client: Any, runtime: Any, people: dict[str, Any], clips: dict[str, Any],
        rendered: dict[str, Any]) -> None:
    """A signed link works only for the person it was made for; used by someone
    else who is logged in it is refused under their own name, and used with no
    login at all it is logged as a use of that person's link, never as them."""
    from sqlalchemy import select

    from core.db.models import AuditEvent

    pro = people["pro"]
    clip = client.get(f"/api/clips/{clips['bath']['id']}", headers=pro["headers"]).json()
    routes = {"view_clip": (clip["id"], clip["hls_url"]),
              "view_poster": (clip["id"], clip["poster_url"]),
              "view_storyboard": (clip["id"], clip["storyboard_url"]),
              "view_playlist": (rendered["id"], rendered["hls_url"])}
    # who asks, with the professional's link: (their login, expected status, logged as)
    principals = {"owner": (pro["headers"], 200, (pro["id"], None, "success")),
                  "same team's supervisor": (people["sup"]["headers"], 403,
                                             (people["sup"]["id"], None, "denied")),
                  "another team": (people["stranger"]["headers"], 403,
                                   (people["stranger"]["id"], None, "denied")),
                  "no login": ({}, 200, (None, f"link:{pro['id']}", "success"))}
    tried = held = 0
    for action, (object_id, url) in routes.items():
        for who, (headers, status, logged) in principals.items():
            with runtime.db() as db:
                before = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())
                                   .limit(1))
            resp = client.get(url, headers=headers)
            with runtime.db() as db:
                rows = db.scalars(select(AuditEvent).where(
                    AuditEvent.id > before, AuditEvent.object_id == object_id)).all()
            tried += 1
            actual = [(r.user_id, r.on_behalf_of, r.outcome) for r in rows]
            assert resp.status_code == status, (action, who, resp.text)
            assert actual == [logged], (action, who, actual)
            if status == 403:
                assert resp.json()["code"] == "media_link_not_yours"
            held += 1
    assert (tried, held) == (16, 16)


def test_changing_one_moment_renders_that_moment_only(
        client: Any, runtime: Any, people: dict[str, Any], rendered: dict[str, Any]) -> None:
    pro = people["pro"]
    pid, case_id = rendered["id"], rendered["case_id"]
    before = _cached_items(runtime, case_id, pid)
    assert len(before) == 3
    second = rendered["items"][1]["id"]
    client.patch(f"/api/playlists/{pid}/items/{second}", json={"caption": "En nu?"},
                 headers=pro["headers"])
    reworded = _render(client, runtime, pro, pid)
    assert reworded["status"] == "ready" and reworded["up_to_date"]
    assert _cached_items(runtime, case_id, pid) == before
    assert "En nu?" in client.get(reworded["captions_url"]).text
    client.patch(f"/api/playlists/{pid}/items/{second}", json={"speed": 0.25},
                 headers=pro["headers"])
    slower = _render(client, runtime, pro, pid)
    after = _cached_items(runtime, case_id, pid)
    assert len(after - before) == 1 and len(before - after) == 1
    assert slower["duration_s"] == pytest.approx(27.0, abs=0.05)
    assert len(_presentations(runtime, case_id, pid)) == 1


def test_a_failed_render_says_which_moment_and_keeps_the_last_presentation(
        client: Any, runtime: Any, people: dict[str, Any], clips: dict[str, Any]) -> None:
    pro = people["pro"]
    feeding = clips["feeding"]
    playlist = _playlist(client, pro, feeding["case_id"], "Voeden")
    pid = playlist["id"]
    _add(client, pro, pid, clip_id=feeding["id"], start_ms=1_000, end_ms=3_000)
    first = _render(client, runtime, pro, pid)
    assert first["status"] == "ready"
    _add(client, pro, pid, clip_id=feeding["id"], start_ms=5_000, end_ms=7_000)
    from core.db.models import Clip

    with runtime.db() as db:
        prefix = db.get(Clip, feeding["id"]).media_prefix
    runtime.store.delete_prefix(runtime.settings.s3_bucket_media, prefix)
    failed = _render(client, runtime, pro, pid)
    assert failed["status"] == "failed" and failed["error_code"] == "render_failed"
    assert failed["error"].startswith("Moment 2 could not be rendered")
    assert failed["up_to_date"] is False
    still_there = client.get(failed["hls_url"])
    assert still_there.status_code == 200
    assert len(_presentations(runtime, feeding["case_id"], pid)) == 1


# -- sharing with the family ---------------------------------------------------------------

def _share(client: Any, user: dict[str, Any], playlist_id: str, **body: Any) -> Any:
    return client.post(f"/api/playlists/{playlist_id}/shares", json=body,
                       headers=user["headers"])


def _link_path(share: dict[str, Any]) -> str:
    return "/s/" + str(share["url"]).rsplit("/s/", 1)[1]


@pytest.fixture()
def plain_pages(runtime: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """The family's page as served without a built web app (a plain <video>)."""
    monkeypatch.setattr(runtime.settings, "web_dir", tmp_path)


@pytest.fixture(scope="module")
def consented(app: Any, people: dict[str, Any], rendered: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        resp = client.put(f"/api/cases/{rendered['case_id']}/consent",
                          json={"feedback": True, "supervision": True, "training": False},
                          headers=people["pro"]["headers"])
        assert resp.status_code == 200, resp.text


def test_sharing_needs_consent_a_render_and_access(
        client: Any, people: dict[str, Any], clips: dict[str, Any],
        rendered: dict[str, Any], consented: None) -> None:
    pro = people["pro"]
    unconsented = _playlist(client, pro, clips["other_family"]["case_id"])
    refused = _share(client, pro, unconsented["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "no_consent_feedback"
    draft = _playlist(client, pro, clips["bath"]["case_id"], "Nog niet klaar")
    not_rendered = _share(client, pro, draft["id"])
    assert not_rendered.status_code == 409
    assert not_rendered.json()["code"] == "playlist_not_rendered"
    assert _share(client, people["stranger"], rendered["id"]).status_code == 404
    assert _share(client, pro, rendered["id"], days=0).status_code == 422


def test_a_parent_opens_the_link_and_watches_and_every_view_is_logged(
        client: Any, runtime: Any, people: dict[str, Any], rendered: dict[str, Any],
        consented: None, plain_pages: None) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    pro = people["pro"]
    made = _share(client, pro, rendered["id"])
    assert made.status_code == 201, made.text
    share = made.json()
    assert share["access_code"] is None and share["state"] == "active"
    assert share["expires_at"] > share["created_at"]
    client.cookies.clear()
    page = client.get(_link_path(share))
    assert page.status_code == 200 and "<video" in page.text
    assert 'controlslist="nodownload' in page.text and "Stilstaand beeld" in page.text
    assert page.headers["cache-control"] == "no-store"
    hls = page.text.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    master = client.get(hls)
    assert master.status_code == 200 and "#EXT-X-STREAM-INF" in master.text
    variant = next(line for line in master.text.splitlines() if line and line[0] != "#")
    assert client.get(urljoin(hls, variant)).status_code == 200
    listed = client.get(f"/api/playlists/{rendered['id']}/shares", headers=pro["headers"]).json()
    assert next(s for s in listed if s["id"] == share["id"])["views"] == 1
    with runtime.db() as db:
        views = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "view_shared_playlist",
            AuditEvent.on_behalf_of == f"share:{share['id']}")).all()
    assert len(views) == 1 and views[0].user_id is None and views[0].role == "family"


def test_a_link_with_an_access_code_asks_for_it_and_locks_after_wrong_guesses(
        client: Any, people: dict[str, Any], rendered: dict[str, Any],
        consented: None, plain_pages: None) -> None:
    pro = people["pro"]
    share = _share(client, pro, rendered["id"], access_code=True, days=3).json()
    code = share["access_code"]
    assert len(code) == 6 and code.isdigit()
    path = _link_path(share)
    client.cookies.clear()
    asked = client.get(path)
    assert asked.status_code == 401 and 'name="code"' in asked.text
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    missed = client.post(path, data={"code": wrong}, follow_redirects=False)
    assert missed.status_code == 403 and "klopt niet" in missed.text
    entered = client.post(path, data={"code": code}, follow_redirects=False)
    assert entered.status_code == 303
    assert "httponly" in entered.headers["set-cookie"].lower()
    assert client.get(path).status_code == 200
    token = path.rsplit("/", 1)[1]
    app_view = client.get(f"/api/shared/{token}", headers={"X-Access-Code": code})
    assert app_view.status_code == 200 and app_view.json()["hls_url"]
    assert client.get(f"/api/shared/{token}").json()["code"] == "access_code_required"
    for _ in range(4):
        client.post(path, data={"code": wrong})
    locked = client.post(path, data={"code": code})
    assert locked.status_code == 423 and "verkeerde" in locked.text.lower()


def test_revoked_expired_and_forged_links_get_a_friendly_page(
        client: Any, runtime: Any, people: dict[str, Any], rendered: dict[str, Any],
        consented: None, plain_pages: None) -> None:
    from core.db.models import Share, utcnow

    pro = people["pro"]
    revoked = _share(client, pro, rendered["id"]).json()
    client.cookies.clear()
    page = client.get(_link_path(revoked))
    hls = page.text.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert client.delete(f"/api/shares/{revoked['id']}",
                         headers=people["stranger"]["headers"]).status_code == 404
    assert client.delete(f"/api/shares/{revoked['id']}",
                         headers=pro["headers"]).status_code == 204
    gone = client.get(_link_path(revoked))
    assert gone.status_code == 410 and "ingetrokken" in gone.text and "<html" in gone.text
    assert client.get(hls).status_code == 410  # even a playback already started stops
    expired = _share(client, pro, rendered["id"]).json()
    with runtime.db() as db:
        db.get(Share, expired["id"]).expires_at = utcnow()
    late = client.get(_link_path(expired))
    assert late.status_code == 410 and "verlopen" in late.text
    forged = client.get("/s/" + "x" * 43)
    assert forged.status_code == 404 and "klopt niet" in forged.text
    assert "Traceback" not in forged.text


def _uris(base: str, playlist: str) -> list[str]:
    """Every URI an HLS playlist names (its lines and its URI="..." attributes)."""
    named = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    named += re.findall(r'URI="([^"]+)"', playlist)
    return [urljoin(base, uri) for uri in named]


@pytest.mark.parametrize("store_proxy", [None, "/_store/"])
def test_every_file_of_a_link_is_refused_once_it_is_revoked_and_none_is_cached(
        client: Any, people: dict[str, Any], rendered: dict[str, Any],
        consented: None, runtime: Any, monkeypatch: pytest.MonkeyPatch,
        store_proxy: str | None) -> None:
    """Also behind nginx (``store_proxy``): a family's playlists list the API's own
    URLs, never store links, so every file is checked against the link again."""
    monkeypatch.setattr(runtime.settings, "store_proxy", store_proxy)
    pro = people["pro"]
    share = _share(client, pro, rendered["id"]).json()
    client.cookies.clear()
    opened = client.get(f"/api/shared/{_link_path(share).rsplit('/', 1)[1]}").json()
    master = client.get(opened["hls_url"])
    assert master.status_code == 200, master.text
    playlists = _uris(opened["hls_url"], master.text)  # renditions and captions
    files = [uri for url in playlists for uri in _uris(url, client.get(url).text)]
    assert any(".m4s" in url for url in files) and any(".mp4" in url for url in files)
    assert all("/api/shared/media/" in url for url in files), files
    every = [opened["hls_url"], *playlists, *files, opened["chapters_url"]]
    for url in every:
        served = client.get(url)
        assert served.status_code == 200, url
        assert served.headers["cache-control"] == "no-store", url  # asked again, checked again

    assert client.delete(f"/api/shares/{share['id']}", headers=pro["headers"]).status_code == 204
    for url in every:
        refused = client.get(url, headers={"Range": "bytes=0-99"})
        assert refused.status_code == 410, url
        assert refused.json()["code"] == "share_revoked"
        assert "stopgezet" in refused.json()["detail_nl"]


# -- in a real browser -----------------------------------------------------------------------

HLS_JS = (Path(__file__).resolve().parents[1] / "js" / "node_modules" / "hls.js" / "dist"
          / "hls.min.js")
CHROMIUM = "/usr/bin/chromium"
PLAYER = """<!doctype html><video id="v" muted playsinline></video><script src="/hls.js"></script>
<script>
const video = document.getElementById("v");
window.report = {errors: [], stalls: 0, cues: [], ended: false};
const hls = new Hls({renderTextTracksNatively: true});
hls.on(Hls.Events.ERROR, (_, data) => window.report.errors.push(
  data.details + (data.fatal ? " (fatal)" : "")));
video.addEventListener("waiting", () => { if (video.currentTime > 0) window.report.stalls++; });
video.addEventListener("ended", () => {
  window.report.ended = true;
  for (const track of video.textTracks)
    for (const cue of track.cues || []) window.report.cues.push([cue.startTime, cue.text]);
});
hls.on(Hls.Events.MANIFEST_PARSED, () => { video.playbackRate = 2; video.play(); });
hls.loadSource(HLS_URL);
hls.attachMedia(video);
</script>"""


@pytest.fixture(scope="module")
def browser() -> Any:
    if not (Path(CHROMIUM).exists() and HLS_JS.exists()):
        pytest.fail("run scripts/install.sh --dev: it installs Chromium and hls.js")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"])
        yield chromium
        chromium.close()


def test_the_presentation_plays_through_in_hls_js_without_a_stall(
        client: Any, browser: Any, live_url: str, people: dict[str, Any],
        rendered: dict[str, Any]) -> None:
    current = client.get(f"/api/playlists/{rendered['id']}",
                         headers=people["pro"]["headers"]).json()
    hls_url = live_url + "/" + current["hls_url"].split("://", 1)[1].split("/", 1)[1]
    page = browser.new_page()
    page.route(f"{live_url}/player", lambda route: route.fulfill(
        content_type="text/html", body=PLAYER.replace("HLS_URL", repr(hls_url))))
    page.route(f"{live_url}/hls.js", lambda route: route.fulfill(
        content_type="text/javascript", body=HLS_JS.read_text()))
    page.goto(f"{live_url}/player")
    page.wait_for_function("window.report.ended", timeout=60_000)
    report = page.evaluate("window.report")
    duration = page.evaluate("document.getElementById('v').duration")
    page.close()
    assert report["errors"] == [] and report["stalls"] == 0, report
    assert duration == pytest.approx(current["duration_s"], abs=0.1)
    assert any(text == "Wat doet je baby hier?" and start < 0.1
               for start, text in report["cues"]), report["cues"]


def test_the_family_page_plays_in_the_browser(
        client: Any, browser: Any, live_url: str, people: dict[str, Any],
        rendered: dict[str, Any], consented: None, plain_pages: None) -> None:
    share = _share(client, people["pro"], rendered["id"]).json()
    page = browser.new_page()
    page.goto(live_url + _link_path(share))
    page.evaluate("document.querySelector('video').muted = true")
    page.evaluate("document.querySelector('video').play()")
    deadline = time.monotonic() + 30
    # polled from outside: the page's own policy forbids evaluating strings in it
    while page.evaluate("document.querySelector('video').currentTime") <= 1:
        assert time.monotonic() < deadline, "the family page's video did not play"
        assert page.evaluate("document.querySelector('video').error") is None
        page.wait_for_timeout(200)
    page.close()


def test_a_lost_render_is_failed_with_a_reason_and_can_be_started_again(
        client: Any, runtime: Any, people: dict[str, Any], clips: dict[str, Any]) -> None:
    from datetime import timedelta

    from core.db.models import Playlist, PlaylistStatus, utcnow
    from worker.sweeper import sweep

    pro = people["pro"]
    playlist = _playlist(client, pro, clips["bath"]["case_id"], "Verloren")
    _add(client, pro, playlist["id"], clip_id=clips["bath"]["id"], start_ms=0, end_ms=1_000)
    long_ago = utcnow() - timedelta(hours=1)
    with runtime.db() as db:
        row = db.get(Playlist, playlist["id"])
        row.status, row.job_id = PlaylistStatus.rendering, "render-that-nobody-runs"
        row.heartbeat_at = long_ago
    with runtime.db() as db:  # a separate write, so onupdate does not refresh it
        db.get(Playlist, playlist["id"]).updated_at = long_ago
    assert playlist["id"] in sweep(runtime)
    lost = client.get(f"/api/playlists/{playlist['id']}", headers=pro["headers"]).json()
    assert (lost["status"], lost["error_code"]) == ("failed", "render_lost")
    assert "Render again" in lost["error"]
    assert _render(client, runtime, pro, playlist["id"])["status"] == "ready"


def test_a_working_link_opens_the_web_app_player(
        client: Any, runtime: Any, people: dict[str, Any], rendered: dict[str, Any],
        consented: None) -> None:
    app_page = runtime.settings.web_dir / "index.html"
    if not app_page.is_file():
        pytest.fail("run scripts/install.sh: it builds the web app")
    share = _share(client, people["pro"], rendered["id"], access_code=True).json()
    client.cookies.clear()
    opened = client.get(_link_path(share))
    assert opened.status_code == 200 and opened.text == app_page.read_text()
    assert opened.headers["cache-control"] == "no-store"
    client.delete(f"/api/shares/{share['id']}", headers=people["pro"]["headers"])
    assert client.get(_link_path(share)).status_code == 410
