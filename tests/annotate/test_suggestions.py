"""Suggestions through the API on clips that really went through upload and
transcode: the analysis runs on the transcode's own extra outputs, proposes a
planted mismatch and its repair, and a professional accepts or rejects them;
the analysis never fails a clip, and nobody outside the case sees anything.

The clips come from bench/synthetic.py: two figures whose motion is coupled
except over planted intervals, where the baby also cries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import media
import pytest
import synthetic
from support import ready_clip, run_jobs, suggest

PEOPLE = {"pro": "professional", "sup": "supervisor", "colleague": "professional",
          "stranger": "professional@elsewhere"}


@pytest.fixture(scope="module")
def family(runtime: Any, api: Any, media_dir: Path,
           people: dict[str, Any]) -> dict[str, Any]:
    """A 40 s family clip with planted mismatches, ready, with the pro's working set."""
    path = media_dir / "synthetic_family.mp4"
    truth = synthetic.write_clip(synthetic.ClipSpec(kind="family", seconds=40, seed=11), path)
    assert any(code == "MISMATCH" for code, _, _ in truth), truth
    clip = ready_clip(runtime, api, people["pro"]["headers"], path, "Gezin 2026-701")
    made = api.post(f"/api/clips/{clip['id']}/sets", json={}, headers=people["pro"]["headers"])
    assert made.status_code == 201, made.text
    return {"clip": clip, "truth": truth, "set_id": made.json()["id"]}


def _analysis(api: Any, person: dict[str, Any], clip_id: str, **params: str) -> Any:
    return api.get(f"/api/clips/{clip_id}/analysis", params=params, headers=person["headers"])


def _decide(api: Any, person: dict[str, Any], suggestion_id: str, verdict: str,
            set_id: str) -> Any:
    return api.post(f"/api/suggestions/{suggestion_id}/{verdict}", json={"set_id": set_id},
                    headers=person["headers"])


def test_the_planted_mismatch_and_its_repair_are_suggested_with_their_evidence(
        api: Any, people: dict[str, Any], family: dict[str, Any]) -> None:
    found = _analysis(api, people["pro"], family["clip"]["id"])
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["status"] == "ready" and body["error"] is None
    planted = [(start, end) for code, start, end in family["truth"] if code == "MISMATCH"]
    mismatches = [s for s in body["suggestions"] if s["code"] == "MISMATCH"]
    assert mismatches, body["notes"]
    hits = [s for s in mismatches
            if any(abs(s["start_ms"] - start) <= 1500 for start, _ in planted)]
    assert hits, (planted, [(s["start_ms"], s["end_ms"]) for s in mismatches])
    hit = hits[0]
    assert hit["source"] == "suggested" and 0 < hit["confidence"] <= 1
    assert hit["explanation"] and hit["evidence"] and hit["decision"] is None
    repairs = [s for s in body["suggestions"] if s["repairs"] == hit["id"]]
    assert repairs and repairs[0]["code"] == "REPAIR"
    assert repairs[0]["start_ms"] >= hit["start_ms"]
    # the timeline's series: motion per region, synchrony and its chance level, cry
    series = body["series"]["series"]
    for name in ("motion_parent", "motion_child", "synchrony", "synchrony_chance", "cry"):
        assert name in series, sorted(series)


