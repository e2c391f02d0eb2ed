"""The life of a case after it is opened: what the family consented to, and
its end (closed, reopened, purged).

These rules live in one place so that every route and job asks the same
question the same way: ``require_consent`` before a recording is used for a
purpose, ``require_open`` before a new recording is taken in, and
``require_manager`` before anyone changes consent or ends the trajectory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import errors
from core.access import is_case_supervisor
from core.db.models import Case, Playlist, Share, User, utcnow

#: What each consent flag allows, in the words a professional reads in an error.
PURPOSES: dict[str, str] = {
    "feedback": "showing clips to the family",
    "supervision": "discussing the recordings in supervision",
    "training": "using the recordings to train other professionals",
}

CaseStatus = Literal["open", "closed", "purged"]


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else "an unknown date"


def case_status(case: Case) -> CaseStatus:
    """``purged`` wins over ``closed``: a purged case stays closed for good."""
    if case.purged_at is not None:
        return "purged"
    return "closed" if case.closed_at is not None else "open"


def consent_flags(case: Case) -> dict[str, bool]:
    """The family's consent per purpose, keyed like :data:`PURPOSES`."""
    return {"feedback": case.consent_feedback, "supervision": case.consent_supervision,
            "training": case.consent_training}


# -- rules -----------------------------------------------------------------

def may_manage(user: User, case: Case) -> bool:
    """The case's owner, or a supervisor of the team the case belongs to."""
    return user.id == case.owner_id or is_case_supervisor(user, case)


def require_manager(user: User, case: Case, action: str) -> None:
    """Refused (:class:`~core.errors.NotAllowed`) for someone who may see the case
    but not decide about it (a second coder, an admin with a grant); ``action``
    completes "... can <action>"."""
    if not may_manage(user, case):
        raise errors.NotAllowed(f"Only the professional who opened this case or a supervisor "
                                f"of its team can {action}.", "not_case_manager")


def require_consent(case: Case, purpose: str) -> None:
    """Refused (:class:`~core.errors.Conflict`) unless the family consented to
    ``purpose`` (a key of :data:`PURPOSES`).

    An unknown purpose is a programming error, not the user's: ValueError.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}; use one of {', '.join(PURPOSES)}")
    if consent_flags(case)[purpose]:
        return
    raise errors.Conflict(f"This case has no consent for {PURPOSES[purpose]} ('{purpose}'). "
                          f"Once the family agrees, the case's owner or a supervisor of its "
                          f"team records it in the case's consent ('{purpose}': true); then "
                          f"try again.", f"no_consent_{purpose}")


def require_open(case: Case, taking: str = "new recordings") -> None:
    """Refused (:class:`~core.errors.Conflict`) for a closed or purged case: the
    trajectory ended, so it takes no new work (``taking`` says what was refused)."""
    if case.purged_at is not None:
        raise errors.Conflict(f"This case was closed and its recordings were removed on "
                              f"{_day(case.purged_at)}; it takes no {taking}.", "case_closed")
    if case.closed_at is not None:
        raise errors.Conflict(f"This case was closed on {_day(case.closed_at)} and takes no "
                              f"{taking}. Its owner or a team supervisor can reopen it until "
                              f"{_day(case.purge_after)}.", "case_closed")


# -- changes ---------------------------------------------------------------

def set_consent(case: Case, user: User, flags: dict[str, bool]) -> None:
    """Record the family's consent as a whole (every purpose at once), and who
    recorded it when, so a withdrawal is as explicit as an agreement."""
    case.consent_feedback = flags["feedback"]
    case.consent_supervision = flags["supervision"]
    case.consent_training = flags["training"]
    case.consent_updated_at = utcnow()
    case.consent_updated_by = user.id


def revoke_shares(db: Session, case_id: str, now: datetime) -> int:
    """Stop every family link to the case's playlists at once; returns how many
    were still live."""
    shares = db.scalars(select(Share).join(Playlist, Share.playlist_id == Playlist.id)
                        .where(Playlist.case_id == case_id, Share.revoked_at.is_(None))).all()
    for share in shares:
        share.revoked_at = now
    return len(shares)


def close(db: Session, case: Case, grace_days: float) -> int:
    """End the trajectory: the recordings are removed after the grace period,
    and family links stop now. Returns how many links were revoked."""
    if case.closed_at is not None or case.purged_at is not None:
        raise errors.Conflict(f"This case was already closed on {_day(case.closed_at)}.",
                              "case_closed")
    now = utcnow()
    case.closed_at = now
    case.purge_after = now + timedelta(days=grace_days)
    return revoke_shares(db, case.id, now)


def reopen(case: Case) -> None:
    """Undo a close while the grace period lasts. Once it has ended the purge may
    already be removing recordings, so reopening is refused from then on."""
    if case.purged_at is not None:
        raise errors.Conflict(f"This case's recordings were removed on "
                              f"{_day(case.purged_at)} at the end of its retention period; it "
                              "cannot be reopened. Open a new case for new recordings.",
                              "case_purged")
    if case.closed_at is None:
        raise errors.Conflict("This case is open; there is nothing to reopen.", "case_open")
    if case.purge_after is not None and case.purge_after <= utcnow():
        raise errors.Conflict(f"The retention period of this case ended on "
                              f"{_day(case.purge_after)} and its recordings are being "
                              "removed; it can no longer be reopened.", "case_purging")
    case.closed_at = None
    case.purge_after = None
