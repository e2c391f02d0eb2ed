"""Suggestions API: the clip's analysis (its state, the series the timeline
draws, the suggestions with their evidence), parent and child boxes to
analyse again with, and a person's decision about each suggestion.

Reading follows the clip's access rules. A blinded second coder sees no
suggestions: they would colour the independent coding the agreement measures.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import errors
from core.access import clip_for
from core.db.models import AnnotationSet, Clip, ClipAnalysis, ClipStatus, User, utcnow
from core.queue import enqueue_analysis
from core.runtime import Runtime
from core.web import CurrentUser, Db, Rt
from services.annotate import reliability, schemes, sets, suggestions
from services.annotate.router import annotation_out
from services.annotate.schemas import AnnotationOut

router = APIRouter(prefix="/api", tags=["suggestions"])

class NoteOut(BaseModel):
    """Why there are few or no suggestions: ``key`` for an app to word it in its
    user's language (with ``values``), ``text`` in English."""

    key: str
    text: str
    values: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def stored(cls, value: Any) -> NoteOut:
        return cls(key="", text=value) if isinstance(value, str) else cls.model_validate(value)


#: A queued or running analysis not heard of for this long was lost with its worker.
STALE_AFTER = timedelta(minutes=15)
LOST = ("The automatic analysis did not finish (its worker stopped). Analyse the recording "
        "again to get suggestions.")
NEVER = NoteOut(key="never", text="This recording has not been analysed (it was processed "
                                  "before suggestions existed). Analyse it to get suggestions.")
HIDDEN_FROM_SECOND_CODER = NoteOut(
    key="hidden_second_coder",
    text="Suggestions are hidden while you code this clip as the second coder; they appear "
         "once you have submitted your set.")
NOT_YET = NoteOut(key="not_yet", text="The clip has not been analysed yet; suggestions appear "
                                      "shortly after it is ready.")


class Box(BaseModel):
    """A region as fractions of the picture (0..1), from its top-left corner."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float = Field(gt=0.05, le=1, description="At least 5% of the picture's width.")
    h: float = Field(gt=0.05, le=1, description="At least 5% of the picture's height.")

    @model_validator(mode="after")
    def _inside(self) -> Box:
        if self.x + self.w > 1.0001 or self.y + self.h > 1.0001:
            raise ValueError("the box must lie inside the picture")
        return self


class RegionsIn(BaseModel):
    parent: Box
    child: Box


class SuggestionOut(AnnotationOut):
    confidence: float
    explanation: str
    evidence: dict[str, Any]
    #: The caller's decision for the set named in the request (or any of theirs).
    decision: str | None


class AnalysisOut(BaseModel):
    clip_id: str
    status: str
    method: str | None
    error: str | None
    notes: list[NoteOut]
    regions: RegionsIn | None
    series: dict[str, Any] | None
    set_id: str | None
    suggestions: list[SuggestionOut]


class EvaluationOut(BaseModel):
    """How a clip's suggestions fare against one person's set."""

    clip_id: str
    suggestions_set: str = Field(description="The set the analysis made.")
    set_id: str
    suggested: int
    accepted: int
    rejected: int
    undecided: int
    acceptance_rate: float | None = Field(description="Accepted of those decided on; "
                                          "null before any decision.")
    agreement: reliability.ReliabilityReport


class DecisionIn(BaseModel):
    set_id: str = Field(description="Your own set on the same clip.")


class DecisionOut(BaseModel):
    suggestion_id: str
    set_id: str
    decision: str
    annotation: AnnotationOut | None


@router.get("/clips/{clip_id}/analysis", response_model=AnalysisOut)
def get_analysis(clip_id: str, user: CurrentUser, db: Db,
                 set_id: Annotated[str | None, Query(
                     description="Your set, to show your decisions in it.")] = None,
                 ) -> AnalysisOut:
    """The analysis of the clip: state, time series, and the suggestions."""
    clip = clip_for(db, user, clip_id)
    row = db.get(ClipAnalysis, clip.id)
    if row is None:
        state, note = ("none", NEVER) if clip.status is ClipStatus.ready else ("pending", NOT_YET)
        return AnalysisOut(clip_id=clip.id, status=state, method=None, error=None,
                           notes=[note] if clip.status is not ClipStatus.failed else [],
                           regions=None, series=None, set_id=None, suggestions=[])
    state, error = ("failed", LOST) if _lost(row) else (row.status, row.error)
    notes = [NoteOut.stored(note) for note in row.notes or []]
    found: list[SuggestionOut] = []
    blinded = sets.blinded(db, user, clip.id)
    if blinded:
        notes.insert(0, HIDDEN_FROM_SECOND_CODER)
    elif row.set_id is not None:
        found = _suggestions(db, user, row.set_id, set_id)
    return AnalysisOut(clip_id=clip.id, status=state, method=row.method or None,
                       error=error, notes=notes,
                       regions=RegionsIn.model_validate(row.regions) if row.regions else None,
                       series=None if blinded else row.series,
                       set_id=row.set_id, suggestions=found)


def _suggestions(db: Session, user: User, suggestions_set_id: str,
                 mine: str | None) -> list[SuggestionOut]:
    """The suggestions with why they were made and the user's decision about each."""
    current = db.get(AnnotationSet, suggestions_set_id)
    if current is None:
        return []
    scheme = schemes.to_domain(current.scheme)
    by_id = {a.id: a for a in current.annotations}
    why = suggestions.details(db, list(by_id))
    own = [mine] if mine else list(db.scalars(select(AnnotationSet.id).where(
        AnnotationSet.clip_id == current.clip_id, AnnotationSet.coder_id == user.id)))
    decided = suggestions.decisions(db, own)
    goals = sets.goal_ids(db, by_id)
    out = []
    for annotation in current.annotations:
        detail = why.get(annotation.id)
        out.append(SuggestionOut(
            **annotation_out(annotation, scheme, by_id, goals).model_dump(),
            confidence=detail.confidence if detail else 0.0,
            explanation=detail.explanation if detail else annotation.note,
            evidence=detail.evidence if detail else {},
            decision=decided.get(annotation.id)))
    return out


