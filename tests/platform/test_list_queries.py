"""Every route that answers a list, or a document read from many rows, sends
as many SQL statements for three times as many items: a professional with a
long trajectory, a busy inbox or a full playlist waits no longer per item than
one who just started.

Each route is asked in a world with N items, which then grows to 3N, and the
statements one request sends are counted at both sizes on the Engine class
(the app's engine may be another object than a new lookup of the same URL
returns). A world is made through the API as its people would make it. One
recording is transcoded (and analysed) for the module, and suggestions are made
on it; further recordings are resumable uploads that the database then calls
processed, with that recording's length, so ffmpeg runs once. The trajectory's
visits, goals, goal links and playlists are written to the database as the
report's own tests write them, to keep the module quick."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import media
import pytest
from support import (
    People,
    Person,
    Users,
    create_case,
    ready_clip,
    sql_statements,
    suggest,
    team_name,
)

N = 3
PEOPLE = {"pro": "professional", "sup": "supervisor", "admin": "admin@none",
          "officer": "privacy_officer@none"}
#: Moments of the built-in scheme a world is coded with: (code, start, end).
MOMENTS = (("SHARED_JOY", 200, None), ("MISMATCH", 400, 900), ("REPAIR", 1_000, None),
           ("INITIATIVE_LOOK", 1_200, None), ("RECEIVING_INITIATIVES", 1_400, None))

#: A state of a world: its ids and people by name.
State = dict[str, Any]


class World:
    """Makes cases, recordings, coding and people through the API, as the
    module's people (``PEOPLE``) and new ones, and counts what routes send."""

    def __init__(self, runtime: Any, api: Any, people: People, clip: dict[str, Any]) -> None:
        self.runtime, self.api, self.people, self.ready = runtime, api, people, clip
        #: Statements per route: (with N items, with 3N items).
        self.measured: dict[str, tuple[int, int]] = {}
        self.team_name: str | None = None

    def headers(self, who: str | Person) -> dict[str, str]:
        return (self.people[who] if isinstance(who, str) else who)["headers"]

    def send(self, method: str, who: str | Person, url: str, **body: Any) -> Any:
        resp = self.api.request(method, url, headers=self.headers(who), **body)
        assert resp.status_code < 300, (method, url, resp.text)
        return resp.json() if resp.content else None

    def post(self, who: str | Person, url: str, json: Any = None) -> Any:
        return self.send("POST", who, url, json=json if json is not None else {})

    def person(self, role: str, team: str | None = None) -> Person:
        """A new logged-in person, in ``team`` (by name) or a team of their own."""
        return Users(self.runtime, self.api).add(role, team or team_name())

    def colleague(self, role: str = "supervisor") -> Person:
        """A new person in the team of the module's people (a supervisor sees,
        codes and decides on every case of the team)."""
        if self.team_name is None:
            self.team_name = self.team("pro")[1]
        return self.person(role, self.team_name)

    def team(self, who: str | Person) -> tuple[str, str]:
        """The id and name of someone's team."""
        from core.db.models import User

        person = self.people[who] if isinstance(who, str) else who
        with self.runtime.db() as db:
            team = db.get_one(User, person["id"]).team
            assert team is not None
            return team.id, team.name

    def invite(self, role: str, team_id: str | None) -> str:
        """A person the admin invited (no password yet): their id."""
        made = self.post("admin", "/api/admin/users", {
            "email": f"{role}-{team_name()}@example.org", "role": role, "team_id": team_id})
        return str(made["user"]["id"])

    def case(self, who: str | Person = "pro") -> str:
        return create_case(self.api, self.headers(who))

    def upload(self, case_id: str, who: str | Person = "pro",
               visit_id: str | None = None) -> str:
        """A recording whose resumable upload has started: the clip's id."""
        meta = {"case_id": case_id, "filename": "badje.mp4",
                **({"visit_id": visit_id} if visit_id else {})}
        resp = self.api.post("/api/uploads", headers={
            **self.headers(who), "Tus-Resumable": "1.0.0", "Upload-Length": "1000",
            "Upload-Metadata": ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                                        for k, v in meta.items())})
        assert resp.status_code == 201, resp.text
        return str(resp.headers["Attune-Clip-Id"])

    def processed(self, clip_id: str) -> str:
        """The clip as far processed as coding needs: the transcoded clip's length."""
        from core.db.models import Clip, ClipStatus

        with self.runtime.db() as db:
            row = db.get_one(Clip, clip_id)
            row.status, row.duration_s = ClipStatus.ready, self.ready["duration_s"]
            row.width, row.height, row.fps = \
                self.ready["width"], self.ready["height"], self.ready["fps"]
        return clip_id

    def clip(self, case_id: str, who: str | Person = "pro",
             visit_id: str | None = None) -> str:
        return self.processed(self.upload(case_id, who, visit_id))

    def coded(self, clip_id: str, who: str | Person = "pro", moments: int = 1,
              purpose: str | None = None, **link: Any) -> tuple[str, list[str]]:
        """A set on the clip with ``moments`` of :data:`MOMENTS` (``link``: the
        goals and person each is about): its id and the moments' ids."""
        set_id = self.post(who, f"/api/clips/{clip_id}/sets",
                           {"purpose": purpose} if purpose else {})["id"]
        return set_id, [self.moment(who, set_id, number, **link) for number in range(moments)]

    def moment(self, who: str | Person, set_id: str, number: int, **link: Any) -> str:
        code, start, end = MOMENTS[number % len(MOMENTS)]
        shift = 10 * (number % 40)
        return str(self.post(who, f"/api/sets/{set_id}/annotations", {
            "code": code, "start_ms": start + shift,
            "end_ms": end + shift if end else None, **link})["id"])

    def review(self, who: str | Person, set_id: str, action: str, comment: str = "") -> None:
        self.post(who, f"/api/sets/{set_id}/review", {"action": action, "comment": comment})

    def measure(self, shape: Shape) -> None:
        """Count each of the shape's routes with N items, grow it to 3N, count again."""
        state = shape.make(self)
        shape.grow(self, state, range(N))
        for _, who in shape.routes.values():  # a login's first use is noted (see _logins)
            assert self.api.get("/api/me", headers=self.asker(state, who)).status_code == 200
        few = {name: self.sent(state, asked) for name, asked in shape.routes.items()}
        shape.grow(self, state, range(N, 3 * N))
        for name, asked in shape.routes.items():
            self.measured[name] = few[name], self.sent(state, asked)

    def asker(self, state: State, who: str) -> dict[str, str]:
        """The headers of ``who``: a person of the world's state, or of ``PEOPLE``."""
        return self.headers(state.get(who) or who)

    def sent(self, state: State, asked: tuple[str, str]) -> int:
        """How many statements one request sends."""
        path, who = asked
        url = path.format(**{k: v for k, v in state.items() if isinstance(v, str)})
        with sql_statements() as sent:
            resp = self.api.get(url, headers=self.asker(state, who))
        assert resp.status_code == 200, resp.text
        return len(sent)


