"""People and teams: inviting, (de)activating, changing roles and teams, and the
one-time links that set a password.

The API (``services/accounts/admin.py``, ``links.py``, ``setup.py``) and the
``attune user`` commands call these same functions, so a rule holds however a
change is made. Refusals are the kinds of :mod:`core.errors` (a readable
sentence and a code); the CLI prints the sentence. Every change is
audit-logged with who changed whom, before -> after; :func:`core.audit.record`
commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, select, update
from sqlalchemy.orm import Session

from core import audit, errors, passwords, twofactor
from core.auth import (
    SYSTEM_ACCOUNT_DOMAIN,
    UserError,
    end_logins,
    hash_password,
    normalise_email,
    token_digest,
)
from core.db.models import (
    AccountLink,
    AccountLinkPurpose,
    OrganisationPolicy,
    RecoveryCode,
    Role,
    Share,
    Team,
    User,
    utcnow,
)

Status = Literal["active", "invited", "deactivated"]
#: Where a one-time link opens in the web app: ``{base}/welcome/{token}``.
WELCOME_PATH = "/welcome/"
POLICY_ID = 1
#: What a request may send as a password: more than the rules allow, so that a
#: long one is refused by :mod:`core.passwords` with its reason.
PASSWORD_FIELD_MAX = 4 * passwords.MAX_LENGTH


# -- looking people up -----------------------------------------------------

def status(user: User) -> Status:
    """Deactivated; invited (no password set yet and no single sign-on); or active."""
    if not user.active:
        return "deactivated"
    if user.password_hash is None and user.oidc_subject is None:
        return "invited"
    return "active"


def status_is(wanted: Status) -> ColumnElement[bool]:
    """The SQL condition for people whose :func:`status` is ``wanted``."""
    no_login = and_(User.password_hash.is_(None), User.oidc_subject.is_(None))
    if wanted == "deactivated":
        return not_(User.active)
    if wanted == "invited":
        return and_(User.active, no_login)
    return and_(User.active, not_(no_login))


def find_users(db: Session, q: str | None = None, team_id: str | None = None,
               wanted: Status | None = None) -> list[User]:
    """People whose e-mail or name contains ``q``, in ``team_id``, with status ``wanted``."""
    query = select(User).where(not_(User.email.endswith(SYSTEM_ACCOUNT_DOMAIN))) \
        .order_by(func.lower(User.email))
    if q and q.strip():
        pattern = f"%{_escape_like(q.strip().lower())}%"
        query = query.where(or_(func.lower(User.email).like(pattern, escape="\\"),
                                func.lower(User.name).like(pattern, escape="\\")))
    if team_id:
        query = query.where(User.team_id == team_id)
    if wanted:
        query = query.where(status_is(wanted))
    return list(db.scalars(query))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def user_by_id(db: Session, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None or user.email.endswith(SYSTEM_ACCOUNT_DOMAIN):
        raise errors.Unknown("There is no such person; reload the list.", "user_not_found")
    return user


def user_by_email(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.email.endswith(SYSTEM_ACCOUNT_DOMAIN):
        raise errors.Unknown(f"Nobody has the e-mail address {email.strip()}.", "user_not_found")
    return user


def team_by_id(db: Session, team_id: str) -> Team:
    team = db.get(Team, team_id)
    if team is None:
        raise errors.Unknown("There is no such team; reload the list.", "team_not_found")
    return team


def team_by_name(db: Session, actor: audit.Actor, name: str, ip: str | None = None) -> Team:
    """The team called ``name``, made on first use (as ``attune user add`` does)."""
    team = db.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    return team if team is not None else create_team(db, actor, name, ip)


def _team_name(team: Team | None) -> str:
    return team.name if team else "no team"


# -- passwords and links ---------------------------------------------------

def check_password(password: str, email: str) -> None:
    """The password rules (:mod:`core.passwords`) as an API refusal (422)."""
    try:
        passwords.check(password, email)
    except passwords.PasswordRejected as rejected:
        raise errors.Invalid(str(rejected), rejected.code) from None


def set_password(db: Session, user: User, password: str) -> None:
    """Give ``user`` a new password that meets the rules, and end every session
    and API token they have: whoever had their old password is out."""
    check_password(password, user.email)
    user.password_hash = hash_password(password)
    user.password_set_at = utcnow()
    end_logins(db, user)
    void_links(db, user)


def void_links(db: Session, user: User) -> int:
    """Stop every unused one-time link of ``user``; how many.

    Called whenever their password changes, however it changes: a reset link
    made before (perhaps passed on carelessly, or by someone posing as them)
    must not outlive the password it was meant to replace."""
    now = utcnow()
    return _rows(db.execute(update(AccountLink).where(
        AccountLink.user_id == user.id, AccountLink.used_at.is_(None),
        AccountLink.expires_at > now).values(expires_at=now)))


@dataclass(frozen=True)
class IssuedLink:
    """A one-time link as the admin passes it on: the token exists only here."""

    url: str
    expires_at: datetime
    purpose: AccountLinkPurpose


def _rows(result: object) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return int(getattr(result, "rowcount", 0) or 0)


def link_url(base_url: str | None, token: str) -> str:
    """``{base}/welcome/{token}``; without a base, the path alone."""
    return f"{(base_url or '').rstrip('/')}{WELCOME_PATH}{token}"


def issue_link(db: Session, actor: audit.Actor, user: User, base_url: str | None,
               ttl_s: int, ip: str | None = None) -> IssuedLink:
    """A new one-time link for ``user``: an invitation while they never set a
    password, a password reset after. Older unused links stop working."""
    if not user.active:
        raise errors.Conflict(f"{user.email} is deactivated; activate them first.",
                              "user_deactivated")
    purpose = (AccountLinkPurpose.invite if user.password_set_at is None
               and user.password_hash is None else AccountLinkPurpose.reset)
    now = utcnow()
    voided = db.execute(update(AccountLink).where(
        AccountLink.user_id == user.id, AccountLink.used_at.is_(None),
        AccountLink.expires_at > now).values(expires_at=now))
    token = secrets.token_urlsafe(32)
    link = AccountLink(token_hash=token_digest(token), user_id=user.id, purpose=purpose,
                       created_by=actor.user_id, created_at=now,
                       expires_at=now + timedelta(seconds=ttl_s))
    db.add(link)
    replaced = _rows(voided)
    audit.record(db, actor, action="issue_account_link", object_type="user",
                 object_id=user.id, case_id=None, ip=ip,
                 detail=f"{purpose.value} link for {user.email}, valid until "
                        f"{link.expires_at.isoformat(timespec='minutes')}"
                        + (f"; {replaced} older unused link(s) stopped" if replaced else ""))
    return IssuedLink(link_url(base_url, token), link.expires_at, purpose)


def open_link(db: Session, token: str) -> tuple[AccountLink, User]:
    """The link behind ``token`` and its person, if it can still be used."""
    link = db.get(AccountLink, token_digest(token))
    user = db.get(User, link.user_id) if link else None
    if link is None or user is None or not user.active:
        raise errors.Unknown("This link is not known. Ask your administrator for a new one.",
                             "link_unknown")
    if link.used_at is not None:
        raise errors.Gone("This link was used already; each link works once. Log in, or "
                          "ask your administrator for a new link.", "link_used")
    if link.expires_at <= utcnow():
        raise errors.Gone("This link has expired (or a newer one was made). Ask your "
                          "administrator for a new one.", "link_expired")
    return link, user


def _claim(db: Session, link: AccountLink) -> None:
    """Use ``link`` up in one conditional UPDATE, or refuse it as used.

    The check in :func:`open_link` alone is not enough: two requests with the
    same link both pass it before either writes, and each would set its own
    password. The UPDATE waits for any other request's claim of the same row
    and then finds the link used, so a link sets a password once, however many
    requests race for it."""
    now = utcnow()
    claimed = db.execute(update(AccountLink).where(
        AccountLink.token_hash == link.token_hash, AccountLink.used_at.is_(None),
        AccountLink.expires_at > now).values(used_at=now))
    if _rows(claimed) != 1:
        raise errors.Gone("This link was used already; each link works once. Log in, or "
                          "ask your administrator for a new link.", "link_used")


def redeem_link(db: Session, token: str, password: str, name: str | None = None,
                ip: str | None = None) -> User:
    """Set the password through a one-time link: the link is then used up and
    every session of the person ends."""
    link, user = open_link(db, token)
    check_password(password, user.email)
    _claim(db, link)
    set_password(db, user, password)
    if name is not None and name.strip():
        user.name = name.strip()[:200]
    action = "accept_invitation" if link.purpose is AccountLinkPurpose.invite else \
        "reset_password"
    audit.record(db, audit.Actor.of(user), action=action, object_type="user",
                 object_id=user.id, case_id=None, ip=ip,
                 detail=f"password set through a one-time {link.purpose.value} link; "
                        "every session ended")
    return user


# -- people ----------------------------------------------------------------

def free_email(db: Session, email: str) -> str:
    """``email`` as stored, if it is an address nobody has yet."""
    try:
        email = normalise_email(email)
    except UserError as exc:
        raise errors.Invalid(f"{exc}; check the address.", "email_invalid") from None
    if db.scalar(select(User.id).where(User.email == email)):
        raise errors.Conflict(f"Someone with the e-mail address {email} already exists.",
                              "email_taken")
    return email


def invite(db: Session, actor: audit.Actor, email: str, name: str, role: Role,
           team: Team | None, base_url: str | None, ttl_s: int,
           ip: str | None = None) -> tuple[User, IssuedLink]:
    """A new person without a password, and the invitation link to set one."""
    email = free_email(db, email)
    _require_team(role, team)
    user = User(email=email, name=name.strip()[:200], role=role,
                team_id=team.id if team else None)
    db.add(user)
    db.flush()
    audit.record(db, actor, action="invite_user", object_type="user", object_id=user.id,
                 case_id=None, ip=ip,
                 detail=f"{email}: invited as {role.value}, {_team_name(team)}"
                        + (f", name {user.name!r}" if user.name else ""))
    return user, issue_link(db, actor, user, base_url, ttl_s, ip)


#: ``change(team=...)`` left out: the team stays as it is (None means no team).
UNCHANGED = object()


def change(db: Session, actor: audit.Actor, user: User, *, name: str | None = None,
           role: Role | None = None, team: Team | object | None = UNCHANGED,
           active: bool | None = None, ip: str | None = None) -> User:
    """Change a person's name, role, team or whether they may log in, in one
    audited step. Deactivating ends their sessions, API tokens and unused links
    at once (their signed media links stop too: playback asks whether the
    holder is active)."""
    new_role = role if role is not None else user.role
    new_team = user.team if team is UNCHANGED else team
    assert new_team is None or isinstance(new_team, Team)
    new_active = user.active if active is None else active
    lock_admins(db)
    _guard_admins(db, actor, user, new_role, new_active, ip)
    _require_team(new_role, new_team)
    changes = []
    action = "update_user"
    if name is not None and name.strip()[:200] != user.name:
        changes.append(f"name {user.name!r} -> {name.strip()[:200]!r}")
        user.name = name.strip()[:200]
    if new_role is not user.role:
        changes.append(f"role {user.role.value} -> {new_role.value}")
        user.role = new_role
    new_team_id = new_team.id if new_team else None
    if new_team_id != user.team_id:
        old = db.get(Team, user.team_id) if user.team_id else None
        changes.append(f"team {_team_name(old)} -> {_team_name(new_team)}")
        user.team_id = new_team_id
        user.team = new_team
    if new_active != user.active:
        action = "activate_user" if new_active else "deactivate_user"
        changes.append("deactivated -> active" if new_active else "active -> deactivated")
        user.active = new_active
        if not new_active:
            sessions = end_logins(db, user)
            links = db.execute(delete(AccountLink).where(AccountLink.user_id == user.id,
                                                         AccountLink.used_at.is_(None)))
            changes.append(f"{sessions} session(s)/token(s) ended, "
                           f"{_rows(links)} unused link(s) removed"
                           + _family_links_note(db, user))
    if changes:
        db.flush()
        audit.record(db, actor, action=action, object_type="user", object_id=user.id,
                     case_id=None, ip=ip, detail=f"{user.email}: " + "; ".join(changes))
    return user


def _family_links_note(db: Session, user: User) -> str:
    """How many share links the person made still work, for the access log.

    They stay working: a family's link belongs to the case the organisation
    keeps caring for, not to the professional who happened to make it, and a
    family should not lose its videos because a colleague left. It ends when
    it expires (at most 90 days), when the case closes, or when a colleague
    on the case revokes it; the count tells the admin there is something to
    look at when someone leaves under a cloud."""
    now = utcnow()
    left = db.scalar(select(func.count()).select_from(Share).where(
        Share.created_by == user.id, Share.revoked_at.is_(None), Share.expires_at > now)) or 0
    return f"; {left} family share link(s) they made still work" if left else ""


def _require_team(role: Role, team: Team | None) -> None:
    if role is Role.supervisor and team is None:
        raise errors.Invalid("A supervisor supervises a team: choose their team.",
                             "team_required")


#: The advisory lock (PostgreSQL) that changes to people take turns on.
_ADMINS_LOCK = 0x41747475  # "Attu"


def lock_admins(db: Session) -> None:
    """Let one change to people at a time count the admins, until it commits.

    Without it, two admins who deactivate (or demote) each other at the same
    moment each count the other as the admin who stays, and both succeed:
    nobody is left to administer Attune. A transaction-level advisory lock,
    taken before anything of the request is written (no autoflush), so that
    waiting for it never holds a row the other side needs. Re-entrant, and
    released by the commit that :func:`core.audit.record` makes. SQLite has
    one writer at a time and needs none."""
    if db.get_bind().dialect.name != "postgresql":
        return
    with db.no_autoflush:
        db.execute(select(func.pg_advisory_xact_lock(_ADMINS_LOCK)))


def _guard_admins(db: Session, actor: audit.Actor, user: User, role: Role,
                  active: bool, ip: str | None = None) -> None:
    """Somebody must always be able to administer Attune, and an admin does not
    lock themselves out by mistake. A refusal is in the access log, with who
    tried it (call :func:`lock_admins` first)."""
    stays_admin = role is Role.admin and active
    if not (user.role is Role.admin and user.active) or stays_admin:
        return
    if actor.user_id == user.id:
        refusal = errors.Conflict("You cannot deactivate yourself or give up your own admin "
                                  "role; ask another admin.", "last_admin")
    else:
        others = db.scalar(select(func.count()).select_from(User).where(
            User.role == Role.admin, User.active, User.id != user.id)) or 0
        if others:
            return
        refusal = errors.Conflict(f"{user.email} is the last active admin; make someone else "
                                  "an admin first.", "last_admin")
    audit.record(db, actor, action="update_user", object_type="user", object_id=user.id,
                 case_id=None, outcome="denied", ip=ip,
                 detail=f"{user.email}: refused to leave no admin "
                        f"(asked: role {role.value}, {'active' if active else 'deactivated'})")
    raise refusal


def reset_second_factor(db: Session, actor: audit.Actor, user: User,
                        ip: str | None = None, keep: str | None = None) -> None:
    """Turn off a person's two-factor sign-in and recovery codes (a lost phone):
    they log in with their password and set it up again.

    Every session and API token of theirs ends too (but the login ``keep``, an
    admin's own when they reset their own factor): a factor is reset because
    the phone is lost or in someone else's hands, and a phone often holds a
    logged-in browser as well. Left open, such a session could even set up a
    new authenticator of its own choosing."""
    was = "on" if twofactor.enabled(user) else "off"
    codes = db.scalar(select(func.count()).select_from(RecoveryCode)
                      .where(RecoveryCode.user_id == user.id)) or 0
    twofactor.disable(db, user)
    ended = end_logins(db, user, keep=keep if actor.user_id == user.id else None)
    audit.record(db, actor, action="reset_second_factor", object_type="user",
                 object_id=user.id, case_id=None, ip=ip,
                 detail=f"{user.email}: two-factor sign-in {was} -> off; "
                        f"{codes} recovery code(s) removed; {ended} session(s)/token(s) ended")


# -- teams and the organisation's policy -----------------------------------

def members(db: Session, team: Team) -> list[User]:
    return list(db.scalars(select(User).where(User.team_id == team.id)
                           .order_by(func.lower(User.name), func.lower(User.email))))


def _free_team_name(db: Session, name: str, team: Team | None = None) -> str:
    name = name.strip()
    if not name:
        raise errors.Invalid("A team needs a name.", "team_name_required")
    taken = db.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
    if taken is not None and (team is None or taken != team.id):
        raise errors.Conflict(f"There is a team called {name!r} already.", "team_exists")
    return name[:200]


def create_team(db: Session, actor: audit.Actor, name: str, ip: str | None = None) -> Team:
    team = Team(name=_free_team_name(db, name))
    db.add(team)
    db.flush()
    audit.record(db, actor, action="create_team", object_type="team", object_id=team.id,
                 case_id=None, ip=ip, detail=f"team {team.name!r} created")
    return team


def change_team(db: Session, actor: audit.Actor, team: Team, *, name: str | None = None,
                require_totp: bool | None = None, ip: str | None = None) -> Team:
    changes = []
    if name is not None and name.strip() != team.name:
        new = _free_team_name(db, name, team)
        changes.append(f"name {team.name!r} -> {new!r}")
        team.name = new
    if require_totp is not None and require_totp != team.require_totp:
        changes.append(f"require_totp {team.require_totp} -> {require_totp}")
        team.require_totp = require_totp
    if changes:
        db.flush()
        audit.record(db, actor, action="update_team", object_type="team", object_id=team.id,
                     case_id=None, ip=ip, detail=f"team {team.name!r}: " + "; ".join(changes))
    return team


def policy(db: Session) -> OrganisationPolicy:
    """The organisation's sign-in policy (all defaults until an admin changes it)."""
    row = db.get(OrganisationPolicy, POLICY_ID)
    return row if row is not None else OrganisationPolicy(id=POLICY_ID, require_totp=False)


def change_policy(db: Session, actor: audit.Actor, require_totp: bool,
                  ip: str | None = None) -> OrganisationPolicy:
    row = db.get(OrganisationPolicy, POLICY_ID)
    if row is None:
        row = OrganisationPolicy(id=POLICY_ID, require_totp=False)
        db.add(row)
    before = bool(row.require_totp)
    row.require_totp = require_totp
    row.updated_at = utcnow()
    row.updated_by = actor.user_id
    db.flush()
    audit.record(db, actor, action="update_policy", object_type="policy",
                 object_id=str(POLICY_ID), case_id=None, ip=ip,
                 detail=f"require_totp {before} -> {require_totp}")
    return row
