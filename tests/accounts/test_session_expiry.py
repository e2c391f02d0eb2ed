"""How long a login lasts: a web session ends after a while without a request
(a shared computer left alone) and at its absolute end however busy; a bearer
token only at its absolute end. A new password ends every other login."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from support import team_name


def _web_login(client: Any, user: dict[str, Any]) -> str:
    """Log in the web app; the CSRF token the page would keep."""
    client.cookies.clear()
    started = client.post("/api/auth/session",
                          json={"email": user["email"], "password": user["password"]})
    assert started.status_code == 200, started.text
    return str(started.json()["csrf_token"])


def _tokens(runtime: Any, user_id: str, kind: str) -> list[Any]:
    from sqlalchemy import select

    from core.db.models import AuthToken

    with runtime.db() as db:
        rows = db.scalars(select(AuthToken).where(AuthToken.user_id == user_id,
                                                  AuthToken.kind == kind)).all()
        db.expunge_all()
        return list(rows)


def _move_back(runtime: Any, user_id: str, kind: str, **seconds: int) -> None:
    """Make a login's ``last_used_at`` / ``expires_at`` lie that many seconds
    earlier, as if that much time had passed."""
    from sqlalchemy import update

    from core.db.models import AuthToken

    with runtime.db() as db:
        for row in _tokens(runtime, user_id, kind):
            moved = {}
            for column, by in seconds.items():
                moved[column] = (getattr(row, column) or row.created_at) - timedelta(seconds=by)
            db.execute(update(AuthToken).where(AuthToken.token_hash == row.token_hash)
                       .values(**moved))


def test_a_web_session_ends_after_a_while_without_a_request(
        client: Any, users: Any, runtime: Any) -> None:
    pro = users.add("professional", team_name())
    _web_login(client, pro)
    assert client.get("/api/me").status_code == 200
    idle = runtime.settings.session_idle_s
    _move_back(runtime, pro["id"], "session", last_used_at=idle - 90)
    assert client.get("/api/me").status_code == 200, "still within the idle time"
    _move_back(runtime, pro["id"], "session", last_used_at=idle + 5)
    ended = client.get("/api/me")
    assert ended.status_code == 401 and ended.json()["code"] == "session_expired"
    assert client.get("/api/cases").json()["code"] == "session_expired"
    assert client.get("/api/session").json() == {"user": None, "ended": "session_expired"}
    # the bearer token of the same person is not a web session: it goes on
    assert client.get("/api/me", headers=pro["headers"]).status_code == 200
    _web_login(client, pro)
    assert client.get("/api/me").status_code == 200, "logging in again starts afresh"


def test_a_busy_session_still_ends_at_its_absolute_end(
        client: Any, users: Any, runtime: Any) -> None:
    pro = users.add("professional", team_name())
    _web_login(client, pro)
    _move_back(runtime, pro["id"], "session", expires_at=runtime.settings.token_ttl_s + 1)
    ended = client.get("/api/me")
    assert ended.status_code == 401 and ended.json()["code"] == "session_expired"


def test_an_api_token_ends_only_at_its_absolute_end(
        client: Any, users: Any, runtime: Any) -> None:
    pro = users.add("professional", team_name())
    client.cookies.clear()
    assert client.get("/api/me", headers=pro["headers"]).status_code == 200
    _move_back(runtime, pro["id"], "api", last_used_at=10 * runtime.settings.session_idle_s)
    assert client.get("/api/me", headers=pro["headers"]).status_code == 200
    _move_back(runtime, pro["id"], "api", expires_at=runtime.settings.token_ttl_s + 1)
    ended = client.get("/api/me", headers=pro["headers"])
    assert ended.status_code == 401 and ended.json()["code"] == "session_expired"
    unknown = client.get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert unknown.status_code == 401 and unknown.json()["code"] == "not_authenticated"
    client.cookies.set("attune_session", "not-a-session")
    assert client.get("/api/me").json()["code"] == "not_authenticated"
    assert client.get("/api/session").json() == {"user": None, "ended": None}
    client.cookies.clear()


def test_use_is_written_down_at_most_once_a_minute(
        client: Any, users: Any, runtime: Any) -> None:
    from core.db.models import User

    pro = users.add("professional", team_name())
    _web_login(client, pro)
    client.get("/api/me")
    [first] = _tokens(runtime, pro["id"], "session")
    assert first.last_used_at is not None
    for _ in range(3):
        assert client.get("/api/me").status_code == 200
    [same] = _tokens(runtime, pro["id"], "session")
    assert same.last_used_at == first.last_used_at, "no write on every request"
    _move_back(runtime, pro["id"], "session", last_used_at=61)
    client.get("/api/me")
    [later] = _tokens(runtime, pro["id"], "session")
    assert later.last_used_at > first.last_used_at
    with runtime.db() as db:
        assert db.get(User, pro["id"]).last_seen_at == later.last_used_at


def test_a_new_password_ends_every_other_login(client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    other_device = pro["headers"]
    csrf = _web_login(client, pro)
    here = {"X-CSRF-Token": csrf}
    wrong = client.post("/api/account/password", headers=here,
                        json={"current_password": "not my password",
                              "new_password": "a whole new sentence"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_credentials"
    short = client.post("/api/account/password", headers=here,
                        json={"current_password": pro["password"], "new_password": "short"})
    assert short.status_code == 422 and short.json()["code"] == "password_too_short"
    assert client.get("/api/me", headers=other_device).status_code == 200

    changed = client.post("/api/account/password", headers=here,
                          json={"current_password": pro["password"],
                                "new_password": "a whole new sentence"})
    assert changed.status_code == 204, changed.text
    assert client.get("/api/me").status_code == 200, "this session goes on"
    gone = client.get("/api/me", headers=other_device)
    assert gone.status_code == 401 and gone.json()["code"] == "not_authenticated"
    old = client.post("/api/auth/token",
                      data={"username": pro["email"], "password": pro["password"]})
    assert old.status_code == 401
    new = client.post("/api/auth/token",
                      data={"username": pro["email"], "password": "a whole new sentence"})
    assert new.status_code == 200
