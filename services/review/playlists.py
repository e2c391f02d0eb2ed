"""Review playlists: a few moments from one case's clips, each with how to
show it at the feedback visit (a question as caption, slow motion, a freeze,
muted sound), rendered into one presentation by a worker.

Every edit counts up the playlist's ``revision``; the presentation being
served was rendered from ``rendered_revision``, so a player knows when what
it shows is behind the builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import errors
from core.access import case_for, clip_for, is_case_supervisor, through_parent
from core.db.models import (
    Annotation,
    Case,
    Clip,
    ClipStatus,
    Playlist,
    PlaylistItem,
    PlaylistStatus,
    User,
)
from services.annotate import sets, suggestions
from services.cases import require_open

SPEEDS = (1.0, 0.5, 0.25)
MAX_ITEMS = 40
#: A playlist shows short moments; a longer stretch belongs in the clip itself.
MAX_ITEM_MS = 60_000
MAX_ROLL_MS = 10_000
MAX_FREEZE_S = 30.0
DEFAULT_FREEZE_S = 3.0
#: Around a moment (a point annotation): a little before, a little more after.
MOMENT_BEFORE_MS = 2_000
MOMENT_AFTER_MS = 3_000
#: After a repair that is itself a moment, show how it lands.
REPAIR_AFTER_MS = 2_000
STILL_CODE = "STILL"


def playlist_for(db: Session, user: User, playlist_id: str) -> Playlist:
    return through_parent("playlist", db.get(Playlist, playlist_id),
                          lambda row: case_for(db, user, row.case_id))


def require_owner_or_supervisor(db: Session, user: User, row: Playlist) -> Case:
    """The professional who made the playlist, or a supervisor of the team."""
    case = case_for(db, user, row.case_id)
    if row.owner_id != user.id and not is_case_supervisor(user, case):
        raise errors.NotAllowed("Only the professional who made this playlist (or a supervisor "
                                "of the team) can change it.", "not_your_playlist")
    return case


def require_editor(db: Session, user: User, row: Playlist) -> None:
    """May change the playlist: its owner or a supervisor, while the case is open."""
    require_open(require_owner_or_supervisor(db, user, row), "playlist changes")
    if row.status is PlaylistStatus.purged:
        raise errors.Gone("This playlist's media was removed with its case.",
                          "playlist_purged")


def create(db: Session, user: User, case: Case, title: str) -> Playlist:
    require_open(case, "new playlists")
    row = Playlist(case_id=case.id, owner_id=user.id, title=title.strip())
    db.add(row)
    db.flush()
    return row


@dataclass(frozen=True)
class ItemSpec:
    """What the builder asked for; unset fields come from the annotation."""

    clip_id: str | None = None
    annotation_id: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    pre_roll_ms: int = 0
    post_roll_ms: int = 0
    caption: str = ""
    speed: float = 1.0
    freeze_at_ms: int | None = None
    freeze_s: float | None = None
    mute: bool = False
    given: frozenset[str] = field(default_factory=frozenset)


def _invalid(field_name: str, message: str, code: str = "invalid_item") -> errors.Invalid:
    return errors.Invalid(f"{field_name}: {message}", code,
                          errors=[{"field": field_name, "message": message}])


def _source(db: Session, user: User, row: Playlist,
            spec: ItemSpec) -> tuple[Clip, Annotation | None]:
    """The clip (and annotation) an item shows, from this playlist's case only."""
    annotation = None
    if spec.annotation_id:
        annotation = sets.annotation_for(db, user, spec.annotation_id)
        if suggestions.is_suggestions(annotation.set):
            raise _invalid("annotation_id", "a suggestion is shown to a family only once a "
                           "person has accepted it into their coding", "unconfirmed_suggestion")
        clip = sets.row_clip(db, annotation.set)
        if spec.clip_id and spec.clip_id != clip.id:
            raise _invalid("clip_id", "the annotation is on another clip")
    elif spec.clip_id:
        clip = clip_for(db, user, spec.clip_id)
    else:
        raise _invalid("clip_id", "choose an annotation, or a clip and a time range")
    if clip.case_id != row.case_id:
        raise _invalid("clip_id" if not annotation else "annotation_id",
                       "a playlist shows clips of one case only; this one is from another "
                       "case", "mixes_cases")
    return clip, annotation


def _range_of(db: Session, annotation: Annotation, duration_ms: int) -> tuple[int, int]:
    """The part of the clip an annotation stands for: a segment as coded, a
    moment with some context, a mismatch through to the end of its repair."""
    start, end = annotation.start_ms, annotation.end_ms
    if end is None:
        start, end = start - MOMENT_BEFORE_MS, start + MOMENT_AFTER_MS
    # Whatever the scheme calls its mismatches (MISMATCH, a missed signal, an
    # interruption...), the one a repair names runs on to the end of that repair.
    repair = db.scalar(select(Annotation).where(Annotation.repairs_id == annotation.id)
                       .order_by(Annotation.start_ms))
    if repair is not None:
        end = max(end, repair.end_ms or repair.start_ms + REPAIR_AFTER_MS)
    return max(0, start), min(duration_ms, end)


