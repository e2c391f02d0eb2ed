"""People and sign-in as an attacker or a careless insider tries them, against a
real server: guessing in parallel, replaying codes and links, racing the
last-admin rule, reaching past a required second factor, forging cookie
requests, sessions that outlive what should end them, telling accounts apart,
and bodies no form would send. Each test is one kind of attack; the counts of
what was tried and what held are printed."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pyotp
import pytest
from conftest import PG_ADMIN_URL, RUN_ID, _pg_url
from support import Users, enrol_totp, serve_in_thread, team_name
from typer.testing import CliRunner

PASSWORD = "correct horse battery"
NEW_PASSWORD = "een heel andere lange zin"


@pytest.fixture(autouse=True)
def fresh_throttle(runtime: Any) -> Iterator[None]:
    """Every test guesses from 127.0.0.1: none starts with another's failures."""
    from services.accounts import throttle

    throttle.for_runtime(runtime).reset()
    yield
    throttle.for_runtime(runtime).reset()


def _all_at_once(count: int, send: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """``count`` requests released together from as many threads."""
    start = threading.Barrier(count)

    def one(i: int) -> httpx.Response:
        start.wait()
        return send(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _http(url: str, n: int = 50) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=120, limits=httpx.Limits(max_connections=n))


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_ahead)


def _fresh_code(secret: str) -> str:
    """A code not used yet after :func:`_enrol` took the one of now: the next
    step's, which the server accepts for a phone whose clock is a little ahead
    (and which stays valid when the step rolls over meanwhile)."""
    return _code(secret, 1)



def _events(runtime: Any, **where: Any) -> list[Any]:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    with runtime.db() as db:
        rows = db.scalars(query).all()
        db.expunge_all()
        return list(rows)


def _token(url: str) -> str:
    return url.rsplit("/welcome/", 1)[1]


def _bearer(http: Any, email: str, password: str = PASSWORD) -> dict[str, str]:
    resp = http.post("/api/auth/token", data={"username": email, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


# -- an installation of its own ----------------------------------------------------------

@pytest.fixture()
def installation(runtime: Any) -> Iterator[Any]:
    """An empty installation (its own database and throttle namespace) behind a
    real server: for the first-run code and the last-admin rule, which need
    to know everyone there is."""
    from attune.app import create_app
    from core.config import Settings
    from core.db.migrate import upgrade
    from core.runtime import Runtime, set_runtime
    from services.accounts import throttle

    name = f"attune_attacks_{RUN_ID}_{secrets.token_hex(2)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    own = Runtime(Settings(database_url=_pg_url(name),
                           queue_namespace=f"attune-attacks-{RUN_ID}-{name[-4:]}"))
    upgrade(own.database_url)
    server, thread, url = serve_in_thread(create_app(own))
    try:
        yield {"runtime": own, "url": url, "database_url": own.database_url}
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        throttle.for_runtime(own).reset()
        set_runtime(runtime)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- guessing in parallel ----------------------------------------------------------------

def test_set_up_codes_guessed_in_parallel_are_compared_only_as_far_as_the_window_allows(
        installation: Any) -> None:
    from services.accounts import throttle
    from services.accounts.setup import setup_code

    own = installation["runtime"]
    tried = 45
    with _http(installation["url"], tried) as http:
        answers = _all_at_once(tried, lambda i: http.post("/api/setup", json={
            "code": f"AAAA-BBBB-CCCC-{i:04d}", "email": f"x{i}@example.org",
            "password": PASSWORD}))
        right = http.post("/api/setup", json={"code": setup_code(own.secret_key),
                                              "email": "beheer@example.org",
                                              "password": PASSWORD})
        statuses = Counter(a.status_code for a in answers)
        compared = [e for e in _events(own, action="first_run_setup") if e.outcome == "denied"]
        print(f"\nset-up codes: tried {tried}, compared {len(compared)}, "
              f"held {tried - len(compared)}; {dict(statuses)}")
        assert set(statuses) <= {403, 429}, statuses
        assert len(compared) == statuses[403] <= 30
        assert right.status_code == 429, "a full window refuses the right code too"
        assert http.get("/api/setup").json() == {"needed": True}
        throttle.for_runtime(own).reset()
        assert http.post("/api/setup", json={"code": setup_code(own.secret_key),
                                             "email": "beheer@example.org",
                                             "password": PASSWORD}).status_code == 200


