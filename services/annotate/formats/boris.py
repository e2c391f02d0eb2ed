"""BORIS (Behavioral Observation Research Interactive Software) both ways.

Out: an Excel workbook that BORIS's "Import observations" reads into an open
observation. Its importer (``load_observations_from_spreadsheet`` in
``boris/import_observations.py``) reads the first sheet, finds the columns
``time``, ``subject``, ``code``, ``modifier`` and ``comment`` by name (case
does not matter, order does not, other columns are ignored) and appends one
BORIS event per row. BORIS has no column for whether an event starts or stops
a state: like its own event list, a state is two rows of the same code,
subject and modifier, and BORIS counts them in turn as START and STOP
(``events_start_stop`` in ``boris/project_functions.py``). So the rows are in
time order, and

* a moment is one row (a BORIS point event);
* an interval is a START row and a STOP row; the note goes on the START row;
* BORIS holds a state for one subject as on or off, so overlapping intervals
  of one code and subject become one interval over all of them (their notes
  joined), which is what BORIS's time budget would count anyway;
* a code used for both moments and intervals in one set (a repair can be
  either) must be a state event in the BORIS ethogram, so its moments are
  written as a START and a STOP at the same time;
* the subject is ``parent`` or ``child``, and empty (BORIS's "No focal
  subject") for both, which is also how an empty subject is read back; the
  code is the code's key. Define these subjects and behaviours in
  the BORIS project before importing.

An extra ``Behavior type`` column says START, STOP or POINT for a person
reading the sheet (BORIS ignores it), and a second sheet names the scheme
version, so that the workbook goes back into Attune as it came out.

In: BORIS's tabular events export (one row per START, STOP or POINT, with a
``Time`` column), as CSV, TSV or .xlsx, and the workbook above. Rows are
paired the way BORIS pairs them. BORIS's aggregated events export (``Start
(s)``/``Stop (s)``) is the CSV layout and is read by that module's table
reader, from .xlsx as well.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from services.annotate.domain import (
    AnnotationSet,
    Event,
    Kind,
    Scheme,
    Source,
    Subject,
    chronological,
)
from services.annotate.formats.csv_format import (
    Record,
    code_key,
    format_seconds,
    header_index,
    parse_seconds,
    subject_from_text,
)
from services.annotate.formats.problems import ImportProblem, Parsed, Problem, clock

# The columns BORIS's spreadsheet importer requires (boris/import_observations.py).
TIME = "time"
SUBJECT = "subject"
CODE = "code"
MODIFIER = "modifier"
COMMENT = "comment"
IMPORT_COLUMNS: tuple[str, ...] = (TIME, SUBJECT, CODE, MODIFIER, COMMENT)
# Columns of BORIS's own exports (boris/export_observation.py), read back here.
BEHAVIOR = "Behavior"
BEHAVIOR_TYPE = "Behavior type"
OBSERVATION = "Observation id"
MODIFIER_PREFIX = "modifier #"
START, STOP, POINT = "START", "STOP", "POINT"

SHEET = "events"
ABOUT_SHEET = "Attune"
SCHEME_ROW = "Scheme"
SCHEME_VERSION_ROW = "Scheme version"

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Largest unpacked workbook read: a dense hour of coding is a few megabytes of
#: sheet XML; this keeps a small "zip bomb" from taking the server's memory.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024


# -- export ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    ms: int
    kind: str
    subject: str
    code: str
    comment: str

    def order(self) -> int:
        """Time alone, for a stable sort: the rows of one state come in their own
        order (a zero-length state starts before it stops, a state stops before
        the next one starts at the same time), and the order of other rows at one
        time does not matter to BORIS."""
        return self.ms


def export_boris_xlsx(s: AnnotationSet) -> bytes:
    """The set as a workbook BORIS's "Import observations" accepts (see the module
    docstring for the rules)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = SHEET
    sheet.append([*IMPORT_COLUMNS, BEHAVIOR_TYPE])
    for row in sorted(_rows(s.events), key=_Row.order):
        cells = [row.ms / 1000, row.subject, row.code, "", row.comment, row.kind]
        sheet.append(cells)
        for cell in sheet[sheet.max_row][1:]:
            _as_text(cell)
        sheet.cell(sheet.max_row, 1).number_format = "0.000"
    about = book.create_sheet(ABOUT_SHEET)
    for name, value in (
        ("Observation id", s.id or ""),
        ("Media file", s.clip.filename),
        ("Media duration (s)", format_seconds(s.clip.duration_ms)),
        (SCHEME_ROW, s.scheme.key),
        (SCHEME_VERSION_ROW, str(s.scheme.version)),
        ("Coder", s.coder or ""),
    ):
        about.append([name, value])
        _as_text(about.cell(about.max_row, 2))
    book.properties.creator = "Attune"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_text(cell: Cell) -> None:
    """Keep a value that starts with ``=`` text: openpyxl would write it as a formula
    that a spreadsheet runs when the file is opened."""
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _rows(events: Iterable[Event]) -> list[_Row]:
    ordered = chronological(events)
    as_state = {e.code for e in ordered if not e.is_point}
    rows: list[_Row] = []
    spans: dict[tuple[str, Subject], list[Event]] = {}
    for event in ordered:
        subject = "" if event.subject is Subject.both else event.subject.value
        if event.is_point and event.code not in as_state:
            rows.append(_Row(event.start_ms, POINT, subject, event.code, event.note))
        else:
            spans.setdefault((event.code, event.subject), []).append(event)
    for (code, who), on_lane in spans.items():
        subject = "" if who is Subject.both else who.value
        for start, end, note in _merged(on_lane):
            rows.append(_Row(start, START, subject, code, note))
            rows.append(_Row(end, STOP, subject, code, ""))
    return rows


