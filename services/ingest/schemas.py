"""What the ingest API accepts and returns."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from core.db.models import ClipStatus
from services.cases import CaseStatus

#: A pseudonymous label such as "Gezin 2026-014": letters, digits, spaces and - _ . / #
LABEL_PATTERN = re.compile(r"^[\w][\w .\-/#]*$", re.UNICODE)


class CaseIn(BaseModel):
    label: str = Field(min_length=1, max_length=80,
                       description='Pseudonymous label, e.g. "Gezin 2026-014". Never a name.')

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        value = " ".join(value.split())
        if "@" in value:
            raise ValueError("a case label must not contain an e-mail address")
        if not LABEL_PATTERN.match(value):
            raise ValueError("use letters, digits, spaces and - _ . / # only")
        return value


class ConsentIn(BaseModel):
    """The family's consent, every purpose at once: a missing flag is an error,
    never a silent "no" (or "yes")."""

    model_config = ConfigDict(strict=True, extra="forbid")

    feedback: bool = Field(description="Clips may be shown to the family.")
    supervision: bool = Field(description="Recordings may be discussed in supervision.")
    training: bool = Field(description="Recordings may be used to train other professionals.")


class ConsentOut(BaseModel):
    feedback: bool
    supervision: bool
    training: bool
    updated_at: datetime | None = Field(description="When consent was last recorded; "
                                        "null: never (every purpose is refused).")


class CaseOut(BaseModel):
    id: str
    label: str
    team: str | None
    created_at: datetime
    clip_count: int = 0
    status: CaseStatus = Field(
        description="open; closed (no new recordings, purged after purge_after); purged "
                    "(recordings removed).")
    consent: ConsentOut
    closed_at: datetime | None = None
    purge_after: datetime | None = Field(
        default=None, description="When the recordings of a closed case are removed.")
    purged_at: datetime | None = None
    #: The caller may record consent, close and reopen this case.
    may_manage: bool = False


#: What a recording shows (the same words as tus ``Upload-Metadata: activity``).
Activity = Literal["bath", "feeding", "dressing", "play", "other"]


class ClipPatch(BaseModel):
    """What a professional says about a recording after uploading it; send
    null to clear a field."""

    visit_id: str | None = Field(default=None, description="The home visit it was filmed at.")
    activity: Activity | None = None
    recorded_at: AwareDatetime | None = Field(
        default=None, description="When it was filmed, with its time zone "
                                  "(e.g. 2026-11-20T14:05:00+01:00).")

    @field_validator("recorded_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        """Stored and shown in UTC, like every time Attune keeps."""
        return value.astimezone(UTC) if value is not None else None


class ClipOut(BaseModel):
    id: str
    case_id: str
    filename: str
    activity: Activity | None = None
    recorded_at: datetime | None = None
    #: The home visit it was filmed at (None: not assigned yet).
    visit_id: str | None = None
    status: ClipStatus
    #: Processing progress (queued/processing); see ``upload_progress`` while uploading.
    progress: float = Field(ge=0, le=1)
    upload_progress: float | None = Field(
        default=None, ge=0, le=1, description="Share of a resumable upload received so far.")
    error: str | None = None
    error_code: str | None = None
    size_bytes: int | None = None
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    hls_url: str | None = None
    poster_url: str | None = None
    storyboard_url: str | None = None
    created_at: datetime
    updated_at: datetime
