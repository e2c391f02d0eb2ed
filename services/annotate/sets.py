"""Annotation sets and the annotations in them, as stored.

Every change goes through here, so that each one is checked against the
rules, counted for optimistic concurrency (the ``version`` behind the ETag)
and written to the set's history with who, when, and before/after.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from core import errors
from core.access import clip_for, through_parent
from core.db.models import (
    Annotation,
    AnnotationChange,
    AnnotationGoal,
    AnnotationSet,
    CasePerson,
    Clip,
    ClipStatus,
    CodingScheme,
    Rating,
    ReviewState,
    ReviewTransition,
    SecondCoding,
    User,
)
from services.annotate import rules
from services.annotate.domain import Category, ClipInfo, Event, Scheme, Source, Subject
from services.annotate.schemes import to_domain
from services.trajectory import goals as trajectory_goals


class Purpose:
    """Why a set exists: the professional's own coding, a second coder's
    independent coding, or a file brought in from ELAN or a spreadsheet."""

    working = "working"
    second_coder = "second_coder"
    imported = "imported"


def duration_ms(clip: Clip) -> int:
    """The clip's length, which every time must lie within; only a processed
    clip has one."""
    if clip.status is not ClipStatus.ready or not clip.duration_s:
        raise errors.Conflict("This clip is not processed yet; annotate it once it is ready.",
                              "clip_not_ready")
    return round(clip.duration_s * 1000)


def clip_info(clip: Clip) -> ClipInfo:
    return ClipInfo(id=clip.id, filename=clip.filename, duration_ms=duration_ms(clip))


def create(db: Session, user: User, clip: Clip, scheme: CodingScheme, *, name: str = "",
           purpose: str | None = None) -> AnnotationSet:
    """A new, empty set coded by ``user``. The first set on a clip is its
    working set; later ones are second coders' unless said otherwise."""
    duration_ms(clip)
    has_working = db.scalar(select(AnnotationSet.id).where(
        AnnotationSet.clip_id == clip.id, AnnotationSet.purpose == Purpose.working))
    purpose = purpose or (Purpose.second_coder if has_working else Purpose.working)
    if purpose == Purpose.working and has_working:
        raise errors.Conflict("This clip already has a working set; code in it, or start a "
                              "second coder's set.", "working_set_exists")
    row = AnnotationSet(clip_id=clip.id, scheme_id=scheme.id, coder_id=user.id,
                        name=name or f"{user.email} ({purpose.replace('_', ' ')})",
                        purpose=purpose)
    db.add(row)
    db.flush()
    return row


def set_for(db: Session, user: User, set_id: str) -> AnnotationSet:
    """A set on a clip the user may see (anyone else: not found), unless the
    user is a blinded second coder on that clip."""
    row = through_parent("annotation set", db.get(AnnotationSet, set_id),
                         lambda row: clip_for(db, user, row.clip_id))
    if row.coder_id != user.id and blinded(db, user, row.clip_id):
        raise errors.NotAllowed("You are the second coder on this clip: the other sets open "
                                "once you have submitted your own.", "second_coder_blinded")
    return row


def sets_of(db: Session, user: User, clip: Clip, *load: ExecutableOption) -> list[AnnotationSet]:
    """The clip's sets the user may read (a blinded second coder: only their own);
    ``load``: what to read with them (``selectinload(AnnotationSet.annotations)``)."""
    return sets_of_clips(db, user, [clip], *load)[clip.id]


def sets_of_clips(db: Session, user: User, clips: Sequence[Clip], *load: ExecutableOption,
                  where: ColumnElement[bool] | None = None) -> dict[str, list[AnnotationSet]]:
    """:func:`sets_of` for each clip, oldest first, read in one query however
    many clips a case has; ``where``: only the sets it holds for."""
    ids = [clip.id for clip in clips]
    found: dict[str, list[AnnotationSet]] = {clip_id: [] for clip_id in ids}
    if not ids:
        return found
    query = select(AnnotationSet).where(AnnotationSet.clip_id.in_(ids))
    if where is not None:
        query = query.where(where)
    hidden = blinded_clips(db, user, ids)
    if hidden:
        query = query.where(AnnotationSet.clip_id.not_in(hidden)
                            | (AnnotationSet.coder_id == user.id))
    for row in db.scalars(query.order_by(AnnotationSet.created_at).options(*load)):
        found[row.clip_id].append(row)
    return found


def blinded(db: Session, user: User, clip_id: str) -> bool:
    """A second coder asked to code this clip has not submitted their set yet.

    Until then they must not see anyone else's coding, or the agreement would
    measure how well they copy rather than how reliably the scheme is applied.
    """
    return clip_id in blinded_clips(db, user, [clip_id])


