"""No guessing gets through: a share link's access code and a password can be
tried only a few times, however many guesses arrive at once, and every try is
in the access log."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import team_name

MAX_CODE_ATTEMPTS = 5


def _share_with_code(runtime: Any, user_id: str) -> dict[str, str]:
    """A working link with an access code to a rendered playlist of a consenting
    family (made as the app makes it; the media itself plays no part here)."""
    from core.db.models import Case, CaseAccess, Playlist, PlaylistStatus, User
    from services.review import shares

    with runtime.db() as db:
        user = db.get(User, user_id)
        case = Case(label=f"Gezin 2026-9{secrets.token_hex(2)}", owner_id=user.id,
                    team_id=user.team_id, consent_feedback=True)
        db.add(case)
        db.flush()
        db.add(CaseAccess(case_id=case.id, user_id=user.id))
        playlist = Playlist(case_id=case.id, owner_id=user.id, title="Bezoek",
                            status=PlaylistStatus.ready, rendered_revision=1,
                            media_prefix=f"cases/{case.id}/playlists/p/r1/")
        db.add(playlist)
        db.flush()
        made = shares.create(db, user, playlist, case, days=3, with_code=True)
        assert made.code is not None
        return {"id": made.row.id, "token": made.token, "code": made.code}


def _wrong(code: str, n: int = 1) -> str:
    return str((int(code) + n) % 1_000_000).zfill(6)


def _stored_misses(runtime: Any, share_id: str) -> int:
    from core.db.models import Share

    with runtime.db() as db:
        return int(db.get(Share, share_id).failed_attempts)


def _audit(runtime: Any, action: str, share_id: str | None = None) -> Counter[str]:
    """Outcomes of the access log's events of ``action`` for one share."""
    from sqlalchemy import select

    from core.db.models import AuditEvent

    query = select(AuditEvent).where(AuditEvent.action == action)
    if share_id is not None:
        query = query.where(AuditEvent.on_behalf_of == f"share:{share_id}")
    with runtime.db() as db:
        return Counter(e.outcome for e in db.scalars(query))


