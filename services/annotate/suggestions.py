"""Suggestions: moments the analysis proposes, and what people decide about them.

The worker's analysis (:mod:`worker.analysis`) proposes moments, mismatches
and repairs. They are stored as a set of ``source=suggested`` annotations on
the clip, coded by an account that cannot log in, so that every existing
reader (timeline, exports, agreement) shows them for what they are: a
suggestion, never a finding about a family. A person accepts one by copying it
into their own set (where it keeps ``source=suggested`` as provenance) or
rejects it; both decisions are kept, so the analysis can be judged later
against what professionals actually kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import errors
from core.auth import SYSTEM_ACCOUNT_DOMAIN
from core.db.models import (
    Annotation,
    AnnotationSet,
    Clip,
    ClipAnalysis,
    Role,
    Suggestion,
    SuggestionDecision,
    User,
)
from services.annotate import sets
from services.annotate.domain import Event, Source, Subject
from services.annotate.schemes import ensure_builtin, to_domain

#: The account that "codes" the suggestions sets. Inactive: it can never log in.
SUGGESTER_EMAIL = f"suggestions{SYSTEM_ACCOUNT_DOMAIN}"
PURPOSE = "suggestions"


class Decision:
    accepted = "accepted"
    rejected = "rejected"


@dataclass(frozen=True)
class Proposal:
    """One suggestion as the analysis made it; ``repairs`` is the index of the
    mismatch (in the same list) that a repair follows."""

    code: str
    start_ms: int
    end_ms: int | None
    confidence: float
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    repairs: int | None = None


def suggester(db: Session) -> User:
    """The inactive account behind every suggestions set, made on first use."""
    user = db.scalar(select(User).where(User.email == SUGGESTER_EMAIL))
    if user is None:
        user = User(email=SUGGESTER_EMAIL, password_hash="!", role=Role.professional,
                    team_id=None, active=False)
        db.add(user)
        db.flush()
    return user


def store(db: Session, clip: Clip, proposals: list[Proposal]) -> AnnotationSet:
    """A fresh suggestions set for ``clip`` with ``proposals``.

    The previous suggestions set goes, unless someone decided about one of its
    suggestions: that feedback is kept (the old set stays, no longer current).
    """
    analysis = db.get(ClipAnalysis, clip.id)
    if analysis is not None and analysis.set_id is not None:
        _drop_if_undecided(db, analysis.set_id)
    bot = suggester(db)
    scheme = ensure_builtin(db)
    known = to_domain(scheme)
    row = AnnotationSet(clip_id=clip.id, scheme_id=scheme.id, coder_id=bot.id,
                        name="Suggestions", purpose=PURPOSE)
    db.add(row)
    db.flush()
    stored: list[Annotation | None] = []
    for proposal in proposals:
        code = known.code(proposal.code)
        if code is None:
            stored.append(None)
            continue
        repairs = stored[proposal.repairs] if proposal.repairs is not None else None
        annotation = Annotation(set_id=row.id, code=proposal.code, start_ms=proposal.start_ms,
                                end_ms=proposal.end_ms, subject=str(code.subject),
                                note=proposal.explanation, author_id=bot.id,
                                repairs_id=repairs.id if repairs else None,
                                source=str(Source.suggested))
        db.add(annotation)
        db.flush()
        db.add(Suggestion(annotation_id=annotation.id, confidence=round(proposal.confidence, 3),
                          evidence=proposal.evidence, explanation=proposal.explanation))
        stored.append(annotation)
    db.flush()
    return row


def _drop_if_undecided(db: Session, set_id: str) -> None:
    decided = db.scalar(select(SuggestionDecision.id).join(
        Annotation, Annotation.id == SuggestionDecision.suggestion_id).where(
        Annotation.set_id == set_id).limit(1))
    if decided is None:
        db.execute(delete(AnnotationSet).where(AnnotationSet.id == set_id))


def is_suggestions(row: AnnotationSet) -> bool:
    return row.purpose == PURPOSE


def suggestion_for(db: Session, user: User, annotation_id: str) -> Annotation:
    """A suggestion on a clip the user may see; any other annotation is not one."""
    row = sets.annotation_for(db, user, annotation_id)
    if not is_suggestions(row.set):
        raise errors.Unknown("There is no suggestion with this id.", "not_found")
    return row


def target_set(db: Session, user: User, suggestion: Annotation, set_id: str) -> AnnotationSet:
    """The user's own set on the same clip, where a decision is recorded."""
    row = sets.set_for(db, user, set_id)
    if row.clip_id != suggestion.set.clip_id:
        raise errors.Invalid("That set codes another clip; choose a set of this clip.",
                             "set_of_another_clip", errors=[{"field": "set_id",
                                                             "message": "set of another clip"}])
    if row.coder_id != user.id:
        raise errors.NotAllowed("Only the coder of this set can decide about suggestions in it; "
                                "start your own set to code this clip.", "not_your_set")
    return row