def blinded_clips(db: Session, user: User, clip_ids: Iterable[str]) -> set[str]:
    """The clips among ``clip_ids`` on which ``user`` is :func:`blinded`, in one
    query: asked to code them, and no set they were asked for ever submitted."""
    submitted = func.count(ReviewTransition.id)
    rows = db.execute(
        select(SecondCoding.clip_id, submitted)
        .outerjoin(ReviewTransition, (ReviewTransition.set_id == SecondCoding.set_id)
                   & (ReviewTransition.to_state == ReviewState.submitted))
        .where(SecondCoding.clip_id.in_(list(clip_ids)), SecondCoding.coder_id == user.id)
        .group_by(SecondCoding.clip_id))
    return {clip_id for clip_id, times in rows if not times}


def check_editable(user: User, row: AnnotationSet) -> None:
    """Let ``user`` change ``row``, or say why not: coders work independently,
    so only a set's own coder changes it; and a set in a supervisor's hands
    (submitted) or signed off (approved) is read-only until its coder takes it
    back on purpose (withdraw, reopen), so a supervisor never decides on what
    they did not see and a stray edit never takes a set out of their queue."""
    if row.coder_id != user.id:
        raise errors.NotAllowed("Only the coder of this set can change it; start your own set "
                                "to code this clip.", "not_your_set")
    if row.review_state == ReviewState.submitted:
        raise errors.Conflict("This set is submitted for review and cannot be changed; withdraw "
                              "it first to edit it (or wait for the supervisor's decision).",
                              "set_submitted")
    if row.review_state == ReviewState.approved:
        raise errors.Conflict("This set is approved and cannot be changed; reopen it first to "
                              "edit it (it then goes back to draft and needs a new review).",
                              "set_approved")


def annotation_for(db: Session, user: User, annotation_id: str) -> Annotation:
    return through_parent("annotation", db.get(Annotation, annotation_id),
                          lambda row: set_for(db, user, row.set_id))


# -- events ---------------------------------------------------------------------

def to_event(row: Annotation) -> Event:
    return Event(code=row.code, start_ms=row.start_ms, end_ms=row.end_ms,
                 subject=Subject(row.subject), note=row.note, id=row.id,
                 repairs=row.repairs_id, author=row.author_id, source=Source(row.source),
                 responds_to=row.responds_to_id)


def events(row: AnnotationSet) -> list[Event]:
    return [to_event(a) for a in row.annotations]


def goal_ids(db: Session, annotation_ids: Iterable[str]) -> dict[str, list[str]]:
    """The goals each annotation is linked to (annotation id -> goal ids, sorted)."""
    ids = list(annotation_ids)
    found: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for annotation_id, goal_id in db.execute(
                select(AnnotationGoal.annotation_id, AnnotationGoal.goal_id)
                .where(AnnotationGoal.annotation_id.in_(ids))
                .order_by(AnnotationGoal.goal_id)):
            found[annotation_id].append(goal_id)
    return found


def _snapshot(db: Session, row: Annotation) -> dict[str, Any]:
    return {"code": row.code, "start_ms": row.start_ms, "end_ms": row.end_ms,
            "subject": row.subject, "note": row.note, "repairs": row.repairs_id,
            "responds_to": row.responds_to_id, "person_id": row.person_id,
            "goal_ids": goal_ids(db, [row.id])[row.id],
            "source": row.source, "version": row.version}


def _log(db: Session, user: User, row: Annotation, action: str,
         before: dict[str, Any] | None) -> None:
    after = None if action == "delete" else _snapshot(db, row)
    db.add(AnnotationChange(set_id=row.set_id, object_type="annotation", object_id=row.id,
                            action=action, actor_id=user.id, before=before, after=after))


@dataclass(frozen=True)
class RuleContext:
    """What checking an event in a set needs: its scheme, the clip's length,
    and the set's other events by id (to find the mismatch a repair names and
    the initiative a response answers)."""

    scheme: Scheme
    duration_ms: int
    by_id: dict[str, Event]

    @classmethod
    def of(cls, row: AnnotationSet, clip: Clip) -> RuleContext:
        return cls(to_domain(row.scheme), duration_ms(clip), {e.id or "": e for e in events(row)})

    def violations(self, event: Event) -> list[rules.Violation]:
        mismatch = self.by_id.get(event.repairs) if event.repairs else None
        initiative = self.by_id.get(event.responds_to) if event.responds_to else None
        return rules.check(event, self.scheme, self.duration_ms, mismatch, initiative)


