"""The trajectory as a PDF for the family's file (dossier): goals, visits with
stills of the chosen moments, the numbers over the visits, the reflection
conversations with the parents and the supervisor's approval of the coding.

:func:`gather` reads everything from the database and cuts the stills;
:func:`render` lays it out with reportlab's platypus and draws the charts
with reportlab.graphics. The texts are kept here in Dutch and English
(:data:`TEXTS`); codes are worded with the scheme's own labels.

A file copy leaves the service, so it carries nothing the file does not need:
the PDF's document information holds only the title, the product and the
creation date (no author, no software versions), and each still is decoded
and encoded afresh as a plain JPEG, so no metadata of the recording (place,
device) can travel along.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, TypeVar
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import cv2
import numpy as np
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload, selectinload

from core.db.models import (
    Annotation,
    AnnotationGoal,
    AnnotationSet,
    Case,
    Clip,
    ClipStatus,
    Goal,
    GoalStatus,
    Playlist,
    PlaylistItem,
    PlaylistItemGoal,
    Reflection,
    ReviewState,
    ReviewTransition,
    User,
    Visit,
    VisitPhase,
)
from core.media import MediaError, build_still_command, run_ffmpeg
from core.media.hls import fetch_range
from core.runtime import Runtime
from core.storage import ObjectNotFound
from core.workdir import Workdir
from services.annotate import sets as annotation_sets
from services.annotate import suggestions
from services.annotate.domain import Scheme
from services.annotate.schemes import to_domain
from services.trajectory.progress import case_progress

log = logging.getLogger(__name__)

Lang = Literal["nl", "en"]
T = TypeVar("T")

#: The family's file is Dutch: dates and "made at" in Dutch time.
ZONE = ZoneInfo("Europe/Amsterdam")
#: Enough moments to remember a visit by; a longer file is not read.
MAX_STILLS_PER_VISIT = 6
STILL_WIDTH_PX = 480
STILL_WIDTH = 62 * mm
STILL_TIMEOUT_S = 60.0
#: The rendition a still is cut from: the smallest at least this tall.
STILL_SOURCE_HEIGHT = 360
PRODUCT = "Attune"
#: Between a name and what follows it, and for "none" in a table.
DASH = "\u2013"

#: Every text of the report, in Dutch and English.
TEXTS: dict[Lang, dict[str, str]] = {
    "nl": {
        "title": "Verslag videohometraining",
        "case": "Casus",
        "period": "Periode",
        "whole": "hele traject",
        "made_by": "Gemaakt door",
        "made_at": "Gemaakt op",
        "visits_count": "Bezoeken in dit verslag",
        "goals": "Doelen",
        "no_goals": "Er zijn (nog) geen doelen vastgelegd.",
        "goal": "Doel",
        "status": "Status",
        "started": "Gestart",
        "reached": "Bereikt",
        "visits": "Bezoeken",
        "no_visits": "Er zijn geen bezoeken vastgelegd.",
        "visit": "Bezoek",
        "undated": "datum onbekend",
        "phase": "Fase",
        "activity": "Activiteit",
        "recordings": "Opnamen",
        "no_recordings": "Geen opnamen bij dit bezoek.",
        "moments": "Gekozen momenten",
        "no_moments": "Geen momenten gekozen bij dit bezoek.",
        "no_still": "(beeld niet beschikbaar)",
        "at": "op",
        "note": "Notitie",
        "caption": "Vraag/bijschrift",
        "goals_linked": "Bij doel",
        "reflections": "Reflectie met de ouders",
        "whole_playlist": "hele afspeellijst",
        "parents_saw": "Wat de ouders zagen",
        "parents_said": "Wat de ouders zeiden",
        "next_steps": "Volgende stappen",
        "approval": "Supervisie van de codering",
        "no_coding": "Nog niet gecodeerd.",
        "coded_by": "gecodeerd door",
        "approved_by": "goedgekeurd door",
        "state_draft": "concept, nog niet ingediend",
        "state_submitted": "ingediend, wacht op supervisie",
        "state_changes_requested": "supervisor vroeg om wijzigingen",
        "progress": "Verloop over de bezoeken",
        "no_progress": "Nog te weinig gecodeerd om een verloop te tonen.",
        "m_positive_per_min": "Positieve momenten per minuut",
        "m_initiatives_received_share": "Initiatieven van de baby ontvangen (%)",
        "m_mismatch_time_share": "Tijd uit afstemming (%)",
        "m_repaired_share": "Mismatches hersteld (%)",
        "m_median_response_ms": "Mediane reactietijd (s)",
        "m_median_repair_ms": "Mediane hersteltijd (s)",
        "m_goal": "Momenten bij doel: {title}",
        "axis_visit": "bezoek",
        "page": "pagina",
        "phase_intake": "kennismaking",
        "phase_observation": "observatie",
        "phase_feedback": "begeleiding/feedback",
        "phase_evaluation": "evaluatie",
        "status_open": "open",
        "status_working": "mee bezig",
        "status_reached": "bereikt",
        "activity_bath": "badje",
        "activity_feeding": "voeden",
        "activity_dressing": "aankleden",
        "activity_play": "spelen",
        "activity_other": "anders",
        "months": "januari februari maart april mei juni juli augustus september oktober "
                  "november december",
    },
    "en": {
        "title": "Video home training report",
        "case": "Case",
        "period": "Period",
        "whole": "whole trajectory",
        "made_by": "Made by",
        "made_at": "Made on",
        "visits_count": "Visits in this report",
        "goals": "Goals",
        "no_goals": "No goals have been recorded (yet).",
        "goal": "Goal",
        "status": "Status",
        "started": "Started",
        "reached": "Reached",
        "visits": "Visits",
        "no_visits": "No visits have been recorded.",
        "visit": "Visit",
        "undated": "date not known",
        "phase": "Phase",
        "activity": "Activity",
        "recordings": "Recordings",
        "no_recordings": "No recordings at this visit.",
        "moments": "Chosen moments",
        "no_moments": "No moments were chosen at this visit.",
        "no_still": "(picture not available)",
        "at": "at",
        "note": "Note",
        "caption": "Question/caption",
        "goals_linked": "For goal",
        "reflections": "Reflection with the parents",
        "whole_playlist": "whole playlist",
        "parents_saw": "What the parents saw",
        "parents_said": "What the parents said",
        "next_steps": "Next steps",
        "approval": "Supervision of the coding",
        "no_coding": "Not coded yet.",
        "coded_by": "coded by",
        "approved_by": "approved by",
        "state_draft": "draft, not submitted yet",
        "state_submitted": "submitted, waiting for supervision",
        "state_changes_requested": "the supervisor asked for changes",
        "progress": "Over the visits",
        "no_progress": "Too little has been coded yet to show a course over the visits.",
        "m_positive_per_min": "Positive moments per minute",
        "m_initiatives_received_share": "Baby's initiatives received (%)",
        "m_mismatch_time_share": "Time out of step (%)",
        "m_repaired_share": "Mismatches repaired (%)",
        "m_median_response_ms": "Median response time (s)",
        "m_median_repair_ms": "Median repair time (s)",
        "m_goal": "Moments for goal: {title}",
        "axis_visit": "visit",
        "page": "page",
        "phase_intake": "intake",
        "phase_observation": "observation",
        "phase_feedback": "feedback",
        "phase_evaluation": "evaluation",
        "status_open": "open",
        "status_working": "working on it",
        "status_reached": "reached",
        "activity_bath": "bath",
        "activity_feeding": "feeding",
        "activity_dressing": "dressing",
        "activity_play": "play",
        "activity_other": "other",
        "months": "January February March April May June July August September October "
                  "November December",
    },
}

#: The numbers drawn over the visits, with how a stored value becomes a shown one.
METRICS: tuple[tuple[str, Callable[[float], float]], ...] = (
    ("positive_per_min", lambda v: v),
    ("initiatives_received_share", lambda v: 100 * v),
    ("mismatch_time_share", lambda v: 100 * v),
    ("repaired_share", lambda v: 100 * v),
    ("median_response_ms", lambda v: v / 1000),
    ("median_repair_ms", lambda v: v / 1000),
)


# -- what the report says ---------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """The visits the report covers (by their date); open ends cover all."""

    start: date | None = None
    end: date | None = None

    def covers(self, day: date | None) -> bool:
        if day is None:
            return self.start is None and self.end is None
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass
class Still:
    """One chosen moment: the picture at its time and what was written about it."""

    clip_id: str
    at_ms: int
    label: str
    note: str = ""
    caption: str = ""
    goals: list[str] = field(default_factory=list)
    jpeg: bytes | None = None


@dataclass(frozen=True)
class ReflectionRecord:
    playlist_title: str
    moment: str  # the item's caption or code label, or "whole playlist"
    parents_saw: str
    parents_said: str
    next_steps: str


@dataclass(frozen=True)
class CodingState:
    """Where one clip's coding stands in supervision."""

    clip_label: str
    coder: str
    state: str
    decided_by: str | None = None
    decided_at: datetime | None = None


