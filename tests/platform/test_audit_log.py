"""The access log is tamper-evident and readable by those entitled: events are
hash-chained (``attune audit verify`` names the first broken one), on
PostgreSQL the application's role can only add to it, and a privacy officer
reads it back, filtered, page by page or as CSV, which is itself logged."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from conftest import PG_ADMIN_URL, RUN_ID, _pg_url
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from support import create_case

from core import audit
from core.db.migrate import upgrade

WRITERS, EACH = 8, 25


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _record(engine: Engine, n: int, who: str = "els") -> None:
    for i in range(n):
        with Session(engine) as db:
            audit.record(db, audit.Actor(f"u-{who}", f"{who}@example.org", "professional"),
                         action="view_clip", object_type="clip", object_id=f"c{i}",
                         case_id="case-1", ip="127.0.0.1", detail=f"{who} {i}")


def _check(engine: Engine) -> audit.ChainCheck:
    with Session(engine) as db:
        return audit.verify(db)


@pytest.fixture(scope="module")
def chained_db() -> Iterator[str]:
    """A database of its own, with 200 events written by 8 writers at once."""
    name = f"attune_test_{RUN_ID}_chain"
    _admin(f'CREATE DATABASE "{name}"')
    url = _pg_url(name)
    upgrade(url)
    engine = create_engine(url, poolclass=NullPool)
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(lambda w: _record(engine, EACH, f"w{w}"), range(WRITERS)))
    engine.dispose()
    yield url
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def copy_of(chained_db: str) -> Iterator[str]:
    """A copy of the chained database to tamper with."""
    name = f"attune_test_{RUN_ID}_copy"
    source = chained_db.rsplit("/", 1)[1]
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    yield _pg_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tamper(url: str, *statements: str) -> None:
    """What only someone past the application, as the database's owner, could do."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    engine.dispose()


def _verify_cli(url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ATTUNE_DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "attune.cli", "audit", "verify"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_concurrent_writers_make_one_unbroken_chain(chained_db: str) -> None:
    engine = create_engine(chained_db, poolclass=NullPool)
    check = _check(engine)
    engine.dispose()
    assert check.intact and check.events == WRITERS * EACH
    done = _verify_cli(chained_db)
    assert done.returncode == 0, done.stderr
    assert f"intact: {WRITERS * EACH} events" in done.stdout


@pytest.mark.parametrize(("tampering", "broken_at", "reason"), [
    (["UPDATE audit_events SET detail = 'nothing to see' WHERE id = 50"], 50, "changed"),
    (["UPDATE audit_events SET user_email = 'other@example.org', hash = 'x' WHERE id = 70"],
     70, "changed"),
    (["DELETE FROM audit_events WHERE id = 100"], 101, "does not follow"),
    (["DELETE FROM audit_events WHERE id > 197"], 197, "removed from the end"),
])
def test_verify_names_the_first_event_changed_or_removed_on_a_copy(
        copy_of: str, tampering: list[str], broken_at: int, reason: str) -> None:
    _tamper(copy_of, *tampering)
    engine = create_engine(copy_of, poolclass=NullPool)
    check = _check(engine)
    engine.dispose()
    assert (check.broken_at, reason in (check.reason or "")) == (broken_at, True)
    done = _verify_cli(copy_of)
    assert done.returncode == 1
    assert f"broken at event #{broken_at}" in done.stderr


def test_the_application_role_can_add_to_the_log_but_never_change_it(
        copy_of: str, tmp_path: Path) -> None:
    role, password = f"attune_app_{RUN_ID}", "app-role-Secret:1'"
    env = dict(os.environ, ATTUNE_DATABASE_URL=copy_of, ATTUNE_APP_DB_PASSWORD=password)
    done = subprocess.run([sys.executable, "-m", "attune.cli", "db", "grant", role], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert password not in done.stdout
    host = copy_of.split("@", 1)[1]
    app_url = f"postgresql+psycopg://{role}:{quote(password, safe='')}@{host}"
    engine = create_engine(app_url, poolclass=NullPool)
    try:
        _record(engine, 3, "app")  # adding works, and the chain goes on
        assert _check(engine).intact
        with engine.begin() as conn:  # the rest of the schema is the application's
            conn.execute(text("INSERT INTO teams (id, name, created_at) "
                              "VALUES ('t-app', 'Team app', CURRENT_TIMESTAMP)"))
        refused = ["UPDATE audit_events SET detail = 'x' WHERE id = 1",
                   "DELETE FROM audit_events WHERE id = 1",
                   "TRUNCATE audit_events",
                   "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
                   "DROP TABLE audit_events"]
        held = 0
        for statement in refused:
            with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
                conn.execute(text(statement))
            assert caught.value.orig is not None
            assert "permission denied" in str(caught.value.orig) \
                or "must be owner" in str(caught.value.orig)
            held += 1
        assert held == len(refused)
    finally:
        engine.dispose()
        _admin(f'DROP DATABASE IF EXISTS "{copy_of.rsplit("/", 1)[1]}" WITH (FORCE)')
        _admin(f'DROP ROLE IF EXISTS "{role}"')


def test_events_written_before_the_chain_are_chained_by_the_upgrade(tmp_path: Path) -> None:
    from alembic import command

    from core.db.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'attune.db'}"
    command.upgrade(alembic_config(url), "0005")
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO audit_events (at, object_type, object_id, action, "
                              "outcome) VALUES (CURRENT_TIMESTAMP, 'clip', :i, 'view_clip', "
                              "'success')"), {"i": f"c{i}"})
    upgrade(url)
    _record(engine, 2)
    check = _check(engine)
    assert check.intact and check.events == 5
    engine.dispose()


