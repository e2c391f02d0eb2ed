"""Login (OAuth2 password flow) and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from core import audit
from core.auth import authenticate, issue_token, revoke_token
from core.db.models import Team
from core.web import ApiError, CurrentUser, Db, Rt, client_ip, oauth2

router = APIRouter(prefix="/api", tags=["accounts"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    id: str
    email: str
    role: str
    team: str | None


@router.post("/auth/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, db: Db,
          runtime: Rt) -> TokenOut:
    """Exchange e-mail (as ``username``) and password for a bearer token."""
    user = authenticate(db, form.username, form.password)
    if user is None:
        audit.record(db, audit.Actor(None, form.username[:320], None), action="login",
                     object_type="session", object_id=None, case_id=None, outcome="denied",
                     ip=client_ip(request))
        raise ApiError(401, "Wrong e-mail or password.", "bad_credentials")
    ttl = runtime.settings.token_ttl_s
    token = issue_token(db, user, ttl)
    audit.record(db, audit.Actor.of(user), action="login", object_type="session",
                 object_id=None, case_id=None, ip=client_ip(request))
    return TokenOut(access_token=token, expires_in=ttl)


@router.post("/auth/logout", status_code=204)
def logout(user: CurrentUser, db: Db,
           token: Annotated[str | None, Depends(oauth2)]) -> None:
    if token:
        revoke_token(db, token)


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser, db: Db) -> MeOut:
    team = db.get(Team, user.team_id) if user.team_id else None
    return MeOut(id=user.id, email=user.email, role=user.role.value,
                 team=team.name if team else None)