@dataclass
class VisitSection:
    visit: Visit
    clips: list[Clip]
    stills: list[Still]
    reflections: list[ReflectionRecord]
    coding: list[CodingState]


@dataclass(frozen=True)
class VisitNumbers:
    """The numbers of one visit, keyed as in :data:`METRICS` (None: not measured)."""

    visit_id: str
    number: int
    values: dict[str, float | None]


@dataclass(frozen=True)
class GoalNumbers:
    """How many moments were linked to a goal, per visit (by id)."""

    title: str
    moments: dict[str, int]


@dataclass
class Report:
    case: Case
    author: str
    made_at: datetime
    period: Period
    lang: Lang
    goals: list[Goal]
    visits: list[VisitSection]
    numbers: list[VisitNumbers]
    goal_numbers: list[GoalNumbers]


def gather(db: Session, runtime: Runtime, case: Case, author: User, period: Period,
           lang: Lang, *, now: datetime) -> Report:
    """Everything the report shows, read once; the stills are cut here too."""
    goals = list(db.scalars(select(Goal).where(Goal.case_id == case.id)
                            .order_by(Goal.position, Goal.created_at)))
    goal_titles = {g.id: g.title for g in goals}
    visits = [v for v in db.scalars(select(Visit).where(Visit.case_id == case.id)
                                    .order_by(Visit.number))
              if period.covers(v.visited_on)]
    labels = _Labels(lang)
    sections = _sections(db, author, visits, goal_titles, labels)
    _cut_stills(db, runtime, [s for section in sections for s in section.stills])
    shown = {v.id for v in visits}
    numbers, goal_numbers = visit_numbers(db, case, author)
    numbers = [n for n in numbers if n.visit_id in shown]
    return Report(case=case, author=author.name or author.email, made_at=now, period=period,
                  lang=lang, goals=goals, visits=sections, numbers=numbers,
                  goal_numbers=goal_numbers)


