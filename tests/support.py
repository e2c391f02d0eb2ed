"""Helpers the API tests share: users, running jobs, polling."""

from __future__ import annotations

import secrets
from typing import Any

#: Every test user's password.
PASSWORD = "correct horse battery"


def enrol_totp(client: Any, headers: dict[str, str],
               password: str = PASSWORD) -> tuple[str, list[str]]:
    """Turn on two-factor sign-in the way the account page does; the secret
    (to compute codes with pyotp) and the recovery codes."""
    import pyotp

    started = client.post("/api/account/totp", headers=headers)
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    done = client.post("/api/account/totp/confirm", headers=headers,
                       json={"enrolment": started.json()["enrolment"],
                             "code": pyotp.TOTP(secret).now(), "password": password})
    assert done.status_code == 200, done.text
    return secret, list(done.json()["recovery_codes"])


class Users:
    """Creates users the way an admin would, and logs them in over the API."""

    def __init__(self, runtime: Any, client: Any) -> None:
        self.runtime, self.client = runtime, client

    def add(self, role: str, team: str | None = None) -> dict[str, Any]:
        from core.auth import add_user
        from core.db.models import Role

        email = f"{role}-{secrets.token_hex(4)}@example.org"
        password = PASSWORD
        with self.runtime.db() as db:
            user = add_user(db, email, password, Role(role), team)
            user_id = user.id
        resp = self.client.post("/api/auth/token",
                                data={"username": email, "password": password})
        assert resp.status_code == 200, resp.text
        token = resp.json()["access_token"]
        return {"id": user_id, "email": email, "password": password,
                "headers": {"Authorization": f"Bearer {token}"}}


def make_people(runtime: Any, app: Any, team: str, **roles: str) -> dict[str, dict[str, Any]]:
    """Logged-in users by name: ``pro="professional"`` joins ``team``;
    ``stranger="professional@elsewhere"`` gets a team of their own."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        users = Users(runtime, client)
        made = {}
        for name, spec in roles.items():
            role, _, where = spec.partition("@")
            made[name] = users.add(role, team_name() if where else team)
        return made


def run_jobs(runtime: Any) -> None:
    """Work every queued job in this process (a real RQ worker, no fork)."""
    from rq import SimpleWorker

    from core.queue import KINDS, queue

    SimpleWorker([queue(runtime.settings, runtime.redis, kind)
                  for kind in KINDS],
                 connection=runtime.redis).work(burst=True)


def ready_clip(runtime: Any, client: Any, headers: dict[str, str], source: Any,
               label: str, filename: str = "badje.mp4") -> dict[str, Any]:
    """Upload ``source`` into a new case and transcode it: a clip ready to code."""
    case = client.post("/api/cases", json={"label": label}, headers=headers)
    assert case.status_code == 201, case.text
    with source.open("rb") as fh:
        resp = client.post(f"/api/cases/{case.json()['id']}/clips", headers=headers,
                           files={"file": (filename, fh, "video/mp4")})
    assert resp.status_code == 202, resp.text
    run_jobs(runtime)
    ready = client.get(f"/api/clips/{resp.json()['id']}", headers=headers).json()
    assert ready["status"] == "ready", ready
    return dict(ready)


def suggest(runtime: Any, clip_id: str, *moments: tuple[str, int, int | None, int | None]
            ) -> None:
    """Publishes suggestions for a clip the way the analysis does at its end,
    so a test chooses what is suggested: ``(code, start_ms, end_ms, repairs)``,
    where ``repairs`` is the index of the suggested mismatch a repair follows."""
    from core.db.models import Clip, ClipAnalysis
    from services.annotate import suggestions

    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        stored = suggestions.store(db, clip, [
            suggestions.Proposal(code=code, start_ms=start, end_ms=end, confidence=0.8,
                                 explanation="", repairs=repairs)
            for code, start, end, repairs in moments])
        row = db.get(ClipAnalysis, clip_id) or ClipAnalysis(clip_id=clip_id)
        row.status, row.error, row.set_id = "ready", None, stored.id
        db.add(row)


def team_name() -> str:
    return f"team-{secrets.token_hex(3)}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def serve_in_thread(app: Any, **config: Any) -> tuple[Any, Any, str]:
    """``app`` behind a real uvicorn on a free loopback port, in a daemon thread;
    returns the server (set ``should_exit`` to stop it), the thread and the URL."""
    import threading
    import time

    import uvicorn

    settings = {"host": "127.0.0.1", "port": free_port(), "log_level": "warning",
                "lifespan": "off", **config}
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{settings['port']}"
