"""CSV export and import of annotation sets, laid out the way BORIS users know.

Researchers open these files in Excel, SPSS, R or pandas, so the export is one
row per event with every column spelled out (seconds, labels, categories),
while the import is lenient about what spreadsheets do to a file on the way
back: a byte-order mark, ``;`` as the delimiter and ``,`` as the decimal
separator (Dutch Excel), reordered or extra columns, labels typed instead of
keys. It is strict about the rest, and reports every problem at once.

The small helpers that the ELAN format needs too (seconds, subject words, code
lookup, event order, UTF-8 decoding) live here rather than in a third module,
so that both formats agree on them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.annotate.domain import (
    AnnotationSet,
    Event,
    Scheme,
    Source,
    Subject,
    chronological,
)
from services.annotate.formats.problems import ImportProblem, Parsed, Problem

OBSERVATION = "Observation id"
MEDIA_FILE = "Media file"
MEDIA_DURATION = "Media duration (s)"
SCHEME = "Scheme"
SCHEME_VERSION = "Scheme version"
CODER = "Coder"
EVENT_ID = "Event id"
CODE = "Code"
LABEL = "Label"
CATEGORY = "Category"
BEHAVIOR_TYPE = "Behavior type"
SUBJECT = "Subject"
START = "Start (s)"
STOP = "Stop (s)"
DURATION = "Duration (s)"
REPAIRS = "Repairs"
NOTE = "Note"
SOURCE = "Source"

COLUMNS: tuple[str, ...] = (
    OBSERVATION,
    MEDIA_FILE,
    MEDIA_DURATION,
    SCHEME,
    SCHEME_VERSION,
    CODER,
    EVENT_ID,
    CODE,
    LABEL,
    CATEGORY,
    BEHAVIOR_TYPE,
    SUBJECT,
    START,
    STOP,
    DURATION,
    REPAIRS,
    NOTE,
    SOURCE,
)
REQUIRED: tuple[str, ...] = (CODE, START)

POINT = "POINT"
STATE = "STATE"

# BORIS's own column names, so that its aggregated-events export can be read too.
_ALIASES = {"behavior": CODE, "behaviour": CODE, "comment start": NOTE}

# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV
# injection"); a leading apostrophe makes them show it as text. The apostrophe
# itself is in the list so that a value that really starts with one survives.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")

_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_EMPTY_TIMES = ("", "NA")

_SUBJECT_WORDS: dict[str, Subject] = {
    "parent": Subject.parent,
    "ouder": Subject.parent,
    "caregiver": Subject.parent,
    "verzorger": Subject.parent,
    "mother": Subject.parent,
    "moeder": Subject.parent,
    "father": Subject.parent,
    "vader": Subject.parent,
    "child": Subject.child,
    "kind": Subject.child,
    "baby": Subject.child,
    "infant": Subject.child,
    "both": Subject.both,
    "beide": Subject.both,
    "beiden": Subject.both,
    "no focal subject": Subject.both,
}


# -- helpers shared with the ELAN format -------------------------------------------------


def format_seconds(ms: int) -> str:
    """Milliseconds as seconds with exactly three decimals, computed on integers so
    that no float rounding can move an event by a millisecond."""
    sign = "-" if ms < 0 else ""
    whole, fraction = divmod(abs(ms), 1000)
    return f"{sign}{whole}.{fraction:03d}"


def parse_seconds(text: str) -> int:
    """Seconds as written by us, BORIS or a Dutch spreadsheet (``12.5``, ``12,500``)
    to whole milliseconds; more decimals round to the nearest millisecond.

    Raises ValueError for anything else (exponents, NaN, thousands separators),
    which a spreadsheet could otherwise have turned into a plausible wrong time.
    """
    cleaned = text.strip()
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not a number of seconds")
    seconds = Decimal(cleaned.replace(",", "."))
    return int((seconds * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def subject_from_text(text: str) -> Subject | None:
    """The subject a word names (English, Dutch, or BORIS's "No focal subject"),
    or None when it names none of them."""
    return _SUBJECT_WORDS.get(text.strip().casefold())


def code_key(value: str, scheme: Scheme) -> str | None:
    """The key of the scheme code that ``value`` names, by key or by English or Dutch
    label, ignoring case; None when it names no code.

    People who code in ELAN or edit a CSV pick labels from a list or type them,
    so a label is as good as a key.
    """
    wanted = value.strip()
    if scheme.code(wanted) is not None:
        return wanted
    folded = wanted.casefold()
    for code in scheme.codes:
        names = (code.key, code.label_en, code.label_nl)
        if folded in (name.strip().casefold() for name in names):
            return code.key
    return None


def decode_utf8(data: bytes, hint: str) -> str:
    """The file as text, without a byte-order mark; raises ImportProblem naming the
    line of the first byte that is not UTF-8, with ``hint`` on how to fix it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = f"byte {data[error.start]:#04x} is not UTF-8; {hint}"
        raise ImportProblem([Problem(f"line {line}", message)]) from error


# -- export ------------------------------------------------------------------------------


def export_csv(s: AnnotationSet) -> str:
    """One row per event in start order, with ``\\r\\n`` line ends (RFC 4180, Excel).

    No byte-order mark: R, pandas and BORIS would take it as part of the first
    column name. Every text cell is guarded against formula injection.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for event in chronological(s.events):
        writer.writerow([_guard(cell) for cell in _row(s, event)])
    return buffer.getvalue()


def _row(s: AnnotationSet, event: Event) -> list[str]:
    code = s.scheme.code(event.code)
    point = event.end_ms is None
    return [
        s.id or "",
        s.clip.filename,
        format_seconds(s.clip.duration_ms),
        s.scheme.key,
        str(s.scheme.version),
        s.coder or "",
        event.id or "",
        event.code,
        code.label_en if code else "",
        code.category.value if code else "",
        POINT if point else STATE,
        event.subject.value,
        format_seconds(event.start_ms),
        "" if event.end_ms is None else format_seconds(event.end_ms),
        "" if point else format_seconds(event.duration_ms),
        event.repairs or "",
        event.note,
        event.source.value,
    ]


def _guard(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _unguard(cell: str) -> str:
    """Undo ``_guard``: only an apostrophe that is followed by a guarded character is
    ours; any other leading apostrophe belongs to the text."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


# -- import ------------------------------------------------------------------------------


Record = tuple[str, list[str]]
"""One row of a table as text cells, with where it stands (``line 4``, ``row 4``)."""


def import_csv(data: bytes, scheme: Scheme) -> list[Parsed]:
    """Every event of a CSV file, or ImportProblem with every format problem in it.

    Whether the codes belong to the scheme and the times to the clip is left to
    the rule checks, which get each event's ``line N``; the scheme is used here
    only to turn a label into its key.
    """
    return read_table(csv_records(data), scheme)


def read_table(records: list[Record], scheme: Scheme) -> list[Parsed]:
    """The events of a table with one row per event (this module's layout, or
    BORIS's aggregated events), whatever file the rows came from."""
    if not records:
        raise ImportProblem(
            [Problem("line 1", f"the file is empty; expected a header line with {CODE}, {START}")]
        )
    header_where, header = records[0]
    columns, problems = _columns(header, header_where)
    if problems:
        raise ImportProblem(problems)
    parsed: list[Parsed] = []
    for where, cells in records[1:]:
        row = _Row(cells, columns, where)
        event = row.event(scheme)
        problems.extend(row.problems)
        if event is not None:
            parsed.append(Parsed(row.where, event))
    if problems:
        raise ImportProblem(problems)
    return parsed


def csv_records(data: bytes) -> list[Record]:
    """The non-blank records of a CSV file with the physical line each starts on (a
    quoted note may span lines, so the record number is not the line number)."""
    # Excel's plain "CSV" is Windows-1252, which would turn "één" into something else.
    text = decode_utf8(data, hint='save the file as UTF-8 (in Excel: "CSV UTF-8")')
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    records: list[Record] = []
    rows: Iterator[list[str]] = iter(reader)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(rows)
        except StopIteration:
            return records
        except csv.Error as error:
            problem = Problem(f"line {line}", f"cannot be read as CSV: {error}")
            raise ImportProblem([problem]) from error
        if any(cell.strip() for cell in cells):
            records.append((f"line {line}", cells))


def header_index(header: Sequence[str]) -> dict[str, int]:
    """Column name (folded, spaces collapsed, spreadsheet guard undone) to its first
    position, for readers that pick their own columns."""
    index: dict[str, int] = {}
    for position, raw in enumerate(header):
        index.setdefault(_fold_name(raw), position)
    return index


def _fold_name(raw: str) -> str:
    return " ".join(_unguard(raw).split()).casefold()


def _delimiter(text: str) -> str:
    """The delimiter the header line uses most: Dutch Excel writes ``;``, others ``,``
    and some tools a tab."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _columns(header: Sequence[str], where: str) -> tuple[dict[str, int], list[Problem]]:
    """Column name to position, matched without regard to case or spacing; a name that
    appears twice or a required name that is missing is a problem."""
    known = {name.casefold(): name for name in COLUMNS} | _ALIASES
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for index, raw in enumerate(header):
        name = known.get(_fold_name(raw))
        if name is None:
            continue
        if name in columns:
            problems.append(Problem(where, f"column {name!r} appears twice"))
        columns.setdefault(name, index)
    for name in REQUIRED:
        if name not in columns:
            problems.append(
                Problem(
                    where,
                    f"missing column {name!r}; the header must name at least {CODE!r} "
                    f"and {START!r}",
                )
            )
    return columns, problems


@dataclass
class _Row:
    """One data record, reading its cells by column name and collecting what is
    wrong with them instead of stopping at the first."""

    cells: list[str]
    columns: dict[str, int]
    where: str

    def __post_init__(self) -> None:
        self.problems: list[Problem] = []

    def cell(self, name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(self.cells):
            return ""
        return _unguard(self.cells[index])

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.where, message))

    def event(self, scheme: Scheme) -> Event | None:
        code = self.code(scheme)
        start = self.time(START)
        end = self.end(start)
        subject = self.subject(scheme, code)
        if self.problems or code is None or start is None or subject is None:
            return None
        return Event(
            code=code,
            start_ms=start,
            end_ms=end,
            subject=subject,
            note=self.cell(NOTE),
            id=self.cell(EVENT_ID) or None,
            repairs=self.cell(REPAIRS) or None,
            source=Source.imported,
        )

    def code(self, scheme: Scheme) -> str | None:
        value = self.cell(CODE).strip()
        if not value:
            self.problem(f"{CODE!r} is empty")
            return None
        return code_key(value, scheme) or value

    def time(self, column: str) -> int | None:
        text = self.cell(column).strip()
        if not text:
            self.problem(f"{column!r} is empty")
            return None
        try:
            ms = parse_seconds(text)
        except ValueError:
            self.problem(f"{column!r} is {text!r}, expected seconds such as 12.345")
            return None
        if ms < 0:
            self.problem(f"{column!r} is {text!r}; times cannot be negative")
            return None
        return ms

    def end(self, start: int | None) -> int | None:
        """The stop time, None for a moment: an empty stop, BORIS's ``NA``, or a
        POINT event whose stop repeats its start."""
        kind = self.cell(BEHAVIOR_TYPE).strip().upper()
        if kind and kind not in (POINT, STATE):
            self.problem(f"{BEHAVIOR_TYPE!r} is {kind!r}, expected {POINT} or {STATE}")
        if self.cell(STOP).strip().upper() in _EMPTY_TIMES:
            if kind == STATE:
                self.problem(f"a {STATE} event needs a {STOP!r}")
            return None
        end = self.time(STOP)
        if end is None or start is None:
            return None
        if end < start:
            self.problem(
                f"{STOP!r} {format_seconds(end)} is before {START!r} {format_seconds(start)}"
            )
        if kind == POINT or (not kind and end == start):
            if end != start:
                self.problem(f"a {POINT} event has no {STOP!r} (or the same as its start)")
            return None
        return end

    def subject(self, scheme: Scheme, code: str | None) -> Subject | None:
        """The Subject cell; when empty, the subject the scheme gives the code."""
        text = self.cell(SUBJECT)
        if not text.strip():
            known = scheme.code(code) if code else None
            return known.subject if known else Subject.both
        subject = subject_from_text(text)
        if subject is None:
            choices = ", ".join(s.value for s in Subject)
            self.problem(f"{SUBJECT!r} is {text.strip()!r}, expected one of {choices}")
        return subject