class _Labels:
    """Code labels in the report's language, from each set's own scheme version
    (each version read into codes once, however many moments use it)."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.schemes: dict[str, Scheme] = {}

    def of(self, row: AnnotationSet, code: str) -> str:
        if row.scheme_id not in self.schemes:
            self.schemes[row.scheme_id] = to_domain(row.scheme)
        found = self.schemes[row.scheme_id].code(code)
        if found is None:
            return code
        return found.label_nl if self.lang == "nl" else found.label_en


#: A moment read with its set and that set's scheme (what its label needs).
_WITH_SCHEME = selectinload(Annotation.set).joinedload(AnnotationSet.scheme)


def _sections(db: Session, author: User, visits: list[Visit], goal_titles: dict[str, str],
              labels: _Labels) -> list[VisitSection]:
    """The visits, read in as many queries for a long trajectory as for a short
    one. A second coder who has yet to hand in their own coding of a clip sees
    nothing of anyone else's coding of it, in a report neither."""
    ids = [visit.id for visit in visits]
    clips = _grouped_by(ids, db.scalars(select(Clip).where(Clip.visit_id.in_(ids))
                                        .order_by(Clip.recorded_at, Clip.created_at)),
                        lambda clip: clip.visit_id)
    items = _items_shown(db, ids)
    hidden = annotation_sets.blinded_clips(
        db, author, {c.id for found in clips.values() for c in found}
        | {i.clip_id for shown in items.values() for i in shown})
    open_clips = {visit: [c for c in found if c.id not in hidden]
                  for visit, found in clips.items()}
    stills = _stills(db, items, open_clips, goal_titles, labels)
    reflections = _reflections(db, ids, labels)
    coding = _coding(db, [c for found in open_clips.values() for c in found])
    return [VisitSection(visit=visit, clips=clips[visit.id],
                         stills=[s for s in stills[visit.id]
                                 if not (s.label and s.clip_id in hidden)
                                 ][:MAX_STILLS_PER_VISIT],
                         reflections=reflections[visit.id],
                         coding=[state for clip in open_clips[visit.id]
                                 for state in coding[clip.id]])
            for visit in visits]


