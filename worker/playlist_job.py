"""The render job: a playlist's moments become one HLS presentation.

Incremental: each item is rendered into intermediate files kept under the
playlist (``items/<key>/``), where the key is a hash of everything that
changes its pictures and sound. Changing one item re-renders that item only;
reordering or rewording captions re-renders nothing and only re-packages.

Nothing half-rendered is ever served: a render writes under a fresh prefix,
and one database commit points the playlist at it once every file is stored.
A failure leaves the previous presentation in place and says which moment
failed and why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

from sqlalchemy.orm import Session

from core import audit
from core.db.models import (
    Annotation,
    Clip,
    ClipStatus,
    Playlist,
    PlaylistItem,
    PlaylistStatus,
)
from core.keys import playlist_prefix
from core.media import Canvas, ItemCut
from core.media.errors import MediaError
from core.media.hls import fetch_range
from core.queue import RENDER_PLAYLIST, runs, transcode_timeout
from core.runtime import Runtime
from core.storage import ObjectNotFound
from core.workdir import Workdir
from services.annotate.schemes import to_domain
from worker import publish
from worker.publish import CONTENT_TYPES
from worker.render import RenderedItem, output_frames, package, render_item
from worker.transcode import hls_rendition, ladder, snap_frame_rate

RENDER_ACTOR = audit.Actor(None, None, "system", on_behalf_of="render worker")
#: Part of the item cache key: change it when the way items are encoded changes.
ENGINE = "1"
#: The largest canvas: a visit is watched on a tablet; 720p is plenty.
CANVAS_SHORT_SIDE = 720
#: Share of the progress bar for rendering items; the rest is packaging and storing.
ITEMS_SHARE = 0.85
CAPTIONS_LANGUAGE = "nl"


class RenderFailed(publish.Refused):
    """A moment cannot be rendered; the message says which and why."""

    def __init__(self, message: str, code: str = "render_failed") -> None:
        super().__init__(message, code)


PLAYLISTS = publish.Kind(
    model=Playlist,
    waits=lambda row: row.status is PlaylistStatus.rendering,
    timed_out="Rendering took far longer than expected and was stopped; try again, or "
              "shorten the slow-motion moments.",
    unavailable="The media store could not be reached, even after several tries; render "
                "again later.")


@dataclass(frozen=True)
class Moment:
    """One item as the worker needs it, read from the database once."""

    number: int
    item_id: str
    clip_id: str
    rendition_key: str
    width: int
    height: int
    fps: float
    has_audio: bool
    start_s: float
    end_s: float
    speed: Fraction
    freeze_at_s: float | None
    freeze_s: float
    mute: bool
    caption: str
    title: str

    def cut(self, source: str) -> ItemCut:
        return ItemCut(source=source, start_s=self.start_s, end_s=self.end_s, speed=self.speed,
                       freeze_at_s=self.freeze_at_s, freeze_s=self.freeze_s, mute=self.mute,
                       has_audio=self.has_audio)


@runs(RENDER_PLAYLIST)
def render_playlist(playlist_id: str) -> str:
    """RQ entry point. Returns what became of the playlist."""
    return publish.run(PLAYLISTS, playlist_id, _present)


def _present(attempt: publish.Attempt[Playlist]) -> str:
    runtime, playlist_id = attempt.runtime, attempt.row_id
    revision, case_id, moments = _claim(attempt)
    base = playlist_prefix(case_id, playlist_id)
    prefix = attempt.fresh_prefix(f"{base}r{revision}-", token_bytes=4)
    canvas = canvas_for(moments)
    keys = [item_key(m, canvas) for m in moments]
    report = attempt.reporter()
    with Workdir(runtime, "render") as work:
        rendered = _items(runtime, base, moments, keys, canvas, work, report)
        placed = _timeline(rendered)
        presentation = package(
            rendered, canvas, work / "out", timeout_s=_timeout(runtime, rendered),
            captions=[(start, end, m.caption) for m, (start, end) in zip(moments, placed,
                                                                         strict=True)
                      if m.caption],
            chapters=[(start, end, m.title) for m, (start, end) in zip(moments, placed,
                                                                       strict=True)],
            captions_language=CAPTIONS_LANGUAGE)
        report(0.95)
        attempt.store(work / "out", presentation.files)
    timeline: list[dict[str, object]] = [
        {"item_id": m.item_id, "start_s": round(s, 3), "duration_s": round(e - s, 3),
         "title": m.title} for m, (s, e) in zip(moments, placed, strict=True)]

    def point(_: Session, row: Playlist) -> None:
        row.rendered_revision = revision
        row.duration_s, row.timeline = round(presentation.duration_s, 3), timeline

    attempt.publish(point)
    _tidy(runtime, base, keep_prefix=prefix, keep_items=set(keys))
    return "ready"


def _claim(attempt: publish.Attempt[Playlist]) -> tuple[int, str, list[Moment]]:
    """The revision to render and its moments, read in one go (edits may follow)."""
    with attempt.claim() as (db, row):
        moments = [_moment(db, number, item) for number, item in
                   enumerate(row.items, start=1)]
        for clip_id in {m.clip_id for m in moments}:
            audit.record(db, RENDER_ACTOR, action="read_for_playlist", object_type="clip",
                         object_id=clip_id, case_id=row.case_id, detail=f"playlist {row.id}")
        return row.revision, row.case_id, moments


def _moment(db: Session, number: int, item: PlaylistItem) -> Moment:
    clip = db.get(Clip, item.clip_id)
    if clip is None or clip.status is not ClipStatus.ready or not clip.renditions:
        raise RenderFailed(f"Moment {number} comes from a clip that is no longer available "
                           "(failed or removed); remove or replace that moment.",
                           "clip_not_ready")
    top = clip.renditions[0]
    duration_ms = round((clip.duration_s or 0) * 1000)
    first = max(0, item.start_ms - item.pre_roll_ms)
    last = min(duration_ms, item.end_ms + item.post_roll_ms)
    return Moment(number=number, item_id=item.id, clip_id=clip.id,
                  rendition_key=top.playlist_key, width=top.width, height=top.height,
                  fps=top.frame_rate, has_audio=bool(clip.has_audio), start_s=first / 1000,
                  end_s=last / 1000, speed=Fraction(item.speed).limit_denominator(8),
                  freeze_at_s=None if item.freeze_at_ms is None else item.freeze_at_ms / 1000,
                  freeze_s=item.freeze_s if item.freeze_at_ms is not None else 0.0,
                  mute=item.mute, caption=item.caption,
                  title=_title(db, number, item.caption, item.annotation_id))


def _title(db: Session, number: int, caption: str, annotation_id: str | None) -> str:
    """A chapter title: the caption's first line, else what was coded there."""
    if caption:
        return f"{number}. {caption.splitlines()[0]}"
    annotation = db.get(Annotation, annotation_id) if annotation_id else None
    code = to_domain(annotation.set.scheme).code(annotation.code) if annotation else None
    return f"{number}. {code.label_nl}" if code else f"{number}. Moment {number}"


