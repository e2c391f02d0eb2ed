"""The report for the family's file: a professional downloads the trajectory of a
case as a PDF, reads it back as text (poppler's pdftotext) and looks at its
pages as pictures (pdftoppm): goals, visits, stills cut from the real
transcoded recordings, reflections and the supervisor's approval, in Dutch and
English, with nothing of the recordings' place or device in it."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import cv2
import media
import numpy as np
import pytest
from support import clip_when_ready, create_case, ready_clip, upload

GOAL = "Signalen van de baby opmerken"
NOTE = "Moeder lacht terug & wacht op zijn blik"
SAW = "Ze zagen hoe hij haar aankeek voordat hij ging lachen"
SAID = "Dat had ik nooit gezien"
NEXT = "Bij het voeden wachten tot hij kijkt"
LABEL = "Gezin 2026-T301"


PEOPLE = {"pro": "professional", "sup": "supervisor", "coder": "professional",
          "stranger": "professional@elsewhere"}


@pytest.fixture(scope="module")
def trajectory(runtime: Any, app: Any, media_dir: Path,
               people: dict[str, Any]) -> dict[str, Any]:
    """A case with two visits, a ready recording at each, a goal, coding (one set
    approved by the supervisor), a playlist shown at visit 2 and the parents'
    reflection on it."""
    from fastapi.testclient import TestClient

    from core.db.models import (
        AnnotationGoal,
        Clip,
        Goal,
        GoalStatus,
        Playlist,
        PlaylistItem,
        Reflection,
        Visit,
        VisitPhase,
    )

    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=10,
                                   name="report_play.mp4")
    pro, sup = people["pro"], people["sup"]
    with TestClient(app) as client:
        first = ready_clip(runtime, client, pro["headers"], source, LABEL,
                           filename="badje.mp4")
        case_id = first["case_id"]
        second = clip_when_ready(runtime, client, pro["headers"],
                                 upload(client, pro["headers"], case_id, source, "spelen.mp4"))

        def coded(clip_id: str, *moments: dict[str, Any]) -> tuple[str, list[str]]:
            set_id = client.post(f"/api/clips/{clip_id}/sets", json={},
                                 headers=pro["headers"]).json()["id"]
            ids = []
            for body in moments:
                resp = client.post(f"/api/sets/{set_id}/annotations", json=body,
                                   headers=pro["headers"])
                assert resp.status_code == 201, resp.text
                ids.append(resp.json()["id"])
            return set_id, ids

        first_set, (joy, mismatch, *_) = coded(
            first["id"], {"code": "SHARED_JOY", "start_ms": 2_000, "note": NOTE},
            {"code": "MISMATCH", "start_ms": 4_000, "end_ms": 5_500},
            {"code": "REPAIR", "start_ms": 6_000},
            {"code": "INITIATIVE_LOOK", "start_ms": 7_000},
            {"code": "RECEIVING_INITIATIVES", "start_ms": 7_800})
        _, (later_joy,) = coded(second["id"], {"code": "SHARED_JOY", "start_ms": 3_000})
        for action, who in (("submit", pro), ("approve", sup)):
            resp = client.post(f"/api/sets/{first_set}/review", json={"action": action},
                               headers=who["headers"])
            assert resp.status_code == 200, resp.text
        playlist = client.post(f"/api/cases/{case_id}/playlists",
                               json={"title": "Terugkijken bezoek 2"},
                               headers=pro["headers"]).json()

    with runtime.db() as db:
        visits = [Visit(case_id=case_id, number=1, visited_on=date(2026, 10, 1),
                        phase=VisitPhase.observation, created_by=pro["id"]),
                  Visit(case_id=case_id, number=2, visited_on=date(2026, 11, 5),
                        phase=VisitPhase.feedback, created_by=pro["id"])]
        goal = Goal(case_id=case_id, title=GOAL, description="Afgesproken bij de intake",
                    status=GoalStatus.working, started_at=datetime(2026, 10, 1, tzinfo=UTC),
                    created_by=pro["id"])
        db.add_all([*visits, goal])
        db.flush()
        for clip_id, visit, activity in ((first["id"], visits[0], "bath"),
                                         (second["id"], visits[1], "play")):
            row = db.get(Clip, clip_id)
            assert row is not None
            row.visit_id, row.activity = visit.id, activity
        shown = db.get(Playlist, playlist["id"])
        assert shown is not None
        shown.visit_id = visits[1].id
        db.add(PlaylistItem(playlist_id=playlist["id"], position=0, clip_id=second["id"],
                            annotation_id=later_joy, start_ms=2_000, end_ms=4_000,
                            caption="Wat ziet u hier?"))
        db.add(AnnotationGoal(annotation_id=joy, goal_id=goal.id))
        db.add(Reflection(playlist_id=playlist["id"], item_id=None, visit_id=visits[1].id,
                          parents_saw=SAW, parents_said=SAID, next_steps=NEXT,
                          author_id=pro["id"]))
        db.commit()
    return {"case_id": case_id, "mismatch": mismatch, "first_clip": first["id"]}


def _report(client: Any, user: dict[str, Any], case_id: str, **params: str) -> Any:
    return client.get(f"/api/cases/{case_id}/report", params=params, headers=user["headers"])


def _pdf(tmp_path: Path, resp: Any, name: str = "report.pdf") -> Path:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert "attachment" in resp.headers["content-disposition"]
    path = tmp_path / name
    path.write_bytes(resp.content)
    return path


def _pages(pdf: Path) -> list[str]:
    """The text of each page."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_professional_gets_the_trajectory_as_a_pdf_in_dutch(
        client: Any, people: dict[str, Any], trajectory: dict[str, Any],
        tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, _report(client, people["pro"], trajectory["case_id"]))
    pages = _pages(pdf)
    text = _words(" ".join(pages))
    for expected in (LABEL, "Verslag videohometraining", "hele traject", people["pro"]["email"],
                     GOAL, "mee bezig", "1 oktober 2026", "Bezoek 1", "Bezoek 2",
                     "observatie", "begeleiding/feedback", "badje", "spelen",
                     "Gedeeld plezier", NOTE, "Wat ziet u hier?", "Terugkijken bezoek 2",
                     SAW, SAID, NEXT, "Verloop over de bezoeken",
                     "Positieve momenten per minuut", f"Momenten bij doel: {GOAL}",
                     "Tijd uit afstemming (%)", "Initiatieven van de baby ontvangen (%)",
                     "Mediane reactietijd (s)", "goedgekeurd door",
                     people["sup"]["email"]):
        assert expected in text, expected
    # the goal-linked moment is shown for its goal, at visit 1
    visit_one = _words(next(p for p in pages if "Bezoek 1 " in p))
    assert f"Bij doel: {GOAL}" in visit_one and "Mismatch" not in visit_one
    assert LABEL in _words(pages[0]) and GOAL not in _words(pages[0])  # a title page