def _grouped_by(keys: Iterable[str], rows: Iterable[T],
                key: Callable[[T], str | None]) -> dict[str, list[T]]:
    """``rows`` by ``key``, in their order, with an empty list for every key."""
    found: dict[str, list[T]] = {k: [] for k in keys}
    for row in rows:
        group = key(row)
        if group in found:
            found[group].append(row)
    return found


def _items_shown(db: Session, visit_ids: list[str]) -> dict[str, list[PlaylistItem]]:
    """The moments of the playlists shown at each visit, in playlist order."""
    found: dict[str, list[PlaylistItem]] = {visit_id: [] for visit_id in visit_ids}
    for item, visit_id in db.execute(select(PlaylistItem, Playlist.visit_id).join(Playlist)
                                     .where(Playlist.visit_id.in_(visit_ids))
                                     .order_by(Playlist.created_at, PlaylistItem.position)):
        found[str(visit_id)].append(item)
    return found


def _goals_of(db: Session, link: InstrumentedAttribute[str], goal: InstrumentedAttribute[str],
              ids: Iterable[str]) -> dict[str, list[str]]:
    """The goals each playlist item or moment is linked to (``link`` and ``goal``:
    the columns of its link table), in one query for all of them."""
    wanted = list(ids)
    found: dict[str, list[str]] = {}
    if wanted:
        for key, goal_id in db.execute(select(link, goal).where(link.in_(wanted))):
            found.setdefault(key, []).append(goal_id)
    return found


def _titles(goal_ids: list[str], goal_titles: dict[str, str]) -> list[str]:
    return [goal_titles[g] for g in goal_ids if g in goal_titles]


def _stills(db: Session, items: dict[str, list[PlaylistItem]], clips: dict[str, list[Clip]],
            goal_titles: dict[str, str], labels: _Labels) -> dict[str, list[Still]]:
    """Per visit, the moments of the playlists shown at it, then the moments
    coded in its recordings that were linked to a goal; each moment once."""
    shown = [item for found in items.values() for item in found]
    notes = {a.id: a for a in db.scalars(select(Annotation).options(_WITH_SCHEME).where(
        Annotation.id.in_({i.annotation_id for i in shown if i.annotation_id})))}
    item_goals = _goals_of(db, PlaylistItemGoal.item_id, PlaylistItemGoal.goal_id,
                           [i.id for i in shown])
    linked = _linked(db, clips)
    note_goals = _goals_of(db, AnnotationGoal.annotation_id, AnnotationGoal.goal_id,
                           [a.id for found in linked.values() for a in found])
    stills: dict[str, list[Still]] = {}
    for visit_id, found in items.items():
        stills[visit_id] = [_item_still(item, notes.get(item.annotation_id or ""),
                                        _titles(item_goals.get(item.id, []), goal_titles),
                                        labels) for item in found]
        seen = {item.annotation_id for item in found if item.annotation_id in notes}
        stills[visit_id] += [
            Still(clip_id=a.set.clip_id, at_ms=_moment_ms(a), label=labels.of(a.set, a.code),
                  note=a.note, goals=_titles(note_goals.get(a.id, []), goal_titles))
            for a in linked[visit_id] if a.id not in seen]
    return stills


def _item_still(item: PlaylistItem, annotation: Annotation | None, goals: list[str],
                labels: _Labels) -> Still:
    """A playlist moment: at its freeze, else at its coded moment, else its middle."""
    at_ms = item.freeze_at_ms if item.freeze_at_ms is not None else \
        _moment_ms(annotation) if annotation else (item.start_ms + item.end_ms) // 2
    return Still(clip_id=item.clip_id, at_ms=at_ms,
                 label=labels.of(annotation.set, annotation.code) if annotation else "",
                 note=annotation.note if annotation else "", caption=item.caption, goals=goals)


def _linked(db: Session, clips: dict[str, list[Clip]]) -> dict[str, list[Annotation]]:
    """The coded moments linked to a goal in each visit's recordings, in time order."""
    visit_of = {clip.id: visit_id for visit_id, found in clips.items() for clip in found}
    rows = db.scalars(
        select(Annotation).join(AnnotationSet).join(AnnotationGoal,
                                                    AnnotationGoal.annotation_id == Annotation.id)
        .where(AnnotationSet.clip_id.in_(list(visit_of)),
               AnnotationSet.purpose != suggestions.PURPOSE)
        .distinct().order_by(Annotation.start_ms, Annotation.id).options(_WITH_SCHEME))
    return _grouped_by(clips, rows, lambda a: visit_of.get(a.set.clip_id))