@dataclass(frozen=True)
class Shape:
    """A world some routes are asked in: made empty, then grown item by item
    (``grow`` gets the items' numbers, so an item's kind can go by its number)."""

    make: Callable[[World], State]
    grow: Callable[[World, State, range], None]
    #: Route -> (path, with ids from the state in braces; who asks: a name in
    #: the state or in ``PEOPLE``).
    routes: dict[str, tuple[str, str]]


# -- the worlds ---------------------------------------------------------------------------

def _cases(w: World, s: State, items: range) -> None:
    for number in items:
        case_id = w.case(s["owner"])
        if number % 2:
            w.upload(case_id, s["owner"])


def _uploads(w: World, s: State, items: range) -> None:
    """Uploads still coming in, and (every other one) recordings processed and coded."""
    for number in items:
        clip_id = w.upload(s["case"])
        if number % 2:
            w.coded(w.processed(clip_id))


def _schemes(w: World, s: State, items: range) -> None:
    for number in items:
        w.post(s["owner"], "/api/schemes", {
            "key": f"own_{number}", "name": f"Own {number}", "codes": [
                {"key": "JOY", "label_en": "Joy", "label_nl": "Plezier",
                 "category": "positive", "kind": "point"}]})


def _supervised(w: World, s: State, items: range) -> None:
    """Sets of the professional (the first the working set) and of colleagues,
    handed in for review; on every other one a thread, answered by its coder."""
    for number in items:
        coder = w.colleague() if number % 2 else "pro"
        set_id, (moment,) = w.coded(s["clip"], coder,
                                    purpose="second_coder" if number else None)
        w.review(coder, set_id, "submit", "graag je blik")
        if number % 2 == 0:
            anchor = {"annotation_id": moment} if number % 4 else {"start_ms": 10 * number}
            thread = w.post("pro", f"/api/clips/{s['clip']}/comments",
                            {"body": f"Kijk hier {number}", "set_id": set_id, **anchor})
            w.post("sup", f"/api/comments/{thread['id']}/replies", {"body": "Mooi gezien"})