@router.put("/clips/{clip_id}/analysis/regions", status_code=status.HTTP_202_ACCEPTED,
            response_model=AnalysisOut)
def set_regions(clip_id: str, body: RegionsIn, user: CurrentUser, db: Db,
                runtime: Rt) -> AnalysisOut:
    """Where the parent and the child are; the clip is analysed again with them."""
    clip = _analysable(db, user, clip_id)
    _queue_again(db, runtime, clip, body.model_dump())
    return get_analysis(clip.id, user, db)


@router.delete("/clips/{clip_id}/analysis/regions", status_code=status.HTTP_202_ACCEPTED,
               response_model=AnalysisOut)
def clear_regions(clip_id: str, user: CurrentUser, db: Db, runtime: Rt) -> AnalysisOut:
    """Back to the default layout (the picture's two halves); analysed again."""
    clip = _analysable(db, user, clip_id)
    _queue_again(db, runtime, clip, None)
    return get_analysis(clip.id, user, db)


def _analysable(db: Session, user: User, clip_id: str) -> Clip:
    clip = clip_for(db, user, clip_id)
    if clip.status is not ClipStatus.ready:
        raise errors.Conflict("This clip is not processed yet; set the regions once it is "
                              "ready.", "clip_not_ready")
    row = db.get(ClipAnalysis, clip.id)
    if row is not None and row.status in ("queued", "running") and not _lost(row):
        raise errors.Conflict("The clip is being analysed right now; try again once that is "
                              "done.", "analysis_running")
    return clip


def _lost(row: ClipAnalysis) -> bool:
    return row.status in ("queued", "running") and row.updated_at < utcnow() - STALE_AFTER


@router.post("/clips/{clip_id}/analysis", status_code=status.HTTP_202_ACCEPTED,
             response_model=AnalysisOut)