def _moment_ms(annotation: Annotation) -> int:
    """The picture that stands for a moment: its time, or a segment's middle."""
    if annotation.end_ms is None:
        return annotation.start_ms
    return (annotation.start_ms + annotation.end_ms) // 2


def _reflections(db: Session, visit_ids: list[str],
                 labels: _Labels) -> dict[str, list[ReflectionRecord]]:
    """The conversations held at each visit: recorded there, or about a playlist
    shown there when the record names no visit."""
    rows = db.execute(
        select(Reflection, Playlist).join(Playlist, Playlist.id == Reflection.playlist_id)
        .where(or_(Reflection.visit_id.in_(visit_ids),
                   (Reflection.visit_id.is_(None)) & (Playlist.visit_id.in_(visit_ids))))
        .order_by(Playlist.created_at, Reflection.created_at)).all()
    items = {i.id: i for i in db.scalars(select(PlaylistItem).where(
        PlaylistItem.id.in_({r.item_id for r, _ in rows if r.item_id})))}
    notes = {a.id: a for a in db.scalars(select(Annotation).options(_WITH_SCHEME).where(
        Annotation.id.in_({i.annotation_id for i in items.values() if i.annotation_id})))}
    found: dict[str, list[ReflectionRecord]] = {visit_id: [] for visit_id in visit_ids}
    for reflection, playlist in rows:
        item = items.get(reflection.item_id) if reflection.item_id else None
        moment = TEXTS[labels.lang]["whole_playlist"]
        if item is not None:
            annotation = notes.get(item.annotation_id) if item.annotation_id else None
            moment = item.caption or (labels.of(annotation.set, annotation.code)
                                      if annotation else f"#{item.position + 1}")
        visit_id = reflection.visit_id or playlist.visit_id
        assert visit_id is not None  # the query asks for one of the visits
        found[visit_id].append(ReflectionRecord(playlist.title, moment, reflection.parents_saw,
                                                reflection.parents_said, reflection.next_steps))
    return found


def _coding(db: Session, clips: list[Clip]) -> dict[str, list[CodingState]]:
    """Each coded set of the recordings (by clip) and its last supervision decision."""
    rows = db.scalars(select(AnnotationSet).where(
        AnnotationSet.clip_id.in_([clip.id for clip in clips]),
        AnnotationSet.purpose != suggestions.PURPOSE)
        .order_by(AnnotationSet.created_at).options(joinedload(AnnotationSet.coder))).all()
    decided: dict[str, ReviewTransition] = {}
    for step in db.scalars(select(ReviewTransition).where(
            ReviewTransition.set_id.in_([r.id for r in rows
                                         if r.review_state == ReviewState.approved]),
            ReviewTransition.to_state == ReviewState.approved)
            .order_by(ReviewTransition.id).options(joinedload(ReviewTransition.actor))):
        decided[step.set_id] = step  # the last approval wins
    names = {clip.id: clip.filename for clip in clips}
    found: dict[str, list[CodingState]] = {clip.id: [] for clip in clips}
    for row in rows:
        approval = decided.get(row.id)
        found[row.clip_id].append(CodingState(
            clip_label=names[row.clip_id], coder=row.coder.name or row.coder.email,
            state=row.review_state,
            decided_by=(approval.actor.name or approval.actor.email) if approval else None,
            decided_at=approval.at if approval else None))
    return found


# -- the numbers over the visits ------------------------------------------------------------

def visit_numbers(db: Session, case: Case, reader: User) -> tuple[list[VisitNumbers],
                                                                  list[GoalNumbers]]:
    """Per visit, the numbers :data:`METRICS` names, and per goal its linked
    moments, from the trajectory's progress (which coding counts is decided
    there); a blinded second coder's clips are left out for them."""
    progress = case_progress(db, case, reader)
    visits = [VisitNumbers(v.visit_id, v.number, {key: getattr(v, key) for key, _ in METRICS})
              for v in progress.visits]
    goals = [GoalNumbers(g.title, {v.visit_id: v.moments for v in g.per_visit})
             for g in progress.goals]
    return visits, goals


# -- stills ------------------------------------------------------------------------------------

