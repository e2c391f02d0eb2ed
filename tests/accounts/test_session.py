"""Logging in to the web app: an HttpOnly session cookie, and a CSRF token
that every change made with that cookie must carry."""

from __future__ import annotations

from typing import Any

from support import team_name


def _login(client: Any, user: dict[str, Any]) -> Any:
    return client.post("/api/auth/session",
                       json={"email": user["email"], "password": user["password"]})


def test_a_session_cookie_is_httponly_and_changes_need_the_csrf_token(
        client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    wrong = client.post("/api/auth/session", json={"email": pro["email"], "password": "nee"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"
    started = _login(client, pro)
    assert started.status_code == 200, started.text
    cookie = started.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "attune_session=" in cookie
    csrf = started.json()["csrf_token"]
    assert client.get("/api/me").json()["csrf_token"] == csrf
    forged = client.post("/api/cases", json={"label": "Gezin 2026-301"})
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    wrong_token = client.post("/api/cases", json={"label": "Gezin 2026-301"},
                              headers={"X-CSRF-Token": "0" * 40})
    assert wrong_token.status_code == 403
    made = client.post("/api/cases", json={"label": "Gezin 2026-301"},
                       headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    assert client.delete("/api/auth/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/me").status_code == 401


def test_api_clients_with_a_bearer_token_need_no_csrf_token(client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    client.cookies.clear()
    made = client.post("/api/cases", json={"label": "Gezin 2026-302"}, headers=pro["headers"])
    assert made.status_code == 201
    assert client.get("/api/me", headers=pro["headers"]).json()["csrf_token"] is None


def test_pages_fall_back_to_the_app_but_a_wrong_api_path_stays_json(client: Any) -> None:
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    page = client.get("/cases/abc")
    assert page.status_code in (200, 503)
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_asking_who_is_logged_in_is_answered_without_an_error(client: Any, users: Any) -> None:
    client.cookies.clear()
    nobody = client.get("/api/session")
    assert nobody.status_code == 200 and nobody.json() == {"user": None, "ended": None}
    pro = users.add("professional", team_name())
    started = _login(client, pro)
    here = client.get("/api/session").json()["user"]
    assert here["email"] == pro["email"] and here["csrf_token"] == started.json()["csrf_token"]
    assert client.get("/api/session", headers=pro["headers"]).json()["user"]["csrf_token"] is None
    client.delete("/api/auth/session", headers={"X-CSRF-Token": here["csrf_token"]})
    assert client.get("/api/session").json()["user"] is None
