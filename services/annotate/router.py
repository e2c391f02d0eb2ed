"""Annotation API: coding schemes, annotation sets with their moments and
segments, ratings, summaries, coder agreement, exports and imports.

Everything hangs off a clip the user may see (``core.access``); a set is
changed only by its own coder; exports are audit-logged like media reads.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, object_session

from core import audit, errors
from core.access import clip_for
from core.db.models import (
    Annotation,
    AnnotationSet,
    Clip,
    CodingScheme,
    Rating,
    ReviewState,
    Role,
    User,
)
from core.openapi import file_answer
from core.web import CurrentUser, Db, client_ip, require_role
from services.annotate import exchange, reliability, schemes, sets
from services.annotate.domain import AnnotationSet as SetValue
from services.annotate.domain import Event, Scheme, Subject
from services.annotate.exchange import ExportFormat
from services.annotate.formats.problems import ImportProblem
from services.annotate.rules import repair_latency_ms, response_latency_ms
from services.annotate.schemas import (
    AnnotationIn,
    AnnotationOut,
    AnnotationPatch,
    ChangeOut,
    ClipAgreement,
    CodeModel,
    ImportNote,
    ImportOut,
    RatingIn,
    RatingOut,
    ScaleModel,
    SchemeIn,
    SchemeOut,
    SchemeRef,
    SetDetail,
    SetIn,
    SetOut,
    SetPurpose,
)
from services.annotate.summary import Summary, summarise

router = APIRouter(prefix="/api", tags=["annotate"])


# -- shaping answers ------------------------------------------------------------------

def _scheme_out(row: CodingScheme) -> SchemeOut:
    scheme = schemes.to_domain(row)
    return SchemeOut(id=row.id, key=row.key, version=row.version, name=row.name,
                     description=row.description, builtin=row.team_id is None,
                     codes=[CodeModel.model_validate(c, from_attributes=True)
                            for c in scheme.codes],
                     scales=[ScaleModel.model_validate(s, from_attributes=True)
                             for s in scheme.scales],
                     created_at=row.created_at)


def _set_out(row: AnnotationSet, annotations: int | None = None) -> SetOut:
    """``annotations``: how many the set has, when the caller counted them."""
    return SetOut(id=row.id, clip_id=row.clip_id,
                  scheme=SchemeRef(id=row.scheme.id, key=row.scheme.key,
                                   version=row.scheme.version, name=row.scheme.name),
                  coder_id=row.coder_id, coder=row.coder.email, name=row.name,
                  purpose=cast(SetPurpose, row.purpose),
                  review_state=ReviewState(row.review_state),
                  annotation_count=len(row.annotations) if annotations is None
                  else annotations,
                  created_at=row.created_at, updated_at=row.updated_at)


def _sets_out(db: Session, rows: list[AnnotationSet]) -> list[SetOut]:
    """Many sets as :func:`_set_out` shows them, their annotations counted in
    one query (their schemes and coders are read with them)."""
    counts = dict(db.execute(select(Annotation.set_id, func.count())
                             .where(Annotation.set_id.in_([r.id for r in rows]))
                             .group_by(Annotation.set_id)).all()) if rows else {}
    return [_set_out(row, counts.get(row.id, 0)) for row in rows]


def annotation_out(row: Annotation, scheme: Scheme,
                    by_id: dict[str, Annotation] | None = None,
                    goals: dict[str, list[str]] | None = None) -> AnnotationOut:
    """``by_id``: the set's annotations, and ``goals``: their goal links, when
    the caller has them at hand."""
    code = scheme.code(row.code)
    if by_id is None:
        by_id = {a.id: a for a in row.set.annotations}
    if goals is None or row.id not in goals:
        goals = sets.goal_ids(object_session_of(row), [row.id])
    event = sets.to_event(row)
    linked = by_id.get(row.repairs_id) if row.repairs_id else None
    latency = repair_latency_ms(event, sets.to_event(linked) if linked else None)
    answered = by_id.get(row.responds_to_id) if row.responds_to_id else None
    response = response_latency_ms(event, sets.to_event(answered) if answered else None)
    return AnnotationOut(id=row.id, set_id=row.set_id, code=row.code,
                         label_en=code.label_en if code else None,
                         label_nl=code.label_nl if code else None,
                         category=code.category if code else None, start_ms=row.start_ms,
                         end_ms=row.end_ms, subject=Subject(row.subject), note=row.note,
                         repairs=row.repairs_id, repair_latency_ms=latency,
                         responds_to=row.responds_to_id, response_latency_ms=response,
                         person_id=row.person_id, goal_ids=goals[row.id],
                         author_id=row.author_id, source=row.source, version=row.version,
                         created_at=row.created_at, updated_at=row.updated_at)


def object_session_of(row: object) -> Session:
    """The session a loaded row belongs to (every row shaped here has one)."""
    session = object_session(row)
    assert session is not None
    return session


def _rating_out(row: Rating, scheme: Scheme) -> RatingOut:
    scale = scheme.scale(row.scale)
    return RatingOut(scale=row.scale, label_en=scale.label_en if scale else None,
                     label_nl=scale.label_nl if scale else None,
                     minimum=scale.minimum if scale else None,
                     maximum=scale.maximum if scale else None, value=row.value, note=row.note,
                     rater_id=row.rater_id, updated_at=row.updated_at)


def _set_detail(row: AnnotationSet) -> SetDetail:
    scheme = schemes.to_domain(row.scheme)
    by_id = {a.id: a for a in row.annotations}
    goals = sets.goal_ids(object_session_of(row), by_id)
    return SetDetail(**_set_out(row).model_dump(),
                     annotations=[annotation_out(a, scheme, by_id, goals)
                                  for a in row.annotations],
                     ratings=[_rating_out(r, scheme) for r in row.ratings])


def _with_etag(response: Response, row: Annotation) -> None:
    response.headers["ETag"] = sets.etag(row)


# -- schemes --------------------------------------------------------------------------

@router.get("/schemes", response_model=list[SchemeOut])
def list_schemes(user: CurrentUser, db: Db) -> list[SchemeOut]:
    """The newest version of every coding scheme the user's team can use."""
    return [_scheme_out(r) for r in schemes.available(db, user)]


