"""Coding a clip as a professional and a second coder do: schemes, moments,
mismatch -> repair, ratings, the summary, agreement, history, exports and
imports, over the API, on a clip that really went through the pipeline."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import media
import pytest
from sqlalchemy import text
from support import create_case, ready_clip

XSD = Path(__file__).resolve().parents[1] / "data" / "EAFv3.0.xsd"


# -- fixtures ---------------------------------------------------------------------------

#: A professional, their supervisor, and outsiders.
PEOPLE = {"pro": "professional", "sup": "supervisor", "stranger": "professional@elsewhere",
          "admin": "admin"}


@pytest.fixture(scope="module")
def clip(runtime: Any, app: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    """A 12 s recording uploaded to a case and transcoded: ready to code."""
    from fastapi.testclient import TestClient

    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=12,
                                   name="annotate.mp4")
    with TestClient(app) as client:
        return ready_clip(runtime, client, people["pro"]["headers"], source, "Gezin 2026-077")


def _new_set(client: Any, user: dict[str, Any], clip_id: str, **body: Any) -> dict[str, Any]:
    resp = client.post(f"/api/clips/{clip_id}/sets", json=body, headers=user["headers"])
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _add(client: Any, user: dict[str, Any], set_id: str, **body: Any) -> Any:
    return client.post(f"/api/sets/{set_id}/annotations", json=body, headers=user["headers"])


def _added(client: Any, user: dict[str, Any], set_id: str, **body: Any) -> dict[str, Any]:
    resp = _add(client, user, set_id, **body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


@pytest.fixture(scope="module")
def working(app: Any, clip: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
    """The professional's working set with a typical coding: positive moments,
    a mismatch and its repair, context."""
    from fastapi.testclient import TestClient

    pro = people["pro"]
    with TestClient(app) as client:
        s = _new_set(client, pro, clip["id"])
        _added(client, pro, s["id"], code="CONTEXT_BATH", start_ms=0, end_ms=12_000)
        _added(client, pro, s["id"], code="SHARED_JOY", start_ms=1_000, note="lacht, één")
        _added(client, pro, s["id"], code="NAMING", start_ms=2_500,
               note='zegt "oh, water!", = blij')
        mismatch = _added(client, pro, s["id"], code="MISMATCH", start_ms=4_000, end_ms=6_000)
        _added(client, pro, s["id"], code="REPAIR", start_ms=6_500, end_ms=7_500,
               repairs=mismatch["id"])
        _added(client, pro, s["id"], code="STILL", start_ms=9_000)
    return s


# -- schemes ----------------------------------------------------------------------------

def test_the_builtin_scheme_is_there_to_code_with(client: Any, people: dict[str, Any]) -> None:
    schemes = client.get("/api/schemes", headers=people["pro"]["headers"]).json()
    builtin = next(s for s in schemes if s["builtin"])
    codes = {c["key"]: c for c in builtin["codes"]}
    assert {"ATTENTIVE", "ENCOURAGING_INITIATIVES", "RECEIVING_INITIATIVES", "TURN_TAKING",
            "GUIDING", "SHARED_JOY", "NAMING", "GAZE_AVERSION", "PROTEST", "INTRUSIVE",
            "NOT_INFANT_FOCUSED", "MISMATCH", "REPAIR", "CONTEXT_BATH", "CONTEXT_FEEDING",
            "CONTEXT_DRESSING", "CONTEXT_PLAY", "BETTER_THAN_USUAL", "STILL"} <= set(codes)
    assert codes["MISMATCH"]["kind"] == "segment" and codes["REPAIR"]["kind"] == "either"
    assert codes["STILL"]["kind"] == "point"
    assert codes["SHARED_JOY"]["label_nl"] == "Gedeeld plezier"
    hotkeys = [c["hotkey"] for c in builtin["codes"]]
    assert len(hotkeys) == len(set(hotkeys))
    assert {s["key"]: (s["minimum"], s["maximum"]) for s in builtin["scales"]}["sensitivity"] \
        == (1, 7)


def test_a_team_publishes_its_own_scheme_in_versions(client: Any, people: dict[str, Any],
                                                      clip: dict[str, Any]) -> None:
    sup, pro = people["sup"], people["pro"]
    body: dict[str, Any] = {"key": "feeding_focus", "name": "Voeding", "codes": [
        {"key": "CALM", "label_en": "Calm", "label_nl": "Rustig", "category": "positive",
         "kind": "point", "hotkey": "c"}]}
    assert client.post("/api/schemes", json=body, headers=pro["headers"]).status_code == 403
    first = client.post("/api/schemes", json=body, headers=sup["headers"])
    assert first.status_code == 201 and first.json()["version"] == 1
    coded = _new_set(client, pro, clip["id"], scheme_id=first.json()["id"],
                     purpose="second_coder")
    body["codes"].append({"key": "RUSH", "label_en": "Rushed", "label_nl": "Gehaast",
                          "category": "mismatch", "kind": "segment"})
    second = client.post("/api/schemes", json=body, headers=sup["headers"])
    assert second.json()["version"] == 2
    listed = [s for s in client.get("/api/schemes", headers=pro["headers"]).json()
              if s["key"] == "feeding_focus"]
    assert [s["version"] for s in listed] == [2]
    # the set keeps the version it was coded with
    kept = client.get(f"/api/sets/{coded['id']}", headers=pro["headers"]).json()
    assert kept["scheme"]["version"] == 1
    assert _add(client, pro, coded["id"], code="RUSH", start_ms=0,
                end_ms=100).json()["errors"][0]["field"] == "code"
    # other teams do not see it
    other = client.get(f"/api/schemes/{first.json()['id']}",
                       headers=people["stranger"]["headers"])
    assert other.status_code == 404
    bad = dict(body, codes=[body["codes"][0], body["codes"][0]])
    resp = client.post("/api/schemes", json=bad, headers=sup["headers"])
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_request"
    assert [e["field"] for e in resp.json()["errors"]] == ["codes"]


# -- coding -----------------------------------------------------------------------------

def test_coding_a_clip(client: Any, people: dict[str, Any], working: dict[str, Any]) -> None:
    pro = people["pro"]
    detail = client.get(f"/api/sets/{working['id']}", headers=pro["headers"]).json()
    assert detail["purpose"] == "working"
    assert [a["code"] for a in detail["annotations"]] == [
        "CONTEXT_BATH", "SHARED_JOY", "NAMING", "MISMATCH", "REPAIR", "STILL"]
    joy = detail["annotations"][1]
    assert joy["end_ms"] is None and joy["subject"] == "both"  # the code's default
    assert joy["label_nl"] == "Gedeeld plezier" and joy["category"] == "positive"
    repair = detail["annotations"][4]
    assert repair["repair_latency_ms"] == 2_500  # derived: 6.5 s - 4.0 s

    summary = client.get(f"/api/sets/{working['id']}/summary", headers=pro["headers"]).json()
    assert summary["positive_moments"] == 2
    assert summary["mismatch_total_ms"] == 2_000 and summary["mismatch_share"] == 0.1667
    assert summary["repaired_mismatches"] == 1 and summary["unrepaired_mismatches"] == 0
    assert summary["mean_repair_latency_ms"] == 2_500


def test_ratings_on_the_schemes_scales(client: Any, people: dict[str, Any],
                                       working: dict[str, Any]) -> None:
    pro = people["pro"]
    url = f"/api/sets/{working['id']}/ratings"
    resp = client.put(f"{url}/sensitivity", json={"value": 6, "note": "let goed op"},
                      headers=pro["headers"])
    assert resp.status_code == 200 and resp.json()["maximum"] == 7
    assert client.put(f"{url}/sensitivity", json={"value": 5},
                      headers=pro["headers"]).json()["value"] == 5
    too_high = client.put(f"{url}/sensitivity", json={"value": 8}, headers=pro["headers"])
    assert too_high.status_code == 422
    assert too_high.json()["errors"] == [{"field": "value", "message": "must be from 1 to 7",
                                          "code": "outside_scale"}]
    unknown = client.put(f"{url}/charm", json={"value": 3}, headers=pro["headers"])
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "annotation_rule"
    assert [e["field"] for e in unknown.json()["errors"]] == ["scale"]
    ratings = client.get(f"/api/sets/{working['id']}", headers=pro["headers"]).json()["ratings"]
    assert [(r["scale"], r["value"]) for r in ratings] == [("sensitivity", 5)]


@pytest.mark.parametrize(("body", "field", "rule"), [
    ({"code": "SHARED_JOY", "start_ms": 13_000}, "start_ms", "outside_clip"),
    ({"code": "MISMATCH", "start_ms": 1_000, "end_ms": 12_001}, "end_ms", "outside_clip"),
    ({"code": "MISMATCH", "start_ms": 3_000, "end_ms": 2_000}, "end_ms", "end_before_start"),
    ({"code": "MISMATCH", "start_ms": 3_000, "end_ms": 3_000}, "end_ms", "end_before_start"),
    ({"code": "STILL", "start_ms": 1_000, "end_ms": 2_000}, "end_ms", "moment_has_no_end"),
    ({"code": "MISMATCH", "start_ms": 1_000}, "end_ms", "segment_needs_end"),
    ({"code": "HUGGING", "start_ms": 1_000}, "code", "not_in_scheme"),
    ({"code": "NAMING", "start_ms": 1_000, "repairs": "x"}, "repairs", "only_repairs_link"),
    ({"code": "REPAIR", "start_ms": 1_000, "repairs": "nope"}, "repairs", "no_such_annotation"),
    ({"code": "SHARED_JOY", "start_ms": -5}, "start_ms", "greater_than_equal"),
])
def test_each_rule_gets_a_422_naming_field_and_rule(client: Any, people: dict[str, Any],
                                                     working: dict[str, Any], body: Any,
                                                     field: str, rule: str) -> None:
    resp = _add(client, people["pro"], working["id"], **body)
    assert resp.status_code == 422, resp.text
    errors = resp.json()["errors"]
    assert any(e["field"] == field and e["code"] == rule for e in errors), errors


def test_a_repair_links_only_to_an_earlier_mismatch(client: Any, people: dict[str, Any],
                                                    working: dict[str, Any]) -> None:
    pro = people["pro"]
    annotations = client.get(f"/api/sets/{working['id']}", headers=pro["headers"]).json()[
        "annotations"]
    mismatch = next(a for a in annotations if a["code"] == "MISMATCH")
    joy = next(a for a in annotations if a["code"] == "SHARED_JOY")
    early = _add(client, pro, working["id"], code="REPAIR", start_ms=3_000,
                 repairs=mismatch["id"])
    assert early.status_code == 422
    assert early.json()["errors"][0]["code"] == "repair_before_mismatch"
    wrong = _add(client, pro, working["id"], code="REPAIR", start_ms=3_000, repairs=joy["id"])
    assert wrong.json()["code"] == "annotation_rule"
    assert [e["field"] for e in wrong.json()["errors"]] == ["repairs"]


def test_edits_are_optimistic_and_kept_in_history(client: Any, people: dict[str, Any],
                                                  clip: dict[str, Any]) -> None:
    pro = people["pro"]
    s = _new_set(client, pro, clip["id"], purpose="second_coder")
    created = _add(client, pro, s["id"], code="GUIDING", start_ms=1_000)
    url, tag = f"/api/annotations/{created.json()['id']}", created.headers["etag"]
    assert client.patch(url, json={"note": "x"}, headers=pro["headers"]).status_code == 428
    moved = client.patch(url, json={"start_ms": 1_200, "end_ms": 2_000},
                         headers={**pro["headers"], "If-Match": tag})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["start_ms"], moved.json()["end_ms"]) == (1_200, 2_000)
    assert moved.headers["etag"] != tag
    stale = client.patch(url, json={"note": "te laat"}, headers={**pro["headers"],
                                                                 "If-Match": tag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_annotation"
    assert client.get(url, headers=pro["headers"]).json()["note"] == ""
    back = client.patch(url, json={"end_ms": None},
                        headers={**pro["headers"], "If-Match": moved.headers["etag"]})
    assert back.status_code == 200 and back.json()["end_ms"] is None
    gone = client.delete(url, headers={**pro["headers"], "If-Match": back.headers["etag"]})
    assert gone.status_code == 204
    history = client.get(f"/api/sets/{s['id']}/history", headers=pro["headers"]).json()
    assert [h["action"] for h in history] == ["create", "update", "update", "delete"]
    assert history[1]["before"]["start_ms"] == 1_000 and history[1]["after"]["start_ms"] == 1_200
    assert history[3]["after"] is None and all(h["actor_id"] == pro["id"] for h in history)


def test_coders_work_in_their_own_sets(client: Any, people: dict[str, Any],
                                       clip: dict[str, Any], working: dict[str, Any]) -> None:
    sup = people["sup"]
    assert client.get(f"/api/sets/{working['id']}", headers=sup["headers"]).status_code == 200
    resp = _add(client, sup, working["id"], code="NAMING", start_ms=100)
    assert resp.status_code == 403 and resp.json()["code"] == "not_your_set"
    again = client.post(f"/api/clips/{clip['id']}/sets", json={"purpose": "working"},
                        headers=sup["headers"])
    assert again.status_code == 409


def test_agreement_between_two_coders(client: Any, people: dict[str, Any],
                                      clip: dict[str, Any], working: dict[str, Any]) -> None:
    sup = people["sup"]
    second = _new_set(client, sup, clip["id"], name="tweede codeur")
    assert second["purpose"] == "second_coder"
    _added(client, sup, second["id"], code="CONTEXT_BATH", start_ms=0, end_ms=12_000)
    _added(client, sup, second["id"], code="SHARED_JOY", start_ms=1_400)  # within ±1 s
    _added(client, sup, second["id"], code="MISMATCH", start_ms=4_000, end_ms=6_000)
    _added(client, sup, second["id"], code="STILL", start_ms=11_000)  # 2 s off
    resp = client.get(f"/api/clips/{clip['id']}/agreement",
                      params={"a": working["id"], "b": second["id"]}, headers=sup["headers"])
    assert resp.status_code == 200, resp.text
    report = resp.json()
    by_code = {c["code"]: c for c in report["per_code"]}
    assert by_code["MISMATCH"]["kappa"]["value"] == 1.0
    assert by_code["SHARED_JOY"]["events"]["matched"] == 1
    assert by_code["STILL"]["events"]["matched"] == 0
    assert by_code["NAMING"]["events"]["only_a"] == 1
    assert any("Neither coder used" in n for n in report["notes"])
    same = client.get(f"/api/clips/{clip['id']}/agreement",
                      params={"a": working["id"], "b": working["id"]}, headers=sup["headers"])
    assert same.status_code == 422


def test_a_clip_still_uploading_cannot_be_coded(client: Any, runtime: Any,
                                                  people: dict[str, Any],
                                                  clip: dict[str, Any]) -> None:
    from core.db.models import Clip, ClipStatus

    with runtime.db() as db:
        pending = Clip(case_id=clip["case_id"], uploaded_by=people["pro"]["id"],
                       status=ClipStatus.uploading, original_key="x")
        db.add(pending)
        db.commit()
        pending_id = pending.id
    resp = client.post(f"/api/clips/{pending_id}/sets", json={},
                       headers=people["pro"]["headers"])
    assert resp.status_code == 409 and resp.json()["code"] == "clip_not_ready"


# -- exports and imports ----------------------------------------------------------------

def _export(client: Any, user: dict[str, Any], set_id: str, fmt: str) -> Any:
    resp = client.get(f"/api/sets/{set_id}/export", params={"format": fmt},
                      headers=user["headers"])
    assert resp.status_code == 200, resp.text
    return resp


def test_exports_in_every_format_are_audit_logged(client: Any, runtime: Any,
                                                  people: dict[str, Any],
                                                  working: dict[str, Any]) -> None:
    pro = people["pro"]
    rows = list(csv.DictReader(io.StringIO(_export(client, pro, working["id"], "csv").text)))
    assert [r["Code"] for r in rows][:3] == ["CONTEXT_BATH", "SHARED_JOY", "NAMING"]
    assert rows[1]["Start (s)"] == "1.000" and rows[1]["Behavior type"] == "POINT"
    eaf = _export(client, pro, working["id"], "eaf")
    assert eaf.headers["content-disposition"].endswith('.eaf"')
    assert "ANNOTATION_DOCUMENT" in eaf.text
    w3c = _export(client, pro, working["id"], "w3c").json()
    assert w3c["type"] == "AnnotationCollection" and w3c["total"] == 6
    selectors = [a["target"]["selector"]["value"] for a in w3c["first"]["items"]]
    assert "t=4,6" in selectors or "t=4.000,6.000" in selectors
    vtt = _export(client, pro, working["id"], "vtt").text
    assert vtt.startswith("WEBVTT") and "00:00:04.000 --> 00:00:06.000" in vtt
    chapters = _export(client, pro, working["id"], "chapters").text
    assert "Gedeeld plezier" in chapters
    with runtime.db() as db:
        logged = db.execute(text("SELECT detail FROM audit_events WHERE action = "
                                 "'export_annotations' AND object_id = :s AND user_id = :u"),
                            {"s": working["id"], "u": pro["id"]}).scalars().all()
    assert sorted(logged) == ["chapters", "csv", "eaf", "vtt", "w3c"]


def test_the_eaf_export_is_valid_elan(client: Any, people: dict[str, Any],
                                      working: dict[str, Any]) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(_export(client, people["pro"], working["id"], "eaf").content)
    assert schema.validate(document), schema.error_log


def _import(client: Any, user: dict[str, Any], clip_id: str, name: str, data: bytes) -> Any:
    return client.post(f"/api/clips/{clip_id}/sets/import", files={"file": (name, data)},
                       headers=user["headers"])


def _events(client: Any, user: dict[str, Any], set_id: str) -> list[tuple[Any, ...]]:
    """What a set says, without ids: code, times, subject, note, and which
    mismatch (by start) a repair links to."""
    annotations = client.get(f"/api/sets/{set_id}", headers=user["headers"]).json()[
        "annotations"]
    starts = {a["id"]: a["start_ms"] for a in annotations}
    return [(a["code"], a["start_ms"], a["end_ms"], a["subject"], a["note"],
             starts.get(a["repairs"])) for a in annotations]


@pytest.mark.parametrize("fmt", ["csv", "eaf"])
def test_export_import_export_round_trips(client: Any, people: dict[str, Any],
                                          clip: dict[str, Any], working: dict[str, Any],
                                          fmt: str) -> None:
    pro = people["pro"]
    exported = _export(client, pro, working["id"], fmt).content
    resp = _import(client, pro, clip["id"], f"badje.{fmt}", exported)
    assert resp.status_code == 201, resp.text
    imported = resp.json()
    assert imported["imported"] == 6 and imported["purpose"] == "imported"
    assert imported["scheme"]["id"] == working["scheme"]["id"]
    assert _events(client, pro, imported["id"]) == _events(client, pro, working["id"])
    again = client.get(f"/api/sets/{imported['id']}", headers=pro["headers"]).json()
    assert {a["source"] for a in again["annotations"]} == {"imported"}


def test_the_boris_workbook_goes_out_and_back_in(client: Any, people: dict[str, Any],
                                                 clip: dict[str, Any],
                                                 working: dict[str, Any]) -> None:
    pro = people["pro"]
    exported = _export(client, pro, working["id"], "boris")
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert exported.headers["content-disposition"].endswith('.xlsx"')
    resp = _import(client, pro, clip["id"], "badje.xlsx", exported.content)
    assert resp.status_code == 201, resp.text
    assert resp.json()["scheme"]["id"] == working["scheme"]["id"]
    # BORIS has no links between events: all else comes back
    unlinked = [event[:5] for event in _events(client, pro, working["id"])]
    assert [event[:5] for event in _events(client, pro, resp.json()["id"])] == unlinked


def test_a_boris_events_export_and_an_elan_file_import_with_notes(
        client: Any, people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    # BORIS's tabular events export (boris/export_observation.py), cut to its event columns
    tsv = (b"Observation id\tSubject\tBehavior\tModifier #1\tBehavior type\tTime\tComment\r\n"
           b"badje\tMother\tMISMATCH\t\tSTART\t4.000\t\r\n"
           b"badje\tNo focal subject\tSHARED_JOY\t\tPOINT\t5.000\tsamen\r\n"
           b"badje\tMother\tMISMATCH\t\tSTOP\t6.000\t\r\n")
    resp = _import(client, pro, clip["id"], "badje.tsv", tsv)
    assert resp.status_code == 201, resp.text
    assert resp.json()["imported"] == 2 and resp.json()["notes"] == []
    eaf = (b'<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0"><HEADER TIME_UNITS="milliseconds"/>'
           b'<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="2500"/>'
           b'<TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="2900"/></TIME_ORDER>'
           b'<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="Ouder"><ANNOTATION>'
           b'<ALIGNABLE_ANNOTATION ANNOTATION_ID="a7" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">'
           b"<ANNOTATION_VALUE>NAMING</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>"
           b"</TIER></ANNOTATION_DOCUMENT>")
    resp = _import(client, pro, clip["id"], "badje.eaf", eaf)
    assert resp.status_code == 201, resp.text
    (note,) = resp.json()["notes"]
    assert note["field"] == 'tier "Ouder" at 00:02.500'
    assert "NAMING is a moment" in note["message"] and "a7" not in note["message"]
    assert _events(client, pro, resp.json()["id"])[0][:3] == ("NAMING", 2_500, None)


def test_a_bad_file_imports_nothing_and_says_where(client: Any, people: dict[str, Any],
                                                   clip: dict[str, Any]) -> None:
    pro = people["pro"]
    before = len(client.get(f"/api/clips/{clip['id']}/sets", headers=pro["headers"]).json())
    bad_csv = (b"Code,Start (s),Stop (s),Subject\r\n"
               b"SHARED_JOY,1.0,,both\r\n"
               b"SHARED_JOY,one,,both\r\n"
               b"MISMATCH,30.0,31.0,both\r\n"
               b"HUGGING,2.0,,both\r\n")
    resp = _import(client, pro, clip["id"], "codes.csv", bad_csv)
    assert resp.status_code == 422 and resp.json()["code"] == "import_invalid"
    fields = [e["field"] for e in resp.json()["errors"]]
    assert "line 3" in fields
    broken = _import(client, pro, clip["id"], "codes.eaf", b"<ANNOTATION_DOCUMENT><oops>")
    assert broken.status_code == 422 and "line" in broken.json()["errors"][0]["field"]
    rules = _import(client, pro, clip["id"], "codes.csv",
                    b"Code,Start (s),Stop (s)\nMISMATCH,30.0,31.0\nHUGGING,2.0,\n")
    assert rules.status_code == 422
    messages = {e["field"]: e["message"] for e in rules.json()["errors"]}
    assert "inside the clip" in messages["line 2"] and "not a code" in messages["line 3"]
    empty = _import(client, pro, clip["id"], "codes.csv", b"")
    assert empty.status_code == 422
    assert empty.json()["code"] == "import_invalid"
    assert [e["field"] for e in empty.json()["errors"]] == ["file"]
    after = len(client.get(f"/api/clips/{clip['id']}/sets", headers=pro["headers"]).json())
    assert after == before


# -- who may ----------------------------------------------------------------------------

def test_outsiders_see_no_annotation_route(client: Any, people: dict[str, Any],
                                           clip: dict[str, Any],
                                           working: dict[str, Any]) -> None:
    annotation = client.get(f"/api/sets/{working['id']}", headers=people["pro"]["headers"]
                            ).json()["annotations"][0]["id"]
    routes = [
        ("GET", f"/api/clips/{clip['id']}/sets", None),
        ("POST", f"/api/clips/{clip['id']}/sets", {}),
        ("GET", f"/api/sets/{working['id']}", None),
        ("GET", f"/api/sets/{working['id']}/summary", None),
        ("GET", f"/api/sets/{working['id']}/history", None),
        ("GET", f"/api/sets/{working['id']}/export?format=csv", None),
        ("POST", f"/api/sets/{working['id']}/annotations", {"code": "NAMING", "start_ms": 1}),
        ("PUT", f"/api/sets/{working['id']}/ratings/sensitivity", {"value": 3}),
        ("GET", f"/api/annotations/{annotation}", None),
        ("PATCH", f"/api/annotations/{annotation}", {"note": "x"}),
        ("DELETE", f"/api/annotations/{annotation}", None),
        ("GET", f"/api/clips/{clip['id']}/agreement?a={working['id']}&b={working['id']}",
         None),
    ]
    for who in ("stranger", "admin"):
        for method, path, body in routes:
            resp = client.request(method, path, json=body, headers={
                **people[who]["headers"], "If-Match": "*"})
            assert resp.status_code == 404, (who, method, path, resp.text)
    resp = _import(client, people["stranger"], clip["id"], "x.csv", b"Code,Start (s)\n")
    assert resp.status_code == 404


# -- the command line ---------------------------------------------------------------------

def test_export_and_import_from_the_command_line(live_url: str, people: dict[str, Any],
                                                 clip: dict[str, Any],
                                                 working: dict[str, Any],
                                                 tmp_path: Path) -> None:

    env = {**os.environ, "ATTUNE_URL": live_url, "XDG_CONFIG_HOME": str(tmp_path),
           "ATTUNE_TOKEN": people["pro"]["headers"]["Authorization"].split()[1]}
    out = tmp_path / "badje.eaf"
    run = subprocess.run([sys.executable, "-m", "attune.cli", "export", clip["id"],
                          "--format", "eaf", "-o", str(out)], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert out.read_text().count("<ANNOTATION>") == 6 + 2  # 6 events, 2 notes
    imported = subprocess.run([sys.executable, "-m", "attune.cli", "import", clip["id"],
                               str(out)], env=env, capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert len(imported.stdout.strip()) == 32 and "imported 6 annotations" in imported.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("Code,Start (s)\nSHARED_JOY,soon\nSHARED_JOY,99\n")
    failed = subprocess.run([sys.executable, "-m", "attune.cli", "import", clip["id"],
                             str(bad)], env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "nothing was imported" in failed.stderr and "line 2" in failed.stderr


# -- scheme version 2: initiatives, responses, who and which goals ----------------------

def _builtin_v1(runtime: Any) -> str:
    from sqlalchemy import select

    from core.db.models import CodingScheme

    with runtime.db() as db:
        return str(db.scalar(select(CodingScheme.id).where(
            CodingScheme.scope == "builtin", CodingScheme.key == "attuned-interaction",
            CodingScheme.version == 1)))


def test_new_sets_code_with_version_2_and_version_1_sets_keep_theirs(
        client: Any, runtime: Any, people: dict[str, Any], clip: dict[str, Any],
        working: dict[str, Any]) -> None:
    pro = people["pro"]
    listed = client.get("/api/schemes", headers=pro["headers"]).json()
    builtin = next(s for s in listed if s["builtin"])
    assert builtin["version"] == 2
    codes = {c["key"]: c for c in builtin["codes"]}
    initiatives = {k for k, c in codes.items() if c["category"] == "initiative"}
    assert initiatives == {"INITIATIVE_LOOK", "INITIATIVE_SOUND", "INITIATIVE_GESTURE",
                           "INITIATIVE_REACH"}
    assert codes["INITIATIVE_SOUND"]["label_nl"] == "Baby maakt geluid (initiatief)"
    assert (codes["COMFORTING"]["label_nl"], codes["CALMING_TOGETHER"]["label_nl"]) == \
        ("Troosten", "Samen kalmeren")
    assert {k for k, c in codes.items() if c["category"] == "mismatch"} == {
        "MISMATCH", "MISSED_SIGNAL", "MISREAD_SIGNAL", "OVERSTIMULATION", "INTERRUPTION"}
    assert codes["STRESS_SIGNS"]["subject"] == "child"
    assert codes["RECEIVING_INITIATIVES"]["receives"] and not codes["SHARED_JOY"]["receives"]
    # what the analysis suggests is still in the scheme
    assert {"MISMATCH", "REPAIR", "ATTENTIVE", "TURN_TAKING"} <= set(codes)
    hotkeys = [c["hotkey"] for c in builtin["codes"]]
    assert None not in hotkeys and len(hotkeys) == len(set(hotkeys))
    assert not {"y", "n"} & set(hotkeys)  # keep or turn down a suggestion
    assert all(c["label_nl"] and c["label_en"] for c in builtin["codes"])

    # The working set made before (and any set made with version 1) keeps it.
    v1 = _builtin_v1(runtime)
    old = _new_set(client, pro, clip["id"], scheme_id=v1, purpose="second_coder")
    assert old["scheme"]["version"] == 1
    refused = _add(client, pro, old["id"], code="INITIATIVE_LOOK", start_ms=1_000)
    assert refused.status_code == 422
    assert refused.json()["code"] == "annotation_rule"
    assert [e["field"] for e in refused.json()["errors"]] == ["code"]
    assert client.get(f"/api/schemes/{v1}", headers=pro["headers"]).json()["version"] == 1
    new = _new_set(client, pro, clip["id"], purpose="second_coder")
    assert new["scheme"]["version"] == 2 and new["scheme"]["id"] == builtin["id"]


def test_a_response_links_to_the_initiative_it_answers(client: Any, people: dict[str, Any],
                                                        clip: dict[str, Any]) -> None:
    pro = people["pro"]
    s = _new_set(client, pro, clip["id"], purpose="second_coder")
    sound = _added(client, pro, s["id"], code="INITIATIVE_SOUND", start_ms=1_000)
    assert sound["subject"] == "child" and sound["category"] == "initiative"
    # More than 10 s after the only initiative: nothing is answered.
    late = _added(client, pro, s["id"], code="RECEIVING_INITIATIVES", start_ms=11_500)
    assert late["responds_to"] is None and late["response_latency_ms"] is None
    look = _added(client, pro, s["id"], code="INITIATIVE_LOOK", start_ms=3_000)
    # Left out: the nearest initiative at or before it, and the time it took.
    received = _added(client, pro, s["id"], code="RECEIVING_INITIATIVES", start_ms=4_500)
    assert (received["responds_to"], received["response_latency_ms"]) == (look["id"], 1_500)
    # Chosen: the earlier one; null: none; a code that does not receive: no link.
    named = _added(client, pro, s["id"], code="NAMING", start_ms=5_000,
                   responds_to=sound["id"])
    assert (named["responds_to"], named["response_latency_ms"]) == (sound["id"], 4_000)
    unlinked = _added(client, pro, s["id"], code="RECEIVING_INITIATIVES", start_ms=5_500,
                      responds_to=None)
    assert unlinked["responds_to"] is None and unlinked["response_latency_ms"] is None
    joy = _added(client, pro, s["id"], code="SHARED_JOY", start_ms=6_000)
    assert joy["responds_to"] is None
    with_window = _added(client, pro, s["id"], code="RECEIVING_INITIATIVES",
                         start_ms=11_500)
    assert with_window["responds_to"] == look["id"]  # 8.5 s after the look
    gesture = _added(client, pro, s["id"], code="INITIATIVE_GESTURE", start_ms=500)
    far = _added(client, pro, s["id"], code="MISSED_SIGNAL", start_ms=10_600, end_ms=11_000)
    assert far["responds_to"] == look["id"]

    for body, field in (({"code": "SHARED_JOY", "start_ms": 6_500, "responds_to": sound["id"]},
                         "responds_to"),
                        ({"code": "NAMING", "start_ms": 6_500, "responds_to": joy["id"]},
                         "responds_to"),
                        ({"code": "NAMING", "start_ms": 6_500, "responds_to": "nope"},
                         "responds_to"),
                        ({"code": "NAMING", "start_ms": 200, "responds_to": gesture["id"]},
                         "start_ms")):
        resp = _add(client, pro, s["id"], **body)
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == "annotation_rule"
        assert [e["field"] for e in resp.json()["errors"]] == [field], resp.json()

    # The initiative cannot move past what answers it, nor stop being one.
    tag = client.get(f"/api/annotations/{look['id']}", headers=pro["headers"]).headers["ETag"]
    moved = client.patch(f"/api/annotations/{look['id']}", json={"start_ms": 5_000},
                         headers={**pro["headers"], "If-Match": tag})
    assert moved.status_code == 422
    assert moved.json()["code"] == "annotation_rule"
    assert [e["field"] for e in moved.json()["errors"]] == ["start_ms"]
    recoded = client.patch(f"/api/annotations/{look['id']}", json={"code": "SHARED_JOY"},
                           headers={**pro["headers"], "If-Match": tag})
    assert recoded.status_code == 422
    # Relinking and clearing go into the history.
    tag = client.get(f"/api/annotations/{received['id']}",
                     headers=pro["headers"]).headers["ETag"]
    relinked = client.patch(f"/api/annotations/{received['id']}",
                            json={"responds_to": sound["id"]},
                            headers={**pro["headers"], "If-Match": tag})
    assert relinked.status_code == 200 and relinked.json()["response_latency_ms"] == 3_500
    cleared = client.patch(f"/api/annotations/{received['id']}", json={"responds_to": None},
                           headers={**pro["headers"], "If-Match": relinked.headers["ETag"]})
    assert cleared.json()["responds_to"] is None
    history = client.get(f"/api/sets/{s['id']}/history", headers=pro["headers"]).json()
    changes = [(h["before"]["responds_to"], h["after"]["responds_to"]) for h in history
               if h["object_id"] == received["id"] and h["action"] == "update"]
    assert changes == [(look["id"], sound["id"]), (sound["id"], None)]
    # Deleting the initiative unlinks what answered it.
    tag = client.get(f"/api/annotations/{sound['id']}", headers=pro["headers"]).headers["ETag"]
    assert client.delete(f"/api/annotations/{sound['id']}",
                         headers={**pro["headers"], "If-Match": tag}).status_code == 204
    after = client.get(f"/api/annotations/{named['id']}", headers=pro["headers"]).json()
    assert after["responds_to"] is None and after["version"] == named["version"] + 1


def _case_people_and_goals(runtime: Any, case_id: str, owner_id: str) -> dict[str, str]:
    from core.db.models import CasePerson, Goal, PersonRole

    with runtime.db() as db:
        rows: dict[str, CasePerson | Goal] = {
            "mother": CasePerson(case_id=case_id, role=PersonRole.mother, label="M"),
            "baby": CasePerson(case_id=case_id, role=PersonRole.baby, label="B"),
            "goal": Goal(case_id=case_id, title="Merken wanneer het genoeg is",
                         created_by=owner_id),
            "goal2": Goal(case_id=case_id, title="Samen spelen", position=1,
                          created_by=owner_id)}
        db.add_all(rows.values())
        db.flush()
        return {k: str(v.id) for k, v in rows.items()}


def test_a_moment_says_who_and_which_goals(client: Any, runtime: Any, app: Any,
                                           media_dir: Path, people: dict[str, Any],
                                           clip: dict[str, Any]) -> None:
    pro = people["pro"]
    mine = _case_people_and_goals(runtime, clip["case_id"], pro["id"])
    other_case = create_case(client, pro["headers"], "Gezin ander-077")
    theirs = _case_people_and_goals(runtime, other_case, pro["id"])
    s = _new_set(client, pro, clip["id"], purpose="second_coder")
    mismatch = _added(client, pro, s["id"], code="OVERSTIMULATION", start_ms=1_000,
                      end_ms=3_000, goal_ids=[mine["goal"]])
    repair = _added(client, pro, s["id"], code="REPAIR", start_ms=3_500, subject="child",
                    person_id=mine["baby"], goal_ids=[mine["goal2"], mine["goal"],
                                                      mine["goal"]])
    assert (repair["repairs"], repair["person_id"], repair["subject"]) == \
        (mismatch["id"], mine["baby"], "child")
    assert repair["goal_ids"] == sorted([mine["goal"], mine["goal2"]])
    assert mismatch["goal_ids"] == [mine["goal"]] and mismatch["person_id"] is None

    wrong_person = _add(client, pro, s["id"], code="NAMING", start_ms=5_000,
                        person_id=theirs["mother"])
    assert wrong_person.status_code == 422
    assert wrong_person.json()["code"] == "person_not_in_case"
    assert wrong_person.json()["errors"][0]["field"] == "person_id"
    wrong_goal = _add(client, pro, s["id"], code="NAMING", start_ms=5_000,
                      goal_ids=[mine["goal"], theirs["goal"]])
    assert wrong_goal.status_code == 422 and wrong_goal.json()["code"] == "goal_not_in_case"
    assert _add(client, pro, s["id"], code="NAMING", start_ms=5_000,
                person_id="nobody").json()["code"] == "person_not_in_case"

    tag = client.get(f"/api/annotations/{repair['id']}", headers=pro["headers"]).headers["ETag"]
    refused = client.patch(f"/api/annotations/{repair['id']}",
                           json={"goal_ids": [theirs["goal"]]},
                           headers={**pro["headers"], "If-Match": tag})
    assert refused.status_code == 422 and refused.json()["code"] == "goal_not_in_case"
    changed = client.patch(f"/api/annotations/{repair['id']}",
                           json={"goal_ids": [mine["goal2"]], "person_id": mine["mother"],
                                 "subject": "parent"},
                           headers={**pro["headers"], "If-Match": tag})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["goal_ids"], changed.json()["person_id"]) == \
        ([mine["goal2"]], mine["mother"])
    cleared = client.patch(f"/api/annotations/{repair['id']}", json={"person_id": None},
                           headers={**pro["headers"], "If-Match": changed.headers["ETag"]})
    assert cleared.json()["person_id"] is None and cleared.json()["goal_ids"] == [mine["goal2"]]
    history = client.get(f"/api/sets/{s['id']}/history", headers=pro["headers"]).json()
    updates = [h for h in history if h["object_id"] == repair["id"] and h["action"] == "update"]
    assert [(h["before"]["goal_ids"], h["after"]["goal_ids"]) for h in updates] == [
        (sorted([mine["goal"], mine["goal2"]]), [mine["goal2"]]), ([mine["goal2"]],
                                                                   [mine["goal2"]])]
    assert [(h["before"]["person_id"], h["after"]["person_id"]) for h in updates] == [
        (mine["baby"], mine["mother"]), (mine["mother"], None)]
    detail = client.get(f"/api/sets/{s['id']}", headers=pro["headers"]).json()
    assert {a["id"]: a["goal_ids"] for a in detail["annotations"]} == {
        mismatch["id"]: [mine["goal"]], repair["id"]: [mine["goal2"]]}

    # A submitted set stays as it was handed in, links included.
    submitted = client.post(f"/api/sets/{s['id']}/review", json={"action": "submit"},
                            headers=pro["headers"])
    assert submitted.status_code == 200, submitted.text
    locked = client.patch(f"/api/annotations/{repair['id']}", json={"goal_ids": []},
                          headers={**pro["headers"], "If-Match": cleared.headers["ETag"]})
    assert locked.status_code == 409 and locked.json()["code"] == "set_submitted"
