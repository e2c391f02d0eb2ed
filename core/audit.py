"""The access log (NEN 7513): who read which recording, when, from where.

An event is committed at once, together with whatever the request changed so
far, so that a refused request is logged even though an error follows. (A
separate transaction would deadlock on SQLite, which has one writer.) The
table itself is append-only (see the migration and ``attune db grant``), and
every event is chained to the one before it by a SHA-256 hash, so that a row
changed or removed behind the database's back is found by :func:`verify`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db.models import AuditChainHead, AuditEvent, User, utcnow

#: The hash the first event is chained to.
GENESIS = "0" * 64
#: What an event's hash covers, in this order; never reorder (old rows would break).
HASHED_FIELDS = ("at", "user_id", "user_email", "role", "on_behalf_of", "case_id",
                 "object_type", "object_id", "action", "outcome", "ip", "detail")
HEAD_ID = 1


@dataclass(frozen=True)
class Actor:
    """Who acts: a logged-in user, or someone acting on another's behalf
    (for example a parent opening a share link made by a professional)."""

    user_id: str | None
    email: str | None
    role: str | None
    on_behalf_of: str | None = None

    @classmethod
    def of(cls, user: User, on_behalf_of: str | None = None) -> Actor:
        return cls(user.id, user.email, str(user.role), on_behalf_of)

    @classmethod
    def link_of(cls, holder: User) -> Actor:
        """Whoever holds ``holder``'s signed media link without logging in (a
        player such as VLC): not ``holder`` themselves, as far as anyone knows."""
        return cls(None, None, "link", on_behalf_of=f"link:{holder.id}")


def event_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """The hash of one event: its fields and the hash of the event before it."""
    values = [_canonical(fields[name]) for name in HASHED_FIELDS]
    body = json.dumps([prev_hash, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _canonical(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat(timespec="microseconds")
    return str(value)


def record(
    db: Session,
    actor: Actor,
    *,
    action: str,
    object_type: str,
    object_id: str | None,
    case_id: str | None,
    outcome: str = "success",
    ip: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one event to the chain and commit."""
    # Updating the head first makes writers take turns until the commit.
    prev_hash = db.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
        .values(events=AuditChainHead.events + 1).returning(AuditChainHead.last_hash)
    ).scalar_one()
    fields: dict[str, object] = {
        "at": utcnow(), "user_id": actor.user_id, "user_email": actor.email,
        "role": actor.role, "on_behalf_of": actor.on_behalf_of, "case_id": case_id,
        "object_type": object_type, "object_id": object_id, "action": action,
        "outcome": outcome, "ip": ip, "detail": detail,
    }
    digest = event_hash(prev_hash, fields)
    db.add(AuditEvent(**fields, prev_hash=prev_hash, hash=digest))
    db.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
               .values(last_hash=digest))
    db.commit()


@dataclass(frozen=True)
class ChainCheck:
    """What walking the chain found."""

    events: int
    #: The first event that does not fit the chain, or None when all do.
    broken_at: int | None = None
    reason: str | None = None
    last_id: int | None = None
    last_hash: str = GENESIS

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(db: Session, batch: int = 2000) -> ChainCheck:
    """Walk the whole chain in order and name the first event that breaks it.

    An edited event no longer matches its own hash; a removed one leaves the
    next event pointing at a hash that is not its predecessor's; events removed
    from the end leave the chain's head pointing past the last one.
    """
    expected, count, last_id = GENESIS, 0, None
    for event in _in_order(db, batch):
        count += 1
        if event.prev_hash != expected:
            return ChainCheck(count, event.id, "it does not follow the event before it "
                              "(an event before it was removed or changed)", last_id, expected)
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        if event_hash(event.prev_hash, fields) != event.hash:
            return ChainCheck(count, event.id, "its contents were changed after it was written",
                              last_id, expected)
        expected, last_id = event.hash, event.id
    head = db.get(AuditChainHead, HEAD_ID)
    if head is not None and head.last_hash != expected:
        return ChainCheck(count, last_id, "the chain's head names a later event that is "
                          "missing (events were removed from the end)", last_id, expected)
    return ChainCheck(count, None, None, last_id, expected)


def _in_order(db: Session, batch: int) -> Iterator[AuditEvent]:
    after = -1
    while True:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.id > after)
                          .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        for row in rows:
            db.expunge(row)  # a long log is walked in constant memory
