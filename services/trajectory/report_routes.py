"""The report for the family's file: the trajectory as a PDF.

Whoever may read the case may make its report; anyone else gets 404 like
every other route of a case. Making one is a read of the family's
recordings (stills are cut from them), so it is written to the access log,
and so is a refused attempt.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from core import audit, errors
from core.access import NotFound, case_for
from core.db.models import utcnow
from core.openapi import file_answer
from core.web import CurrentUser, Db, Rt, client_ip
from services.trajectory import report

router = APIRouter(prefix="/api/cases", tags=["trajectory"])


@router.get("/{case_id}/report", response_class=Response,
            responses=file_answer("application/pdf", description="The report."))
def case_report(
    case_id: str,
    request: Request,
    user: CurrentUser,
    db: Db,
    runtime: Rt,
    start: Annotated[date | None, Query(alias="from", description="First visit date "
                                        "(YYYY-MM-DD) the report covers")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last visit date "
                                      "(YYYY-MM-DD) the report covers")] = None,
    lang: Annotated[report.Lang, Query(description="Language of the report")] = "nl",
) -> Response:
    """A PDF of the case's trajectory for the family's file: goals, visits with
    stills of the chosen moments, the course over the visits, the reflection
    conversations and the supervisor's approval of the coding."""
    actor = audit.Actor.of(user)
    try:
        case = case_for(db, user, case_id)
    except NotFound:
        audit.record(db, actor, action="report", object_type="case", object_id=case_id,
                     case_id=None, outcome="denied", ip=client_ip(request))
        raise
    if start and end and start > end:
        raise errors.Invalid("The report's period ends before it starts: choose a 'to' date "
                             "on or after the 'from' date.", "report_period_reversed")
    period = report.Period(start, end)
    body = report.build(db, runtime, case, user, period, lang, now=utcnow())
    audit.record(db, actor, action="report", object_type="case", object_id=case.id,
                 case_id=case.id, ip=client_ip(request),
                 detail=f"lang={lang} from={start or ''} to={end or ''}")
    name = f"attune-{case.label}-{utcnow():%Y%m%d}.pdf"
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"',
                             "Cache-Control": "private, no-store"})