def accept(db: Session, user: User, suggestion: Annotation,
           into: AnnotationSet) -> Annotation:
    """Copy the suggestion into ``into``. A repair links to the copy of its
    mismatch when that was accepted into the same set, and otherwise as the
    repair hotkey links one: to the set's own mismatch it follows or overlaps
    (``sets.with_default_link``); a receiving code links to the set's initiative
    it follows (``sets.with_default_response``). Accepting twice is refused."""
    _not_decided(db, suggestion, into)
    sets.check_editable(user, into)
    repairs = _copy_of_its_mismatch(db, suggestion, into)
    event = Event(code=suggestion.code, start_ms=suggestion.start_ms, end_ms=suggestion.end_ms,
                  subject=Subject(suggestion.subject), note="", repairs=repairs,
                  source=Source.suggested)
    scheme = to_domain(into.scheme)
    if repairs is None:
        event = sets.with_default_link(event, scheme, into)
    event = sets.with_default_response(event, scheme, into)
    copy = sets.add(db, user, into, event)
    db.add(SuggestionDecision(suggestion_id=suggestion.id, user_id=user.id, set_id=into.id,
                              decision=Decision.accepted, copy_id=copy.id))
    db.flush()
    return copy


def _copy_of_its_mismatch(db: Session, suggestion: Annotation,
                          into: AnnotationSet) -> str | None:
    """The copy in ``into`` of the mismatch a suggested repair follows, if that
    was accepted there and the copy is still in the set."""
    if suggestion.repairs_id is None:
        return None
    copy_id = db.scalar(select(SuggestionDecision.copy_id).where(
        SuggestionDecision.suggestion_id == suggestion.repairs_id,
        SuggestionDecision.set_id == into.id,
        SuggestionDecision.decision == Decision.accepted))
    copy = db.get(Annotation, copy_id) if copy_id else None
    return copy.id if copy is not None and copy.set_id == into.id else None


def reject(db: Session, user: User, suggestion: Annotation, into: AnnotationSet) -> None:
    """Turn the suggestion down for ``into``: a decision about the set, so like
    any edit it waits while the set is submitted or approved."""
    _not_decided(db, suggestion, into)
    sets.check_editable(user, into)
    db.add(SuggestionDecision(suggestion_id=suggestion.id, user_id=user.id, set_id=into.id,
                              decision=Decision.rejected))
    db.flush()


def _not_decided(db: Session, suggestion: Annotation, into: AnnotationSet) -> None:
    earlier = db.scalar(select(SuggestionDecision).where(
        SuggestionDecision.suggestion_id == suggestion.id,
        SuggestionDecision.set_id == into.id))
    if earlier is not None:
        raise errors.Conflict(f"This suggestion was already {earlier.decision} for this set.",
                              "already_decided")


def decisions(db: Session, set_ids: list[str]) -> dict[str, str]:
    """Each suggestion's decision for these sets (suggestion id → decision)."""
    if not set_ids:
        return {}
    rows = db.scalars(select(SuggestionDecision).where(SuggestionDecision.set_id.in_(set_ids)))
    return {row.suggestion_id: row.decision for row in rows}


def details(db: Session, annotation_ids: list[str]) -> dict[str, Suggestion]:
    if not annotation_ids:
        return {}
    rows = db.scalars(select(Suggestion).where(Suggestion.annotation_id.in_(annotation_ids)))
    return {row.annotation_id: row for row in rows}