def test_second_factor_codes_guessed_in_parallel_are_checked_at_most_five_times(
        live_url: str, users: Users, runtime: Any) -> None:
    pro = users.add("professional", team_name())
    with _http(live_url) as http:
        secret, _ = enrol_totp(http, pro["headers"])
        near = {_code(secret, n) for n in range(-3, 4)}
        wrong = [c for c in (f"{n:06d}" for n in range(100, 1_000_000, 7919))
                 if c not in near][:40]
        answers = _all_at_once(len(wrong), lambda i: http.post("/api/auth/session", json={
            "email": pro["email"], "password": pro["password"], "code": wrong[i]}))
        right = http.post("/api/auth/session", json={"email": pro["email"],
                                                     "password": pro["password"],
                                                     "code": _fresh_code(secret)})
    statuses = Counter(a.status_code for a in answers)
    checked = [e for e in _events(runtime, user_id=pro["id"], action="login")
               if e.outcome == "denied"]
    print(f"\nsecond-factor codes: tried {len(wrong)}, checked {len(checked)}, "
          f"held {len(wrong) - len(checked)}; {dict(statuses)}")
    assert statuses[401] == len(checked) <= 5 and statuses[429] == len(wrong) - len(checked)
    assert right.status_code == 429


def test_one_authenticator_code_sent_in_parallel_logs_in_once(
        live_url: str, users: Users) -> None:
    pro = users.add("professional", team_name())
    with _http(live_url) as http:
        secret, _ = enrol_totp(http, pro["headers"])
        code = _fresh_code(secret)
        answers = _all_at_once(12, lambda i: http.post("/api/auth/token", data={
            "username": pro["email"], "password": pro["password"], "code": code}))
    statuses = Counter(a.status_code for a in answers)
    print(f"\none code 12 times at once: {dict(statuses)}")
    # the others are refused: the code is used, or their places in the
    # throttle's window were taken by the attempts in flight
    assert statuses[200] == 1 and statuses[401] + statuses[429] == 11, statuses
    assert {a.json()["code"] for a in answers if a.status_code == 401} <= {
        "second_factor_wrong"}


def test_one_recovery_code_sent_in_parallel_logs_in_once(live_url: str, users: Users,
                                                         runtime: Any) -> None:
    from services.accounts import throttle

    pro = users.add("professional", team_name())
    with _http(live_url) as http:
        _, recovery = enrol_totp(http, pro["headers"])
        answers = _all_at_once(12, lambda i: http.post("/api/auth/session", json={
            "email": pro["email"], "password": pro["password"],
            "code": recovery[0].upper() if i % 2 else recovery[0]}))
        throttle.for_runtime(runtime).reset()
        again = http.post("/api/auth/session", json={"email": pro["email"],
                                                     "password": pro["password"],
                                                     "code": recovery[0]})
    statuses = Counter(a.status_code for a in answers)
    print(f"\none recovery code 12 times at once: {dict(statuses)}")
    assert statuses[200] == 1 and statuses[401] + statuses[429] == 11, statuses
    assert again.status_code == 401 and again.json()["code"] == "second_factor_wrong"


def test_guessed_link_tokens_find_nothing_and_tell_nothing(live_url: str) -> None:
    tried = 40
    with _http(live_url, tried) as http:
        answers = _all_at_once(tried, lambda i: http.get(
            f"/api/account-links/{secrets.token_urlsafe(32)}"))
        posts = _all_at_once(tried, lambda i: http.post(
            f"/api/account-links/{secrets.token_urlsafe(32)}", json={"password": NEW_PASSWORD}))
    codes = Counter((a.status_code, a.json()["code"]) for a in answers + posts)
    print(f"\nguessed link tokens: tried {2 * tried}, held {codes[(404, 'link_unknown')]}")
    assert codes == Counter({(404, "link_unknown"): 2 * tried})


