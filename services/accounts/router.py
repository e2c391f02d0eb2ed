"""Logging in, as an API client (OAuth2 password flow, a bearer token) or in
the web app (an HttpOnly session cookie plus a CSRF token), and the caller's
own profile."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from core import audit, errors, twofactor
from core.auth import authenticate, issue_token, revoke_token
from core.db.models import Team, User
from core.web import (
    SESSION_COOKIE,
    CurrentUser,
    Db,
    Rt,
    client_ip,
    csrf_token,
    login_ended,
    oauth2,
    optional_user,
    session_token,
)
from services.accounts import throttle

router = APIRouter(prefix="/api", tags=["accounts"])
log = logging.getLogger(__name__)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    id: str
    email: str
    name: str
    role: str
    team: str | None
    #: Signs in with a second factor (TOTP).
    totp: bool
    #: The organisation or the team asks for a second factor.
    totp_required: bool
    #: Required but not set up: only the account pages work until it is.
    must_enrol_totp: bool
    #: For a cookie session: send it as ``X-CSRF-Token`` with every change.
    csrf_token: str | None = None


class SessionOut(BaseModel):
    #: None when nobody is logged in (no session, or it ended).
    user: MeOut | None
    #: "session_expired" when the request came with a session that has ended,
    #: so the login page can say why it is shown.
    ended: str | None = None


class SessionIn(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000)
    #: The authenticator app's code or a recovery code, for a person with two-factor sign-in.
    code: str | None = Field(default=None, max_length=40)


def counted_attempt(db: Db, runtime: Rt, request: Request, email: str) -> throttle.Attempt:
    """A password (or second-factor) check's place in the login throttle: 429
    with ``Retry-After`` past the limit, 503 when the attempts cannot be
    counted; either refusal is audit-logged. A check that succeeds gives the
    place back (:meth:`throttle.Attempt.give_back`); a failure keeps it."""
    ip = client_ip(request)
    actor = audit.Actor(None, email[:320], None)
    try:
        return throttle.for_runtime(runtime).attempt(email, ip)
    except throttle.Throttled as held:
        audit.record(db, actor, action="login", object_type="session", object_id=None,
                     case_id=None, outcome="throttled", ip=ip,
                     detail=f"too many failed logins for this {held.subject}; "
                            f"retry after {held.retry_after} s")
        raise errors.TooManyAttempts("Too many failed attempts to log in. Wait "
                                     f"{_duration(held.retry_after)} and try again.",
                                     "too_many_attempts",
                                     headers={"Retry-After": str(held.retry_after)}) from None
    except throttle.Unavailable as down:
        log.error("login refused, the throttle cannot count attempts: %s", down)
        audit.record(db, actor, action="login", object_type="session", object_id=None,
                     case_id=None, outcome="unavailable", ip=ip,
                     detail="failed logins cannot be counted (Redis unreachable)")
        raise errors.Unavailable("Logging in is not possible for a moment. Try again in a few "
                                 "minutes; if it lasts, tell your administrator.",
                                 "sign_in_unavailable", headers={"Retry-After": "60"}) from None


def _logged_in(db: Db, runtime: Rt, request: Request, email: str, password: str,
               code: str | None = None, kind: str = "api") -> tuple[User, str]:
    """Check the password (and the second factor of a person who has one) and
    issue a token; every attempt is audit-logged.

    Guessing is throttled per account and per address (see
    :mod:`services.accounts.throttle`): past the limit the answer is 429 with
    ``Retry-After``, before the password is looked at, for an unknown e-mail
    exactly as for a known one. A wrong second factor counts as a failure too."""
    ip = client_ip(request)
    attempt = counted_attempt(db, runtime, request, email)
    user = authenticate(db, email, password)
    if user is None:  # the attempt keeps its place: a failure counts
        audit.record(db, audit.Actor(None, email[:320], None), action="login",
                     object_type="session", object_id=None, case_id=None, outcome="denied",
                     ip=ip)
        raise errors.NotAuthenticated("Wrong e-mail or password.", "bad_credentials")
    detail = None
    if twofactor.enabled(user):
        if not code or not code.strip():  # the right password is no failure
            attempt.give_back()
            audit.record(db, audit.Actor.of(user), action="login", object_type="session",
                         object_id=None, case_id=None, outcome="code_required",
                         ip=ip)
            raise errors.NotAuthenticated("Enter the code from your authenticator app (or one of "
                                          "your recovery codes).", "second_factor_required")
        used = twofactor.use_code(db, user, code)
        if used is None:  # counts as a failed login
            audit.record(db, audit.Actor.of(user), action="login", object_type="session",
                         object_id=None, case_id=None, outcome="denied", ip=ip,
                         detail="wrong or already used second-factor code")
            raise errors.NotAuthenticated("That code is wrong or was used already. Enter the "
                                          "code your authenticator app shows now, or an unused "
                                          "recovery code.", "second_factor_wrong")
        detail = "with an authenticator code" if used == "totp" else \
            f"with a recovery code ({twofactor.recovery_codes_left(db, user)} left)"
    attempt.give_back()
    token = issue_token(db, user, runtime.settings.token_ttl_s, kind=kind)
    audit.record(db, audit.Actor.of(user), action="login", object_type="session",
                 object_id=None, case_id=None, ip=ip, detail=detail)
    return user, token


def _duration(seconds: int) -> str:
    """A wait in words: "45 seconds", "1 minute", "15 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _me(db: Db, user: User, csrf: str | None) -> MeOut:
    team = db.get(Team, user.team_id) if user.team_id else None
    required = twofactor.required(db, user)
    on = twofactor.enabled(user)
    return MeOut(id=user.id, email=user.email, name=user.name, role=user.role.value,
                 team=team.name if team else None, totp=on, totp_required=required,
                 must_enrol_totp=required and not on, csrf_token=csrf)


