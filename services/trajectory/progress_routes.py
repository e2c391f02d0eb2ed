"""Progress API: a case's numbers over its visits (JSON and CSV) and the
before/after playlist of two visits. The numbers and which coding counts are
described in :mod:`services.trajectory.progress`."""

from __future__ import annotations

import csv
import io
import json

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from core import audit
from core.access import case_for
from core.openapi import file_answer
from core.web import CurrentUser, Db, Rt, client_ip
from services.review.playlist_routes import _shown as playlist_out
from services.review.schemas import PlaylistOut
from services.trajectory import progress

router = APIRouter(prefix="/api", tags=["trajectory"])


class BeforeAfterIn(BaseModel):
    visit_a: str = Field(max_length=32, description="The earlier visit (shown first).")
    visit_b: str = Field(max_length=32, description="The visit to compare it with.")
    goal_id: str | None = Field(default=None, max_length=32,
                                description="Moments linked to this goal come first.")
    pairs: int = Field(default=3, ge=1, le=progress.MAX_PAIRS,
                       description="How many moments of each visit.")
    title: str | None = Field(default=None, min_length=1, max_length=200)


@router.get("/cases/{case_id}/progress", response_model=progress.Progress)
def case_progress(case_id: str, user: CurrentUser, db: Db) -> progress.Progress:
    """Per visit and per goal, how the interaction goes (see
    :mod:`services.trajectory.progress` for each number and which coding counts)."""
    case = case_for(db, user, case_id)
    # the dataclasses are the response model: one description of the numbers
    return progress.case_progress(db, case, reader=user)


@router.get("/cases/{case_id}/progress.csv", response_class=Response,
            responses=file_answer("text/csv", description="One row per visit."))
def case_progress_csv(case_id: str, request: Request, user: CurrentUser, db: Db) -> Response:
    """The per-visit numbers as CSV, one row per visit; the export is written
    to the access log like an annotation export."""
    case = case_for(db, user, case_id)
    found = progress.case_progress(db, case, reader=user)
    out = io.StringIO()
    csv.writer(out).writerows(progress.csv_rows(found))
    audit.record(db, audit.Actor.of(user), action="export_progress", object_type="case",
                 object_id=case.id, case_id=case.id, ip=client_ip(request), detail="csv")
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="progress-{case.id}.csv"'})


@router.post("/cases/{case_id}/playlists/before-after", response_model=PlaylistOut,
             status_code=status.HTTP_201_CREATED)
def before_after(case_id: str, body: BeforeAfterIn, request: Request, user: CurrentUser,
                 db: Db, runtime: Rt) -> PlaylistOut:
    """A draft playlist alternating comparable moments of two visits (same code
    or kind, goal-linked first), captioned "Bezoek 2" / "Bezoek 6"; the
    professional reviews it in the playlist builder before rendering."""
    case = case_for(db, user, case_id)
    row = progress.before_after(db, user, case, body.visit_a, body.visit_b,
                                goal_id=body.goal_id, pairs=body.pairs, title=body.title)
    shown = playlist_out(db, runtime, row, user, request)
    detail = {"before": None, "after": {
        "title": row.title, "visit_a": body.visit_a, "visit_b": body.visit_b,
        "goal_id": body.goal_id, "items": [i.annotation_id for i in row.items]}}
    audit.record(db, audit.Actor.of(user), action="create_before_after", object_type="playlist",
                 object_id=row.id, case_id=case.id, ip=client_ip(request),
                 detail=json.dumps(detail, sort_keys=True))
    return shown