# -- one-time links ----------------------------------------------------------------------

def _invited(http: Any, admin: Mapping[str, Any], role: str = "professional",
             team_id: str | None = None) -> dict[str, Any]:
    made = http.post("/api/admin/users", headers=admin["headers"], json={
        "email": f"doel-{secrets.token_hex(4)}@example.org", "name": "Doel", "role": role,
        "team_id": team_id})
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_a_link_redeemed_in_parallel_sets_one_password_once(
        live_url: str, users: Users) -> None:
    admin = users.add("admin")
    with _http(live_url) as http:
        invited = _invited(http, admin)
        token, email = _token(invited["link"]["url"]), invited["user"]["email"]
        passwords = [f"{NEW_PASSWORD} nummer {i}" for i in range(12)]
        answers = _all_at_once(12, lambda i: http.post(f"/api/account-links/{token}",
                                                       json={"password": passwords[i]}))
        statuses = Counter(a.status_code for a in answers)
        print(f"\none link 12 times at once: {dict(statuses)}")
        assert statuses[204] == 1 and statuses[410] == 11, statuses
        winner = passwords[next(i for i, a in enumerate(answers) if a.status_code == 204)]
        assert http.post("/api/auth/token", data={"username": email,
                                                  "password": winner}).status_code == 200


def test_a_reset_link_stops_once_the_person_changes_their_password_themselves(
        live_url: str, users: Users) -> None:
    admin = users.add("admin")
    pro = users.add("professional", team_name())
    with _http(live_url) as http:
        link = http.post(f"/api/admin/users/{pro['id']}/link", headers=admin["headers"])
        assert link.status_code == 200 and link.json()["purpose"] == "reset"
        changed = http.post("/api/account/password", headers=pro["headers"], json={
            "current_password": pro["password"], "new_password": NEW_PASSWORD})
        assert changed.status_code == 204, changed.text
        token = _token(link.json()["url"])
        assert http.get(f"/api/account-links/{token}").status_code == 410
        taken = http.post(f"/api/account-links/{token}", json={"password": "de dief zijn zin"})
        assert taken.status_code == 410, "a reset link outlived the password it was for"
        assert http.post("/api/auth/token", data={"username": pro["email"],
                                                  "password": NEW_PASSWORD}).status_code == 200


def test_links_of_a_deactivated_person_stay_dead_after_reactivation(
        live_url: str, users: Users) -> None:
    admin = users.add("admin")
    with _http(live_url) as http:
        invited = _invited(http, admin)
        user_id, token = invited["user"]["id"], _token(invited["link"]["url"])
        assert http.patch(f"/api/admin/users/{user_id}", headers=admin["headers"],
                          json={"active": False}).status_code == 200
        unknown = http.get(f"/api/account-links/{secrets.token_urlsafe(32)}").json()
        assert http.get(f"/api/account-links/{token}").json() == unknown
        assert http.post(f"/api/account-links/{token}",
                         json={"password": NEW_PASSWORD}).status_code == 404
        assert http.patch(f"/api/admin/users/{user_id}", headers=admin["headers"],
                          json={"active": True}).status_code == 200
        assert http.post(f"/api/account-links/{token}",
                         json={"password": NEW_PASSWORD}).status_code == 404
        redone = http.post(f"/api/account-links/{token}", json={"password": NEW_PASSWORD})
        assert redone.status_code == 404


# -- sessions that must end ----------------------------------------------------------------

def test_resetting_a_second_factor_ends_every_session_of_that_person(
        live_url: str, users: Users, runtime: Any) -> None:
    admin = users.add("admin")
    pro = users.add("professional", team_name())
    with _http(live_url) as http:
        enrol_totp(http, pro["headers"])
        assert http.get("/api/me", headers=pro["headers"]).status_code == 200
        reset = http.delete(f"/api/admin/users/{pro['id']}/second-factor",
                            headers=admin["headers"])
        assert reset.status_code == 204
        after = http.get("/api/me", headers=pro["headers"])
        assert after.status_code == 401, "a session made with the lost factor lives on"
        assert http.get("/api/me", headers=admin["headers"]).status_code == 200
    detail = [e.detail for e in _events(runtime, object_id=pro["id"],
                                        action="reset_second_factor")]
    assert detail and "session" in (detail[-1] or ""), detail


