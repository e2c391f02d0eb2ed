"""Comment threads anchored in a clip: at a moment, over a range, or on one
annotation, usually about one coder's set.

A thread is a root comment with flat replies; a thread is resolved or
reopened as a whole. Everyone who may see the case may read and write
comments, except that a blinded second coder sees no threads about other
coders' sets (they would give the other coding away).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import errors
from core.access import NotFound, clip_for, through_parent
from core.db.models import Annotation, AnnotationSet, Clip, Comment, User, utcnow
from services.annotate import sets


@dataclass(frozen=True)
class Anchor:
    """Where in the clip a thread points: a moment (no end) or a range."""

    start_ms: int | None
    end_ms: int | None
    set_id: str | None
    annotation_id: str | None


def _invalid(field: str, message: str, rule: str) -> errors.Invalid:
    return errors.Invalid(f"{field}: {message}", "invalid_anchor",
                          errors=[{"field": field, "message": message, "code": rule}])


def resolve_anchor(db: Session, user: User, clip: Clip, anchor: Anchor) -> Anchor:
    """Check the anchor against the clip; an annotation gives the set and,
    when no time is given, its own time."""
    set_id, start, end = anchor.set_id, anchor.start_ms, anchor.end_ms
    if anchor.annotation_id:
        note = db.get(Annotation, anchor.annotation_id)
        if note is None or note.set.clip_id != clip.id:
            raise _invalid("annotation_id", "no such annotation on this clip",
                           "no_such_annotation")
        if set_id and set_id != note.set_id:
            raise _invalid("annotation_id", "the annotation is not in the given set",
                           "annotation_in_other_set")
        sets.set_for(db, user, note.set_id)
        set_id = note.set_id
        if start is None:
            start, end = note.start_ms, note.end_ms
    elif set_id:
        row = db.get(AnnotationSet, set_id)
        if row is None or row.clip_id != clip.id:
            raise _invalid("set_id", "no such annotation set on this clip",
                           "no_such_set")
        sets.set_for(db, user, set_id)
    if start is None:
        raise _invalid("start_ms", "say where in the clip the comment points",
                       "time_required")
    duration = sets.duration_ms(clip)
    if not 0 <= start <= duration:
        raise _invalid("start_ms", f"must lie within the clip (0 to {duration} ms)",
                       "outside_clip")
    if end is not None and not start < end <= duration:
        raise _invalid("end_ms", f"must lie after start_ms and within the clip ({duration} ms)",
                       "end_before_start_or_outside_clip")
    return Anchor(start, end, set_id, anchor.annotation_id)


def start_thread(db: Session, user: User, clip: Clip, anchor: Anchor, body: str) -> Comment:
    where = resolve_anchor(db, user, clip, anchor)
    row = Comment(clip_id=clip.id, set_id=where.set_id, annotation_id=where.annotation_id,
                  start_ms=where.start_ms, end_ms=where.end_ms, body=body.strip(),
                  author_id=user.id)
    db.add(row)
    db.flush()
    return row


def thread_for(db: Session, user: User, comment_id: str) -> Comment:
    """The thread (root comment) ``comment_id`` belongs to, if the user may read it."""
    row = db.get(Comment, comment_id)
    if row is not None and row.parent_id:
        row = db.get(Comment, row.parent_id)

    def readable(comment: Comment) -> None:
        clip = clip_for(db, user, comment.clip_id)
        if comment.set_id and comment.set_id not in _readable_sets(db, user, clip):
            raise NotFound("comment")

    return through_parent("comment", row, readable)


def reply(db: Session, user: User, root: Comment, body: str) -> Comment:
    row = Comment(clip_id=root.clip_id, set_id=root.set_id, parent_id=root.id,
                  body=body.strip(), author_id=user.id)
    db.add(row)
    db.flush()
    return row


def set_resolved(db: Session, user: User, root: Comment, resolved: bool) -> Comment:
    root.resolved_at = utcnow() if resolved else None
    root.resolved_by = user.id if resolved else None
    db.flush()
    return root


def _readable_sets(db: Session, user: User, clip: Clip) -> set[str]:
    """Ids of the clip's sets the user may read."""
    return {row.id for row in sets.sets_of(db, user, clip)}


def threads(db: Session, user: User, clip: Clip, *, set_id: str | None = None,
            open_only: bool = False) -> list[tuple[Comment, list[Comment]]]:
    """The clip's threads in clip order, each with its replies, oldest first."""
    query = select(Comment).where(Comment.clip_id == clip.id, Comment.parent_id.is_(None))
    readable = _readable_sets(db, user, clip)
    query = query.where(or_(Comment.set_id.is_(None), Comment.set_id.in_(readable)))
    if set_id:
        query = query.where(Comment.set_id == set_id)
    if open_only:
        query = query.where(Comment.resolved_at.is_(None))
    roots = list(db.scalars(query.order_by(Comment.start_ms, Comment.created_at)))
    replies = replies_of(db, [r.id for r in roots])
    return [(root, replies.get(root.id, [])) for root in roots]


def replies_of(db: Session, root_ids: list[str]) -> dict[str, list[Comment]]:
    found: dict[str, list[Comment]] = {}
    for row in db.scalars(select(Comment).where(Comment.parent_id.in_(root_ids))
                          .order_by(Comment.created_at, Comment.id)):
        found.setdefault(row.parent_id or "", []).append(row)
    return found


def waiting_on(db: Session, user: User) -> list[tuple[Comment, Comment]]:
    """Open threads on the user's sets, or that the user started, whose last
    word is someone else's: (thread, last comment)."""
    mine = select(AnnotationSet.id).where(AnnotationSet.coder_id == user.id)
    roots = list(db.scalars(select(Comment).where(
        Comment.parent_id.is_(None), Comment.resolved_at.is_(None),
        or_(Comment.set_id.in_(mine), Comment.author_id == user.id))))
    replies = replies_of(db, [r.id for r in roots])
    waiting = []
    for root in roots:
        last = (replies.get(root.id) or [root])[-1]
        if last.author_id != user.id:
            waiting.append((root, last))
    return waiting
