"""Reading the access log back: for a privacy officer (or an admin) answering
"who looked at this family's recordings?", and for exporting it.

Reading the log is itself an event in the log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from core import audit
from core.db.models import AuditEvent, Role, Share, User
from core.openapi import file_answer
from core.web import Db, client_ip, require_role

router = APIRouter(prefix="/api/audit", tags=["audit"])
Reader = Annotated[User, Depends(require_role(Role.privacy_officer, Role.admin))]

#: Reads of a recording: what a family asks about.
VIEW_ACTIONS = ("view_clip", "view_poster", "view_storyboard", "view_playlist",
                "view_shared_playlist", "open_share", "read_original", "export_annotations")


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    user_id: str | None
    user_email: str | None
    role: str | None
    on_behalf_of: str | None
    case_id: str | None
    object_type: str
    object_id: str | None
    action: str
    outcome: str
    ip: str | None
    detail: str | None
    hash: str
    #: Whose link was used, for an event of someone without a login (see :func:`_link_owners`).
    link_of: str | None = None


class AuditPage(BaseModel):
    events: list[AuditEventOut]
    #: Pass as ``before`` for the next (older) page; None on the last page.
    next_before: int | None


class CaseViewer(BaseModel):
    """One person (or one family link) who opened recordings of a case."""

    user_id: str | None
    user_email: str | None
    role: str | None
    on_behalf_of: str | None
    views: int
    refused: int
    first_at: datetime
    last_at: datetime
    link_of: str | None = None


class Filters:
    """The filters every reading of the log takes."""

    def __init__(
        self,
        case_id: Annotated[str | None, Query(max_length=32)] = None,
        user_id: Annotated[str | None, Query(max_length=32)] = None,
        user_email: Annotated[str | None, Query(
            max_length=320, description="Whose events, by e-mail address (any case).")] = None,
        action: Annotated[str | None, Query(max_length=60)] = None,
        outcome: Annotated[str | None, Query(max_length=20)] = None,
        since: Annotated[datetime | None, Query(description="From this time on.")] = None,
        until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    ) -> None:
        self.case_id, self.user_id, self.action = case_id, user_id, action
        self.user_email = user_email
        self.outcome, self.since, self.until = outcome, since, until

    def apply(self, query: Select[tuple[AuditEvent]]) -> Select[tuple[AuditEvent]]:
        for column, value in ((AuditEvent.case_id, self.case_id),
                              (AuditEvent.user_id, self.user_id),
                              (AuditEvent.action, self.action),
                              (AuditEvent.outcome, self.outcome)):
            if value is not None:
                query = query.where(column == value)
        if self.user_email is not None:
            query = query.where(func.lower(AuditEvent.user_email) == self.user_email.lower())
        if self.since is not None:
            query = query.where(AuditEvent.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEvent.at < self.until)
        return query

    def describe(self) -> str:
        given = {k: v for k, v in vars(self).items() if v is not None}
        return ", ".join(f"{k}={v}" for k, v in given.items()) or "everything"


def _link_owners(db: Session, on_behalf_of: set[str | None]) -> dict[str, str]:
    """The e-mail address behind each link an event names: a family's share link
    (``share:<id>``) is the professional's who made it, a signed media link
    (``link:<user id>``) its holder's. The log keeps only the id, which a reader
    cannot place."""
    share_ids = {v[6:] for v in on_behalf_of if v and v.startswith("share:")}
    user_ids = {v[5:] for v in on_behalf_of if v and v.startswith("link:")}
    owners: dict[str, str] = {}
    if share_ids:
        for share_id, email in db.execute(select(Share.id, User.email).join(
                User, User.id == Share.created_by).where(Share.id.in_(share_ids))):
            owners[f"share:{share_id}"] = email
    if user_ids:
        for user_id, email in db.execute(select(User.id, User.email)
                                         .where(User.id.in_(user_ids))):
            owners[f"link:{user_id}"] = email
    return owners


def _log_reading(db: Db, reader: User, request: Request, action: str, filters: Filters) -> None:
    audit.record(db, audit.Actor.of(reader), action=action, object_type="audit_log",
                 object_id=None, case_id=filters.case_id, ip=client_ip(request),
                 detail=filters.describe())


@router.get("", response_model=AuditPage)
def read_log(
    reader: Reader, db: Db, request: Request, filters: Annotated[Filters, Depends()],
    before: Annotated[int | None, Query(ge=1, description="Only events older than this id.")]
    = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """The access log, newest first, a page at a time."""
    _log_reading(db, reader, request, "read_audit_log", filters)
    query = filters.apply(select(AuditEvent))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = db.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    page = [AuditEventOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    owners = _link_owners(db, {e.on_behalf_of for e in page})
    for event in page:
        event.link_of = owners.get(event.on_behalf_of or "")
    return AuditPage(events=page, next_before=page[-1].id if len(rows) > limit else None)


#: The stored fields; the CSV is the log as it is, without what a reading adds.
CSV_COLUMNS = [name for name in AuditEventOut.model_fields if name != "link_of"]


@router.get("/export.csv", response_class=StreamingResponse,
            responses=file_answer("text/csv", description="One row per event."))
def export_log(reader: Reader, db: Db, request: Request,
               filters: Annotated[Filters, Depends()]) -> StreamingResponse:
    """The matching events as CSV, oldest first (for a data-subject request or an audit)."""
    _log_reading(db, reader, request, "export_audit_log", filters)
    ids = db.scalars(filters.apply(select(AuditEvent.id)).order_by(AuditEvent.id)).all()

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for start in range(0, len(ids), 1000):
            chunk = db.scalars(select(AuditEvent).where(
                AuditEvent.id.in_(ids[start:start + 1000])).order_by(AuditEvent.id)).all()
            for row in chunk:
                writer.writerow(["" if (v := getattr(row, c)) is None else
                                 v.isoformat() if isinstance(v, datetime) else v
                                 for c in CSV_COLUMNS])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        if not ids:
            yield out.getvalue()

    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="attune-audit.csv"',
        "Cache-Control": "private, no-store"})


@router.get("/cases/{case_id}/viewers", response_model=list[CaseViewer])
def case_viewers(case_id: str, reader: Reader, db: Db, request: Request) -> list[CaseViewer]:
    """Everyone who opened (or tried to open) a recording of this case: the answer
    to a family's question who has seen their videos."""
    filters = Filters(case_id=case_id)
    _log_reading(db, reader, request, "read_case_viewers", filters)
    refused = func.sum(case((AuditEvent.outcome != "success", 1), else_=0))
    rows = db.execute(
        select(AuditEvent.user_id, AuditEvent.user_email, AuditEvent.role,
               AuditEvent.on_behalf_of, func.count(), refused,
               func.min(AuditEvent.at), func.max(AuditEvent.at))
        .where(AuditEvent.case_id == case_id, AuditEvent.action.in_(VIEW_ACTIONS))
        .group_by(AuditEvent.user_id, AuditEvent.user_email, AuditEvent.role,
                  AuditEvent.on_behalf_of)
        .order_by(func.max(AuditEvent.at).desc())).all()
    owners = _link_owners(db, {row[3] for row in rows})
    return [CaseViewer(user_id=u, user_email=e, role=r, on_behalf_of=o, views=n - (d or 0),
                       refused=d or 0, first_at=first, last_at=last,
                       link_of=owners.get(o or ""))
            for u, e, r, o, n, d, first, last in rows]
