"""Who sees what: login, cases, and the 404-not-403 rule."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support import create_case, team_name


def test_every_route_needs_a_login(client: Any) -> None:
    for method, path in [("GET", "/api/cases"), ("POST", "/api/cases"), ("GET", "/api/me"),
                         ("GET", "/api/clips/abc"), ("POST", "/api/cases/abc/clips"),
                         ("GET", "/api/schemes"), ("GET", "/api/sets/abc"),
                         ("PATCH", "/api/annotations/abc"), ("GET", "/api/clips/abc/sets")]:
        resp = client.request(method, path)
        assert resp.status_code == 401, (method, path, resp.text)
        assert resp.json()["code"] == "not_authenticated"


def test_wrong_password_is_refused_and_logged(client: Any, users: Any, runtime: Any) -> None:
    user = users.add("professional")
    resp = client.post("/api/auth/token", data={"username": user["email"], "password": "nope"})
    assert resp.status_code == 401
    assert resp.json()["code"] == "bad_credentials"
    with runtime.db() as db:
        outcome = db.execute(text("SELECT outcome FROM audit_events WHERE action='login' AND "
                                  "user_email=:e ORDER BY id DESC LIMIT 1"),
                             {"e": user["email"]}).scalar()
    assert outcome == "denied"


def test_professional_sees_only_own_cases(client: Any, users: Any) -> None:
    team = team_name()
    alice, bob = users.add("professional", team), users.add("professional", team)
    made = client.post("/api/cases", json={"label": "Gezin 2026-014"}, headers=alice["headers"])
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["label"] == "Gezin 2026-014" and case["team"] == team
    assert [c["id"] for c in client.get("/api/cases", headers=bob["headers"]).json()] == []
    resp = client.get(f"/api/cases/{case['id']}", headers=bob["headers"])
    assert resp.status_code == 404
    assert resp.json()["code"] == "case_not_found"
    assert client.get(f"/api/cases/{case['id']}", headers=alice["headers"]).status_code == 200


def test_supervisor_sees_their_team_only(client: Any, users: Any) -> None:
    team = team_name()
    pro = users.add("professional", team)
    case_id = create_case(client, pro["headers"], "Gezin 2026-020")
    own_sup, other_sup = users.add("supervisor", team), users.add("supervisor", team_name())
    assert case_id in [c["id"] for c in
                       client.get("/api/cases", headers=own_sup["headers"]).json()]
    assert client.get(f"/api/cases/{case_id}", headers=other_sup["headers"]).status_code == 404
    resp = client.post("/api/cases", json={"label": "x"}, headers=own_sup["headers"])
    assert resp.status_code == 403


def test_admin_sees_no_media(client: Any, users: Any) -> None:
    pro, admin = users.add("professional", team_name()), users.add("admin")
    case_id = create_case(client, pro["headers"], "Gezin 2026-030")
    assert client.get("/api/cases", headers=admin["headers"]).json() == []
    assert client.get(f"/api/cases/{case_id}/clips", headers=admin["headers"]).status_code == 404


@pytest.mark.parametrize("label,rule", [
    ("", "string_too_short"),
    ("jan.jansen@example.org", "value_error"),  # no e-mail address
    ("<script>", "value_error"),  # letters, digits and a few signs only
    ("x" * 81, "string_too_long"),
])
def test_bad_case_labels_are_refused_with_a_reason(client: Any, users: Any, label: str,
                                                   rule: str) -> None:
    pro = users.add("professional")
    resp = client.post("/api/cases", json={"label": label}, headers=pro["headers"])
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_request"
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [("label", rule)]


def test_duplicate_label_in_team_is_a_conflict(client: Any, users: Any) -> None:
    pro = users.add("professional", team_name())
    create_case(client, pro["headers"], "Gezin 2026-040")
    resp = client.post("/api/cases", json={"label": "Gezin 2026-040"}, headers=pro["headers"])
    assert resp.status_code == 409
    assert resp.json()["code"] == "case_label_taken"


def test_audit_log_is_append_only(runtime: Any, client: Any, users: Any) -> None:
    users.add("professional")  # logging in writes an audit event
    with pytest.raises(DBAPIError, match="append-only"), runtime.db() as db:
        db.execute(text("UPDATE audit_events SET outcome='tampered'"))
    with pytest.raises(DBAPIError, match="append-only"), runtime.db() as db:
        db.execute(text("DELETE FROM audit_events"))


def test_docs_load_nothing_from_third_parties(client: Any) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert client.get("/api/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Attune"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'self'" in page.headers["content-security-policy"]