@router.post("/auth/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, db: Db,
          runtime: Rt,
          code: Annotated[str | None, Form(max_length=40, description=(
              "The authenticator app's code or a recovery code, for an account with "
              "two-factor sign-in."))] = None) -> TokenOut:
    """Exchange e-mail (as ``username``) and password (and, with two-factor
    sign-in, ``code``) for a bearer token."""
    _, token = _logged_in(db, runtime, request, form.username, form.password, code)
    return TokenOut(access_token=token, expires_in=runtime.settings.token_ttl_s)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, user: CurrentUser, db: Db,
           bearer: Annotated[str | None, Depends(oauth2)]) -> Response:
    """End the login this request came with: the bearer token, or the web
    app's session cookie (which is cleared as well)."""
    return _logged_out(request, user, db, bearer)


@router.post("/auth/session", response_model=MeOut)
def start_session(body: SessionIn, request: Request, response: Response, db: Db,
                  runtime: Rt) -> MeOut:
    """Log in the web app: an HttpOnly, SameSite session cookie (Secure over
    https) and the CSRF token the page sends with every change."""
    user, token = _logged_in(db, runtime, request, body.email, body.password, body.code,
                             kind="session")
    return open_web_session(db, runtime, request, response, user, token)


def open_web_session(db: Db, runtime: Rt, request: Request, response: Response,
                     user: User, token: str | None = None) -> MeOut:
    """Give the browser a session cookie for ``user`` (a new login unless
    ``token`` is one just issued) and the page its CSRF token."""
    if token is None:
        token = issue_token(db, user, runtime.settings.token_ttl_s, kind="session")
    response.set_cookie(SESSION_COOKIE, token, max_age=runtime.settings.token_ttl_s,
                        path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    return _me(db, user, csrf_token(runtime.secret_key, token))


@router.delete("/auth/session", status_code=204)
def end_session(request: Request, user: CurrentUser, db: Db,
                bearer: Annotated[str | None, Depends(oauth2)]) -> Response:
    """Log out of the web app (the same as ``POST /api/auth/logout``)."""
    return _logged_out(request, user, db, bearer)


def _logged_out(request: Request, user: User, db: Db, bearer: str | None) -> Response:
    """Revoke whichever token authenticated the request, so it opens nothing any
    more, even if a copy of it is still around; audit-logged."""
    token, from_cookie = session_token(request, bearer)
    if token:
        revoke_token(db, token)
    audit.record(db, audit.Actor.of(user), action="logout", object_type="session",
                 object_id=None, case_id=None, ip=client_ip(request),
                 detail="session cookie" if from_cookie else "bearer token")
    response = Response(status_code=204)
    if from_cookie:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                               secure=request.url.scheme == "https")
    return response


@router.get("/me", response_model=MeOut)
def me(request: Request, user: CurrentUser, db: Db, runtime: Rt,
       bearer: Annotated[str | None, Depends(oauth2)]) -> MeOut:
    token, from_cookie = session_token(request, bearer)
    csrf = csrf_token(runtime.secret_key, token) if token and from_cookie else None
    return _me(db, user, csrf)


@router.get("/session", response_model=SessionOut)
def who_is_here(request: Request, user: Annotated[User | None, Depends(optional_user)],
                db: Db, runtime: Rt,
                bearer: Annotated[str | None, Depends(oauth2)]) -> SessionOut:
    """Who is logged in, if anyone: the web app's first question. Nobody is an
    answer here (``{"user": null}``), not an error; ``/api/me`` is the same
    question for a client that expects to be logged in (401 otherwise)."""
    if user is None:
        return SessionOut(user=None, ended="session_expired" if login_ended(request) else None)
    return SessionOut(user=me(request, user, db, runtime, bearer))
