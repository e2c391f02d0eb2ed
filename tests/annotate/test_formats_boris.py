"""BORIS both ways: the workbook BORIS's importer reads, and BORIS's exports read in.

The column names below are copied from BORIS's own source (BORIS 9.12.3,
github.com/olivierfriard/BORIS), so that the tests fail if either side drifts:

* ``BORIS_IMPORT_LABELS`` from ``boris/import_observations.py``
  (``load_observations_from_spreadsheet``, ``expected_labels``);
* ``BORIS_TABULAR_EVENTS`` from ``boris/export_observation.py``
  (``export_tabular_events``, ``fields_type``), for one media file, no
  independent variables and one modifier;
* ``BORIS_AGGREGATED_EVENTS`` from ``boris/export_events.py``
  (``export_aggregated_events``, ``fields_type``), likewise.

``boris_reads`` does what BORIS does with a spreadsheet: the first sheet,
column names upper-cased and looked up, one event per row, and a state's
START and STOP found by counting the rows of one behaviour, subject and
modifier in order (``events_start_stop`` in ``boris/project_functions.py``).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from services.annotate import exchange
from services.annotate.domain import (
    AnnotationSet,
    Category,
    ClipInfo,
    Code,
    Event,
    Kind,
    Scheme,
    Source,
    Subject,
)
from services.annotate.formats import boris
from services.annotate.formats.problems import ImportProblem, Problem

BORIS_IMPORT_LABELS = ("time", "subject", "code", "modifier", "comment")

BORIS_TABULAR_EVENTS = (
    "Observation id", "Observation date", "Description", "Observation duration",
    "Observation type", "Source", "Time offset (s)", "Media duration (s)", "FPS",
    "Subject", "Behavior", "Behavioral category", "Modifier #1",
    "Behavior type", "Time", "Media file name", "Image index", "Image file path", "Comment",
)  # fmt: skip

BORIS_AGGREGATED_EVENTS = (
    "Observation id", "Observation date", "Description", "Observation type", "Source",
    "Time offset (s)", "Coding duration", "Media duration (s)", "FPS (frame/s)",
    "Subject", "Observation duration by subject by observation", "Behavior",
    "Behavioral category", "Modifier #1",
    "Behavior type", "Start (s)", "Stop (s)", "Duration (s)", "Media file name",
    "Image index start", "Image index stop", "Image file path start", "Image file path stop",
    "Comment start", "Comment stop",
)  # fmt: skip

SCHEME = Scheme(
    key="vf-basis",
    name="Video-feedback basis",
    version=2,
    codes=(
        Code("smile", "Smile", "Glimlach", Category.positive, Kind.point, Subject.child),
        Code("warm_tone", "Warm tone", "Warme toon", Category.positive, Kind.segment),
        Code("intrusive", "Intrusive", "Opdringerig", Category.mismatch, Kind.segment),
        Code("soothe", "Soothing touch", "Troostende aanraking", Category.repair, Kind.either),
        Code("joint_play", "Joint play", "Samen spelen", Category.context, Kind.segment),
    ),
)
CLIP = ClipInfo("clip-7", "gezin 12 - sessie 1.mp4", 60_000)


def a_set(*events: Event) -> AnnotationSet:
    return AnnotationSet(clip=CLIP, scheme=SCHEME, events=events, id="set-42", coder="Anna")


def read(data: bytes, name: str) -> list[Event]:
    fmt = exchange.detect(data, name)
    return exchange.read(data, fmt, SCHEME, CLIP.duration_ms).events


def problems_of(data: bytes, name: str) -> list[Problem]:
    with pytest.raises(ImportProblem) as caught:
        exchange.read(data, exchange.detect(data, name), SCHEME, CLIP.duration_ms)
    return caught.value.problems


def imported(*events: Event) -> list[Event]:
    return [replace(e, source=Source.imported) for e in events]


# -- what BORIS does with the workbook ---------------------------------------------------


def boris_reads(data: bytes, state_codes: set[str]) -> list[tuple[Any, ...]]:
    """The events BORIS's spreadsheet import makes of ``data`` with an ethogram whose
    state events are ``state_codes``: (time, subject, code, modifier, comment, status)."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(name).upper() for name in rows[0]]
    for label in BORIS_IMPORT_LABELS:
        assert label.upper() in header, f"BORIS refuses a file without a {label} column"
    events = []
    for values in rows[1:]:
        row = dict(zip(header, values, strict=False))
        events.append([row[label.upper()] if row[label.upper()] is not None else ""
                       for label in BORIS_IMPORT_LABELS])
    flagged = []
    for index, (at, subject, code, modifier, comment) in enumerate(events):
        assert isinstance(at, int | float), "BORIS needs the time as a number"
        before = [e for e in events[:index] if e[1:4] == [subject, code, modifier]]
        status = ("STOP" if len(before) % 2 else "START") if code in state_codes else "POINT"
        flagged.append((Decimal(str(at)), subject, code, modifier, comment, status))
    return flagged


