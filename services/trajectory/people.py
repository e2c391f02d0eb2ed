"""The people in a family's recordings (mother, father, baby, a sibling ...),
by role and a label the professional chooses, so a moment can say who it is
about more precisely than "parent" or "child".

Deleting a person keeps the moments about them: they keep their subject and
lose the person (the database sets ``person_id`` to null).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access import case_for, through_parent
from core.db.models import Case, CasePerson, PersonRole, User
from services.trajectory.ordering import put_at, renumber


def person_for(db: Session, user: User, person_id: str) -> CasePerson:
    """The person, if the user may see their case (else 404 ``person_not_found``)."""
    return through_parent("person", db.get(CasePerson, person_id),
                          lambda row: case_for(db, user, row.case_id))


def people_of(db: Session, case: Case) -> list[CasePerson]:
    return list(db.scalars(select(CasePerson).where(CasePerson.case_id == case.id)
                           .order_by(CasePerson.position, CasePerson.created_at)))


def snapshot(person: CasePerson) -> dict[str, object]:
    return {"role": str(person.role), "label": person.label, "position": person.position}


def create(db: Session, case: Case, role: PersonRole, label: str) -> CasePerson:
    """A new person at the end of the list."""
    last = db.scalar(select(func.max(CasePerson.position))
                     .where(CasePerson.case_id == case.id))
    person = CasePerson(case_id=case.id, role=role, label=label,
                        position=0 if last is None else last + 1)
    db.add(person)
    db.flush()
    return person


def change(db: Session, person: CasePerson, changes: Mapping[str, object]) -> None:
    """Apply the fields given (the caller has refused nulls)."""
    if "role" in changes:
        person.role = PersonRole(str(changes["role"]))
    if "label" in changes:
        person.label = str(changes["label"])
    if "position" in changes:
        position = changes["position"]
        assert isinstance(position, int)
        put_at(people_of(db, db.get_one(Case, person.case_id)), person, position)
    db.flush()


def remove(db: Session, person: CasePerson) -> None:
    case = db.get_one(Case, person.case_id)
    db.delete(person)
    db.flush()
    renumber(people_of(db, case))
    db.flush()
