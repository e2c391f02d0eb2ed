"""A case's life: the family's consent, and the end of the trajectory (closed,
reopened, purged), asked the same way by every route and job.

The rules are in :mod:`services.cases.lifecycle`; the case's routes stay with
ingest (``services/ingest/router.py``), where cases are opened.
"""

from services.cases.lifecycle import (
    PURPOSES,
    CaseStatus,
    case_status,
    close,
    consent_flags,
    may_manage,
    reopen,
    require_consent,
    require_manager,
    require_open,
    revoke_shares,
    set_consent,
)

__all__ = [
    "PURPOSES",
    "CaseStatus",
    "case_status",
    "close",
    "consent_flags",
    "may_manage",
    "reopen",
    "require_consent",
    "require_manager",
    "require_open",
    "revoke_shares",
    "set_consent",
]
