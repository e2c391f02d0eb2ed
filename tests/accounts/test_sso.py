"""Single sign-on against a real OpenID Connect provider on loopback
(oidc-provider-mock, a Flask app built on authlib's server), with Attune
behind a real uvicorn configured for it: every sign-in runs over HTTP from
``/api/auth/oidc/start`` through the provider's authorisation form and the
callback to a session that opens ``/api/me``. ID-token refusals are checked
on tokens the provider issued, changed after the fact."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from support import free_port, serve_in_thread, team_name

#: The provider's own use of authlib's older interfaces, not Attune's.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.oidc.core.grants")

ROLE_MAP = {"Attune.Supervisor": "supervisor", "Attune.Professional": "professional"}


class Provider:
    """The mock provider on a free loopback port, with Attune registered as a client."""

    def __init__(self) -> None:
        import werkzeug.serving

        with warnings.catch_warnings():  # the provider's own imports of authlib's old API
            warnings.simplefilter("ignore", DeprecationWarning)
            from oidc_provider_mock import app

        self.server = werkzeug.serving.make_server(
            "127.0.0.1", 0, app(require_client_registration=True, require_nonce=True),
            threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.1,),
                                       daemon=True)
        self.thread.start()
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"

    def register(self, redirect_uri: str) -> tuple[str, str]:
        resp = httpx.post(f"{self.issuer}/oauth2/clients",
                          json={"redirect_uris": [redirect_uri],
                                "token_endpoint_auth_method": "client_secret_basic"})
        assert resp.status_code == 201, resp.text
        return resp.json()["client_id"], resp.json()["client_secret"]

    def person(self, sub: str, **claims: object) -> None:
        """What the provider says about ``sub`` from now on."""
        resp = httpx.put(f"{self.issuer}/users/{sub}", json=claims)
        assert resp.status_code == 204, resp.text

    def authorise(self, authorize_url: str, sub: str) -> str:
        """The person ``sub`` signs in at the provider: the redirect back."""
        resp = httpx.post(authorize_url, data={"sub": sub})
        assert resp.status_code == 302, resp.text
        return str(resp.headers["location"])

    def id_token(self, client_id: str, secret: str, redirect_uri: str, sub: str,
                 nonce: str) -> str:
        """An ID token straight from the provider (no Attune in between)."""
        from authlib.oauth2.rfc6749.parameters import prepare_grant_uri

        url = prepare_grant_uri(f"{self.issuer}/oauth2/authorize", client_id, "code",
                                redirect_uri=redirect_uri, scope="openid email profile",
                                state="s", nonce=nonce)
        back = self.authorise(str(url), sub)
        code = parse_qs(urlsplit(back).query)["code"][0]
        resp = httpx.post(f"{self.issuer}/oauth2/token", auth=(client_id, secret),
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": redirect_uri})
        assert resp.status_code == 200, resp.text
        return str(resp.json()["id_token"])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Site:
    """Attune configured for the provider, and what the tests need of it."""

    def __init__(self, provider: Provider, url: str, runtime: Any, client: tuple[str, str],
                 other_client: tuple[str, str], team: str) -> None:
        self.provider, self.url, self.runtime = provider, url, runtime
        self.client_id, self.client_secret = client
        self.other_id, self.other_secret = other_client
        self.team = team

    @property
    def callback(self) -> str:
        return f"{self.url}/api/auth/oidc/callback"

    def start(self, browser: httpx.Client, next_path: str | None = None) -> str:
        params = {"next": next_path} if next_path is not None else {}
        resp = browser.get(f"{self.url}/api/auth/oidc/start", params=params)
        assert resp.status_code == 302, resp.text
        location = str(resp.headers["location"])
        assert location.startswith(f"{self.provider.issuer}/oauth2/authorize?")
        return location

    def sign_in(self, sub: str, next_path: str | None = None,
                browser: httpx.Client | None = None) -> tuple[httpx.Client, str]:
        """The whole sign-in as a browser does it; the browser and where
        Attune sent it in the end."""
        browser = browser or httpx.Client()
        back = self.provider.authorise(self.start(browser, next_path), sub)
        assert back.startswith(self.callback + "?"), back
        resp = browser.get(back)
        assert resp.status_code == 302, resp.text
        return browser, str(resp.headers["location"])


@pytest.fixture(scope="module")
def site(runtime: Any) -> Iterator[Site]:
    from attune.app import create_app
    from core.config import Settings
    from core.runtime import Runtime, set_runtime

    provider = Provider()
    port = free_port()
    callback = f"http://127.0.0.1:{port}/api/auth/oidc/callback"
    client = provider.register(callback)
    other = provider.register("http://127.0.0.1:9/elsewhere")
    team = team_name()
    settings = Settings(
        oidc_issuer=provider.issuer, oidc_client_id=client[0],
        oidc_client_secret=SecretStr(client[1]), oidc_name="Mock ID", oidc_role_claim="roles",
        oidc_role_map=ROLE_MAP, oidc_default_role=None, oidc_team_claim="groups",
        oidc_team_map={"grp-noord": team})
    sso_runtime = Runtime(settings)
    app = create_app(sso_runtime)
    set_runtime(runtime)  # create_app made ours the process's; the session's stays
    server, thread, url = serve_in_thread(app, port=port)
    try:
        yield Site(provider, url, sso_runtime, client, other, team)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        provider.stop()


def _user(runtime: Any, email: str) -> Any:
    from sqlalchemy import select

    from core.db.models import Team, User

    with runtime.db() as db:
        user = db.scalar(select(User).where(User.email == email))
        if user is None:
            return None
        team = db.get(Team, user.team_id) if user.team_id else None
        db.expunge(user)
        user.team_name = team.name if team else None
        return user


def _email() -> str:
    return f"sso-{secrets.token_hex(4)}@zorg.example"


def test_the_login_page_learns_whether_and_how_to_offer_it(site: Site) -> None:
    resp = httpx.get(f"{site.url}/api/auth/oidc")
    assert resp.json() == {"enabled": True, "name": "Mock ID"}


def test_first_sign_in_makes_the_person_with_mapped_role_and_team(site: Site) -> None:
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    from core import signing
    from services.accounts import sso

    email, sub = _email(), f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email, email_verified=True, name="Sanne de Vries",
                         roles=["Attune.Supervisor", "Unrelated"], groups=["grp-noord", "x"])
    browser = httpx.Client()
    authorize = site.start(browser, "/cases?tab=open")
    # PKCE S256 with the verifier kept in the signed, HttpOnly, SameSite=Lax cookie
    query = parse_qs(urlsplit(authorize).query)
    cookie = browser.cookies[sso.FLOW_COOKIE]
    kept = signing.verify(site.runtime.secret_key, cookie, p="oidc")
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [create_s256_code_challenge(kept["verifier"])]
    assert query["state"] == [kept["state"]] and query["nonce"] == [kept["nonce"]]
    assert query["redirect_uri"] == [site.callback]
    back = site.provider.authorise(authorize, sub)
    resp = browser.get(back)
    assert resp.status_code == 302, resp.text
    assert resp.headers["location"] == "/cases?tab=open"
    assert sso.FLOW_COOKIE not in browser.cookies  # used once, then gone

    me = browser.get(f"{site.url}/api/me")
    assert me.status_code == 200, me.text
    assert (me.json()["email"], me.json()["role"], me.json()["team"]) == (
        email, "supervisor", site.team)
    user = _user(site.runtime, email)
    assert (user.name, user.oidc_issuer, user.oidc_subject) == (
        "Sanne de Vries", site.provider.issuer, sub)
    assert user.password_hash is None


def test_the_providers_own_second_factor_counts_for_a_team_that_asks_for_one(
        site: Site) -> None:
    """A team requiring two-factor sign-in does not lock out someone who signs in
    only through the organisation's provider: that provider's rules apply."""
    from sqlalchemy import select

    from core.db.models import Team

    email, sub = _email(), f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email, email_verified=True,
                         roles=["Attune.Professional"], groups=["grp-noord"])
    browser, _ = site.sign_in(sub)

    def require(on: bool) -> None:
        with site.runtime.db() as db:
            team = db.scalar(select(Team).where(Team.name == site.team))
            team.require_totp = on
            db.commit()

    require(True)
    try:
        me = browser.get(f"{site.url}/api/me").json()
        assert (me["team"], me["must_enrol_totp"]) == (site.team, False)
        assert browser.get(f"{site.url}/api/cases").status_code == 200
    finally:
        require(False)


def test_the_flow_cookie_is_httponly_lax_and_short_lived(site: Site) -> None:
    from services.accounts import sso

    resp = httpx.get(f"{site.url}/api/auth/oidc/start")
    header = resp.headers["set-cookie"].lower()
    assert header.startswith(f"{sso.FLOW_COOKIE}=")
    assert "httponly" in header and "samesite=lax" in header
    assert "path=/api/auth/oidc" in header and f"max-age={sso.FLOW_TTL_S}" in header


def test_a_second_sign_in_finds_the_same_person(site: Site) -> None:
    email, sub = _email(), f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email, email_verified=True,
                         roles=["Attune.Professional"])
    site.sign_in(sub)
    first = _user(site.runtime, email)
    # the directory now says otherwise, even about the e-mail: the subject decides
    site.provider.person(sub, email=_email(), email_verified=True, roles=["Attune.Supervisor"],
                         groups=["grp-noord"])
    browser, location = site.sign_in(sub)
    assert location == "/"
    me = browser.get(f"{site.url}/api/me").json()
    assert (me["id"], me["email"], me["role"], me["team"]) == (
        first.id, email, "professional", None)


def test_an_existing_account_is_linked_by_verified_email(site: Site) -> None:
    from core import audit
    from core.auth import add_user
    from core.db.models import Role

    email = _email()
    with site.runtime.db() as db:
        made = add_user(db, email, "correct horse battery", Role.professional, team_name())
        made_id = made.id
        audit.record(db, audit.Actor(None, None, "server"), action="add_user",
                     object_type="user", object_id=made_id, case_id=None)
    sub = f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email.upper(), email_verified=True,
                         roles=["Attune.Supervisor"])
    browser, location = site.sign_in(sub)
    assert location == "/"
    me = browser.get(f"{site.url}/api/me").json()
    assert (me["id"], me["role"]) == (made_id, "professional")  # Attune's role stays
    user = _user(site.runtime, email)
    assert (user.oidc_issuer, user.oidc_subject) == (site.provider.issuer, sub)
    assert user.password_hash  # password login keeps working alongside
    assert _events(site.runtime, "link_sso", made_id)


def _events(runtime: Any, action: str, object_id: str | None = None,
            outcome: str | None = None) -> list[Any]:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    query = select(AuditEvent).where(AuditEvent.action == action)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    with runtime.db() as db:
        return list(db.scalars(query.order_by(AuditEvent.id)))


def _refusal(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/login", location
    return parse_qs(parts.query)["error"][0]


def test_an_unverified_email_neither_links_nor_makes_an_account(site: Site) -> None:
    from core.auth import add_user
    from core.db.models import Role

    email = _email()
    with site.runtime.db() as db:
        add_user(db, email, "correct horse battery", Role.admin, None)
    sub = f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email, email_verified=False, roles=["Attune.Professional"])
    browser, location = site.sign_in(sub)
    assert _refusal(location) == "sso_email_unverified"
    assert browser.get(f"{site.url}/api/me").status_code == 401
    assert _user(site.runtime, email).oidc_subject is None


def test_a_deactivated_person_is_refused(site: Site) -> None:
    from core.db.models import User

    email, sub = _email(), f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email, email_verified=True, roles=["Attune.Professional"])
    site.sign_in(sub)
    with site.runtime.db() as db:
        db.get(User, _user(site.runtime, email).id).active = False
    browser, location = site.sign_in(sub)
    assert _refusal(location) == "account_deactivated"
    assert browser.get(f"{site.url}/api/me").status_code == 401
    refused = _events(site.runtime, "login", outcome="denied")
    assert any(f"{email} is deactivated" in (e.detail or "") for e in refused)


def test_no_mapped_role_and_no_default_is_refused(site: Site) -> None:
    email, sub = _email(), f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email, email_verified=True, roles=["Somebody.Else"])
    _, location = site.sign_in(sub)
    assert _refusal(location) == "sso_no_role"
    assert _user(site.runtime, email) is None


def test_a_supervisor_without_a_team_is_refused(site: Site) -> None:
    email, sub = _email(), f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=email, email_verified=True, roles=["Attune.Supervisor"],
                         groups=["g1", "g2"])
    _, location = site.sign_in(sub)
    assert _refusal(location) == "team_required"
    assert _user(site.runtime, email) is None


def test_a_callback_this_browser_did_not_start_is_refused(site: Site) -> None:
    sub = f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=_email(), email_verified=True,
                         roles=["Attune.Professional"])
    browser = httpx.Client()
    back = site.provider.authorise(site.start(browser), sub)
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    tampered = f"{site.callback}?code={query['code'][0]}&state=forged-{secrets.token_hex(4)}"
    resp = browser.get(tampered)
    assert _refusal(resp.headers["location"]) == "sso_state_mismatch"
    # the right state in another browser (no flow cookie) is refused as well
    stranger = httpx.Client()
    resp = stranger.get(back)
    assert _refusal(resp.headers["location"]) == "sso_state_mismatch"
    assert browser.get(f"{site.url}/api/me").status_code == 401
    assert stranger.get(f"{site.url}/api/me").status_code == 401
    refused = _events(site.runtime, "login", outcome="denied")
    assert any("state does not match" in (e.detail or "") for e in refused)
    assert any("cookie missing" in (e.detail or "") for e in refused)


def test_the_person_cancelling_at_the_provider_is_refused(site: Site) -> None:
    browser = httpx.Client()
    authorize = site.start(browser)
    denied = httpx.post(authorize, data={"action": "deny"})
    assert denied.status_code == 302
    resp = browser.get(denied.headers["location"])
    assert _refusal(resp.headers["location"]) == "sso_failed"


@pytest.mark.parametrize("elsewhere", ["https://evil.example/x", "//evil.example/x",
                                       "/\\evil.example", "http:/evil.example", "javascript:x",
                                       "", "cases"])
def test_next_never_leads_to_another_site(site: Site, elsewhere: str) -> None:
    sub = f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=_email(), email_verified=True,
                         roles=["Attune.Professional"])
    browser, location = site.sign_in(sub, elsewhere)
    assert location == "/"
    assert browser.get(f"{site.url}/api/me").status_code == 200


# -- the ID token's checks, on tokens the provider issued ------------------------------

@pytest.fixture(scope="module")
def issued(site: Site) -> dict[str, str]:
    """One ID token for Attune and one for another client, both for nonce "n-1"."""
    sub = f"sub-{secrets.token_hex(4)}"
    site.provider.person(sub, email=_email(), email_verified=True)
    return {
        "ours": site.provider.id_token(site.client_id, site.client_secret, site.callback,
                                       sub, "n-1"),
        "other": site.provider.id_token(site.other_id, site.other_secret,
                                        "http://127.0.0.1:9/elsewhere", sub, "n-1"),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    head, body, sig = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(head))),
            json.loads(base64.urlsafe_b64decode(pad(body))), sig)


def _refused_token(site: Site, token: str, nonce: str = "n-1") -> str:
    from services.accounts import sso

    with pytest.raises(sso.SignInRefused) as refused:
        sso.verified_claims(site.runtime.settings, token, nonce)
    assert refused.value.code == "sso_failed"
    return refused.value.reason


def test_a_genuine_token_passes(site: Site, issued: dict[str, str]) -> None:
    from services.accounts import sso

    claims = sso.verified_claims(site.runtime.settings, issued["ours"], "n-1")
    assert claims["aud"] in (site.client_id, [site.client_id])
    assert claims["iss"] == site.provider.issuer


def test_a_token_with_a_changed_signature_byte_is_refused(site: Site,
                                                          issued: dict[str, str]) -> None:
    head, body, sig = issued["ours"].split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    assert "BadSignature" in _refused_token(site, f"{head}.{body}.{_b64(bytes(raw))}")


def test_a_token_with_changed_claims_is_refused(site: Site, issued: dict[str, str]) -> None:
    head, _, sig = issued["ours"].split(".")
    _, claims, _ = _parts(issued["ours"])
    claims["email"] = "ceo@zorg.example"
    body = _b64(json.dumps(claims).encode())
    assert "BadSignature" in _refused_token(site, f"{head}.{body}.{sig}")


def test_a_token_for_another_client_is_refused(site: Site, issued: dict[str, str]) -> None:
    assert "aud" in _refused_token(site, issued["other"])


def test_a_token_for_another_sign_in_is_refused(site: Site, issued: dict[str, str]) -> None:
    assert "nonce" in _refused_token(site, issued["ours"], nonce="n-2")


def test_a_token_signed_with_a_foreign_key_is_refused(site: Site,
                                                      issued: dict[str, str]) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    header, claims, _ = _parts(issued["ours"])
    foreign = RSAKey.generate_key(2048, private=True)
    # the provider's key id (or none, as the provider's tokens have none)
    same_kid = {"alg": "RS256", **({"kid": header["kid"]} if "kid" in header else {})}
    assert "BadSignature" in _refused_token(site, jwt.encode(same_kid, claims, foreign))
    # a key id the provider does not publish (at most one fresh look at its keys)
    unknown = {"alg": "RS256", "kid": f"k-{secrets.token_hex(4)}"}
    assert "does not publish" in _refused_token(site, jwt.encode(unknown, claims, foreign))


def test_unsigned_and_shared_secret_tokens_are_refused(site: Site,
                                                       issued: dict[str, str]) -> None:
    header, claims, _ = _parts(issued["ours"])
    body = _b64(json.dumps(claims).encode())
    unsigned = f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{body}."
    assert "none" in _refused_token(site, unsigned).lower() or \
        "Algorithm" in _refused_token(site, unsigned)
    # HS256 keyed with the provider's public key, which anyone can fetch
    jwks = httpx.get(f"{site.provider.issuer}/jwks").content
    head = _b64(json.dumps({"alg": "HS256", "kid": header.get("kid")}).encode())
    mac = hmac.new(jwks, f"{head}.{body}".encode(), hashlib.sha256).digest()
    _refused_token(site, f"{head}.{body}.{_b64(mac)}")


def test_an_expired_token_is_refused() -> None:
    from joserfc import jwt
    from joserfc.jwk import KeySet, RSAKey

    from services.accounts import sso

    key = RSAKey.generate_key(2048, {"kid": "k1"}, private=True)
    keys = KeySet([key])
    now = int(time.time())
    claims = {"iss": "https://idp.example", "aud": "attune", "sub": "s", "nonce": "n",
              "iat": now - 3600, "exp": now - sso.LEEWAY_S - 5}
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
    with pytest.raises(sso.SignInRefused, match="Expired"):
        sso.verify_id_token(token, keys=keys, issuer="https://idp.example", client_id="attune",
                            nonce="n")
    claims["exp"] = now + 300
    fresh = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
    assert sso.verify_id_token(fresh, keys=keys, issuer="https://idp.example",
                               client_id="attune", nonce="n")["sub"] == "s"
    # several audiences: only when this client is the authorised party
    claims["aud"] = ["attune", "someone-else"]
    several = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
    with pytest.raises(sso.SignInRefused, match="azp"):
        sso.verify_id_token(several, keys=keys, issuer="https://idp.example",
                            client_id="attune", nonce="n")


def test_an_unreachable_provider_is_a_clear_refusal_not_an_error(runtime: Any) -> None:
    from fastapi.testclient import TestClient

    from attune.app import create_app
    from core.config import Settings
    from core.runtime import Runtime, set_runtime

    down = f"http://127.0.0.1:{free_port()}"
    app = create_app(Runtime(Settings(oidc_issuer=down, oidc_client_id="attune",
                                      oidc_client_secret=SecretStr("s"))))
    set_runtime(runtime)
    with TestClient(app) as client:
        resp = client.get("/api/auth/oidc/start", follow_redirects=False)
    assert resp.status_code == 302
    assert _refusal(resp.headers["location"]) == "sso_unavailable"
    assert _events(runtime, "login", outcome="unavailable")


def test_without_configuration_it_is_off(runtime: Any) -> None:
    from fastapi.testclient import TestClient

    from attune.app import create_app
    from core.config import Settings
    from core.runtime import Runtime, set_runtime

    app = create_app(Runtime(Settings(oidc_issuer=None, oidc_client_id=None)))
    set_runtime(runtime)
    with TestClient(app) as client:
        assert client.get("/api/auth/oidc").json()["enabled"] is False
        resp = client.get("/api/auth/oidc/start", follow_redirects=False)
    assert _refusal(resp.headers["location"]) == "sso_disabled"


def test_role_and_team_mapping() -> None:
    from core.config import Settings
    from core.db.models import Role
    from services.accounts import sso

    settings = Settings(oidc_role_map={"A": "admin", "P": "professional", "X": "nonsense"},
                        oidc_default_role="professional", oidc_team_claim="team",
                        oidc_team_map={"g1": "Noord"})
    assert sso.mapped_role(settings, {"roles": ["P", "A"]}) is Role.admin
    assert sso.mapped_role(settings, {"roles": "X"}) is Role.professional  # the default
    assert sso.mapped_role(Settings(), {"roles": ["P"]}) is None
    assert sso.mapped_team(settings, {"team": ["g0", "g1"]}) == "Noord"
    assert sso.mapped_team(settings, {"team": "Zuid"}) == "Zuid"
    assert sso.mapped_team(settings, {"team": ["g0", "g2"]}) is None
    assert sso.verified_email({"email": "A@B.nl", "xms_edov": True}) == "a@b.nl"
    assert sso.verified_email({"email": "a@b.nl"}) is None
    assert sso.verified_email({"email": "a@b.nl", "email_verified": False,
                               "xms_edov": True}) is None
    assert sso.verified_email({"email": "a@b.nl", "xms_edov": "true"}) is None


def test_public_url_names_the_callback() -> None:
    from starlette.requests import Request

    from core.config import Settings
    from services.accounts import oidc

    request = Request({"type": "http", "method": "GET", "scheme": "http", "path": "/",
                       "server": ("10.0.0.5", 8000), "headers": [], "query_string": b"",
                       "root_path": ""})
    assert oidc.redirect_uri(Settings(public_url="https://attune.zorg.example/"), request) == \
        "https://attune.zorg.example/api/auth/oidc/callback"
    assert oidc.redirect_uri(Settings(public_url=None), request) == \
        "http://10.0.0.5:8000/api/auth/oidc/callback"