def _one_set(w: World) -> State:
    case_id = w.case()
    clip_id = w.clip(case_id)
    goal = w.post("pro", f"/api/cases/{case_id}/goals", {"title": "Signalen zien"})["id"]
    person = w.post("pro", f"/api/cases/{case_id}/people", {"role": "mother"})["id"]
    set_id, _ = w.coded(clip_id, moments=0)
    w.send("PUT", "pro", f"/api/sets/{set_id}/ratings/sensitivity", json={"value": 5})
    other, _ = w.coded(clip_id, "sup", moments=2, purpose="second_coder")
    return {"case": case_id, "clip": clip_id, "set": set_id, "other": other, "goal": goal,
            "person": person}


def _set_items(w: World, s: State, items: range) -> None:
    """In turn: a moment about a goal and a person; a round of handing the set in
    and taking it back; an export, a read of the family's recording that the
    access log keeps."""
    for number in items:
        if number % 3 == 0:
            w.moment("pro", s["set"], number, goal_ids=[s["goal"]], person_id=s["person"])
        elif number % 3 == 1:
            w.review("pro", s["set"], "submit", "klaar")
            w.review("pro", s["set"], "withdraw")
        else:
            who = ("pro", "sup")[number // 3 % 2]
            assert w.api.get(f"/api/sets/{s['set']}/export",
                             headers=w.headers(who)).status_code == 200


def _playlists(w: World) -> State:
    """A case's coded clip, a playlist of its moments shown to the family
    (consent given, rendered: sharing needs both) and the parents' reflection."""
    case_id = w.case()
    clip_id = w.clip(case_id)
    goal = w.post("pro", f"/api/cases/{case_id}/goals", {"title": "Samen spelen"})["id"]
    _, notes = w.coded(clip_id, moments=2)
    playlist = w.post("pro", f"/api/cases/{case_id}/playlists", {"title": "Bezoek 1"})["id"]
    w.send("PUT", "pro", f"/api/playlists/{playlist}/reflections/whole",
           json={"parents_saw": "Hij keek"})
    w.send("PUT", "pro", f"/api/cases/{case_id}/consent",
           json={"feedback": True, "supervision": True, "training": False})
    _as_rendered(w, playlist)
    return {"case": case_id, "clip": clip_id, "goal": goal, "notes": notes,
            "playlist": playlist}


def _as_rendered(w: World, playlist_id: str) -> None:
    """The playlist as a render leaves it (what its share links need)."""
    from core.db.models import Playlist, PlaylistStatus

    with w.runtime.db() as db:
        row = db.get_one(Playlist, playlist_id)
        row.status, row.media_prefix = PlaylistStatus.ready, f"cases/{row.case_id}/rendered"
        row.rendered_revision = row.revision


def _playlist_items(w: World, s: State, items: range) -> None:
    """In turn: another playlist with a moment for a goal and a stretch of the
    clip; a moment for the shown playlist with the parents' reflection; a share link."""
    for number in items:
        if number % 3 == 0:
            other = w.post("pro", f"/api/cases/{s['case']}/playlists",
                           {"title": f"Bezoek {number}"})["id"]
            w.post("pro", f"/api/playlists/{other}/items",
                   {"annotation_id": s["notes"][0], "goal_ids": [s["goal"]]})
            w.post("pro", f"/api/playlists/{other}/items",
                   {"clip_id": s["clip"], "start_ms": 100, "end_ms": 900})
        elif number % 3 == 1:
            item = w.post("pro", f"/api/playlists/{s['playlist']}/items", {
                "annotation_id": s["notes"][number % 2], "goal_ids": [s["goal"]],
                "caption": "Wat ziet u?"})["items"][-1]["id"]
            w.send("PUT", "pro", f"/api/playlists/{s['playlist']}/reflections/{item}",
                   json={"parents_said": "Hij lacht"})
        else:
            w.post("pro", f"/api/playlists/{s['playlist']}/shares", {})


def _coded_clip(w: World) -> State:
    case_id = w.case()
    clip_id = w.clip(case_id)
    set_id, (moment,) = w.coded(clip_id)
    return {"case": case_id, "clip": clip_id, "set": set_id, "moment": moment}


def _handed_in(w: World) -> State:
    made = _coded_clip(w)
    w.review("pro", made["set"], "submit")
    return {**made, "team_id": w.team("pro")[0]}


def _second_coders(w: World, s: State, items: range) -> None:
    """Colleagues asked to code the clip; every third one codes and hands in,
    so the agreement with the working set is worked out."""
    for number in items:
        if number % 3:
            w.post("sup", f"/api/clips/{s['clip']}/second-coders",
                   {"coder_id": w.invite("professional", s["team_id"])})
            continue
        coder = w.colleague("professional")
        asked = w.post("sup", f"/api/clips/{s['clip']}/second-coders",
                       {"coder_id": coder["id"]})
        w.moment(coder, asked["set_id"], 0)
        w.review(coder, asked["set_id"], "submit")


def _team(w: World) -> State:
    """A team of its own: its supervisor and a professional's recording."""
    sup = w.person("supervisor")
    team_id, name = w.team(sup)
    pro = w.person("professional", name)
    return {"lead": sup, "team_id": team_id, "clip": w.clip(w.case(pro), pro)}


def _members(w: World, s: State, items: range) -> None:
    """In turn: a person invited into the team; a team with a supervisor."""
    for number in items:
        if number % 2:
            w.invite("supervisor",
                     w.post("admin", "/api/admin/teams", {"name": team_name()})["id"])
        else:
            w.invite("professional", s["team_id"])


def _inbox(w: World) -> State:
    """A professional of the team with a recording of their own."""
    coder = w.colleague("professional")
    return {"coder": coder, "own": w.clip(w.case(coder), coder), "colleague": w.case()}


def _news(w: World, s: State, items: range) -> None:
    """In turn: a supervisor's decision on one of the professional's sets; a
    colleague's clip they are asked to code; a question about their set."""
    coder = s["coder"]
    for number in items:
        if number % 3 == 0:
            set_id, _ = w.coded(s["own"], coder, purpose="second_coder" if number else None)
            s.setdefault("first_set", set_id)
            w.review(coder, set_id, "submit")
            w.review(w.colleague(), set_id, ("approve", "request_changes")[number // 3 % 2],
                     "zie 0:01")
        elif number % 3 == 1:
            clip_id = w.clip(s["colleague"])
            w.coded(clip_id, moments=0)
            w.post("sup", f"/api/clips/{clip_id}/second-coders",
                   {"coder_id": coder["id"], "note": "graag"})
        else:
            w.post(w.colleague(), f"/api/clips/{s['own']}/comments",
                   {"body": "Wat zag je hier?", "set_id": s["first_set"], "start_ms": 100})


#: A visit's coding as a file brings it in (Attune's own CSV): something that
#: goes well, a mismatch and its repair.
CODING_CSV = b"Code,Start (s),Stop (s)\nSHARED_JOY,0.2,\nMISMATCH,0.4,0.9\nREPAIR,1.0,\n"


def _visits(w: World, s: State, items: range) -> None:
    """Visits, each with a goal, a person, a recording whose coding came from a
    file and was handed in (every other one approved by a supervisor), and a
    playlist shown there of one moment and one stretch, with the parents'
    reflections; all the moments are linked to the goal."""
    for number in items:
        visit, goal = _trajectory_rows(w, s["case"], number)
        clip_id = w.clip(s["case"], visit_id=visit)
        imported = w.api.post(f"/api/clips/{clip_id}/sets/import", headers=w.headers("pro"),
                              files={"file": ("bezoek.csv", CODING_CSV, "text/csv")})
        assert imported.status_code == 201, imported.text
        set_id = imported.json()["id"]
        w.review("pro", set_id, "submit")
        if number % 2:
            w.review(w.colleague(), set_id, "approve")
        _shown_at(w, s["case"], visit, clip_id, set_id, goal)


def _trajectory_rows(w: World, case_id: str, number: int) -> tuple[str, str]:
    """A visit, a goal and a person of the case: the visit's and the goal's ids."""
    from core.db.models import CasePerson, Goal, PersonRole, Visit, VisitPhase

    owner = w.people["pro"]["id"]
    with w.runtime.db() as db:
        visit = Visit(case_id=case_id, number=number + 1, phase=VisitPhase.feedback,
                      visited_on=date(2026, 1, 5) + timedelta(weeks=number), created_by=owner)
        goal = Goal(case_id=case_id, title=f"Doel {number}", position=number, created_by=owner)
        db.add_all([visit, goal, CasePerson(case_id=case_id, role=PersonRole.mother,
                                            position=number)])
        db.flush()
        return visit.id, goal.id


def _shown_at(w: World, case_id: str, visit_id: str, clip_id: str, set_id: str,
              goal_id: str) -> None:
    """The set's moments linked to the goal, and a playlist shown at the visit:
    the first moment (for the goal) and a stretch of the clip, each reflected on."""
    from sqlalchemy import select

    from core.db.models import (
        Annotation,
        AnnotationGoal,
        Playlist,
        PlaylistItem,
        PlaylistItemGoal,
        Reflection,
    )

    owner = w.people["pro"]["id"]
    with w.runtime.db() as db:
        notes = db.scalars(select(Annotation.id).where(Annotation.set_id == set_id)
                           .order_by(Annotation.start_ms)).all()
        playlist = Playlist(case_id=case_id, owner_id=owner, title="Terugkijken",
                            visit_id=visit_id)
        db.add_all([playlist, *(AnnotationGoal(annotation_id=n, goal_id=goal_id)
                                for n in notes)])
        db.flush()
        items = [PlaylistItem(playlist_id=playlist.id, position=0, clip_id=clip_id,
                              annotation_id=notes[0], start_ms=0, end_ms=1_000),
                 PlaylistItem(playlist_id=playlist.id, position=1, clip_id=clip_id,
                              start_ms=500, end_ms=1_500, caption="Wat ziet u?")]
        db.add_all(items)
        db.flush()
        db.add_all([PlaylistItemGoal(item_id=items[0].id, goal_id=goal_id),
                    *(Reflection(playlist_id=playlist.id, item_id=item_id, visit_id=visit_id,
                                 parents_saw="Hij lachte", author_id=owner)
                      for item_id in (None, *(i.id for i in items)))])


def _suggested(w: World) -> State:
    """The transcoded recording (analysed when it was processed) and a set on it."""
    set_id, _ = w.coded(w.ready["id"], moments=0)
    return {"clip": w.ready["id"], "set": set_id}


def _suggestions(w: World, s: State, items: range) -> None:
    """The analysis suggests one moment per item (a new analysis replaces the
    old); the professional codes one, keeps one suggestion and turns one down."""
    suggest(w.runtime, s["clip"], *[("SHARED_JOY", 100 + 15 * (i % 100), None, None)
                                    for i in range(items.stop)])
    for number in items:
        w.moment("pro", s["set"], number)
    found = w.send("GET", "pro", f"/api/clips/{s['clip']}/analysis")["suggestions"]
    w.post("pro", f"/api/suggestions/{found[0]['id']}/accept", {"set_id": s["set"]})
    w.post("pro", f"/api/suggestions/{found[1]['id']}/reject", {"set_id": s["set"]})


def _new_case(w: World) -> State:
    return {"case": w.case()}


def _case_with_clip(w: World) -> State:
    case_id = w.case()
    return {"case": case_id, "clip": w.clip(case_id)}


SHAPES = (
    Shape(lambda w: {"owner": w.person("professional")}, _cases,
          {"GET /api/cases": ("/api/cases", "owner")}),
    Shape(_new_case, _uploads, {
        "GET /api/cases/{id}/clips": ("/api/cases/{case}/clips", "pro"),
        "GET /api/cases/{id}/moments": ("/api/cases/{case}/moments", "pro")}),
    Shape(lambda w: {"owner": w.person("supervisor")}, _schemes,
          {"GET /api/schemes": ("/api/schemes", "owner")}),
    Shape(_case_with_clip, _supervised, {
        "GET /api/clips/{id}/sets": ("/api/clips/{clip}/sets", "pro"),
        "GET /api/review/queue": ("/api/review/queue?case_id={case}", "sup"),
        "GET /api/clips/{id}/comments": ("/api/clips/{clip}/comments", "pro")}),
    Shape(_one_set, _set_items, {
        "GET /api/sets/{id}": ("/api/sets/{set}", "pro"),
        "GET /api/sets/{id}/summary": ("/api/sets/{set}/summary", "pro"),
        "GET /api/sets/{id}/history": ("/api/sets/{set}/history", "pro"),
        "GET /api/sets/{id}/export": ("/api/sets/{set}/export?format=csv", "pro"),
        "GET /api/sets/{id}/review": ("/api/sets/{set}/review", "pro"),
        "GET /api/clips/{id}/agreement": ("/api/clips/{clip}/agreement?a={set}&b={other}",
                                          "pro"),
        "GET /api/audit": ("/api/audit?case_id={case}", "officer"),
        "GET /api/audit/export.csv": ("/api/audit/export.csv?case_id={case}", "officer"),
        "GET /api/audit/cases/{id}/viewers": ("/api/audit/cases/{case}/viewers", "officer")}),
    Shape(_playlists, _playlist_items, {
        "GET /api/cases/{id}/playlists": ("/api/cases/{case}/playlists", "pro"),
        "GET /api/playlists/{id}": ("/api/playlists/{playlist}", "pro"),
        "GET /api/playlists/{id}/reflections": ("/api/playlists/{playlist}/reflections", "pro"),
        "GET /api/playlists/{id}/shares": ("/api/playlists/{playlist}/shares", "pro")}),
    Shape(_handed_in, _second_coders,
          {"GET /api/clips/{id}/second-coders": ("/api/clips/{clip}/second-coders", "sup")}),
    Shape(_team, _members, {
        "GET /api/clips/{id}/second-coders/candidates": (
            "/api/clips/{clip}/second-coders/candidates", "lead"),
        "GET /api/team": ("/api/team", "lead"),
        "GET /api/admin/users": ("/api/admin/users", "admin"),
        "GET /api/admin/teams": ("/api/admin/teams", "admin")}),
    Shape(_inbox, _news, {"GET /api/inbox": ("/api/inbox", "coder")}),
    Shape(_new_case, _visits, {
        "GET /api/cases/{id}/goals": ("/api/cases/{case}/goals", "pro"),
        "GET /api/cases/{id}/visits": ("/api/cases/{case}/visits", "pro"),
        "GET /api/cases/{id}/people": ("/api/cases/{case}/people", "pro"),
        "GET /api/cases/{id}/progress": ("/api/cases/{case}/progress", "pro"),
        "GET /api/cases/{id}/progress.csv": ("/api/cases/{case}/progress.csv", "pro"),
        "GET /api/cases/{id}/report": ("/api/cases/{case}/report", "pro")}),
    Shape(_suggested, _suggestions, {
        "GET /api/clips/{id}/analysis": ("/api/clips/{clip}/analysis", "pro"),
        "GET /api/clips/{id}/suggestions/evaluation": (
            "/api/clips/{clip}/suggestions/evaluation?set_id={set}", "pro")}),
)
ROUTES = {route: shape for shape in SHAPES for route in shape.routes}


@pytest.fixture(scope="module", autouse=True)
def _logins() -> Iterator[None]:
    """A login is noted as in use on its first request and then once a minute
    (``core.auth.TOUCH_EVERY_S``); here only on its first, so that no count
    depends on when a minute ends."""
    from core import auth

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "TOUCH_EVERY_S", 24 * 3600)
        yield


@pytest.fixture(scope="module")
def world(runtime: Any, app: Any, api: Any, people: People, media_dir: Path) -> World:
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                   name="list_queries.mp4")
    return World(runtime, api, people, ready_clip(runtime, api, people["pro"]["headers"],
                                                  source))


@pytest.mark.parametrize("route", list(ROUTES))
def test_statements_do_not_grow_with_the_items(world: World, route: str) -> None:
    if route not in world.measured:
        world.measure(ROUTES[route])
    few, many = world.measured[route]
    assert few == many, f"{route}: {few} statements with {N} items, {many} with {3 * N}"
