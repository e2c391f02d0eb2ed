"""The trajectory of a case as a professional keeps it: goals with their status,
numbered home visits with the clips filmed and playlists shown at them, the
people in the family's recordings, the reflection conversation with the parents
per playlist moment, and private visit notes that never reach the family; with
the same access rules, refusals and access log as the rest of a case."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import media
import pytest
from sqlalchemy import select
from support import create_case, ready_clip, run_jobs

SECRET = "Moeder lijkt somber; bespreken met gedragswetenschapper"


PEOPLE = {"pro": "professional", "sup": "supervisor", "colleague": "professional",
          "stranger": "professional@elsewhere", "other_sup": "supervisor@elsewhere"}


@pytest.fixture(scope="module")
def clip(runtime: Any, app: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    """A ready clip of one family: the case the trajectory is kept for."""
    from fastapi.testclient import TestClient

    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=6,
                                   name="trajectory_play.mp4")
    with TestClient(app) as client:
        return ready_clip(runtime, client, people["pro"]["headers"], source,
                          "Gezin 2026-701", "spelen.mp4")


def _post(client: Any, user: dict[str, Any], path: str, **body: Any) -> Any:
    return client.post(path, json=body, headers=user["headers"])


def _patch(client: Any, user: dict[str, Any], path: str, **body: Any) -> Any:
    return client.patch(path, json=body, headers=user["headers"])


def _ok(resp: Any, status: int = 200) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    return dict(resp.json())


def _tus_create(client: Any, user: dict[str, Any], case_id: str, **meta: str) -> Any:
    values = {"case_id": case_id, "filename": "badje.mp4", **meta}
    header = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())
    return client.post("/api/uploads/", headers={
        **user["headers"], "Tus-Resumable": "1.0.0", "Upload-Length": "1000",
        "Upload-Metadata": header})


# -- goals -----------------------------------------------------------------------------

def test_goals_are_listed_in_order_and_their_status_carries_its_dates(
        client: Any, people: dict[str, Any]) -> None:
    pro = people["pro"]
    case_id = create_case(client, pro["headers"], "Gezin 2026-702")
    first = _ok(_post(client, pro, f"/api/cases/{case_id}/goals",
                      title="  Merken wanneer de baby genoeg heeft ", description="Signalen"),
                201)
    assert (first["title"], first["status"], first["position"]) == (
        "Merken wanneer de baby genoeg heeft", "open", 0)
    assert first["started_at"] is None and first["reached_at"] is None
    assert (first["moments"], first["items"]) == (0, 0)
    second = _ok(_post(client, pro, f"/api/cases/{case_id}/goals", title="Samen spelen"), 201)
    assert second["position"] == 1

    working = _ok(_patch(client, pro, f"/api/goals/{first['id']}", status="working"))
    assert working["started_at"] is not None and working["reached_at"] is None
    reached = _ok(_patch(client, pro, f"/api/goals/{first['id']}", status="reached"))
    assert reached["reached_at"] is not None
    assert reached["started_at"] == working["started_at"]
    again = _ok(_patch(client, pro, f"/api/goals/{first['id']}", status="working"))
    assert again["reached_at"] is None and again["started_at"] == working["started_at"]
    # reached straight from open: work on it started then too
    direct = _ok(_patch(client, pro, f"/api/goals/{second['id']}", status="reached"))
    assert direct["started_at"] is not None and direct["reached_at"] is not None

    moved = _ok(_patch(client, pro, f"/api/goals/{second['id']}", position=0,
                       title="Samen spelen op de mat"))
    assert (moved["position"], moved["title"]) == (0, "Samen spelen op de mat")
    listed = _ok(client.get(f"/api/cases/{case_id}/goals", headers=pro["headers"]))["goals"]
    assert [(g["id"], g["position"]) for g in listed] == [(second["id"], 0), (first["id"], 1)]

    for body in ({"title": None}, {"title": "   "}, {"status": "done"}):
        refused = client.patch(f"/api/goals/{first['id']}", json=body, headers=pro["headers"])
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][0]["field"] == next(iter(body))
    assert client.post(f"/api/cases/{case_id}/goals", json={"title": ""},
                       headers=pro["headers"]).status_code == 422

    assert client.delete(f"/api/goals/{second['id']}", headers=pro["headers"]).status_code == 204
    listed = _ok(client.get(f"/api/cases/{case_id}/goals", headers=pro["headers"]))["goals"]
    assert [(g["id"], g["position"]) for g in listed] == [(first["id"], 0)]
    gone = client.patch(f"/api/goals/{second['id']}", json={"title": "x"},
                        headers=pro["headers"])
    assert gone.status_code == 404 and gone.json()["code"] == "goal_not_found"


# -- visits ----------------------------------------------------------------------------

def test_visits_are_numbered_per_case_and_a_number_is_taken_once(
        client: Any, people: dict[str, Any]) -> None:
    pro = people["pro"]
    case_id = create_case(client, pro["headers"], "Gezin 2026-703")
    path = f"/api/cases/{case_id}/visits"
    one = _ok(_post(client, pro, path, visited_on="2026-11-03", phase="intake"), 201)
    assert (one["number"], one["visited_on"], one["phase"]) == (1, "2026-11-03", "intake")
    assert (one["clip_ids"], one["playlist_ids"]) == ([], [])
    two = _ok(_post(client, pro, path), 201)
    assert (two["number"], two["visited_on"], two["phase"]) == (2, None, "observation")
    five = _ok(_post(client, pro, path, number=5, phase="feedback"), 201)
    assert five["number"] == 5
    # the next free number comes after the highest
    assert _ok(_post(client, pro, path), 201)["number"] == 6

    taken = _post(client, pro, path, number=2)
    assert taken.status_code == 409 and taken.json()["code"] == "visit_number_taken"
    clash = _patch(client, pro, f"/api/visits/{five['id']}", number=1)
    assert clash.status_code == 409 and clash.json()["code"] == "visit_number_taken"
    assert _post(client, pro, path, number=0).status_code == 422

    changed = _ok(_patch(client, pro, f"/api/visits/{five['id']}", number=3,
                         visited_on="2026-12-01", phase="evaluation"))
    assert (changed["number"], changed["visited_on"], changed["phase"]) == (
        3, "2026-12-01", "evaluation")
    # the same number again is no conflict with itself
    assert _ok(_patch(client, pro, f"/api/visits/{five['id']}", number=3))["number"] == 3
    cleared = _ok(_patch(client, pro, f"/api/visits/{one['id']}", visited_on=None))
    assert cleared["visited_on"] is None and cleared["phase"] == "intake"
    assert _patch(client, pro, f"/api/visits/{one['id']}", phase=None).status_code == 422

    listed = _ok(client.get(path, headers=pro["headers"]))["visits"]
    assert [v["number"] for v in listed] == [1, 2, 3, 6]
    assert client.delete(f"/api/visits/{two['id']}", headers=pro["headers"]).status_code == 204
    assert [v["number"] for v in _ok(client.get(path, headers=pro["headers"]))["visits"]] \
        == [1, 3, 6]


def test_clips_are_assigned_to_a_visit_afterwards_or_at_upload(
        client: Any, people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    case_id = create_case(client, pro["headers"], "Gezin 2026-704")
    visit = _ok(_post(client, pro, f"/api/cases/{case_id}/visits"), 201)
    elsewhere = _ok(_post(client, pro, f"/api/cases/{clip['case_id']}/visits", number=90), 201)

    started = _tus_create(client, pro, case_id, visit_id=visit["id"], activity="bath")
    assert started.status_code == 201, started.text
    clip_id = started.headers["Attune-Clip-Id"]
    shown = _ok(client.get(f"/api/clips/{clip_id}", headers=pro["headers"]))
    assert (shown["visit_id"], shown["activity"]) == (visit["id"], "bath")
    wrong = _tus_create(client, pro, case_id, visit_id=elsewhere["id"])
    assert wrong.status_code == 400 and wrong.json()["code"] == "visit_not_in_case"

    listed = _ok(client.get(f"/api/cases/{case_id}/visits", headers=pro["headers"]))["visits"]
    assert listed[0]["clip_ids"] == [clip_id]

    moved = _ok(_patch(client, pro, f"/api/clips/{clip['id']}", visit_id=elsewhere["id"],
                       activity="play", recorded_at="2026-11-20T14:05:00+01:00"))
    assert (moved["visit_id"], moved["activity"]) == (elsewhere["id"], "play")
    assert moved["recorded_at"].startswith("2026-11-20T13:05:00")
    assert moved["status"] == "ready" and moved["hls_url"]
    other_case = _patch(client, pro, f"/api/clips/{clip['id']}", visit_id=visit["id"])
    assert other_case.status_code == 422 and other_case.json()["code"] == "visit_not_in_case"
    assert other_case.json()["errors"][0]["field"] == "visit_id"
    for body in ({"activity": "swimming"}, {"recorded_at": "2026-11-20T14:05:00"}):
        assert client.patch(f"/api/clips/{clip['id']}", json=body,
                            headers=pro["headers"]).status_code == 422, body
    cleared = _ok(_patch(client, pro, f"/api/clips/{clip['id']}", visit_id=None))
    assert cleared["visit_id"] is None and cleared["activity"] == "play"

    # deleting a visit leaves its clips in the case, no longer at a visit
    assert client.delete(f"/api/visits/{visit['id']}", headers=pro["headers"]).status_code == 204
    kept = _ok(client.get(f"/api/clips/{clip_id}", headers=pro["headers"]))
    assert kept["visit_id"] is None and kept["case_id"] == case_id
    client.delete(f"/api/uploads/{started.headers['Location'].rsplit('/', 1)[1]}",
                  headers={**pro["headers"], "Tus-Resumable": "1.0.0"})
    client.delete(f"/api/visits/{elsewhere['id']}", headers=pro["headers"])


# -- people ----------------------------------------------------------------------------

def test_the_people_in_a_case_are_kept_and_a_moment_outlives_its_person(
        client: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any]) -> None:
    from core.db.models import Annotation

    pro = people["pro"]
    path = f"/api/cases/{clip['case_id']}/people"
    mother = _ok(_post(client, pro, path, role="mother", label=" moeder "), 201)
    baby = _ok(_post(client, pro, path, role="baby"), 201)
    assert (mother["role"], mother["label"], mother["position"]) == ("mother", "moeder", 0)
    assert (baby["label"], baby["position"]) == ("", 1)
    assert _post(client, pro, path, role="aunt").status_code == 422

    changed = _ok(_patch(client, pro, f"/api/case-people/{baby['id']}", label="Noor",
                         position=0))
    assert (changed["label"], changed["position"]) == ("Noor", 0)
    listed = _ok(client.get(path, headers=pro["headers"]))["people"]
    assert [p["id"] for p in listed] == [baby["id"], mother["id"]]
    assert _patch(client, pro, f"/api/case-people/{baby['id']}", role=None).status_code == 422

    made = _ok(_post(client, pro, f"/api/clips/{clip['id']}/sets"), 201)
    note = _ok(_post(client, pro, f"/api/sets/{made['id']}/annotations", code="SHARED_JOY",
                     start_ms=1_000), 201)
    with runtime.db() as db:
        db.get(Annotation, note["id"]).person_id = mother["id"]
    assert client.delete(f"/api/case-people/{mother['id']}",
                         headers=pro["headers"]).status_code == 204
    with runtime.db() as db:
        kept = db.get(Annotation, note["id"])
        assert kept is not None and kept.person_id is None and kept.code == "SHARED_JOY"
    listed = _ok(client.get(path, headers=pro["headers"]))["people"]
    assert [(p["id"], p["position"]) for p in listed] == [(baby["id"], 0)]


# -- playlists: visit, private notes, goal links ---------------------------------------

@pytest.fixture(scope="module")
def shown(app: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any]
          ) -> dict[str, Any]:
    """A rendered playlist shown at visit 2 with private notes, its moment
    linked to a goal, and a goal and visit to point at."""
    from fastapi.testclient import TestClient

    pro, case_id = people["pro"], clip["case_id"]
    with TestClient(app) as client:
        goal = _ok(_post(client, pro, f"/api/cases/{case_id}/goals",
                         title="Merken wanneer de baby genoeg heeft"), 201)
        visit = _ok(_post(client, pro, f"/api/cases/{case_id}/visits", number=2,
                          visited_on="2026-11-17", phase="feedback"), 201)
        playlist = _ok(_post(client, pro, f"/api/cases/{case_id}/playlists",
                             title="Bezoek 2"), 201)
        pid = playlist["id"]
        made = _ok(_post(client, pro, f"/api/playlists/{pid}/items", clip_id=clip["id"],
                         start_ms=500, end_ms=2_500, caption="Wat ziet u hier?",
                         goal_ids=[goal["id"]]), 201)
        assert made["items"][0]["goal_ids"] == [goal["id"]]
        _ok(_patch(client, pro, f"/api/playlists/{pid}", visit_id=visit["id"],
                   private_notes=SECRET))
        _ok(client.post(f"/api/playlists/{pid}/render", headers=pro["headers"]), 202)
        run_jobs(runtime)
        rendered = _ok(client.get(f"/api/playlists/{pid}", headers=pro["headers"]))
        assert rendered["status"] == "ready", rendered
        _ok(client.put(f"/api/cases/{case_id}/consent",
                       json={"feedback": True, "supervision": True, "training": False},
                       headers=pro["headers"]))
    return {"playlist": rendered, "goal": goal, "visit": visit}


def test_a_playlist_is_shown_at_a_visit_with_private_notes_for_the_professional(
        client: Any, people: dict[str, Any], clip: dict[str, Any],
        shown: dict[str, Any]) -> None:
    pro, sup = people["pro"], people["sup"]
    playlist, visit = shown["playlist"], shown["visit"]
    assert (playlist["visit_id"], playlist["private_notes"]) == (visit["id"], SECRET)
    assert playlist["title"] == "Bezoek 2"
    # the supervisor reads along
    read = _ok(client.get(f"/api/playlists/{playlist['id']}", headers=sup["headers"]))
    assert read["private_notes"] == SECRET
    visits = _ok(client.get(f"/api/cases/{clip['case_id']}/visits",
                            headers=pro["headers"]))["visits"]
    assert next(v for v in visits if v["id"] == visit["id"])["playlist_ids"] == [playlist["id"]]

    draft = _ok(_post(client, pro, f"/api/cases/{clip['case_id']}/playlists", title="Concept"),
                201)
    other_case = create_case(client, pro["headers"], "Gezin 2026-705")
    other_visit = _ok(_post(client, pro, f"/api/cases/{other_case}/visits"), 201)
    wrong = _patch(client, pro, f"/api/playlists/{draft['id']}", visit_id=other_visit["id"])
    assert wrong.status_code == 422 and wrong.json()["code"] == "visit_not_in_case"
    assert _patch(client, pro, f"/api/playlists/{draft['id']}", title=None).status_code == 422
    renamed = _ok(_patch(client, pro, f"/api/playlists/{draft['id']}", title="Bezoek 3",
                         private_notes="kort"))
    assert (renamed["title"], renamed["visit_id"], renamed["private_notes"]) == (
        "Bezoek 3", None, "kort")
    # notes and the visit are no edit of the presentation
    assert renamed["revision"] == draft["revision"]
    assert client.delete(f"/api/playlists/{draft['id']}",
                         headers=pro["headers"]).status_code == 204


def test_the_family_never_sees_the_private_notes(
        client: Any, runtime: Any, people: dict[str, Any], shown: dict[str, Any],
        tmp_path: Path, monkeypatch: Any) -> None:
    pro, playlist = people["pro"], shown["playlist"]
    made = _ok(_post(client, pro, f"/api/playlists/{playlist['id']}/shares"), 201)
    link = "/s/" + made["url"].rsplit("/s/", 1)[1]
    token = link.rsplit("/", 1)[1]
    client.cookies.clear()
    seen: list[str] = []
    # the family's player in the web app
    family = client.get(f"/api/shared/{token}")
    assert family.status_code == 200, family.text
    assert "private_notes" not in family.json() and "visit_id" not in family.json()
    seen.append(family.text)
    for url in (family.json()["captions_url"], family.json()["chapters_url"],
                family.json()["hls_url"]):
        got = client.get(url)
        assert got.status_code == 200
        seen.append(got.text)
    assert "Wat ziet u hier?" in seen[1]
    seen.append(client.get(link).text)  # the web app's page
    # the plain page served without a built web app
    monkeypatch.setattr(runtime.settings, "web_dir", tmp_path)
    plain = client.get(link)
    assert plain.status_code == 200 and "<video" in plain.text
    seen.append(plain.text)
    for text in seen:
        assert SECRET not in text and "somber" not in text


def test_playlist_moments_are_linked_to_goals_of_the_case_only(
        client: Any, people: dict[str, Any], clip: dict[str, Any],
        shown: dict[str, Any]) -> None:
    pro, goal, case_id = people["pro"], shown["goal"], clip["case_id"]
    goals = _ok(client.get(f"/api/cases/{case_id}/goals", headers=pro["headers"]))["goals"]
    assert next(g for g in goals if g["id"] == goal["id"])["items"] == 1

    other_case = create_case(client, pro["headers"], "Gezin 2026-706")
    other_goal = _ok(_post(client, pro, f"/api/cases/{other_case}/goals", title="Elders"), 201)
    playlist = _ok(_post(client, pro, f"/api/cases/{case_id}/playlists", title="Doelen"), 201)
    pid = playlist["id"]
    foreign = _post(client, pro, f"/api/playlists/{pid}/items", clip_id=clip["id"],
                    start_ms=0, end_ms=1_000, goal_ids=[other_goal["id"]])
    assert foreign.status_code == 422 and foreign.json()["code"] == "goal_not_in_case"
    assert foreign.json()["errors"][0]["field"] == "goal_ids"
    assert _ok(client.get(f"/api/playlists/{pid}", headers=pro["headers"]))["items"] == []

    second = _ok(_post(client, pro, f"/api/cases/{case_id}/goals", title="Samen spelen"), 201)
    added = _ok(_post(client, pro, f"/api/playlists/{pid}/items", clip_id=clip["id"],
                      start_ms=0, end_ms=1_000), 201)
    item = added["items"][0]
    assert item["goal_ids"] == []
    linked = _ok(_patch(client, pro, f"/api/playlists/{pid}/items/{item['id']}",
                        goal_ids=[second["id"], goal["id"], goal["id"]]))
    assert linked["items"][0]["goal_ids"] == [goal["id"], second["id"]]  # in the goals' order
    assert linked["revision"] == added["revision"]  # the presentation is unchanged
    refused = _patch(client, pro, f"/api/playlists/{pid}/items/{item['id']}",
                     goal_ids=[other_goal["id"]])
    assert refused.status_code == 422 and refused.json()["code"] == "goal_not_in_case"
    both = _ok(_patch(client, pro, f"/api/playlists/{pid}/items/{item['id']}",
                      caption="Kijk eens", goal_ids=[second["id"]]))
    assert both["items"][0]["goal_ids"] == [second["id"]]
    assert both["items"][0]["caption"] == "Kijk eens" and both["revision"] > added["revision"]
    # deleting a goal takes its links along, the moment stays
    assert client.delete(f"/api/goals/{second['id']}", headers=pro["headers"]).status_code == 204
    after = _ok(client.get(f"/api/playlists/{pid}", headers=pro["headers"]))
    assert [(i["id"], i["goal_ids"]) for i in after["items"]] == [(item["id"], [])]
    assert client.delete(f"/api/playlists/{pid}", headers=pro["headers"]).status_code == 204


# -- reflections -----------------------------------------------------------------------

def test_reflections_are_written_per_moment_and_a_stale_edit_is_refused(
        client: Any, runtime: Any, people: dict[str, Any], shown: dict[str, Any]) -> None:
    from core.db.models import AuditEvent

    pro, colleague = people["pro"], people["colleague"]
    playlist, visit = shown["playlist"], shown["visit"]
    item_id = playlist["items"][0]["id"]
    base = f"/api/playlists/{playlist['id']}/reflections"
    headers = pro["headers"]

    made = client.put(f"{base}/{item_id}", json={
        "parents_saw": "Dat ze wegkijkt als het te druk wordt",
        "parents_said": "Ik dacht altijd dat ze me niet leuk vond",
        "next_steps": "Even wachten tot ze terugkijkt"}, headers=headers)
    first = _ok(made, 201)
    assert (first["item_id"], first["version"], first["author_id"]) == (item_id, 1, pro["id"])
    assert first["visit_id"] == visit["id"]  # the visit the playlist is shown at
    assert made.headers["etag"] == f'"{first["id"]}.1"'
    whole = _ok(client.put(f"{base}/whole", json={"next_steps": "Volgende keer badje",
                                                  "visit_id": None}, headers=headers), 201)
    assert (whole["item_id"], whole["visit_id"], whole["parents_saw"]) == (None, None, "")

    updated = _ok(client.put(f"{base}/{item_id}", json={
        "parents_saw": "Dat ze wegkijkt", "parents_said": "", "next_steps": "Wachten"},
        headers={**headers, "If-Match": made.headers["etag"]}))
    assert (updated["version"], updated["parents_saw"]) == (2, "Dat ze wegkijkt")
    assert updated["visit_id"] == visit["id"]  # left out: unchanged
    by_number = _ok(client.put(f"{base}/{item_id}", json={"next_steps": "Wachten, dan praten"},
                               headers={**headers, "If-Match": "2"}))
    assert by_number["version"] == 3

    stale = client.put(f"{base}/{item_id}", json={"next_steps": "overschreven?"},
                       headers={**headers, "If-Match": made.headers["etag"]})
    assert stale.status_code == 412 and stale.json()["code"] == "version_conflict"
    assert stale.headers["etag"] == f'"{first["id"]}.3"'
    blind = client.put(f"{base}/{item_id}", json={"next_steps": "zonder te kijken"},
                       headers=headers)
    assert blind.status_code == 412 and blind.json()["code"] == "version_conflict"

    listed = _ok(client.get(base, headers=people["sup"]["headers"]))["reflections"]
    assert [(r["item_id"], r["version"]) for r in listed] == [(None, 1), (item_id, 3)]
    assert listed[1]["next_steps"] == "Wachten, dan praten"

    missing = client.put(f"{base}/nope", json={}, headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "item_not_found"
    other_case = create_case(client, pro["headers"], "Gezin 2026-707")
    other = _ok(_post(client, pro, f"/api/cases/{other_case}/visits"), 201)
    wrong = client.put(f"{base}/whole", json={"visit_id": other["id"]},
                       headers={**headers, "If-Match": "1"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "visit_not_in_case"
    # a colleague of the team without access to the case does not find it
    assert client.get(base, headers=colleague["headers"]).status_code == 404

    with runtime.db() as db:
        logged = db.scalars(select(AuditEvent).where(AuditEvent.object_id == first["id"])
                            .order_by(AuditEvent.id)).all()
    assert [e.action for e in logged] == ["create_reflection", "update_reflection",
                                          "update_reflection"]
    detail = json.loads(logged[1].detail)
    assert (detail["before"]["version"], detail["after"]["version"]) == (1, 2)
    assert all("wegkijkt" not in (e.detail or "") for e in logged)


# -- access ------------------------------------------------------------------------------

Route = tuple[str, str, dict[str, Any]]


def _routes(ids: dict[str, str]) -> tuple[list[Route], list[Route]]:
    """Every trajectory route: the reads and the changes, with a valid body."""
    case, goal, visit, person = ids["case"], ids["goal"], ids["visit"], ids["person"]
    playlist, item, clip = ids["playlist"], ids["item"], ids["clip"]
    reads: list[Route] = [
        ("GET", f"/api/cases/{case}/goals", {}), ("GET", f"/api/cases/{case}/visits", {}),
        ("GET", f"/api/cases/{case}/people", {}),
        ("GET", f"/api/playlists/{playlist}/reflections", {})]
    changes: list[Route] = [
        ("POST", f"/api/cases/{case}/goals", {"title": "Nieuw doel"}),
        ("PATCH", f"/api/goals/{goal}", {"status": "working"}),
        ("DELETE", f"/api/goals/{goal}", {}),
        ("POST", f"/api/cases/{case}/visits", {"number": 50}),
        ("PATCH", f"/api/visits/{visit}", {"phase": "evaluation"}),
        ("DELETE", f"/api/visits/{visit}", {}),
        ("POST", f"/api/cases/{case}/people", {"role": "father"}),
        ("PATCH", f"/api/case-people/{person}", {"label": "vader"}),
        ("DELETE", f"/api/case-people/{person}", {}),
        ("PATCH", f"/api/clips/{clip}", {"visit_id": visit}),
        ("PUT", f"/api/playlists/{playlist}/reflections/whole", {"next_steps": "x"}),
        ("PUT", f"/api/playlists/{playlist}/reflections/{item}", {"next_steps": "x"}),
    ]
    return reads, changes


def test_other_teams_find_nothing_and_a_supervisor_reads_but_does_not_change(
        client: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any],
        shown: dict[str, Any]) -> None:
    pro, case_id = people["pro"], clip["case_id"]
    ids = {"case": case_id, "clip": clip["id"], "playlist": shown["playlist"]["id"],
           "item": shown["playlist"]["items"][0]["id"], "visit": shown["visit"]["id"],
           "goal": _ok(_post(client, pro, f"/api/cases/{case_id}/goals", title="Toegang"),
                       201)["id"],
           "person": _ok(_post(client, pro, f"/api/cases/{case_id}/people", role="father"),
                         201)["id"]}
    reads, changes = _routes(ids)
    tried = held = 0
    for who in ("stranger", "other_sup", "colleague"):
        for method, path, body in reads + changes:
            resp = client.request(method, path, json=body or None,
                                  headers=people[who]["headers"])
            tried += 1
            held += resp.status_code == 404 and resp.json()["code"].endswith("_not_found")
            assert resp.status_code == 404, (who, method, path, resp.text)
    sup = people["sup"]
    for method, path, _ in reads:
        tried += 1
        assert client.request(method, path, headers=sup["headers"]).status_code == 200, path
        held += 1
    for method, path, body in changes:
        resp = client.request(method, path, json=body or None, headers=sup["headers"])
        tried += 1
        assert resp.status_code == 403, (method, path, resp.text)
        assert resp.json()["code"] == "trajectory_read_only"
        held += 1
    assert (tried, held) == (3 * 16 + 16, 3 * 16 + 16)
    # nothing changed behind the refusals
    goals = _ok(client.get(f"/api/cases/{case_id}/goals", headers=pro["headers"]))["goals"]
    assert next(g for g in goals if g["id"] == ids["goal"])["status"] == "open"
    visits = _ok(client.get(f"/api/cases/{case_id}/visits", headers=pro["headers"]))["visits"]
    assert next(v for v in visits if v["id"] == ids["visit"])["phase"] == "feedback"
    assert 50 not in [v["number"] for v in visits]


def test_a_closed_case_takes_no_trajectory_changes(
        client: Any, people: dict[str, Any]) -> None:
    pro = people["pro"]
    case_id = create_case(client, pro["headers"], "Gezin 2026-708")
    goal = _ok(_post(client, pro, f"/api/cases/{case_id}/goals", title="Rust"), 201)
    _ok(client.post(f"/api/cases/{case_id}/close", headers=pro["headers"]))
    for method, path, body in [("POST", f"/api/cases/{case_id}/goals", {"title": "Later"}),
                               ("PATCH", f"/api/goals/{goal['id']}", {"status": "reached"}),
                               ("POST", f"/api/cases/{case_id}/visits", {}),
                               ("POST", f"/api/cases/{case_id}/people", {"role": "baby"})]:
        resp = client.request(method, path, json=body, headers=pro["headers"])
        assert resp.status_code == 409 and resp.json()["code"] == "case_closed", path
    # reading stays possible
    listed = _ok(client.get(f"/api/cases/{case_id}/goals", headers=pro["headers"]))["goals"]
    assert [g["status"] for g in listed] == ["open"]
    _ok(client.post(f"/api/cases/{case_id}/reopen", headers=pro["headers"]))
    assert _patch(client, pro, f"/api/goals/{goal['id']}", status="working").status_code == 200


def test_every_change_is_in_the_access_log_with_before_and_after(
        client: Any, runtime: Any, people: dict[str, Any]) -> None:
    from core.db.models import AuditEvent

    pro = people["pro"]
    case_id = create_case(client, pro["headers"], "Gezin 2026-709")
    goal = _ok(_post(client, pro, f"/api/cases/{case_id}/goals", title="Oud"), 201)
    _ok(_patch(client, pro, f"/api/goals/{goal['id']}", title="Nieuw", status="working"))
    visit = _ok(_post(client, pro, f"/api/cases/{case_id}/visits", number=4), 201)
    _ok(_patch(client, pro, f"/api/visits/{visit['id']}", number=7))
    person = _ok(_post(client, pro, f"/api/cases/{case_id}/people", role="mother"), 201)
    assert client.delete(f"/api/case-people/{person['id']}",
                         headers=pro["headers"]).status_code == 204
    assert client.delete(f"/api/visits/{visit['id']}", headers=pro["headers"]).status_code == 204
    assert client.delete(f"/api/goals/{goal['id']}", headers=pro["headers"]).status_code == 204
    with runtime.db() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                     AuditEvent.user_id == pro["id"])
                            .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [
        "create_goal", "update_goal", "create_visit", "update_visit", "create_person",
        "delete_person", "delete_visit", "delete_goal"]
    assert all(e.outcome == "success" and e.role == "professional" for e in events)
    update = json.loads(events[1].detail)
    assert (update["before"]["title"], update["after"]["title"]) == ("Oud", "Nieuw")
    assert (update["before"]["status"], update["after"]["status"]) == ("open", "working")
    renumbered = json.loads(events[3].detail)
    assert (renumbered["before"]["number"], renumbered["after"]["number"]) == (4, 7)
    assert json.loads(events[7].detail)["after"] is None


def test_reflection_and_note_changes_are_logged_without_the_words(
        runtime: Any, people: dict[str, Any], shown: dict[str, Any]) -> None:
    from core.db.models import AuditEvent

    playlist = shown["playlist"]
    with runtime.db() as db:
        events = db.scalars(select(AuditEvent).where(
            AuditEvent.case_id == playlist["case_id"],
            AuditEvent.action.in_(["update_playlist", "link_item_goals"]))).all()
    notes = [json.loads(e.detail) for e in events if e.action == "update_playlist"
             and e.object_id == playlist["id"]]
    assert notes and notes[0]["after"]["private_notes_chars"] == len(SECRET)
    assert notes[0]["after"]["visit_id"] == shown["visit"]["id"]
    assert all(SECRET not in (e.detail or "") for e in events)
    assert any(e.action == "link_item_goals" for e in events)
