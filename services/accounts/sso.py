"""Single sign-on with the organisation's OpenID Connect provider.

A care organisation keeps its people in its own directory (usually Microsoft
Entra ID); with single sign-on they sign in to Attune with that account and
the organisation's own rules (multi-factor, leaving staff switched off)
apply. The flow is the authorization code flow with PKCE (S256), a ``state``
against cross-site request forgery and a ``nonce`` bound into the ID token.
Nothing about a flow in progress is stored on the server: state, nonce,
code verifier and where to go afterwards travel in a short-lived signed
cookie (:func:`begin` / :func:`pending`).

Registering Attune in Microsoft Entra ID
---------------------------------------
1. Entra admin center → Applications → App registrations → New registration.
   Name "Attune", accounts in this organisational directory only, redirect URI
   of type *Web*: ``https://<attune address>/api/auth/oidc/callback`` (the
   address is ``ATTUNE_PUBLIC_URL`` when set, else the one people open).
2. Certificates & secrets → New client secret; its *value* is
   ``ATTUNE_OIDC_CLIENT_SECRET``, the application (client) id is
   ``ATTUNE_OIDC_CLIENT_ID``, and the issuer is
   ``https://login.microsoftonline.com/<tenant id>/v2.0``.
3. Token configuration → Add optional claim (ID token): ``email`` and
   ``xms_edov`` (the e-mail domain is verified by the tenant). Without them
   a first sign-in cannot be matched to an existing account by e-mail and
   is refused.
4. Roles: App roles → create e.g. ``Attune.Professional``,
   ``Attune.Supervisor``, ``Attune.Admin`` (allowed member types: users/groups)
   and assign people or groups under Enterprise applications → Attune → Users
   and groups. They arrive in the ``roles`` claim; map them with
   ``ATTUNE_OIDC_ROLE_MAP='{"Attune.Supervisor": "supervisor", ...}'``.
5. Teams (optional): Token configuration → Add groups claim (security groups,
   "Group ID"); the ``groups`` claim then lists group object ids, mapped with
   ``ATTUNE_OIDC_TEAM_CLAIM=groups`` and
   ``ATTUNE_OIDC_TEAM_MAP='{"<group object id>": "Team Noord"}'``.

Role and team are taken from the claims when a person first signs in;
afterwards Attune's own administration decides (an admin can change either),
so a change in the directory does not silently undo one made in Attune.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, signing
from core.auth import UserError, normalise_email
from core.config import Settings
from core.db.models import Role, Team, User

log = logging.getLogger(__name__)

#: The cookie that carries a sign-in in progress from ``start`` to ``callback``.
FLOW_COOKIE = "attune_oidc"
#: A person has this long at the provider (typing a password, a second factor).
FLOW_TTL_S = 600
#: How long a provider's discovery document and keys are used before asking again.
DISCOVERY_TTL_S = 3600
#: An unknown key id makes Attune fetch the keys again (the provider rotated
#: them), but not more often than this, so forged tokens cannot make it hammer
#: the provider.
KEY_REFRESH_MIN_S = 60
HTTP_TIMEOUT_S = 10.0
#: Clocks of provider and server may differ this much.
LEEWAY_S = 60
SCOPE = "openid email profile"
#: Only signatures made with the provider's private key: never "none", never a
#: shared-secret algorithm (HS256 "signed" with the public key).
ASYMMETRIC_ALGS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                             "ES256", "ES384", "ES512", "EdDSA"})
#: When claims map to several roles, the first of these wins.
ROLE_PRECEDENCE = (Role.admin, Role.privacy_officer, Role.supervisor, Role.professional)


class SignInRefused(Exception):
    """Single sign-on ends here: ``code`` is what the login page shows
    (``error.<code>``), ``reason`` what the access log keeps."""

    def __init__(self, code: str, reason: str, outcome: str = "denied") -> None:
        super().__init__(reason)
        self.code, self.reason, self.outcome = code, reason, outcome


def _unavailable(reason: str) -> SignInRefused:
    return SignInRefused("sso_unavailable", reason, outcome="unavailable")


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


@dataclass(frozen=True)
class Provider:
    """What Attune uses of a provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    auth_methods: tuple[str, ...]