def test_an_old_session_ends_with_a_reset_password_and_with_deactivation(
        live_url: str, users: Users) -> None:
    admin = users.add("admin")
    pro = users.add("professional", team_name())
    tried = held = 0
    with _http(live_url) as http:
        old = _bearer(http, pro["email"])
        link = http.post(f"/api/admin/users/{pro['id']}/link", headers=admin["headers"])
        assert http.post(f"/api/account-links/{_token(link.json()['url'])}",
                         json={"password": NEW_PASSWORD}).status_code == 204
        for headers in (old, pro["headers"]):
            tried += 1
            held += http.get("/api/me", headers=headers).status_code == 401
        fresh = _bearer(http, pro["email"], NEW_PASSWORD)
        assert http.patch(f"/api/admin/users/{pro['id']}", headers=admin["headers"],
                          json={"active": False}).status_code == 200
        tried += 2
        held += http.get("/api/me", headers=fresh).status_code == 401
        held += http.post("/api/auth/token", data={"username": pro["email"],
                                                   "password": NEW_PASSWORD}).status_code == 401
    print(f"\nold sessions: tried {tried}, held {held}")
    assert held == tried


def test_a_session_id_chosen_by_an_attacker_is_never_adopted(
        live_url: str, users: Users) -> None:
    pro = users.add("professional", team_name())
    planted = secrets.token_urlsafe(32)
    with _http(live_url) as http:
        http.cookies.set("attune_session", planted)
        logged = http.post("/api/auth/session", json={"email": pro["email"],
                                                      "password": pro["password"]})
        assert logged.status_code == 200
        given = logged.headers["set-cookie"].split("attune_session=", 1)[1].split(";")[0]
        assert given and given != planted
    with _http(live_url) as attacker:
        attacker.cookies.set("attune_session", planted)
        assert attacker.get("/api/me").status_code == 401


# -- a second factor the organisation requires ---------------------------------------------

def _require_for_team(runtime: Any, user_id: str) -> None:
    from core.db.models import User

    with runtime.db() as db:
        db.get(User, user_id).team.require_totp = True


def _routes(app: Any) -> list[tuple[str, set[str]]]:
    """Every API route the server describes: its path template and methods."""
    return [(path, {m.upper() for m in ops if m != "parameters"})
            for path, ops in app.openapi()["paths"].items()]


#: Open to anyone (or by their own credential), so not behind the second factor.
_PUBLIC = ("/api/health", "/api/setup", "/api/account-links/", "/api/shared/",
           "/api/auth/oidc", "/api/auth/token", "/api/auth/session", "/api/ready",
           "/api/metrics", "/api/version")


def test_someone_who_must_set_up_a_second_factor_reaches_nothing_else(
        live_url: str, app: Any, users: Users) -> None:
    from core.web import _open_before_enrolment

    tried = held = 0
    leaks: list[str] = []
    for role in ("professional", "admin", "privacy_officer", "supervisor"):
        person = users.add(role, team_name())
        _require_for_team(users.runtime, person["id"])
        with _http(live_url) as http:
            bearer = _bearer(http, person["email"])  # the CLI's token route still answers
            cookie = http.post("/api/auth/session", json={"email": person["email"],
                                                          "password": person["password"]})
            assert cookie.json()["must_enrol_totp"], cookie.text
            csrf = {"X-CSRF-Token": cookie.json()["csrf_token"]}
            for template, methods in _routes(app):
                if not template.startswith("/api/"):
                    continue
                path = template.replace("{path}", "master.m3u8")
                while "{" in path:
                    start, end = path.index("{"), path.index("}")
                    path = path[:start] + "x" * 12 + path[end + 1:]
                if _open_before_enrolment(path) or path.startswith(_PUBLIC):
                    continue
                for method in sorted(methods - {"HEAD"}):
                    for how in ("bearer", "cookie"):
                        tried += 1
                        if how == "bearer":
                            resp = http.request(method, path, headers=bearer, json={},
                                                cookies={})
                        else:
                            resp = http.request(method, path, headers=csrf, json={})
                        body = resp.json() if resp.headers.get("content-type", "").startswith(
                            "application/json") else {}
                        if resp.status_code == 403 and isinstance(body, dict) and \
                                body.get("code") == "second_factor_setup_required":
                            held += 1
                        else:
                            leaks.append(f"{role} {how} {method} {template}: "
                                         f"{resp.status_code} {str(body)[:80]}")
    print(f"\nbefore enrolment: tried {tried}, held {held}")
    assert not leaks, "\n".join(leaks)


