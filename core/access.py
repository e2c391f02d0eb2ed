"""Who may see which case: the one place that answers that question.

- a professional sees the cases they were given access to (their own);
- a supervisor sees every case of their team, plus explicit grants;
- an admin manages users but sees no case unless explicitly granted.

Anything else is reported as "not found", so ids of other people's cases
reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from core.db.models import Case, CaseAccess, Clip, Role, User

T = TypeVar("T")


class NotFound(LookupError):
    """The object does not exist, or the user may not know that it does."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what

    @property
    def code(self) -> str:
        """The error's stable key: ``annotation set`` -> ``annotation_set_not_found``."""
        return not_found_code(self.what)


def not_found_code(what: str) -> str:
    """The error code for a missing ``what``: one word, no spaces, as every code is."""
    return f"{what.replace(' ', '_')}_not_found"


def visible_cases(user: User) -> Select[Case]:
    granted = select(CaseAccess.case_id).where(CaseAccess.user_id == user.id)
    condition: ColumnElement[bool] = Case.id.in_(granted)
    if user.role is Role.supervisor and user.team_id:
        condition = or_(condition, Case.team_id == user.team_id)
    return select(Case).where(condition)


def case_for(db: Session, user: User, case_id: str) -> Case:
    case = db.scalar(visible_cases(user).where(Case.id == case_id))
    if case is None:
        raise NotFound("case")
    return case


def through_parent(what: str, row: T | None, check_parent: Callable[[T], object]) -> T:
    """``row`` if the user may see what it belongs to. ``check_parent`` raises
    NotFound for a parent the user may not see; the answer then names ``what``,
    so it says nothing about the parent either."""
    if row is None:
        raise NotFound(what)
    try:
        check_parent(row)
    except NotFound:
        raise NotFound(what) from None
    return row


def clip_for(db: Session, user: User, clip_id: str) -> Clip:
    return through_parent("clip", db.get(Clip, clip_id),
                          lambda clip: case_for(db, user, clip.case_id))


def is_case_supervisor(user: User, case: Case) -> bool:
    """A supervisor of the team the case belongs to: the one who decides on its work."""
    return user.role is Role.supervisor and user.team_id is not None \
        and user.team_id == case.team_id