def test_the_workbook_has_the_columns_boris_imports_and_times_as_numbers() -> None:
    data = boris.export_boris_xlsx(a_set(Event("smile", 1_500, None, Subject.child)))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert tuple(header[:5]) == BORIS_IMPORT_LABELS
    assert sheet["A2"].value == 1.5 and sheet["A2"].number_format == "0.000"


def test_boris_pairs_the_rows_into_the_intervals_and_moments_of_the_set() -> None:
    data = boris.export_boris_xlsx(a_set(
        Event("warm_tone", 1_000, 5_500, Subject.parent, note="zacht"),
        Event("smile", 2_000, None, Subject.child, note="=HYPERLINK(\"x\")"),
        Event("warm_tone", 5_500, 7_000, Subject.parent),  # touches the first
        Event("joint_play", 0, 20_000, Subject.both),
        Event("intrusive", 6_000, 9_000, Subject.parent),
    ))
    events = boris_reads(data, state_codes={"warm_tone", "joint_play", "intrusive"})
    assert events == [
        (Decimal("0.0"), "", "joint_play", "", "", "START"),
        (Decimal("1.0"), "parent", "warm_tone", "", "zacht", "START"),
        (Decimal("2.0"), "child", "smile", "", "=HYPERLINK(\"x\")", "POINT"),
        (Decimal("5.5"), "parent", "warm_tone", "", "", "STOP"),
        (Decimal("5.5"), "parent", "warm_tone", "", "", "START"),
        (Decimal("6.0"), "parent", "intrusive", "", "", "START"),
        (Decimal("7.0"), "parent", "warm_tone", "", "", "STOP"),
        (Decimal("9.0"), "parent", "intrusive", "", "", "STOP"),
        (Decimal("20.0"), "", "joint_play", "", "", "STOP"),
    ]


def test_a_note_that_looks_like_a_formula_stays_text() -> None:
    data = boris.export_boris_xlsx(a_set(Event("smile", 0, None, Subject.child, note="=1+1")))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_overlapping_intervals_of_one_code_and_subject_become_one_state() -> None:
    data = boris.export_boris_xlsx(a_set(
        Event("warm_tone", 1_000, 5_500, Subject.parent, note="a"),
        Event("warm_tone", 3_000, 4_000, Subject.parent, note="b"),
        Event("warm_tone", 3_000, 4_000, Subject.child),  # another subject: its own state
    ))
    events = boris_reads(data, state_codes={"warm_tone"})
    assert [(e[0], e[1], e[4], e[5]) for e in events] == [
        (Decimal("1.0"), "parent", "a\nb", "START"),
        (Decimal("3.0"), "child", "", "START"),
        (Decimal("4.0"), "child", "", "STOP"),
        (Decimal("5.5"), "parent", "", "STOP"),
    ]


def test_moments_of_a_code_also_used_for_intervals_are_zero_length_states() -> None:
    data = boris.export_boris_xlsx(a_set(
        Event("soothe", 1_000, None, Subject.parent),
        Event("soothe", 3_000, 4_000, Subject.parent),
    ))
    events = boris_reads(data, state_codes={"soothe"})
    assert [(e[0], e[5]) for e in events] == [
        (Decimal("1.0"), "START"), (Decimal("1.0"), "STOP"),
        (Decimal("3.0"), "START"), (Decimal("4.0"), "STOP"),
    ]


def test_the_workbook_comes_back_into_attune_as_it_went_out() -> None:
    events = (
        Event("joint_play", 0, 20_000, Subject.both, note="in bad"),
        Event("warm_tone", 1_000, 5_500, Subject.parent, note="zacht\nlief"),
        Event("smile", 2_000, None, Subject.child, note="=1+1"),
        Event("smile", 2_000, None, Subject.both),
        Event("soothe", 9_200, None, Subject.parent),
        Event("soothe", 9_500, 12_000, Subject.parent, note="daarna rustig"),
        Event("warm_tone", 30_123, 31_001, Subject.child),
    )
    data = boris.export_boris_xlsx(a_set(*events))
    assert read(data, "gezin.xlsx") == sorted(imported(*events), key=Event.order_key)
    assert exchange.detect(data, "") == "xlsx"
    assert exchange.named_scheme(data, "xlsx") == ("vf-basis", 2)


