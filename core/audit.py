"""The access log (NEN 7513): who read which recording, when, from where.

An event is committed at once, together with whatever the request changed so
far, so that a refused request is logged even though an error follows. (A
separate transaction would deadlock on SQLite, which has one writer.) The
table itself is append-only (see the migration).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.db.models import AuditEvent, User


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
    db.add(
        AuditEvent(
            user_id=actor.user_id,
            user_email=actor.email,
            role=actor.role,
            on_behalf_of=actor.on_behalf_of,
            case_id=case_id,
            object_type=object_type,
            object_id=object_id,
            action=action,
            outcome=outcome,
            ip=ip,
            detail=detail,
        )
    )
    db.commit()
