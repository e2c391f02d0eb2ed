"""Progress over a trajectory, on a small case worked out by hand: three visits,
clips coded through the API, and the numbers per visit and per goal as JSON
and as CSV; which coding counts for a clip; a before/after playlist that
alternates comparable moments of two visits."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from support import create_case

# -- the case ---------------------------------------------------------------------------
#
# Visit 1 (observation): clip A, 60 s, the owner's draft working set:
#   INITIATIVE_SOUND 1 s, RECEIVING_INITIATIVES 3 s (answers it: 2 s), INITIATIVE_LOOK
#   10 s (not answered), SHARED_JOY 20 s, MISMATCH 30-36 s, REPAIR 40 s (10 s after),
#   MISSED_SIGNAL 45-51 s (not repaired); sensitivity 3.
# clip B, 30 s: a draft working set (three NAMINGs, which do not count) and an approved
#   imported set: SHARED_JOY 5 s, COMFORTING 10-20 s linked to goal 1; sensitivity 5.
#   -> 1.5 min, 4 positive (2.67/min), 2 initiatives, half received in 2 s, mismatch
#      12 s of 90 s (0.1333), 1 of 2 repaired in 10 s, sensitivity (3 + 5) / 2 = 4.
# Visit 2 (feedback): clip C, 60 s, submitted:
#   INITIATIVE_GESTURE 2 s, RECEIVING_INITIATIVES 2.5 s (0.5 s), TURN_RETURNED 4 s (the
#   same gesture, later: the first answer counts), INITIATIVE_REACH 10 s, NAMING 11 s
#   (1 s), SHARED_JOY 20 s (goal 1), COMFORTING 30-35 s (goal 1), OVERSTIMULATION 40-43 s,
#   REPAIR 44 s (4 s); sensitivity 6.
#   -> 1 min, 5 positive, both initiatives received, median (500 + 1000) / 2 = 750 ms,
#      mismatch 3 s of 60 s (0.05), repaired 1.0 in 4 s, sensitivity 6.
# Visit 3 (evaluation): nothing filmed yet. One more clip has no visit.

VISIT_1 = {"number": 1, "visited_on": "2026-01-10", "phase": "observation",
           "minutes_coded": 1.5, "positive_per_min": 2.67, "initiatives": 2,
           "initiatives_received_share": 0.5, "median_response_ms": 2000,
           "mismatch_time_share": 0.1333, "repaired_share": 0.5, "median_repair_ms": 10000,
           "ratings": {"sensitivity": 4.0}}
VISIT_2 = {"number": 2, "visited_on": "2026-02-07", "phase": "feedback",
           "minutes_coded": 1.0, "positive_per_min": 5.0, "initiatives": 2,
           "initiatives_received_share": 1.0, "median_response_ms": 750,
           "mismatch_time_share": 0.05, "repaired_share": 1.0, "median_repair_ms": 4000,
           "ratings": {"sensitivity": 6.0}}
VISIT_3: dict[str, Any] = {
    "number": 3, "visited_on": None, "phase": "evaluation", "minutes_coded": 0.0,
    "positive_per_min": None, "initiatives": 0, "initiatives_received_share": None,
    "median_response_ms": None, "mismatch_time_share": None, "repaired_share": None,
    "median_repair_ms": None, "ratings": {}}


PEOPLE = {"pro": "professional", "sup": "supervisor", "stranger": "professional@elsewhere"}


def _add(client: Any, user: dict[str, Any], set_id: str, **body: Any) -> dict[str, Any]:
    resp = client.post(f"/api/sets/{set_id}/annotations", json=body, headers=user["headers"])
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _new_set(client: Any, user: dict[str, Any], clip_id: str, **body: Any) -> str:
    resp = client.post(f"/api/clips/{clip_id}/sets", json=body, headers=user["headers"])
    assert resp.status_code == 201, resp.text
    assert resp.json()["scheme"]["version"] == 2
    return str(resp.json()["id"])


def _rate(client: Any, user: dict[str, Any], set_id: str, value: int) -> None:
    resp = client.put(f"/api/sets/{set_id}/ratings/sensitivity", json={"value": value},
                      headers=user["headers"])
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def case(runtime: Any, app: Any, people: dict[str, Any]) -> dict[str, Any]:
    """The case above, coded through the API; visits, goals and clips made in the
    database (the clips as if processed)."""
    from fastapi.testclient import TestClient

    from core.db.models import AnnotationSet, Clip, ClipStatus, Goal, Visit, VisitPhase

    pro = people["pro"]
    with TestClient(app) as client:
        case_id = create_case(client, pro["headers"])
        other = create_case(client, pro["headers"])
        ids: dict[str, Any] = {"case": case_id}
        with runtime.db() as db:
            visits = [Visit(case_id=case_id, number=1, visited_on=date(2026, 1, 10),
                            phase=VisitPhase.observation, created_by=pro["id"]),
                      Visit(case_id=case_id, number=2, visited_on=date(2026, 2, 7),
                            phase=VisitPhase.feedback, created_by=pro["id"]),
                      Visit(case_id=case_id, number=3, phase=VisitPhase.evaluation,
                            created_by=pro["id"]),
                      Visit(case_id=other, number=1, created_by=pro["id"])]
            goals = [Goal(case_id=case_id, title="Troosten als het te veel wordt",
                          created_by=pro["id"]),
                     Goal(case_id=case_id, title="Samen spelen", position=1,
                          created_by=pro["id"]),
                     Goal(case_id=other, title="Elders", created_by=pro["id"])]
            db.add_all(visits + goals)
            db.flush()

            def clip(name: str, seconds: float, visit: Visit | None, minute: int) -> str:
                row = Clip(case_id=case_id, uploaded_by=pro["id"], filename=name,
                           original_key=f"cases/{case_id}/originals/{name}",
                           status=ClipStatus.ready, duration_s=seconds,
                           visit_id=visit.id if visit else None,
                           recorded_at=datetime(2026, 1, 10, 10, minute, tzinfo=UTC))
                db.add(row)
                db.flush()
                return str(row.id)

            ids.update(a=clip("a.mp4", 60.0, visits[0], 0), b=clip("b.mp4", 30.0, visits[0], 5),
                       c=clip("c.mp4", 60.0, visits[1], 0), d=clip("d.mp4", 20.0, None, 0))
            ids.update(v1=visits[0].id, v2=visits[1].id, v3=visits[2].id,
                       other_visit=visits[3].id, g1=goals[0].id, g2=goals[1].id,
                       other_goal=goals[2].id)

        g1 = ids["g1"]
        a = _new_set(client, pro, ids["a"])
        _add(client, pro, a, code="INITIATIVE_SOUND", start_ms=1_000)
        received = _add(client, pro, a, code="RECEIVING_INITIATIVES", start_ms=3_000)
        assert received["response_latency_ms"] == 2_000
        _add(client, pro, a, code="INITIATIVE_LOOK", start_ms=10_000)
        ids["joy_a"] = _add(client, pro, a, code="SHARED_JOY", start_ms=20_000)["id"]
        _add(client, pro, a, code="MISMATCH", start_ms=30_000, end_ms=36_000)
        assert _add(client, pro, a, code="REPAIR", start_ms=40_000)["repair_latency_ms"] \
            == 10_000
        _add(client, pro, a, code="MISSED_SIGNAL", start_ms=45_000, end_ms=51_000)
        _rate(client, pro, a, 3)
        ids["received_a"] = received["id"]

        draft_b = _new_set(client, pro, ids["b"])
        for at in (1_000, 2_000, 3_000):
            _add(client, pro, draft_b, code="NAMING", start_ms=at)
        approved_b = _new_set(client, pro, ids["b"], purpose="second_coder")
        _add(client, pro, approved_b, code="SHARED_JOY", start_ms=5_000)
        ids["comfort_b"] = _add(client, pro, approved_b, code="COMFORTING", start_ms=10_000,
                                end_ms=20_000, goal_ids=[g1])["id"]
        _rate(client, pro, approved_b, 5)
        with runtime.db() as db:
            row = db.get(AnnotationSet, approved_b)
            row.purpose, row.review_state = "imported", "approved"

        c = _new_set(client, pro, ids["c"])
        _add(client, pro, c, code="INITIATIVE_GESTURE", start_ms=2_000)
        ids["received_c"] = _add(client, pro, c, code="RECEIVING_INITIATIVES",
                                 start_ms=2_500)["id"]
        turn = _add(client, pro, c, code="TURN_RETURNED", start_ms=4_000)
        assert turn["response_latency_ms"] == 2_000
        _add(client, pro, c, code="INITIATIVE_REACH", start_ms=10_000)
        assert _add(client, pro, c, code="NAMING", start_ms=11_000)["response_latency_ms"] \
            == 1_000
        ids["joy_c"] = _add(client, pro, c, code="SHARED_JOY", start_ms=20_000,
                            goal_ids=[g1])["id"]
        ids["comfort_c"] = _add(client, pro, c, code="COMFORTING", start_ms=30_000,
                                end_ms=35_000, goal_ids=[g1])["id"]
        _add(client, pro, c, code="OVERSTIMULATION", start_ms=40_000, end_ms=43_000)
        repair = _add(client, pro, c, code="REPAIR", start_ms=44_000, subject="parent")
        assert repair["repair_latency_ms"] == 4_000
        _rate(client, pro, c, 6)
        submitted = client.post(f"/api/sets/{c}/review", json={"action": "submit"},
                                headers=pro["headers"])
        assert submitted.status_code == 200, submitted.text
    return ids


def _visit(expected: dict[str, Any], visit_id: str) -> dict[str, Any]:
    return {"visit_id": visit_id, **expected}


def test_the_numbers_per_visit_and_per_goal(client: Any, people: dict[str, Any],
                                            case: dict[str, Any]) -> None:
    resp = client.get(f"/api/cases/{case['case']}/progress", headers=people["pro"]["headers"])
    assert resp.status_code == 200, resp.text
    found = resp.json()
    assert found["visits"] == [_visit(VISIT_1, case["v1"]), _visit(VISIT_2, case["v2"]),
                               _visit(VISIT_3, case["v3"])]
    assert found["clips_without_visit"] == 1
    assert found["goals"] == [
        {"goal_id": case["g1"], "title": "Troosten als het te veel wordt", "status": "open",
         "per_visit": [{"visit_id": case["v1"], "moments": 1, "positive_per_min": 0.67},
                       {"visit_id": case["v2"], "moments": 2, "positive_per_min": 2.0},
                       {"visit_id": case["v3"], "moments": 0, "positive_per_min": None}]},
        {"goal_id": case["g2"], "title": "Samen spelen", "status": "open",
         "per_visit": [{"visit_id": case["v1"], "moments": 0, "positive_per_min": 0.0},
                       {"visit_id": case["v2"], "moments": 0, "positive_per_min": 0.0},
                       {"visit_id": case["v3"], "moments": 0, "positive_per_min": None}]}]
    # A supervisor of the team reads it; someone of another team does not know the case.
    assert client.get(f"/api/cases/{case['case']}/progress",
                      headers=people["sup"]["headers"]).json() == found
    for path in ("progress", "progress.csv"):
        assert client.get(f"/api/cases/{case['case']}/{path}",
                          headers=people["stranger"]["headers"]).status_code == 404


def test_the_function_the_report_uses_gives_the_same(runtime: Any, client: Any,
                                                     people: dict[str, Any],
                                                     case: dict[str, Any]) -> None:
    from core.db.models import Case
    from services.trajectory.progress import Progress, case_progress

    with runtime.db() as db:
        found = case_progress(db, db.get(Case, case["case"]))
    assert isinstance(found, Progress)
    assert found.visits[0].positive_per_min == 2.67
    assert found.visits[1].visited_on == date(2026, 2, 7)
    api = client.get(f"/api/cases/{case['case']}/progress",
                     headers=people["pro"]["headers"]).json()
    assert api["visits"][0]["median_repair_ms"] == found.visits[0].median_repair_ms


def test_the_csv_says_what_the_json_says(client: Any, runtime: Any, people: dict[str, Any],
                                         case: dict[str, Any]) -> None:
    headers = people["pro"]["headers"]
    resp = client.get(f"/api/cases/{case['case']}/progress.csv", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    visits = client.get(f"/api/cases/{case['case']}/progress", headers=headers).json()["visits"]
    assert len(rows) == len(visits) == 3
    for row, visit in zip(rows, visits, strict=True):
        for key, value in visit.items():
            if key == "ratings":
                continue
            assert row[key] == ("" if value is None else str(value)), (key, row, visit)
        assert row["rating_sensitivity"] == str(visit["ratings"].get("sensitivity", ""))
    assert rows[0]["positive_per_min"] == "2.67" and rows[2]["median_response_ms"] == ""
    from sqlalchemy import select

    from core.db.models import AuditEvent

    with runtime.db() as db:
        logged = db.scalars(select(AuditEvent.action).where(
            AuditEvent.case_id == case["case"], AuditEvent.action == "export_progress")).all()
    assert logged


def test_which_coding_counts_for_a_clip(client: Any, runtime: Any, people: dict[str, Any],
                                        case: dict[str, Any]) -> None:
    """Approved beats the owner's draft (clip B's NAMINGs never counted); once
    nothing is approved or submitted, the owner's latest set counts."""
    from sqlalchemy import select

    from core.db.models import AnnotationSet

    headers = people["pro"]["headers"]
    with runtime.db() as db:
        approved = db.scalar(select(AnnotationSet).where(
            AnnotationSet.clip_id == case["b"], AnnotationSet.review_state == "approved"))
        approved.review_state = "draft"
        approved.updated_at = datetime(2026, 1, 1, tzinfo=UTC)  # before the working set
    try:
        visit = client.get(f"/api/cases/{case['case']}/progress",
                           headers=headers).json()["visits"][0]
        # Clip B's working set was changed last: 2 + 3 NAMINGs over 1.5 minutes, and it
        # has no rating.
        assert visit["positive_per_min"] == round(5 / 1.5, 2)
        assert visit["ratings"] == {"sensitivity": 3.0}
    finally:
        with runtime.db() as db:
            db.get(AnnotationSet, approved.id).review_state = "approved"


