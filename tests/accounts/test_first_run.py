"""The first run of a new deployment: ``attune api`` on an empty database logs
the set-up code, and ``/setup`` makes the first admin with it, once.

The API runs as its own process, as an operator starts it, on a database of
its own (the other tests' database has people in it already) and the test
run's Redis and S3 under its own namespace.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from conftest import PG_ADMIN_URL, RUN_ID, _pg_url
from support import free_port

ATTUNE = [sys.executable, "-m", "attune.cli"]
PASSWORD = "een lange zin als wachtwoord"
PUBLIC_URL = "https://attune.example.org"


@pytest.fixture(scope="module")
def fresh(services: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("first-run")
    name = f"attune_first_run_{RUN_ID}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    key = secrets.token_urlsafe(32)
    env = dict(os.environ, ATTUNE_DATABASE_URL=_pg_url(name), ATTUNE_SECRET_KEY=key,
               ATTUNE_QUEUE_NAMESPACE=f"attune-first-run-{RUN_ID}",
               ATTUNE_DATA_DIR=str(root / "data"), ATTUNE_LOG_FORMAT="json",
               ATTUNE_PUBLIC_URL=PUBLIC_URL)
    port = free_port()
    log_path = root / "api.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([*ATTUNE, "api", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log_path)
        yield {"url": url, "env": env, "key": key, "log": log_path,
               "database_url": env["ATTUNE_DATABASE_URL"]}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        _forget_attempts(env)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"attune api exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"attune api did not become healthy:\n{log.read_text()[-3000:]}")


def _settings(env: dict[str, str]) -> Any:
    from core.config import Settings

    return Settings(database_url=env["ATTUNE_DATABASE_URL"], secret_key=env["ATTUNE_SECRET_KEY"],
                    redis_url=env["ATTUNE_REDIS_URL"],
                    queue_namespace=env["ATTUNE_QUEUE_NAMESPACE"])


def _forget_attempts(env: dict[str, str]) -> None:
    """Clear the fresh deployment's throttle counts (its own namespace only)."""
    from core.runtime import Runtime
    from services.accounts import throttle

    throttle.for_runtime(Runtime(_settings(env))).reset()


def _logged_code(log: Path) -> str:
    for line in log.read_text().splitlines():
        if "Nobody can log in yet" in line:
            message = json.loads(line)["message"]
            return str(message.split("set-up code ")[1].split(" ")[0])
    pytest.fail(f"no set-up code in the log:\n{log.read_text()[-3000:]}")


def _setup(url: str, code: str, password: str = PASSWORD,
           email: str = "beheer@example.org") -> httpx.Response:
    return httpx.post(f"{url}/api/setup", json={"code": code, "email": email,
                                                "name": "Bea Beheer", "password": password})


def test_the_set_up_code_is_the_same_for_every_process_and_forgiving_to_type() -> None:
    from services.accounts.setup import code_matches, setup_code

    key = b"a deployment's secret key"
    code = setup_code(key)
    assert code == setup_code(key) != setup_code(b"another key")
    groups = code.split("-")
    assert len(groups) == 4 and all(len(g) == 4 and g.isalnum() for g in groups)
    assert not set(code) & set("ILOU"), "no look-alike letters"
    assert code_matches(key, code)
    assert code_matches(key, code.lower().replace("-", " "))
    assert code_matches(key, code.replace("0", "o").replace("1", "l").replace("-", ""))
    assert not code_matches(key, code[:-1])
    assert not code_matches(key, code[:-1] + ("2" if code[-1] != "2" else "3"))


def test_the_first_admin_is_made_once_with_the_code_from_the_log(fresh: dict[str, Any]) -> None:
    from sqlalchemy import select

    from core.db.models import AuditEvent, Role, User
    from core.db.session import session_scope
    from services.accounts.setup import announce, setup_code

    url, log = fresh["url"], fresh["log"]
    code = _logged_code(log)
    assert code == setup_code(fresh["key"].encode())
    assert f"open {PUBLIC_URL}/setup and enter the set-up code {code}" in log.read_text()
    assert httpx.get(f"{url}/api/setup").json() == {"needed": True}

    wrong = _setup(url, "AAAA-BBBB-CCCC-DDDD")
    assert wrong.status_code == 403 and wrong.json()["code"] == "setup_code_wrong"
    weak = _setup(url, code, password="1234567890")
    assert weak.status_code == 422 and weak.json()["code"] == "password_common", weak.text
    short = _setup(url, code, password="kort")
    assert short.status_code == 422 and short.json()["code"] == "password_too_short"
    assert httpx.get(f"{url}/api/setup").json() == {"needed": True}, "nothing made yet"

    # guessing is throttled per address, like logins
    answers = [_setup(url, f"{i:04d}-AAAA-BBBB-CCCC").status_code for i in range(40)]
    held = answers.index(429)
    assert held == 29 and set(answers[:held]) == {403}, answers
    assert _setup(url, code).status_code == 429, "the right code waits too"
    _forget_attempts(fresh["env"])

    made = _setup(url, code.lower().replace("-", " "))
    assert made.status_code == 200, made.text
    me = made.json()
    assert (me["email"], me["role"], me["team"]) == ("beheer@example.org", "admin", None)
    cookie = made.cookies.get("attune_session")
    assert cookie
    with httpx.Client(base_url=url, cookies={"attune_session": cookie}) as browser:
        assert browser.get("/api/me").json()["email"] == "beheer@example.org"
        csrf = {"X-CSRF-Token": me["csrf_token"]}
        # the first admin is the last admin: they cannot demote or deactivate themselves
        for change in ({"role": "professional"}, {"active": False}):
            refused = browser.patch(f"/api/admin/users/{me['id']}", json=change, headers=csrf)
            assert refused.status_code == 409 and refused.json()["code"] == "last_admin"
        invited = browser.post("/api/admin/users", headers=csrf, json={
            "email": "tweede@example.org", "name": "", "role": "professional",
            "team_id": None})
        assert invited.status_code == 201, invited.text
        assert invited.json()["link"]["url"].startswith(f"{PUBLIC_URL}/welcome/")

    assert httpx.get(f"{url}/api/setup").json() == {"needed": False}
    again = _setup(url, code, email="nog-een@example.org")
    assert again.status_code == 409 and again.json()["code"] == "setup_done"

    # nor can the server's operator leave the deployment without an admin
    for args in (("deactivate", "beheer@example.org"),
                 ("set-role", "beheer@example.org", "professional")):
        cli = subprocess.run([*ATTUNE, "user", *args], env=fresh["env"], capture_output=True,
                             text=True, timeout=120)
        assert cli.returncode == 1 and "last active admin" in cli.stderr, cli.stderr

    with session_scope(fresh["database_url"]) as db:
        admins = db.scalars(select(User)).all()
        assert [(u.email, u.role, u.name) for u in admins if u.role is Role.admin] == [
            ("beheer@example.org", Role.admin, "Bea Beheer")]
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "first_run_setup")
                            .order_by(AuditEvent.id)).all()
        outcomes = [e.outcome for e in events]
        assert outcomes.count("success") == 1 and outcomes[-1] == "success"
        assert outcomes.count("denied") == 30 and "throttled" in outcomes
        assert events[-1].user_id == me["id"]
        assert events[-1].detail == "beheer@example.org: first admin created with the set-up code"
        assert announce(db, fresh["key"].encode(), PUBLIC_URL) is None, \
            "once someone has an account, the code is no longer logged"
