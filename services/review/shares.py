"""Share links: a family watches one rendered playlist, nothing else.

A link carries a random token (only its hash is stored) and may need a
6-digit access code (stored as an argon2 hash, given to the family by
another way than the link). It expires (14 days unless said otherwise), is
revoked at once when the professional says so or the case closes, offers no
download, and every view is audit-logged with the share's id. A link can
only be made when the family consented to feedback on the case.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import audit, errors
from core.auth import hash_password, matches, token_digest
from core.db.models import Case, Playlist, PlaylistStatus, Share, User, utcnow
from services.cases import require_consent, require_open

DEFAULT_DAYS = 14
MAX_DAYS = 90
CODE_DIGITS = 6
#: Wrong codes before the link locks: guessing one in a million takes far more.
MAX_CODE_ATTEMPTS = 5


class ShareState(enum.StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"
    locked = "locked"


def state_of(row: Share) -> ShareState:
    if row.revoked_at is not None:
        return ShareState.revoked
    if row.expires_at <= utcnow():
        return ShareState.expired
    if row.failed_attempts >= MAX_CODE_ATTEMPTS:
        return ShareState.locked
    return ShareState.active


@dataclass(frozen=True)
class NewShare:
    """A link just made: the token and code are shown this once, never again."""

    row: Share
    token: str
    code: str | None


def create(db: Session, user: User, playlist: Playlist, case: Case, *, days: int,
           with_code: bool) -> NewShare:
    require_open(case, "new share links")
    require_consent(case, "feedback")
    if playlist.status is PlaylistStatus.purged or not playlist.media_prefix:
        raise errors.Conflict("Render the playlist before sharing it; the family sees the "
                              "rendered version.", "playlist_not_rendered")
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}" if with_code else None
    row = Share(playlist_id=playlist.id, token_hash=token_digest(token),
                code_hash=hash_password(code) if code else None,
                expires_at=utcnow() + timedelta(days=days), created_by=user.id)
    db.add(row)
    db.flush()
    return NewShare(row, token, code)


def shares_of(db: Session, playlist: Playlist) -> list[Share]:
    return list(db.scalars(select(Share).where(Share.playlist_id == playlist.id)
                           .order_by(Share.created_at)))


def revoke(row: Share) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()


class Refusal(Exception):
    """Why a family member cannot watch: shown to them as a friendly page."""

    def __init__(self, status: int, code: str, title_nl: str, text_nl: str, text_en: str) -> None:
        super().__init__(text_en)
        self.status, self.code = status, code
        self.title_nl, self.text_nl, self.text_en = title_nl, text_nl, text_en


NOT_FOUND = Refusal(404, "share_not_found", "Link niet gevonden",
                    "Deze link klopt niet. Controleer of u hem helemaal hebt overgenomen, of "
                    "vraag uw hulpverlener om een nieuwe link.",
                    "This link is not valid. Check that it was copied completely, or ask "
                    "your professional for a new one.")
GONE = {
    ShareState.expired: Refusal(410, "share_expired", "Deze link is verlopen",
                                "De video's zijn niet meer te bekijken via deze link. Vraag "
                                "uw hulpverlener om een nieuwe link als u ze nog eens wilt zien.",
                                "This link has expired. Ask your professional for a new link "
                                "if you would like to watch again."),
    ShareState.revoked: Refusal(410, "share_revoked", "Deze link is ingetrokken",
                                "Uw hulpverlener heeft deze link stopgezet. Vraag om een nieuwe "
                                "link als u de video's nog eens wilt zien.",
                                "Your professional has switched this link off. Ask for a new "
                                "one if you would like to watch again."),
    ShareState.locked: Refusal(423, "share_locked", "Te vaak een verkeerde code",
                               "Er is te vaak een verkeerde toegangscode ingevuld. Vraag uw "
                               "hulpverlener om een nieuwe link.",
                               "The access code was entered wrongly too often. Ask your "
                               "professional for a new link."),
}
CODE_NEEDED = Refusal(401, "access_code_required", "Toegangscode",
                      "Vul de toegangscode van 6 cijfers in die u van uw hulpverlener kreeg.",
                      "Enter the 6-digit access code your professional gave you.")
WRONG_CODE = Refusal(403, "access_code_wrong", "Verkeerde toegangscode",
                     "Deze code klopt niet. Probeer het nog eens.",
                     "That code is not right. Please try again.")


def named(db: Session, token: str) -> Share | None:
    """The share a link names, whatever its state."""
    return db.scalar(select(Share).where(Share.token_hash == token_digest(token))) \
        if token else None


def by_token(db: Session, token: str) -> Share:
    """The share a link names, if it may still be watched (else a Refusal)."""
    row = named(db, token)
    if row is None:
        raise NOT_FOUND
    return usable(row)


def usable(row: Share) -> Share:
    state = state_of(row)
    if state is not ShareState.active:
        raise GONE[state]
    if row.playlist.status is PlaylistStatus.purged or not row.playlist.media_prefix:
        raise GONE[ShareState.revoked]
    return row


def check_code(db: Session, row: Share, code: str | None, ip: str | None = None) -> None:
    """Let the holder in if the link has no code or they know it; count misses.

    However many guesses arrive at once, at most :data:`MAX_CODE_ATTEMPTS` wrong
    codes are ever compared: each comparison first reserves an attempt with one
    conditional UPDATE in the database (which both PostgreSQL and SQLite apply
    one at a time), committed before the slow hash check, and a guess that finds
    no attempt left is refused as locked without being looked at. A wrong code
    keeps its attempt; a right one gives it back. While guesses are in flight
    their reserved attempts count, so a right code that arrives during an attack
    may be refused as locked too: a link under attack is one to replace.
    Every code compared is audit-logged (``share_code``).
    """
    if row.code_hash is None:
        return
    if not code:
        raise CODE_NEEDED
    used = _reserve_attempt(db, row)
    if used is None:
        raise GONE[ShareState.locked]
    if matches(row.code_hash, code.strip()):
        _give_back_attempt(db, row)
        _record_code(db, row, ip, "success", "access code accepted")
        return
    _record_code(db, row, ip, "denied",
                 f"wrong access code ({used} of {MAX_CODE_ATTEMPTS} attempts used)")
    raise GONE[ShareState.locked] if used >= MAX_CODE_ATTEMPTS else WRONG_CODE


def _reserve_attempt(db: Session, row: Share) -> int | None:
    """Take one of the link's attempts, atomically; None when none is left.

    Committed at once, so the attempt counts for every other request (and
    survives the refusal that may follow, which rolls the request back)."""
    used = db.scalar(update(Share)
                     .where(Share.id == row.id, Share.failed_attempts < MAX_CODE_ATTEMPTS)
                     .values(failed_attempts=Share.failed_attempts + 1)
                     .returning(Share.failed_attempts)
                     .execution_options(synchronize_session=False))
    db.commit()
    if used is not None:  # what this request knows, without writing it back later
        set_committed_value(row, "failed_attempts", used)
    return used


def _give_back_attempt(db: Session, row: Share) -> None:
    """A right code does not count as a miss: return the attempt it reserved."""
    left = db.scalar(update(Share)
                     .where(Share.id == row.id, Share.failed_attempts > 0)
                     .values(failed_attempts=Share.failed_attempts - 1)
                     .returning(Share.failed_attempts)
                     .execution_options(synchronize_session=False))
    db.commit()
    if left is not None:
        set_committed_value(row, "failed_attempts", left)


def _record_code(db: Session, row: Share, ip: str | None, outcome: str, what: str) -> None:
    audit.record(db, family_actor(row), action="share_code", object_type="share",
                 object_id=row.id, case_id=row.playlist.case_id, outcome=outcome, ip=ip,
                 detail=f"{what}; playlist {row.playlist_id}")


def family_actor(row: Share) -> audit.Actor:
    """Who watches through a link: the family, known only by the share's id."""
    return audit.Actor(None, None, "family", on_behalf_of=f"share:{row.id}")


def record_view(db: Session, row: Share, ip: str | None) -> None:
    """Count a view (in the database, so views at the same time all count) and log it."""
    db.execute(update(Share).where(Share.id == row.id)
               .values(views=Share.views + 1, last_viewed_at=utcnow())
               .execution_options(synchronize_session=False))
    audit.record(db, family_actor(row), action="view_shared_playlist", object_type="playlist",
                 object_id=row.playlist_id, case_id=row.playlist.case_id, ip=ip,
                 detail=f"share {row.id}")
