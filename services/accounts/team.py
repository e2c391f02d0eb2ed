"""A supervisor's view of their team: who is in it and whether they can log in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from core.db.models import Role, User
from core.web import Db, require_role
from services.accounts import people

router = APIRouter(prefix="/api/team", tags=["accounts"])


class TeamRef(BaseModel):
    id: str
    name: str


class MemberOut(BaseModel):
    id: str
    name: str
    email: str
    role: Role
    status: people.Status


class TeamViewOut(BaseModel):
    team: TeamRef
    members: list[MemberOut]


@router.get("", response_model=TeamViewOut)
def my_team(db: Db,
            user: Annotated[User, Depends(require_role(Role.supervisor))]) -> TeamViewOut:
    """The supervisor's own team and its members (a supervisor always has a team)."""
    team = people.team_by_id(db, user.team_id or "")
    return TeamViewOut(
        team=TeamRef(id=team.id, name=team.name),
        members=[MemberOut(id=m.id, name=m.name, email=m.email, role=m.role,
                           status=people.status(m)) for m in people.members(db, team)])