def test_the_report_in_english_uses_the_schemes_english_labels(
        client: Any, people: dict[str, Any], trajectory: dict[str, Any],
        tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, _report(client, people["pro"], trajectory["case_id"], lang="en"))
    text = _words(" ".join(_pages(pdf)))
    for expected in ("Video home training report", "Visit 1", "Visit 2", "1 October 2026",
                     "observation", "working on it", "Shared joy", "What the parents saw",
                     SAW, "Next steps", "approved by", "Positive moments per minute", GOAL):
        assert expected in text, expected
    assert "Gedeeld plezier" not in text and "Bezoek 1" not in text


def test_the_stills_are_pictures_cut_from_the_recordings(
        client: Any, people: dict[str, Any], trajectory: dict[str, Any],
        tmp_path: Path) -> None:
    """The visit pages show the test picture's colour bars where the stills go;
    the text around them is black and grey only."""
    pdf = _pdf(tmp_path, _report(client, people["pro"], trajectory["case_id"]))
    pages = _pages(pdf)
    for heading in ("Bezoek 1 ", "Bezoek 2 "):
        number = next(i for i, p in enumerate(pages, start=1) if heading in p)
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", str(number), "-l", str(number),
                        str(pdf), str(tmp_path / f"page{number}")], check=True)
        png = next(tmp_path.glob(f"page{number}*.png"))
        picture = cv2.imread(str(png))
        assert picture is not None, png
        hsv = cv2.cvtColor(picture, cv2.COLOR_BGR2HSV)
        coloured = (hsv[..., 1] > 80) & (hsv[..., 2] > 60)
        ys, xs = np.nonzero(coloured)
        assert len(xs) > 1500, f"{heading}: no picture drawn"
        width = picture.shape[1]
        assert xs.max() < width * 0.55, "the still sits in the left column"
        assert len(np.unique(hsv[ys, xs, 0] // 10)) >= 4, "a real picture, not one colour"
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert len(listed) == 2  # the goal-linked moment at visit 1, the playlist's at visit 2
    assert all(" jpeg " in line for line in listed)


def test_nothing_of_the_recordings_place_or_device_travels_into_the_pdf(
        client: Any, people: dict[str, Any], trajectory: dict[str, Any],
        tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, _report(client, people["pro"], trajectory["case_id"]))
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    fields = {line.split(":", 1)[0] for line in info.splitlines()}
    assert {"Title", "Producer", "Creator", "CreationDate"} <= fields
    assert not fields & {"Author", "Subject", "Keywords", "ModDate"}
    assert "Producer:        Attune" in info and LABEL in info
    raw = pdf.read_bytes()
    for leak in (b"ReportLab", b"Lavc", b"Exif", media.GPS_LOCATION.encode(), b"/Metadata"):
        assert leak not in raw, leak
    subprocess.run(["pdfimages", "-j", str(pdf), str(tmp_path / "still")], check=True)
    stills = sorted(tmp_path.glob("still-*.jpg"))
    assert stills
    for still in stills:
        data = still.read_bytes()
        assert data[:2] == b"\xff\xd8"
        assert b"Exif" not in data and b"Lavc" not in data and b"\xff\xe1" not in data


def test_a_period_picks_the_visits_and_a_reversed_one_is_refused(
        client: Any, people: dict[str, Any], trajectory: dict[str, Any],
        tmp_path: Path) -> None:
    case_id = trajectory["case_id"]
    pdf = _pdf(tmp_path, _report(client, people["pro"], case_id, **{"from": "2026-11-01",
                                                                    "to": "2026-11-30"}))
    text = _words(" ".join(_pages(pdf)))
    assert "Bezoek 2" in text and "Bezoek 1 " not in text
    assert "1 november 2026 \u2013 30 november 2026" in text
    wrong = _report(client, people["pro"], case_id, **{"from": "2026-12-01", "to": "2026-11-01"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "report_period_reversed"
    bad = _report(client, people["pro"], case_id, lang="de")
    assert bad.status_code == 422


def test_making_a_report_is_logged_and_others_get_404(
        runtime: Any, client: Any, people: dict[str, Any],
        trajectory: dict[str, Any]) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    case_id = trajectory["case_id"]
    with runtime.db() as db:
        before = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    assert _report(client, people["sup"], case_id, lang="en").status_code == 200
    refused = _report(client, people["stranger"], case_id)
    assert refused.status_code == 404 and refused.json()["code"] == "case_not_found"
    assert client.get(f"/api/cases/{case_id}/report").status_code == 401
    with runtime.db() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                   AuditEvent.action == "report")
                          .order_by(AuditEvent.id)).all()
        seen = [(r.user_id, r.outcome, r.case_id, r.object_id) for r in rows]
    assert (people["sup"]["id"], "success", case_id, case_id) in seen
    assert (people["stranger"]["id"], "denied", None, case_id) in seen


def test_a_case_without_visits_gets_a_short_report(
        client: Any, people: dict[str, Any], tmp_path: Path) -> None:
    case_id = create_case(client, people["pro"]["headers"], "Gezin 2026-T302")
    pdf = _pdf(tmp_path, _report(client, people["pro"], case_id))
    pages = _pages(pdf)
    text = _words(" ".join(pages))
    assert "Gezin 2026-T302" in text
    assert "Er zijn (nog) geen doelen vastgelegd." in text
    assert "Nog te weinig gecodeerd" in text
    assert "Er zijn geen bezoeken vastgelegd." in text
    assert len([p for p in pages if p.strip()]) <= 3


def test_a_second_coder_sees_no_one_elses_coding_of_their_clip_in_a_report(
        client: Any, people: dict[str, Any], trajectory: dict[str, Any],
        tmp_path: Path) -> None:
    """Until they hand in their own coding of the visit 1 recording, the second
    coder's report shows its recording but not its moments or approval."""
    asked = client.post(f"/api/clips/{trajectory['first_clip']}/second-coders",
                        json={"coder_id": people["coder"]["id"]},
                        headers=people["sup"]["headers"])
    assert asked.status_code == 201, asked.text
    pdf = _pdf(tmp_path, _report(client, people["coder"], trajectory["case_id"]))
    pages = _pages(pdf)
    visit_one = _words(next(p for p in pages if "Bezoek 1 " in p))
    assert "badje.mp4" in visit_one
    assert NOTE not in visit_one and "goedgekeurd" not in visit_one
    assert "Geen momenten gekozen bij dit bezoek." in visit_one
    visit_two = _words(next(p for p in pages if "Bezoek 2 " in p))
    assert "Gedeeld plezier" in visit_two and SAW in visit_two
