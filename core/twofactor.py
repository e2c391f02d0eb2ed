"""Two-factor sign-in: a time-based one-time password (TOTP, RFC 6238) from an
authenticator app, and recovery codes for the day the phone is lost.

A code is six digits that change every 30 seconds; one time step either side of
now is accepted (pyotp's ``valid_window=1``) for a phone whose clock is a little
off. Each time step is accepted once (``users.totp_last_step``), so a code seen
over someone's shoulder cannot be used again. Recovery codes are 80 random bits
each, stored only as their SHA-256 and each accepted once.

Nothing is stored when enrolment starts: the new secret travels in a signed,
short-lived enrolment token (:mod:`core.signing`) until the person proves with
a code that their app has it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any, Literal, cast

import pyotp
import segno
from pyotp.utils import strings_equal
from sqlalchemy import ColumnElement, CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from core import signing
from core.db.models import OrganisationPolicy, RecoveryCode, Team, User, utcnow

ISSUER = "Attune"
#: How long a started enrolment waits for its first code.
ENROLMENT_TTL_S = 15 * 60
RECOVERY_CODE_COUNT = 10
_ENROLMENT = "totp-enrolment"


class EnrolmentInvalid(Exception):
    """The enrolment token is forged, someone else's, or too old."""


def enabled(user: User) -> bool:
    """Whether ``user`` signs in with a second factor."""
    return user.totp_secret is not None and user.totp_enabled_at is not None


def required(db: Session, user: User) -> bool:
    """Whether the organisation, or the person's team, asks for a second factor.

    Asked on every request of a person without one, so it is one round trip.
    Someone who signs in only through the organisation's single sign-on has no
    Attune password for a code to back up: their provider's own multi-factor
    rules apply there, and Attune asks for nothing more."""
    if user.password_hash is None and user.oidc_subject is not None:
        return False
    asked: ColumnElement[bool] = select(OrganisationPolicy.id).where(
        OrganisationPolicy.id == 1, OrganisationPolicy.require_totp).exists()
    if user.team_id:
        asked = or_(asked, select(Team.id).where(Team.id == user.team_id,
                                                 Team.require_totp).exists())
    return bool(db.scalar(select(asked)))


def must_enrol(db: Session, user: User) -> bool:
    """Required but not set up yet: the person may do nothing else until it is."""
    return not enabled(user) and required(db, user)


# -- enrolment --------------------------------------------------------------

def start_enrolment(secret_key: bytes, user: User) -> dict[str, str]:
    """A new secret, as text, as an ``otpauth://`` URI and as a QR code (SVG) for
    the authenticator app, plus the signed token that carries it to confirmation."""
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    token = signing.sign(secret_key, {"p": _ENROLMENT, "u": user.id, "s": secret},
                         ENROLMENT_TTL_S)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, border=2)
    return {"secret": secret, "uri": uri, "qr_svg": qr_svg, "enrolment": token}


def enrolment_secret(secret_key: bytes, user: User, token: str) -> str:
    """The secret an enrolment token started for ``user``."""
    try:
        claims = signing.verify(secret_key, token, p=_ENROLMENT, u=user.id)
    except signing.InvalidToken as exc:
        raise EnrolmentInvalid(str(exc)) from None
    return str(claims["s"])


def confirm(db: Session, user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-factor sign-in on if ``code`` is right for ``secret`` (the code is
    then used up); the new recovery codes, or None for a wrong code."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    return new_recovery_codes(db, user)


def disable(db: Session, user: User) -> None:
    """Turn two-factor sign-in off: the secret and every recovery code are gone."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# -- codes ------------------------------------------------------------------

def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, if it is the code of now or of the step
    just before or after (the clock of a phone may be a little off)."""
    code = "".join(code.split())
    totp = pyotp.TOTP(secret)
    at = int(time.time() if now is None else now)
    for offset in (0, -1, 1):
        if strings_equal(code, totp.at(at, counter_offset=offset)):
            return totp.timecode(at) + offset
    return None


def use_code(db: Session, user: User, code: str) -> Literal["totp", "recovery"] | None:
    """Accept ``code`` once as a second factor: an authenticator code (six
    digits) or a recovery code. Which kind it was, or None when it is wrong or
    was used before."""
    if user.totp_secret is None:
        return None
    compact = "".join(code.split())
    if compact.isdigit():
        step = matching_step(user.totp_secret, compact)
        # One conditional update, so two requests with the same code cannot both pass.
        if step is not None and _changed(db.execute(
                update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                           User.totp_last_step < step))
                .values(totp_last_step=step))):
            return "totp"
        return None
    used = db.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(compact),
        RecoveryCode.used_at.is_(None)).values(used_at=utcnow()))
    return "recovery" if _changed(used) else None


def _changed(result: Any) -> bool:
    return cast(CursorResult[Any], result).rowcount == 1


def new_recovery_codes(db: Session, user: User) -> list[str]:
    """A fresh set of recovery codes (the old ones stop working), to be shown once."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    return codes


def recovery_codes_left(db: Session, user: User) -> int:
    return len(db.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def _recovery_code() -> str:
    """80 random bits as 16 base32 characters in groups of four: no 0/1/8/9 to
    mistake for O/I/B/g when typed over from paper."""
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def _digest(code: str) -> str:
    """What is stored of a recovery code; typed with or without dashes, any case."""
    normal = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(f"attune-recovery:{normal}".encode()).hexdigest()