# -- reading it back ---------------------------------------------------------------

def test_a_privacy_officer_reads_the_log_and_the_reading_is_logged(
        client: Any, users: Any, runtime: Any) -> None:
    officer, pro = users.add("privacy_officer"), users.add("professional", "Noord")
    case_id = create_case(client, pro["headers"], "Gezin audit")
    assert client.get("/api/audit", headers=pro["headers"]).status_code == 403
    assert client.get("/api/audit").status_code == 401

    page = client.get("/api/audit", params={"user_id": pro["id"], "limit": 1},
                      headers=officer["headers"])
    assert page.status_code == 200
    body = page.json()
    assert [e["action"] for e in body["events"]] == ["login"] and body["next_before"] is None
    assert body["events"][0]["user_email"] == pro["email"]

    everything = client.get("/api/audit", params={"limit": 2}, headers=officer["headers"])
    first = everything.json()
    older = client.get("/api/audit", params={"limit": 2, "before": first["next_before"]},
                       headers=officer["headers"]).json()
    assert first["events"][-1]["id"] > older["events"][0]["id"]

    csv = client.get("/api/audit/export.csv", params={"case_id": case_id},
                     headers=officer["headers"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("id,at,user_id,user_email")

    viewers = client.get(f"/api/audit/cases/{case_id}/viewers", headers=officer["headers"])
    assert viewers.status_code == 200 and viewers.json() == []

    readings = client.get("/api/audit", params={"user_id": officer["id"]},
                          headers=officer["headers"]).json()["events"]
    assert {"read_audit_log", "export_audit_log", "read_case_viewers"} <= {
        e["action"] for e in readings}
    exported = next(e for e in readings if e["action"] == "export_audit_log")
    assert exported["case_id"] == case_id and exported["detail"] == f"case_id={case_id}"


def test_attune_audit_export_writes_the_log_as_csv(live_url: str, users: Any,
                                                   tmp_path: Path) -> None:
    officer, pro = users.add("privacy_officer"), users.add("professional", "Noord")

    def export(person: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ATTUNE_URL": live_url, "XDG_CONFIG_HOME": str(tmp_path),
               "ATTUNE_TOKEN": person["headers"]["Authorization"].split()[1]}
        return subprocess.run([sys.executable, "-m", "attune.cli", "audit", "export", *args],
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    out = tmp_path / "audit.csv"
    done = export(officer, "--user", pro["id"], "--action", "login", "-o", str(out))
    assert done.returncode == 0, done.stderr
    rows = out.read_text().splitlines()
    assert rows[0].startswith("id,at,user_id") and len(rows) == 2 and pro["email"] in rows[1]
    refused = export(pro)
    assert refused.returncode == 1 and "privacy_officer" in refused.stderr