def _all_at_once(count: int, send: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """``count`` requests released together from as many threads."""
    start = threading.Barrier(count)

    def one(i: int) -> httpx.Response:
        start.wait()
        return send(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


# -- share links ---------------------------------------------------------------------

def test_fifty_wrong_codes_at_once_compare_only_five_and_then_even_the_right_one_is_locked(
        runtime: Any, live_url: str, people: dict[str, Any]) -> None:
    share = _share_with_code(runtime, people["pro"]["id"])
    token, code = share["token"], share["code"]
    tried = 50
    with httpx.Client(base_url=live_url, timeout=120,
                      limits=httpx.Limits(max_connections=tried)) as http:

        def guess(i: int) -> httpx.Response:
            wrong = _wrong(code, i + 1)
            if i % 2:  # half from the web app's player, half from the plain page's form
                return http.get(f"/api/shared/{token}", headers={"X-Access-Code": wrong})
            return http.post(f"/s/{token}", data={"code": wrong})

        answers = _all_at_once(tried, guess)
        statuses = Counter(a.status_code for a in answers)
        right_api = http.get(f"/api/shared/{token}", headers={"X-Access-Code": code})
        right_form = http.post(f"/s/{token}", data={"code": code})

    assert set(statuses) <= {403, 423}, statuses
    checked = _audit(runtime, "share_code", share["id"])
    held = tried - checked["denied"]
    print(f"\nshare code guesses: tried {tried}, checked {checked['denied']}, "
          f"held {held}; answers {dict(statuses)}")
    assert checked == Counter({"denied": MAX_CODE_ATTEMPTS})
    assert statuses[403] == MAX_CODE_ATTEMPTS - 1  # the fifth miss is answered "locked"
    assert statuses[423] == tried - (MAX_CODE_ATTEMPTS - 1)
    assert _stored_misses(runtime, share["id"]) == MAX_CODE_ATTEMPTS
    assert right_api.status_code == 423 and right_api.json()["code"] == "share_locked"
    assert right_form.status_code == 423 and "verkeerde" in right_form.text.lower()
    opened = _audit(runtime, "open_share", share["id"])
    assert opened == Counter({"denied": tried + 2})


def test_the_right_code_does_not_use_up_an_attempt(
        client: Any, runtime: Any, people: dict[str, Any]) -> None:
    share = _share_with_code(runtime, people["pro"]["id"])
    token, code = share["token"], share["code"]
    for n in (1, 2):
        missed = client.get(f"/api/shared/{token}", headers={"X-Access-Code": _wrong(code, n)})
        assert missed.status_code == 403 and missed.json()["code"] == "access_code_wrong"
    for _ in range(5):
        watched = client.get(f"/api/shared/{token}", headers={"X-Access-Code": f" {code} "})
        assert watched.status_code == 200, watched.text
    assert _stored_misses(runtime, share["id"]) == 2
    assert _audit(runtime, "share_code", share["id"]) == Counter(denied=2, success=5)
    listed = client.get(f"/api/playlists/{_playlist_of(runtime, share['id'])}/shares",
                        headers=people["pro"]["headers"]).json()
    assert next(s for s in listed if s["id"] == share["id"])["state"] == "active"


def _playlist_of(runtime: Any, share_id: str) -> str:
    from core.db.models import Share

    with runtime.db() as db:
        return str(db.get(Share, share_id).playlist_id)


def test_every_request_for_a_link_is_in_the_access_log_whatever_the_answer(
        client: Any, runtime: Any, people: dict[str, Any], tmp_path: Path,
        monkeypatch: Any) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent, Share, utcnow

    monkeypatch.setattr(runtime.settings, "web_dir", tmp_path)  # the plain family page
    share = _share_with_code(runtime, people["pro"]["id"])
    token, code = share["token"], share["code"]
    client.cookies.clear()
    assert client.get(f"/s/{token}").status_code == 401  # asks for the code
    assert client.get(f"/api/shared/{token}").status_code == 401
    assert client.post(f"/s/{token}", data={"code": _wrong(code)}).status_code == 403
    assert client.post(f"/s/{token}", data={"code": code},
                       follow_redirects=False).status_code == 303
    assert client.get(f"/s/{token}").status_code == 200
    assert client.get(f"/api/shared/{token}",
                      headers={"X-Access-Code": code}).status_code == 200
    with runtime.db() as db:
        db.get(Share, share["id"]).expires_at = utcnow()
    assert client.get(f"/s/{token}").status_code == 410
    assert client.get(f"/api/shared/{token}").status_code == 410
    unknown = "y" * 43
    assert client.get(f"/s/{unknown}").status_code == 404
    assert client.get(f"/api/shared/{unknown}").status_code == 404

    with runtime.db() as db:
        events = db.scalars(select(AuditEvent).where(
            AuditEvent.on_behalf_of == f"share:{share['id']}").order_by(AuditEvent.id)).all()
        strangers = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "open_share", AuditEvent.object_id.is_(None),
            AuditEvent.detail == "share_not_found")).all()
    opened = [(e.outcome, (e.detail or "").split(";")[0])
              for e in events if e.action == "open_share"]
    assert opened == [("denied", "access_code_required"), ("denied", "access_code_required"),
                      ("denied", "access_code_wrong"), ("success", "opened"),
                      ("success", "opened"), ("success", "opened"),
                      ("denied", "share_expired"), ("denied", "share_expired")]
    assert [e.outcome for e in events if e.action == "share_code"] == [
        "denied", "success", "success"]
    assert all(e.role == "family" and e.user_id is None and e.ip == "testclient"
               and e.object_id == share["id"] and e.case_id for e in events)
    assert len(strangers) >= 2
    assert all(e.on_behalf_of is None and e.case_id is None and e.role == "family"
               for e in strangers)


