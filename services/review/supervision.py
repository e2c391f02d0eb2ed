"""Supervision of annotation sets: submit, approve or request changes.

A set moves ``draft -> submitted -> approved | changes_requested -> submitted
...``; every move is kept with who, when and why (``review_transitions``).
The coder submits and may withdraw; only a supervisor of the case's team
decides, and never on their own coding (four eyes). A submitted or approved set
is read-only (``services.annotate.sets.check_editable``): the coder withdraws a
submitted one, or reopens an approved one, to edit it again; either takes it
back to draft.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from core import errors
from core.access import is_case_supervisor, visible_cases
from core.db.models import (
    Annotation,
    AnnotationSet,
    Case,
    Clip,
    ReviewState,
    ReviewTransition,
    User,
    utcnow,
)

#: How long an approval stays in the coder's inbox.
APPROVAL_NEWS = timedelta(days=14)

_IN_WORDS = {ReviewState.draft: "a draft", ReviewState.submitted: "submitted for review",
             ReviewState.approved: "approved",
             ReviewState.changes_requested: "waiting for the changes a supervisor asked for"}


class Action(enum.StrEnum):
    submit = "submit"
    withdraw = "withdraw"
    approve = "approve"
    request_changes = "request_changes"
    reopen = "reopen"


_DONE = {Action.submit: "submitted", Action.withdraw: "withdrawn", Action.approve: "approved",
         Action.request_changes: "sent back for changes", Action.reopen: "reopened"}


class StepKind(enum.StrEnum):
    """What a step in a set's history was, as a stable key the web app words."""

    submitted = "submitted"
    withdrawn = "withdrawn"
    approved = "approved"
    changes_requested = "changes_requested"
    #: The coder took an approved set back to draft (or, in older history, an
    #: edit took a handed-in set back).
    reopened = "reopened"


#: The comment an edit left when it took a handed-in set back to draft, before
#: such sets became read-only; older histories still have it.
REOPENED_BY_EDIT = "Reopened by an edit."


def step_kind(step: ReviewTransition) -> StepKind:
    """Which move a recorded step was: the states say it, except for a set
    going back to draft, which is the coder withdrawing or reopening it."""
    target = ReviewState(step.to_state)
    if target is not ReviewState.draft:
        return StepKind(target.value)
    if step.from_state == ReviewState.approved or step.comment == REOPENED_BY_EDIT:
        return StepKind.reopened
    return StepKind.withdrawn


def own_words(step: ReviewTransition) -> str:
    """What the person who took the step wrote with it ("" for an edit's step)."""
    return "" if step.comment == REOPENED_BY_EDIT else step.comment


class Party(enum.Enum):
    """Who may take an action: the set's coder, or a supervisor of the case's team."""

    coder = "coder"
    supervisor = "supervisor"


@dataclass(frozen=True)
class Move:
    sources: frozenset[ReviewState]
    target: ReviewState
    party: Party


MOVES: dict[Action, Move] = {
    Action.submit: Move(frozenset({ReviewState.draft, ReviewState.changes_requested}),
                        ReviewState.submitted, Party.coder),
    Action.withdraw: Move(frozenset({ReviewState.submitted}), ReviewState.draft, Party.coder),
    Action.approve: Move(frozenset({ReviewState.submitted}), ReviewState.approved,
                         Party.supervisor),
    Action.request_changes: Move(frozenset({ReviewState.submitted}),
                                 ReviewState.changes_requested, Party.supervisor),
    # An approved set is done; changing it after all is a deliberate step that
    # takes the approval back, so it goes to the supervisor again.
    Action.reopen: Move(frozenset({ReviewState.approved}), ReviewState.draft, Party.coder),
}


def require_case_supervisor(user: User, case: Case, doing: str) -> None:
    if not is_case_supervisor(user, case):
        raise errors.NotAllowed(f"Only a supervisor of this case's team can {doing}.",
                                "not_case_supervisor")


