"""Supervision API: submitting and deciding on sets, the supervisor's queue,
comment threads in a clip, second coders, and what waits for each user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy import func, select

from core import errors
from core.access import case_for, clip_for
from core.db.models import (
    AnnotationSet,
    Case,
    Clip,
    Comment,
    ReviewTransition,
    Role,
    SecondCoding,
    User,
    utcnow,
)
from core.web import CurrentUser, Db, client_ip, require_role
from services.annotate import sets
from services.cases import consent_flags
from services.review import comments, second_coding, supervision
from services.review.schemas import (
    CoderOut,
    CommentIn,
    CommentOut,
    InboxItem,
    QueueItem,
    ReplyIn,
    ReviewOut,
    SecondCoderIn,
    SecondCodingOut,
    ThreadOut,
    TransitionIn,
    TransitionOut,
)

router = APIRouter(prefix="/api", tags=["supervision"])


# -- a set's review -----------------------------------------------------------------

def _review_out(db: Db, row: AnnotationSet) -> ReviewOut:
    steps = supervision.transitions(db, row)
    people = _emails(db, {s.actor_id for s in steps})
    return ReviewOut(set_id=row.id, state=row.review_state, state_at=row.review_state_at,
                     transitions=[TransitionOut(from_state=s.from_state, to_state=s.to_state,
                                                kind=supervision.step_kind(s),
                                                actor_id=s.actor_id, actor=people[s.actor_id],
                                                at=s.at, comment=s.comment,
                                                note=supervision.own_words(s))
                                  for s in steps])


def _emails(db: Db, ids: set[str]) -> dict[str, str]:
    return dict(db.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


@router.get("/sets/{set_id}/review", response_model=ReviewOut)
def get_review(set_id: str, user: CurrentUser, db: Db) -> ReviewOut:
    """Where the set stands in supervision, with every step so far."""
    return _review_out(db, sets.set_for(db, user, set_id))


@router.post("/sets/{set_id}/review", response_model=ReviewOut)
def move_review(set_id: str, body: TransitionIn, user: CurrentUser, db: Db) -> ReviewOut:
    """Submit or withdraw (the coder), approve or request changes (a supervisor
    of the case's team, not on their own set)."""
    row = sets.set_for(db, user, set_id)
    case = case_for(db, user, sets.row_clip(db, row).case_id)
    supervision.transition(db, user, row, case, body.action, body.comment)
    return _review_out(db, row)


#: Only a supervisor has a review queue (sets of their team waiting for a decision).
QueueOwner = Annotated[User, Depends(require_role(
    Role.supervisor, detail="Only supervisors have a review queue."))]


@router.get("/review/queue", response_model=list[QueueItem])
def review_queue(user: QueueOwner, db: Db,
                 coder_id: Annotated[str | None, Query(description="Only this coder's sets.")]
                 = None,
                 case_id: Annotated[str | None, Query(description="Only this case.")] = None,
                 ) -> list[QueueItem]:
    """Sets waiting for a decision, the longest waiting first (supervisors)."""
    entries = supervision.queue(db, user, coder_id=coder_id, case_id=case_id)
    open_threads = dict(db.execute(
        select(Comment.set_id, func.count()).where(
            Comment.set_id.in_([e.set.id for e in entries]), Comment.parent_id.is_(None),
            Comment.resolved_at.is_(None)).group_by(Comment.set_id)).all())
    return [QueueItem(set_id=e.set.id, set_name=e.set.name, purpose=e.set.purpose,
                      clip_id=e.clip.id, clip=e.clip.filename, case_id=e.case.id,
                      case_label=e.case.label, coder_id=e.set.coder_id,
                      coder=e.set.coder.email, submitted_at=e.set.review_state_at,
                      annotation_count=e.annotations, resubmitted=e.resubmitted,
                      open_threads=open_threads.get(e.set.id, 0), note=e.note,
                      consent_supervision=consent_flags(e.case)["supervision"])
            for e in entries]


# -- comments ------------------------------------------------------------------------

def _comment_out(row: Comment, people: dict[str, str]) -> CommentOut:
    return CommentOut(id=row.id, author_id=row.author_id, author=people[row.author_id],
                      body=row.body, created_at=row.created_at)


def _thread_out(db: Db, root: Comment, replies: list[Comment]) -> ThreadOut:
    return _threads_out(db, [(root, replies)])[0]


def _threads_out(db: Db, threads: list[tuple[Comment, list[Comment]]]) -> list[ThreadOut]:
    """The threads as shown, their authors' addresses read in one query however
    many threads a clip has."""
    if not threads:
        return []
    people = _emails(db, {c.author_id for root, replies in threads for c in (root, *replies)})
    return [ThreadOut(**_comment_out(root, people).model_dump(), clip_id=root.clip_id,
                      set_id=root.set_id, annotation_id=root.annotation_id,
                      start_ms=root.start_ms, end_ms=root.end_ms,
                      resolved=root.resolved_at is not None, resolved_at=root.resolved_at,
                      resolved_by=root.resolved_by,
                      replies=[_comment_out(r, people) for r in replies])
            for root, replies in threads]


def _whole_thread(db: Db, root: Comment) -> ThreadOut:
    return _thread_out(db, root, comments.replies_of(db, [root.id]).get(root.id, []))


@router.get("/clips/{clip_id}/comments", response_model=list[ThreadOut])
def list_threads(clip_id: str, user: CurrentUser, db: Db,
                 set_id: Annotated[str | None, Query(description="Only about this set.")]
                 = None,
                 open: Annotated[bool, Query(description="Only unresolved threads.")] = False,
                 ) -> list[ThreadOut]:
    clip = clip_for(db, user, clip_id)
    return _threads_out(db, comments.threads(db, user, clip, set_id=set_id, open_only=open))


@router.post("/clips/{clip_id}/comments", response_model=ThreadOut,
             status_code=status.HTTP_201_CREATED)
def start_thread(clip_id: str, body: CommentIn, user: CurrentUser, db: Db) -> ThreadOut:
    """A comment at a moment (``start_ms``), over a range (``end_ms`` too), or on
    an annotation (its time is used when none is given)."""
    clip = clip_for(db, user, clip_id)
    anchor = comments.Anchor(body.start_ms, body.end_ms, body.set_id, body.annotation_id)
    return _thread_out(db, comments.start_thread(db, user, clip, anchor, body.body), [])


@router.get("/comments/{comment_id}", response_model=ThreadOut)
def get_thread(comment_id: str, user: CurrentUser, db: Db) -> ThreadOut:
    return _whole_thread(db, comments.thread_for(db, user, comment_id))


@router.post("/comments/{comment_id}/replies", response_model=ThreadOut,
             status_code=status.HTTP_201_CREATED)
def reply(comment_id: str, body: ReplyIn, user: CurrentUser, db: Db) -> ThreadOut:
    root = comments.thread_for(db, user, comment_id)
    comments.reply(db, user, root, body.body)
    return _whole_thread(db, root)


@router.post("/comments/{comment_id}/resolve", response_model=ThreadOut)
def resolve(comment_id: str, user: CurrentUser, db: Db) -> ThreadOut:
    return _set_resolved(comment_id, user, db, resolved=True)


@router.post("/comments/{comment_id}/unresolve", response_model=ThreadOut)
def unresolve(comment_id: str, user: CurrentUser, db: Db) -> ThreadOut:
    return _set_resolved(comment_id, user, db, resolved=False)


def _set_resolved(comment_id: str, user: User, db: Db, *, resolved: bool) -> ThreadOut:
    root = comments.thread_for(db, user, comment_id)
    if root.id != comment_id:
        raise errors.Invalid("Resolve the thread, not one reply in it.", "not_a_thread")
    comments.set_resolved(db, user, root, resolved)
    return _whole_thread(db, root)


# -- second coders -------------------------------------------------------------------

def _second_coding_out(row: SecondCoding, state: second_coding.Status) -> SecondCodingOut:
    return SecondCodingOut(id=row.id, clip_id=row.clip_id, coder_id=row.coder_id,
                           coder=state.second.coder.email, reference_set_id=state.reference.id,
                           reference_coder=state.reference.coder.email,
                           reference_state=state.reference.review_state,
                           scheme_id=state.reference.scheme_id,
                           set_id=state.second.id, set_state=state.second.review_state,
                           requested_by=row.requested_by, note=row.note,
                           created_at=row.created_at, waiting_for=state.waiting_for,
                           waiting_on=list(state.waiting_on), agreement=state.agreement)


@router.post("/clips/{clip_id}/second-coders", response_model=SecondCodingOut,
             status_code=status.HTTP_201_CREATED)
def assign_second_coder(clip_id: str, body: SecondCoderIn, request: Request,
                        user: CurrentUser, db: Db) -> SecondCodingOut:
    """Ask a colleague to code this clip independently (a supervisor of the team)."""
    clip = clip_for(db, user, clip_id)
    case = case_for(db, user, clip.case_id)
    row = second_coding.assign(db, user, clip, case, body.coder_id, body.reference_set_id,
                               body.note, client_ip(request))
    return _second_coding_out(row, second_coding.status(db, clip, row))


@router.get("/clips/{clip_id}/second-coders/candidates", response_model=list[CoderOut])
def second_coder_candidates(clip_id: str, user: CurrentUser, db: Db) -> list[CoderOut]:
    """Colleagues of the case's team a supervisor can ask to code this clip."""
    clip = clip_for(db, user, clip_id)
    case = case_for(db, user, clip.case_id)
    return [CoderOut(id=u.id, email=u.email, role=u.role.value)
            for u in second_coding.candidates(db, user, clip, case)]


@router.get("/clips/{clip_id}/second-coders", response_model=list[SecondCodingOut])
def list_second_coders(clip_id: str, user: CurrentUser, db: Db) -> list[SecondCodingOut]:
    """Each second coding of the clip; the agreement once both sets are submitted."""
    clip = clip_for(db, user, clip_id)
    rows = second_coding.assignments(db, clip)
    return [_second_coding_out(row, state)
            for row, state in zip(rows, second_coding.statuses(db, clip, rows), strict=True)]


# -- the user's inbox ----------------------------------------------------------------

@router.get("/inbox", response_model=list[InboxItem])
def inbox(user: CurrentUser, db: Db) -> list[InboxItem]:
    """What needs this user's attention, newest first: decisions on their sets,
    clips they were asked to code, and threads waiting for their answer. Each
    item names its case and clip; ``kind`` with the fields after it say what
    happened, ``message`` says it in English."""
    decisions = supervision.decisions_for(db, user, since=utcnow() - supervision.APPROVAL_NEWS)
    asked = list(db.scalars(select(SecondCoding).where(SecondCoding.coder_id == user.id)))
    waiting = comments.waiting_on(db, user)
    known = _known(db, decisions, asked, waiting)
    items = [_decision_item(row, step, known) for row, step in decisions]
    items += [_assignment_item(assignment, own, known) for assignment in asked
              if (own := known.sets.get(assignment.set_id)) is not None
              and own.review_state not in second_coding.HANDED_IN]
    items += [_comment_item(root, last, known) for root, last in waiting]
    return sorted(items, key=lambda i: i.at, reverse=True)


class _Where(TypedDict):
    clip_id: str
    clip: str
    case_id: str
    case_label: str


@dataclass(frozen=True)
class _Known:
    """What the inbox's items name: people's addresses, sets, and clips with
    their cases, each read in one query however many items are waiting."""

    emails: dict[str, str]
    sets: dict[str, AnnotationSet]
    places: dict[str, _Where]


def _known(db: Db, decisions: list[tuple[AnnotationSet, ReviewTransition]],
           asked: list[SecondCoding], waiting: list[tuple[Comment, Comment]]) -> _Known:
    """Reads what the items name once for all of them, not per item."""
    set_ids = {a.set_id for a in asked} | {root.set_id for root, _ in waiting if root.set_id}
    sets = {row.id: row for row in db.scalars(
        select(AnnotationSet).where(AnnotationSet.id.in_(set_ids)))} if set_ids else {}
    people = ({step.actor_id for _, step in decisions} | {a.requested_by for a in asked}
              | {last.author_id for _, last in waiting})
    clips = ({row.clip_id for row, _ in decisions} | {a.clip_id for a in asked}
             | {root.clip_id for root, _ in waiting})
    return _Known(_emails(db, people) if people else {}, sets, _places(db, clips))


def _places(db: Db, clip_ids: set[str]) -> dict[str, _Where]:
    """The clips and cases inbox items are about, by name."""
    if not clip_ids:
        return {}
    rows = db.execute(select(Clip.id, Clip.filename, Clip.case_id, Case.label)
                      .join(Case, Case.id == Clip.case_id).where(Clip.id.in_(clip_ids)))
    return {clip_id: _Where(clip_id=clip_id, clip=filename, case_id=case_id, case_label=label)
            for clip_id, filename, case_id, label in rows}


def _decision_item(row: AnnotationSet, step: ReviewTransition, known: _Known) -> InboxItem:
    approved = step.to_state == "approved"
    actor = known.emails[step.actor_id]
    said = f" {actor}: {step.comment}" if step.comment else ""
    return InboxItem(kind="approved" if approved else "changes_requested", at=step.at,
                     set_id=row.id, set_coder_id=row.coder_id, actor=actor,
                     text=step.comment, **known.places[row.clip_id],
                     message=("Your coding was approved." if approved else
                              "Changes were requested in your coding.") + said)


def _assignment_item(assignment: SecondCoding, own: AnnotationSet, known: _Known) -> InboxItem:
    return InboxItem(kind="second_coding", at=assignment.created_at, set_id=own.id,
                     set_coder_id=own.coder_id, actor=known.emails.get(assignment.requested_by),
                     text=assignment.note, **known.places[assignment.clip_id],
                     message="You were asked to code this clip as second coder."
                             + (f" {assignment.note}" if assignment.note else ""))


def _comment_item(root: Comment, last: Comment, known: _Known) -> InboxItem:
    about = known.sets.get(root.set_id) if root.set_id else None
    return InboxItem(kind="comment", at=last.created_at, set_id=root.set_id,
                     set_coder_id=about.coder_id if about else None, comment_id=root.id,
                     actor=known.emails[last.author_id], text=last.body[:200],
                     start_ms=root.start_ms, **known.places[root.clip_id],
                     message=f"{_clock(root.start_ms)}: {last.body[:200]}")


def _clock(ms: int | None) -> str:
    seconds = (ms or 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"