def test_on_sqlite_too_concurrent_wrong_codes_compare_only_five(tmp_path: Path) -> None:
    """The embedded database takes the same guarding: threads guessing at once
    each in their own transaction, as the API's requests do."""
    from core.auth import add_user
    from core.config import Settings
    from core.db.migrate import upgrade
    from core.db.models import Role, Share
    from core.runtime import Runtime
    from services.review import shares

    runtime = Runtime(Settings(data_dir=tmp_path, database_url=None, redis_url=None))
    assert runtime.database_url.startswith("sqlite")
    upgrade(runtime.database_url)
    with runtime.db() as db:
        user_id = add_user(db, "pro@example.org", "correct horse battery",
                           Role.professional, "team-sqlite").id
    share = _share_with_code(runtime, user_id)
    tried = 20
    start = threading.Barrier(tried)

    def guess(i: int) -> str:
        start.wait()
        with runtime.db() as db:
            row = db.get(Share, share["id"])
            assert row is not None
            try:
                shares.check_code(db, row, _wrong(share["code"], i + 1), "127.0.0.1")
            except shares.Refusal as refusal:
                return refusal.code
            return "let in"

    with ThreadPoolExecutor(max_workers=tried) as pool:
        answers = Counter(pool.map(guess, range(tried)))
    assert answers["let in"] == 0
    assert answers["access_code_wrong"] == MAX_CODE_ATTEMPTS - 1
    assert answers["share_locked"] == tried - (MAX_CODE_ATTEMPTS - 1)
    assert _stored_misses(runtime, share["id"]) == MAX_CODE_ATTEMPTS
    assert _audit(runtime, "share_code", share["id"]) == Counter(denied=MAX_CODE_ATTEMPTS)
    with runtime.db() as db:
        row = db.get(Share, share["id"])
        assert row is not None
        with pytest.raises(shares.Refusal) as locked:
            shares.usable(row)
    assert locked.value.code == "share_locked"


# -- logging in ----------------------------------------------------------------------

ACCOUNT_LIMIT = 5  # failures a minute per account (services/accounts/throttle.py)
ADDRESS_LIMIT = 30  # failures in 15 minutes per client address


@pytest.fixture(autouse=True)
def fresh_throttle(runtime: Any) -> Iterator[None]:
    """Each test starts with no failed logins counted, and leaves none behind for
    the tests after it (which all log in from the same test address)."""
    from services.accounts import throttle

    throttle.for_runtime(runtime).reset()
    yield
    throttle.for_runtime(runtime).reset()


@pytest.fixture()
def from_address(app: Any) -> Iterator[Callable[[str], Any]]:
    """Test clients that call from a given client address."""
    from fastapi.testclient import TestClient

    opened: list[Any] = []

    def client_at(ip: str) -> Any:
        client = TestClient(app, client=(ip, 50000))
        opened.append(client.__enter__())
        return client

    yield client_at
    for client in opened:
        client.__exit__(None, None, None)


def _token(client: Any, email: str, password: str) -> Any:
    return client.post("/api/auth/token", data={"username": email, "password": password})


def _session(client: Any, email: str, password: str) -> Any:
    return client.post("/api/auth/session", json={"email": email, "password": password})


def _logins(runtime: Any, email: str) -> Counter[str]:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    with runtime.db() as db:
        return Counter(e.outcome for e in db.scalars(select(AuditEvent).where(
            AuditEvent.action == "login", AuditEvent.user_email == email)))