# -- forged cookie requests ----------------------------------------------------------------

def test_every_change_through_a_cookie_needs_the_csrf_token(
        live_url: str, app: Any, users: Users) -> None:
    admin = users.add("admin")
    supervisor = users.add("supervisor", team_name())
    prefixes = ("/api/admin", "/api/account/", "/api/auth/logout", "/api/auth/session",
                "/api/team")
    tried = held = 0
    failed: list[str] = []
    for person in (admin, supervisor):
        with _http(live_url) as http:
            logged = http.post("/api/auth/session", json={"email": person["email"],
                                                          "password": person["password"]})
            assert logged.status_code == 200
            for template, methods in _routes(app):
                if not template.startswith(prefixes):
                    continue
                path = template.replace("{user_id}", person["id"]).replace(
                    "{team_id}", "x" * 12)
                for method in methods - {"GET", "HEAD", "OPTIONS"}:
                    if template == "/api/auth/session" and method == "POST":
                        continue  # logging in: no session yet
                    tried += 1
                    resp = http.request(method, path, json={"password": person["password"]})
                    if resp.status_code == 403 and resp.json()["code"] == "csrf_failed":
                        held += 1
                    else:
                        failed.append(f"{method} {path}: {resp.status_code}")
            assert http.get("/api/me").status_code == 200, "still logged in"
    print(f"\ncookie changes without CSRF token: tried {tried}, held {held}")
    assert not failed, failed


# -- administration -------------------------------------------------------------------------

def _admins(url: str, runtime: Any, count: int) -> list[dict[str, Any]]:
    from core.auth import add_user
    from core.db.models import Role

    made: list[dict[str, Any]] = []
    with runtime.db() as db:
        for i in range(count):
            user = add_user(db, f"beheer{i}-{secrets.token_hex(2)}@example.org", PASSWORD,
                            Role.admin, None)
            made.append({"id": user.id, "email": user.email})
    with httpx.Client(base_url=url) as http:
        for person in made:
            person["headers"] = _bearer(http, person["email"])
    return made


def _active_admins(runtime: Any) -> int:
    from sqlalchemy import func, select

    from core.db.models import Role, User

    with runtime.db() as db:
        return int(db.scalar(select(func.count()).select_from(User).where(
            User.role == Role.admin, User.active)) or 0)


def test_two_admins_removing_each_other_at_once_leave_one(installation: Any) -> None:
    from core.db.models import Role, User

    own, url = installation["runtime"], installation["url"]
    a, b = _admins(url, own, 2)
    tried = held = 0
    with _http(url) as http:
        for change in ({"active": False}, {"role": "professional"}) * 4:
            tried += 1

            def send(i: int, body: Mapping[str, object] = change) -> httpx.Response:
                return http.patch(f"/api/admin/users/{(b, a)[i]['id']}",
                                  headers=(a, b)[i]["headers"], json=body)

            answers = _all_at_once(2, send)
            statuses = sorted(r.status_code for r in answers)
            left = _active_admins(own)
            held += left == 1
            assert left >= 1, f"{change}: no admin left ({statuses})"
            assert statuses == [200, 409], statuses
            with own.db() as db:  # both admins again, logged in afresh
                for person in (a, b):
                    row = db.get(User, person["id"])
                    row.active, row.role = True, Role.admin
            for person in (a, b):
                person["headers"] = _bearer(http, person["email"])
    print(f"\nadmins removing each other at once: tried {tried}, held {held}")


