"""The database's own guard on the access log: it refuses UPDATE, DELETE and
TRUNCATE of ``audit_events`` whoever asks, not only in application code.

Shared by the migrations that create the table and the ones that must lift the
guard for a moment (adding a column on SQLite rebuilds the table).
"""

from __future__ import annotations

from alembic import op

APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_events_no_{op} BEFORE {OP} ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)
APPEND_ONLY_PG_FUNC = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_PG_TRIGGER = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
    "ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
)


def protect_audit_log() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE) of the access log in the database."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))
    elif dialect == "postgresql":
        op.execute(APPEND_ONLY_PG_FUNC)
        op.execute(APPEND_ONLY_PG_TRIGGER)


def lift_audit_guard() -> None:
    """Drop the guard for a migration step; :func:`protect_audit_log` puts it back."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