# -- BORIS's exports read into Attune ----------------------------------------------------


def tabular_row(subject: str, behavior: str, kind: str, at: str, comment: str = "",
                modifier: str = "", observation: str = "gezin 12") -> list[str]:
    values = {
        "Observation id": observation, "Observation date": "2024-03-01 10:00:00",
        "Observation duration": "60.000", "Observation type": "Media file(s)",
        "Source": "player #1:gezin12.mp4", "Time offset (s)": "0.0",
        "Media duration (s)": "60.000", "FPS": "25.000", "Subject": subject,
        "Behavior": behavior, "Behavioral category": "", "Modifier #1": modifier,
        "Behavior type": kind, "Time": at, "Media file name": "gezin12.mp4",
        "Image index": "", "Image file path": "NA", "Comment": comment,
    }
    return [values.get(name, "") for name in BORIS_TABULAR_EVENTS]


TABULAR_ROWS = [
    tabular_row("", "Joint play", "START", "0.000"),
    tabular_row("Mother", "warm_tone", "START", "1.000", "zacht"),
    tabular_row("Infant", "smile", "POINT", "2.000"),
    tabular_row("Mother", "soothe", "START", "3.000", modifier="hand"),
    tabular_row("Mother", "soothe", "START", "3.500", modifier="stem"),
    tabular_row("Mother", "soothe", "STOP", "4.000", modifier="hand"),
    tabular_row("Mother", "warm_tone", "STOP", "5.500", "einde"),
    tabular_row("Mother", "soothe", "STOP", "6.000", modifier="stem"),
    tabular_row("No focal subject", "joint_play", "STOP", "20.000"),
]
TABULAR_EVENTS = imported(
    Event("joint_play", 0, 20_000, Subject.both),
    Event("warm_tone", 1_000, 5_500, Subject.parent, note="zacht\neinde"),
    Event("smile", 2_000, None, Subject.child),
    Event("soothe", 3_000, 4_000, Subject.parent),
    Event("soothe", 3_500, 6_000, Subject.parent),
)


def separated(rows: list[list[str]], header: tuple[str, ...], sep: str) -> bytes:
    # tablib writes BORIS's CSV and TSV: plain cells, CRLF line ends.
    return "".join(sep.join(row) + "\r\n" for row in [list(header), *rows]).encode()