class _Cache:
    """Discovery documents and key sets per issuer, for :data:`DISCOVERY_TTL_S`.

    Kept per process: every API process asks the provider itself, at most
    once an hour, which no provider minds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._providers: dict[str, tuple[float, Provider]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}

    def provider(self, issuer: str) -> Provider:
        with self._lock:
            hit = self._providers.get(issuer)
        if hit and time.monotonic() - hit[0] < DISCOVERY_TTL_S:
            return hit[1]
        found = _discover(issuer)
        with self._lock:
            self._providers[issuer] = (time.monotonic(), found)
        return found

    def keys(self, provider: Provider, refresh: bool = False) -> KeySet:
        with self._lock:
            hit = self._keys.get(provider.jwks_uri)
        age = time.monotonic() - hit[0] if hit else None
        if hit and age is not None and (age < KEY_REFRESH_MIN_S or
                                        (not refresh and age < DISCOVERY_TTL_S)):
            return hit[1]
        keys = _fetch_keys(provider.jwks_uri)
        with self._lock:
            self._keys[provider.jwks_uri] = (time.monotonic(), keys)
        return keys

    def clear(self) -> None:
        with self._lock:
            self._providers.clear()
            self._keys.clear()


cache = _Cache()


def _get_json(url: str) -> dict[str, Any]:
    """A JSON object from the provider; an unreachable or broken provider is
    :func:`_unavailable`, with the reason for the log."""
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_S, follow_redirects=False)
        response.raise_for_status()
        body = response.json()
    except httpx.HTTPError as exc:
        raise _unavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
    except ValueError as exc:
        raise _unavailable(f"{url}: not JSON") from exc
    if not isinstance(body, dict):
        raise _unavailable(f"{url}: not a JSON object")
    return body


def _discover(issuer: str) -> Provider:
    """Read and check ``{issuer}/.well-known/openid-configuration``.

    The document must name the configured issuer (OpenID Connect Discovery
    §4.3: otherwise anyone able to serve that path could issue tokens) and
    use https (loopback excepted), checked with authlib's own metadata rules
    for the fields Attune relies on."""
    configured = issuer.rstrip("/")
    metadata = OpenIDProviderMetadata(_get_json(f"{configured}/.well-known/openid-configuration"))
    try:
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                    "response_types_supported", "id_token_signing_alg_values_supported"):
            getattr(metadata, f"validate_{key}")()
    except ValueError as exc:
        raise _unavailable(f"discovery document of {configured}: {exc}") from exc
    if str(metadata["issuer"]).rstrip("/") != configured:
        raise _unavailable(f"discovery document names issuer {metadata['issuer']!r}, "
                           f"not the configured {configured!r}")
    algorithms = tuple(a for a in metadata["id_token_signing_alg_values_supported"]
                       if a in ASYMMETRIC_ALGS)
    if not algorithms:
        raise _unavailable(f"{configured} signs ID tokens with none of {sorted(ASYMMETRIC_ALGS)}")
    return Provider(issuer=str(metadata["issuer"]),
                    authorization_endpoint=str(metadata["authorization_endpoint"]),
                    token_endpoint=str(metadata["token_endpoint"]),
                    jwks_uri=str(metadata["jwks_uri"]), algorithms=algorithms,
                    auth_methods=tuple(metadata.get("token_endpoint_auth_methods_supported")
                                       or ("client_secret_basic",)))


def _fetch_keys(jwks_uri: str) -> KeySet:
    body = _get_json(jwks_uri)
    usable = [k for k in body.get("keys", []) if isinstance(k, dict) and k.get("use") != "enc"]
    try:
        return KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError) as exc:
        raise _unavailable(f"{jwks_uri}: unusable key set ({exc})") from exc


def provider_for(settings: Settings) -> Provider:
    if not enabled(settings):
        raise SignInRefused("sso_disabled", "single sign-on is not configured")
    assert settings.oidc_issuer
    return cache.provider(settings.oidc_issuer)


# -- the flow ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Pending:
    """A sign-in between ``start`` and ``callback`` (the signed cookie's content)."""

    state: str
    nonce: str
    verifier: str
    next: str
    redirect_uri: str


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``/``: a sign-in link must
    not send people on to another site (an open redirect for phishing)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def begin(settings: Settings, secret_key: bytes, redirect_uri: str,
          next_path: str | None) -> tuple[str, str]:
    """The provider's authorization URL to send the browser to, and the
    signed cookie value that remembers this sign-in."""
    provider = provider_for(settings)
    assert settings.oidc_client_id
    pending = Pending(state=generate_token(32), nonce=generate_token(32),
                      verifier=generate_token(64), next=safe_next(next_path),
                      redirect_uri=redirect_uri)
    url = prepare_grant_uri(
        provider.authorization_endpoint, settings.oidc_client_id, "code",
        redirect_uri=redirect_uri, scope=SCOPE, state=pending.state, nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.verifier),
        code_challenge_method="S256")
    cookie = signing.sign(secret_key, {"p": "oidc", "state": pending.state,
                                       "nonce": pending.nonce, "verifier": pending.verifier,
                                       "next": pending.next, "redirect": redirect_uri},
                          FLOW_TTL_S)
    return str(url), cookie