def _refuse(violations: list[rules.Violation]) -> errors.Invalid:
    return errors.Invalid("; ".join(map(str, violations)), "annotation_rule",
                          errors=[{"field": v.field, "message": v.message, "code": v.code}
                                  for v in violations])


def with_default_subject(event: Event, scheme: Scheme, subject_given: bool) -> Event:
    """An event without a subject takes the code's default (who usually does it)."""
    code = scheme.code(event.code)
    if subject_given or code is None:
        return event
    return dataclasses.replace(event, subject=code.subject)


def with_default_link(event: Event, scheme: Scheme, row: AnnotationSet) -> Event:
    """A repair nobody linked, linked to the set's mismatch it follows or
    overlaps (``rules.repaired_mismatch``); any other event as it is."""
    code = scheme.code(event.code)
    if code is None or code.category is not Category.repair:
        return event
    mismatch = rules.repaired_mismatch(event.start_ms, scheme, events(row))
    return dataclasses.replace(event, repairs=mismatch.id if mismatch else None)


def with_default_response(event: Event, scheme: Scheme, row: AnnotationSet) -> Event:
    """A receiving code nobody linked, linked to the set's initiative it follows
    (``rules.received_initiative``); any other event as it is."""
    code = scheme.code(event.code)
    if code is None or not code.receives:
        return event
    initiative = rules.received_initiative(event.start_ms, scheme, events(row))
    return dataclasses.replace(event, responds_to=initiative.id if initiative else None)


@dataclass(frozen=True)
class Links:
    """Who in the family a moment is about and the goals it shows work on:
    kept beside the event, since they belong to the case, not to the scheme."""

    person_id: str | None = None
    goal_ids: tuple[str, ...] = ()


def check_links(db: Session, clip: Clip, person_id: str | None,
                goals: Iterable[str] | None) -> None:
    """The person and the goals must be of the clip's case."""
    if person_id is not None:
        person = db.get(CasePerson, person_id)
        if person is None or person.case_id != clip.case_id:
            message = "choose one of the people of this clip's case"
            raise errors.Invalid(f"person_id: {message}", "person_not_in_case",
                                 errors=[{"field": "person_id", "message": message}])
    trajectory_goals.require_of_case(db, clip.case_id, goals or ())


def _set_goals(db: Session, row: Annotation, goals: Iterable[str]) -> None:
    wanted = set(goals)
    current = {link.goal_id: link for link in db.scalars(
        select(AnnotationGoal).where(AnnotationGoal.annotation_id == row.id))}
    for goal_id, link in current.items():
        if goal_id not in wanted:
            db.delete(link)
    for goal_id in sorted(wanted - set(current)):
        db.add(AnnotationGoal(annotation_id=row.id, goal_id=goal_id))
    db.flush()


def add(db: Session, user: User, row: AnnotationSet, event: Event,
        links: Links | None = None) -> Annotation:
    """Store a new annotation after checking every rule."""
    links = links or Links()
    clip = row_clip(db, row)
    context = RuleContext.of(row, clip)
    violations = context.violations(event)
    if violations:
        raise _refuse(violations)
    check_links(db, clip, links.person_id, links.goal_ids)
    annotation = _new(db, user, row, event, repairs_id=event.repairs,
                      responds_to_id=event.responds_to)
    annotation.person_id = links.person_id
    db.flush()
    _set_goals(db, annotation, links.goal_ids)
    _log(db, user, annotation, "create", None)
    return annotation


def _new(db: Session, user: User, row: AnnotationSet, event: Event,
         repairs_id: str | None = None, responds_to_id: str | None = None) -> Annotation:
    annotation = Annotation(set_id=row.id, code=event.code, start_ms=event.start_ms,
                            end_ms=event.end_ms, subject=str(event.subject), note=event.note,
                            repairs_id=repairs_id, responds_to_id=responds_to_id,
                            author_id=user.id, source=str(event.source))
    db.add(annotation)
    return annotation


def add_many(db: Session, user: User, row: AnnotationSet, checked: Iterable[Event]) -> int:
    """Store checked events in one go, turning the ids they link by (a file's
    own ids) into the new annotations' ids. The caller has checked the rules."""
    stored = [(event, _new(db, user, row, event)) for event in checked]
    db.flush()
    new_ids = {event.id: annotation.id for event, annotation in stored if event.id}
    for event, annotation in stored:
        annotation.repairs_id = new_ids.get(event.repairs) if event.repairs else None
        annotation.responds_to_id = (new_ids.get(event.responds_to) if event.responds_to
                                     else None)
        _log(db, user, annotation, "import", None)
    db.flush()
    return len(stored)


def etag(row: Annotation) -> str:
    return f'"{row.id}.{row.version}"'


