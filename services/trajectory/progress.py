"""How the interaction changes from visit to visit: the numbers a professional
and a supervisor look at over a trajectory, and a before/after playlist that
shows the parents the same kind of moment at two visits.

Which coding counts for a clip
------------------------------
A clip can have several sets (the professional's working set, an imported
file, second coders' sets, the analysis's suggestions). Per clip one set
decides, chosen from its working and imported sets (a second coder's set
measures agreement and suggestions are not findings, so neither counts):

1. the set approved in supervision (the most recently approved one),
2. else a set submitted for review (the most recently submitted one),
3. else the case owner's most recently changed set,
4. else the most recently changed set.

A clip without such a set counts as not coded: it adds no minutes. A reader
who is a blinded second coder on a clip does not get that clip's numbers.

The numbers of a visit
----------------------
Over the clips filmed at the visit (``Clip.visit_id``), each with its
deciding set and that set's own scheme version:

- ``minutes_coded``: the length of the coded clips, in minutes;
- ``positive_per_min``: events of a positive code per coded minute;
- ``initiatives``: events of the baby's initiatives; ``initiatives_received_share``:
  the share of them answered by a positive code (``responds_to``), and
  ``median_response_ms``: the median time to the first such answer;
- ``mismatch_time_share``: the share of coded time within a mismatch
  (overlapping mismatches counted once);
- ``repaired_share``: the share of mismatches a repair links to, and
  ``median_repair_ms``: the median time from a mismatch to its first repair;
- ``ratings``: the mean of each rating scale over the deciding sets.

A share or median with nothing to count is None (not 0: nothing was seen).
Per goal, per visit: the moments linked to the goal and the linked positive
moments per coded minute.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import mean, median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from core import errors
from core.db.models import (
    AnnotationSet,
    Case,
    Clip,
    ClipStatus,
    Goal,
    Playlist,
    PlaylistItemGoal,
    ReviewState,
    User,
    Visit,
)
from services.annotate import sets
from services.annotate.domain import Category, Event, Scheme
from services.annotate.schemes import to_domain
from services.annotate.summary import covered_ms
from services.review import playlists
from services.trajectory import visits as trajectory_visits

#: The purposes of sets that can decide a clip's numbers.
DECIDING_PURPOSES = (sets.Purpose.working, sets.Purpose.imported)


@dataclass(frozen=True)
class VisitProgress:
    visit_id: str
    number: int
    visited_on: date | None
    phase: str
    minutes_coded: float
    positive_per_min: float | None
    initiatives: int
    initiatives_received_share: float | None
    median_response_ms: int | None
    mismatch_time_share: float | None
    repaired_share: float | None
    median_repair_ms: int | None
    ratings: dict[str, float]


@dataclass(frozen=True)
class GoalVisit:
    visit_id: str
    moments: int
    positive_per_min: float | None


@dataclass(frozen=True)
class GoalProgress:
    goal_id: str
    title: str
    status: str
    per_visit: list[GoalVisit]


@dataclass(frozen=True)
class Progress:
    visits: list[VisitProgress]
    goals: list[GoalProgress]
    clips_without_visit: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# -- which set decides -----------------------------------------------------------------

def deciding_sets(db: Session, case: Case, clips: Sequence[Clip],
                  reader: User | None = None) -> dict[str, AnnotationSet]:
    """The set whose coding counts for each clip that has one (see the module's
    docstring), read in one query with their schemes, moments and ratings,
    however many clips a trajectory has."""
    ids = [clip.id for clip in clips]
    if not ids:
        return {}
    hidden = sets.blinded_clips(db, reader, ids) if reader is not None else set()
    candidates: dict[str, list[AnnotationSet]] = defaultdict(list)
    for row in db.scalars(select(AnnotationSet).where(
            AnnotationSet.clip_id.in_([i for i in ids if i not in hidden]),
            AnnotationSet.purpose.in_(DECIDING_PURPOSES)).options(
            joinedload(AnnotationSet.scheme), selectinload(AnnotationSet.annotations),
            selectinload(AnnotationSet.ratings))):
        candidates[row.clip_id].append(row)
    return {clip_id: min(rows, key=lambda row: _rank(case, row))
            for clip_id, rows in candidates.items()}


def _rank(case: Case, row: AnnotationSet) -> tuple[int, float]:
    """Which set decides first: approved, then submitted, then the owner's, each newest first."""
    if row.review_state == ReviewState.approved:
        return 0, -row.review_state_at.timestamp()
    if row.review_state == ReviewState.submitted:
        return 1, -row.review_state_at.timestamp()
    return (2 if row.coder_id == case.owner_id else 3), -row.updated_at.timestamp()


