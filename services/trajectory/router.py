"""Trajectory API: a case's goals, visits and people, and the reflection
records of its playlists. Whoever may see the case reads them; the
professionals working with the family change them (see ``rights``); every
change is in the access log with what it was before and after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from sqlalchemy.orm import Session

from core.access import case_for
from core.db.models import Case, CasePerson, Goal, Reflection, User, Visit
from core.web import CurrentUser, Db
from services.review import playlists
from services.trajectory import goals, people, reflections, visits
from services.trajectory.rights import log_change, require_change
from services.trajectory.schemas import (
    GoalIn,
    GoalList,
    GoalOut,
    GoalPatch,
    PersonIn,
    PersonList,
    PersonOut,
    PersonPatch,
    ReflectionIn,
    ReflectionList,
    ReflectionOut,
    VisitIn,
    VisitList,
    VisitOut,
    VisitPatch,
    changes_of,
)

router = APIRouter(prefix="/api", tags=["trajectory"])


def _case(db: Session, user: User, case_id: str) -> Case:
    return case_for(db, user, case_id)


# -- goals -----------------------------------------------------------------------------

def _goal_outs(db: Session, rows: list[Goal]) -> list[GoalOut]:
    moments, items = goals.link_counts(db, [g.id for g in rows])
    return [GoalOut(id=g.id, case_id=g.case_id, title=g.title, description=g.description,
                    status=g.status, position=g.position, started_at=g.started_at,
                    reached_at=g.reached_at, created_at=g.created_at, updated_at=g.updated_at,
                    moments=moments.get(g.id, 0), items=items.get(g.id, 0)) for g in rows]


@router.get("/cases/{case_id}/goals", response_model=GoalList)
def list_goals(case_id: str, user: CurrentUser, db: Db) -> GoalList:
    """The case's goals in their order, with how many moments and playlist
    items are linked to each."""
    return GoalList(goals=_goal_outs(db, goals.goals_of(db, _case(db, user, case_id))))


@router.post("/cases/{case_id}/goals", response_model=GoalOut,
             status_code=status.HTTP_201_CREATED)
def create_goal(case_id: str, body: GoalIn, request: Request, user: CurrentUser,
                db: Db) -> GoalOut:
    """A new goal (open), last in the list."""
    case = _case(db, user, case_id)
    require_change(user, case, "changes to its goals")
    goal = goals.create(db, user, case, body.title, body.description)
    log_change(db, request, user, case, action="create_goal", object_type="goal",
               object_id=goal.id, after=goals.snapshot(goal))
    return _goal_outs(db, [goal])[0]


@router.patch("/goals/{goal_id}", response_model=GoalOut)
def change_goal(goal_id: str, body: GoalPatch, request: Request, user: CurrentUser,
                db: Db) -> GoalOut:
    """Change the fields sent. ``status`` working sets ``started_at`` the first
    time, reached sets ``reached_at``, and open or working clears it again."""
    goal = goals.goal_for(db, user, goal_id)
    case = _case(db, user, goal.case_id)
    require_change(user, case, "changes to its goals")
    before = goals.snapshot(goal)
    goals.change(db, goal, changes_of(body))
    log_change(db, request, user, case, action="update_goal", object_type="goal",
               object_id=goal.id, before=before, after=goals.snapshot(goal))
    return _goal_outs(db, [goal])[0]


@router.delete("/goals/{goal_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_goal(goal_id: str, request: Request, user: CurrentUser, db: Db) -> Response:
    """Remove the goal and its links to moments and playlist items (the moments stay)."""
    goal = goals.goal_for(db, user, goal_id)
    case = _case(db, user, goal.case_id)
    require_change(user, case, "changes to its goals")
    before = goals.snapshot(goal)
    moments, items = goals.link_counts(db, [goal.id])
    goals.remove(db, goal)
    log_change(db, request, user, case, action="delete_goal", object_type="goal",
               object_id=goal_id, before={**before, "moments": moments.get(goal_id, 0),
                                          "items": items.get(goal_id, 0)})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- visits ----------------------------------------------------------------------------

def _visit_outs(db: Session, rows: list[Visit]) -> list[VisitOut]:
    clips, shown = visits.what_happened(db, rows)
    return [VisitOut(id=v.id, case_id=v.case_id, number=v.number, visited_on=v.visited_on,
                     phase=v.phase, clip_ids=clips.get(v.id, []),
                     playlist_ids=shown.get(v.id, [])) for v in rows]


@router.get("/cases/{case_id}/visits", response_model=VisitList)
def list_visits(case_id: str, user: CurrentUser, db: Db) -> VisitList:
    """The case's visits by number, with the clips filmed and playlists shown at each."""
    return VisitList(visits=_visit_outs(db, visits.visits_of(db, _case(db, user, case_id))))


@router.post("/cases/{case_id}/visits", response_model=VisitOut,
             status_code=status.HTTP_201_CREATED)
def create_visit(case_id: str, body: VisitIn, request: Request, user: CurrentUser,
                 db: Db) -> VisitOut:
    """A new visit; without ``number`` it gets the number after the highest
    (409 ``visit_number_taken`` for a number the case already has)."""
    case = _case(db, user, case_id)
    require_change(user, case, "changes to its visits")
    visit = visits.create(db, user, case, body.number, body.visited_on, body.phase)
    log_change(db, request, user, case, action="create_visit", object_type="visit",
               object_id=visit.id, after=visits.snapshot(visit))
    return _visit_outs(db, [visit])[0]