@router.get("/schemes/{scheme_id}", response_model=SchemeOut)
def get_scheme(scheme_id: str, user: CurrentUser, db: Db) -> SchemeOut:
    """One scheme version (old versions stay readable: sets coded with them)."""
    return _scheme_out(schemes.scheme_for(db, user, scheme_id))


#: Who publishes a team's own coding scheme.
SchemePublisher = Annotated[User, Depends(require_role(
    Role.supervisor, Role.admin, in_team=True,
    detail="Only a supervisor or admin of a team publishes coding schemes."))]


@router.post("/schemes", status_code=status.HTTP_201_CREATED, response_model=SchemeOut)
def publish_scheme(body: SchemeIn, user: SchemePublisher, db: Db) -> SchemeOut:
    """Publish the team's own scheme; the same key again makes its next version."""
    scheme = Scheme(key=body.key, name=body.name, version=0, description=body.description,
                    codes=tuple(schemes.code_of(c.model_dump()) for c in body.codes),
                    scales=tuple(schemes.scale_of(s.model_dump()) for s in body.scales))
    return _scheme_out(schemes.publish(db, user, scheme))


# -- sets -----------------------------------------------------------------------------

@router.get("/clips/{clip_id}/sets", response_model=list[SetOut])
def list_sets(clip_id: str, user: CurrentUser, db: Db) -> list[SetOut]:
    """Every coder's set on a clip."""
    return _sets_out(db, sets.sets_of(db, user, clip_for(db, user, clip_id),
                                      joinedload(AnnotationSet.scheme),
                                      joinedload(AnnotationSet.coder)))


@router.post("/clips/{clip_id}/sets", status_code=status.HTTP_201_CREATED,
             response_model=SetDetail)
def create_set(clip_id: str, body: SetIn, user: CurrentUser, db: Db) -> SetDetail:
    """Start coding a clip in a set of one's own."""
    clip = clip_for(db, user, clip_id)
    scheme = (schemes.scheme_for(db, user, body.scheme_id) if body.scheme_id
              else schemes.ensure_builtin(db))
    row = sets.create(db, user, clip, scheme, name=body.name, purpose=body.purpose)
    db.refresh(row)
    return _set_detail(row)


@router.get("/sets/{set_id}", response_model=SetDetail)
def get_set(set_id: str, user: CurrentUser, db: Db) -> SetDetail:
    """A set with its annotations (in time order) and ratings."""
    return _set_detail(sets.set_for(db, user, set_id))