def pending(secret_key: bytes, cookie: str | None, state: str | None) -> Pending:
    """The sign-in this browser started, if ``state`` is the one it was sent
    off with; anything else (no cookie, an expired or forged one, another
    state) is refused: the callback was not asked for by this browser."""
    if not cookie:
        raise SignInRefused("sso_state_mismatch", "no sign-in in progress in this browser "
                                                  "(cookie missing or expired)")
    try:
        claims = signing.verify(secret_key, cookie, p="oidc")
    except signing.InvalidToken as exc:
        raise SignInRefused("sso_state_mismatch", f"sign-in cookie refused: {exc}") from exc
    if not state or not isinstance(claims.get("state"), str) or state != claims["state"]:
        raise SignInRefused("sso_state_mismatch", "state does not match this browser's sign-in")
    return Pending(state=claims["state"], nonce=str(claims["nonce"]),
                   verifier=str(claims["verifier"]), next=safe_next(str(claims["next"])),
                   redirect_uri=str(claims["redirect"]))


def exchange(settings: Settings, code: str, flow: Pending) -> dict[str, Any]:
    """Redeem the authorization code at the token endpoint (with the PKCE
    verifier and the client's credentials) and return the verified ID
    token's claims."""
    provider = provider_for(settings)
    assert settings.oidc_client_id
    client_id = settings.oidc_client_id
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret \
        else None
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": flow.redirect_uri, "code_verifier": flow.verifier,
            "client_id": client_id}
    auth: httpx.BasicAuth | None = None
    if secret is not None:
        # Sent in the form where the provider takes it: no doubt about how a
        # secret with special characters is encoded (RFC 6749 §2.3.1).
        if "client_secret_post" in provider.auth_methods:
            form["client_secret"] = secret
        else:
            auth = httpx.BasicAuth(client_id, secret)
    try:
        response = httpx.post(provider.token_endpoint, data=form, auth=auth,
                              timeout=HTTP_TIMEOUT_S, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise _unavailable(f"token endpoint: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500:
        raise _unavailable(f"token endpoint answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        raise SignInRefused("sso_failed", f"token endpoint refused the code "
                                          f"({response.status_code} {error or ''})".strip())
    id_token = body.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused("sso_failed", "token endpoint answered without an ID token")
    return verified_claims(settings, id_token, flow.nonce)


def verified_claims(settings: Settings, id_token: str, nonce: str) -> dict[str, Any]:
    """The claims of ``id_token`` once it proves to come from the configured
    provider for this client and this sign-in; keys are fetched again once
    when the token names a key id Attune has not seen (key rotation)."""
    provider = provider_for(settings)
    assert settings.oidc_client_id
    try:
        return verify_id_token(id_token, keys=cache.keys(provider), issuer=provider.issuer,
                               client_id=settings.oidc_client_id, nonce=nonce,
                               algorithms=provider.algorithms)
    except _UnknownKey:
        pass
    try:
        return verify_id_token(id_token, keys=cache.keys(provider, refresh=True),
                               issuer=provider.issuer, client_id=settings.oidc_client_id,
                               nonce=nonce, algorithms=provider.algorithms)
    except _UnknownKey as exc:
        raise SignInRefused("sso_failed", f"ID token refused: signed with a key the "
                                          f"provider does not publish ({exc})") from exc


class _UnknownKey(Exception):
    pass


def verify_id_token(id_token: str, *, keys: KeySet, issuer: str, client_id: str, nonce: str,
                    algorithms: tuple[str, ...] = ("RS256",)) -> dict[str, Any]:
    """Check an ID token (OpenID Connect Core §3.1.3.7): signed by one of
    ``keys`` with an asymmetric algorithm, issued by ``issuer`` for
    ``client_id`` (and, given several audiences, authorised for it), not
    expired, and carrying this sign-in's ``nonce``."""
    allowed = [a for a in algorithms if a in ASYMMETRIC_ALGS]
    try:
        token = jwt.decode(id_token, keys, algorithms=allowed)
    except InvalidKeyIdError as exc:
        raise _UnknownKey(str(exc)) from exc
    except (JoseError, ValueError) as exc:
        raise SignInRefused("sso_failed", f"ID token refused: {type(exc).__name__}: "
                                          f"{exc}") from exc
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_S, iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id}, exp={"essential": True},
        sub={"essential": True}, nonce={"essential": True, "value": nonce})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise SignInRefused("sso_failed", f"ID token refused: {type(exc).__name__}: "
                                          f"{exc}") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInRefused("sso_failed", "ID token for several audiences, not authorised "
                                          "for this client (azp)")
    return claims


# -- who signs in -----------------------------------------------------------------------

def _values(claim: object) -> list[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list):
        return [v for v in claim if isinstance(v, str)]
    return []