def test_accepting_copies_into_my_set_and_rejecting_is_remembered(
        api: Any, people: dict[str, Any], family: dict[str, Any]) -> None:
    pro, clip_id, set_id = people["pro"], family["clip"]["id"], family["set_id"]
    listed = _analysis(api, pro, clip_id).json()["suggestions"]
    mismatch = next(s for s in listed if s["code"] == "MISMATCH")
    repair = next(s for s in listed if s["repairs"] == mismatch["id"])

    kept = _decide(api, pro, mismatch["id"], "accept", set_id)
    assert kept.status_code == 201, kept.text
    copy = kept.json()["annotation"]
    assert copy["set_id"] == set_id and copy["source"] == "suggested"
    assert (copy["code"], copy["start_ms"], copy["end_ms"]) == (
        "MISMATCH", mismatch["start_ms"], mismatch["end_ms"])
    linked = _decide(api, pro, repair["id"], "accept", set_id).json()["annotation"]
    assert linked["repairs"] == copy["id"]  # the repair links to my copy of the mismatch
    assert linked["repair_latency_ms"] == linked["start_ms"] - copy["start_ms"]

    again = _decide(api, pro, mismatch["id"], "accept", set_id)
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    others = [s for s in listed if s["id"] not in (mismatch["id"], repair["id"])]
    if others:
        turned_down = _decide(api, pro, others[0]["id"], "reject", set_id)
        assert turned_down.status_code == 200 and turned_down.json()["annotation"] is None

    shown = {s["id"]: s["decision"]
             for s in _analysis(api, pro, clip_id, set_id=set_id).json()["suggestions"]}
    assert shown[mismatch["id"]] == shown[repair["id"]] == "accepted"
    mine = api.get(f"/api/sets/{set_id}", headers=pro["headers"]).json()["annotations"]
    assert {a["id"] for a in mine} >= {copy["id"], linked["id"]}

    report = api.get(f"/api/clips/{clip_id}/suggestions/evaluation",
                     params={"set_id": set_id}, headers=pro["headers"]).json()
    assert report["accepted"] == 2 and report["rejected"] == (1 if others else 0)
    assert report["suggested"] == len(listed)
    assert report["acceptance_rate"] == pytest.approx(2 / (2 + report["rejected"]), abs=1e-3)
    by_code = {c["code"]: c for c in report["agreement"]["per_code"]}
    assert by_code["MISMATCH"]["events"]["matched"] >= 1


def test_an_accepted_repair_links_to_my_own_mismatch_as_the_repair_key_does(
        api: Any, runtime: Any, media_dir: Path, people: dict[str, Any]) -> None:
    """I coded the mismatch myself and keep only the suggested repair: it repairs
    my mismatch, found by the rule a repair added without a link follows."""
    pro = people["pro"]
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=8,
                                   name="repair_link.mp4")
    clip_id = ready_clip(runtime, api, pro["headers"], source, "Gezin 2026-710")["id"]
    suggest(runtime, clip_id, ("MISMATCH", 2_000, 3_000, None), ("REPAIR", 3_500, None, 0),
            ("SHARED_JOY", 6_000, None, None))
    listed = _analysis(api, pro, clip_id).json()["suggestions"]
    repair, joy = (next(s for s in listed if s["code"] == c) for c in ("REPAIR", "SHARED_JOY"))
    made = api.post(f"/api/clips/{clip_id}/sets", json={}, headers=pro["headers"])
    assert made.status_code == 201, made.text
    set_id = made.json()["id"]

    def add(**body: Any) -> dict[str, Any]:
        resp = api.post(f"/api/sets/{set_id}/annotations", json=body, headers=pro["headers"])
        assert resp.status_code == 201, resp.text
        return dict(resp.json())

    earlier = add(code="MISMATCH", start_ms=500, end_ms=1_000)
    mine = add(code="MISMATCH", start_ms=1_800, end_ms=3_700)  # the repair overlaps it
    later = add(code="MISMATCH", start_ms=4_000, end_ms=5_000)  # after the repair
    kept = _decide(api, pro, repair["id"], "accept", set_id)
    assert kept.status_code == 201, kept.text
    copy = kept.json()["annotation"]
    assert copy["repairs"] == mine["id"] and mine["id"] not in (earlier["id"], later["id"])
    assert copy["repair_latency_ms"] == 3_500 - 1_800
    summary = api.get(f"/api/sets/{set_id}/summary", headers=pro["headers"]).json()
    assert (summary["mismatches"], summary["repaired_mismatches"]) == (3, 1)

    # the same rule links a repair added without saying which mismatch; null links none
    assert add(code="REPAIR", start_ms=4_200)["repairs"] == later["id"]
    assert add(code="REPAIR", start_ms=3_500, repairs=None)["repairs"] is None
    assert add(code="REPAIR", start_ms=100)["repairs"] is None  # no mismatch before it

    # once submitted, the set takes no decisions until it is withdrawn
    submitted = api.post(f"/api/sets/{set_id}/review", json={"action": "submit"},
                         headers=pro["headers"])
    assert submitted.status_code == 200, submitted.text
    for verdict in ("accept", "reject"):
        refused = _decide(api, pro, joy["id"], verdict, set_id)
        assert (refused.status_code, refused.json()["code"]) == (409, "set_submitted")
    withdrawn = api.post(f"/api/sets/{set_id}/review", json={"action": "withdraw"},
                         headers=pro["headers"])
    assert withdrawn.json()["state"] == "draft"
    assert _decide(api, pro, joy["id"], "reject", set_id).status_code == 200