def analyse_again(clip_id: str, user: CurrentUser, db: Db, runtime: Rt) -> AnalysisOut:
    """Analyse the clip again with the regions it has (after a lost or failed run,
    or a clip processed before suggestions existed)."""
    clip = _analysable(db, user, clip_id)
    row = db.get(ClipAnalysis, clip.id)
    _queue_again(db, runtime, clip, row.regions if row else None)
    return get_analysis(clip.id, user, db)


def _queue_again(db: Session, runtime: Runtime, clip: Clip, regions: dict[str, Any] | None) -> None:
    row = db.get(ClipAnalysis, clip.id) or ClipAnalysis(clip_id=clip.id, method="")
    row.regions, row.status, row.error = regions, "queued", None
    db.add(row)
    db.commit()
    enqueue_analysis(runtime.settings, runtime.redis, clip.id, clip.duration_s)


@router.post("/suggestions/{suggestion_id}/accept", status_code=status.HTTP_201_CREATED,
             response_model=DecisionOut)
def accept(suggestion_id: str, body: DecisionIn, user: CurrentUser, db: Db) -> DecisionOut:
    """Copy the suggestion into your set (it stays marked as suggested there)."""
    found = suggestions.suggestion_for(db, user, suggestion_id)
    into = suggestions.target_set(db, user, found, body.set_id)
    copy = suggestions.accept(db, user, found, into)
    return DecisionOut(suggestion_id=found.id, set_id=into.id,
                       decision=suggestions.Decision.accepted,
                       annotation=annotation_out(copy, schemes.to_domain(into.scheme)))


@router.post("/suggestions/{suggestion_id}/reject", response_model=DecisionOut)
def reject(suggestion_id: str, body: DecisionIn, user: CurrentUser, db: Db) -> DecisionOut:
    """Turn the suggestion down for your set; the decision is kept for evaluation."""
    found = suggestions.suggestion_for(db, user, suggestion_id)
    into = suggestions.target_set(db, user, found, body.set_id)
    suggestions.reject(db, user, found, into)
    return DecisionOut(suggestion_id=found.id, set_id=into.id,
                       decision=suggestions.Decision.rejected, annotation=None)


@router.get("/clips/{clip_id}/suggestions/evaluation", response_model=EvaluationOut)
def evaluation(clip_id: str, user: CurrentUser, db: Db,
               set_id: Annotated[str, Query(description="A person's set on this clip.")],
               tolerance_ms: Annotated[int, Query(ge=0, le=60_000)] = 1000,
               ) -> EvaluationOut:
    """How the suggestions fare against a person's coding: what they accepted
    and rejected, and the agreement (from the reliability measures) between
    the suggestions and the set, on the codes the analysis suggests."""
    clip = clip_for(db, user, clip_id)
    theirs = sets.set_for(db, user, set_id)
    row = db.get(ClipAnalysis, clip.id)
    if theirs.clip_id != clip.id:
        raise errors.Invalid("That set codes another clip.", "sets_not_on_clip")
    if row is None or row.set_id is None or sets.blinded(db, user, clip.id):
        raise errors.Conflict("This clip has no suggestions to evaluate yet.", "no_suggestions")
    made = db.get(AnnotationSet, row.set_id)
    assert made is not None
    decided = suggestions.decisions(db, [theirs.id])
    counts = {d: sum(1 for v in decided.values() if v == d)
              for d in (suggestions.Decision.accepted, suggestions.Decision.rejected)}
    total = len(made.annotations)
    codes = sorted({a.code for a in made.annotations}) or ["MISMATCH", "REPAIR"]
    report = reliability.compare(sets.events(made), sets.events(theirs),
                                 sets.duration_ms(clip), unit_ms=1000,
                                 tolerance_ms=tolerance_ms, codes=codes)
    decisions_made = counts["accepted"] + counts["rejected"]
    return EvaluationOut(
        clip_id=clip.id, suggestions_set=made.id, set_id=theirs.id, suggested=total,
        accepted=counts["accepted"], rejected=counts["rejected"],
        undecided=total - decisions_made,
        acceptance_rate=round(counts["accepted"] / decisions_made, 3)
        if decisions_made else None,
        agreement=report)