@router.patch("/visits/{visit_id}", response_model=VisitOut)
def change_visit(visit_id: str, body: VisitPatch, request: Request, user: CurrentUser,
                 db: Db) -> VisitOut:
    """Change the fields sent (``visited_on: null``: the date is not known)."""
    visit = visits.visit_for(db, user, visit_id)
    case = _case(db, user, visit.case_id)
    require_change(user, case, "changes to its visits")
    before = visits.snapshot(visit)
    visits.change(db, visit, changes_of(body, frozenset({"visited_on"})))
    log_change(db, request, user, case, action="update_visit", object_type="visit",
               object_id=visit.id, before=before, after=visits.snapshot(visit))
    return _visit_outs(db, [visit])[0]


@router.delete("/visits/{visit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_visit(visit_id: str, request: Request, user: CurrentUser, db: Db) -> Response:
    """Remove the visit; its clips and playlists stay, no longer at a visit."""
    visit = visits.visit_for(db, user, visit_id)
    case = _case(db, user, visit.case_id)
    require_change(user, case, "changes to its visits")
    out = _visit_outs(db, [visit])[0]
    before = {**visits.snapshot(visit), "clips": out.clip_ids, "playlists": out.playlist_ids}
    visits.remove(db, visit)
    log_change(db, request, user, case, action="delete_visit", object_type="visit",
               object_id=visit_id, before=before)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- people ----------------------------------------------------------------------------

def _person_out(row: CasePerson) -> PersonOut:
    return PersonOut(id=row.id, role=row.role, label=row.label, position=row.position)


@router.get("/cases/{case_id}/people", response_model=PersonList)
def list_people(case_id: str, user: CurrentUser, db: Db) -> PersonList:
    """Who appears in the family's recordings, in the professional's order."""
    rows = people.people_of(db, _case(db, user, case_id))
    return PersonList(people=[_person_out(p) for p in rows])


@router.post("/cases/{case_id}/people", response_model=PersonOut,
             status_code=status.HTTP_201_CREATED)
def create_person(case_id: str, body: PersonIn, request: Request, user: CurrentUser,
                  db: Db) -> PersonOut:
    case = _case(db, user, case_id)
    require_change(user, case, "changes to the people in it")
    person = people.create(db, case, body.role, body.label)
    log_change(db, request, user, case, action="create_person", object_type="case_person",
               object_id=person.id, after=people.snapshot(person))
    return _person_out(person)


@router.patch("/case-people/{person_id}", response_model=PersonOut)
def change_person(person_id: str, body: PersonPatch, request: Request, user: CurrentUser,
                  db: Db) -> PersonOut:
    person = people.person_for(db, user, person_id)
    case = _case(db, user, person.case_id)
    require_change(user, case, "changes to the people in it")
    before = people.snapshot(person)
    people.change(db, person, changes_of(body))
    log_change(db, request, user, case, action="update_person", object_type="case_person",
               object_id=person.id, before=before, after=people.snapshot(person))
    return _person_out(person)


@router.delete("/case-people/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_person(person_id: str, request: Request, user: CurrentUser, db: Db) -> Response:
    """Remove the person; moments about them keep their subject and lose the person."""
    person = people.person_for(db, user, person_id)
    case = _case(db, user, person.case_id)
    require_change(user, case, "changes to the people in it")
    before = people.snapshot(person)
    people.remove(db, person)
    log_change(db, request, user, case, action="delete_person", object_type="case_person",
               object_id=person_id, before=before)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- reflections -----------------------------------------------------------------------

def _reflection_out(row: Reflection) -> ReflectionOut:
    return ReflectionOut(id=row.id, playlist_id=row.playlist_id, item_id=row.item_id,
                         visit_id=row.visit_id, parents_saw=row.parents_saw,
                         parents_said=row.parents_said, next_steps=row.next_steps,
                         author_id=row.author_id, version=row.version,
                         updated_at=row.updated_at)


@router.get("/playlists/{playlist_id}/reflections", response_model=ReflectionList)
def list_reflections(playlist_id: str, user: CurrentUser, db: Db) -> ReflectionList:
    """The reflection records of the playlist: the whole first, then per moment."""
    row = playlists.playlist_for(db, user, playlist_id)
    return ReflectionList(reflections=[_reflection_out(r)
                                       for r in reflections.reflections_of(db, row)])


@router.put("/playlists/{playlist_id}/reflections/{item_id}", response_model=ReflectionOut)
def write_reflection(playlist_id: str, item_id: str, body: ReflectionIn, request: Request,
                     response: Response, user: CurrentUser, db: Db,
                     if_match: Annotated[str | None, Header()] = None) -> ReflectionOut:
    """Write the record of one moment (``item_id``) or of the playlist as a whole
    (``whole``): 201 when it is new, 200 when changed. Changing an existing
    record needs ``If-Match`` with its ETag or version; 412 ``version_conflict``
    when someone else saved in between."""
    row = playlists.playlist_for(db, user, playlist_id)
    case = _case(db, user, row.case_id)
    require_change(user, case, "changes to its reflections")
    item = None if item_id == reflections.WHOLE else playlists.item_for(row, item_id)
    written = reflections.Written(parents_saw=body.parents_saw, parents_said=body.parents_said,
                                  next_steps=body.next_steps, visit_id=body.visit_id,
                                  visit_given="visit_id" in body.model_fields_set)
    record, before = reflections.write(db, user, row, item, written, if_match)
    log_change(db, request, user, case, action="update_reflection" if before else
               "create_reflection", object_type="reflection", object_id=record.id,
               before=before, after={"playlist_id": row.id, "item_id": record.item_id,
                                     **(reflections.snapshot(record) or {})})
    response.headers["ETag"] = reflections.etag(record)
    if before is None:
        response.status_code = status.HTTP_201_CREATED
    return _reflection_out(record)
