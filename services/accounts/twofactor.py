"""A person's own sign-in: password, two-factor sign-in (TOTP), recovery codes.

Everything here changes how the caller logs in, so what a stolen, unattended
session could misuse (turning the second factor off, new recovery codes, a new
password) asks for the password again, counted by the login throttle like any
password check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from core import audit, errors, twofactor
from core.auth import end_logins, hash_password, matches
from core.db.models import User, utcnow
from core.web import CurrentUser, Db, Rt, client_ip, oauth2, session_token
from services.accounts.people import check_password, void_links
from services.accounts.router import counted_attempt

router = APIRouter(prefix="/api/account", tags=["accounts"])


class EnrolmentOut(BaseModel):
    #: For typing into the app by hand (base32).
    secret: str
    #: ``otpauth://totp/...``: what the QR code holds.
    uri: str
    qr_svg: str
    #: Send back with the first code to turn two-factor sign-in on.
    enrolment: str


class ConfirmIn(BaseModel):
    enrolment: str = Field(min_length=1, max_length=2000)
    code: str = Field(min_length=1, max_length=20)
    #: The person's password: a session left open somewhere must not be able to
    #: tie the account to someone else's phone. (Not asked of people who sign
    #: in only through single sign-on: they have none.)
    password: str | None = Field(default=None, max_length=1000)


class RecoveryCodesOut(BaseModel):
    #: Shown this once; only their hashes are kept.
    recovery_codes: list[str]


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=1000)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


def _password_confirmed(db: Db, runtime: Rt, request: Request, user: User,
                        password: str, action: str) -> None:
    """403 ``bad_credentials`` unless ``password`` is the caller's; a wrong one
    counts towards the login throttle and is audit-logged."""
    attempt = counted_attempt(db, runtime, request, user.email)
    if user.password_hash is None or not matches(user.password_hash, password):
        audit.record(db, audit.Actor.of(user), action=action, object_type="user",
                     object_id=user.id, case_id=None, outcome="denied",
                     ip=client_ip(request), detail="wrong password")
        raise errors.NotAllowed("That is not your current password.", "bad_credentials")
    attempt.give_back()


@router.post("/password", status_code=204)
def change_password(body: PasswordChangeIn, request: Request, user: CurrentUser, db: Db,
                    runtime: Rt, bearer: Annotated[str | None, Depends(oauth2)]) -> Response:
    """A new password; every other session and token of the person ends (a
    thief's included), the one this request came with stays."""
    _password_confirmed(db, runtime, request, user, body.current_password, "change_password")
    check_password(body.new_password, user.email)
    user.password_hash = hash_password(body.new_password)
    user.password_set_at = utcnow()
    token, _ = session_token(request, bearer)
    ended = end_logins(db, user, keep=token)
    voided = void_links(db, user)
    audit.record(db, audit.Actor.of(user), action="change_password", object_type="user",
                 object_id=user.id, case_id=None, ip=client_ip(request),
                 detail=f"password changed; {ended} other session(s) and token(s) ended"
                        + (f"; {voided} unused one-time link(s) stopped" if voided else ""))
    return Response(status_code=204)


@router.post("/totp", response_model=EnrolmentOut)
def start_totp(user: CurrentUser, runtime: Rt) -> EnrolmentOut:
    """A new secret for the authenticator app; nothing changes until a code
    from the app confirms it (``POST /api/account/totp/confirm``)."""
    if twofactor.enabled(user):
        raise errors.Conflict("Two-factor sign-in is already on. Turn it off first to "
                              "move it to another app or phone.", "totp_already_on")
    return EnrolmentOut(**twofactor.start_enrolment(runtime.secret_key, user))


@router.post("/totp/confirm", response_model=RecoveryCodesOut)
def confirm_totp(body: ConfirmIn, request: Request, user: CurrentUser, db: Db,
                 runtime: Rt) -> RecoveryCodesOut:
    """Turn two-factor sign-in on with the first code from the app and the
    password; the answer holds the recovery codes, shown this once."""
    if twofactor.enabled(user):
        raise errors.Conflict("Two-factor sign-in is already on. Turn it off first to "
                              "move it to another app or phone.", "totp_already_on")
    try:
        secret = twofactor.enrolment_secret(runtime.secret_key, user, body.enrolment)
    except twofactor.EnrolmentInvalid:
        raise errors.Invalid("This set-up has expired or is not yours. Start setting up "
                             "two-factor sign-in again.", "totp_enrolment_expired") from None
    if user.password_hash is not None:
        _password_confirmed(db, runtime, request, user, body.password or "", "enable_totp")
    codes = twofactor.confirm(db, user, secret, body.code)
    if codes is None:
        raise errors.Invalid("That code is not right. Enter the six digits your "
                             "authenticator app shows now for Attune.", "totp_code_wrong")
    audit.record(db, audit.Actor.of(user), action="enable_totp", object_type="user",
                 object_id=user.id, case_id=None, ip=client_ip(request),
                 detail=f"two-factor sign-in off -> on; {len(codes)} recovery codes")
    return RecoveryCodesOut(recovery_codes=codes)


@router.delete("/totp", status_code=204)
def turn_off_totp(body: PasswordIn, request: Request, user: CurrentUser, db: Db,
                  runtime: Rt) -> Response:
    """Turn two-factor sign-in off (not while the organisation or team asks
    for it); the recovery codes stop working too."""
    if twofactor.required(db, user):
        raise errors.Conflict("Your organisation asks everyone in your team to sign in with "
                              "a second factor, so it cannot be turned off. To move it to another "
                              "phone, ask an administrator to reset it.", "totp_required_by_policy")
    _password_confirmed(db, runtime, request, user, body.password, "disable_totp")
    was_on = twofactor.enabled(user)
    twofactor.disable(db, user)
    audit.record(db, audit.Actor.of(user), action="disable_totp", object_type="user",
                 object_id=user.id, case_id=None, ip=client_ip(request),
                 detail=f"two-factor sign-in {'on' if was_on else 'off'} -> off")
    return Response(status_code=204)


@router.post("/recovery-codes", response_model=RecoveryCodesOut)
def new_recovery_codes(body: PasswordIn, request: Request, user: CurrentUser, db: Db,
                       runtime: Rt) -> RecoveryCodesOut:
    """A fresh set of recovery codes; the old ones stop working."""
    if not twofactor.enabled(user):
        raise errors.Conflict("Recovery codes belong to two-factor sign-in; turn that on "
                              "first.", "totp_off")
    _password_confirmed(db, runtime, request, user, body.password, "new_recovery_codes")
    left = twofactor.recovery_codes_left(db, user)
    codes = twofactor.new_recovery_codes(db, user)
    audit.record(db, audit.Actor.of(user), action="new_recovery_codes", object_type="user",
                 object_id=user.id, case_id=None, ip=client_ip(request),
                 detail=f"{left} unused recovery codes -> {len(codes)} new")
    return RecoveryCodesOut(recovery_codes=codes)
