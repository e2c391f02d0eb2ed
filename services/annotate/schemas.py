"""What the annotation API accepts and returns."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from core.db.models import ReviewState
from services.annotate.domain import Category, Kind, Subject
from services.annotate.reliability import ReliabilityReport

KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,59}$"


class CodeModel(BaseModel):
    key: str = Field(pattern=KEY_PATTERN)
    label_en: str = Field(min_length=1, max_length=120)
    label_nl: str = Field(min_length=1, max_length=120)
    category: Category
    kind: Kind
    subject: Subject = Subject.both
    description: str = Field(default="", max_length=2000)
    hotkey: str | None = Field(default=None, min_length=1, max_length=1)
    colour: str = Field(default="#888888", pattern=r"^#[0-9a-fA-F]{6}$")
    receives: bool = Field(default=False, description="The code receives (answers) the "
                           "baby's initiatives: its events link to one with responds_to.")


class ScaleModel(BaseModel):
    key: str = Field(pattern=KEY_PATTERN)
    label_en: str = Field(min_length=1, max_length=120)
    label_nl: str = Field(min_length=1, max_length=120)
    minimum: int = Field(ge=0, le=100)
    maximum: int = Field(ge=1, le=100)
    description: str = Field(default="", max_length=2000)


class SchemeIn(BaseModel):
    key: str = Field(pattern=KEY_PATTERN, description="Stable key; publishing the same key "
                     "again makes the next version.")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    codes: list[CodeModel] = Field(min_length=1, max_length=200)
    scales: list[ScaleModel] = Field(default_factory=list, max_length=50)

    @field_validator("codes")
    @classmethod
    def _unique_codes(cls, codes: list[CodeModel]) -> list[CodeModel]:
        keys = [c.key for c in codes]
        if len(keys) != len(set(keys)):
            raise ValueError("every code needs its own key")
        hotkeys = [c.hotkey for c in codes if c.hotkey]
        if len(hotkeys) != len(set(hotkeys)):
            raise ValueError("two codes share a hotkey")
        return codes

    @field_validator("scales")
    @classmethod
    def _sane_scales(cls, scales: list[ScaleModel]) -> list[ScaleModel]:
        if len({s.key for s in scales}) != len(scales):
            raise ValueError("every scale needs its own key")
        if any(s.minimum >= s.maximum for s in scales):
            raise ValueError("a scale's minimum must be below its maximum")
        return scales


class SchemeOut(BaseModel):
    id: str
    key: str
    version: int
    name: str
    description: str
    builtin: bool
    codes: list[CodeModel]
    scales: list[ScaleModel]
    created_at: datetime


class SetIn(BaseModel):
    scheme_id: str | None = Field(default=None, description="A scheme version; the built-in "
                                  "scheme's newest version when left out.")
    name: str = Field(default="", max_length=200)
    purpose: str | None = Field(default=None, pattern=r"^(working|second_coder)$",
                                description="working (one per clip) or second_coder; "
                                "the first set on a clip is the working set.")


class SchemeRef(BaseModel):
    id: str
    key: str
    version: int
    name: str


#: Why a set exists (``sets.Purpose``, and ``suggestions`` for the analysis' own set).
SetPurpose = Literal["working", "second_coder", "imported", "suggestions"]


class SetOut(BaseModel):
    id: str
    clip_id: str
    scheme: SchemeRef
    coder_id: str
    coder: str
    name: str
    #: ``suggestions``: the analysis' proposals for the clip, nobody's coding.
    purpose: SetPurpose
    review_state: ReviewState
    annotation_count: int
    created_at: datetime
    updated_at: datetime


class AnnotationIn(BaseModel):
    code: str = Field(min_length=1, max_length=60)
    start_ms: int = Field(ge=0, le=24 * 3600 * 1000)
    end_ms: int | None = Field(default=None, ge=0, le=24 * 3600 * 1000,
                               description="Leave out for a moment.")
    subject: Subject | None = Field(default=None, description="The code's default when "
                                    "left out.")
    note: str = Field(default="", max_length=4000)
    repairs: str | None = Field(default=None, max_length=32,
                                description="For a repair: the id of the mismatch it repairs. "
                                "Left out: the nearest mismatch of the set that starts at "
                                "or before it; null: none.")
    responds_to: str | None = Field(default=None, max_length=32,
                                    description="For a code that receives initiatives: the "
                                    "id of the baby's initiative it answers. Left out: the "
                                    "nearest initiative of the set that starts at or before "
                                    "it, at most 10 s earlier; null: none.")
    person_id: str | None = Field(default=None, max_length=32,
                                  description="Who in the family: a person of the case.")
    goal_ids: list[str] = Field(default_factory=list, max_length=20,
                                description="Goals of the case this moment shows work on.")


class AnnotationPatch(BaseModel):
    """Only the fields sent change; send ``end_ms``, ``repairs``, ``responds_to`` or
    ``person_id`` as null to clear; ``goal_ids`` replaces the links."""

    code: str | None = Field(default=None, min_length=1, max_length=60)
    start_ms: int | None = Field(default=None, ge=0, le=24 * 3600 * 1000)
    end_ms: int | None = Field(default=None, ge=0, le=24 * 3600 * 1000)
    subject: Subject | None = None
    note: str | None = Field(default=None, max_length=4000)
    repairs: str | None = Field(default=None, max_length=32)
    responds_to: str | None = Field(default=None, max_length=32)
    person_id: str | None = Field(default=None, max_length=32)
    goal_ids: list[str] | None = Field(default=None, max_length=20)

    def changes(self) -> dict[str, Any]:
        nullable = {"end_ms", "repairs", "responds_to", "person_id"}
        values = {k: getattr(self, k) for k in self.model_fields_set}
        return {k: v for k, v in values.items() if v is not None or k in nullable}


class AnnotationOut(BaseModel):
    id: str
    set_id: str
    code: str
    label_en: str | None
    label_nl: str | None
    category: Category | None
    start_ms: int
    end_ms: int | None
    subject: Subject
    note: str
    repairs: str | None
    repair_latency_ms: int | None
    responds_to: str | None
    response_latency_ms: int | None
    person_id: str | None
    goal_ids: list[str]
    author_id: str
    source: str
    version: int
    created_at: datetime
    updated_at: datetime


class RatingIn(BaseModel):
    value: int
    note: str = Field(default="", max_length=4000)


class RatingOut(BaseModel):
    scale: str
    label_en: str | None
    label_nl: str | None
    minimum: int | None
    maximum: int | None
    value: int
    note: str
    rater_id: str
    updated_at: datetime


class SetDetail(SetOut):
    annotations: list[AnnotationOut]
    ratings: list[RatingOut]


class ChangeOut(BaseModel):
    object_type: str
    object_id: str
    action: str
    actor_id: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ImportNote(BaseModel):
    """Something read differently from how the file wrote it, e.g. an ELAN interval
    taken as a moment; ``field`` says where (a line, row, or tier and time)."""

    field: str
    message: str


class ImportOut(SetOut):
    imported: int
    notes: list[ImportNote] = []


@dataclass(frozen=True)
class ClipAgreement(ReliabilityReport):
    """Two sets' agreement on a clip: which clip and sets, with the report."""

    clip_id: str
    a: str
    b: str

    @classmethod
    def of(cls, report: ReliabilityReport, clip_id: str, a: str, b: str) -> ClipAgreement:
        return cls(**{f.name: getattr(report, f.name) for f in fields(report)},
                   clip_id=clip_id, a=a, b=b)
