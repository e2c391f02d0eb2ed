"""People and teams as an admin manages them: invitations and their one-time
links, the password rules, (de)activation that ends every way in at once,
roles and teams, the organisation's policy, a supervisor's view of their team,
and the ``attune user`` commands, on the real test services."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import media
import pytest
from support import Person, Users, ready_clip, team_name
from typer.testing import CliRunner

PASSWORD = "rustig aan met de vlieger"


def _email(prefix: str = "anna") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.org"


def _team(client: Any, admin: Mapping[str, Any], name: str | None = None) -> dict[str, Any]:
    made = client.post("/api/admin/teams", json={"name": name or team_name()},
                       headers=admin["headers"])
    assert made.status_code == 201, made.text
    return dict(made.json())


def _invite(client: Any, admin: dict[str, Any], role: str = "professional",
            team_id: str | None = None, email: str | None = None,
            name: str = "Anna de Vries") -> dict[str, Any]:
    made = client.post("/api/admin/users", headers=admin["headers"],
                       json={"email": email or _email(), "name": name, "role": role,
                             "team_id": team_id})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _token(url: str) -> str:
    assert "/welcome/" in url, url
    return url.rsplit("/welcome/", 1)[1]


def _login(client: Any, email: str, password: str) -> Any:
    return client.post("/api/auth/token", data={"username": email, "password": password})


def _bearer(client: Any, email: str, password: str = PASSWORD) -> dict[str, str]:
    resp = _login(client, email, password)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _audit(runtime: Any, object_id: str) -> list[tuple[str, str, str | None, str | None]]:
    """(action, outcome, detail, acting user) of every event about ``object_id``."""
    from sqlalchemy import select

    from core.db.models import AuditEvent

    with runtime.db() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.object_id == object_id)
                          .order_by(AuditEvent.id))
        return [(r.action, r.outcome, r.detail, r.user_id) for r in rows]


@pytest.fixture()
def admin(users: Users) -> Person:
    return users.add("admin")


# -- invitations and one-time links -----------------------------------------

def test_an_invited_person_sets_a_password_through_the_link_and_logs_in(
        client: Any, admin: dict[str, Any], runtime: Any) -> None:
    team = _team(client, admin)
    email = _email("anna.devries")
    invited = _invite(client, admin, team_id=team["id"], email=email)
    user, link = invited["user"], invited["link"]
    assert user["status"] == "invited" and user["team"] == team["name"]
    assert user["email"] == email and user["name"] == "Anna de Vries"
    assert link["url"].startswith("http://testserver/welcome/")
    token = _token(link["url"])
    assert _login(client, email, PASSWORD).status_code == 401, "no password yet"

    info = client.get(f"/api/account-links/{token}")
    assert info.status_code == 200, info.text
    assert info.json()["purpose"] == "invite" and info.json()["email"] == email

    # the password rules, each with its reason
    for password, code in (("kort", "password_too_short"),
                           ("1234567890", "password_common"),
                           ("qwertyuiop", "password_common"),
                           ("Welkom2026!", "password_common"),  # a common word, dressed up
                           ("feyenoord1908", "password_common"),
                           (f"{email.split('@')[0]}-2024!", "password_like_email"),
                           (email, "password_like_email"),
                           ("x" * 1001, "password_too_long")):
        refused = client.post(f"/api/account-links/{token}", json={"password": password})
        assert refused.status_code == 422, (password, refused.text)
        assert refused.json()["code"] == code, (password, refused.json())
    assert client.get(f"/api/account-links/{token}").status_code == 200, "still usable"

    done = client.post(f"/api/account-links/{token}",
                       json={"password": PASSWORD, "name": "Anna"})
    assert done.status_code == 204, done.text
    headers = _bearer(client, email)
    me = client.get("/api/me", headers=headers)
    assert me.status_code == 200 and me.json()["email"] == email

    again = client.post(f"/api/account-links/{token}", json={"password": PASSWORD + "!"})
    assert again.status_code == 410 and again.json()["code"] == "link_used"
    assert client.get(f"/api/account-links/{token}").json()["code"] == "link_used"
    listed = client.get("/api/admin/users", params={"q": email},
                        headers=admin["headers"]).json()["users"]
    assert [(u["status"], u["name"]) for u in listed] == [("active", "Anna")]

    actions = [(a, o) for a, o, _, _ in _audit(runtime, user["id"])]
    assert actions == [("invite_user", "success"), ("issue_account_link", "success"),
                       ("accept_invitation", "success")]


def test_an_expired_replaced_or_unknown_link_is_refused(client: Any, admin: dict[str, Any],
                                                        runtime: Any) -> None:
    from core.auth import token_digest
    from core.db.models import AccountLink, AccountLinkPurpose, utcnow

    invited = _invite(client, admin)
    user_id, first = invited["user"]["id"], _token(invited["link"]["url"])
    expired = secrets.token_urlsafe(32)
    with runtime.db() as db:
        db.add(AccountLink(token_hash=token_digest(expired), user_id=user_id,
                           purpose=AccountLinkPurpose.invite,
                           created_at=utcnow() - timedelta(days=4),
                           expires_at=utcnow() - timedelta(days=1)))
    for method in ("get", "post"):
        old = client.request(method.upper(), f"/api/account-links/{expired}",
                             json={"password": PASSWORD} if method == "post" else None)
        assert old.status_code == 410 and old.json()["code"] == "link_expired", old.text
    unknown = client.get(f"/api/account-links/{secrets.token_urlsafe(32)}")
    assert unknown.status_code == 404 and unknown.json()["code"] == "link_unknown"

    newer = client.post(f"/api/admin/users/{user_id}/link", headers=admin["headers"])
    assert newer.status_code == 200 and newer.json()["purpose"] == "invite"
    replaced = client.post(f"/api/account-links/{first}", json={"password": PASSWORD})
    assert replaced.status_code == 410 and replaced.json()["code"] == "link_expired"
    second = _token(newer.json()["url"])
    assert client.post(f"/api/account-links/{second}",
                       json={"password": PASSWORD}).status_code == 204


def test_a_reset_link_sets_a_new_password_and_ends_every_session(
        client: Any, admin: dict[str, Any], app: Any, runtime: Any) -> None:
    from fastapi.testclient import TestClient

    invited = _invite(client, admin)
    email, user_id = invited["user"]["email"], invited["user"]["id"]
    client.post(f"/api/account-links/{_token(invited['link']['url'])}",
                json={"password": PASSWORD})
    bearer = _bearer(client, email)
    with TestClient(app) as browser:
        assert browser.post("/api/auth/session",
                            json={"email": email, "password": PASSWORD}).status_code == 200
        assert browser.get("/api/me").status_code == 200

        reset = client.post(f"/api/admin/users/{user_id}/link", headers=admin["headers"])
        assert reset.status_code == 200 and reset.json()["purpose"] == "reset"
        assert client.get("/api/me", headers=bearer).status_code == 200, "until it is used"
        new_password = "een nieuwe lange zin"
        assert client.post(f"/api/account-links/{_token(reset.json()['url'])}",
                           json={"password": new_password}).status_code == 204
        assert browser.get("/api/me").status_code == 401
    assert client.get("/api/me", headers=bearer).status_code == 401
    assert _login(client, email, PASSWORD).status_code == 401
    assert _login(client, email, new_password).status_code == 200
    assert ("reset_password", "success") in [(a, o) for a, o, _, _ in _audit(runtime, user_id)]


def test_an_invitation_is_refused_for_a_taken_address_or_a_supervisor_without_team(
        client: Any, admin: dict[str, Any]) -> None:
    invited = _invite(client, admin)
    for body, status, code in (
            ({"email": invited["user"]["email"].upper(), "name": "", "role": "professional"},
             409, "email_taken"),
            ({"email": _email(), "name": "", "role": "supervisor", "team_id": None},
             422, "team_required"),
            ({"email": "geen-adres", "name": "", "role": "professional"}, 422,
             "email_invalid"),
            ({"email": _email(), "name": "", "role": "professional", "team_id": "nope"},
             404, "team_not_found")):
        refused = client.post("/api/admin/users", json=body, headers=admin["headers"])
        assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text


# -- deactivation, roles and teams -------------------------------------------

def test_deactivating_ends_sessions_tokens_and_media_links_at_once(
        client: Any, admin: dict[str, Any], users: Users, app: Any, runtime: Any,
        media_dir: Path) -> None:
    from fastapi.testclient import TestClient

    team = team_name()
    pro = users.add("professional", team)
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                   name="people.mp4")
    clip = ready_clip(runtime, client, pro["headers"], source, "Gezin 2026-611")
    hls = clip["hls_url"]
    client.cookies.clear()
    assert client.get(hls).status_code == 200, "the signed link plays on its own"
    with TestClient(app) as browser:
        assert browser.post("/api/auth/session", json={"email": pro["email"],
                                                       "password": pro["password"]}
                            ).status_code == 200
        assert browser.get("/api/me").status_code == 200

        off = client.patch(f"/api/admin/users/{pro['id']}", json={"active": False},
                           headers=admin["headers"])
        assert off.status_code == 200 and off.json()["status"] == "deactivated", off.text
        assert browser.get("/api/me").status_code == 401
        assert browser.get("/api/cases").status_code == 401
    client.cookies.clear()
    assert client.get("/api/me", headers=pro["headers"]).status_code == 401
    assert client.get(hls).status_code == 404, "the media link stops with its holder"
    assert _login(client, pro["email"], pro["password"]).status_code == 401
    from sqlalchemy import func, select

    from core.db.models import AuthToken
    with runtime.db() as db:
        assert db.scalar(select(func.count()).select_from(AuthToken)
                         .where(AuthToken.user_id == pro["id"])) == 0

    on = client.patch(f"/api/admin/users/{pro['id']}", json={"active": True},
                      headers=admin["headers"])
    assert on.status_code == 200 and on.json()["status"] == "active"
    assert client.get("/api/me", headers=pro["headers"]).status_code == 401, \
        "an ended login stays ended"
    again = _bearer(client, pro["email"], pro["password"])
    assert client.get(f"/api/clips/{clip['id']}", headers=again).status_code == 200

    events = _audit(runtime, pro["id"])
    assert [a for a, *_ in events][-2:] == ["deactivate_user", "activate_user"]
    deactivated = events[-2]
    assert deactivated[3] == admin["id"]
    assert deactivated[2] is not None and "active -> deactivated" in deactivated[2]
    assert "session(s)/token(s) ended" in deactivated[2]


def test_role_and_team_changes_are_checked_and_logged_before_and_after(
        client: Any, admin: dict[str, Any], users: Users, runtime: Any) -> None:
    north, south = _team(client, admin), _team(client, admin)
    invited = _invite(client, admin)
    user_id = invited["user"]["id"]
    url = f"/api/admin/users/{user_id}"

    lonely = client.patch(url, json={"role": "supervisor"}, headers=admin["headers"])
    assert lonely.status_code == 422 and lonely.json()["code"] == "team_required"
    moved = client.patch(url, json={"role": "supervisor", "team_id": north["id"],
                                    "name": "Anna B."}, headers=admin["headers"])
    assert moved.status_code == 200, moved.text
    assert (moved.json()["role"], moved.json()["team"], moved.json()["name"]) == \
        ("supervisor", north["name"], "Anna B.")
    teamless = client.patch(url, json={"team_id": None}, headers=admin["headers"])
    assert teamless.status_code == 422 and teamless.json()["code"] == "team_required"
    kept = client.patch(url, json={"team_id": south["id"]}, headers=admin["headers"])
    assert kept.json()["team"] == south["name"] and kept.json()["role"] == "supervisor"
    assert client.patch(url, json={"role": "professional", "team_id": None},
                        headers=admin["headers"]).json()["team"] is None
    assert client.patch("/api/admin/users/nobody", json={"name": "x"},
                        headers=admin["headers"]).json()["code"] == "user_not_found"

    details = [d for a, _, d, _ in _audit(runtime, user_id) if a == "update_user"]
    assert details[0] is not None and "role professional -> supervisor" in details[0]
    assert f"team no team -> {north['name']}" in details[0]
    assert "name 'Anna de Vries' -> 'Anna B.'" in details[0]
    assert f"team {north['name']} -> {south['name']}" in str(details[1])
    assert "role supervisor -> professional" in str(details[2])
    assert len(details) == 3, "refused changes are not logged as changes"


def test_an_admin_cannot_deactivate_or_demote_themselves(
        client: Any, admin: dict[str, Any], users: Users) -> None:
    other = users.add("admin")
    for change in ({"active": False}, {"role": "professional"}):
        refused = client.patch(f"/api/admin/users/{admin['id']}", json=change,
                               headers=admin["headers"])
        assert refused.status_code == 409 and refused.json()["code"] == "last_admin"
    assert client.get("/api/me", headers=admin["headers"]).json()["role"] == "admin"
    # another admin may
    demoted = client.patch(f"/api/admin/users/{other['id']}", json={"role": "professional"},
                           headers=admin["headers"])
    assert demoted.status_code == 200 and demoted.json()["role"] == "professional"


def test_an_admin_turns_off_someones_second_factor(client: Any, admin: dict[str, Any],
                                                   users: Users, runtime: Any) -> None:
    from sqlalchemy import func, select

    from core.db.models import RecoveryCode, User, utcnow

    pro = users.add("professional", team_name())
    with runtime.db() as db:
        person = db.get(User, pro["id"])
        person.totp_secret, person.totp_enabled_at, person.totp_last_step = \
            "JBSWY3DPEHPK3PXP", utcnow(), 123
        db.add_all([RecoveryCode(user_id=pro["id"], code_hash=secrets.token_hex(32))
                    for _ in range(3)])
    listed = client.get("/api/admin/users", params={"q": pro["email"]},
                        headers=admin["headers"]).json()["users"]
    assert listed[0]["totp"] is True
    off = client.delete(f"/api/admin/users/{pro['id']}/second-factor",
                        headers=admin["headers"])
    assert off.status_code == 204, off.text
    with runtime.db() as db:
        person = db.get(User, pro["id"])
        assert (person.totp_secret, person.totp_enabled_at, person.totp_last_step) == \
            (None, None, None)
        assert db.scalar(select(func.count()).select_from(RecoveryCode)
                         .where(RecoveryCode.user_id == pro["id"])) == 0
    detail = _audit(runtime, pro["id"])[-1]
    assert detail[0] == "reset_second_factor" and "on -> off" in str(detail[2])
    assert "3 recovery code(s) removed" in str(detail[2])


def test_people_are_found_by_name_email_team_and_status(client: Any,
                                                        admin: dict[str, Any]) -> None:
    team = _team(client, admin)
    marker = secrets.token_hex(3)
    invited = _invite(client, admin, team_id=team["id"], name=f"Bram {marker}")
    active = _invite(client, admin, team_id=team["id"], name=f"Carla {marker}")
    client.post(f"/api/account-links/{_token(active['link']['url'])}",
                json={"password": PASSWORD})
    gone = _invite(client, admin, team_id=team["id"], name=f"Dirk {marker}")
    client.patch(f"/api/admin/users/{gone['user']['id']}", json={"active": False},
                 headers=admin["headers"])

    def names(**params: str) -> list[str]:
        resp = client.get("/api/admin/users", params=params, headers=admin["headers"])
        assert resp.status_code == 200, resp.text
        return sorted(u["name"] for u in resp.json()["users"])

    assert names(q=marker.upper()) == [f"Bram {marker}", f"Carla {marker}", f"Dirk {marker}"]
    assert names(team_id=team["id"]) == names(q=marker)
    assert names(q=marker, status="invited") == [f"Bram {marker}"]
    assert names(q=marker, status="active") == [f"Carla {marker}"]
    assert names(q=marker, status="deactivated") == [f"Dirk {marker}"]
    assert names(q=invited["user"]["email"]) == [f"Bram {marker}"]
    teams = client.get("/api/admin/teams", headers=admin["headers"]).json()["teams"]
    assert next(t for t in teams if t["id"] == team["id"])["members"] == 2, \
        "a deactivated person no longer counts"


def test_attunes_own_accounts_are_not_people_to_manage(client: Any, runtime: Any,
                                                      admin: dict[str, Any]) -> None:
    """The account that codes the suggestions never logs in: the administration
    neither lists it nor changes it."""
    from services.annotate.suggestions import SUGGESTER_EMAIL, suggester

    with runtime.db() as db:
        system_id = suggester(db).id
    listed = client.get("/api/admin/users", params={"q": "suggestions"},
                        headers=admin["headers"]).json()["users"]
    assert SUGGESTER_EMAIL not in [u["email"] for u in listed]
    for method, path, body in (("PATCH", f"/api/admin/users/{system_id}", {"active": True}),
                               ("POST", f"/api/admin/users/{system_id}/link", None)):
        resp = client.request(method, path, json=body, headers=admin["headers"])
        assert resp.status_code == 404 and resp.json()["code"] == "user_not_found"


# -- teams and the organisation's policy -------------------------------------

def test_teams_are_made_renamed_and_may_require_a_second_factor(
        client: Any, admin: dict[str, Any], runtime: Any) -> None:
    name = team_name()
    team = _team(client, admin, name)
    assert team["require_totp"] is False and team["members"] == 0
    twice = client.post("/api/admin/teams", json={"name": name.upper()},
                        headers=admin["headers"])
    assert twice.status_code == 409 and twice.json()["code"] == "team_exists"
    blank = client.post("/api/admin/teams", json={"name": "   "}, headers=admin["headers"])
    assert blank.status_code == 422 and blank.json()["code"] == "team_name_required"
    renamed = client.patch(f"/api/admin/teams/{team['id']}",
                           json={"name": name + "-zuid", "require_totp": True},
                           headers=admin["headers"])
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == name + "-zuid" and renamed.json()["require_totp"] is True
    other = _team(client, admin)
    clash = client.patch(f"/api/admin/teams/{other['id']}", json={"name": name + "-zuid"},
                         headers=admin["headers"])
    assert clash.status_code == 409 and clash.json()["code"] == "team_exists"
    events = _audit(runtime, team["id"])
    assert [a for a, *_ in events] == ["create_team", "update_team"]
    assert f"name {name!r} -> {name + '-zuid'!r}" in str(events[1][2])
    assert "require_totp False -> True" in str(events[1][2])


def test_the_organisation_policy_is_read_and_changed_by_an_admin(
        client: Any, admin: dict[str, Any], runtime: Any) -> None:
    from core.db.models import OrganisationPolicy

    before = client.get("/api/admin/policy", headers=admin["headers"])
    assert before.status_code == 200 and before.json() == {"require_totp": False}
    try:
        on = client.patch("/api/admin/policy", json={"require_totp": True},
                          headers=admin["headers"])
        assert on.status_code == 200 and on.json() == {"require_totp": True}
        with runtime.db() as db:
            row = db.get(OrganisationPolicy, 1)
            assert row is not None and row.require_totp and row.updated_by == admin["id"]
        event = _audit(runtime, "1")[-1]
        assert event[0] == "update_policy" and event[2] == "require_totp False -> True"
        assert event[3] == admin["id"]
    finally:  # everyone else's tests run without the policy
        with runtime.db() as db:
            row = db.get(OrganisationPolicy, 1)
            if row is not None:
                row.require_totp = False


# -- who may do this ---------------------------------------------------------

def test_every_admin_route_refuses_everyone_but_an_admin(client: Any, users: Users) -> None:
    team = team_name()
    admin = users.add("admin")
    target = users.add("professional", team)
    some_team = _team(client, admin)
    routes = [("GET", "/api/admin/users", None),
              ("POST", "/api/admin/users",
               {"email": _email(), "name": "", "role": "admin", "team_id": None}),
              ("PATCH", f"/api/admin/users/{target['id']}", {"role": "admin"}),
              ("PATCH", f"/api/admin/users/{target['id']}", {"active": False}),
              ("POST", f"/api/admin/users/{target['id']}/link", None),
              ("DELETE", f"/api/admin/users/{target['id']}/second-factor", None),
              ("GET", "/api/admin/teams", None),
              ("POST", "/api/admin/teams", {"name": team_name()}),
              ("PATCH", f"/api/admin/teams/{some_team['id']}", {"require_totp": True}),
              ("GET", "/api/admin/policy", None),
              ("PATCH", "/api/admin/policy", {"require_totp": True})]
    tried = held = 0
    for role in ("professional", "supervisor", "privacy_officer"):
        caller = users.add(role, team)
        for method, path, body in routes:
            tried += 1
            resp = client.request(method, path, json=body, headers=caller["headers"])
            if resp.status_code == 403 and resp.json()["code"] == "forbidden_role":
                held += 1
    client.cookies.clear()
    for method, path, body in routes:
        tried += 1
        if client.request(method, path, json=body).status_code == 401:
            held += 1
    print(f"admin routes: {tried} tried, {held} held")
    assert (tried, held) == (44, 44)
    # and nothing changed
    assert client.get("/api/me", headers=target["headers"]).json()["role"] == "professional"
    assert client.get("/api/admin/policy",
                      headers=admin["headers"]).json() == {"require_totp": False}


def test_a_supervisor_sees_their_own_team(client: Any, admin: dict[str, Any],
                                          users: Users) -> None:
    team = _team(client, admin)
    elsewhere = _team(client, admin)
    supervisor = _invite(client, admin, role="supervisor", team_id=team["id"],
                         name="Sanne Supervisor")
    client.post(f"/api/account-links/{_token(supervisor['link']['url'])}",
                json={"password": PASSWORD})
    sup_headers = _bearer(client, supervisor["user"]["email"])
    member = _invite(client, admin, team_id=team["id"], name="Mo Medewerker")
    _invite(client, admin, team_id=elsewhere["id"], name="Elders")

    view = client.get("/api/team", headers=sup_headers)
    assert view.status_code == 200, view.text
    assert view.json()["team"] == {"id": team["id"], "name": team["name"]}
    assert sorted((m["name"], m["role"], m["status"]) for m in view.json()["members"]) == [
        ("Mo Medewerker", "professional", "invited"),
        ("Sanne Supervisor", "supervisor", "active")]
    assert {m["email"] for m in view.json()["members"]} == {
        supervisor["user"]["email"], member["user"]["email"]}
    for role in ("professional", "admin", "privacy_officer"):
        other = users.add(role, team_name())
        refused = client.get("/api/team", headers=other["headers"])
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden_role"


# -- the attune user commands ------------------------------------------------

def _cli(*args: str, password: str | None = None) -> Any:
    from attune.cli import app

    env = {"ATTUNE_PASSWORD": password} if password else {}
    return CliRunner().invoke(app, ["user", *args], env=env)


def test_the_user_commands_manage_people_on_the_server(client: Any, runtime: Any) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent, User, utcnow

    email = _email("cli")
    team = team_name()
    invited = _cli("invite", email, "--role", "professional", "--team", team,
                   "--name", "Cor Client")
    assert invited.exit_code == 0, invited.output
    assert f"invited {email} (professional, team {team})" in invited.output
    url = next(line for line in invited.output.splitlines() if "/welcome/" in line)
    assert client.post(f"/api/account-links/{_token(url)}",
                       json={"password": PASSWORD}).status_code == 204
    headers = _bearer(client, email)

    listed = _cli("list")
    assert listed.exit_code == 0
    line = next(row for row in listed.output.splitlines() if row.startswith(email))
    assert "Cor Client" in line and team in line and line.rstrip().endswith("active")

    assert _cli("set-role", email, "supervisor").exit_code == 0
    assert client.get("/api/me", headers=headers).json()["role"] == "supervisor"
    other_team = team_name()
    moved = _cli("set-team", email, other_team)
    assert moved.exit_code == 0 and f"team {other_team}" in moved.output
    assert client.get("/api/me", headers=headers).json()["team"] == other_team
    no_team = _cli("set-team", email, "--no-team")
    assert no_team.exit_code == 1 and "supervisor supervises a team" in no_team.output

    off = _cli("deactivate", email)
    assert off.exit_code == 0, off.output
    assert client.get("/api/me", headers=headers).status_code == 401
    assert _cli("activate", email).exit_code == 0
    headers = _bearer(client, email)

    reset = _cli("reset-link", email)
    assert reset.exit_code == 0 and "reset link for" in reset.output
    link = next(row for row in reset.output.splitlines() if "/welcome/" in row)
    assert client.get(f"/api/account-links/{_token(link)}").json()["purpose"] == "reset"

    with runtime.db() as db:
        person = db.scalar(select(User).where(User.email == email))
        person.totp_secret, person.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
        person_id = person.id
    assert _cli("reset-2fa", email).exit_code == 0
    with runtime.db() as db:
        assert db.get(User, person_id).totp_secret is None
        server = db.scalars(select(AuditEvent).where(AuditEvent.object_id == person_id)
                            .order_by(AuditEvent.id)).all()
    assert {e.on_behalf_of for e in server} >= {
        "attune user invite", "attune user set-role", "attune user set-team",
        "attune user deactivate", "attune user activate", "attune user reset-link",
        "attune user reset-2fa"}
    assert all(e.role == "server" for e in server if e.on_behalf_of)


def test_the_user_commands_say_what_is_wrong() -> None:
    unknown = _cli("deactivate", "niemand@example.org")
    assert unknown.exit_code == 1 and "Nobody has the e-mail address" in unknown.output
    taken_email = _email("dup")
    assert _cli("invite", taken_email, "--role", "professional").exit_code == 0
    taken = _cli("invite", taken_email, "--role", "professional", "--team", "Nergens")
    assert taken.exit_code == 1 and "already exists" in taken.output
    assert _cli("list").output.count("Nergens") == 0, "no team made for a refused invitation"
    supervisor = _cli("invite", _email(), "--role", "supervisor")
    assert supervisor.exit_code == 1 and "choose their team" in supervisor.output
    for password, reason in (("kort", "at least 10 characters"),
                             ("iloveyou12", "most common"),
                             ("ik-ben-jansen-hoor", "must not be (or contain) your e-mail")):
        added = _cli("add", "jansen@example.org", "--role", "professional",
                     "--team", team_name(), password=password)
        assert added.exit_code == 1 and reason in added.output, added.output