def _merged(events: Sequence[Event]) -> list[tuple[int, int, str]]:
    """Start, end and notes of the union of the events (moments as zero-length
    spans), in start order: what BORIS can hold for one state and subject."""
    merged: list[tuple[int, int, list[str]]] = []
    for event in events:  # chronological
        end = event.start_ms if event.end_ms is None else event.end_ms
        if merged and event.start_ms < merged[-1][1]:
            start, last_end, notes = merged[-1]
            merged[-1] = (start, max(last_end, end), notes + [event.note] * bool(event.note))
        else:
            merged.append((event.start_ms, end, [event.note] * bool(event.note)))
    return [(start, end, "\n".join(notes)) for start, end, notes in merged]


# -- reading workbooks -------------------------------------------------------------------


def xlsx_records(data: bytes) -> list[Record]:
    """The non-blank rows of a workbook's first sheet (the one BORIS reads and
    writes) as text cells, each with its row number."""
    book = _open(data)
    sheet = book.worksheets[0]
    records: list[Record] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_text(value) for value in values]
        if any(cell.strip() for cell in cells):
            records.append((f"row {number}", cells))
    book.close()
    return records


def xlsx_scheme(data: bytes) -> tuple[str, str] | None:
    """The scheme key and version an Attune workbook names on its second sheet."""
    try:
        book = _open(data)
    except ImportProblem:
        return None
    if ABOUT_SHEET not in book.sheetnames:
        return None
    found = {str(row[0]): _text(row[1]) for row in book[ABOUT_SHEET].iter_rows(
        max_col=2, values_only=True) if row and row[0] is not None and len(row) > 1}
    book.close()
    return found.get(SCHEME_ROW, ""), found.get(SCHEME_VERSION_ROW, "")


def _open(data: bytes) -> Workbook:
    hint = "save it from Excel, LibreOffice or BORIS as an Excel workbook (.xlsx)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            message = f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB"
            raise ImportProblem([Problem("file", message)])
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportProblem:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken file
        message = f"cannot be read as an Excel workbook ({type(error).__name__}); {hint}"
        raise ImportProblem([Problem("file", message)]) from error


