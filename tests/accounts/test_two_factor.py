"""Two-factor sign-in: a person sets up an authenticator app, then logs in with
password and code; each code works once, recovery codes stand in for a lost
phone, and a team or the whole organisation can require it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pyotp
import pytest
from conftest import PG_ADMIN_URL, RUN_ID, _pg_url
from support import PASSWORD, create_case, enrol_totp, team_name

RECOVERY_CODE = re.compile(r"^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$")


@pytest.fixture(autouse=True)
def fresh_throttle(runtime: Any) -> Iterator[None]:
    """Wrong codes count as failed logins: no test starts with another's."""
    from services.accounts import throttle

    throttle.for_runtime(runtime).reset()
    yield
    throttle.for_runtime(runtime).reset()


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` 30-second steps later)."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_ahead)


def _wrong_code(secret: str) -> str:
    """Six digits the server accepts for no step around now."""
    near = {_code(secret, n) for n in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)


def _login(client: Any, user: dict[str, Any], code: str | None = None) -> Any:
    client.cookies.clear()
    body = {"email": user["email"], "password": user["password"]}
    if code is not None:
        body["code"] = code
    return client.post("/api/auth/session", json=body)


def _token(client: Any, user: dict[str, Any], code: str | None = None) -> Any:
    form = {"username": user["email"], "password": user["password"]}
    if code is not None:
        form["code"] = code
    return client.post("/api/auth/token", data=form)



def _events(runtime: Any, email: str) -> list[tuple[str, str, str | None]]:
    from sqlalchemy import select

    from core.db.models import AuditEvent

    with runtime.db() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.user_email == email)
                          .order_by(AuditEvent.id)).all()
        return [(r.action, r.outcome, r.detail) for r in rows]


def test_setting_up_an_app_then_logging_in_takes_each_code_once(
        client: Any, users: Any, runtime: Any) -> None:
    pro = users.add("professional", team_name())
    started = client.post("/api/account/totp", headers=pro["headers"])
    assert started.status_code == 200, started.text
    shown = started.json()
    assert shown["uri"].startswith("otpauth://totp/Attune:")
    assert "issuer=Attune" in shown["uri"] and pro["email"].split("@")[0] in shown["uri"]
    assert shown["qr_svg"].lstrip().startswith("<svg")
    assert pyotp.parse_uri(shown["uri"]).secret == shown["secret"]
    me = client.get("/api/me", headers=pro["headers"]).json()
    assert me["totp"] is False, "nothing is stored before the first code"

    wrong = client.post("/api/account/totp/confirm", headers=pro["headers"],
                        json={"enrolment": shown["enrolment"], "password": pro["password"],
                              "code": _wrong_code(shown["secret"])})
    assert wrong.status_code == 422 and wrong.json()["code"] == "totp_code_wrong"
    # a session left open is not enough: the password proves it is the person
    # (one try: a wrong password counts as a failed login)
    taken = client.post("/api/account/totp/confirm", headers=pro["headers"],
                        json={"enrolment": shown["enrolment"], "code": _code(shown["secret"])})
    assert taken.status_code == 403 and taken.json()["code"] == "bad_credentials"
    forged = client.post("/api/account/totp/confirm", headers=pro["headers"],
                         json={"enrolment": shown["enrolment"] + "x",
                               "code": _code(shown["secret"])})
    assert forged.status_code == 422 and forged.json()["code"] == "totp_enrolment_expired"
    done = client.post("/api/account/totp/confirm", headers=pro["headers"],
                       json={"enrolment": shown["enrolment"], "code": _code(shown["secret"]),
                             "password": pro["password"]})
    assert done.status_code == 200, done.text
    codes = done.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(RECOVERY_CODE.match(c) for c in codes), codes
    me = client.get("/api/me", headers=pro["headers"]).json()
    assert me["totp"] is True and me["totp_required"] is False and not me["must_enrol_totp"]

    asked = _login(client, pro)
    assert asked.status_code == 401 and asked.json()["code"] == "second_factor_required"
    assert "attune_session" not in asked.headers.get("set-cookie", "")
    # the code that turned it on is used up
    again = _login(client, pro, _code(shown["secret"]))
    assert again.status_code == 401 and again.json()["code"] == "second_factor_wrong"
    next_code = _code(shown["secret"], 1)
    inside = _login(client, pro, next_code)
    assert inside.status_code == 200, inside.text
    assert client.get("/api/me").json()["totp"] is True
    replay = _login(client, pro, next_code)
    assert replay.status_code == 401 and replay.json()["code"] == "second_factor_wrong"
    earlier = _token(client, pro, _code(shown["secret"], -1))
    assert earlier.status_code == 401 and earlier.json()["code"] == "second_factor_wrong"

    assert _token(client, pro).json()["code"] == "second_factor_required"
    by_recovery = _token(client, pro, codes[0].upper().replace("-", " "))
    assert by_recovery.status_code == 200, by_recovery.text
    assert _token(client, pro, codes[0]).json()["code"] == "second_factor_wrong"

    events = _events(runtime, pro["email"])
    assert ("enable_totp", "success") in [(a, o) for a, o, _ in events]
    logins = [(o, d) for a, o, d in events if a == "login"]
    assert ("code_required", None) in logins
    assert ("success", "with an authenticator code") in logins
    assert ("success", "with a recovery code (9 left)") in logins
    assert ("denied", "wrong or already used second-factor code") in logins


def test_a_wrong_code_counts_as_a_failed_login(client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    secret, _ = enrol_totp(client, pro["headers"])
    for _ in range(5):
        wrong = _login(client, pro, _wrong_code(secret))
        assert wrong.status_code == 401 and wrong.json()["code"] == "second_factor_wrong"
    held = _login(client, pro, _code(secret, 1))
    assert held.status_code == 429 and held.json()["code"] == "too_many_attempts"
    assert int(held.headers["Retry-After"]) > 0


def test_asking_for_the_code_is_not_a_failed_login(client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    secret, _ = enrol_totp(client, pro["headers"])
    for _ in range(6):
        assert _login(client, pro).json()["code"] == "second_factor_required"
    assert _login(client, pro, _code(secret, 1)).status_code == 200


def test_turning_it_off_and_new_recovery_codes_need_the_password(
        client: Any, users: Any, runtime: Any) -> None:
    pro = users.add("professional", team_name())
    _, old_codes = enrol_totp(client, pro["headers"])
    again = client.post("/api/account/totp", headers=pro["headers"])
    assert again.status_code == 409 and again.json()["code"] == "totp_already_on"

    wrong = client.post("/api/account/recovery-codes", headers=pro["headers"],
                        json={"password": "not my password"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_credentials"
    fresh = client.post("/api/account/recovery-codes", headers=pro["headers"],
                        json={"password": pro["password"]})
    assert fresh.status_code == 200, fresh.text
    new_codes = fresh.json()["recovery_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert _token(client, pro, old_codes[1]).json()["code"] == "second_factor_wrong"
    assert _token(client, pro, new_codes[1]).status_code == 200

    refused = client.request("DELETE", "/api/account/totp", headers=pro["headers"],
                             json={"password": "not my password"})
    assert refused.status_code == 403 and refused.json()["code"] == "bad_credentials"
    off = client.request("DELETE", "/api/account/totp", headers=pro["headers"],
                         json={"password": pro["password"]})
    assert off.status_code == 204, off.text
    assert client.get("/api/me", headers=pro["headers"]).json()["totp"] is False
    assert _login(client, pro).status_code == 200, "no code asked any more"
    assert _token(client, pro, new_codes[2]).status_code == 200, "a code sent along is ignored"
    none_left = client.post("/api/account/recovery-codes", headers=pro["headers"],
                            json={"password": pro["password"]})
    assert none_left.status_code == 409 and none_left.json()["code"] == "totp_off"

    from sqlalchemy import func, select

    from core.db.models import RecoveryCode, User

    with runtime.db() as db:
        user = db.get(User, pro["id"])
        assert user.totp_secret is None and user.totp_last_step is None
        assert db.scalar(select(func.count()).select_from(RecoveryCode)
                         .where(RecoveryCode.user_id == pro["id"])) == 0
    actions = [(a, o) for a, o, _ in _events(runtime, pro["email"])]
    assert ("new_recovery_codes", "denied") in actions
    assert ("new_recovery_codes", "success") in actions
    assert ("disable_totp", "denied") in actions and ("disable_totp", "success") in actions


def _require_for_team(runtime: Any, user_id: str, on: bool) -> None:
    from core.db.models import Team, User

    with runtime.db() as db:
        team = db.get(Team, db.get(User, user_id).team_id)
        team.require_totp = on


def test_a_team_that_requires_it_lets_its_members_do_nothing_else_until_set_up(
        client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    other = users.add("professional", team_name())
    case_id = create_case(client, pro["headers"], "Gezin 2026-611")
    _require_for_team(users.runtime, pro["id"], True)

    me = client.get("/api/me", headers=pro["headers"]).json()
    assert me["totp_required"] and me["must_enrol_totp"] and not me["totp"]
    blocked = client.get(f"/api/cases/{case_id}", headers=pro["headers"])
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "second_factor_setup_required"
    assert client.get("/api/cases", headers=pro["headers"]).status_code == 403
    assert client.get("/api/session", headers=pro["headers"]).json()["user"]["must_enrol_totp"]
    # another team goes on as before
    assert client.get("/api/cases", headers=other["headers"]).status_code == 200
    assert not client.get("/api/me", headers=other["headers"]).json()["totp_required"]

    # a web session can set it up: the account pages stay open
    assert _login(client, pro).status_code == 200
    csrf = client.get("/api/me").json()["csrf_token"]
    assert client.get("/api/cases").json()["code"] == "second_factor_setup_required"
    started = client.post("/api/account/totp", headers={"X-CSRF-Token": csrf})
    assert started.status_code == 200, started.text
    done = client.post("/api/account/totp/confirm", headers={"X-CSRF-Token": csrf},
                       json={"enrolment": started.json()["enrolment"],
                             "code": _code(started.json()["secret"]), "password": PASSWORD})
    assert done.status_code == 200, done.text
    assert client.get(f"/api/cases/{case_id}").status_code == 200
    me = client.get("/api/me").json()
    assert me["totp"] and me["totp_required"] and not me["must_enrol_totp"]

    kept = client.request("DELETE", "/api/account/totp", headers={"X-CSRF-Token": csrf},
                          json={"password": pro["password"]})
    assert kept.status_code == 409 and kept.json()["code"] == "totp_required_by_policy"
    assert _login(client, pro).json()["code"] == "second_factor_required"
    _require_for_team(users.runtime, pro["id"], False)


@pytest.fixture()
def installation(runtime: Any) -> Iterator[Any]:
    """An installation of its own (its own database), where the whole
    organisation may require a second factor without touching other tests."""
    from core.config import Settings
    from core.db.migrate import upgrade
    from core.runtime import Runtime, set_runtime

    name = f"attune_twofactor_{RUN_ID}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        own = Runtime(Settings(database_url=_pg_url(name)))
        upgrade(own.database_url)
        yield own
    finally:
        set_runtime(runtime)  # the app factory made the new one the process's
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_organisation_can_require_it_for_everyone(installation: Any) -> None:
    from fastapi.testclient import TestClient

    from attune.app import create_app
    from core.auth import add_user
    from core.db.models import OrganisationPolicy, Role

    password = "correct horse battery"
    with installation.db() as db:
        for role in ("admin", "professional"):
            add_user(db, f"{role}@example.org", password, Role(role),
                     None if role == "admin" else "Team Oost")
        policy = db.get(OrganisationPolicy, 1)
        if policy is None:
            policy = OrganisationPolicy(id=1)
            db.add(policy)
        policy.require_totp = True
    with TestClient(create_app(installation)) as client:
        for role in ("admin", "professional"):
            person = {"email": f"{role}@example.org", "password": password}
            token = _token(client, person)
            assert token.status_code == 200, "no code asked before it is set up"
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            me = client.get("/api/me", headers=headers).json()
            assert me["totp_required"] and me["must_enrol_totp"]
            assert client.get("/api/cases", headers=headers).json()["code"] == \
                "second_factor_setup_required"
            enrol_totp(client, headers)
            assert client.get("/api/cases", headers=headers).status_code == 200
            assert _token(client, person).json()["code"] == "second_factor_required"
            off = client.request("DELETE", "/api/account/totp", headers=headers,
                                 json={"password": password})
            assert off.status_code == 409 and off.json()["code"] == "totp_required_by_policy"


def test_a_stolen_enrolment_is_of_no_use_to_someone_else(client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    thief = users.add("professional", team_name())
    started = client.post("/api/account/totp", headers=pro["headers"]).json()
    taken = client.post("/api/account/totp/confirm", headers=thief["headers"],
                        json={"enrolment": started["enrolment"],
                              "code": _code(started["secret"])})
    assert taken.status_code == 422 and taken.json()["code"] == "totp_enrolment_expired"