def test_refused_admin_requests_are_in_the_access_log_with_the_real_actor(
        live_url: str, users: Users, runtime: Any) -> None:
    admin = users.add("admin")
    pro = users.add("professional", team_name())
    with _http(live_url) as http:
        refused = http.patch(f"/api/admin/users/{pro['id']}", headers=pro["headers"],
                             json={"role": "admin"})
        assert refused.status_code == 403
        self_demote = http.patch(f"/api/admin/users/{admin['id']}", headers=admin["headers"],
                                 json={"role": "professional"})
        assert self_demote.status_code == 409
        changed = http.patch(f"/api/admin/users/{pro['id']}", headers=admin["headers"],
                             json={"name": "Nieuwe Naam"})
        assert changed.status_code == 200
    by_pro = [(e.action, e.outcome) for e in _events(runtime, user_id=pro["id"])
              if e.outcome != "success"]
    assert ("admin_request", "denied") in by_pro, by_pro
    by_admin = [(e.action, e.outcome, e.object_id) for e in _events(runtime,
                                                                     user_id=admin["id"])]
    assert ("update_user", "denied", admin["id"]) in by_admin, by_admin
    assert ("update_user", "success", pro["id"]) in by_admin, by_admin


def test_admin_routes_stay_shut_whatever_the_method_or_spelling(
        live_url: str, users: Users) -> None:
    target = users.add("professional", team_name())
    tried = held = 0
    shown: list[str] = []
    for role in ("professional", "supervisor", "privacy_officer"):
        caller = users.add(role, team_name())
        with httpx.Client(base_url=live_url, follow_redirects=True) as http:
            for method, path in (("GET", "/api/admin/users/"), ("HEAD", "/api/admin/users"),
                                 ("GET", "/api/admin//users"), ("GET", "/API/admin/users"),
                                 ("GET", "/api/admin/users?status=active"),
                                 ("GET", "/api/admin/./users"),
                                 ("GET", "/api/admin/%75sers"),
                                 ("PATCH", f"/api/admin/users/{target['id']}/"),
                                 ("POST", "/api/admin/teams/"),
                                 ("OPTIONS", "/api/admin/users")):
                tried += 1
                headers = dict(caller["headers"], **{"X-HTTP-Method-Override": "GET"})
                resp = http.request(method, path, headers=headers,
                                    json={"role": "admin", "name": "x"}
                                    if method not in ("GET", "HEAD", "OPTIONS") else None)
                page = resp.headers.get("content-type", "").startswith("text/html")
                if (resp.status_code >= 400 or page) and target["email"] not in resp.text:
                    held += 1  # refused, or the web app's page for an unknown address
                else:
                    shown.append(f"{role} {method} {path}: {resp.status_code}")
            tried += 1
            post = http.request("POST", "/api/admin/users", headers=dict(
                caller["headers"], **{"X-HTTP-Method-Override": "GET"}), json={})
            held += post.status_code == 403
    print(f"\nadmin route tricks: tried {tried}, held {held}")
    assert not shown, shown
    assert held == tried


# -- telling accounts apart ---------------------------------------------------------------

def test_a_login_answer_does_not_tell_whether_the_account_exists(
        live_url: str, users: Users) -> None:
    admin = users.add("admin")
    known = users.add("professional", team_name())
    gone = users.add("professional", team_name())
    with _http(live_url) as http:
        invited = _invited(http, admin)
        assert http.patch(f"/api/admin/users/{gone['id']}", headers=admin["headers"],
                          json={"active": False}).status_code == 200
        emails = {"unknown": f"niemand-{secrets.token_hex(4)}@example.org",
                  "wrong password": known["email"], "deactivated": gone["email"],
                  "invited": invited["user"]["email"]}
        answers: dict[str, tuple[int, str]] = {}
        timings: dict[str, float] = {}
        for kind, email in emails.items():
            took = []
            for _ in range(4):
                started = time.perf_counter()
                resp = http.post("/api/auth/session",
                                 json={"email": email, "password": "niet het wachtwoord"})
                took.append(time.perf_counter() - started)
                answers[kind] = (resp.status_code, resp.text)
            timings[kind] = sorted(took)[1]
            from services.accounts import throttle
            throttle.for_runtime(users.runtime).reset()
        gone_right = http.post("/api/auth/session", json={"email": gone["email"],
                                                          "password": gone["password"]})
    print(f"\nlogin answers by kind: {timings}")
    assert len(set(answers.values())) == 1, answers
    assert (gone_right.status_code, gone_right.text) == answers["unknown"]
    assert max(timings.values()) < 3 * min(timings.values()), timings


