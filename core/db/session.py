"""Engine and session factory, one per process and database URL."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """A pooled engine; SQLite gets WAL and a busy timeout so the API and the
    worker can share the embedded file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return _own_connections_after_fork(engine)
    return _own_connections_after_fork(create_engine(url, pool_pre_ping=True))


def _own_connections_after_fork(engine: Engine) -> Engine:
    """A forked child (RQ's work horse) opens connections of its own.

    The pool's connections are sockets the parent keeps using (the worker's
    sweeper thread): a child that took one would talk over the same session
    at the same time, and PostgreSQL ends a session whose messages are
    interleaved. The child forgets them without closing them, which would
    end the parent's sessions too.
    """
    ref = weakref.ref(engine)

    def forget() -> None:
        forked = ref()
        if forked is not None:
            forked.dispose(close=False)

    os.register_at_fork(after_in_child=forget)
    return engine


@lru_cache(maxsize=8)
def get_sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on error."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
