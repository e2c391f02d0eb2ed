"""The goals of a trajectory: the family's question for help and the work
points agreed with the parents, each open, being worked on, or reached.

The status carries its dates, so the file shows when work on a goal started
and when it was reached: ``working`` (or ``reached``) sets ``started_at`` the
first time; ``reached`` sets ``reached_at``; going back to ``open`` or
``working`` clears ``reached_at`` (the goal was not reached after all).
Moments and playlist items link to goals; deleting a goal removes its links
(the database cascades them), never the moments themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import errors
from core.access import case_for, through_parent
from core.db.models import (
    AnnotationGoal,
    Case,
    Goal,
    GoalStatus,
    PlaylistItemGoal,
    User,
    utcnow,
)
from services.trajectory.ordering import put_at, renumber


def goal_for(db: Session, user: User, goal_id: str) -> Goal:
    """The goal, if the user may see its case (else 404 ``goal_not_found``)."""
    return through_parent("goal", db.get(Goal, goal_id),
                          lambda row: case_for(db, user, row.case_id))


def goals_of(db: Session, case: Case) -> list[Goal]:
    return list(db.scalars(select(Goal).where(Goal.case_id == case.id)
                           .order_by(Goal.position, Goal.created_at)))


def link_counts(db: Session, goal_ids: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """How many moments and how many playlist items link to each goal."""
    if not goal_ids:
        return {}, {}
    moments = dict(db.execute(
        select(AnnotationGoal.goal_id, func.count()).where(AnnotationGoal.goal_id.in_(goal_ids))
        .group_by(AnnotationGoal.goal_id)).all())
    items = dict(db.execute(
        select(PlaylistItemGoal.goal_id, func.count())
        .where(PlaylistItemGoal.goal_id.in_(goal_ids))
        .group_by(PlaylistItemGoal.goal_id)).all())
    return moments, items


def snapshot(goal: Goal) -> dict[str, object]:
    """What the access log keeps of a goal before and after a change."""
    return {"title": goal.title, "description": goal.description, "status": str(goal.status),
            "position": goal.position, "started_at": goal.started_at,
            "reached_at": goal.reached_at}


def create(db: Session, user: User, case: Case, title: str, description: str) -> Goal:
    """A new open goal at the end of the list."""
    last = db.scalar(select(func.max(Goal.position)).where(Goal.case_id == case.id))
    goal = Goal(case_id=case.id, title=title, description=description,
                status=GoalStatus.open, position=0 if last is None else last + 1,
                created_by=user.id)
    db.add(goal)
    db.flush()
    return goal


def change(db: Session, goal: Goal, changes: Mapping[str, object]) -> None:
    """Apply the fields given (the caller has refused nulls)."""
    if "title" in changes:
        goal.title = str(changes["title"])
    if "description" in changes:
        goal.description = str(changes["description"])
    if "status" in changes:
        set_status(goal, GoalStatus(str(changes["status"])))
    if "position" in changes:
        position = changes["position"]
        assert isinstance(position, int)
        put_at(goals_of(db, db.get_one(Case, goal.case_id)), goal, position)
    db.flush()


def set_status(goal: Goal, status: GoalStatus) -> None:
    """The status and the dates that go with it (see the module's docstring)."""
    now = utcnow()
    if status is not GoalStatus.open and goal.started_at is None:
        goal.started_at = now
    if status is GoalStatus.reached:
        if goal.status is not GoalStatus.reached or goal.reached_at is None:
            goal.reached_at = now
    else:
        goal.reached_at = None
    goal.status = status


def remove(db: Session, goal: Goal) -> None:
    """Delete the goal and its links; the goals after it move up."""
    case = db.get_one(Case, goal.case_id)
    db.execute(delete(AnnotationGoal).where(AnnotationGoal.goal_id == goal.id))
    db.execute(delete(PlaylistItemGoal).where(PlaylistItemGoal.goal_id == goal.id))
    db.delete(goal)
    db.flush()
    renumber(goals_of(db, case))
    db.flush()


def require_of_case(db: Session, case_id: str, goal_ids: Iterable[str]) -> list[str]:
    """The goal ids, once each, if every one is a goal of the case (else 422
    ``goal_not_in_case``, naming the field ``goal_ids``)."""
    wanted = list(dict.fromkeys(goal_ids))
    if not wanted:
        return []
    found = set(db.scalars(select(Goal.id).where(Goal.case_id == case_id,
                                                 Goal.id.in_(wanted))))
    missing = [g for g in wanted if g not in found]
    if missing:
        message = "link only goals of this case; these are not: " + ", ".join(missing)
        raise errors.Invalid(f"goal_ids: {message}", "goal_not_in_case",
                             errors=[{"field": "goal_ids", "message": message}])
    return wanted


def item_goal_ids(db: Session, item_ids: list[str]) -> dict[str, list[str]]:
    """The goals each playlist item is linked to, in the goals' order."""
    if not item_ids:
        return {}
    linked: dict[str, list[str]] = {}
    rows = db.execute(select(PlaylistItemGoal.item_id, PlaylistItemGoal.goal_id)
                      .join(Goal, Goal.id == PlaylistItemGoal.goal_id)
                      .where(PlaylistItemGoal.item_id.in_(item_ids))
                      .order_by(Goal.position, Goal.created_at))
    for item_id, goal_id in rows:
        linked.setdefault(item_id, []).append(goal_id)
    return linked


def set_item_goals(db: Session, case_id: str, item_id: str,
                   goal_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Link the playlist item to exactly these goals of its case; returns the
    links before and after."""
    wanted = require_of_case(db, case_id, goal_ids)
    before = item_goal_ids(db, [item_id]).get(item_id, [])
    db.execute(delete(PlaylistItemGoal).where(PlaylistItemGoal.item_id == item_id))
    db.add_all(PlaylistItemGoal(item_id=item_id, goal_id=g) for g in wanted)
    db.flush()
    return before, item_goal_ids(db, [item_id]).get(item_id, [])
