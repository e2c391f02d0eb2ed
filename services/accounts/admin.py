"""Administration of people, teams and the sign-in policy (admin role).

HTTP only: the rules (the last admin, a supervisor's team, what deactivating
ends) live in :mod:`services.accounts.people`, which ``attune user`` uses too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, twofactor
from core.db.models import Role, Team, User
from core.web import (
    ApiError,
    CurrentUser,
    Db,
    Rt,
    client_ip,
    oauth2,
    require_role,
    session_token,
)
from services.accounts import people
from services.accounts.links import base_url

router = APIRouter(prefix="/api/admin", tags=["accounts"])
_only_admins = require_role(Role.admin)


def admin_only(request: Request, db: Db, user: CurrentUser) -> User:
    """The caller, if an admin; anyone else is refused (403 ``forbidden_role``)
    and the refusal is in the access log with who tried what: someone logged
    in who reaches for the administration is worth knowing about."""
    try:
        return _only_admins(user)
    except ApiError:
        route = getattr(request.scope.get("route"), "path", request.url.path)
        audit.record(db, audit.Actor.of(user), action="admin_request", object_type="admin",
                     object_id=None, case_id=None, outcome="denied", ip=client_ip(request),
                     detail=f"{request.method} {route}: the role {user.role.value} may not")
        raise


Admin = Annotated[User, Depends(admin_only)]


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    team_id: str | None
    team: str | None
    status: people.Status
    totp: bool
    sso: bool
    created_at: datetime
    last_seen_at: datetime | None


def user_out(db: Session, user: User) -> UserOut:
    return users_out(db, [user])[0]


def users_out(db: Session, users: Sequence[User]) -> list[UserOut]:
    """The people as the admin sees them, their teams' names read in one query
    however many teams they are in."""
    team_ids = {user.team_id for user in users if user.team_id}
    teams = dict(db.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids)))
                 .all()) if team_ids else {}
    return [UserOut(id=user.id, email=user.email, name=user.name, role=user.role,
                    team_id=user.team_id, team=teams.get(user.team_id) if user.team_id else None,
                    status=people.status(user), totp=twofactor.enabled(user),
                    sso=user.oidc_subject is not None, created_at=user.created_at,
                    last_seen_at=user.last_seen_at)
            for user in users]


class UsersOut(BaseModel):
    users: list[UserOut]


class LinkOut(BaseModel):
    url: str
    expires_at: datetime
    purpose: str


class InviteIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200)
    role: Role
    team_id: str | None = None


class InvitedOut(BaseModel):
    user: UserOut
    link: LinkOut


class UserPatch(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    #: null takes the person out of their team; leave it out to keep it.
    team_id: str | None = None
    active: bool | None = None


class TeamOut(BaseModel):
    id: str
    name: str
    require_totp: bool
    members: int


class TeamsOut(BaseModel):
    teams: list[TeamOut]


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TeamPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    require_totp: bool | None = None


class PolicyOut(BaseModel):
    require_totp: bool


def _link_out(link: people.IssuedLink) -> LinkOut:
    return LinkOut(url=link.url, expires_at=link.expires_at, purpose=link.purpose.value)


# -- people ----------------------------------------------------------------

@router.get("/users", response_model=UsersOut)
def list_users(db: Db, admin: Admin,
               q: Annotated[str | None, Query(max_length=200)] = None,
               team_id: Annotated[str | None, Query(max_length=32)] = None,
               status: Annotated[people.Status | None, Query()] = None) -> UsersOut:
    """Everyone, or those whose e-mail or name contains ``q``, in a team, by status."""
    return UsersOut(users=users_out(db, people.find_users(db, q, team_id, status)))


@router.post("/users", response_model=InvitedOut, status_code=201)
def invite_user(body: InviteIn, request: Request, db: Db, runtime: Rt,
                admin: Admin) -> InvitedOut:
    """A new person and their invitation link, which the admin passes on."""
    team = people.team_by_id(db, body.team_id) if body.team_id else None
    user, link = people.invite(db, audit.Actor.of(admin), body.email, body.name, body.role,
                               team, base_url(runtime, request),
                               runtime.settings.invite_ttl_s, client_ip(request))
    return InvitedOut(user=user_out(db, user), link=_link_out(link))


@router.patch("/users/{user_id}", response_model=UserOut)
def change_user(user_id: str, body: UserPatch, request: Request, db: Db,
                admin: Admin) -> UserOut:
    """Change a person's name, role or team, or (de)activate them."""
    people.lock_admins(db)  # before anything is read that the rule depends on
    user = people.user_by_id(db, user_id)
    team: Team | object | None = people.UNCHANGED
    if "team_id" in body.model_fields_set:
        team = people.team_by_id(db, body.team_id) if body.team_id else None
    people.change(db, audit.Actor.of(admin), user, name=body.name, role=body.role, team=team,
                  active=body.active, ip=client_ip(request))
    return user_out(db, user)


