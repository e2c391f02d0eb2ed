"""Supervision as a professional and a supervisor live it: submitting a set,
approving or sending it back, the queue, comment threads in the clip, the
inbox, and a second coder who codes blind until both sets are in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import media
import pytest
from support import ready_clip

STATES = ("draft", "submitted", "approved", "changes_requested")
ACTIONS = ("submit", "withdraw", "approve", "request_changes", "reopen")
#: (state, action, who) -> the state after it; every other combination is refused.
ALLOWED = {
    ("draft", "submit", "coder"): "submitted",
    ("changes_requested", "submit", "coder"): "submitted",
    ("submitted", "withdraw", "coder"): "draft",
    ("submitted", "approve", "sup"): "approved",
    ("submitted", "request_changes", "sup"): "changes_requested",
    ("approved", "reopen", "coder"): "draft",
}


PEOPLE = {"pro": "professional", "colleague": "professional", "sup": "supervisor",
          "sup2": "supervisor", "other_sup": "supervisor@elsewhere", "admin": "admin"}


@pytest.fixture(scope="module")
def clip(runtime: Any, app: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=10,
                                   name="supervision.mp4")
    with TestClient(app) as client:
        return ready_clip(runtime, client, people["pro"]["headers"], source, "Gezin 2026-101")


def _set_with(client: Any, user: dict[str, Any], clip_id: str, *codes: tuple[str, int],
              purpose: str | None = None) -> dict[str, Any]:
    body = {"purpose": purpose} if purpose else {}
    made = client.post(f"/api/clips/{clip_id}/sets", json=body, headers=user["headers"])
    assert made.status_code == 201, made.text
    for code, at in codes:
        added = client.post(f"/api/sets/{made.json()['id']}/annotations",
                            json={"code": code, "start_ms": at}, headers=user["headers"])
        assert added.status_code == 201, added.text
    return dict(made.json())


@pytest.fixture(scope="module")
def working(app: Any, clip: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        return _set_with(client, people["pro"], clip["id"], ("SHARED_JOY", 1_000),
                         ("NAMING", 3_000), ("ATTENTIVE", 6_000))


def _force_state(runtime: Any, set_id: str, state: str) -> None:
    from core.db.models import AnnotationSet

    with runtime.db() as db:
        row = db.get(AnnotationSet, set_id)
        row.review_state = state


def _move(client: Any, user: dict[str, Any], set_id: str, action: str,
          comment: str = "") -> Any:
    return client.post(f"/api/sets/{set_id}/review", json={"action": action, "comment": comment},
                       headers=user["headers"])


# -- the state machine ---------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_every_transition_is_allowed_or_refused_by_state_and_role(
        client: Any, runtime: Any, people: dict[str, Any], working: dict[str, Any],
        state: str) -> None:
    for action in ACTIONS:
        for who, user in (("coder", people["pro"]), ("sup", people["sup"])):
            _force_state(runtime, working["id"], state)
            resp = _move(client, user, working["id"], action, comment="Kijk naar 0:03")
            expected = ALLOWED.get((state, action, who))
            if expected:
                assert resp.status_code == 200, (state, action, who, resp.text)
                assert resp.json()["state"] == expected
                last = resp.json()["transitions"][-1]
                assert (last["from_state"], last["to_state"], last["actor"]) == \
                    (state, expected, user["email"])
            else:
                assert resp.status_code in (403, 409), (state, action, who, resp.text)
                assert resp.json()["detail"]
                wrong_party = (action in ("submit", "withdraw", "reopen")) != (who == "coder")
                assert resp.status_code == (403 if wrong_party else 409), (state, action, who)
    _force_state(runtime, working["id"], "draft")


def test_only_a_supervisor_of_the_team_decides_and_never_on_their_own_set(
        client: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any],
        working: dict[str, Any]) -> None:
    _force_state(runtime, working["id"], "submitted")
    for outsider, status in (("other_sup", 404), ("admin", 404), ("colleague", 404)):
        resp = _move(client, people[outsider], working["id"], "approve")
        assert resp.status_code == status, (outsider, resp.text)
    own = _set_with(client, people["sup"], clip["id"], ("SHARED_JOY", 500),
                    purpose="second_coder")
    assert _move(client, people["sup"], own["id"], "submit").status_code == 200
    refused = _move(client, people["sup"], own["id"], "approve")
    assert refused.status_code == 403 and refused.json()["code"] == "own_set"
    assert _move(client, people["sup2"], own["id"], "approve").json()["state"] == "approved"
    _force_state(runtime, working["id"], "draft")


def test_sending_back_needs_a_reason_and_an_empty_set_cannot_be_submitted(
        client: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any],
        working: dict[str, Any]) -> None:
    empty = _set_with(client, people["sup2"], clip["id"],
                      purpose="second_coder")
    resp = _move(client, people["sup2"], empty["id"], "submit")
    assert resp.status_code == 422 and resp.json()["code"] == "empty_set"
    _force_state(runtime, working["id"], "submitted")
    silent = _move(client, people["sup"], working["id"], "request_changes", comment="  ")
    assert silent.status_code == 422 and silent.json()["errors"][0]["field"] == "comment"
    assert silent.json()["errors"][0]["code"] == "comment_required"
    _force_state(runtime, working["id"], "draft")


def test_a_submitted_or_approved_set_is_read_only_until_its_coder_takes_it_back(
        client: Any, runtime: Any, people: dict[str, Any], working: dict[str, Any]) -> None:
    """A supervisor never decides on what they did not see, and a stray edit never
    takes a set out of their queue: edits wait for a withdraw (or a reopen)."""
    pro, sup = people["pro"], people["sup"]
    set_id = working["id"]

    def refused(resp: Any, code: str) -> None:
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == code and resp.json()["detail"]

    def edits() -> list[Any]:
        first = client.get(f"/api/sets/{set_id}", headers=pro["headers"]).json()[
            "annotations"][0]
        url, tag = f"/api/annotations/{first['id']}", f'"{first["id"]}.{first["version"]}"'
        return [
            client.post(f"/api/sets/{set_id}/annotations",
                        json={"code": "GUIDING", "start_ms": 8_000}, headers=pro["headers"]),
            client.patch(url, json={"note": "toch anders"},
                         headers={**pro["headers"], "If-Match": tag}),
            client.delete(url, headers={**pro["headers"], "If-Match": tag}),
            client.put(f"/api/sets/{set_id}/ratings/sensitivity", json={"value": 3},
                       headers=pro["headers"]),
        ]

    before = client.get(f"/api/sets/{set_id}", headers=pro["headers"]).json()
    assert _move(client, pro, set_id, "submit").json()["state"] == "submitted"
    for resp in edits():
        refused(resp, "set_submitted")
    review = client.get(f"/api/sets/{set_id}/review", headers=sup["headers"]).json()
    assert review["state"] == "submitted"  # still in the supervisor's queue
    queue = client.get("/api/review/queue", headers=sup["headers"]).json()
    assert set_id in [i["set_id"] for i in queue]
    after = client.get(f"/api/sets/{set_id}", headers=pro["headers"]).json()
    assert after["annotations"] == before["annotations"]

    # withdrawn on purpose, it is the coder's again
    assert _move(client, pro, set_id, "withdraw").json()["state"] == "draft"
    added = client.post(f"/api/sets/{set_id}/annotations",
                        json={"code": "GUIDING", "start_ms": 8_000}, headers=pro["headers"])
    assert added.status_code == 201, added.text
    _move(client, pro, set_id, "submit")
    assert _move(client, sup, set_id, "approve").json()["state"] == "approved"

    # approved is done: changing it needs a deliberate reopen, which takes the approval back
    for resp in edits():
        refused(resp, "set_approved")
    assert client.get(f"/api/sets/{set_id}/review",
                      headers=pro["headers"]).json()["state"] == "approved"
    reopened = _move(client, pro, set_id, "reopen")
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["state"] == "draft"
    last = reopened.json()["transitions"][-1]
    assert (last["from_state"], last["to_state"], last["actor"]) == (
        "approved", "draft", pro["email"])
    assert _move(client, sup, set_id, "approve").status_code == 409  # not seen again yet
    first = client.get(f"/api/sets/{set_id}", headers=pro["headers"]).json()["annotations"][0]
    changed = client.patch(f"/api/annotations/{first['id']}", json={"note": "toch anders"},
                           headers={**pro["headers"],
                                    "If-Match": f'"{first["id"]}.{first["version"]}"'})
    assert changed.status_code == 200, changed.text
    listed = client.get(f"/api/clips/{working['clip_id']}/sets", headers=pro["headers"]).json()
    assert next(s for s in listed if s["id"] == set_id)["review_state"] == "draft"
    _force_state(runtime, set_id, "draft")


def test_each_step_in_the_history_says_what_it_was_as_a_key(
        client: Any, people: dict[str, Any], clip: dict[str, Any]) -> None:
    sup, sup2 = people["sup"], people["sup2"]
    own = _set_with(client, sup2, clip["id"], ("NAMING", 900), purpose="second_coder")
    _move(client, sup2, own["id"], "submit", comment="Eerste keer")
    _move(client, sup2, own["id"], "withdraw")
    _move(client, sup2, own["id"], "submit")
    _move(client, sup, own["id"], "request_changes", comment="Kijk nog eens naar 0:01")
    _move(client, sup2, own["id"], "submit")
    _move(client, sup, own["id"], "approve")
    _move(client, sup2, own["id"], "reopen")
    steps = client.get(f"/api/sets/{own['id']}/review", headers=sup["headers"]).json()
    assert [s["kind"] for s in steps["transitions"]] == [
        "submitted", "withdrawn", "submitted", "changes_requested", "submitted", "approved",
        "reopened"]
    assert [s["note"] for s in steps["transitions"]] == [
        "Eerste keer", "", "", "Kijk nog eens naar 0:01", "", "", ""]


def test_older_histories_name_a_step_an_edit_made() -> None:
    from core.db.models import ReviewTransition
    from services.review.supervision import REOPENED_BY_EDIT, own_words, step_kind

    def step(source: str, comment: str = "") -> ReviewTransition:
        return ReviewTransition(from_state=source, to_state="draft", comment=comment)

    assert step_kind(step("submitted", "Nog niet af")) == "withdrawn"
    assert step_kind(step("approved")) == "reopened"
    edited = step("submitted", REOPENED_BY_EDIT)
    assert step_kind(edited) == "reopened" and own_words(edited) == ""
    assert own_words(step("submitted", "Nog niet af")) == "Nog niet af"


# -- queue and inbox -----------------------------------------------------------------

def test_the_queue_shows_submitted_sets_oldest_first_with_filters(
        client: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any],
        working: dict[str, Any]) -> None:
    pro, sup, colleague = people["pro"], people["sup"], people["colleague"]
    _force_state(runtime, working["id"], "draft")
    assert _move(client, pro, working["id"], "submit").status_code == 200
    later = _set_with(client, sup, clip["id"], ("NAMING", 700), purpose="second_coder")
    _move(client, sup, later["id"], "submit")
    queue = client.get("/api/review/queue", headers=people["sup2"]["headers"]).json()
    ids = [item["set_id"] for item in queue]
    assert ids.index(working["id"]) < ids.index(later["id"])
    entry = next(i for i in queue if i["set_id"] == working["id"])
    assert entry["case_label"] == "Gezin 2026-101" and entry["coder"] == pro["email"]
    own_excluded = client.get("/api/review/queue", headers=sup["headers"]).json()
    assert later["id"] not in [i["set_id"] for i in own_excluded]
    by_pro = client.get("/api/review/queue", params={"coder_id": pro["id"]},
                        headers=people["sup2"]["headers"]).json()
    assert {i["coder_id"] for i in by_pro} == {pro["id"]}
    by_case = client.get("/api/review/queue", params={"case_id": "nope"},
                         headers=people["sup2"]["headers"]).json()
    assert by_case == []
    assert client.get("/api/review/queue", headers=colleague["headers"]).status_code == 403
    assert client.get("/api/review/queue",
                      headers=people["other_sup"]["headers"]).json() == []


def test_the_queue_shows_the_professionals_note_and_whether_the_family_consented(
        client: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any],
        working: dict[str, Any]) -> None:
    pro, sup = people["pro"], people["sup"]
    _force_state(runtime, working["id"], "draft")
    assert _move(client, pro, working["id"], "submit",
                 comment="Twijfel bij 0:03: is dit ontvangen?").status_code == 200

    def entry() -> dict[str, Any]:
        queue = client.get("/api/review/queue", headers=sup["headers"]).json()
        return dict(next(i for i in queue if i["set_id"] == working["id"]))

    assert entry()["note"] == "Twijfel bij 0:03: is dit ontvangen?"
    assert entry()["consent_supervision"] is False  # nothing recorded yet
    agreed = client.put(f"/api/cases/{clip['case_id']}/consent",
                        json={"feedback": False, "supervision": True, "training": False},
                        headers=pro["headers"])
    assert agreed.status_code == 200, agreed.text
    assert entry()["consent_supervision"] is True
    _move(client, pro, working["id"], "withdraw")
    _move(client, pro, working["id"], "submit")  # a new submission without words
    assert entry()["note"] == ""
    _force_state(runtime, working["id"], "draft")


def test_the_professional_sees_the_outcome_and_open_threads_in_the_inbox(
        client: Any, runtime: Any, people: dict[str, Any], working: dict[str, Any]) -> None:
    pro, sup = people["pro"], people["sup"]
    _force_state(runtime, working["id"], "submitted")
    _move(client, sup, working["id"], "request_changes", comment="Markeer ook de blik bij 0:04")
    thread = client.post(f"/api/clips/{working['clip_id']}/comments",
                         json={"body": "Zie je hier de reactie?", "start_ms": 4_200,
                               "set_id": working["id"]}, headers=sup["headers"]).json()
    inbox = client.get("/api/inbox", headers=pro["headers"]).json()
    kinds = {i["kind"]: i for i in inbox}
    assert "Markeer ook de blik" in kinds["changes_requested"]["message"]
    assert kinds["comment"]["comment_id"] == thread["id"]
    assert kinds["comment"]["message"].startswith("0:04")
    # which case and clip, who and what, for the app to word in its own language
    for item in inbox:
        assert (item["case_label"], item["clip"], item["case_id"]) == \
            ("Gezin 2026-101", "badje.mp4", working_case(client, pro, working))
    changes = kinds["changes_requested"]
    assert (changes["actor"], changes["text"], changes["set_coder_id"]) == \
        (sup["email"], "Markeer ook de blik bij 0:04", pro["id"])
    said = kinds["comment"]
    assert (said["actor"], said["text"], said["start_ms"]) == \
        (sup["email"], "Zie je hier de reactie?", 4_200)
    client.post(f"/api/comments/{thread['id']}/replies", json={"body": "Ja, ze kijkt terug"},
                headers=pro["headers"])
    after = client.get("/api/inbox", headers=pro["headers"]).json()
    assert thread["id"] not in [i.get("comment_id") for i in after]
    sup_inbox = client.get("/api/inbox", headers=sup["headers"]).json()
    assert any(i.get("comment_id") == thread["id"] and "terug" in i["message"]
               for i in sup_inbox)
    _move(client, pro, working["id"], "submit")
    _move(client, sup, working["id"], "approve", comment="Mooi gecodeerd")
    final = client.get("/api/inbox", headers=pro["headers"]).json()
    assert [i["kind"] for i in final if i["set_id"] == working["id"]
            and i["kind"] != "comment"] == ["approved"]
    assert any("Mooi gecodeerd" in i["message"] for i in final if i["kind"] == "approved")


# -- comment threads -----------------------------------------------------------------

def test_comments_anchor_at_a_time_a_range_or_an_annotation(
        client: Any, people: dict[str, Any], working: dict[str, Any]) -> None:
    sup, pro = people["sup"], people["pro"]
    clip_id = working["clip_id"]
    detail = client.get(f"/api/sets/{working['id']}", headers=sup["headers"]).json()
    annotation = detail["annotations"][0]
    on_note = client.post(f"/api/clips/{clip_id}/comments",
                          json={"body": "Goed gezien", "annotation_id": annotation["id"]},
                          headers=sup["headers"])
    assert on_note.status_code == 201, on_note.text
    assert (on_note.json()["start_ms"], on_note.json()["set_id"]) == \
        (annotation["start_ms"], working["id"])
    ranged = client.post(f"/api/clips/{clip_id}/comments",
                         json={"body": "Hele stuk", "start_ms": 2_000, "end_ms": 5_000},
                         headers=pro["headers"]).json()
    assert (ranged["start_ms"], ranged["end_ms"], ranged["set_id"]) == (2_000, 5_000, None)
    for bad, field in (({"start_ms": 99_000}, "start_ms"),
                       ({"start_ms": 3_000, "end_ms": 2_000}, "end_ms"),
                       ({}, "start_ms"),
                       ({"annotation_id": "nope"}, "annotation_id"),
                       ({"set_id": "nope", "start_ms": 10}, "set_id")):
        resp = client.post(f"/api/clips/{clip_id}/comments", json={"body": "x", **bad},
                           headers=pro["headers"])
        assert resp.status_code == 422, (bad, resp.text)
        assert resp.json()["errors"][0]["field"] == field
    empty = client.post(f"/api/clips/{clip_id}/comments", json={"body": "", "start_ms": 1},
                        headers=pro["headers"])
    assert empty.status_code == 422
    threads = client.get(f"/api/clips/{clip_id}/comments", headers=pro["headers"]).json()
    starts = [t["start_ms"] for t in threads]
    assert starts == sorted(starts)


def test_threads_take_replies_and_are_resolved_and_reopened_as_a_whole(
        client: Any, people: dict[str, Any], working: dict[str, Any]) -> None:
    sup, pro = people["sup"], people["pro"]
    clip_id = working["clip_id"]
    root = client.post(f"/api/clips/{clip_id}/comments",
                       json={"body": "Wat zie je hier?", "start_ms": 7_000},
                       headers=sup["headers"]).json()
    answer = client.post(f"/api/comments/{root['id']}/replies", json={"body": "Ze lacht"},
                         headers=pro["headers"]).json()
    reply_id = answer["replies"][0]["id"]
    nested = client.post(f"/api/comments/{reply_id}/replies", json={"body": "Klopt"},
                         headers=sup["headers"]).json()
    assert nested["id"] == root["id"]
    assert [r["body"] for r in nested["replies"]] == ["Ze lacht", "Klopt"]
    assert client.post(f"/api/comments/{reply_id}/resolve",
                       headers=pro["headers"]).status_code == 422
    resolved = client.post(f"/api/comments/{root['id']}/resolve", headers=pro["headers"]).json()
    assert resolved["resolved"] and resolved["resolved_by"] == pro["id"]
    open_ones = client.get(f"/api/clips/{clip_id}/comments", params={"open": True},
                           headers=pro["headers"]).json()
    assert root["id"] not in [t["id"] for t in open_ones]
    reopened = client.post(f"/api/comments/{root['id']}/unresolve", headers=sup["headers"])
    assert reopened.json()["resolved"] is False
    for outsider in ("other_sup", "admin"):
        assert client.get(f"/api/comments/{root['id']}",
                          headers=people[outsider]["headers"]).status_code == 404
        assert client.post(f"/api/clips/{clip_id}/comments", json={"body": "x", "start_ms": 1},
                           headers=people[outsider]["headers"]).status_code == 404


# -- second coders -------------------------------------------------------------------

def test_a_second_coder_codes_blind_and_both_see_the_agreement_once_submitted(
        client: Any, runtime: Any, people: dict[str, Any], working: dict[str, Any]) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    pro, sup, colleague = people["pro"], people["sup"], people["colleague"]
    clip_id = working["clip_id"]
    assert client.get(f"/api/clips/{clip_id}", headers=colleague["headers"]).status_code == 404
    refused = client.post(f"/api/clips/{clip_id}/second-coders",
                          json={"coder_id": colleague["id"]}, headers=pro["headers"])
    assert refused.status_code == 403
    # whom the supervisor can pick: the team's coders but the reference's, and not herself
    listed = client.get(f"/api/clips/{clip_id}/second-coders/candidates",
                        headers=sup["headers"])
    assert listed.status_code == 200, listed.text
    assert {c["email"] for c in listed.json()} == {colleague["email"], people["sup2"]["email"]}
    assert client.get(f"/api/clips/{clip_id}/second-coders/candidates",
                      headers=pro["headers"]).status_code == 403
    for bad, code in ((people["other_sup"]["id"], "invalid_coder"), (pro["id"], "same_coder"),
                      ("nobody", "invalid_coder")):
        resp = client.post(f"/api/clips/{clip_id}/second-coders", json={"coder_id": bad},
                           headers=sup["headers"])
        assert (resp.status_code, resp.json()["code"]) == (422, code)
        assert resp.json()["errors"][0]["code"] == code
    made = client.post(f"/api/clips/{clip_id}/second-coders",
                       json={"coder_id": colleague["id"], "note": "Voor de betrouwbaarheid"},
                       headers=sup["headers"])
    assert made.status_code == 201, made.text
    assignment = made.json()
    assert assignment["reference_set_id"] == working["id"]
    assert "Waiting for" in assignment["waiting_for"] and assignment["agreement"] is None
    assert colleague["email"] in assignment["waiting_on"]
    assert assignment["reference_coder"] == pro["email"] and assignment["scheme_id"]
    assert colleague["email"] not in {c["email"] for c in client.get(
        f"/api/clips/{clip_id}/second-coders/candidates", headers=sup["headers"]).json()}
    again = client.post(f"/api/clips/{clip_id}/second-coders",
                        json={"coder_id": colleague["id"]}, headers=sup["headers"])
    assert again.status_code == 409
    with runtime.db() as db:
        grants = db.scalars(select(AuditEvent).where(AuditEvent.action == "grant_case_access",
                                                     AuditEvent.object_id ==
                                                     assignment_case(client, pro, clip_id)))
        assert colleague["email"] in next(g.detail for g in grants)

    # blind: only their own set, no other set, no threads about other sets
    inbox = client.get("/api/inbox", headers=colleague["headers"]).json()
    asked = next(i for i in inbox if i["kind"] == "second_coding")
    assert (asked["set_id"], asked["actor"], asked["text"], asked["clip"]) == \
        (assignment["set_id"], sup["email"], "Voor de betrouwbaarheid", "badje.mp4")
    visible = client.get(f"/api/clips/{clip_id}/sets", headers=colleague["headers"]).json()
    assert [s["id"] for s in visible] == [assignment["set_id"]]
    blocked = client.get(f"/api/sets/{working['id']}", headers=colleague["headers"])
    assert blocked.status_code == 403 and blocked.json()["code"] == "second_coder_blinded"
    threads = client.get(f"/api/clips/{clip_id}/comments", headers=colleague["headers"]).json()
    assert all(t["set_id"] in (None, assignment["set_id"]) for t in threads)

    own = assignment["set_id"]
    for code, at in (("SHARED_JOY", 1_100), ("NAMING", 3_000), ("GUIDING", 8_100)):
        client.post(f"/api/sets/{own}/annotations", json={"code": code, "start_ms": at},
                    headers=colleague["headers"])
    assert _move(client, colleague, own, "submit").status_code == 200
    _force_state(runtime, working["id"], "draft")
    waiting = client.get(f"/api/clips/{clip_id}/second-coders", headers=sup["headers"]).json()
    assert pro["email"] in waiting[0]["waiting_for"]
    _move(client, pro, working["id"], "submit")
    done = client.get(f"/api/clips/{clip_id}/second-coders",
                      headers=colleague["headers"]).json()[0]
    assert done["waiting_for"] is None and done["waiting_on"] == []
    assert done["agreement"]["overall"]["events"]["matched"] >= 2
    assert done["agreement"]["overall"]["pooled_kappa"] is not None
    assert client.get(f"/api/sets/{working['id']}",
                      headers=colleague["headers"]).status_code == 200


def assignment_case(client: Any, user: dict[str, Any], clip_id: str) -> str:
    return str(client.get(f"/api/clips/{clip_id}", headers=user["headers"]).json()["case_id"])


def working_case(client: Any, user: dict[str, Any], working: dict[str, Any]) -> str:
    return assignment_case(client, user, working["clip_id"])
