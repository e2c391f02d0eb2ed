"""PostgreSQL roles: the application may add to the access log, never rewrite it.

The migrations run as the database's owner; the API and the workers connect
as a separate application role that may read and write the tables but only
INSERT and SELECT ``audit_events``. Only the owner could lift the append-only
trigger, so someone holding the application's credentials (or the
application itself, misbehaving) cannot change history. Run again after every
upgrade: new tables get their grants then (``attune db grant``).
"""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class GrantError(ValueError):
    """The grant cannot be made (readable message)."""


def grant_app_role(owner_url: str, role: str, password: str | None = None) -> list[str]:
    """Give ``role`` what the application needs and no more; the statements run.

    Creates the role (able to log in, with ``password``) if it does not exist.
    """
    if not ROLE_NAME.match(role):
        raise GrantError(f"'{role}' is not a plain role name (lowercase letters, digits, _)")
    engine = create_engine(owner_url)
    if engine.dialect.name != "postgresql":
        raise GrantError("roles exist on PostgreSQL only; on SQLite the append-only "
                         "triggers guard the access log")
    done: list[str] = []
    with engine.begin() as conn:
        if conn.scalar(text("SELECT current_user")) == role:
            raise GrantError(f"'{role}' is the role running this command (the owner); "
                             "the application needs a role of its own")
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        statements: list[str] = []
        if not exists:
            if not password:
                raise GrantError(f"role '{role}' does not exist: give its password "
                                 "(ATTUNE_APP_DB_PASSWORD) to create it")
            # DDL takes no bind parameters: the server quotes the password itself,
            # so no character of it can end the literal.
            literal = conn.scalar(text("SELECT quote_literal(:p)"), {"p": password})
            statements.append(f'CREATE ROLE "{role}" LOGIN PASSWORD {literal}')
        database = conn.scalar(text("SELECT current_database()"))
        statements += [
            f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
            f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events '
            f'FROM "{role}"',
            f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM "{role}"',
        ]
        for statement in statements:
            conn.exec_driver_sql(statement)
            done.append(statement if "PASSWORD" not in statement
                        else f'CREATE ROLE "{role}" LOGIN PASSWORD ***')
    engine.dispose()
    return done