@dataclass(frozen=True)
class Coded:
    """One clip with its deciding set, read once."""

    clip: Clip
    row: AnnotationSet
    scheme: Scheme
    duration_ms: int
    events: list[Event]

    def category(self, event: Event) -> Category | None:
        code = self.scheme.code(event.code)
        return code.category if code else None


def coded_clips(db: Session, case: Case, visit: Visit,
                reader: User | None = None) -> list[Coded]:
    """The visit's clips that have a deciding set and a length, in filming order."""
    return coded_by_visit(db, case, [visit], reader)[visit.id]


def coded_by_visit(db: Session, case: Case, visits: Sequence[Visit],
                   reader: User | None = None) -> dict[str, list[Coded]]:
    """:func:`coded_clips` of each visit, read in as many queries for a long
    trajectory as for a short one."""
    found: dict[str, list[Coded]] = {visit.id: [] for visit in visits}
    if not found:
        return found
    clips = db.scalars(select(Clip).where(Clip.visit_id.in_(list(found)))
                       .order_by(Clip.recorded_at, Clip.created_at)).all()
    deciding = deciding_sets(db, case, clips, reader)
    schemes: dict[str, Scheme] = {}  # each scheme version read into codes once
    for clip in clips:
        row = deciding.get(clip.id)
        if row is None or not clip.duration_s or clip.visit_id not in found:
            continue
        if row.scheme_id not in schemes:
            schemes[row.scheme_id] = to_domain(row.scheme)
        found[clip.visit_id].append(Coded(clip, row, schemes[row.scheme_id],
                                          round(clip.duration_s * 1000), sets.events(row)))
    return found


# -- the numbers -----------------------------------------------------------------------

@dataclass
class _Tally:
    """What the clips of one visit add up to."""

    duration_ms: int = 0
    positive: int = 0
    initiatives: int = 0
    received: int = 0
    response_ms: list[int] = field(default_factory=list)
    mismatch_ms: int = 0
    mismatches: int = 0
    repaired: int = 0
    repair_ms: list[int] = field(default_factory=list)
    ratings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    goal_moments: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    goal_positive: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, coded: Coded, goals_of: dict[str, list[str]]) -> None:
        by_category: dict[Category | None, list[Event]] = defaultdict(list)
        for event in coded.events:
            by_category[coded.category(event)].append(event)
            for goal_id in goals_of.get(event.id or "", []):
                self.goal_moments[goal_id] += 1
                self.goal_positive[goal_id] += coded.category(event) is Category.positive
        self.duration_ms += coded.duration_ms
        self.positive += len(by_category[Category.positive])
        initiatives = by_category[Category.initiative]
        self.initiatives += len(initiatives)
        answers = _first_link(initiatives, by_category[Category.positive],
                              lambda e: e.responds_to)
        self.received += len(answers)
        self.response_ms += answers
        mismatches = by_category[Category.mismatch]
        self.mismatches += len(mismatches)
        self.mismatch_ms += covered_ms([(e.start_ms, e.end_ms) for e in mismatches
                                        if e.end_ms is not None])
        repairs = _first_link(mismatches, by_category[Category.repair], lambda e: e.repairs)
        self.repaired += len(repairs)
        self.repair_ms += repairs
        for rating in coded.row.ratings:
            self.ratings[rating.scale].append(rating.value)

    @property
    def minutes(self) -> float:
        return self.duration_ms / 60_000

    def per_minute(self, count: int) -> float | None:
        return round(count / self.minutes, 2) if self.duration_ms else None


def _first_link(targets: list[Event], linking: list[Event],
                link: Any) -> list[int]:
    """For each target that some event links to (``link(event)`` names it):
    the time from the target's start to the first linking event's start."""
    starts = {t.id: t.start_ms for t in targets if t.id}
    first: dict[str, int] = {}
    for event in linking:
        target = link(event)
        if target in starts:
            first[target] = min(first.get(target, event.start_ms), event.start_ms)
    return [first[t] - starts[t] for t in starts if t in first]


