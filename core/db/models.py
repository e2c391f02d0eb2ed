"""The relational model: who may see which case, and what became of each clip.

Cases carry only a pseudonymous label; nothing here names a family. Media
bytes live in object storage; rows point at them by key.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp in the database is UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """Random, unguessable identifiers: ids appear in URLs shared with people."""
    return uuid.uuid4().hex


class UtcDateTime(TypeDecorator[datetime]):
    """DateTime that always comes back in UTC, timezone-aware (SQLite forgets the
    zone; PostgreSQL answers in the session's zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Role(enum.StrEnum):
    professional = "professional"
    supervisor = "supervisor"
    admin = "admin"
    #: Reads the access log (NEN 7513) for the whole organisation; sees no case.
    privacy_officer = "privacy_officer"


class ClipStatus(enum.StrEnum):
    uploading = "uploading"
    queued = "queued"
    processing = "processing"
    ready = "ready"
    failed = "failed"
    #: The case was closed and its retention period ended: the media is gone.
    purged = "purged"


class ReviewState(enum.StrEnum):
    """Where an annotation set stands in supervision."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    changes_requested = "changes_requested"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: Everyone in this team signs in with a second factor (TOTP).
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)


class OrganisationPolicy(Base):
    """Rules for every account of this installation: one row (``id`` 1)."""

    __tablename__ = "organisation_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Everyone signs in with a second factor (TOTP), whatever their team says.
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    #: Shown to colleagues; the e-mail address when empty.
    name: Mapped[str] = mapped_column(String(200), default="")
    #: None until an invited person sets a password (and for single sign-on only).
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_set_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    #: Base32 TOTP secret once the person turned on two-factor sign-in.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    #: The last time step a code was accepted for: a code works once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: Single sign-on identity: the provider (issuer) and its stable subject id.
    oidc_issuer: Mapped[str | None] = mapped_column(String(400), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)

    team: Mapped[Team | None] = relationship()

    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject",
                                       name="uq_users_oidc_identity"),)


class AccountLinkPurpose(enum.StrEnum):
    invite = "invite"
    reset = "reset"


class AccountLink(Base):
    """A one-time link to set a password: an invitation or a reset. Only the
    token's hash is stored; the admin passes the link on (no mail needed)."""

    __tablename__ = "account_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[AccountLinkPurpose] = mapped_column(
        Enum(AccountLinkPurpose, native_enum=False, length=10))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app (hash only)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AuthToken(Base):
    """A login session. Only the token's hash is stored, so a database dump
    grants no access."""

    __tablename__ = "auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: Absolute end: the session ends then, however busy it is.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: "session" (the web app's cookie: ends after inactivity too) or "api" (a bearer token).
    kind: Mapped[str] = mapped_column(String(10), default="api")
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class Case(Base):
    """One family's trajectory, known only by a pseudonymous label."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("team_id", "label", name="uq_case_team_label"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    label: Mapped[str] = mapped_column(String(80))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), nullable=True, index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: What the family agreed the recordings may be used for (one flag per purpose).
    consent_feedback: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_supervision: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_training: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    consent_updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: End of the trajectory; the media is purged after ``purge_after``.
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    purge_after: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class CaseAccess(Base):
    """An explicit grant to work on a case (the owner, a second coder, ...)."""

    __tablename__ = "case_access"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class GoalStatus(enum.StrEnum):
    open = "open"
    working = "working"
    reached = "reached"


class Goal(Base):
    """What the trajectory works towards: the family's question for help or a
    work point agreed with the parents ("noticing when the baby has had enough")."""

    __tablename__ = "goals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[GoalStatus] = mapped_column(
        Enum(GoalStatus, native_enum=False, length=10), default=GoalStatus.open)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: When work on it started and when it was reached (set with the status).
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reached_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class VisitPhase(enum.StrEnum):
    """Where a visit stands in a video-home-training trajectory."""

    intake = "intake"  # kennismaking
    observation = "observation"  # observatie
    feedback = "feedback"  # begeleiding/feedback
    evaluation = "evaluation"  # evaluatie


class Visit(Base):
    """One home visit of the trajectory: clips are filmed at it, a playlist of
    an earlier visit is shown and talked over at it."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_visit_case_number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    visited_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    phase: Mapped[VisitPhase] = mapped_column(
        Enum(VisitPhase, native_enum=False, length=12), default=VisitPhase.observation)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class PersonRole(enum.StrEnum):
    mother = "mother"
    father = "father"
    partner = "partner"
    caregiver = "caregiver"  # another caregiver (grandparent, foster parent)
    baby = "baby"
    sibling = "sibling"


