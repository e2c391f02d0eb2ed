"""HTTP plumbing shared by every service router: who is calling, from where,
and how errors read."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Annotated

import anyio.to_thread
import redis.exceptions
import sqlalchemy.exc
import urllib3.exceptions
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import errors, twofactor
from core.access import NotFound
from core.auth import LoginEnded, token_digest, user_for_token
from core.db.models import Role, User
from core.runtime import Runtime
from core.storage import StorageUnavailable

log = logging.getLogger(__name__)
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


class ApiError(HTTPException):
    """An error with a stable machine code next to the readable reason."""

    def __init__(self, status_code: int, detail: str, code: str,
                 headers: dict[str, str] | None = None,
                 errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(status_code, detail, headers)
        self.code = code
        #: Per-field reasons (``[{field, message}]``), as validation errors have.
        self.errors = errors


def runtime_dep(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


#: Where a request's database session waits (in the ASGI scope's state) for
#: :class:`CommitBeforeResponse` to commit it.
_SESSION_STATE = "attune.db_session"


def db_dep(request: Request, runtime: Annotated[Runtime, Depends(runtime_dep)]) -> Session:
    """The request's database session, one per request however many dependencies ask.

    It is committed by :class:`CommitBeforeResponse` before the response's first
    byte leaves, not in a ``yield`` dependency's cleanup: when that cleanup runs
    relative to sending the response has changed between FastAPI versions (it
    runs after the response in current ones), and a client that gets 201 must be
    able to read back what it made right away.
    """
    state = request.scope.get("state")
    if state is None or _SESSION_STATE not in state:
        raise RuntimeError("the app must be wrapped in CommitBeforeResponse to use the database")
    session: Session | None = state[_SESSION_STATE]
    if session is None:
        session = state[_SESSION_STATE] = runtime.session()
    return session


#: The web app's login lives in an HttpOnly cookie, out of reach of scripts.
SESSION_COOKIE = "attune_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token(secret_key: bytes, session_token: str) -> str:
    """The token a page must echo in ``X-CSRF-Token`` for a cookie session.

    Derived from the session, so nothing more is stored; another site can make
    a browser send the cookie, but cannot read this value to send with it.
    """
    return hmac.new(secret_key, f"csrf:{token_digest(session_token)}".encode(),
                    hashlib.sha256).hexdigest()[:40]


def session_token(request: Request, bearer: str | None) -> tuple[str | None, bool]:
    """The caller's login token and whether it came from the session cookie."""
    if bearer:
        return bearer, False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def optional_user(
    request: Request,
    db: Annotated[Session, Depends(db_dep)],
    runtime: Annotated[Runtime, Depends(runtime_dep)],
    bearer: Annotated[str | None, Depends(oauth2)],
) -> User | None:
    """The logged-in user, by bearer token (API clients) or session cookie (the
    web app); a cookie session must prove each change with its CSRF token."""
    token, from_cookie = session_token(request, bearer)
    if not token:
        return None
    try:
        user = user_for_token(db, token, runtime.settings.session_idle_s)
    except LoginEnded:
        # Nobody, as far as a route that also takes a signed link is concerned;
        # a route that needs a login says why there is none.
        request.scope.setdefault("state", {})[LOGIN_ENDED] = True
        return None
    if user is not None and from_cookie and request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, csrf_token(runtime.secret_key, token)):
            raise ApiError(status.HTTP_403_FORBIDDEN, "This request did not come from an "
                           "Attune page (missing or wrong CSRF token); reload the page and "
                           "try again.", "csrf_failed")
    if user is not None and not _open_before_enrolment(request.scope["path"]) \
            and twofactor.must_enrol(db, user):
        raise ApiError(status.HTTP_403_FORBIDDEN, "Set up two-factor sign-in first (an "
                       "authenticator app): your organisation asks for it.",
                       "second_factor_setup_required")
    return user