def resolve(db: Session, user: User, row: Playlist, spec: ItemSpec) -> dict[str, object]:
    """The stored fields of an item, every one checked against its clip."""
    clip, annotation = _source(db, user, row, spec)
    if clip.status is ClipStatus.purged:
        raise errors.Gone("This clip's recording was removed with its case.", "clip_purged")
    duration = sets.duration_ms(clip)
    start, end = spec.start_ms, spec.end_ms
    if annotation is not None:
        around = _range_of(db, annotation, duration)
        start = around[0] if start is None else start
        end = around[1] if end is None else end
    if start is None or end is None:
        raise _invalid("start_ms" if start is None else "end_ms",
                       "a clip item needs both start_ms and end_ms")
    if not 0 <= start < duration:
        raise _invalid("start_ms", f"must lie within the clip (0 to {duration} ms)")
    if not start < end <= duration:
        raise _invalid("end_ms", f"must lie after start_ms and within the clip ({duration} ms)")
    if end - start > MAX_ITEM_MS:
        raise _invalid("end_ms", f"an item shows at most {MAX_ITEM_MS // 1000} s of the clip; "
                       "choose a shorter moment")
    if spec.speed not in SPEEDS:
        raise _invalid("speed", "must be 1 (normal), 0.5 or 0.25 (slow motion)")
    freeze_at, freeze_s = _freeze(spec, annotation)
    first, last = max(0, start - spec.pre_roll_ms), min(duration, end + spec.post_roll_ms)
    if freeze_at is not None and not first <= freeze_at <= last:
        raise _invalid("freeze_at_ms", f"must lie within the item ({first} to {last} ms)")
    return {"clip_id": clip.id, "annotation_id": annotation.id if annotation else None,
            "start_ms": start, "end_ms": end, "pre_roll_ms": spec.pre_roll_ms,
            "post_roll_ms": spec.post_roll_ms, "caption": _one_cue(spec.caption),
            "speed": spec.speed, "freeze_at_ms": freeze_at, "freeze_s": freeze_s,
            "mute": spec.mute}


def _freeze(spec: ItemSpec, annotation: Annotation | None) -> tuple[int | None, float]:
    """Where to hold the picture and how long: as asked, or at a STILL marker."""
    freeze_at = spec.freeze_at_ms
    if freeze_at is None and "freeze_at_ms" not in spec.given and annotation is not None \
            and annotation.code == STILL_CODE:
        freeze_at = annotation.start_ms
    if freeze_at is None:
        if spec.freeze_s and "freeze_s" in spec.given:
            raise _invalid("freeze_at_ms", "say where to freeze (or use a STILL moment)")
        return None, 0.0
    freeze_s = DEFAULT_FREEZE_S if spec.freeze_s is None else spec.freeze_s
    if not 0 < freeze_s <= MAX_FREEZE_S:
        raise _invalid("freeze_s", f"must be more than 0 and at most {MAX_FREEZE_S:g} s")
    return freeze_at, freeze_s


def _one_cue(caption: str) -> str:
    """Captions are shown as one cue: no blank lines, no stray whitespace."""
    return "\n".join(line.strip() for line in caption.strip().splitlines() if line.strip())


def add_item(db: Session, user: User, row: Playlist, spec: ItemSpec) -> PlaylistItem:
    if len(row.items) >= MAX_ITEMS:
        raise errors.Invalid(f"A playlist holds at most {MAX_ITEMS} moments.", "too_many_items")
    fields = resolve(db, user, row, spec)
    item = PlaylistItem(playlist_id=row.id, position=len(row.items), **fields)
    row.items.append(item)
    touch(row)
    db.flush()
    return item


def item_for(row: Playlist, item_id: str) -> PlaylistItem:
    for item in row.items:
        if item.id == item_id:
            return item
    raise errors.Unknown("No such item in this playlist.", "item_not_found")


def spec_of(item: PlaylistItem) -> ItemSpec:
    return ItemSpec(clip_id=item.clip_id, annotation_id=item.annotation_id,
                    start_ms=item.start_ms, end_ms=item.end_ms, pre_roll_ms=item.pre_roll_ms,
                    post_roll_ms=item.post_roll_ms, caption=item.caption, speed=item.speed,
                    freeze_at_ms=item.freeze_at_ms,
                    freeze_s=item.freeze_s if item.freeze_at_ms is not None else None,
                    mute=item.mute, given=frozenset({"freeze_at_ms"}))


def change_item(db: Session, user: User, row: Playlist, item: PlaylistItem,
                spec: ItemSpec) -> PlaylistItem:
    for name, value in resolve(db, user, row, spec).items():
        setattr(item, name, value)
    touch(row)
    db.flush()
    return item


def remove_item(db: Session, row: Playlist, item: PlaylistItem) -> None:
    row.items.remove(item)
    _renumber(row.items)
    touch(row)
    db.flush()


def reorder(db: Session, row: Playlist, item_ids: list[str]) -> None:
    """Put the items in the given order; the list must name each item once."""
    current = {item.id: item for item in row.items}
    if sorted(item_ids) != sorted(current):
        raise _invalid("item_ids", "list every item of the playlist exactly once")
    ordered = [current[i] for i in item_ids]
    _renumber(ordered)
    row.items.sort(key=lambda item: item.position)
    touch(row)
    db.flush()


def _renumber(items: list[PlaylistItem]) -> None:
    for position, item in enumerate(items):
        item.position = position


def touch(row: Playlist) -> None:
    row.revision += 1


def renderable(db: Session, row: Playlist) -> None:
    """Refuse to start a render that cannot succeed, saying which item is the problem."""
    if not row.items:
        raise errors.Invalid("Add at least one moment before rendering the playlist.",
                             "empty_playlist")
    for number, item in enumerate(row.items, start=1):
        clip = db.get(Clip, item.clip_id)
        assert clip is not None  # foreign key
        if clip.status is not ClipStatus.ready:
            reason = {ClipStatus.failed: "could not be processed",
                      ClipStatus.purged: "was removed with its case"}.get(
                clip.status, f"is not ready yet ({clip.status.value})")
            raise errors.Conflict(f"Moment {number} comes from a clip that {reason}; remove "
                                  "or replace that moment.", "clip_not_ready")