@router.get("/sets/{set_id}/summary", response_model=Summary)
def set_summary(set_id: str, user: CurrentUser, db: Db) -> Summary:
    """Positive moments, mismatch time, repairs and their mean latency."""
    row = sets.set_for(db, user, set_id)
    duration = sets.duration_ms(sets.row_clip(db, row))
    return summarise(sets.events(row), schemes.to_domain(row.scheme), duration)


@router.get("/sets/{set_id}/history", response_model=list[ChangeOut])
def set_history(set_id: str, user: CurrentUser, db: Db) -> list[ChangeOut]:
    """Every change to the set: who, when, before and after."""
    row = sets.set_for(db, user, set_id)
    return [ChangeOut.model_validate(c, from_attributes=True) for c in sets.history(db, row)]


# -- annotations ----------------------------------------------------------------------

@router.post("/sets/{set_id}/annotations", status_code=status.HTTP_201_CREATED,
             response_model=AnnotationOut)
def add_annotation(set_id: str, body: AnnotationIn, response: Response, user: CurrentUser,
                   db: Db) -> AnnotationOut:
    """Mark a moment (no ``end_ms``) or a segment; link a repair to its mismatch
    (left out: the nearest mismatch that starts at or before it; null: none) and
    a receiving code to the initiative it answers (left out: the nearest one at
    most 10 s before it; null: none); say who and which goals."""
    row = sets.set_for(db, user, set_id)
    sets.check_editable(user, row)
    scheme = schemes.to_domain(row.scheme)
    event = Event(code=body.code, start_ms=body.start_ms, end_ms=body.end_ms,
                  subject=body.subject or Subject.both, note=body.note, repairs=body.repairs,
                  responds_to=body.responds_to)
    event = sets.with_default_subject(event, scheme, body.subject is not None)
    if "repairs" not in body.model_fields_set:
        event = sets.with_default_link(event, scheme, row)
    if "responds_to" not in body.model_fields_set:
        event = sets.with_default_response(event, scheme, row)
    links = sets.Links(person_id=body.person_id, goal_ids=tuple(dict.fromkeys(body.goal_ids)))
    annotation = sets.add(db, user, row, event, links)
    _with_etag(response, annotation)
    return annotation_out(annotation, scheme)


@router.get("/annotations/{annotation_id}", response_model=AnnotationOut)
def get_annotation(annotation_id: str, response: Response, user: CurrentUser,
                   db: Db) -> AnnotationOut:
    row = sets.annotation_for(db, user, annotation_id)
    _with_etag(response, row)
    return annotation_out(row, schemes.to_domain(row.set.scheme))


@router.patch("/annotations/{annotation_id}", response_model=AnnotationOut)
def change_annotation(annotation_id: str, body: AnnotationPatch, response: Response,
                      user: CurrentUser, db: Db,
                      if_match: Annotated[str | None, Header()] = None) -> AnnotationOut:
    """Change the fields sent; needs ``If-Match`` with the ETag it was based on."""
    row = sets.annotation_for(db, user, annotation_id)
    sets.check_editable(user, row.set)
    sets.check_precondition(row, if_match)
    row = sets.change(db, user, row, body.changes())
    _with_etag(response, row)
    return annotation_out(row, schemes.to_domain(row.set.scheme))


