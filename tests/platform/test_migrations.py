"""The schema migrates on both databases Attune runs on, and the audit log
stays append-only on both."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from core.db.migrate import alembic_config, upgrade


def _assert_append_only(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (at, object_type, action, outcome, "
                          "prev_hash, hash) VALUES (CURRENT_TIMESTAMP, 'clip', 'view_clip', "
                          "'success', '', '')"))
    for statement in ("UPDATE audit_events SET outcome = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def test_sqlite_migrates_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'attune.db'}"
    upgrade(url)
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"users", "cases", "clips", "renditions", "audit_events"} <= tables
    _assert_append_only(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)


def test_postgres_is_migrated_and_audit_is_append_only(runtime: Any) -> None:
    """On a database of its own: the unchained row it adds would break the
    shared database's audit chain for the tests that verify it."""
    import secrets

    import psycopg

    name = f"attune_migrations_{secrets.token_hex(4)}"
    admin = os.environ.get("ATTUNE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = runtime.database_url.rsplit("/", 1)[0] + f"/{name}"
        upgrade(url)
        _assert_append_only(url)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_models_and_the_migrations_describe_the_same_schema(runtime: Any) -> None:
    """A model change without its migration would work in tests (which migrate)
    only by luck; this catches it."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.db.models import Base

    engine = create_engine(runtime.database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
