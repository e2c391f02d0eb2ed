"""The reflection conversation with the parents, written down per playlist
moment (or for the playlist as a whole): what they saw, what they said, and
the next steps agreed.

A record is written whole (PUT) and guarded by its ``version``: a change names
the version it was based on (``If-Match``), so that two people filling in the
same record during or after a visit never silently overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import errors
from core.db.models import Playlist, PlaylistItem, Reflection, User
from services.trajectory import visits

#: The path segment that stands for the playlist as a whole.
WHOLE = "whole"
TEXT_FIELDS = ("parents_saw", "parents_said", "next_steps")


@dataclass(frozen=True)
class Written:
    """What was asked to be stored; ``visit_given`` tells a left-out visit from null."""

    parents_saw: str
    parents_said: str
    next_steps: str
    visit_id: str | None
    visit_given: bool


def etag(row: Reflection) -> str:
    return f'"{row.id}.{row.version}"'


def reflections_of(db: Session, playlist: Playlist) -> list[Reflection]:
    """The playlist's records: the whole playlist first, then its moments in order."""
    order = {item.id: item.position for item in playlist.items}
    rows = db.scalars(select(Reflection).where(Reflection.playlist_id == playlist.id)).all()
    return sorted(rows, key=lambda r: (r.item_id is not None, order.get(r.item_id or "", 0),
                                       r.created_at))


def find(db: Session, playlist: Playlist, item: PlaylistItem | None,
         *, lock: bool = False) -> Reflection | None:
    """The record of one moment (or of the whole playlist). With ``lock``, writers
    of the same playlist take turns (the database cannot keep a second "whole"
    record out by itself: its unique key treats a null item as always new)."""
    if lock:
        db.execute(select(Playlist.id).where(Playlist.id == playlist.id).with_for_update())
    query = select(Reflection).where(Reflection.playlist_id == playlist.id)
    query = query.where(Reflection.item_id.is_(None) if item is None
                        else Reflection.item_id == item.id)
    return db.scalar(query)


def _stale(row: Reflection) -> errors.Stale:
    return errors.Stale("Someone else changed this reflection since you loaded it; load it "
                        "again, add your words to theirs and save once more.", "version_conflict",
                        headers={"ETag": etag(row)})


def check_precondition(row: Reflection | None, if_match: str | None) -> None:
    """A change of an existing record must name its current version: as the
    ETag (``"<id>.<version>"``) or the bare version number. Writing a new record
    over one that someone else made meanwhile is a conflict too."""
    if row is None:
        return
    if if_match is None:
        raise _stale(row)
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" in tags or etag(row) in tags or str(row.version) in {t.strip('"') for t in tags}:
        return
    raise _stale(row)


def snapshot(row: Reflection | None) -> dict[str, object] | None:
    """What the access log keeps: the version, the visit and how much was
    written, not the parents' words themselves (those stay in the record)."""
    if row is None:
        return None
    return {"version": row.version, "visit_id": row.visit_id,
            **{f"{name}_chars": len(getattr(row, name)) for name in TEXT_FIELDS}}


def write(db: Session, user: User, playlist: Playlist, item: PlaylistItem | None,
          written: Written, if_match: str | None) -> tuple[Reflection, dict[str, object] | None]:
    """Create or update the record; returns it and its snapshot from before."""
    row = find(db, playlist, item, lock=True)
    check_precondition(row, if_match)
    visit_id = written.visit_id if written.visit_given else (
        row.visit_id if row is not None else playlist.visit_id)
    if visit_id is not None:
        visits.of_case(db, playlist.case_id, visit_id)
    before = snapshot(row)
    if row is None:
        row = Reflection(playlist_id=playlist.id, item_id=item.id if item else None,
                         author_id=user.id, version=1)
        db.add(row)
    else:
        row.version += 1  # the author stays whoever started the record; the log has the rest
    row.parents_saw, row.parents_said, row.next_steps = \
        written.parents_saw, written.parents_said, written.next_steps
    row.visit_id = visit_id
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        # another writer made this moment's record between our look and our write
        db.expire_all()
        current = find(db, playlist, item)
        if current is None:
            raise
        raise _stale(current) from None
    return row, before