def test_before_and_after_alternates_two_visits(client: Any, runtime: Any,
                                                people: dict[str, Any],
                                                case: dict[str, Any]) -> None:
    headers = people["pro"]["headers"]
    url = f"/api/cases/{case['case']}/playlists/before-after"
    resp = client.post(url, json={"visit_a": case["v1"], "visit_b": case["v2"],
                                  "goal_id": case["g1"]}, headers=headers)
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["status"] == "draft" and made["case_id"] == case["case"]
    assert made["title"] == "Troosten als het te veel wordt: bezoek 1 en 2"
    items = made["items"]
    # Goal-linked first (comforting at both), then the same code (receiving, joy).
    assert [i["annotation_id"] for i in items] == [
        case["comfort_b"], case["comfort_c"], case["received_a"], case["received_c"],
        case["joy_a"], case["joy_c"]]
    assert [i["caption"] for i in items] == ["Bezoek 1", "Bezoek 2"] * 3
    assert [i["clip_id"] for i in items[:2]] == [case["b"], case["c"]]
    from sqlalchemy import select

    from core.db.models import AuditEvent, PlaylistItemGoal

    with runtime.db() as db:
        linked = set(db.scalars(select(PlaylistItemGoal.item_id).where(
            PlaylistItemGoal.goal_id == case["g1"])))
        logged = db.scalar(select(AuditEvent.detail).where(
            AuditEvent.object_id == made["id"], AuditEvent.action == "create_before_after"))
    assert linked == {items[0]["id"], items[1]["id"], items[5]["id"]}
    assert logged and case["v2"] in logged

    two = client.post(url, json={"visit_a": case["v2"], "visit_b": case["v1"], "pairs": 2,
                                 "title": "Toen en nu"}, headers=headers).json()
    assert two["title"] == "Toen en nu"
    assert [i["caption"] for i in two["items"]] == ["Bezoek 2", "Bezoek 1"] * 2
    codes = [i["code"] for i in two["items"]]
    assert codes[0] == codes[1] and codes[2] == codes[3]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"visit_b": "v1"}, 422, "same_visit"),
    ({"visit_b": "other_visit"}, 422, "visit_not_in_case"),
    ({"goal_id": "other_goal"}, 422, "goal_not_in_case"),
    ({"visit_b": "v3"}, 422, "no_comparable_moments"),
    ({"pairs": 0}, 422, "invalid_request"),
])
def test_before_and_after_says_what_is_wrong(client: Any, people: dict[str, Any],
                                             case: dict[str, Any], body: dict[str, str],
                                             status: int, code: str) -> None:
    request = {"visit_a": case["v1"], "visit_b": case["v2"],
               **{k: case[v] if isinstance(v, str) else v for k, v in body.items()}}
    resp = client.post(f"/api/cases/{case['case']}/playlists/before-after", json=request,
                       headers=people["pro"]["headers"])
    assert (resp.status_code, resp.json()["code"]) == (status, code), resp.text