def mapped_role(settings: Settings, claims: dict[str, Any]) -> Role | None:
    """The role the claims give, by ``oidc_role_map``, else the default role."""
    found: set[Role] = set()
    for value in _values(claims.get(settings.oidc_role_claim)):
        target = settings.oidc_role_map.get(value)
        if target is None:
            continue
        try:
            found.add(Role(target))
        except ValueError:
            log.warning("ATTUNE_OIDC_ROLE_MAP maps %r to %r, which is no role", value, target)
    for role in ROLE_PRECEDENCE:
        if role in found:
            return role
    if settings.oidc_default_role:
        try:
            return Role(settings.oidc_default_role)
        except ValueError:
            log.warning("ATTUNE_OIDC_DEFAULT_ROLE %r is no role", settings.oidc_default_role)
    return None


def mapped_team(settings: Settings, claims: dict[str, Any]) -> str | None:
    """The team the claims name: the first value ``oidc_team_map`` knows, else
    a single value as the team's name itself. A list of unmapped values (the
    group ids of every group a person is in) names no team."""
    if not settings.oidc_team_claim:
        return None
    values = _values(claims.get(settings.oidc_team_claim))
    for value in values:
        if value in settings.oidc_team_map:
            return settings.oidc_team_map[value][:200]
    if len(values) == 1 and values[0].strip():
        return values[0].strip()[:200]
    return None


def verified_email(claims: dict[str, Any]) -> str | None:
    """The e-mail address, if the provider vouches for it: ``email_verified``
    (the standard claim) or, where that is absent, Entra ID's ``xms_edov``
    (the address's domain is verified by the tenant). An unverified address
    could be anyone's, so it neither links to an existing account nor names a
    new one."""
    email = claims.get("email")
    if not isinstance(email, str):
        return None
    said = claims.get("email_verified")
    if not (said is True or (said is None and claims.get("xms_edov") is True)):
        return None
    try:
        return normalise_email(email)
    except UserError:
        return None


def _name(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return (name or "").strip()[:200] or email


def person_for(db: Session, settings: Settings, claims: dict[str, Any],
               ip: str | None) -> User:
    """The Attune account of whoever the verified ``claims`` describe.

    Found by the provider's stable (issuer, subject) pair; else the account
    with the same verified e-mail address is linked to it (the person had
    been invited or added before single sign-on was set up); else a new
    account is made with the role and team the claims map to. Every link and
    every account or team made is audit-logged."""
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    user = db.scalar(select(User).where(User.oidc_issuer == issuer,
                                        User.oidc_subject == subject))
    if user is not None:
        _check_active(user)
        return user
    email = verified_email(claims)
    if email is None:
        raise SignInRefused("sso_email_unverified",
                            f"no verified e-mail address for subject {subject}")
    user = db.scalar(select(User).where(User.email == email))
    if user is not None:
        _check_active(user)
        if user.oidc_subject is not None:
            raise SignInRefused("sso_failed", f"{email} is already linked to another "
                                              f"single sign-on identity ({user.oidc_issuer})")
        user.oidc_issuer, user.oidc_subject = issuer, subject
        db.flush()
        audit.record(db, audit.Actor.of(user), action="link_sso", object_type="user",
                     object_id=user.id, case_id=None, ip=ip,
                     detail=f"{email}: password login only -> also single sign-on "
                            f"({issuer}, subject {subject})")
        return user
    role = mapped_role(settings, claims)
    if role is None:
        raise SignInRefused("sso_no_role", f"{email}: claim {settings.oidc_role_claim!r} "
                                           f"maps to no role and there is no default role")
    team_name = mapped_team(settings, claims)
    if role is Role.supervisor and not team_name:
        raise SignInRefused("team_required", f"{email}: a supervisor needs a team, and claim "
                                             f"{settings.oidc_team_claim!r} names none")
    team = db.scalar(select(Team).where(Team.name == team_name)) if team_name else None
    new_team = team is None and team_name is not None
    if new_team:
        team = Team(name=team_name)
        db.add(team)
        db.flush()
    user = User(email=email, name=_name(claims, email), password_hash=None, role=role,
                team_id=team.id if team else None, oidc_issuer=issuer, oidc_subject=subject)
    db.add(user)
    db.flush()
    actor = audit.Actor.of(user, on_behalf_of="single sign-on")
    if new_team and team is not None:
        audit.record(db, actor, action="add_team", object_type="team", object_id=team.id,
                     case_id=None, ip=ip, detail=f"{team_name}: made at the first single "
                                                 f"sign-on of {email}")
    audit.record(db, actor, action="add_user", object_type="user", object_id=user.id,
                 case_id=None, ip=ip,
                 detail=f"{email} as {role.value}{', team ' + team_name if team_name else ''}"
                        f" (single sign-on, {issuer})")
    return user


def _check_active(user: User) -> None:
    if not user.active:
        raise SignInRefused("account_deactivated", f"{user.email} is deactivated")
