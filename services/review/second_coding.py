"""Reliability checks: a supervisor asks a second coder to code a clip
independently, and both see the agreement once both sets are submitted.

Assigning grants the second coder access to the case (audit-logged: it is
an access change) and opens an empty set for them with the reference set's
scheme version. Until they submit it they see no other coding of the clip
(``services.annotate.sets.blinded``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from core import audit, errors
from core.db.models import (
    AnnotationSet,
    Case,
    CaseAccess,
    Clip,
    ReviewState,
    Role,
    SecondCoding,
    User,
)
from services.annotate import reliability, sets
from services.annotate.schemes import to_domain
from services.review.supervision import require_case_supervisor

#: A set counts for agreement once its coder has handed it in.
HANDED_IN = (ReviewState.submitted, ReviewState.approved)


def assign(db: Session, user: User, clip: Clip, case: Case, coder_id: str,
           reference_set_id: str | None, note: str, ip: str | None) -> SecondCoding:
    require_case_supervisor(user, case, "ask for a second coder")
    reference = _reference(db, clip, reference_set_id)
    coder = db.get(User, coder_id)
    if coder is None or not _may_code(coder, case):
        raise errors.Invalid("The second coder must be an active professional or supervisor "
                             "of this case's team.", "invalid_coder",
                             errors=[{"field": "coder_id", "message": "not a coder of this team",
                                      "code": "invalid_coder"}])
    if coder.id == reference.coder_id:
        raise errors.Invalid("The second coder must be someone other than the coder of the "
                             "reference set.", "same_coder",
                             errors=[{"field": "coder_id", "message": "coded the reference set",
                                      "code": "same_coder"}])
    if db.scalar(select(SecondCoding.id).where(SecondCoding.clip_id == clip.id,
                                               SecondCoding.coder_id == coder.id)):
        raise errors.Conflict(f"{coder.email} is already second coder on this clip.",
                              "already_assigned")
    _grant(db, user, case, coder, ip)
    own = sets.create(db, coder, clip, reference.scheme, purpose=sets.Purpose.second_coder,
                      name=f"{coder.email} (second coder)")
    row = SecondCoding(clip_id=clip.id, reference_set_id=reference.id, set_id=own.id,
                       coder_id=coder.id, requested_by=user.id, note=note.strip())
    db.add(row)
    db.flush()
    return row


def _may_code(coder: User, case: Case) -> bool:
    return coder.active and coder.team_id == case.team_id and coder.role in (
        Role.professional, Role.supervisor)


def candidates(db: Session, user: User, clip: Clip, case: Case) -> list[User]:
    """Colleagues the supervisor can ask to code this clip: the team's active
    professionals and supervisors, without the reference set's coder, anyone
    already asked, and the supervisor asking."""
    require_case_supervisor(user, case, "ask for a second coder")
    working = db.scalar(select(AnnotationSet.coder_id).where(
        AnnotationSet.clip_id == clip.id, AnnotationSet.purpose == sets.Purpose.working))
    asked = set(db.scalars(select(SecondCoding.coder_id).where(
        SecondCoding.clip_id == clip.id)))
    team = db.scalars(select(User).where(User.team_id == case.team_id).order_by(User.email))
    return [u for u in team if _may_code(u, case) and u.id not in asked
            and u.id not in (working, user.id)]


def _reference(db: Session, clip: Clip, set_id: str | None) -> AnnotationSet:
    """The set to compare with: the one named, or the clip's working set."""
    query = select(AnnotationSet).where(AnnotationSet.clip_id == clip.id)
    query = query.where(AnnotationSet.id == set_id) if set_id else query.where(
        AnnotationSet.purpose == sets.Purpose.working)
    row = db.scalar(query)
    if row is None:
        raise errors.Invalid("No such set on this clip to compare with." if set_id else
                             "This clip has no working set yet; a second coder is compared with "
                             "the professional's coding, so start that first.", "no_reference_set",
                             errors=[{"field": "reference_set_id", "message": "no such set",
                                      "code": "no_reference_set"}])
    return row


def _grant(db: Session, user: User, case: Case, coder: User, ip: str | None) -> None:
    """Let the coder open the case (a supervisor of the team already may)."""
    already = db.scalar(select(CaseAccess.user_id).where(CaseAccess.case_id == case.id,
                                                         CaseAccess.user_id == coder.id))
    if coder.role is Role.supervisor or already:
        return
    db.add(CaseAccess(case_id=case.id, user_id=coder.id))
    audit.record(db, audit.Actor.of(user), action="grant_case_access", object_type="case",
                 object_id=case.id, case_id=case.id,
                 detail=f"second coder {coder.email}", ip=ip)


@dataclass(frozen=True)
class Status:
    """An assignment with where both sets stand and, once both are handed
    in, the agreement between them."""

    assignment: SecondCoding
    reference: AnnotationSet
    second: AnnotationSet
    waiting_for: str | None
    agreement: reliability.ReliabilityReport | None
    #: The coders whose set is not handed in yet.
    waiting_on: tuple[str, ...] = ()


def assignments(db: Session, clip: Clip) -> list[SecondCoding]:
    return list(db.scalars(select(SecondCoding).where(SecondCoding.clip_id == clip.id)
                           .order_by(SecondCoding.created_at)))


def status(db: Session, clip: Clip, row: SecondCoding) -> Status:
    return statuses(db, clip, [row])[0]


def statuses(db: Session, clip: Clip, rows: Sequence[SecondCoding]) -> list[Status]:
    """:func:`status` of each assignment, all their sets read in one query (with
    their coders, schemes and annotations), however many second coders a clip has."""
    ids = {row.reference_set_id for row in rows} | {row.set_id for row in rows}
    found = {coded.id: coded for coded in db.scalars(
        select(AnnotationSet).where(AnnotationSet.id.in_(ids)).options(
            joinedload(AnnotationSet.coder), joinedload(AnnotationSet.scheme),
            selectinload(AnnotationSet.annotations)))} if ids else {}
    return [_status(clip, row, found.get(row.reference_set_id), found.get(row.set_id))
            for row in rows]


def _status(clip: Clip, row: SecondCoding, reference: AnnotationSet | None,
            second: AnnotationSet | None) -> Status:
    """Where the two sets stand, and their agreement once both are handed in."""
    assert reference is not None and second is not None  # foreign keys, cascading deletes
    pending = [s for s in (reference, second) if s.review_state not in HANDED_IN]
    if pending:
        names = " and ".join(s.coder.email for s in pending)
        return Status(row, reference, second, f"Waiting for {names} to submit.", None,
                      tuple(s.coder.email for s in pending))
    scheme = to_domain(reference.scheme)
    codes = scheme.keys() if reference.scheme_id == second.scheme_id else None
    report = reliability.compare(sets.events(reference), sets.events(second),
                                 sets.duration_ms(clip), codes=codes)
    return Status(row, reference, second, None, report)
