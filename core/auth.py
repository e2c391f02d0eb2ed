"""Users, passwords and login tokens.

Passwords are hashed with argon2id. Login tokens are random and only their
SHA-256 is stored, so a leaked database holds no usable credentials.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core import passwords
from core.db.models import AuthToken, Role, Team, User, utcnow

#: argon2id as RFC 9106 recommends where memory is scarce: 3 passes over 64 MiB in 4
#: lanes, about 0.3 s a hash on a small server. A stored hash names its own
#: parameters, so raising these later still verifies every existing password.
PROFILE = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PROFILE)
#: Verified against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("attune-dummy-password")


def use_profile(parameters: Parameters) -> None:
    """Hash new passwords, and the stand-in an unknown e-mail is checked against,
    with ``parameters`` from now on in this process. The test suite makes and logs
    in people by the hundred and uses argon2's ``CHEAPEST`` profile, as Django's
    documentation advises a fast hasher for tests; servers keep :data:`PROFILE`."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("attune-dummy-password")
#: Accounts Attune itself uses (the suggestions' coder) live under a reserved
#: domain (RFC 2606): they never log in, and people administration never shows them.
SYSTEM_ACCOUNT_DOMAIN = "@attune.invalid"


class UserError(ValueError):
    """A user-management request that cannot be honoured (readable message)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def matches(stored_hash: str, secret: str) -> bool:
    """True when ``secret`` is the one ``stored_hash`` was made from."""
    try:
        return bool(_hasher.verify(stored_hash, secret))
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise UserError(f"'{email}' is not an e-mail address")
    return email


def add_user(db: Session, email: str, password: str, role: Role, team: str | None,
             name: str = "") -> User:
    """Create a user with a password (and their team on first use)."""
    email = normalise_email(email)
    try:
        passwords.check(password, email)
    except passwords.PasswordRejected as rejected:
        raise UserError(str(rejected)) from None
    if db.scalar(select(User).where(User.email == email)):
        raise UserError(f"a user with e-mail {email} already exists")
    if role is Role.supervisor and not team:
        raise UserError("a supervisor needs a team (--team NAME)")
    team_row = None
    if team:
        team_row = db.scalar(select(Team).where(Team.name == team))
        if team_row is None:
            team_row = Team(name=team)
            db.add(team_row)
            db.flush()
    user = User(email=email, name=name.strip(), password_hash=hash_password(password),
                password_set_at=utcnow(), role=role, team_id=team_row.id if team_row else None)
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH,
                       password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    return user


def token_digest(token: str) -> str:
    """What is stored of a random token: enough to recognise it, useless to a thief."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Session, user: User, ttl_s: int, kind: str = "api") -> str:
    """A new login for ``user``: ``kind`` "session" for the web app's cookie
    (which also ends after inactivity), "api" for a bearer token."""
    token = secrets.token_urlsafe(32)
    db.add(AuthToken(token_hash=token_digest(token), user_id=user.id, kind=kind,
                     expires_at=utcnow() + timedelta(seconds=ttl_s)))
    db.execute(delete(AuthToken).where(AuthToken.user_id == user.id,
                                       AuthToken.expires_at < utcnow()))
    return token


class LoginEnded(Exception):
    """The token was a login, but it has ended: too long without a request (a
    web session) or past its absolute end."""


#: ``last_used_at`` is written at most this often, so a busy page does not
#: write to the database on every request; inactivity is measured to within it.
TOUCH_EVERY_S = 60


def user_for_token(db: Session, token: str, idle_s: int | None = None) -> User | None:
    """Whose login ``token`` is; None for a token that never was one (or whose
    person was deactivated), :class:`LoginEnded` for one that ended.

    A web session (kind "session") also ends after ``idle_s`` seconds without a
    request, so a shared computer left alone does not stay logged in; a bearer
    token ("api") ends only at its absolute end."""
    row = db.get(AuthToken, token_digest(token))
    if row is None:
        return None
    now = utcnow()
    if row.expires_at < now:
        raise LoginEnded("expired")
    last = row.last_used_at or row.created_at
    if row.kind == "session" and idle_s is not None and now - last > timedelta(seconds=idle_s):
        raise LoginEnded("idle")
    if not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= timedelta(seconds=TOUCH_EVERY_S):
        row.last_used_at = now
        row.user.last_seen_at = now
        # Committed at once, not with the request: otherwise the person's row
        # stays locked for as long as the request runs (a long upload), and an
        # admin deactivating them, or two admins changing each other at once,
        # wait for it or deadlock. Nothing else of the request is written yet.
        try:
            db.commit()
        except StaleDataError:
            # Ended between reading and touching it (its person deactivated, a
            # logout elsewhere): the login is gone, not a server error.
            db.rollback()
            return None
    return row.user


def end_logins(db: Session, user: User, keep: str | None = None) -> int:
    """End every session and token of ``user`` but the login ``keep`` (a token),
    for example after a password change; how many ended."""
    query = delete(AuthToken).where(AuthToken.user_id == user.id)
    if keep is not None:
        query = query.where(AuthToken.token_hash != token_digest(keep))
    return int(db.execute(query).rowcount)  # type: ignore[attr-defined]


def revoke_token(db: Session, token: str) -> None:
    db.execute(delete(AuthToken).where(AuthToken.token_hash == token_digest(token)))