class CasePerson(Base):
    """Someone who appears in the family's recordings, by role and a label the
    professional chooses (never a name is required): moments say who."""

    __tablename__ = "case_people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[PersonRole] = mapped_column(Enum(PersonRole, native_enum=False, length=12))
    label: Mapped[str] = mapped_column(String(80), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class JobState:
    """The columns of a row a background job works on (a clip's transcode, a
    playlist's render): how far the job got and why it failed, where the output
    it published lives, which job has the row and when that job was last heard
    of (the sweeper's test for a lost job). Each model keeps its own ``status``:
    the states differ."""

    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    media_prefix: Mapped[str | None] = mapped_column(String(400), nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Clip(JobState, Base):
    """A recording and everything derived from it."""

    __tablename__ = "clips"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    activity: Mapped[str | None] = mapped_column(String(20), nullable=True)
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    #: The home visit it was filmed at (None until someone says which).
    visit_id: Mapped[str | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), nullable=True, index=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[ClipStatus] = mapped_column(
        Enum(ClipStatus, native_enum=False, length=20), default=ClipStatus.uploading, index=True
    )
    original_key: Mapped[str] = mapped_column(String(400))
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    has_audio: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    source_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="clip", cascade="all, delete-orphan", order_by="Rendition.height.desc()"
    )


class UploadState(enum.StrEnum):
    receiving = "receiving"
    complete = "complete"
    expired = "expired"


class Upload(Base):
    """A resumable (tus) upload of a clip's original, continued by any API process.

    Bytes go into an S3 multipart upload. Whole parts are listed in ``parts``;
    the bytes after the last whole part (fewer than a part) wait in a small
    "tail" object, so nothing is held in memory between requests. Each request
    takes part numbers from ``next_part`` so that two racing requests never
    overwrite each other's parts; only the one whose offset still matches wins.
    """

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    metadata_raw: Mapped[str] = mapped_column(Text, default="")
    s3_upload_id: Mapped[str] = mapped_column(String(400))
    parts: Mapped[list[list[int | str]]] = mapped_column(JSON, default=list)
    next_part: Mapped[int] = mapped_column(Integer, default=1)
    tail_key: Mapped[str | None] = mapped_column(String(400), nullable=True)
    tail_size: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[UploadState] = mapped_column(
        Enum(UploadState, native_enum=False, length=20), default=UploadState.receiving)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    clip: Mapped[Clip] = relationship()


class Rendition(Base):
    """One streamable quality level of a ready clip."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("clip_id", "name", name="uq_rendition_clip_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bandwidth: Mapped[int] = mapped_column(Integer)
    average_bandwidth: Mapped[int] = mapped_column(Integer)
    codecs: Mapped[str] = mapped_column(String(100))
    frame_rate: Mapped[float] = mapped_column(Float)
    playlist_key: Mapped[str] = mapped_column(String(400))

    clip: Mapped[Clip] = relationship(back_populates="renditions")


class AuditEvent(Base):
    """Append-only access log with the fields NEN 7513 asks for.

    The table refuses UPDATE and DELETE through database triggers (see the
    migration), and on PostgreSQL the application's role may only INSERT and
    SELECT it (``attune db grant``). Each row carries a hash over its fields
    and the previous row's hash, so a row changed or removed by someone who
    got past both breaks the chain that ``attune audit verify`` walks.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    user_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    user_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(200), nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The one row that says where the audit chain ends.

    Every new audit event first updates this row, which makes concurrent
    writers take turns (a row lock on PostgreSQL, the write lock on SQLite), so
    each event is chained to the one committed before it.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


# -- annotation ----------------------------------------------------------------

class CodingScheme(Base):
    """One version of a coding scheme (an ethogram). A version never changes once
    written, so annotations keep the meaning they were coded with: a new
    version is a new row with the same ``key``. Built-in schemes have no team;
    an organisation's own schemes belong to its team."""

    __tablename__ = "coding_schemes"
    __table_args__ = (UniqueConstraint("scope", "key", "version", name="uq_scheme_version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), nullable=True, index=True)
    #: ``builtin`` or the team's id: unlike a NULL team, it makes versions unique.
    scope: Mapped[str] = mapped_column(String(32))
    codes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    scales: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AnnotationSet(Base):
    """One coder's annotations of one clip with one scheme version. Coders work
    in their own sets: only a set's coder changes it, so a second coder's
    judgement stays their own until the two sets are compared."""

    __tablename__ = "annotation_sets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    scheme_id: Mapped[str] = mapped_column(ForeignKey("coding_schemes.id"))
    coder_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(20))
    #: A :class:`ReviewState`; history in ``review_transitions``.
    review_state: Mapped[str] = mapped_column(String(20), default=ReviewState.draft, index=True)
    review_state_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    scheme: Mapped[CodingScheme] = relationship()
    coder: Mapped[User] = relationship()
    annotations: Mapped[list[Annotation]] = relationship(
        back_populates="set", cascade="all, delete-orphan",
        order_by="(Annotation.start_ms, Annotation.id)")
    ratings: Mapped[list[Rating]] = relationship(
        back_populates="set", cascade="all, delete-orphan", order_by="Rating.scale")


class Annotation(Base):
    """A moment (``end_ms`` NULL) or a segment on a clip, in milliseconds.
    ``version`` counts edits: it is the ETag that keeps two editors from
    overwriting each other."""

    __tablename__ = "annotations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    subject: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    repairs_id: Mapped[str | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), nullable=True)
    #: The baby's initiative this moment receives or answers (initiative ->
    #: received -> turn), linked the way a repair names its mismatch.
    responds_to_id: Mapped[str | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), nullable=True)
    #: Who in the family, more precisely than ``subject`` (mother, baby, ...).
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("case_people.id", ondelete="SET NULL"), nullable=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    set: Mapped[AnnotationSet] = relationship(back_populates="annotations")


class AnnotationChange(Base):
    """Every change to a set, kept: who, when, and the annotation before and after."""

    __tablename__ = "annotation_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Rating(Base):
    """A global rating of the clip on one of the scheme's scales, by the set's coder."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("set_id", "scale", name="uq_rating_set_scale"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), index=True)
    scale: Mapped[str] = mapped_column(String(60))
    value: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    rater_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    set: Mapped[AnnotationSet] = relationship(back_populates="ratings")


# -- supervision ---------------------------------------------------------------

class ReviewTransition(Base):
    """One step of a set through supervision: who moved it, when, and why."""

    __tablename__ = "review_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User] = relationship()


class Comment(Base):
    """A remark anchored at a time (or range) of a clip, optionally on one
    annotation. A thread is a root comment and its replies (``parent_id``);
    only a root is resolved."""

    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    set_id: Mapped[str | None] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), nullable=True, index=True)
    annotation_id: Mapped[str | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True, index=True)
    start_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class SecondCoding(Base):
    """A supervisor's request that a second coder codes a clip independently,
    to be compared with the reference set once both are submitted."""

    __tablename__ = "second_codings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    reference_set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"))
    set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), unique=True)
    coder_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    requested_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# -- review playlists ----------------------------------------------------------

class PlaylistStatus(enum.StrEnum):
    draft = "draft"
    rendering = "rendering"
    ready = "ready"
    failed = "failed"
    purged = "purged"


class Playlist(JobState, Base):
    """Short moments from one case's clips, rendered into one presentation for
    a feedback visit. ``revision`` counts edits; the presentation under
    ``media_prefix`` was rendered from ``rendered_revision``."""

    __tablename__ = "playlists"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    #: The visit it is shown and talked over at.
    visit_id: Mapped[str | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), nullable=True, index=True)
    #: The professional's own notes during the visit; never on the family's screen.
    private_notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PlaylistStatus] = mapped_column(
        Enum(PlaylistStatus, native_enum=False, length=20), default=PlaylistStatus.draft,
        index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    rendered_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Where each item starts in the rendered presentation (for chapters and players).
    timeline: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    items: Mapped[list[PlaylistItem]] = relationship(
        back_populates="playlist", cascade="all, delete-orphan",
        order_by="PlaylistItem.position")


class PlaylistItem(Base):
    """One moment of a playlist: a range of a clip (from an annotation or
    chosen freely) with how to show it."""

    __tablename__ = "playlist_items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id"), index=True)
    annotation_id: Mapped[str | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), nullable=True)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    pre_roll_ms: Mapped[int] = mapped_column(Integer, default=0)
    post_roll_ms: Mapped[int] = mapped_column(Integer, default=0)
    caption: Mapped[str] = mapped_column(Text, default="")
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    freeze_at_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    freeze_s: Mapped[float] = mapped_column(Float, default=0.0)
    mute: Mapped[bool] = mapped_column(Boolean, default=False)

    playlist: Mapped[Playlist] = relationship(back_populates="items")
    clip: Mapped[Clip] = relationship()


class AnnotationGoal(Base):
    """A moment that shows work on (or progress towards) a goal."""

    __tablename__ = "annotation_goals"

    annotation_id: Mapped[str] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), primary_key=True)
    goal_id: Mapped[str] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True, index=True)


class PlaylistItemGoal(Base):
    """A playlist moment chosen to talk about a goal with the parents."""

    __tablename__ = "playlist_item_goals"

    item_id: Mapped[str] = mapped_column(
        ForeignKey("playlist_items.id", ondelete="CASCADE"), primary_key=True)
    goal_id: Mapped[str] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True, index=True)


class Reflection(Base):
    """The reflection conversation with the parents about one playlist moment
    (or, ``item_id`` None, the playlist as a whole): what they saw, what they
    said, and the next steps agreed. ``version`` guards concurrent edits."""

    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("playlist_id", "item_id", name="uq_reflection_item"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str | None] = mapped_column(
        ForeignKey("playlist_items.id", ondelete="CASCADE"), nullable=True)
    visit_id: Mapped[str | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), nullable=True, index=True)
    parents_saw: Mapped[str] = mapped_column(Text, default="")
    parents_said: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class Share(Base):
    """A view-only link to one playlist for the family. Only hashes of the
    token and of the access code are stored."""

    __tablename__ = "shares"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    views: Mapped[int] = mapped_column(Integer, default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    playlist: Mapped[Playlist] = relationship()


class ClipAnalysis(Base):
    """What the worker measured in a clip to suggest moments: the state of the
    analysis, why it found little (``notes``), and the time series the timeline
    draws (packed by :mod:`worker.analysis.series`). One row per clip; analysing
    again (other regions, a newer method) replaces it."""

    __tablename__ = "clip_analyses"

    clip_id: Mapped[str] = mapped_column(
        ForeignKey("clips.id", ondelete="CASCADE"), primary_key=True)
    #: ``queued``, ``running``, ``ready`` or ``failed``.
    status: Mapped[str] = mapped_column(String(12))
    method: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    series: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Parent and child boxes set by a person, as fractions of the frame.
    regions: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    set_id: Mapped[str | None] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class Suggestion(Base):
    """Why the analysis proposed one annotation of a suggestions set: how sure
    it is and the signals behind it, so a person can judge it."""

    __tablename__ = "suggestions"

    annotation_id: Mapped[str] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), primary_key=True)
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)


class SuggestionDecision(Base):
    """A person kept or turned down a suggestion. Kept for later evaluation of
    the analysis, also when the copy is edited or deleted afterwards."""

    __tablename__ = "suggestion_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), index=True)
    #: ``accepted`` or ``rejected``.
    decision: Mapped[str] = mapped_column(String(10))
    copy_id: Mapped[str | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("suggestion_id", "set_id", name="uq_suggestion_decision_set"),)
