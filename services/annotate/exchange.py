"""Annotation files in and out: the formats researchers already use.

Exports: CSV (BORIS-like, one row per event), an Excel workbook that
BORIS imports, ELAN ``.eaf``, W3C Web Annotation JSON-LD, and WebVTT (a
metadata track or a chapters track).
Imports: ``.eaf``, CSV/TSV and ``.xlsx`` (ours, or BORIS's tabular or
aggregated events export), into a new set, all or nothing: every problem in
a file (its syntax, then each event against the rules) is reported with the
line, row or tier and time it is at, and nothing is stored unless there are
none. What a reader had to read differently from how it was written comes
back as notes.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

from services.annotate import rules
from services.annotate.domain import AnnotationSet, Event, Scheme, Source
from services.annotate.formats import boris
from services.annotate.formats.csv_format import csv_records, export_csv, read_table
from services.annotate.formats.eaf import export_eaf, import_eaf
from services.annotate.formats.problems import ImportProblem, Parsed, Problem
from services.annotate.formats.w3c import export_w3c
from services.annotate.formats.webvtt import export_chapters, export_vtt


class ExportFormat(enum.StrEnum):
    """csv, boris (an .xlsx for BORIS's "Import observations"), eaf (ELAN), w3c
    (Web Annotation JSON-LD), vtt (WebVTT metadata track) or chapters (WebVTT
    chapters track)."""

    csv = "csv"
    boris = "boris"
    eaf = "eaf"
    w3c = "w3c"
    vtt = "vtt"
    chapters = "chapters"


@dataclass(frozen=True)
class Export:
    media_type: str
    extension: str
    render: Callable[[AnnotationSet], str | bytes]


EXPORTS: dict[ExportFormat, Export] = {
    ExportFormat.csv: Export("text/csv; charset=utf-8", "csv", export_csv),
    ExportFormat.boris: Export(boris.MEDIA_TYPE, "xlsx", boris.export_boris_xlsx),
    ExportFormat.eaf: Export("application/xml; charset=utf-8", "eaf", export_eaf),
    ExportFormat.w3c: Export("application/ld+json; charset=utf-8", "jsonld", export_w3c),
    ExportFormat.vtt: Export("text/vtt; charset=utf-8", "vtt", export_vtt),
    ExportFormat.chapters: Export("text/vtt; charset=utf-8", "chapters.vtt", export_chapters),
}

#: Largest annotation file accepted for import: an hour coded densely in ELAN
#: is well under a megabyte.
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def filename(s: AnnotationSet, fmt: ExportFormat) -> str:
    """A download name that says which clip and set, without any personal data."""
    stem = re.sub(r"[^\w.-]+", "_", s.clip.filename.rsplit(".", 1)[0]) or "clip"
    return f"{stem}-{(s.id or 'set')[:8]}.{EXPORTS[fmt].extension}"


def detect(data: bytes, name: str) -> str:
    """``eaf``, ``xlsx``, ``ods`` or ``csv``, by the file's name, else by its first
    bytes."""
    lower = name.lower()
    if lower.endswith(".eaf") or lower.endswith(".xml"):
        return "eaf"
    if lower.endswith(".xlsx") or lower.endswith(".ods"):
        return lower.rsplit(".", 1)[1]
    if lower.endswith(".csv") or lower.endswith(".tsv") or lower.endswith(".txt"):
        return "csv"
    if data.startswith(b"PK\x03\x04"):  # a zip file: the only zipped format read is .xlsx
        return "xlsx"
    return "eaf" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") else "csv"


def parse(data: bytes, fmt: str, scheme: Scheme) -> list[Parsed]:
    """The events of a file: ELAN's by tier, a table's by its header (BORIS's events
    export pairs START and STOP rows; everything else has a row per event)."""
    if fmt == "eaf":
        return import_eaf(data, scheme)
    if fmt == "ods":
        message = "OpenDocument spreadsheets are not read; save it as .xlsx or .csv"
        raise ImportProblem([Problem("file", message)])
    records = boris.xlsx_records(data) if fmt == "xlsx" else csv_records(data)
    several = boris.observations_problem(records)
    if several is not None:
        raise ImportProblem([several])
    if records and boris.is_event_layout(records[0][1]):
        return boris.read_events(records, scheme)
    return read_table(records, scheme)


@dataclass(frozen=True)
class Imported:
    """The events of a file that keeps the rules, and notes on what was read
    differently from how it was written (each where it is in the file)."""

    events: list[Event]
    notes: list[Problem]


def checked(parsed: list[Parsed], scheme: Scheme, duration_ms: int) -> Imported:
    """The parsed events, marked as imported, if every one keeps the rules;
    else every broken rule, each at its line or element."""
    by_id = {p.event.id: p.event for p in parsed if p.event.id}
    problems = []
    for item in parsed:
        event = item.event
        mismatch = by_id.get(event.repairs) if event.repairs else None
        for violation in rules.check(event, scheme, duration_ms, mismatch):
            problems.append(Problem(item.where, str(violation)))
    if problems:
        raise ImportProblem(problems)
    return Imported(
        events=[dataclasses.replace(p.event, source=Source.imported) for p in parsed],
        notes=[Problem(p.where, p.note) for p in parsed if p.note],
    )


def read(data: bytes, fmt: str, scheme: Scheme, duration_ms: int) -> Imported:
    """Parse and check a whole file of format ``fmt`` (see :func:`detect`):
    its events, or ImportProblem."""
    if not data.strip():
        raise ImportProblem([Problem("file", "the file is empty")])
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem([Problem("file", f"the file is larger than "
                                     f"{MAX_IMPORT_BYTES // 1024 // 1024} MB")])
    return checked(parse(data, fmt, scheme), scheme, duration_ms)


def named_scheme(data: bytes, fmt: str) -> tuple[str, int] | None:
    """The scheme key and version an Attune export names, so that a file goes
    back into the scheme version it was coded with."""
    text = data[:200_000].decode("utf-8-sig", errors="replace")
    if fmt == "eaf":
        found = [re.search(rf'NAME="attune\.{name}"\s*>([^<]+)<', text)
                 for name in ("scheme", "scheme_version")]
        key, version = (m.group(1) if m else "" for m in found)
    elif fmt == "xlsx":
        key, version = boris.xlsx_scheme(data) or ("", "")
    else:
        lines = text.splitlines()[:2]
        delimiter = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
        row = next(csv.DictReader(lines, delimiter=delimiter), {})
        key, version = row.get("Scheme") or "", row.get("Scheme version") or ""
    key, version = key.strip(), version.strip()
    return (key, int(version)) if key and version.isdigit() else None