def transition(db: Session, user: User, row: AnnotationSet, case: Case, action: Action,
               comment: str) -> ReviewTransition:
    """Move ``row`` by ``action`` if ``user`` may, and record the move."""
    move = MOVES[action]
    _check_party(user, row, case, action, move.party)
    current = ReviewState(row.review_state)
    if current not in move.sources:
        allowed = " or ".join(_IN_WORDS[s] for s in sorted(move.sources))
        raise errors.Conflict(f"This set is {_IN_WORDS[current]}; it can be {_DONE[action]} "
                              f"only when it is {allowed}.", "invalid_transition")
    if action is Action.request_changes and not comment.strip():
        raise errors.Invalid("Say what should change, so the professional knows what to do.",
                             "comment_required", errors=[{"field": "comment",
                                                          "message": "required when asking for "
                                                                     "changes",
                                                          "code": "comment_required"}])
    if action is Action.submit and not row.annotations:
        raise errors.Invalid("This set has no annotations yet; code at least one moment "
                             "before submitting it.", "empty_set")
    step = ReviewTransition(set_id=row.id, from_state=current, to_state=move.target,
                            actor_id=user.id, comment=comment.strip())
    db.add(step)
    row.review_state, row.review_state_at = move.target, utcnow()
    db.flush()
    return step


def _check_party(user: User, row: AnnotationSet, case: Case, action: Action,
                 party: Party) -> None:
    doing = action.replace("_", " ") + ("" if party is Party.coder else " this set")
    if party is Party.coder:
        if row.coder_id != user.id:
            raise errors.NotAllowed(f"Only the coder of this set can {doing} it.", "not_your_set")
        return
    require_case_supervisor(user, case, doing)
    if row.coder_id == user.id:
        raise errors.NotAllowed("You cannot review your own coding; another supervisor of the "
                                "team decides on it.", "own_set")


def transitions(db: Session, row: AnnotationSet) -> list[ReviewTransition]:
    return list(db.scalars(select(ReviewTransition).where(ReviewTransition.set_id == row.id)
                           .order_by(ReviewTransition.id)))


# -- the supervisor's queue -------------------------------------------------------------

@dataclass(frozen=True)
class QueueEntry:
    set: AnnotationSet
    clip: Clip
    case: Case
    annotations: int
    resubmitted: bool
    #: What the coder wrote when submitting it this time ("" when nothing).
    note: str


def queue(db: Session, user: User, *, coder_id: str | None = None,
          case_id: str | None = None) -> list[QueueEntry]:
    """Sets waiting for this supervisor's decision, the longest waiting first."""
    cases = visible_cases(user).where(Case.team_id == user.team_id).subquery()
    query = (
        select(AnnotationSet, Clip, Case)
        .join(Clip, Clip.id == AnnotationSet.clip_id)
        .join(Case, Case.id == Clip.case_id)
        .where(Case.id.in_(select(cases.c.id)),
               AnnotationSet.review_state == ReviewState.submitted,
               AnnotationSet.coder_id != user.id)
        .order_by(AnnotationSet.review_state_at, AnnotationSet.id)
        .options(joinedload(AnnotationSet.coder)))  # the queue names each coder
    if coder_id:
        query = query.where(AnnotationSet.coder_id == coder_id)
    if case_id:
        query = query.where(Case.id == case_id)
    rows = db.execute(query).all()
    ids = [r[0].id for r in rows]
    counts = dict(db.execute(select(Annotation.set_id, func.count()).where(
        Annotation.set_id.in_(ids)).group_by(Annotation.set_id)).all())
    sent_back = set(db.scalars(select(ReviewTransition.set_id).where(
        ReviewTransition.set_id.in_(ids),
        ReviewTransition.to_state == ReviewState.changes_requested)))
    notes = dict(db.execute(select(ReviewTransition.set_id, ReviewTransition.comment).where(
        ReviewTransition.set_id.in_(ids), ReviewTransition.to_state == ReviewState.submitted)
        .order_by(ReviewTransition.id)).all())  # the last submission's words win
    return [QueueEntry(s, clip, case, counts.get(s.id, 0), s.id in sent_back,
                       notes.get(s.id, "")) for s, clip, case in rows]


def decisions_for(db: Session, user: User, since: datetime) -> list[tuple[AnnotationSet,
                                                                          ReviewTransition]]:
    """The user's sets a supervisor decided on: changes asked (until resubmitted)
    and recent approvals, with the decision that put them there."""
    query = (select(AnnotationSet, ReviewTransition)
             .join(ReviewTransition, ReviewTransition.set_id == AnnotationSet.id)
             .where(AnnotationSet.coder_id == user.id,
                    ReviewTransition.to_state == AnnotationSet.review_state,
                    AnnotationSet.review_state.in_([ReviewState.changes_requested,
                                                    ReviewState.approved]))
             .order_by(ReviewTransition.id.desc()))
    latest: dict[str, tuple[AnnotationSet, ReviewTransition]] = {}
    for row, step in db.execute(query):
        latest.setdefault(row.id, (row, step))
    return [(row, step) for row, step in latest.values()
            if row.review_state == ReviewState.changes_requested or step.at >= since]