def canvas_for(moments: list[Moment]) -> Canvas:
    """One encoding for every item: landscape unless every clip is portrait,
    no larger than the largest source (up to 720p), at the highest frame rate."""
    landscape = any(m.width >= m.height for m in moments)
    short = min(CANVAS_SHORT_SIDE, max(min(m.width, m.height) for m in moments))
    short -= short % 2
    long = 2 * round(short * 16 / 9 / 2)
    width, height = (long, short) if landscape else (short, long)
    fps = max(snap_frame_rate(m.fps) for m in moments)
    return Canvas(width=width, height=height, fps=fps,
                  renditions=[hls_rendition(r) for r in ladder(width, height)])


def item_key(moment: Moment, canvas: Canvas) -> str:
    """Everything that changes an item's pictures and sound, hashed."""
    parts = {"engine": ENGINE, "source": moment.rendition_key, "start": moment.start_s,
             "end": moment.end_s, "speed": str(moment.speed), "freeze_at": moment.freeze_at_s,
             "freeze": moment.freeze_s, "mute": moment.mute, "audio": moment.has_audio,
             "canvas": [canvas.width, canvas.height, str(canvas.fps),
                        [asdict(r) for r in canvas.renditions]]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _items(runtime: Runtime, base: str, moments: list[Moment], keys: list[str],
           canvas: Canvas, work: Path, report: Callable[[float], None]) -> list[RenderedItem]:
    """Each item from the cache, or rendered now and then cached."""
    weights = [output_frames(m.cut("-"), canvas.fps) for m in moments]
    total, done = sum(weights), 0
    rendered = []
    for moment, key, weight in zip(moments, keys, weights, strict=True):
        folder = work / "items" / key
        item = _cached(runtime, base, key, canvas, folder, weight) or \
            _render(runtime, base, moment, key, canvas, folder)
        rendered.append(item)
        done += weight
        report(ITEMS_SHARE * done / total)
    return rendered


def _cached(runtime: Runtime, base: str, key: str, canvas: Canvas, folder: Path,
            frames: int) -> RenderedItem | None:
    bucket = runtime.settings.s3_bucket_media
    folder.mkdir(parents=True, exist_ok=True)
    files = {r.directory: folder / f"{r.directory}.mov" for r in canvas.renditions}
    try:
        for name, path in files.items():
            with path.open("wb") as out:
                for chunk in runtime.store.open(bucket, f"{base}items/{key}/{name}.mov") \
                        .iter_chunks():
                    out.write(chunk)
    except ObjectNotFound:
        return None
    return RenderedItem(files=files, frames=frames, duration_s=float(frames / canvas.fps))


def _render(runtime: Runtime, base: str, moment: Moment, key: str, canvas: Canvas,
            folder: Path) -> RenderedItem:
    bucket = runtime.settings.s3_bucket_media
    try:
        source = fetch_range(runtime.store, bucket, moment.rendition_key, moment.start_s,
                             moment.end_s, folder / "source.mp4")
        item = render_item(moment.cut(str(source)), canvas, folder,
                           timeout_s=transcode_timeout(runtime.settings,
                                                       moment.end_s - moment.start_s))
    except (MediaError, ObjectNotFound, ValueError) as exc:
        reason = exc.message if isinstance(exc, MediaError) else "its clip's media is missing"
        raise RenderFailed(f"Moment {moment.number} could not be rendered: {reason}") from exc
    for name, path in item.files.items():
        runtime.store.put_file(bucket, f"{base}items/{key}/{name}.mov", path,
                               CONTENT_TYPES[".mov"])
    return item


def _timeline(rendered: list[RenderedItem]) -> list[tuple[float, float]]:
    """Where each item starts and ends in the presentation."""
    placed, t = [], 0.0
    for item in rendered:
        placed.append((t, t + item.duration_s))
        t += item.duration_s
    return placed


def _timeout(runtime: Runtime, rendered: list[RenderedItem]) -> float:
    return transcode_timeout(runtime.settings, sum(i.duration_s for i in rendered))


def _tidy(runtime: Runtime, base: str, keep_prefix: str, keep_items: set[str]) -> None:
    """Remove older presentations and cached items no item uses any more."""
    bucket = runtime.settings.s3_bucket_media
    stale: set[str] = set()
    for key in runtime.store.list_keys(bucket, base):
        rest = key[len(base):]
        top, _, below = rest.partition("/")
        if top == "items":
            item = below.split("/", 1)[0]
            if item not in keep_items:
                stale.add(f"{base}items/{item}/")
        elif f"{base}{top}/" != keep_prefix:
            stale.add(f"{base}{top}/")
    for prefix in stale:
        runtime.store.delete_prefix(bucket, prefix)