def _cut_stills(db: Session, runtime: Runtime, stills: Sequence[Still]) -> None:
    """Cut each still from the clip's stored rendition; a clip that is gone
    (purged, failed, its files missing) leaves the still without a picture."""
    if not stills:
        return
    clips = {clip.id: clip for clip in db.scalars(select(Clip).options(
        selectinload(Clip.renditions)).where(Clip.id.in_({s.clip_id for s in stills})))}
    with Workdir(runtime, "report") as work:
        for number, still in enumerate(stills):
            clip = clips.get(still.clip_id)
            if clip is None or clip.status is not ClipStatus.ready or not clip.renditions:
                continue
            try:
                still.jpeg = _cut(runtime, clip, still.at_ms, work / f"{number}")
            except (MediaError, ObjectNotFound, ValueError) as exc:
                log.warning("no still of clip %s at %d ms: %s", clip.id, still.at_ms, exc)


def _cut(runtime: Runtime, clip: Clip, at_ms: int, folder: Path) -> bytes | None:
    tall_enough = [r for r in clip.renditions if r.height >= STILL_SOURCE_HEIGHT]
    rendition = tall_enough[-1] if tall_enough else clip.renditions[0]
    last_s = max(0.0, (clip.duration_s or 0) - 1 / max(rendition.frame_rate, 1))
    at_s = min(max(at_ms / 1000, 0.0), last_s)
    folder.mkdir()
    source = fetch_range(runtime.store, runtime.settings.s3_bucket_media,
                         rendition.playlist_key, at_s, at_s + 0.5, folder / "source.mp4")
    out = folder / "still.jpg"
    run_ffmpeg(build_still_command(str(source), at_s, out, STILL_WIDTH_PX), duration_s=1.0,
               on_progress=None, timeout_s=STILL_TIMEOUT_S)
    return plain_jpeg(out.read_bytes()) if out.is_file() else None


def plain_jpeg(data: bytes) -> bytes | None:
    """The picture alone, encoded afresh: no EXIF, no comment, nothing but pixels."""
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if picture is None:
        return None
    ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return encoded.tobytes() if ok else None


# -- layout ------------------------------------------------------------------------------------

class _Info(PDFInfo):
    """Document information with the title, the product and the creation date only."""

    def format(self, document: Any) -> bytes:
        entries = {"Title": PDFString(self.title), "Producer": PDFString(PRODUCT),
                   "Creator": PDFString(PRODUCT),
                   "CreationDate": PDFDate(ts=document._timeStamp,
                                           dateFormatter=self._dateFormatter),
                   "Trapped": PDFName("False")}
        formatted: bytes = PDFDictionary(entries).format(document)
        return formatted


class _Canvas(Canvas):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._doc.info = _Info()


def render(report: Report) -> bytes:
    """The report as PDF bytes."""
    t = TEXTS[report.lang]
    title = f"{t['title']} {DASH} {report.case.label}"
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=18 * mm,
                            rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    styles = _styles()

    def footer(canvas: Canvas, _: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, f"{report.case.label} {DASH} {PRODUCT}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{t['page']} {canvas.getPageNumber()}")
        canvas.restoreState()

    story = [*_title_page(report, styles), PageBreak(), *_goals(report, styles),
             *_progress(report, styles)]
    if not report.visits:
        story += [_p(t["visits"], styles["h1"]), _p(t["no_visits"], styles["body"])]
    for section in report.visits:
        story += _visit(report, section, styles)
    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=_Canvas)
    return _unbranded(buffer.getvalue())


#: Comments reportlab writes into every file (after the header and in the trailer).
_LIBRARY_COMMENTS = (b"ReportLab Generated PDF document (opensource)",
                     b"ReportLab generated PDF document -- digest (opensource)")


