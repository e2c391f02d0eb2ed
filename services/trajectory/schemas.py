"""Request and response bodies of the trajectory API: goals, visits, the people
in a case and the reflection records."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from core import errors
from core.db.models import GoalStatus, PersonRole, VisitPhase

#: Longest free text of a goal, a reflection field or a note.
MAX_TEXT = 10_000


def changes_of(body: BaseModel, nullable: frozenset[str] = frozenset()) -> dict[str, object]:
    """The fields a PATCH sent; null only where null means something."""
    changes = body.model_dump(include=body.model_fields_set)
    for name, value in changes.items():
        if value is None and name not in nullable:
            raise errors.Invalid(f"{name}: may not be empty (leave it out to keep it)",
                                 "invalid_request",
                                 errors=[{"field": name, "message": "may not be empty"}])
    return changes


def _stripped(value: str | None) -> str | None:
    return value.strip() if value is not None else None


# -- goals -----------------------------------------------------------------------------

class GoalIn(BaseModel):
    title: str = Field(min_length=1, max_length=200,
                       description='What the family works towards, e.g. "Merken wanneer de '
                                   'baby genoeg heeft".')
    description: str = Field(default="", max_length=MAX_TEXT)

    _strip = field_validator("title", "description")(_stripped)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value:
            raise ValueError("a goal needs a title")
        return value


class GoalPatch(BaseModel):
    """The fields sent change; ``status`` sets or clears the dates that go with it."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    status: GoalStatus | None = None
    position: int | None = Field(default=None, ge=0,
                                 description="Where the goal goes in the list (0: first).")

    _strip = field_validator("title", "description")(_stripped)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("a goal needs a title")
        return value


class GoalOut(BaseModel):
    id: str
    case_id: str
    title: str
    description: str
    status: GoalStatus
    position: int
    started_at: datetime | None
    reached_at: datetime | None
    created_at: datetime
    updated_at: datetime
    #: Coded moments linked to the goal.
    moments: int
    #: Playlist moments chosen to talk about the goal.
    items: int


class GoalList(BaseModel):
    goals: list[GoalOut]


# -- visits ----------------------------------------------------------------------------

MAX_VISIT_NUMBER = 999


class VisitIn(BaseModel):
    number: int | None = Field(default=None, ge=1, le=MAX_VISIT_NUMBER,
                               description="Left out: the number after the highest so far.")
    visited_on: date | None = None
    phase: VisitPhase = VisitPhase.observation


class VisitPatch(BaseModel):
    number: int | None = Field(default=None, ge=1, le=MAX_VISIT_NUMBER)
    visited_on: date | None = Field(default=None, description="null: the date is not known.")
    phase: VisitPhase | None = None


class VisitOut(BaseModel):
    id: str
    case_id: str
    number: int
    visited_on: date | None
    phase: VisitPhase
    #: The clips filmed at the visit and the playlists shown at it.
    clip_ids: list[str]
    playlist_ids: list[str]


class VisitList(BaseModel):
    visits: list[VisitOut]


# -- people ----------------------------------------------------------------------------

class PersonIn(BaseModel):
    role: PersonRole
    label: str = Field(default="", max_length=80,
                       description='How the professional tells people apart, e.g. "moeder" '
                                   'or "oudste zus"; never a name is needed.')

    _strip = field_validator("label")(_stripped)


class PersonPatch(BaseModel):
    role: PersonRole | None = None
    label: str | None = Field(default=None, max_length=80)
    position: int | None = Field(default=None, ge=0)

    _strip = field_validator("label")(_stripped)


class PersonOut(BaseModel):
    id: str
    role: PersonRole
    label: str
    position: int


class PersonList(BaseModel):
    people: list[PersonOut]


# -- reflections -----------------------------------------------------------------------

class ReflectionIn(BaseModel):
    """The whole record at once. ``visit_id`` left out: the visit the playlist is
    shown at (for a new record) or unchanged; null: none."""

    parents_saw: str = Field(default="", max_length=MAX_TEXT,
                             description="What the parents noticed in the moment.")
    parents_said: str = Field(default="", max_length=MAX_TEXT,
                              description="What they said about it, in their words.")
    next_steps: str = Field(default="", max_length=MAX_TEXT,
                            description="What was agreed to try next.")
    visit_id: str | None = None


class ReflectionOut(BaseModel):
    id: str
    playlist_id: str
    #: None: about the playlist as a whole.
    item_id: str | None
    visit_id: str | None
    parents_saw: str
    parents_said: str
    next_steps: str
    author_id: str
    #: Send it back as ``If-Match`` (or the ETag) when changing the record.
    version: int
    updated_at: datetime


class ReflectionList(BaseModel):
    reflections: list[ReflectionOut]
