"""Request and response bodies of the review API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.review.supervision import Action


class TransitionIn(BaseModel):
    action: Action
    comment: str = Field(default="", max_length=5000)


class TransitionOut(BaseModel):
    from_state: str
    to_state: str
    actor_id: str
    actor: str
    at: datetime
    comment: str


class ReviewOut(BaseModel):
    set_id: str
    state: str
    state_at: datetime
    transitions: list[TransitionOut]


class QueueItem(BaseModel):
    set_id: str
    set_name: str
    purpose: str
    clip_id: str
    clip: str
    case_id: str
    case_label: str
    coder_id: str
    coder: str
    submitted_at: datetime
    annotation_count: int
    resubmitted: bool
    open_threads: int


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)
    start_ms: int | None = Field(default=None, ge=0)
    end_ms: int | None = Field(default=None, ge=0)
    set_id: str | None = None
    annotation_id: str | None = None


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


class CommentOut(BaseModel):
    id: str
    author_id: str
    author: str
    body: str
    created_at: datetime


class ThreadOut(CommentOut):
    clip_id: str
    set_id: str | None
    annotation_id: str | None
    start_ms: int | None
    end_ms: int | None
    resolved: bool
    resolved_at: datetime | None
    resolved_by: str | None
    replies: list[CommentOut]


class InboxItem(BaseModel):
    kind: Literal["changes_requested", "approved", "second_coding", "comment"]
    at: datetime
    message: str
    clip_id: str
    set_id: str | None = None
    comment_id: str | None = None


class SecondCoderIn(BaseModel):
    coder_id: str
    reference_set_id: str | None = None
    note: str = Field(default="", max_length=2000)


class SecondCodingOut(BaseModel):
    id: str
    clip_id: str
    coder_id: str
    coder: str
    reference_set_id: str
    reference_state: str
    set_id: str
    set_state: str
    requested_by: str
    note: str
    created_at: datetime
    waiting_for: str | None
    agreement: dict[str, object] | None