@router.delete("/annotations/{annotation_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_annotation(annotation_id: str, user: CurrentUser, db: Db,
                      if_match: Annotated[str | None, Header()] = None) -> Response:
    row = sets.annotation_for(db, user, annotation_id)
    sets.check_editable(user, row.set)
    sets.check_precondition(row, if_match)
    sets.remove(db, user, row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- ratings --------------------------------------------------------------------------

@router.put("/sets/{set_id}/ratings/{scale}", response_model=RatingOut)
def rate_clip(set_id: str, scale: str, body: RatingIn, user: CurrentUser, db: Db) -> RatingOut:
    """The coder's global rating of the clip on one of the scheme's scales."""
    row = sets.set_for(db, user, set_id)
    sets.check_editable(user, row)
    rating = sets.rate(db, user, row, scale, body.value, body.note)
    return _rating_out(rating, schemes.to_domain(row.scheme))


# -- agreement ------------------------------------------------------------------------

@router.get("/clips/{clip_id}/agreement", response_model=ClipAgreement)
def agreement(clip_id: str, user: CurrentUser, db: Db,
              a: Annotated[str, Query(description="One coder's set.")],
              b: Annotated[str, Query(description="The other coder's set.")],
              unit_ms: Annotated[int, Query(ge=100, le=60_000)] = 1000,
              tolerance_ms: Annotated[int, Query(ge=0, le=60_000)] = 1000) -> ClipAgreement:
    """Cohen's kappa over time units and event agreement within a tolerance,
    per code and overall, with what the numbers mean in words."""
    clip = clip_for(db, user, clip_id)
    first, second = sets.set_for(db, user, a), sets.set_for(db, user, b)
    if first.clip_id != clip.id or second.clip_id != clip.id:
        raise errors.Invalid("Both sets must be on this clip.", "sets_not_on_clip")
    if first.id == second.id:
        raise errors.Invalid("Compare two different sets.", "same_set")
    scheme = schemes.to_domain(first.scheme)
    codes = scheme.keys() if first.scheme_id == second.scheme_id else None
    report = reliability.compare(sets.events(first), sets.events(second),
                                 sets.duration_ms(clip), unit_ms=unit_ms,
                                 tolerance_ms=tolerance_ms, codes=codes)
    return ClipAgreement.of(report, clip.id, first.id, second.id)


# -- exports and imports --------------------------------------------------------------

def _value(row: AnnotationSet, clip: Clip) -> SetValue:
    return SetValue(clip=sets.clip_info(clip), scheme=schemes.to_domain(row.scheme),
                    events=tuple(sets.events(row)), id=row.id, name=row.name,
                    coder=row.coder.email, meta={"updated_at": row.updated_at.isoformat()})


@router.get("/sets/{set_id}/export", response_class=Response, responses=file_answer(
    *dict.fromkeys(e.media_type for e in exchange.EXPORTS.values()),
    description="The set as a file in the format asked for."))
def export_set(set_id: str, request: Request, user: CurrentUser, db: Db,
               format: ExportFormat = ExportFormat.csv) -> Response:
    """The set as a file; every export is written to the access log."""
    row = sets.set_for(db, user, set_id)
    clip = sets.row_clip(db, row)
    value = _value(row, clip)
    export = exchange.EXPORTS[format]
    body = export.render(value)
    audit.record(db, audit.Actor.of(user), action="export_annotations",
                 object_type="annotation_set", object_id=row.id, case_id=clip.case_id,
                 ip=client_ip(request), detail=format.value)
    name = exchange.filename(value, format)
    return Response(body, media_type=export.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/clips/{clip_id}/sets/import", status_code=status.HTTP_201_CREATED,
             response_model=ImportOut)
async def import_set(clip_id: str, user: CurrentUser, db: Db,
                     file: Annotated[UploadFile, File(description="An .eaf, .csv, .tsv or "
                                                          ".xlsx file (ours, ELAN's or BORIS's).")],
                     scheme_id: Annotated[str | None, Form()] = None) -> ImportOut:
    """Read an ELAN, CSV or Excel file (Attune's or BORIS's) into a new set: every
    event or none, with a report of what is wrong where, and notes on what was
    read differently from how it was written."""
    clip = clip_for(db, user, clip_id)
    duration = sets.duration_ms(clip)
    data = await file.read(exchange.MAX_IMPORT_BYTES + 1)
    name = file.filename or ""
    fmt = exchange.detect(data, name)
    scheme_row = _import_scheme(db, user, data, fmt, scheme_id)
    try:
        read = exchange.read(data, fmt, schemes.to_domain(scheme_row), duration)
    except ImportProblem as exc:
        raise errors.Invalid(f"Nothing was imported: {exc}", "import_invalid",
                             errors=[{"field": p.where, "message": p.message}
                                     for p in exc.problems]) from None
    row = sets.create(db, user, clip, scheme_row, purpose=sets.Purpose.imported,
                      name=f"{name or 'import'} ({user.email})")
    count = sets.add_many(db, user, row, read.events)
    db.refresh(row)
    notes = [ImportNote(field=note.where, message=note.message) for note in read.notes]
    return ImportOut(**_set_out(row).model_dump(), imported=count, notes=notes)


def _import_scheme(db: Db, user: CurrentUser, data: bytes, fmt: str,
                   scheme_id: str | None) -> CodingScheme:
    """The scheme asked for, else the one the file names, else the built-in one."""
    if scheme_id:
        return schemes.scheme_for(db, user, scheme_id)
    named = exchange.named_scheme(data, fmt)
    found = schemes.find(db, user, *named) if named else None
    return found or schemes.ensure_builtin(db)