def test_deciding_needs_my_own_set_of_that_clip_and_strangers_see_nothing(
        api: Any, people: dict[str, Any], family: dict[str, Any]) -> None:
    pro, sup, stranger = people["pro"], people["sup"], people["stranger"]
    clip_id, set_id = family["clip"]["id"], family["set_id"]
    suggestion = _analysis(api, pro, clip_id).json()["suggestions"][-1]
    for path in (f"/api/clips/{clip_id}/analysis",):
        assert api.get(path, headers=stranger["headers"]).status_code == 404
    assert _decide(api, stranger, suggestion["id"], "accept", set_id).status_code == 404
    refused = _decide(api, sup, suggestion["id"], "reject", set_id)  # the pro's set
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_set")
    a_manual_one = api.get(f"/api/sets/{set_id}", headers=pro["headers"]).json()["annotations"]
    not_one = _decide(api, pro, a_manual_one[0]["id"], "accept", set_id)
    assert not_one.status_code == 404  # only suggestions are decided about
    missing = api.post(f"/api/suggestions/{suggestion['id']}/accept", json={},
                       headers=pro["headers"])
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "set_id"


def test_a_suggestion_goes_into_a_playlist_only_once_accepted(
        api: Any, people: dict[str, Any], family: dict[str, Any]) -> None:
    pro = people["pro"]
    clip = family["clip"]
    playlist = api.post(f"/api/cases/{clip['case_id']}/playlists", json={"title": "Bezoek"},
                        headers=pro["headers"]).json()
    suggestion = _analysis(api, pro, clip["id"]).json()["suggestions"][0]
    refused = api.post(f"/api/playlists/{playlist['id']}/items",
                       json={"annotation_id": suggestion["id"]}, headers=pro["headers"])
    assert (refused.status_code, refused.json()["code"]) == (422, "unconfirmed_suggestion")
    moments = api.get(f"/api/cases/{clip['case_id']}/moments", params={"purpose": ""},
                      headers=pro["headers"]).json()
    assert suggestion["id"] not in {m["annotation_id"] for m in moments}


def test_a_blinded_second_coder_codes_without_suggestions(
        api: Any, people: dict[str, Any], family: dict[str, Any]) -> None:
    sup, colleague = people["sup"], people["colleague"]
    clip_id = family["clip"]["id"]
    assigned = api.post(f"/api/clips/{clip_id}/second-coders",
                        json={"coder_id": colleague["id"]}, headers=sup["headers"])
    assert assigned.status_code == 201, assigned.text
    seen = _analysis(api, colleague, clip_id).json()
    assert seen["suggestions"] == [] and seen["series"] is None
    assert seen["notes"][0]["key"] == "hidden_second_coder"
    assert "second coder" in seen["notes"][0]["text"]