def test_fifty_wrong_passwords_in_a_row_lock_the_account_even_for_the_right_one(
        runtime: Any, users: Any, from_address: Callable[[str], Any]) -> None:
    pro = users.add("professional", team_name())
    client = from_address("10.0.1.1")
    tried = 50
    answers = [(_token if i % 2 else _session)(client, pro["email"], f"gok {i}")
               for i in range(tried)]
    statuses = [a.status_code for a in answers]
    print(f"\nwrong passwords in a row: tried {tried}, answered {statuses.count(401)}, "
          f"throttled {statuses.count(429)}")
    assert statuses == [401] * ACCOUNT_LIMIT + [429] * (tried - ACCOUNT_LIMIT)
    for held in answers[ACCOUNT_LIMIT:]:
        assert held.json()["code"] == "too_many_attempts"
        assert 1 <= int(held.headers["Retry-After"]) <= 60
    right = _session(client, pro["email"], pro["password"])
    assert right.status_code == 429 and "attune_session" not in right.headers.get(
        "set-cookie", "")
    assert _token(client, pro["email"].upper() + " ", pro["password"]).status_code == 429
    elsewhere = from_address("10.0.1.2")  # the account is locked wherever one comes from
    assert _token(elsewhere, pro["email"], pro["password"]).status_code == 429
    colleague = users.add("professional", team_name())  # the address is not locked
    assert _token(client, colleague["email"], colleague["password"]).status_code == 200
    assert _logins(runtime, pro["email"]) == Counter(  # the e-mail is logged as typed
        success=1, denied=ACCOUNT_LIMIT, throttled=tried - ACCOUNT_LIMIT + 2)


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(
        runtime: Any, users: Any, from_address: Callable[[str], Any]) -> None:
    pro = users.add("professional", team_name())
    client = from_address("10.0.2.1")
    unknown = f"nobody-{secrets.token_hex(4)}@example.org"
    refusals: list[set[tuple[str, str]]] = []
    for email in (pro["email"], unknown):
        answers = [_token(client, email, "gok") for _ in range(ACCOUNT_LIMIT + 3)]
        assert [a.status_code for a in answers] == [401] * ACCOUNT_LIMIT + [429] * 3
        refusals.append({(a.json()["code"], a.json()["detail"])
                         for a in answers[:ACCOUNT_LIMIT]})
        assert answers[-1].json()["code"] == "too_many_attempts"
    # word for word the same answer, so it tells nobody which address has an account
    assert refusals[0] == refusals[1] and len(refusals[0]) == 1
    assert next(iter(refusals[0]))[0] == "bad_credentials"


def test_the_wait_grows_with_failures_after_a_window_ends(
        runtime: Any, users: Any, from_address: Callable[[str], Any]) -> None:
    from services.accounts import throttle

    pro = users.add("professional", team_name())
    client = from_address("10.0.3.1")
    counted = throttle.for_runtime(runtime)
    account = dict(counted.windows(pro["email"], "10.0.3.1"))
    minute, quarter, _hour = throttle.ACCOUNT_LIMITS

    def five_more_then_wait() -> int:
        answers = [_token(client, pro["email"], "gok") for _ in range(ACCOUNT_LIMIT + 1)]
        assert [a.status_code for a in answers] == [401] * ACCOUNT_LIMIT + [429]
        return int(answers[-1].headers["Retry-After"])

    def passes(*windows: Any) -> None:  # as if that much time had gone by
        for window in windows:
            counted.limiter.clear(window, *account[window])

    assert five_more_then_wait() <= 60  # 5 failures
    passes(minute)
    assert 60 < five_more_then_wait() <= 15 * 60  # 10
    passes(minute, quarter)
    assert five_more_then_wait() <= 60  # 15
    passes(minute)
    assert 15 * 60 < five_more_then_wait() <= 3600  # 20
    assert _token(client, pro["email"], pro["password"]).status_code == 429


def test_wrong_passwords_at_once_are_checked_no_more_than_the_limit(
        runtime: Any, users: Any, live_url: str) -> None:
    pro = users.add("professional", team_name())
    tried = 30
    with httpx.Client(base_url=live_url, timeout=120,
                      limits=httpx.Limits(max_connections=tried)) as http:
        answers = _all_at_once(tried, lambda i: http.post(
            "/api/auth/token", data={"username": pro["email"], "password": f"gok {i}"}))
        right = http.post("/api/auth/token",
                          data={"username": pro["email"], "password": pro["password"]})
    statuses = Counter(a.status_code for a in answers)
    print(f"\nwrong passwords at once: tried {tried}, answered {statuses[401]}, "
          f"throttled {statuses[429]}")
    assert statuses == Counter({401: ACCOUNT_LIMIT, 429: tried - ACCOUNT_LIMIT})
    assert all("Retry-After" in a.headers for a in answers if a.status_code == 429)
    assert right.status_code == 429
    assert _logins(runtime, pro["email"])["denied"] == ACCOUNT_LIMIT