#: Set in the request's state when its login token had ended (see :func:`login_ended`).
LOGIN_ENDED = "attune.login_ended"
#: What someone who must set up two-factor sign-in may still reach: who they
#: are, logging in and out, and their own account (where the set-up is).
_BEFORE_ENROLMENT = ("/api/auth/", "/api/account/")


def _open_before_enrolment(path: str) -> bool:
    return path in ("/api/me", "/api/session") or path.startswith(_BEFORE_ENROLMENT)


def login_ended(request: Request) -> bool:
    """Whether the request came with a login that has ended (idle or expired)."""
    return bool(request.scope.get("state", {}).get(LOGIN_ENDED))


def current_user(request: Request,
                 user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        if login_ended(request):
            raise ApiError(status.HTTP_401_UNAUTHORIZED, "Your session has ended (too long "
                           "without activity, or it reached its time limit). Log in again.",
                           "session_expired", headers={"WWW-Authenticate": "Bearer"})
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "Log in first (missing or expired token).",
                       "not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    return user


def require_role(*roles: Role, in_team: bool = False,
                 detail: str | None = None) -> Callable[[User], User]:
    """The dependency that says who may call a route at all: one of ``roles`` (and a
    member of a team, with ``in_team``); anyone else is refused with 403
    ``forbidden_role`` and ``detail`` (by default, the roles named). A rule about
    what the caller may do to one object, or about someone else, is the domain's."""
    allowed = " or ".join(r.value for r in roles)
    refusal = detail or f"Only a {allowed} can do this."

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles or (in_team and not user.team_id):
            raise ApiError(status.HTTP_403_FORBIDDEN, refusal, "forbidden_role")
        return user

    return check


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


Db = Annotated[Session, Depends(db_dep)]
#: The bearer token a request carries, unchecked (``optional_user`` checks it).
Bearer = Annotated[str | None, Depends(oauth2)]
CurrentUser = Annotated[User, Depends(current_user)]
Rt = Annotated[Runtime, Depends(runtime_dep)]


#: The status each kind of domain refusal answers with: the one place a
#: domain reason becomes HTTP (a subclass answers as its nearest listed base).
DOMAIN_STATUS: Mapping[type[errors.DomainError], int] = {
    errors.Invalid: status.HTTP_422_UNPROCESSABLE_CONTENT,
    errors.Malformed: status.HTTP_400_BAD_REQUEST,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.Stale: status.HTTP_412_PRECONDITION_FAILED,
    errors.PreconditionRequired: status.HTTP_428_PRECONDITION_REQUIRED,
    errors.NotAllowed: status.HTTP_403_FORBIDDEN,
    errors.NotAuthenticated: status.HTTP_401_UNAUTHORIZED,
    errors.Unknown: status.HTTP_404_NOT_FOUND,
    errors.Gone: status.HTTP_410_GONE,
    errors.TooLarge: status.HTTP_413_CONTENT_TOO_LARGE,
    errors.UnsupportedMedia: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    errors.Damaged: 460,  # tus's "Checksum Mismatch"; no standard status says it
    errors.TooManyAttempts: status.HTTP_429_TOO_MANY_REQUESTS,
    errors.Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def domain_status(exc: errors.DomainError) -> int:
    """The status for a domain refusal, by the nearest kind :data:`DOMAIN_STATUS` lists."""
    for kind in type(exc).__mro__:
        if kind in DOMAIN_STATUS:
            return DOMAIN_STATUS[kind]
    return status.HTTP_400_BAD_REQUEST


def _error_body(detail: object, code: str,
                field_errors: list[dict[str, str]] | None) -> dict[str, object]:
    body: dict[str, object] = {"detail": detail, "code": code}
    if field_errors is not None:
        body["errors"] = field_errors
    return body


def install_error_handlers(app: FastAPI) -> None:
    """Every error body is ``{"detail": <readable reason>, "code": <stable key>}``."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_error_body(exc.detail, exc.code, exc.errors),
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(errors.DomainError)
    async def _refused(_: Request, exc: errors.DomainError) -> JSONResponse:
        return JSONResponse(_error_body(exc.detail, exc.code, exc.errors),
                            status_code=domain_status(exc), headers=exc.headers)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": f"No such {exc.what} (or you have no access to it).",
                             "code": exc.code}, status_code=404)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # What the router itself refuses: a method the path does not have.
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            return wrong_method(request)
        code = "not_found" if exc.status_code == status.HTTP_404_NOT_FOUND else "invalid_request"
        return JSONResponse({"detail": str(exc.detail), "code": code},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e.get("loc", ())), "message": _message(e),
                   "code": str(e.get("type", "invalid"))} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse({"detail": detail, "code": "invalid_request", "errors": errors},
                            status_code=422)

    @app.exception_handler(sqlalchemy.exc.DataError)
    async def _unstorable(request: Request, exc: sqlalchemy.exc.DataError) -> JSONResponse:
        # A value the database refuses to compare or store, such as text with a
        # NUL character in a login's e-mail: the sender's mistake, so a 422 and
        # not a dropped connection. Routes need not each foresee every such byte.
        route = getattr(request.scope.get("route"), "path", "(no route)")
        log.info("%s %s: refused a value the database cannot hold (%s)", request.method,
                 route, type(exc.orig).__name__)
        return JSONResponse({"detail": "The request holds a value that cannot be stored or "
                                       "looked up (such as an invisible control character); "
                                       "check what was sent.", "code": "invalid_request"},
                            status_code=422)

    for unavailable in UNAVAILABLE:
        for exc_class in unavailable.raised_as:
            app.add_exception_handler(exc_class, unavailable.handler)


#: The name of the web app's route that answers every other GET path; it is
#: no method of any path as far as ``Allow`` is concerned.
WEB_FALLBACK = "web_page"


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route has for the request's path (``Allow``): the
    route the router would pick for it, asked method by method."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        for route in request.app.router.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                if getattr(child.get("endpoint"), "__name__", None) != WEB_FALLBACK:
                    allowed.append(method)
                break
    return allowed


def wrong_method(request: Request) -> JSONResponse:
    """405 with ``Allow`` listing the path's methods, all of them (the router's
    own 405 names only those of the first route it tried); 404 for a path no
    route has."""
    allowed = allowed_methods(request)
    if not allowed:
        return JSONResponse({"detail": "No such endpoint.", "code": "not_found"},
                            status_code=status.HTTP_404_NOT_FOUND)
    return JSONResponse({"detail": f"{request.method} is not a method of this path; it has "
                                   f"{', '.join(allowed)}.", "code": "method_not_allowed"},
                        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
                        headers={"Allow": ", ".join(allowed)})


class Unavailable:
    """A dependency the API needs but does not control, and what a person is
    told while it is down: 503 with ``Retry-After``, never a bare 500.

    A handler per exception class rather than a try/except per route: any
    route that touches the dependency answers the same way, including routes
    written later.
    """

    def __init__(self, code: str, what: str, detail: str,
                 raised_as: tuple[type[Exception], ...]) -> None:
        self.code, self.what, self.detail, self.raised_as = code, what, detail, raised_as

    def response(self) -> JSONResponse:
        return JSONResponse({"detail": self.detail, "code": self.code}, status_code=503,
                            headers={"Retry-After": str(RETRY_AFTER_S),
                                     "Cache-Control": "no-store"})

    async def handler(self, request: Request, exc: Exception) -> JSONResponse:
        # One line, not a traceback per request while a dependency is down.
        # The route's template, not the path: a share link's path is its token.
        route = getattr(request.scope.get("route"), "path", "(no route)")
        log.warning("%s %s: %s unavailable (%s: %s)", request.method, route,
                    self.what, type(exc).__name__, exc)
        return self.response()


#: Seconds a client should wait before asking again while a dependency is down.
RETRY_AFTER_S = 5

STORAGE_UNAVAILABLE = Unavailable(
    "storage_unavailable", "recording store (S3)",
    "The recording store is unavailable right now; nothing was lost. Try again in a "
    "moment — an upload resumes where it stopped.",
    # What core.storage raises, and what the S3 client (urllib3) raises if a
    # call ever bypasses it: a refused or timed-out connection, retries
    # exhausted, a connection dropped mid-answer.
    (StorageUnavailable, urllib3.exceptions.HTTPError))
QUEUE_UNAVAILABLE = Unavailable(
    "queue_unavailable", "job queue (Redis)",
    "The job queue is unavailable right now; what was already received is kept. Try "
    "again in a moment.",
    (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError))
DATABASE_UNAVAILABLE = Unavailable(
    "database_unavailable", "database",
    "The database is unavailable right now, so nothing was changed. Try again in a moment.",
    # OperationalError also covers a deadlock or lock timeout: asking again is
    # the right answer to those too.
    (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
     sqlalchemy.exc.DisconnectionError, sqlalchemy.exc.TimeoutError))
UNAVAILABLE = (STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, DATABASE_UNAVAILABLE)


def _field(loc: tuple[object, ...] | list[object]) -> str:
    """``("body", "label")`` -> ``label``: the name the client sent."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "request"


def _message(error: dict[str, object]) -> str:
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


class ResponseHeaders:
    """Adds fixed headers to every HTTP response whose path starts with ``prefix``.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's
    ``BaseHTTPMiddleware`` passes every ``receive()`` of a streamed request body
    through an anyio task group, which cost an eighth of the API's CPU on a
    large upload. Here the body goes by untouched; only the response's start
    message is amended.
    """

    def __init__(self, app: ASGIApp, headers: Mapping[str, str], prefix: str = "/",
                 replace: bool = False) -> None:
        self.app, self.headers, self.prefix, self.replace = app, headers, prefix, replace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if self.replace or name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: What a client gets instead of a success whose changes could not be committed.
_NOT_SAVED = json.dumps({
    "detail": "Your change could not be saved because the database did not accept it; "
              "nothing was stored. Try again in a moment.",
    "code": "not_saved",
}).encode()


class CommitBeforeResponse:
    """Commits the request's database session before the response starts.

    A success (status below 400) leaves only once its changes are committed; if
    the commit fails, the client gets 503 with a reason instead, so a 2xx always
    means stored and can be read back at once. Refusals and errors roll back what
    the request changed: what must outlive a refusal (an audit record, a counted
    wrong access code) is committed where it is written.

    Plain ASGI, for the same reason as :class:`ResponseHeaders`; it sits inside
    the error handlers, so it sees the status the client will get.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[_SESSION_STATE] = None
        refused = False

        async def send_committed(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the app's own body for the response that was replaced
            session: Session | None = state.get(_SESSION_STATE)
            if message["type"] == "http.response.start" and session is not None:
                if message["status"] >= 400:
                    await anyio.to_thread.run_sync(session.rollback)
                else:
                    try:
                        await anyio.to_thread.run_sync(session.commit)
                    except Exception:
                        log.exception("commit failed; answering 503 instead of %s",
                                      message["status"])
                        await anyio.to_thread.run_sync(session.rollback)
                        refused = True
                        await _send_not_saved(send)
                        return
            await send(message)

        try:
            await self.app(scope, receive, send_committed)
        finally:
            session = state.get(_SESSION_STATE)
            if session is not None:
                state[_SESSION_STATE] = None
                await anyio.to_thread.run_sync(_discard, session)


def _discard(session: Session) -> None:
    """Roll back whatever was not committed (an error on the way) and close."""
    try:
        session.rollback()
    finally:
        session.close()


async def _send_not_saved(send: Send) -> None:
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(_NOT_SAVED)).encode()),
                            (b"retry-after", b"5")]})
    await send({"type": "http.response.body", "body": _NOT_SAVED})