def _unbranded(pdf: bytes) -> bytes:
    """The file naming only the product: the library's comments become the
    product's name, padded to the same length so every offset stays valid."""
    for comment in _LIBRARY_COMMENTS:
        pdf = pdf.replace(comment, PRODUCT.encode().ljust(len(comment)))
    return pdf


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=22, leading=28,
                                spaceAfter=12 * mm, alignment=0),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontSize=16, spaceBefore=6 * mm),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=13, spaceBefore=4 * mm),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontSize=11, spaceBefore=3 * mm),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontSize=10, leading=13),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=9, leading=11.5),
        "muted": ParagraphStyle("muted", parent=base["BodyText"], fontSize=9,
                                textColor=colors.grey),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (a note may hold ``<`` or ``&``; line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _labelled(label: str, text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(f"<b>{escape(label)}:</b> {escape(text).replace(chr(10), '<br/>')}",
                     style)


def format_date(day: date | datetime | None, lang: Lang) -> str:
    """``3 december 2026`` / ``3 December 2026``."""
    if day is None:
        return TEXTS[lang]["undated"]
    if isinstance(day, datetime):
        day = day.astimezone(ZONE).date()
    months = TEXTS[lang]["months"].split()
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _word(lang: Lang, prefix: str, key: str | None) -> str:
    if not key:
        return ""
    return TEXTS[lang].get(f"{prefix}_{key}", key)


def _title_page(report: Report, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    t, lang = TEXTS[report.lang], report.lang
    if report.period.start is None and report.period.end is None:
        period = t["whole"]
    else:
        period = f" {DASH} ".join(format_date(d, lang) if d else "…"
                            for d in (report.period.start, report.period.end))
    made_at = report.made_at.astimezone(ZONE)
    rows = [(t["case"], report.case.label), (t["period"], period),
            (t["made_by"], report.author),
            (t["made_at"], f"{format_date(made_at, lang)} {made_at:%H:%M}"),
            (t["visits_count"], str(len(report.visits)))]
    table = Table([[_p(k, styles["body"]), _p(v, styles["body"])] for k, v in rows],
                  colWidths=[45 * mm, 120 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
    return [Spacer(1, 30 * mm), _p(t["title"], styles["title"]), table]


def _goals(report: Report, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    t, lang = TEXTS[report.lang], report.lang
    out: list[Flowable] = [_p(t["goals"], styles["h1"])]
    if not report.goals:
        return [*out, _p(t["no_goals"], styles["body"])]
    rows = [[_p(h, styles["small"]) for h in (t["goal"], t["status"], t["started"],
                                               t["reached"])]]
    for goal in report.goals:
        text = f"<b>{escape(goal.title)}</b>"
        if goal.description:
            text += "<br/>" + escape(goal.description).replace("\n", "<br/>")
        rows.append([Paragraph(text, styles["small"]),
                     _p(_word(lang, "status", GoalStatus(goal.status).value), styles["small"]),
                     _p(format_date(goal.started_at, lang) if goal.started_at else DASH,
                        styles["small"]),
                     _p(format_date(goal.reached_at, lang) if goal.reached_at else DASH,
                        styles["small"])])
    table = Table(rows, colWidths=[86 * mm, 26 * mm, 31 * mm, 31 * mm], repeatRows=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
    return [*out, table]


def _progress(report: Report, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    t = TEXTS[report.lang]
    out: list[Flowable] = [_p(t["progress"], styles["h1"])]
    categories = [str(n.number) for n in report.numbers]
    series = [(t[f"m_{key}"], [shown(v) if (v := n.values.get(key)) is not None else None
                               for n in report.numbers]) for key, shown in METRICS]
    series = [(title, values) for title, values in series
              if any(v is not None for v in values)]
    counts = [(t["m_goal"].format(title=_short(goal.title)), values)
               for goal in report.goal_numbers
               if any(values := _counts(goal, report.numbers))]
    charts: list[Flowable] = [_chart(report.lang, title, categories, values, "%.1f")
                              for title, values in series]
    charts += [_chart(report.lang, title, categories, values, "%.0f")
               for title, values in counts]
    if not charts:
        return [*out, _p(t["no_progress"], styles["body"])]
    if len(charts) % 2:
        charts.append(Spacer(1, 1))
    rows = [charts[i:i + 2] for i in range(0, len(charts), 2)]
    return [*out, Table(rows, colWidths=[87 * mm, 87 * mm])]


def _counts(goal: GoalNumbers, visits: list[VisitNumbers]) -> list[float | None]:
    return [float(goal.moments.get(n.visit_id, 0)) for n in visits]


def _short(text: str, length: int = 40) -> str:
    """A title that fits above a small chart (a drawing's string does not wrap)."""
    return text if len(text) <= length else text[:length - 1].rstrip() + "\u2026"


def _chart(lang: Lang, title: str, categories: list[str],
           values: list[float | None], label_format: str) -> Drawing:
    """A small bar chart of one number over the visits."""
    drawing = Drawing(82 * mm, 52 * mm)
    drawing.add(String(0, 52 * mm - 10, title, fontName="Helvetica-Bold", fontSize=8.5))
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 9 * mm
    chart.width, chart.height = 66 * mm, 34 * mm
    chart.data = [values]
    chart.categoryAxis.categoryNames = categories
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#4a7fb0")
    chart.bars[0].strokeColor = None
    # Each bar says its value, so a visit without one (no bar, no number) is
    # told apart from a visit that measured 0.
    chart.barLabelFormat = label_format
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 5
    drawing.add(chart)
    drawing.add(String(chart.x + chart.width / 2, 0, TEXTS[lang]["axis_visit"],
                       fontName="Helvetica", fontSize=7, textAnchor="middle"))
    return drawing


def _visit(report: Report, section: VisitSection,
           styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    t, lang, visit = TEXTS[report.lang], report.lang, section.visit
    heading = (f"{t['visit']} {visit.number} {DASH} {format_date(visit.visited_on, lang)}"
               f" ({_word(lang, 'phase', VisitPhase(visit.phase).value)})")
    out: list[Flowable] = [PageBreak(), _p(heading, styles["h1"])]
    if section.clips:
        activities = {_word(lang, "activity", c.activity) for c in section.clips} - {""}
        if activities:
            out.append(_labelled(t["activity"], ", ".join(sorted(activities)), styles["body"]))
        out.append(_labelled(t["recordings"], ", ".join(c.filename or c.id[:8]
                                                        for c in section.clips),
                             styles["body"]))
    else:
        out.append(_p(t["no_recordings"], styles["body"]))

    out.append(_p(t["moments"], styles["h2"]))
    if not section.stills:
        out.append(_p(t["no_moments"], styles["body"]))
    for still in section.stills:
        out.append(KeepTogether([_still(still, lang, styles), Spacer(1, 3 * mm)]))

    if section.reflections:
        out.append(_p(t["reflections"], styles["h2"]))
        for record in section.reflections:
            block: list[Flowable] = [
                _p(f"{record.playlist_title} {DASH} {record.moment}", styles["h3"])]
            block += [_labelled(t[key], text, styles["body"]) for key, text in (
                ("parents_saw", record.parents_saw), ("parents_said", record.parents_said),
                ("next_steps", record.next_steps)) if text]
            out.append(KeepTogether(block))

    if section.clips:
        out.append(_p(t["approval"], styles["h2"]))
        if not section.coding:
            out.append(_p(t["no_coding"], styles["body"]))
        for state in section.coding:
            out.append(_p(_coding_line(state, lang), styles["body"]))
    return out


def _still(still: Still, lang: Lang, styles: dict[str, ParagraphStyle]) -> Flowable:
    t = TEXTS[lang]
    picture: Flowable
    if still.jpeg is not None:
        width, height = ImageReader(BytesIO(still.jpeg)).getSize()
        ratio = height / width if width else 0.5625
        picture = Image(BytesIO(still.jpeg), width=STILL_WIDTH, height=STILL_WIDTH * ratio)
    else:
        picture = _p(t["no_still"], styles["muted"])
    seconds = still.at_ms // 1000
    words = [Paragraph(f"<b>{escape(still.label or t['moments'])}</b> "
                       f"<font color='grey'>{t['at']} {seconds // 60}:{seconds % 60:02d}</font>",
                       styles["body"])]
    if still.caption:
        words.append(_labelled(t["caption"], still.caption, styles["small"]))
    if still.note:
        words.append(_labelled(t["note"], still.note, styles["small"]))
    if still.goals:
        words.append(_labelled(t["goals_linked"], "; ".join(still.goals), styles["small"]))
    table = Table([[picture, words]], colWidths=[STILL_WIDTH + 4 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return table


def _coding_line(state: CodingState, lang: Lang) -> str:
    t = TEXTS[lang]
    head = f"{state.clip_label}: {t['coded_by']} {state.coder}"
    if state.state == ReviewState.approved and state.decided_by:
        when = format_date(state.decided_at, lang)
        return f"{head}; {t['approved_by']} {state.decided_by}, {when}"
    return f"{head}; {t.get('state_' + state.state, state.state)}"


def build(db: Session, runtime: Runtime, case: Case, author: User, period: Period,
          lang: Lang, *, now: datetime) -> bytes:
    """The PDF for the family's file."""
    return render(gather(db, runtime, case, author, period, lang, now=now))
