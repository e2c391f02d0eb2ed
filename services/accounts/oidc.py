"""Single sign-on with an OpenID Connect provider (authorization code flow
with PKCE): the three addresses a browser passes through. What is checked,
and how to register Attune at Microsoft Entra ID, is in
:mod:`services.accounts.sso`.

Both ``start`` and ``callback`` are pages a browser navigates to, not calls
of the web app, so a refusal is a redirect to the login page with
``?error=<code>`` (which the page words), never a JSON error.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from core import audit
from core.config import Settings
from core.web import Db, Rt, client_ip
from services.accounts import sso
from services.accounts.router import open_web_session

router = APIRouter(prefix="/api/auth/oidc", tags=["accounts"])
log = logging.getLogger(__name__)

CALLBACK_PATH = "/api/auth/oidc/callback"
#: The flow cookie is sent back only to these addresses.
COOKIE_PATH = "/api/auth/oidc"


class OidcOut(BaseModel):
    enabled: bool
    #: What the login page calls the provider ("Sign in with <name>").
    name: str


@router.get("", response_model=OidcOut)
def oidc_info(runtime: Rt) -> OidcOut:
    """Whether the login page offers single sign-on, and under which name."""
    return OidcOut(enabled=sso.enabled(runtime.settings), name=runtime.settings.oidc_name)


def _base(settings: Settings, request: Request) -> str:
    """Where people open Attune: ``ATTUNE_PUBLIC_URL``, else this request's address."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def redirect_uri(settings: Settings, request: Request) -> str:
    """The callback address registered at the provider."""
    return _base(settings, request) + CALLBACK_PATH


def _redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=302, headers={"Cache-Control": "no-store"})


def _refused(db: Db, request: Request, settings: Settings,
             refused: sso.SignInRefused) -> RedirectResponse:
    """Log the refusal and send the browser to the login page with its code."""
    if refused.outcome == "unavailable":
        log.warning("single sign-on unavailable: %s", refused.reason)
    audit.record(db, audit.Actor(None, None, None), action="login", object_type="session",
                 object_id=None, case_id=None, outcome=refused.outcome, ip=client_ip(request),
                 detail=f"single sign-on: {refused.reason}"[:2000])
    prefix = urlsplit(_base(settings, request)).path.rstrip("/")
    response = _redirect(f"{prefix}/login?error={quote(refused.code)}")
    response.delete_cookie(sso.FLOW_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response


@router.get("/start", response_class=RedirectResponse, status_code=302)
def start(request: Request, db: Db, runtime: Rt, next: str | None = None) -> RedirectResponse:
    """Send the browser to the provider; ``next`` is where it lands after
    signing in (a path on this site; anything else means the start page)."""
    settings = runtime.settings
    try:
        url, cookie = sso.begin(settings, runtime.secret_key, redirect_uri(settings, request),
                                next)
    except sso.SignInRefused as refused:
        return _refused(db, request, settings, refused)
    response = _redirect(url)
    # SameSite=Lax: the provider's redirect back is a top-level GET, which
    # carries it; a request another site makes in the background does not.
    response.set_cookie(sso.FLOW_COOKIE, cookie, max_age=sso.FLOW_TTL_S, path=COOKIE_PATH,
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get("/callback", response_class=RedirectResponse, status_code=302)
def callback(request: Request, db: Db, runtime: Rt, code: str | None = None,
             state: str | None = None, error: str | None = None,
             error_description: str | None = None) -> RedirectResponse:
    """Where the provider sends the browser back: check that this browser
    started the sign-in, redeem the code, verify the ID token, find or make
    the person, and open their session."""
    settings = runtime.settings
    try:
        if error or not code:  # e.g. access_denied: the person cancelled at the provider
            said = f"{error or 'no code'}: {error_description or ''}"[:300]
            raise sso.SignInRefused("sso_failed", f"the provider answered {said}")
        flow = sso.pending(runtime.secret_key, request.cookies.get(sso.FLOW_COOKIE), state)
        claims = sso.exchange(settings, code, flow)
        user = sso.person_for(db, settings, claims, client_ip(request))
    except sso.SignInRefused as refused:
        return _refused(db, request, settings, refused)
    response = _redirect(flow.next)
    response.delete_cookie(sso.FLOW_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    open_web_session(db, runtime, request, response, user)
    audit.record(db, audit.Actor.of(user), action="login", object_type="session",
                 object_id=None, case_id=None, ip=client_ip(request),
                 detail=f"single sign-on ({claims['iss']})")
    return response
