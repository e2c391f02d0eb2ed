"""Request and response bodies of the review API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from core.db.models import PlaylistStatus
from services.annotate.reliability import ReliabilityReport
from services.review.supervision import Action, StepKind


class TransitionIn(BaseModel):
    action: Action
    comment: str = Field(default="", max_length=5000)


class TransitionOut(BaseModel):
    from_state: str
    to_state: str
    #: What the step was, as a key an app words in its own language.
    kind: StepKind
    actor_id: str
    actor: str
    at: datetime
    #: What was said with the step; for one an edit made, the server's English note.
    comment: str
    #: The person's own words with the step ("" when they said nothing, or for
    #: a step an edit made).
    note: str = ""


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
    #: What the professional wrote when submitting ("" when nothing).
    note: str = ""
    #: The family consented to discussing the case's recordings in supervision.
    consent_supervision: bool = True


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


InboxKind = Literal["changes_requested", "approved", "second_coding", "comment"]


class InboxItem(BaseModel):
    """One thing waiting for the user. ``kind`` and the fields after it say what,
    for an app to word; ``message`` says the same in an English sentence."""

    kind: InboxKind
    at: datetime
    message: str
    clip_id: str
    set_id: str | None = None
    comment_id: str | None = None
    case_id: str | None = None
    case_label: str | None = None
    #: The clip's file name.
    clip: str | None = None
    #: Whose set the item is about (the user's own, or one they review).
    set_coder_id: str | None = None
    #: Who decided, asked or wrote (e-mail).
    actor: str | None = None
    #: Their words: a decision's reason, an assignment's note, the last comment.
    text: str = ""
    #: Where in the clip a comment thread is anchored.
    start_ms: int | None = None


class SecondCoderIn(BaseModel):
    coder_id: str
    reference_set_id: str | None = None
    note: str = Field(default="", max_length=2000)


class CoderOut(BaseModel):
    """A colleague who could code a clip as second coder."""

    id: str
    email: str
    role: str


class SecondCodingOut(BaseModel):
    id: str
    clip_id: str
    coder_id: str
    coder: str
    reference_set_id: str
    #: Who coded the reference set (e-mail).
    reference_coder: str = ""
    reference_state: str
    #: The scheme version both sets are coded with (the codes' names).
    scheme_id: str = ""
    set_id: str
    set_state: str
    requested_by: str
    note: str
    created_at: datetime
    waiting_for: str | None
    #: Whose set is not handed in yet (e-mails); empty once both are.
    waiting_on: list[str] = []
    agreement: ReliabilityReport | None


# -- playlists ------------------------------------------------------------------------

class PlaylistIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class PlaylistPatch(BaseModel):
    """The fields sent change (``visit_id: null``: shown at no particular visit)."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    visit_id: str | None = Field(default=None,
                                 description="The home visit it is shown and talked over at.")
    private_notes: str | None = Field(
        default=None, max_length=20_000,
        description="The professional's own notes for the visit; never shown to the family.")


class ItemIn(BaseModel):
    """A moment for the playlist: an annotation (its time is used unless
    start_ms/end_ms are given) or a clip with a time range."""

    clip_id: str | None = None
    annotation_id: str | None = None
    start_ms: int | None = Field(default=None, ge=0)
    end_ms: int | None = Field(default=None, ge=0)
    pre_roll_ms: int = Field(default=0, ge=0, le=10_000)
    post_roll_ms: int = Field(default=0, ge=0, le=10_000)
    caption: str = Field(default="", max_length=300,
                         description="A question or remark shown on screen for the parent.")
    speed: float = Field(default=1.0, description="1, or 0.5 / 0.25 for slow motion.")
    freeze_at_ms: int | None = Field(default=None, ge=0,
                                     description="Hold the picture here (a STILL moment "
                                                 "freezes by itself).")
    freeze_s: float | None = Field(default=None, ge=0, le=30)
    mute: bool = False
    goal_ids: list[str] = Field(default_factory=list,
                                description="Goals of the case this moment is chosen for.")


class ItemPatch(BaseModel):
    start_ms: int | None = Field(default=None, ge=0)
    end_ms: int | None = Field(default=None, ge=0)
    pre_roll_ms: int | None = Field(default=None, ge=0, le=10_000)
    post_roll_ms: int | None = Field(default=None, ge=0, le=10_000)
    caption: str | None = Field(default=None, max_length=300)
    speed: float | None = None
    freeze_at_ms: int | None = Field(default=None, ge=0)
    freeze_s: float | None = Field(default=None, ge=0, le=30)
    mute: bool | None = None
    #: Replaces the item's goal links (an empty list: none).
    goal_ids: list[str] | None = None


class OrderIn(BaseModel):
    item_ids: list[str]


class ItemOut(BaseModel):
    id: str
    position: int
    clip_id: str
    annotation_id: str | None
    code: str | None
    start_ms: int
    end_ms: int
    pre_roll_ms: int
    post_roll_ms: int
    caption: str
    speed: float
    freeze_at_ms: int | None
    freeze_s: float
    mute: bool
    #: Where the item plays in the rendered presentation (once rendered).
    starts_at_s: float | None = None
    duration_s: float | None = None
    #: The goals of the case this moment is chosen to talk about.
    goal_ids: list[str] = []


class PlaylistOut(BaseModel):
    id: str
    case_id: str
    title: str
    owner_id: str
    status: PlaylistStatus
    progress: float
    error: str | None
    error_code: str | None
    revision: int
    rendered_revision: int | None
    #: The presentation shows the playlist as it is now (no edits since the render).
    up_to_date: bool
    duration_s: float | None
    hls_url: str | None
    captions_url: str | None
    chapters_url: str | None
    items: list[ItemOut]
    created_at: datetime
    updated_at: datetime
    #: The home visit it is shown at.
    visit_id: str | None = None
    #: The professional's own notes for the visit: for the professionals only,
    #: never on the family's page or player.
    private_notes: str = ""


class MomentOut(BaseModel):
    """An annotation of one of the case's clips, as the playlist builder lists it."""

    annotation_id: str
    clip_id: str
    clip: str
    set_id: str
    coder: str
    code: str
    label_en: str | None
    label_nl: str | None
    category: str | None
    colour: str | None
    start_ms: int
    end_ms: int | None
    note: str
    repairs: str | None
