"""The home visits of a trajectory, numbered 1, 2, 3 ... per case, each with
its date and phase; clips are filmed at a visit and playlists are shown at one.

Deleting a visit leaves its clips and playlists where they are, no longer
assigned to a visit (the database sets their ``visit_id`` to null).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import errors
from core.access import case_for, through_parent
from core.db.models import Case, Clip, Playlist, User, Visit, VisitPhase
from services.trajectory.schemas import MAX_VISIT_NUMBER


def visit_for(db: Session, user: User, visit_id: str) -> Visit:
    """The visit, if the user may see its case (else 404 ``visit_not_found``)."""
    return through_parent("visit", db.get(Visit, visit_id),
                          lambda row: case_for(db, user, row.case_id))


def visits_of(db: Session, case: Case) -> list[Visit]:
    return list(db.scalars(select(Visit).where(Visit.case_id == case.id)
                           .order_by(Visit.number)))


def of_case(db: Session, case_id: str, visit_id: str, field: str = "visit_id") -> Visit:
    """The visit named in a request about the case, if it is one of the case's
    visits (else 422 ``visit_not_in_case`` naming ``field``)."""
    visit = db.get(Visit, visit_id)
    if visit is None or visit.case_id != case_id:
        message = "not a visit of this case; choose one of the case's visits, or null"
        raise errors.Invalid(f"{field}: {message}", "visit_not_in_case",
                             errors=[{"field": field, "message": message}])
    return visit


def what_happened(db: Session, visits: list[Visit]) -> tuple[dict[str, list[str]],
                                                             dict[str, list[str]]]:
    """The clips filmed at each visit and the playlists shown at it (oldest first)."""
    ids = [v.id for v in visits]
    clips: dict[str, list[str]] = {}
    playlists: dict[str, list[str]] = {}
    if not ids:
        return clips, playlists
    for found, query in ((clips, select(Clip.visit_id, Clip.id).where(Clip.visit_id.in_(ids))
                              .order_by(Clip.recorded_at, Clip.created_at)),
                         (playlists, select(Playlist.visit_id, Playlist.id)
                          .where(Playlist.visit_id.in_(ids)).order_by(Playlist.created_at))):
        for visit_id, row_id in db.execute(query):
            if visit_id is not None:
                found.setdefault(visit_id, []).append(row_id)
    return clips, playlists


def snapshot(visit: Visit) -> dict[str, object]:
    return {"number": visit.number, "visited_on": visit.visited_on,
            "phase": str(visit.phase)}


def next_number(db: Session, case_id: str) -> int:
    """The number after the highest so far: a new visit comes after the others."""
    highest = db.scalar(select(func.max(Visit.number)).where(Visit.case_id == case_id))
    return 1 if highest is None else highest + 1


def _taken(number: int) -> errors.Conflict:
    return errors.Conflict(f"This case already has a visit number {number}; choose another "
                           "number, or change that visit.", "visit_number_taken")


def _require_free(db: Session, case_id: str, number: int, visit_id: str | None) -> None:
    other = db.scalar(select(Visit.id).where(Visit.case_id == case_id, Visit.number == number))
    if other is not None and other != visit_id:
        raise _taken(number)


def _flush(db: Session, number: int) -> None:
    """Flush in a savepoint, so a visit numbered at the same moment by someone
    else is a 409, not a broken transaction."""
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise _taken(number) from None


def create(db: Session, user: User, case: Case, number: int | None, visited_on: date | None,
           phase: VisitPhase) -> Visit:
    if number is None:
        number = next_number(db, case.id)
        if number > MAX_VISIT_NUMBER:
            raise errors.Invalid(f"A case has visits numbered up to {MAX_VISIT_NUMBER}.",
                                 "too_many_visits")
    _require_free(db, case.id, number, None)
    visit = Visit(case_id=case.id, number=number, visited_on=visited_on, phase=phase,
                  created_by=user.id)
    db.add(visit)
    _flush(db, number)
    return visit


def change(db: Session, visit: Visit, changes: Mapping[str, object]) -> None:
    """Apply the fields given; ``visited_on`` may be null, the others may not
    (the caller has refused those)."""
    if "number" in changes:
        number = changes["number"]
        assert isinstance(number, int)
        _require_free(db, visit.case_id, number, visit.id)
        visit.number = number
    if "visited_on" in changes:
        day = changes["visited_on"]
        assert day is None or isinstance(day, date)
        visit.visited_on = day
    if "phase" in changes:
        visit.phase = VisitPhase(str(changes["phase"]))
    _flush(db, visit.number)


def remove(db: Session, visit: Visit) -> None:
    db.delete(visit)
    db.flush()