def _text(value: object) -> str:
    """A cell as the text a CSV would hold: numbers without float noise or exponents."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


# -- reading BORIS's event rows ----------------------------------------------------------


def is_event_layout(header: Sequence[str]) -> bool:
    """Whether a header is BORIS's (one row per START, STOP or POINT, at a ``Time``)
    rather than one row per event with ``Start (s)``."""
    names = header_index(header)
    return TIME in names and "start (s)" not in names


def read_events(records: list[Record], scheme: Scheme) -> list[Parsed]:
    """Events from BORIS's tabular events export or its import layout, every problem
    reported with the row it is at.

    A state is paired the way BORIS pairs it: the rows of one behaviour, subject
    and modifiers, in file order, are START, STOP, START... A row without a
    ``Behavior type`` is a POINT when the code is a moment and otherwise takes
    its turn in that count. A START and a STOP at one time are a moment.
    """
    header_where, header = records[0]
    reader = _EventReader(scheme, _EventColumns.of(header))
    problems = reader.columns.missing(header_where)
    if problems:
        raise ImportProblem(problems)
    for where, cells in records[1:]:
        reader.row(where, cells)
    reader.finish()
    if reader.problems:
        raise ImportProblem(reader.problems)
    return sorted(reader.parsed, key=lambda p: p.event.order_key())


def observations_problem(records: list[Record]) -> Problem | None:
    """A file of several BORIS observations cannot go into one annotation set."""
    if not records:
        return None
    column = header_index(records[0][1]).get(OBSERVATION.casefold())
    if column is None:
        return None
    seen = sorted({cells[column].strip() for _, cells in records[1:]
                   if column < len(cells) and cells[column].strip()})
    if len(seen) < 2:
        return None
    shown = ", ".join(repr(name) for name in seen[:5])
    return Problem(records[0][0], f"the file holds {len(seen)} observations ({shown}); "
                   "export one observation per file from BORIS")


@dataclass(frozen=True)
class _EventColumns:
    time: int | None
    code: int | None
    subject: int | None
    kind: int | None
    comment: int | None
    modifiers: tuple[int, ...]

    @staticmethod
    def of(header: Sequence[str]) -> _EventColumns:
        names = header_index(header)
        modifiers = tuple(i for name, i in names.items()
                          if name == MODIFIER or name.startswith(MODIFIER_PREFIX))
        return _EventColumns(
            time=names.get(TIME),
            code=names.get(BEHAVIOR.casefold(), names.get(CODE)),
            subject=names.get(SUBJECT),
            kind=names.get(BEHAVIOR_TYPE.casefold()),
            comment=names.get(COMMENT),
            modifiers=modifiers,
        )

    def missing(self, where: str) -> list[Problem]:
        if self.code is None:
            return [Problem(where, f"missing column {BEHAVIOR!r} (or {CODE!r}) beside "
                            f"{TIME!r}; the header of a BORIS events export has both")]
        return []


@dataclass
class _Open:
    where: str
    start_ms: int
    subject: Subject
    comment: str


class _EventReader:
    def __init__(self, scheme: Scheme, columns: _EventColumns) -> None:
        self.scheme = scheme
        self.columns = columns
        self.problems: list[Problem] = []
        self.parsed: list[Parsed] = []
        self.open: dict[tuple[str, Subject, str], _Open] = {}

    def cell(self, cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def row(self, where: str, cells: list[str]) -> None:
        before = len(self.problems)
        code = self.code(where, self.cell(cells, self.columns.code))
        ms = self.time(where, self.cell(cells, self.columns.time))
        subject = self.subject(where, self.cell(cells, self.columns.subject))
        kind = self.cell(cells, self.columns.kind).upper()
        if kind not in ("", START, STOP, POINT):
            self.problems.append(Problem(where, f"{BEHAVIOR_TYPE!r} is {kind!r}, expected "
                                         f"{START}, {STOP} or {POINT}"))
        if len(self.problems) > before or code is None or ms is None or subject is None:
            return
        modifiers = "|".join(self.cell(cells, i) for i in self.columns.modifiers)
        comment = self.cell(cells, self.columns.comment)
        lane = (code, subject, modifiers)
        if not kind:
            known = self.scheme.code(code)
            kind = (POINT if known is not None and known.kind is Kind.point
                    else STOP if lane in self.open else START)
        if kind == POINT:
            self.add(where, Event(code, ms, None, subject, comment, source=Source.imported))
        elif kind == START:
            started = self.open.get(lane)
            if started is not None:
                self.problems.append(Problem(where, f"START of {code!r} while the one at "
                                             f"{clock(started.start_ms)} ({started.where}) "
                                             "has not stopped"))
                return
            self.open[lane] = _Open(where, ms, subject, comment)
        else:
            self.stop(where, lane, ms, comment)

    def stop(self, where: str, lane: tuple[str, Subject, str], ms: int, comment: str) -> None:
        started = self.open.pop(lane, None)
        if started is None:
            self.problems.append(Problem(where, f"STOP of {lane[0]!r} at {clock(ms)} has no "
                                         "START before it"))
            return
        if ms < started.start_ms:
            self.problems.append(Problem(where, f"STOP at {clock(ms)} is before its START at "
                                         f"{clock(started.start_ms)}"))
            return
        note = "\n".join(text for text in (started.comment, comment) if text)
        end = None if ms == started.start_ms else ms
        self.add(started.where, Event(lane[0], started.start_ms, end, started.subject, note,
                                      source=Source.imported))

    def add(self, where: str, event: Event) -> None:
        self.parsed.append(Parsed(where, event))

    def finish(self) -> None:
        for (code, _, _), started in self.open.items():
            self.problems.append(Problem(started.where, f"START of {code!r} at "
                                         f"{clock(started.start_ms)} has no STOP"))

    def code(self, where: str, value: str) -> str | None:
        if not value:
            self.problems.append(Problem(where, f"{BEHAVIOR!r} is empty"))
            return None
        key = code_key(value, self.scheme)
        if key is None:
            scheme = f"scheme {self.scheme.key} version {self.scheme.version}"
            self.problems.append(Problem(where, f"behaviour {value!r} is not a code of {scheme}; "
                                         "rename it in BORIS or choose another scheme"))
        return key

    def time(self, where: str, value: str) -> int | None:
        try:
            ms = parse_seconds(value)
        except ValueError:
            self.problems.append(Problem(where, f"{TIME!r} is {value!r}, expected seconds "
                                         "such as 12.345"))
            return None
        if ms < 0:
            self.problems.append(Problem(where, f"{TIME!r} is {value!r}; times cannot be "
                                         "negative"))
            return None
        return ms

    def subject(self, where: str, value: str) -> Subject | None:
        """The subject BORIS names; none (empty, or "No focal subject") is both."""
        subject = subject_from_text(value) if value else Subject.both
        if subject is None:
            self.problems.append(Problem(where, f"subject {value!r} is not one Attune knows; "
                                         "name the BORIS subjects parent and child (or ouder "
                                         "and kind), or leave it empty"))
        return subject