@router.post("/users/{user_id}/link", response_model=LinkOut)
def new_link(user_id: str, request: Request, db: Db, runtime: Rt, admin: Admin) -> LinkOut:
    """A new one-time link: an invitation, or a password reset for someone who
    has set a password before. Older unused links of theirs stop working."""
    user = people.user_by_id(db, user_id)
    return _link_out(people.issue_link(db, audit.Actor.of(admin), user,
                                       base_url(runtime, request),
                                       runtime.settings.invite_ttl_s, client_ip(request)))


@router.delete("/users/{user_id}/second-factor", status_code=204)
def reset_second_factor(user_id: str, request: Request, db: Db, admin: Admin,
                        bearer: Annotated[str | None, Depends(oauth2)]) -> Response:
    """Turn off a person's two-factor sign-in and recovery codes; their
    sessions end (an admin resetting their own keeps this one)."""
    user = people.user_by_id(db, user_id)
    people.reset_second_factor(db, audit.Actor.of(admin), user, client_ip(request),
                               keep=session_token(request, bearer)[0])
    return Response(status_code=204)


# -- teams -----------------------------------------------------------------

def _team_out(db: Session, team: Team) -> TeamOut:
    return _teams_out(db, [team])[0]


def _teams_out(db: Session, teams: Sequence[Team]) -> list[TeamOut]:
    """The teams with their number of active members, counted in one query."""
    members = dict(db.execute(select(User.team_id, func.count()).where(
        User.team_id.in_([team.id for team in teams]), User.active)
        .group_by(User.team_id)).all()) if teams else {}
    return [TeamOut(id=team.id, name=team.name, require_totp=team.require_totp,
                    members=members.get(team.id, 0)) for team in teams]


@router.get("/teams", response_model=TeamsOut)
def list_teams(db: Db, admin: Admin) -> TeamsOut:
    """Every team with its number of active members."""
    teams = db.scalars(select(Team).order_by(func.lower(Team.name))).all()
    return TeamsOut(teams=_teams_out(db, teams))


@router.post("/teams", response_model=TeamOut, status_code=201)
def create_team(body: TeamIn, request: Request, db: Db, admin: Admin) -> TeamOut:
    team = people.create_team(db, audit.Actor.of(admin), body.name, client_ip(request))
    return _team_out(db, team)


@router.patch("/teams/{team_id}", response_model=TeamOut)
def change_team(team_id: str, body: TeamPatch, request: Request, db: Db,
                admin: Admin) -> TeamOut:
    """Rename a team, or ask its members to sign in with a second factor."""
    team = people.team_by_id(db, team_id)
    people.change_team(db, audit.Actor.of(admin), team, name=body.name,
                       require_totp=body.require_totp, ip=client_ip(request))
    return _team_out(db, team)


# -- the organisation's policy ---------------------------------------------

@router.get("/policy", response_model=PolicyOut)
def get_policy(db: Db, admin: Admin) -> PolicyOut:
    return PolicyOut(require_totp=people.policy(db).require_totp)


@router.patch("/policy", response_model=PolicyOut)
def change_policy(body: PolicyOut, request: Request, db: Db, admin: Admin) -> PolicyOut:
    """Whether everyone signs in with a second factor, whatever their team says."""
    row = people.change_policy(db, audit.Actor.of(admin), body.require_totp,
                               client_ip(request))
    return PolicyOut(require_totp=row.require_totp)
