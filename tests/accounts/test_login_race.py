"""A login that ends while a request is using it (its person deactivated, a
logout on another device) makes that request a logged-out one, never a 500."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete
from support import PASSWORD

from core.auth import add_user, issue_token, token_digest, user_for_token
from core.db.models import AuthToken, Role


def test_a_login_ended_between_reading_and_touching_it_is_gone(runtime: Any) -> None:
    with runtime.db() as db:
        user = add_user(db, f"race-{secrets.token_hex(4)}@example.org", PASSWORD,
                        Role.professional, None)
        token = issue_token(db, user, 3600, kind="session")
    reading = runtime.session()
    try:
        # The request has read the login (it is in its session) ...
        login = reading.get(AuthToken, token_digest(token))
        assert login is not None
        # ... when an admin's deactivation ends it in another transaction.
        admin = runtime.session()
        try:
            admin.execute(delete(AuthToken).where(AuthToken.token_hash == token_digest(token)))
            admin.commit()
        finally:
            admin.close()
        assert user_for_token(reading, token, idle_s=1800) is None
    finally:
        reading.close()