def test_one_address_guessing_many_accounts_is_throttled_but_others_are_not(
        runtime: Any, users: Any, from_address: Callable[[str], Any]) -> None:
    pro = users.add("professional", team_name())
    guesser, office = from_address("10.0.4.1"), from_address("10.0.4.2")
    answers = [_token(guesser, f"user-{i}-{secrets.token_hex(3)}@example.org", "gok")
               for i in range(ADDRESS_LIMIT + 5)]
    assert [a.status_code for a in answers] == [401] * ADDRESS_LIMIT + [429] * 5
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 15 * 60
    assert _session(guesser, pro["email"], pro["password"]).status_code == 429
    assert _session(office, pro["email"], pro["password"]).status_code == 200


def test_successes_do_not_count(
        runtime: Any, users: Any, from_address: Callable[[str], Any]) -> None:
    pro = users.add("professional", team_name())
    client = from_address("10.0.5.1")
    answers = [_token(client, pro["email"], pro["password"]) for _ in range(ADDRESS_LIMIT + 10)]
    assert {a.status_code for a in answers} == {200}
    for _ in range(ACCOUNT_LIMIT - 1):
        assert _token(client, pro["email"], "gok").status_code == 401
    assert _token(client, pro["email"], pro["password"]).status_code == 200


def test_without_redis_nobody_logs_in_and_the_answer_says_why(
        runtime: Any, users: Any, client: Any, monkeypatch: Any) -> None:
    from support import free_port

    pro = users.add("professional", team_name())
    monkeypatch.setattr(runtime.settings, "redis_url", f"redis://127.0.0.1:{free_port()}/0")
    down = _token(client, pro["email"], pro["password"])
    assert down.status_code == 503 and down.json()["code"] == "sign_in_unavailable"
    assert down.headers["Retry-After"]
    assert _logins(runtime, pro["email"])["unavailable"] == 1


# -- logging out ---------------------------------------------------------------------

def test_logging_out_ends_the_login_it_came_with_cookie_or_bearer(
        runtime: Any, users: Any, from_address: Callable[[str], Any]) -> None:
    pro = users.add("professional", team_name())
    browser = from_address("10.0.6.1")
    started = _session(browser, pro["email"], pro["password"])
    assert started.status_code == 200
    cookie = browser.cookies.get("attune_session")
    assert browser.get("/api/me").status_code == 200
    assert browser.post("/api/auth/logout").status_code == 403  # a change needs the CSRF token
    ended = browser.post("/api/auth/logout",
                         headers={"X-CSRF-Token": started.json()["csrf_token"]})
    assert ended.status_code == 204
    assert 'attune_session=""' in ended.headers["set-cookie"]
    assert "max-age=0" in ended.headers["set-cookie"].lower()
    other = from_address("10.0.6.2")  # a copy of the old cookie opens nothing
    other.cookies.set("attune_session", cookie)
    assert other.get("/api/me").status_code == 401

    api = from_address("10.0.6.3")
    assert api.get("/api/me", headers=pro["headers"]).status_code == 200
    assert api.post("/api/auth/logout", headers=pro["headers"]).status_code == 204
    assert api.get("/api/me", headers=pro["headers"]).status_code == 401
    assert api.post("/api/auth/logout", headers=pro["headers"]).status_code == 401

    from sqlalchemy import select

    from core.db.models import AuditEvent

    with runtime.db() as db:
        logouts = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "logout", AuditEvent.user_id == pro["id"])
            .order_by(AuditEvent.id)).all()
    assert [(e.detail, e.ip, e.outcome) for e in logouts] == [
        ("session cookie", "10.0.6.1", "success"), ("bearer token", "10.0.6.3", "success")]