# -- bodies no form would send --------------------------------------------------------------

_NASTY: list[Any] = [None, 0, -1, 10**30, 1.5, True, [], {}, "", " ", "\x00", "a\x00b",
                     "x" * 100_000, "💥" * 300, "\u202e\u0000", "' OR 1=1 --", {"$gt": ""},
                     ["a", "b"]]


def test_bad_bodies_are_refused_never_answered_with_a_server_error(
        live_url: str, users: Users) -> None:
    admin = users.add("admin")
    pro = users.add("professional", team_name())
    with _http(live_url) as http:
        team = http.post("/api/admin/teams", headers=admin["headers"],
                         json={"name": team_name()}).json()
        link = _token(_invited(http, admin)["link"]["url"])
        shapes: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
            ("POST", "/api/auth/session", {}, {"email": "a@b.nl", "password": "p", "code": ""}),
            ("POST", "/api/setup", {}, {"code": "c", "email": "a@b.nl", "password": "p"}),
            ("POST", f"/api/account-links/{link}", {}, {"password": "p", "name": "n"}),
            ("POST", "/api/admin/users", admin["headers"],
             {"email": "a@b.nl", "name": "n", "role": "professional", "team_id": None}),
            ("PATCH", f"/api/admin/users/{pro['id']}", admin["headers"],
             {"name": "n", "role": "professional", "team_id": team["id"], "active": True}),
            ("POST", "/api/admin/teams", admin["headers"], {"name": "n"}),
            ("PATCH", f"/api/admin/teams/{team['id']}", admin["headers"],
             {"name": "n", "require_totp": False}),
            ("PATCH", "/api/admin/policy", admin["headers"], {"require_totp": False}),
            ("POST", "/api/account/password", pro["headers"],
             {"current_password": "p", "new_password": "q"}),
            ("POST", "/api/account/totp/confirm", pro["headers"],
             {"enrolment": "e", "code": "1"}),
            ("DELETE", "/api/account/totp", pro["headers"], {"password": "p"}),
            ("POST", "/api/account/recovery-codes", pro["headers"], {"password": "p"}),
        ]
        tried = held = 0
        errors: list[str] = []
        for method, path, headers, valid in shapes:
            for field in valid:
                for value in _NASTY:
                    if field in ("active", "require_totp") and value in (True, False):
                        continue  # a real change, not a bad body
                    if path == "/api/admin/policy" and value in (1, 0):
                        continue
                    body = dict(valid, **{field: value})
                    tried += 1
                    resp = http.request(method, path, headers=headers, json=body)
                    if resp.status_code < 500:
                        held += 1
                    else:
                        errors.append(f"{method} {path} {field}={str(value)[:20]!r}: "
                                      f"{resp.status_code}")
            for raw in (b"", b"null", b"[]", b"\"x\"", b"{", b"\xff\xfe"):
                tried += 1
                resp = http.request(method, path, headers=dict(
                    headers, **{"content-type": "application/json"}), content=raw)
                held += resp.status_code < 500
                if resp.status_code >= 500:
                    errors.append(f"{method} {path} raw {raw!r}: {resp.status_code}")
        for query in ({"q": "\x00"}, {"q": "%_\\"}, {"team_id": "\x00"}, {"status": "x"},
                      {"q": "💥" * 60}):
            tried += 1
            resp = http.get("/api/admin/users", headers=admin["headers"], params=query)
            held += resp.status_code < 500
            if resp.status_code >= 500:
                errors.append(f"GET users {query}: {resp.status_code}")
        for path in ("/api/account-links/%00", "/api/account-links/" + "a" * 20_000,
                     f"/api/admin/users/{'x' * 5000}", "/api/admin/users/%00",
                     "/api/admin/teams/%00"):
            for method in ("GET", "PATCH", "POST", "DELETE"):
                tried += 1
                resp = http.request(method, path, headers=admin["headers"], json={})
                held += resp.status_code < 500
                if resp.status_code >= 500:
                    errors.append(f"{method} {path[:40]}: {resp.status_code}")
        assert http.get("/api/me", headers=pro["headers"]).status_code == 200
    print(f"\nbad bodies: tried {tried}, held {held}")
    assert not errors, "\n".join(errors)