def test_drawing_parent_and_child_boxes_analyses_the_clip_again(
        api: Any, runtime: Any, people: dict[str, Any], family: dict[str, Any]) -> None:
    pro, clip_id = people["pro"], family["clip"]["id"]
    url = f"/api/clips/{clip_id}/analysis/regions"
    outside = api.put(url, json={"parent": {"x": 0.8, "y": 0, "w": 0.5, "h": 1},
                                 "child": {"x": 0.5, "y": 0, "w": 0.5, "h": 1}},
                      headers=pro["headers"])
    assert outside.status_code == 422 and outside.json()["code"] == "invalid_request"
    assert [e["field"] for e in outside.json()["errors"]] == ["parent"]
    boxes = {"parent": {"x": 0.0, "y": 0.0, "w": 0.5, "h": 1.0},
             "child": {"x": 0.5, "y": 0.0, "w": 0.5, "h": 1.0}}
    queued = api.put(url, json=boxes, headers=pro["headers"])
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued" and queued.json()["regions"] == boxes
    busy = api.put(url, json=boxes, headers=pro["headers"])
    assert (busy.status_code, busy.json()["code"]) == (409, "analysis_running")
    run_jobs(runtime)
    again = _analysis(api, pro, clip_id).json()
    assert again["status"] == "ready" and again["regions"] == boxes
    assert any(s["code"] == "MISMATCH" for s in again["suggestions"])
    # the decisions about the earlier suggestions are kept for evaluation
    report = api.get(f"/api/clips/{clip_id}/suggestions/evaluation",
                     params={"set_id": family["set_id"]}, headers=pro["headers"])
    assert report.status_code == 200


def test_a_silent_clip_is_analysed_and_says_what_it_could_not_do(
        api: Any, runtime: Any, media_dir: Path, people: dict[str, Any]) -> None:
    clip = ready_clip(runtime, api, people["pro"]["headers"], media.make_no_audio(media_dir),
                      "Gezin 2026-702", filename="stil.mp4")
    body = _analysis(api, people["pro"], clip["id"]).json()
    assert body["status"] == "ready"
    assert any(note["key"] == "no_audio" and "sound" in note["text"]
               for note in body["notes"]), body["notes"]


def test_an_analysis_that_breaks_leaves_the_clip_ready_with_a_reason(
        api: Any, runtime: Any, media_dir: Path, people: dict[str, Any],
        monkeypatch: Any) -> None:
    from worker import analysis

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(analysis, "analyse", broken)
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=3,
                                   name="kapot.mp4")
    clip = ready_clip(runtime, api, people["pro"]["headers"], source, "Gezin 2026-703")
    assert clip["status"] == "ready"
    body = _analysis(api, people["pro"], clip["id"]).json()
    assert body["status"] == "failed" and "code this clip by hand" in body["error"]
    assert body["suggestions"] == []


def test_a_lost_or_missing_analysis_says_so_and_can_be_run_again(
        api: Any, runtime: Any, media_dir: Path, people: dict[str, Any]) -> None:
    from datetime import timedelta

    from sqlalchemy import delete, update

    from core.db.models import ClipAnalysis, utcnow

    pro = people["pro"]
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=3,
                                   name="verloren.mp4")
    clip = ready_clip(runtime, api, pro["headers"], source, "Gezin 2026-704")
    with runtime.db() as db:  # its worker died while analysing, long ago
        db.execute(update(ClipAnalysis).where(ClipAnalysis.clip_id == clip["id"]).values(
            status="running", updated_at=utcnow() - timedelta(hours=1)))
    lost = _analysis(api, pro, clip["id"]).json()
    assert lost["status"] == "failed" and "did not finish" in lost["error"]

    with runtime.db() as db:  # processed before suggestions existed
        db.execute(delete(ClipAnalysis).where(ClipAnalysis.clip_id == clip["id"]))
    never = _analysis(api, pro, clip["id"]).json()
    assert never["status"] == "none" and "Analyse it" in never["notes"][0]["text"]
    assert api.post(f"/api/clips/{clip['id']}/analysis",
                    headers=people["stranger"]["headers"]).status_code == 404
    queued = api.post(f"/api/clips/{clip['id']}/analysis", headers=pro["headers"])
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    run_jobs(runtime)
    assert _analysis(api, pro, clip["id"]).json()["status"] == "ready"
