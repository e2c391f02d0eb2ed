"""Who may change a case's trajectory, and how every change is written down.

Reading follows :func:`core.access.case_for`: whoever may see the case (its
professionals, a supervisor of its team, someone granted access) reads its
goals, visits, people and reflections; anyone else gets 404.

Changing is for the professionals working with the family: the case's owner
and the professionals granted access to it (for a professional, seeing a case
already means being granted it). A supervisor of the team reads along and
comments in supervision, but the trajectory is the professional's record of
their work with the family, so a supervisor, an admin or a researcher with a
grant is refused with 403. A closed case takes no changes (409, as everywhere).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi import Request
from sqlalchemy.orm import Session

from core import audit, errors
from core.db.models import Case, Role, User
from core.web import client_ip
from services.cases import require_open


def may_change(user: User) -> bool:
    """Whether someone who may see a case (checked by ``case_for``) may change its
    trajectory: a professional who sees a case works on it (see above)."""
    return user.role is Role.professional


def require_change(user: User, case: Case, what: str) -> None:
    """403 for a reader who may not change the trajectory, then 409 for a closed
    case; ``what`` completes "takes no ...", e.g. "changes to its goals"."""
    if not may_change(user):
        raise errors.NotAllowed("Only the professionals working with this family change its "
                                "trajectory (goals, visits, people, reflections); you can read it.",
                                "trajectory_read_only")
    require_open(case, what)


def log_change(db: Session, request: Request, user: User, case: Case, *, action: str,
               object_type: str, object_id: str, before: Mapping[str, object] | None = None,
               after: Mapping[str, object] | None = None) -> None:
    """Append the change to the access log, with what it was before and after.

    :func:`core.audit.record` commits, so this is the last step of a change:
    everything that could refuse it has been checked by then.
    """
    detail = {"before": dict(before) if before is not None else None,
              "after": dict(after) if after is not None else None}
    audit.record(db, audit.Actor.of(user), action=action, object_type=object_type,
                 object_id=object_id, case_id=case.id, ip=client_ip(request),
                 detail=json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True))
