"""Helpers the API tests share: users, running jobs, polling."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    import httpx

#: Every test user's password.
PASSWORD = "correct horse battery"


class Person(TypedDict):
    """A test user, logged in over the API (``Users.add``)."""

    id: str
    email: str
    password: str
    #: Their bearer token, for every request made as them.
    headers: dict[str, str]


#: Logged-in users by the name a test gives them (``people["pro"]``).
People = dict[str, Person]


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

    def add(self, role: str, team: str | None = None) -> Person:
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


def make_people(runtime: Any, app: Any, team: str, **roles: str) -> People:
    """Logged-in users by name: ``pro="professional"`` joins ``team``;
    ``stranger="professional@elsewhere"`` gets a team of their own and
    ``officer="privacy_officer@none"`` none at all."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        users = Users(runtime, client)
        made: People = {}
        for name, spec in roles.items():
            role, _, where = spec.partition("@")
            assert where in ("", "elsewhere", "none"), spec
            made[name] = users.add(role, None if where == "none" else
                                   team_name() if where else team)
        return made


def run_jobs(runtime: Any) -> None:
    """Work every queued job in this process (a real RQ worker, no fork)."""
    from rq import SimpleWorker

    from core.queue import KINDS, queue

    SimpleWorker([queue(runtime.settings, runtime.redis, kind)
                  for kind in KINDS],
                 connection=runtime.redis).work(burst=True)


def create_case(client: httpx.Client, headers: dict[str, str], label: str | None = None) -> str:
    """A new case, labelled ``label`` (or a fresh ``Gezin …``); its id."""
    resp = client.post("/api/cases", json={"label": label or f"Gezin {secrets.token_hex(3)}"},
                       headers=headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def post_clip(client: httpx.Client, headers: dict[str, str], case_id: str,
              source: Path | bytes, filename: str | None = None) -> httpx.Response:
    """Uploads a recording (a file, or its bytes) into a case in one request, as a
    form does; the answer, whatever it is."""
    if isinstance(source, bytes):
        return client.post(f"/api/cases/{case_id}/clips", headers=headers,
                           files={"file": (filename or "badje.mp4", source, "video/mp4")})
    with source.open("rb") as fh:
        return client.post(f"/api/cases/{case_id}/clips", headers=headers,
                           files={"file": (filename or source.name, fh, "video/mp4")})


def upload(client: httpx.Client, headers: dict[str, str], case_id: str, source: Path | bytes,
           filename: str | None = None) -> str:
    """``post_clip`` that is accepted (202, queued to transcode); the new clip's id."""
    resp = post_clip(client, headers, case_id, source, filename)
    assert resp.status_code == 202, resp.text
    return str(resp.json()["id"])


def clip_when_ready(runtime: Any, client: httpx.Client, headers: dict[str, str],
                    clip_id: str) -> dict[str, Any]:
    """Works the queued jobs; the clip, which must now be ready."""
    run_jobs(runtime)
    ready: dict[str, Any] = client.get(f"/api/clips/{clip_id}", headers=headers).json()
    assert ready["status"] == "ready", ready
    return ready


def ready_clip(runtime: Any, client: httpx.Client, headers: dict[str, str], source: Path,
               label: str | None = None, filename: str = "badje.mp4") -> dict[str, Any]:
    """Upload ``source`` into a new case and transcode it: a clip ready to code."""
    case_id = create_case(client, headers, label)
    clip_id = upload(client, headers, case_id, source, filename)
    return clip_when_ready(runtime, client, headers, clip_id)


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


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """The SQL statements any engine sends while the block runs. It listens on the
    Engine class: the app's engine may be another object than a new lookup of the
    same URL returns."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    sent: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