def workbook(rows: list[list[Any]], header: tuple[str, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [list(header), *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def numbers(rows: list[list[str]], *columns: str) -> list[list[Any]]:
    """The rows as BORIS writes them to .xlsx: times as numbers."""
    at = [BORIS_TABULAR_EVENTS.index(c) if c in BORIS_TABULAR_EVENTS
          else BORIS_AGGREGATED_EVENTS.index(c) for c in columns]
    return [[float(v) if i in at and v not in ("", "NA") else v for i, v in enumerate(row)]
            for row in rows]


@pytest.mark.parametrize(("sep", "name"), [("\t", "gezin.tsv"), (",", "gezin.csv")])
def test_boris_tabular_events_export_is_read_start_stop_pairs_and_points(
        sep: str, name: str) -> None:
    data = separated(TABULAR_ROWS, BORIS_TABULAR_EVENTS, sep)
    assert read(data, name) == TABULAR_EVENTS


def test_boris_tabular_events_export_as_xlsx() -> None:
    data = workbook(numbers(TABULAR_ROWS, "Time"), BORIS_TABULAR_EVENTS)
    assert read(data, "gezin.xlsx") == TABULAR_EVENTS


AGGREGATED_ROWS = [
    ["gezin 12", "2024-03-01 10:00:00", "", "Media file", "player #1:gezin12.mp4", "0.0",
     "60.000", "60.000", "25.000", "No focal subject", "20.000", "joint_play", "", "",
     "STATE", "0.000", "20.000", "20.000", "gezin12.mp4", "NA", "NA", "NA", "NA", "", ""],
    ["gezin 12", "2024-03-01 10:00:00", "", "Media file", "player #1:gezin12.mp4", "0.0",
     "60.000", "60.000", "25.000", "Mother", "5.500", "Warme toon", "positive", "",
     "STATE", "1.000", "5.500", "4.500", "gezin12.mp4", "NA", "NA", "NA", "NA", "zacht", ""],
    ["gezin 12", "2024-03-01 10:00:00", "", "Media file", "player #1:gezin12.mp4", "0.0",
     "60.000", "60.000", "25.000", "Infant", "0", "smile", "positive", "",
     "POINT", "2.000", "2.000", "NA", "gezin12.mp4", "NA", "NA", "NA", "NA", "", ""],
]
AGGREGATED_EVENTS = imported(
    Event("joint_play", 0, 20_000, Subject.both),
    Event("warm_tone", 1_000, 5_500, Subject.parent, note="zacht"),
    Event("smile", 2_000, None, Subject.child),
)


def test_boris_aggregated_events_export_is_read() -> None:
    data = separated(AGGREGATED_ROWS, BORIS_AGGREGATED_EVENTS, "\t")
    assert sorted(read(data, "gezin.tsv"), key=Event.order_key) == AGGREGATED_EVENTS


def test_boris_aggregated_events_export_as_xlsx() -> None:
    rows = numbers(AGGREGATED_ROWS, "Start (s)", "Stop (s)", "Duration (s)")
    data = workbook(rows, BORIS_AGGREGATED_EVENTS)
    assert sorted(read(data, "gezin.xlsx"), key=Event.order_key) == AGGREGATED_EVENTS


def test_unknown_behaviours_and_subjects_are_reported_per_row() -> None:
    rows = [
        tabular_row("Mother", "hug", "POINT", "1.000"),
        tabular_row("Anna", "smile", "POINT", "2.000"),
        tabular_row("Infant", "smile", "POINT", "twee"),
        tabular_row("Infant", "smile", "POINT", "3.000"),
    ]
    problems = problems_of(separated(rows, BORIS_TABULAR_EVENTS, "\t"), "x.tsv")
    assert [p.where for p in problems] == ["line 2", "line 3", "line 4"]
    assert "behaviour 'hug' is not a code of scheme vf-basis version 2" in problems[0].message
    assert "subject 'Anna'" in problems[1].message
    assert "'twee'" in problems[2].message


def test_unpaired_starts_and_stops_are_reported_with_their_row_and_time() -> None:
    rows = [
        tabular_row("Mother", "warm_tone", "STOP", "1.000"),
        tabular_row("Mother", "warm_tone", "START", "2.000"),
        tabular_row("Mother", "warm_tone", "START", "3.000"),
    ]
    data = workbook(numbers(rows, "Time"), BORIS_TABULAR_EVENTS)
    problems = problems_of(data, "x.xlsx")
    assert [str(p) for p in problems] == [
        "row 2: STOP of 'warm_tone' at 00:01.000 has no START before it",
        "row 4: START of 'warm_tone' while the one at 00:02.000 (row 3) has not stopped",
        "row 3: START of 'warm_tone' at 00:02.000 has no STOP",
    ]


def test_a_file_of_several_observations_is_refused() -> None:
    rows = [tabular_row("Infant", "smile", "POINT", "1.000", observation=name)
            for name in ("gezin 12", "gezin 13")]
    (problem,) = problems_of(separated(rows, BORIS_TABULAR_EVENTS, ","), "x.csv")
    assert "2 observations ('gezin 12', 'gezin 13')" in problem.message


def test_boris_import_layout_without_a_type_column_pairs_by_the_scheme() -> None:
    rows: list[list[Any]] = [
        [1.0, "parent", "warm_tone", "", "zacht"],
        [2.0, "", "smile", "", ""],
        [4.0, "parent", "warm_tone", "", ""],
    ]
    data = workbook(rows, BORIS_IMPORT_LABELS)
    assert read(data, "x.xlsx") == imported(
        Event("warm_tone", 1_000, 4_000, Subject.parent, note="zacht"),
        Event("smile", 2_000, None, Subject.both),
    )


def test_files_that_are_not_workbooks_are_refused_readably() -> None:
    (problem,) = problems_of(b"PK\x03\x04 not really a zip", "x.xlsx")
    assert "cannot be read as an Excel workbook" in problem.message
    (problem,) = problems_of(b"anything", "x.ods")
    assert "save it as .xlsx or .csv" in problem.message
