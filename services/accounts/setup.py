"""First run: the one-time set-up of the first administrator.

While nobody has an account, ``/setup`` in the web app creates the first
admin. It asks for a set-up code that only someone who can read the server's
log knows: ``attune serve`` and ``attune api`` print it at start. The code is
derived from the secret key (HMAC), so every API process of a deployment
prints the same one and nothing needs storing; it is useless once anyone has
an account. Wrong codes are throttled per address like failed logins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, errors
from core.auth import hash_password
from core.db.models import OrganisationPolicy, Role, User, utcnow
from core.web import Db, Rt, client_ip
from services.accounts import people, throttle
from services.accounts.router import MeOut, open_web_session

router = APIRouter(prefix="/api/setup", tags=["accounts"])
log = logging.getLogger(__name__)

#: The code's characters: Crockford's base32, without the look-alikes I, L, O and U.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Read as the letter someone meant to type.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
GROUPS, GROUP_LENGTH = 4, 4


def setup_code(secret_key: bytes) -> str:
    """The deployment's set-up code, e.g. ``7KQ2-M9XD-P4TA-W3HE`` (80 bits)."""
    digest = hmac.new(secret_key, b"attune:first-run-setup-code", hashlib.sha256).digest()
    # base32 of the digest, re-spelt in Crockford's alphabet
    standard = base64.b32encode(digest).decode().rstrip("=")
    spelt = standard.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET))
    chars = spelt[:GROUPS * GROUP_LENGTH]
    return "-".join(chars[i:i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def _normalised(code: str) -> str:
    """What someone typed, as the code is written: dashes and spaces ignored,
    capitals, look-alike letters read as digits."""
    plain = "".join(c for c in code.upper() if c.isalnum()).translate(_LOOK_ALIKES)
    return "-".join(plain[i:i + GROUP_LENGTH] for i in range(0, len(plain), GROUP_LENGTH))


def code_matches(secret_key: bytes, typed: str) -> bool:
    return hmac.compare_digest(_normalised(typed).encode(), setup_code(secret_key).encode())


def setup_needed(db: Session) -> bool:
    """True only while nobody at all has an account."""
    return not db.scalar(select(exists().where(User.id.is_not(None))))


def announce(db: Session, secret_key: bytes, base_url: str) -> str | None:
    """Log how to create the first admin, while that is needed; the line logged."""
    if not setup_needed(db):
        return None
    line = (f"Nobody can log in yet: open {base_url.rstrip('/')}/setup and enter the set-up "
            f"code {setup_code(secret_key)} to create the first administrator.")
    log.warning(line)
    return line


class SetupState(BaseModel):
    needed: bool


class SetupIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200)
    password: str = Field(min_length=1, max_length=people.PASSWORD_FIELD_MAX)


@router.get("", response_model=SetupState)
def state(db: Db) -> SetupState:
    """Whether the first admin still has to be created (public)."""
    return SetupState(needed=setup_needed(db))


@router.post("", response_model=MeOut)
def set_up(body: SetupIn, request: Request, response: Response, db: Db, runtime: Rt) -> MeOut:
    """Create the first admin with the code from the server's log, and log them in."""
    ip = client_ip(request)
    actor = audit.Actor(None, body.email[:320], None, on_behalf_of="first-run set-up")
    if not setup_needed(db):
        raise errors.Conflict("Attune is set up already; log in, or ask an admin for an "
                              "invitation.", "setup_done")
    try:
        attempt = throttle.for_runtime(runtime).attempt(None, ip)
    except throttle.Throttled as held:
        audit.record(db, actor, action="first_run_setup", object_type="user", object_id=None,
                     case_id=None, outcome="throttled", ip=ip,
                     detail=f"too many wrong set-up codes; retry after {held.retry_after} s")
        raise errors.TooManyAttempts(f"Too many wrong set-up codes from this address. Wait "
                                     f"{held.retry_after} seconds and try again.",
                                     "too_many_attempts",
                                     headers={"Retry-After": str(held.retry_after)}) from None
    except throttle.Unavailable as down:
        log.error("set-up refused, the throttle cannot count attempts: %s", down)
        raise errors.Unavailable("Setting up is not possible for a moment (the attempts cannot be "
                                 "counted); try again in a few minutes.", "sign_in_unavailable",
                                 headers={"Retry-After": "60"}) from None
    if not code_matches(runtime.secret_key, body.code):
        audit.record(db, actor, action="first_run_setup", object_type="user", object_id=None,
                     case_id=None, outcome="denied", ip=ip, detail="wrong set-up code")
        raise errors.NotAllowed("That is not the set-up code. It is in the server's log, in the "
                                "line that starts with 'Nobody can log in yet'.",
                                "setup_code_wrong")
    attempt.give_back()
    email = people.free_email(db, body.email)
    people.check_password(body.password, email)
    admin = _first_admin(db, email, body.name, body.password)
    audit.record(db, audit.Actor.of(admin), action="first_run_setup", object_type="user",
                 object_id=admin.id, case_id=None, ip=ip,
                 detail=f"{admin.email}: first admin created with the set-up code")
    return open_web_session(db, runtime, request, response, admin)


def _first_admin(db: Session, email: str, name: str, password: str) -> User:
    """The admin, unless someone else was quicker: the organisation policy's
    row is the lock two simultaneous set-ups take turns on."""
    try:
        if db.get(OrganisationPolicy, people.POLICY_ID, with_for_update=True) is None:
            db.add(OrganisationPolicy(id=people.POLICY_ID, require_totp=False))
            db.flush()
    except IntegrityError:
        db.rollback()
        raise errors.Conflict("Attune was set up just now by someone else; log in.",
                              "setup_done") from None
    if not setup_needed(db):
        raise errors.Conflict("Attune was set up just now by someone else; log in.",
                              "setup_done")
    admin = User(email=email, name=name.strip(), password_hash=hash_password(password),
                 password_set_at=utcnow(), role=Role.admin, team_id=None)
    db.add(admin)
    db.flush()
    return admin