def check_precondition(row: Annotation, if_match: str | None) -> None:
    """Optimistic concurrency: a change names the version it was based on, so
    that two people editing one annotation cannot silently overwrite each other."""
    if if_match is None:
        raise errors.PreconditionRequired("Send If-Match with the ETag of the annotation you "
                                          "are changing, so that nobody else's change is "
                                          "overwritten.", "if_match_required")
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and etag(row) not in tags:
        raise errors.Stale("Someone changed this annotation since you loaded it; load it "
                           "again and redo your change.", "stale_annotation",
                           headers={"ETag": etag(row)})


def change(db: Session, user: User, row: Annotation, changes: dict[str, Any]) -> Annotation:
    """Apply the given fields (``repairs``, ``responds_to``, ``person_id`` and
    ``end_ms`` may be set to None; ``goal_ids`` replaces the goal links)."""
    before = _snapshot(db, row)
    changes = dict(changes)
    person_given, person_id = "person_id" in changes, changes.pop("person_id", None)
    goals = changes.pop("goal_ids", None)
    updated = dataclasses.replace(to_event(row), **changes)
    clip = row_clip(db, row.set)
    context = RuleContext.of(row.set, clip)
    violations = context.violations(updated)
    violations += _links_to_this(row, updated, context)
    if violations:
        raise _refuse(violations)
    check_links(db, clip, person_id, goals)
    row.code, row.start_ms, row.end_ms = updated.code, updated.start_ms, updated.end_ms
    row.subject, row.note, row.repairs_id = str(updated.subject), updated.note, updated.repairs
    row.responds_to_id = updated.responds_to
    if person_given:
        row.person_id = person_id
    if goals is not None:
        _set_goals(db, row, goals)
    row.version += 1
    db.flush()
    _log(db, user, row, "update", before)
    return row


def _links_to_this(row: Annotation, updated: Event,
                   context: RuleContext) -> list[rules.Violation]:
    """A mismatch that repairs link to must stay a mismatch that starts no
    later than they do; an initiative that responses answer, an initiative
    that starts no later than they do."""
    problems: list[rules.Violation] = []
    for other in context.by_id.values():
        if other.repairs == row.id:
            found, what = rules.check_link(other, context.scheme, updated), "repair"
        elif other.responds_to == row.id:
            found, what = rules.check_response(other, context.scheme, updated), "response"
        else:
            continue
        problems += [rules.Violation(v.field, f"{v.message} (the {what} at {other.start_ms} "
                                     "ms links to this one)", v.code) for v in found]
    return problems


def remove(db: Session, user: User, row: Annotation) -> None:
    """Delete an annotation; repairs and responses linked to it lose the link
    (kept in history)."""
    before = _snapshot(db, row)
    linked_rows = list(db.scalars(select(Annotation).where(
        (Annotation.repairs_id == row.id) | (Annotation.responds_to_id == row.id))))
    for linked in linked_rows:
        linked_before = _snapshot(db, linked)
        if linked.repairs_id == row.id:
            linked.repairs_id = None
        if linked.responds_to_id == row.id:
            linked.responds_to_id = None
        linked.version += 1
        _log(db, user, linked, "update", linked_before)
    _log(db, user, row, "delete", before)
    db.delete(row)
    db.flush()


def history(db: Session, row: AnnotationSet) -> list[AnnotationChange]:
    return list(db.scalars(select(AnnotationChange).where(AnnotationChange.set_id == row.id)
                           .order_by(AnnotationChange.id)))


def row_clip(db: Session, row: AnnotationSet) -> Clip:
    clip = db.get(Clip, row.clip_id)
    assert clip is not None  # the foreign key guarantees it
    return clip


# -- ratings ----------------------------------------------------------------------

def rate(db: Session, user: User, row: AnnotationSet, scale_key: str, value: int,
         note: str) -> Rating:
    """Set (or change) the coder's rating of the clip on one scale."""
    violations = rules.check_rating(to_domain(row.scheme), scale_key, value)
    if violations:
        raise _refuse(violations)
    rating = db.scalar(select(Rating).where(Rating.set_id == row.id, Rating.scale == scale_key))
    before = {"value": rating.value, "note": rating.note} if rating else None
    if rating is None:
        rating = Rating(set_id=row.id, scale=scale_key)
        db.add(rating)
    rating.value, rating.note, rating.rater_id = value, note, user.id
    db.flush()
    db.add(AnnotationChange(set_id=row.id, object_type="rating", object_id=scale_key,
                            action="update" if before else "create", actor_id=user.id,
                            before=before, after={"value": value, "note": note}))
    return rating