# -- single sign-on's way back ---------------------------------------------------------------

def test_next_after_single_sign_on_is_always_a_path_on_this_site() -> None:
    from services.accounts.sso import safe_next

    hostile = ["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
               "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", " //evil.example",
               "/%0d%0aSet-Cookie:x=y", "///evil.example", "\x00//evil.example",
               "/\x7f/evil.example", "http:/evil.example", "evil.example"]
    kept = [n for n in hostile if safe_next(n) not in ("/",) and
            not safe_next(n).startswith("/%")]
    print(f"\nnext values: tried {len(hostile)}, held {len(hostile) - len(kept)}")
    assert not kept, kept
    assert safe_next("/cases/abc?tab=clips#x") == "/cases/abc?tab=clips#x"


# -- the server's own commands -------------------------------------------------------------

def test_the_user_commands_keep_the_last_admin_and_refuse_weak_passwords(
        installation: Any) -> None:
    from attune.cli import app
    from core.config import get_settings

    env = {"ATTUNE_DATABASE_URL": installation["database_url"]}
    get_settings.cache_clear()  # the commands read settings once per process
    try:
        _last_admin_by_command(app, env, installation["runtime"])
    finally:
        get_settings.cache_clear()
    assert os.environ.get("ATTUNE_DATABASE_URL") != installation["database_url"]


def _last_admin_by_command(app: Any, env: dict[str, str], own: Any) -> None:
    runner = CliRunner()
    email = "enige-beheerder@example.org"

    def cli(*args: str, password: str | None = None) -> Any:
        from core.config import get_settings

        get_settings.cache_clear()
        return runner.invoke(app, ["user", *args],
                             env=dict(env, **({"ATTUNE_PASSWORD": password} if password else {})))

    tried = held = 0
    for weak in ("kort", "password123", "enige-beheerder-2024", " " * 12, "   kort    ",
                 "aaaaaaaaaaaa", "abababababab"):
        tried += 1
        held += cli("add", email, "--role", "admin", password=weak).exit_code == 1
    assert cli("add", email, "--role", "admin", password=PASSWORD).exit_code == 0
    for args in (("deactivate", email), ("set-role", email, "professional")):
        tried += 1
        refused = cli(*args)
        held += refused.exit_code == 1 and "last active admin" in refused.output
    print(f"\nattune user: tried {tried}, held {held}")
    assert held == tried
    assert _active_admins(own) == 1


# -- someone who leaves -----------------------------------------------------------------------

def test_a_family_link_outlives_the_professional_who_made_it_and_the_log_says_so(
        client: Any, users: Users, runtime: Any) -> None:
    """The family keeps watching when their professional leaves (the link is
    the organisation's, for the case); the admin sees it in the access log."""
    from test_guessing import _share_with_code

    admin = users.add("admin")
    pro = users.add("professional", team_name())
    share = _share_with_code(runtime, pro["id"])
    assert client.patch(f"/api/admin/users/{pro['id']}", headers=admin["headers"],
                        json={"active": False}).status_code == 200
    assert client.get("/api/me", headers=pro["headers"]).status_code == 401
    shown = client.get(f"/api/shared/{share['token']}", headers={"X-Access-Code": share["code"]})
    assert shown.status_code == 200, shown.text
    detail = [e.detail for e in _events(runtime, object_id=pro["id"], action="deactivate_user")]
    assert "1 family share link(s) they made still work" in (detail[-1] or ""), detail