def _share(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _median(values: list[int]) -> int | None:
    return round(median(values)) if values else None


def _visit_numbers(visit: Visit, tally: _Tally) -> VisitProgress:
    return VisitProgress(
        visit_id=visit.id, number=visit.number, visited_on=visit.visited_on,
        phase=str(visit.phase), minutes_coded=round(tally.minutes, 2),
        positive_per_min=tally.per_minute(tally.positive), initiatives=tally.initiatives,
        initiatives_received_share=_share(tally.received, tally.initiatives),
        median_response_ms=_median(tally.response_ms),
        mismatch_time_share=_share(tally.mismatch_ms, tally.duration_ms),
        repaired_share=_share(tally.repaired, tally.mismatches),
        median_repair_ms=_median(tally.repair_ms),
        ratings={scale: round(float(mean(values)), 2)
                 for scale, values in sorted(tally.ratings.items())})


def case_progress(db: Session, case: Case, reader: User | None = None) -> Progress:
    """The case's numbers per visit and per goal (see the module's docstring).
    ``reader``: leave out what that person may not see yet (a blinded second
    coder's clips); None reads everything, as the file's report does."""
    visits = trajectory_visits.visits_of(db, case)
    coded = coded_by_visit(db, case, visits, reader)
    goals_of = sets.goal_ids(db, [e.id for found in coded.values() for c in found
                                  for e in c.events if e.id])
    tallies: list[_Tally] = []
    for visit in visits:
        tally = _Tally()
        for clip in coded[visit.id]:
            tally.add(clip, goals_of)
        tallies.append(tally)
    goal_rows = db.scalars(select(Goal).where(Goal.case_id == case.id)
                           .order_by(Goal.position, Goal.created_at))
    goals = [GoalProgress(goal_id=goal.id, title=goal.title, status=str(goal.status),
                          per_visit=[GoalVisit(visit_id=visit.id,
                                               moments=tally.goal_moments.get(goal.id, 0),
                                               positive_per_min=tally.per_minute(
                                                   tally.goal_positive.get(goal.id, 0)))
                                     for visit, tally in zip(visits, tallies, strict=True)])
             for goal in goal_rows]
    without_visit = len(list(db.scalars(select(Clip.id).where(
        Clip.case_id == case.id, Clip.visit_id.is_(None),
        Clip.status.not_in([ClipStatus.failed, ClipStatus.purged])))))
    return Progress(visits=[_visit_numbers(v, t) for v, t in zip(visits, tallies, strict=True)],
                    goals=goals, clips_without_visit=without_visit)


#: The columns of the CSV, one row per visit; ratings follow as ``rating_<scale>``.
CSV_COLUMNS = ("visit_id", "number", "visited_on", "phase", "minutes_coded",
               "positive_per_min", "initiatives", "initiatives_received_share",
               "median_response_ms", "mismatch_time_share", "repaired_share",
               "median_repair_ms")


def csv_rows(progress: Progress) -> list[list[str]]:
    """The per-visit numbers as CSV rows (header first): the same values as the
    JSON, an empty cell where it has null."""
    scales = sorted({scale for v in progress.visits for scale in v.ratings})

    def cell(value: object) -> str:
        return "" if value is None else str(value)

    rows = [[*CSV_COLUMNS, *(f"rating_{s}" for s in scales)]]
    for visit in progress.visits:
        values = dataclasses.asdict(visit)
        rows.append([cell(values[c]) for c in CSV_COLUMNS]
                    + [cell(visit.ratings.get(s)) for s in scales])
    return rows


# -- before and after ------------------------------------------------------------------

#: What a before/after playlist shows the parents: what goes well, how a
#: mismatch is repaired, and the baby's initiatives; best first.
SHOWN = (Category.positive, Category.repair, Category.initiative)
MAX_PAIRS = 10


@dataclass(frozen=True)
class Moment:
    annotation_id: str
    code: str
    category: Category
    linked: bool
    start_ms: int
    end_ms: int | None
    order: int

    def rank(self) -> tuple[bool, int, int, int]:
        shown = SHOWN.index(self.category) if self.category in SHOWN else len(SHOWN)
        return (not self.linked, shown, self.order, self.start_ms)


def moments_of(db: Session, case: Case, visit: Visit, goal_id: str | None,
               reader: User | None) -> list[Moment]:
    """The visit's moments worth showing, best first: linked to the goal (any
    goal when none is chosen) before the rest, then by :data:`SHOWN`, then in
    filming order. Moments linked to the chosen goal come in whatever their
    category."""
    coded = coded_clips(db, case, visit, reader)
    goals_of = sets.goal_ids(db, [e.id for c in coded for e in c.events if e.id])
    found = []
    for order, clip in enumerate(coded):
        for event in clip.events:
            goals = goals_of.get(event.id or "", [])
            linked = goal_id in goals if goal_id else bool(goals)
            category = clip.category(event)
            if category is None or (category not in SHOWN and not (goal_id and linked)):
                continue
            found.append(Moment(event.id or "", event.code, category, linked,
                                event.start_ms, event.end_ms, order))
    return sorted(found, key=Moment.rank)


def pair_up(before: list[Moment], after: list[Moment], pairs: int) -> list[tuple[Moment, Moment]]:
    """Up to ``pairs`` comparable moments, one of each visit: for each moment of
    the first visit, best first, the best unused one of the second with the
    same code, else the same category; a moment without a match is passed over."""
    chosen: list[tuple[Moment, Moment]] = []
    used: set[str] = set()
    for first in before:
        if len(chosen) == pairs:
            break
        left = [m for m in after if m.annotation_id not in used]
        match = next((m for m in left if m.code == first.code), None) or next(
            (m for m in left if m.category is first.category), None)
        if match is not None:
            used.add(match.annotation_id)
            chosen.append((first, match))
    return chosen


def before_after(db: Session, user: User, case: Case, visit_a: str, visit_b: str,
                 goal_id: str | None = None, pairs: int = 3,
                 title: str | None = None) -> Playlist:
    """A draft playlist alternating comparable moments of two visits (the first
    visit's moment, then the second's), each captioned with its visit
    ("Bezoek 2", "Bezoek 6": the parents see it) and, with a goal, linked to it."""
    first = trajectory_visits.of_case(db, case.id, visit_a, "visit_a")
    second = trajectory_visits.of_case(db, case.id, visit_b, "visit_b")
    if first.id == second.id:
        raise errors.Invalid("visit_b: choose two different visits to compare.", "same_visit",
                             errors=[{"field": "visit_b", "message": "the same visit as visit_a"}])
    goal = db.get(Goal, goal_id) if goal_id else None
    if goal_id and (goal is None or goal.case_id != case.id):
        message = "not a goal of this case"
        raise errors.Invalid(f"goal_id: {message}", "goal_not_in_case",
                             errors=[{"field": "goal_id", "message": message}])
    chosen = pair_up(moments_of(db, case, first, goal_id, user),
                     moments_of(db, case, second, goal_id, user), pairs)
    if not chosen:
        raise errors.Invalid("These two visits have no comparable coded moments (the same code "
                             "or kind of moment at both); code them first, or choose other visits.",
                             "no_comparable_moments")
    name = title or (f"{goal.title}: " if goal else "") + \
        f"bezoek {first.number} en {second.number}"
    row = playlists.create(db, user, case, name[:200])
    for pair in chosen:
        for moment, visit in zip(pair, (first, second), strict=True):
            item = playlists.add_item(db, user, row, _spec(moment, visit))
            if goal is not None and moment.linked:
                db.add(PlaylistItemGoal(item_id=item.id, goal_id=goal.id))
    db.flush()
    return row


def _spec(moment: Moment, visit: Visit) -> playlists.ItemSpec:
    """The moment as a playlist item; a long stretch shows its first minute."""
    long = moment.end_ms is not None and moment.end_ms - moment.start_ms > playlists.MAX_ITEM_MS
    return playlists.ItemSpec(
        annotation_id=moment.annotation_id, caption=f"Bezoek {visit.number}",
        start_ms=moment.start_ms if long else None,
        end_ms=moment.start_ms + playlists.MAX_ITEM_MS if long else None)

