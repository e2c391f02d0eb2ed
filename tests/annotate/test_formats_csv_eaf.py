"""CSV and ELAN (EAF) export and import: what a researcher reads, what comes back.

Pure functions on hand-built values: no database, no media. The one test that
needs the EAF 3.0 schema skips when a fresh clone does not have it.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

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
from services.annotate.formats.csv_format import (
    COLUMNS,
    export_csv,
    format_seconds,
    import_csv,
    parse_seconds,
)
from services.annotate.formats.eaf import (
    POINT_MS,
    annotation_id,
    event_id_of,
    export_eaf,
    import_eaf,
)
from services.annotate.formats.problems import ImportProblem, Problem

EAF_XSD = Path(__file__).resolve().parents[1] / "data" / "EAFv3.0.xsd"
DASH = "\u2013"

SCHEME = Scheme(
    key="vf-basis",
    name="Video-feedback basis",
    version=2,
    codes=(
        Code("smile", "Smile", "Glimlach", Category.positive, Kind.point, Subject.child),
        Code("warm_tone", "Warm tone", "Warme toon", Category.positive, Kind.segment),
        Code("intrusive", "Intrusive", "Opdringerig", Category.mismatch, Kind.segment),
        Code(
            "soothe",
            "Soothing touch",
            "Troostende aanraking",
            Category.repair,
            Kind.either,
            description="Hand on back or belly after a mismatch",
        ),
        Code("joint_play", "Joint play", "Samen spelen", Category.context, Kind.segment),
    ),
)

NOTE_PUNCTUATION = 'Zegt "één, twee" en lacht'
NOTE_FORMULA = '=HYPERLINK("http://x")'
NOTE_LINES = "eerste regel\ntweede regel"

EVENTS = (
    Event("joint_play", 0, 20_000, Subject.both, id="3f0c9a1e-77aa-4b1c-9d2e-0a1b2c3d4e5f"),
    Event("warm_tone", 1_000, 5_500, Subject.parent, note=NOTE_PUNCTUATION, id="e1"),
    Event("smile", 2_000, None, Subject.child, note=NOTE_FORMULA, id="e2"),
    Event("warm_tone", 3_000, 4_000, Subject.parent, id="e3"),  # overlaps e1
    Event("intrusive", 6_000, 9_000, Subject.parent, note=NOTE_LINES, id="m1"),
    Event("soothe", 9_200, None, Subject.parent, id="r_1", repairs="m1"),
    Event("soothe", 9_500, 12_000, Subject.parent, note="-- daarna rustig", id="r2", repairs="m1"),
)

SET = AnnotationSet(
    clip=ClipInfo("clip-7", "gezin 12 - sessie 1.mp4", 30_000),
    scheme=SCHEME,
    events=EVENTS,
    id="set-42",
    coder="Anna de Vries",
)


def imported(events: tuple[Event, ...] | list[Event]) -> AnnotationSet:
    """The set with the given events, as they stand after an import."""
    return replace(SET, events=tuple(events))


def as_read(s: AnnotationSet) -> AnnotationSet:
    """What an import gives back of ``s``: every event marked imported."""
    return replace(s, events=tuple(replace(e, source=Source.imported) for e in s.events))


def problems_of(call: object) -> list[Problem]:
    assert callable(call)
    with pytest.raises(ImportProblem) as caught:
        call()
    return caught.value.problems


def wheres(problems: list[Problem]) -> list[str]:
    return [p.where for p in problems]


# -- seconds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ms", "text"), [(0, "0.000"), (5, "0.005"), (1_000, "1.000"), (123_456, "123.456")]
)
def test_seconds_are_exact_to_the_millisecond(ms: int, text: str) -> None:
    assert format_seconds(ms) == text
    assert parse_seconds(text) == ms


def test_seconds_accept_a_dutch_decimal_comma_and_round_extra_decimals() -> None:
    assert parse_seconds("12,5") == 12_500
    assert parse_seconds(" 7 ") == 7_000
    assert parse_seconds("1.0005") == 1_001
    for bad in ("1e3", "NaN", "1.234,5", "twelve", ""):
        with pytest.raises(ValueError):
            parse_seconds(bad)


# -- CSV export --------------------------------------------------------------------------


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_header_and_a_row_read_as_a_researcher_would() -> None:
    text = export_csv(SET)
    assert text.splitlines()[0] == (
        "Observation id,Media file,Media duration (s),Scheme,Scheme version,Coder,Event id,"
        "Code,Label,Category,Behavior type,Subject,Start (s),Stop (s),Duration (s),Repairs,"
        "Note,Source"
    )
    assert tuple(csv_rows(text)[0]) == COLUMNS
    mismatch = next(row for row in csv_rows(text) if row["Event id"] == "m1")
    assert mismatch == {
        "Observation id": "set-42",
        "Media file": "gezin 12 - sessie 1.mp4",
        "Media duration (s)": "30.000",
        "Scheme": "vf-basis",
        "Scheme version": "2",
        "Coder": "Anna de Vries",
        "Event id": "m1",
        "Code": "intrusive",
        "Label": "Intrusive",
        "Category": "mismatch",
        "Behavior type": "STATE",
        "Subject": "parent",
        "Start (s)": "6.000",
        "Stop (s)": "9.000",
        "Duration (s)": "3.000",
        "Repairs": "",
        "Note": NOTE_LINES,
        "Source": "manual",
    }


def test_csv_points_have_no_stop_and_repairs_name_their_mismatch() -> None:
    point = next(row for row in csv_rows(export_csv(SET)) if row["Event id"] == "r_1")
    assert (point["Behavior type"], point["Start (s)"], point["Stop (s)"]) == ("POINT", "9.200", "")
    assert point["Duration (s)"] == ""
    assert point["Repairs"] == "m1"


def test_csv_rows_are_in_start_order_with_crlf_line_ends() -> None:
    text = export_csv(replace(SET, events=tuple(reversed(EVENTS))))
    starts = [parse_seconds(row["Start (s)"]) for row in csv_rows(text)]
    assert starts == sorted(starts)
    assert text.endswith("\r\n")
    assert text == export_csv(SET)


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted_as_text() -> None:
    rows = csv_rows(export_csv(SET))
    notes = {row["Event id"]: row["Note"] for row in rows}
    assert notes["e2"] == "'" + NOTE_FORMULA
    assert notes["r2"] == "'-- daarna rustig"
    assert notes["e1"] == NOTE_PUNCTUATION


# -- CSV round trip ----------------------------------------------------------------------


def test_csv_round_trip_keeps_code_times_subject_note_id_and_repairs() -> None:
    exported = export_csv(SET)
    parsed = import_csv(exported.encode("utf-8"), SCHEME)
    assert [p.event for p in parsed] == sorted(as_read(SET).events, key=lambda e: e.start_ms)
    assert all(p.event.source is Source.imported for p in parsed)
    assert export_csv(imported([p.event for p in parsed])) == export_csv(as_read(SET))


def test_csv_round_trip_of_apostrophes_and_awkward_text() -> None:
    notes = ["'al tussen aanhalingstekens'", "''=dubbel", "+31 6 1234", "@anna", "\ttab", "a\r\nb"]
    events = tuple(
        Event("smile", 100 * n, None, Subject.child, note=n_) for n, n_ in enumerate(notes)
    )
    parsed = import_csv(export_csv(imported(events)).encode(), SCHEME)
    assert [p.event.note for p in parsed] == notes


def test_csv_where_is_the_physical_line_a_record_starts_on() -> None:
    parsed = import_csv(export_csv(SET).encode(), SCHEME)
    lines = {p.event.id: p.where for p in parsed}
    assert lines["3f0c9a1e-77aa-4b1c-9d2e-0a1b2c3d4e5f"] == "line 2"
    # m1's note spans two lines, so the record after it starts one line further down.
    assert lines["m1"] == "line 6"
    assert lines["r_1"] == "line 8"


def test_csv_import_tolerates_what_dutch_excel_makes_of_it() -> None:
    text = (
        "\ufeffStart (s);Notitie;code;Subject;Stop (s);Note\r\n"
        "1,5;extra;Glimlach;kind;;\r\n"
        "\r\n"
        "2,25;;warm tone;Ouder;4,000;mooi\r\n"
        ";;;;;\r\n"
    )
    parsed = import_csv(text.encode("utf-8"), SCHEME)
    assert [(p.where, p.event) for p in parsed] == [
        ("line 2", Event("smile", 1_500, None, Subject.child, source=Source.imported)),
        (
            "line 4",
            Event("warm_tone", 2_250, 4_000, Subject.parent, "mooi", source=Source.imported),
        ),
    ]


def test_csv_import_reads_boris_column_names_and_na_stops() -> None:
    text = (
        "Subject,Behavior,Behavior type,Start (s),Stop (s),Duration (s),Comment start\n"
        "No focal subject,joint_play,STATE,0.000,3.000,3.000,\n"
        "parent,soothe,POINT,4.000,4.000,NA,kort\n"
        "child,smile,POINT,5.000,NA,NA,\n"
    )
    events = [p.event for p in import_csv(text.encode(), SCHEME)]
    assert [(e.code, e.subject, e.start_ms, e.end_ms, e.note) for e in events] == [
        ("joint_play", Subject.both, 0, 3_000, ""),
        ("soothe", Subject.parent, 4_000, None, "kort"),
        ("smile", Subject.child, 5_000, None, ""),
    ]


def test_csv_leaves_unknown_codes_and_times_past_the_clip_to_the_rule_checks() -> None:
    text = "Code,Start (s),Stop (s)\nnot_in_scheme,999.000,1000.000\n"
    (parsed,) = import_csv(text.encode(), SCHEME)
    assert (parsed.where, parsed.event.code, parsed.event.end_ms) == (
        "line 2",
        "not_in_scheme",
        1_000_000,
    )


def test_csv_header_only_is_an_empty_set() -> None:
    assert import_csv(export_csv(imported([])).encode(), SCHEME) == []


# -- CSV problems ------------------------------------------------------------------------


def test_csv_wrong_numbers_on_lines_3_and_5_are_both_reported() -> None:
    text = (
        "Code,Start (s),Stop (s)\n"
        "smile,1.000,\n"
        "smile,twee,\n"
        "warm_tone,2.000,3.000\n"
        "warm_tone,4.000,5 s\n"
    )
    problems = problems_of(lambda: import_csv(text.encode(), SCHEME))
    assert wheres(problems) == ["line 3", "line 5"]
    assert "'twee'" in problems[0].message
    assert "'5 s'" in problems[1].message


def test_csv_missing_start_column() -> None:
    problems = problems_of(lambda: import_csv(b"Code,Stop (s)\nsmile,1.0\n", SCHEME))
    assert wheres(problems) == ["line 1"]
    assert "Start (s)" in problems[0].message


def test_csv_not_utf8_names_the_line() -> None:
    data = "Code,Start (s),Note\nsmile,1.000,ok\nsmile,2.000,één\n".encode("cp1252")
    problems = problems_of(lambda: import_csv(data, SCHEME))
    assert wheres(problems) == ["line 3"]
    assert "UTF-8" in problems[0].message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_csv_empty_file(data: bytes) -> None:
    problems = problems_of(lambda: import_csv(data, SCHEME))
    assert wheres(problems) == ["line 1"]
    assert "empty" in problems[0].message


def test_csv_every_row_problem_is_collected_and_nothing_is_imported() -> None:
    text = (
        "Code,Start (s),Stop (s),Subject,Behavior type\n"
        "warm_tone,5.000,4.000,parent,STATE\n"
        "smile,-1.000,,child,POINT\n"
        "smile,1.000,,grandma,POINT\n"
        ",1.000,2.000,parent,STATE\n"
        "warm_tone,1.000,,parent,STATE\n"
        "smile,1.000,2.000,child,POINT\n"
        "smile,1.000,,child,MOMENT\n"
        "warm_tone,1.000,2.000,parent,STATE\n"
    )
    problems = problems_of(lambda: import_csv(text.encode(), SCHEME))
    assert wheres(problems) == [f"line {n}" for n in range(2, 9)]
    messages = [p.message for p in problems]
    assert "before" in messages[0]
    assert "negative" in messages[1]
    assert "'grandma'" in messages[2]
    assert "'Code' is empty" in messages[3]
    assert "needs a 'Stop (s)'" in messages[4]
    assert "POINT" in messages[5]
    assert "'MOMENT'" in messages[6]


def test_csv_duplicate_column_is_a_problem() -> None:
    problems = problems_of(lambda: import_csv(b"Code,Start (s),code\nsmile,1,x\n", SCHEME))
    assert problems == [Problem("line 1", "column 'Code' appears twice")]


def test_csv_unterminated_quote_is_reported_not_guessed() -> None:
    data = b'Code,Start (s),Note\nsmile,1.000,"never closed\n'
    problems = problems_of(lambda: import_csv(data, SCHEME))
    assert wheres(problems) == ["line 2"]


# -- EAF export --------------------------------------------------------------------------


def eaf_root(s: AnnotationSet = SET) -> ET.Element:
    return ET.fromstring(export_eaf(s))


def tiers(root: ET.Element) -> dict[str, ET.Element]:
    return {tier.attrib["TIER_ID"]: tier for tier in root.iter("TIER")}


def test_eaf_validates_against_the_eaf_3_schema() -> None:
    from lxml import etree as lxml_etree

    schema = lxml_etree.XMLSchema(lxml_etree.parse(str(EAF_XSD)))
    for s in (SET, imported([]), replace(SET, coder=None, id=None)):
        document = lxml_etree.fromstring(export_eaf(s).encode("utf-8"))
        assert schema.validate(document), schema.error_log


def test_eaf_opens_in_elan_with_one_tier_per_subject_and_category() -> None:
    root = eaf_root()
    assert root.tag == "ANNOTATION_DOCUMENT"
    assert (root.get("VERSION"), root.get("FORMAT"), root.get("AUTHOR")) == (
        "3.0",
        "3.0",
        "Anna de Vries",
    )
    media = root.find("HEADER/MEDIA_DESCRIPTOR")
    assert media is not None
    assert media.attrib == {
        "MEDIA_URL": "gezin%2012%20-%20sessie%201.mp4",
        "MIME_TYPE": "video/mp4",
        "RELATIVE_MEDIA_URL": "./gezin%2012%20-%20sessie%201.mp4",
    }
    properties = {p.get("NAME"): p.text for p in root.iter("PROPERTY")}
    assert properties["attune.clip_id"] == "clip-7"
    assert properties["attune.scheme"] == "vf-basis"
    assert properties["attune.scheme_version"] == "2"
    assert properties["attune.coder"] == "Anna de Vries"
    assert properties["attune.set_id"] == "set-42"

    by_id = tiers(root)
    for subject in ("parent", "child", "both"):
        for category in ("positive", "mismatch", "repair", "context"):
            tier = by_id[f"{subject} {DASH} {category}"]
            assert tier.get("PARTICIPANT") == subject
            assert tier.get("ANNOTATOR") == "Anna de Vries"
            assert tier.get("LINGUISTIC_TYPE_REF") == "code"
        # Only categories with a point code have a moments tier.
        assert f"{subject} {DASH} positive (moments)" in by_id
        assert f"{subject} {DASH} repair (moments)" in by_id
        assert f"{subject} {DASH} mismatch (moments)" not in by_id


def test_eaf_tier_annotations_carry_code_keys_and_overlaps_get_their_own_tier() -> None:
    by_id = tiers(eaf_root())

    def values(tier_id: str) -> list[str | None]:
        return [v.text for v in by_id[tier_id].iter("ANNOTATION_VALUE")]

    assert values(f"parent {DASH} positive") == ["warm_tone"]
    assert values(f"parent {DASH} positive #2") == ["warm_tone"]
    assert values(f"child {DASH} positive (moments)") == ["smile"]
    assert values(f"parent {DASH} repair (moments)") == ["soothe"]
    assert values(f"parent {DASH} repair") == ["soothe"]
    assert values(f"both {DASH} context") == ["joint_play"]


def test_eaf_moments_are_one_frame_long() -> None:
    root = eaf_root()
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE", "")) for s in root.iter("TIME_SLOT")}
    (smile,) = tiers(root)[f"child {DASH} positive (moments)"].iter("ALIGNABLE_ANNOTATION")
    start, end = slots[smile.get("TIME_SLOT_REF1")], slots[smile.get("TIME_SLOT_REF2")]
    assert (start, end) == (2_000, 2_000 + POINT_MS)
    times = list(slots.values())
    assert times == sorted(times)


def test_eaf_controlled_vocabulary_has_every_code_in_english_and_dutch() -> None:
    root = eaf_root()
    assert {lang.get("LANG_ID") for lang in root.iter("LANGUAGE")} == {"eng", "nld"}
    types = {t.get("LINGUISTIC_TYPE_ID"): t for t in root.iter("LINGUISTIC_TYPE")}
    assert types["code"].get("CONTROLLED_VOCABULARY_REF") == "vf-basis"
    assert types["note"].get("CONSTRAINTS") == "Symbolic_Association"
    vocabulary = root.find("CONTROLLED_VOCABULARY[@CV_ID='vf-basis']")
    assert vocabulary is not None
    entries = vocabulary.findall("CV_ENTRY_ML")
    assert [e.get("CVE_ID") for e in entries] == [f"cve-{c.key}" for c in SCHEME.codes]
    soothe = {v.get("LANG_REF"): v for v in entries[3].iter("CVE_VALUE")}
    assert soothe["eng"].text == "Soothing touch"
    assert soothe["nld"].text == "Troostende aanraking"
    assert soothe["nld"].get("DESCRIPTION") == "Hand on back or belly after a mismatch"


def test_eaf_notes_are_a_symbolic_association_tier_and_links_are_cross_references() -> None:
    root = eaf_root()
    notes = tiers(root)[f"parent {DASH} mismatch notes"]
    assert notes.get("PARENT_REF") == f"parent {DASH} mismatch"
    assert notes.get("LINGUISTIC_TYPE_REF") == "note"
    (ref,) = notes.iter("REF_ANNOTATION")
    assert ref.get("ANNOTATION_REF") == "ev-m1"
    assert ref.findtext("ANNOTATION_VALUE") == NOTE_LINES
    links = root.findall("REF_LINK_SET[@LINK_SET_ID='repairs']/CROSS_REF_LINK")
    assert [(link.get("REF1"), link.get("REF2")) for link in links] == [
        ("ev-r_5f_1", "ev-m1"),
        ("ev-r2", "ev-m1"),
    ]


def test_eaf_export_is_the_same_whatever_the_order_of_the_events() -> None:
    assert export_eaf(replace(SET, events=tuple(reversed(EVENTS)))) == export_eaf(SET)


@pytest.mark.parametrize(
    "event_id",
    ["m1", "a12", "3f0c9a1e-77aa-4b1c", "r_1", "ev-x", "12", "met spatie/één", "_5f_"],
)
def test_eaf_annotation_ids_give_the_event_id_back(event_id: str) -> None:
    assert event_id_of(annotation_id(event_id)) == event_id


# -- EAF round trip ----------------------------------------------------------------------


def test_eaf_round_trip_keeps_codes_times_points_subjects_notes_ids_and_links() -> None:
    exported = export_eaf(SET)
    parsed = import_eaf(exported.encode("utf-8"), SCHEME)
    events = sorted(as_read(SET).events, key=lambda e: (e.start_ms, e.end_ms or -1))
    assert [p.event for p in parsed] == events
    assert export_eaf(imported([p.event for p in parsed])) == exported
    where = {p.event.id: p.where for p in parsed}
    assert where["m1"] == f'tier "parent {DASH} mismatch" at 00:06.000'


def test_eaf_round_trip_of_events_without_ids_and_awkward_notes() -> None:
    events = (
        Event("smile", 500, None, Subject.child, note='a\r\nb & <c> "d" één'),
        Event("warm_tone", 500, 800, Subject.parent),
        Event("soothe", 29_990, None, Subject.parent, id="a1"),
    )
    exported = export_eaf(imported(events))
    parsed = import_eaf(exported.encode(), SCHEME)
    # ELAN's own ids stand in for missing ones, and skip the ones in use.
    assert sorted(p.event.id or "" for p in parsed) == ["a1", "a2", "a3"]
    assert [p.event.note for p in parsed if p.event.code == "smile"] == [events[0].note]
    assert export_eaf(imported([p.event for p in parsed])) == exported
    assert 'NAME="lastUsedAnnotationId">3<' in exported


def test_eaf_link_to_a_mismatch_outside_the_set_is_not_carried() -> None:
    s = imported([Event("soothe", 1_000, None, Subject.parent, id="r9", repairs="gone")])
    (parsed,) = import_eaf(export_eaf(s).encode(), SCHEME)
    assert parsed.event.repairs is None
    assert "REF_LINK_SET" not in export_eaf(s)


# -- EAF import of files made in ELAN ----------------------------------------------------


def elan_file(tiers_xml: str, slots: str = "", extra: str = "") -> bytes:
    """A document shaped like one ELAN writes, around the given tiers."""
    default_slots = "".join(
        f'<TIME_SLOT TIME_SLOT_ID="ts{n}" TIME_VALUE="{n * 1000}"/>' for n in range(1, 9)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-03-01T10:00:00+01:00" FORMAT="3.0" VERSION="3.0">
    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
        <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/data/gezin.mp4" MIME_TYPE="video/mp4"/>
    </HEADER>
    <TIME_ORDER>{default_slots}{slots}</TIME_ORDER>
{tiers_xml}
    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt"
        TIME_ALIGNABLE="true"/>
    {extra}
</ANNOTATION_DOCUMENT>
""".encode()


def aligned(annotation_id: str, start: str, end: str, value: str) -> str:
    return (
        f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="{annotation_id}" '
        f'TIME_SLOT_REF1="{start}" TIME_SLOT_REF2="{end}">'
        f"<ANNOTATION_VALUE>{value}</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>"
    )


def test_eaf_import_of_a_hand_made_elan_file() -> None:
    data = elan_file(
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="Child gaze">'
        + aligned("a1", "ts1", "ts2", "Glimlach")
        + "</TIER>"
        '<TIER LINGUISTIC_TYPE_REF="default-lt" PARTICIPANT="Moeder" TIER_ID="Coder B">'
        + aligned("a2", "ts3", "ts5", "warm_tone")
        + aligned("a3", "ts6", "ts7", "joint_play")
        + "</TIER>"
        '<TIER LINGUISTIC_TYPE_REF="default-lt" PARENT_REF="Coder B" TIER_ID="Opmerkingen">'
        '<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a4" ANNOTATION_REF="a2">'
        "<ANNOTATION_VALUE>zachte stem</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>"
        "</TIER>"
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="empty"/>'
    )
    parsed = import_eaf(data, SCHEME)
    assert [(p.where, p.event) for p in parsed] == [
        (
            'tier "Child gaze" at 00:01.000',
            Event("smile", 1_000, None, Subject.child, id="a1", source=Source.imported),
        ),
        (
            'tier "Coder B" at 00:03.000',
            Event(
                "warm_tone",
                3_000,
                5_000,
                Subject.parent,
                "zachte stem",
                id="a2",
                source=Source.imported,
            ),
        ),
        (
            'tier "Coder B" at 00:06.000',
            Event("joint_play", 6_000, 7_000, Subject.parent, id="a3", source=Source.imported),
        ),
    ]
    assert [p.note for p in parsed] == [
        "smile is a moment, so the annotation of 1000 ms was read as a moment at its start",
        "",
        "",
    ]


def test_eaf_import_names_points_by_their_tier() -> None:
    data = elan_file(
        f'<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="child {DASH} positive (moments)">'
        + aligned("a1", "ts1", "ts2", "smile")
        + "</TIER>"
    )
    (parsed,) = import_eaf(data, SCHEME)
    assert (parsed.event.start_ms, parsed.event.end_ms, parsed.event.subject) == (
        1_000,
        None,
        Subject.child,
    )


# -- EAF problems ------------------------------------------------------------------------


def test_eaf_broken_xml_names_the_line() -> None:
    data = b'<?xml version="1.0"?>\n<ANNOTATION_DOCUMENT>\n<HEADER>\n</ANNOTATION_DOCUMENT>\n'
    problems = problems_of(lambda: import_eaf(data, SCHEME))
    assert wheres(problems) == ["line 4"]
    assert "mismatched tag" in problems[0].message
    assert "column 3" in problems[0].message


def test_eaf_doctype_and_entities_are_refused_before_parsing() -> None:
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        b"<ANNOTATION_DOCUMENT>&lol2;</ANNOTATION_DOCUMENT>\n"
    )
    problems = problems_of(lambda: import_eaf(laughs, SCHEME))
    assert wheres(problems) == ["line 2"]
    assert "DTDs and entities are not accepted" in problems[0].message


def test_eaf_other_xml_is_not_an_elan_file() -> None:
    problems = problems_of(lambda: import_eaf(b"<tt><body/></tt>", SCHEME))
    assert "ANNOTATION_DOCUMENT" in problems[0].message


@pytest.mark.parametrize("data", [b"", b"  \n"])
def test_eaf_empty_file(data: bytes) -> None:
    assert "empty" in problems_of(lambda: import_eaf(data, SCHEME))[0].message


def test_eaf_not_utf8() -> None:
    data = elan_file("").replace(b'AUTHOR=""', 'AUTHOR="Anké"'.encode("latin-1"))
    problems = problems_of(lambda: import_eaf(data, SCHEME))
    assert wheres(problems) == ["line 2"]
    assert "UTF-8" in problems[0].message


def test_eaf_time_slot_problems_are_all_reported() -> None:
    data = elan_file(
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="parent">'
        + aligned("a1", "ts1", "ts99", "warm_tone")
        + aligned("a2", "ts3", "loose", "warm_tone")
        + aligned("a3", "ts5", "ts4", "warm_tone")
        + aligned("a4", "ts6", "ts7", "warm_tone")
        + "</TIER>",
        slots='<TIME_SLOT TIME_SLOT_ID="loose"/><TIME_SLOT TIME_SLOT_ID="odd" TIME_VALUE="-5"/>',
    )
    problems = problems_of(lambda: import_eaf(data, SCHEME))
    assert wheres(problems) == [
        "TIME_SLOT odd",
        'tier "parent" at 00:01.000',
        'tier "parent" at 00:03.000',
        'tier "parent" at 00:05.000',
    ]
    assert "'ts99' is not a TIME_SLOT" in problems[1].message
    assert "loose has no TIME_VALUE" in problems[2].message
    assert "ends (4000 ms) before it starts (5000 ms)" in problems[3].message


def test_eaf_values_that_are_not_codes_are_reported_not_dropped() -> None:
    data = elan_file(
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="parent">'
        + aligned("a1", "ts1", "ts2", "warm_tone")
        + aligned("a2", "ts3", "ts4", "hug")
        + "</TIER>"
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="transcript">'
        + aligned("a3", "ts1", "ts2", "hoi schatje")
        + aligned("a4", "ts3", "ts4", "")
        + "</TIER>"
    )
    problems = problems_of(lambda: import_eaf(data, SCHEME))
    assert wheres(problems) == ['tier "parent" at 00:03.000', 'TIER "transcript"']
    assert "'hug' is not a code of scheme vf-basis version 2" in problems[0].message
    assert "'hoi schatje'" in problems[1].message


def test_eaf_references_to_nothing_are_reported() -> None:
    data = elan_file(
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="parent">'
        + aligned("a1", "ts1", "ts2", "intrusive")
        + aligned("a1", "ts3", "ts4", "intrusive")
        + "</TIER>"
        '<TIER LINGUISTIC_TYPE_REF="note" PARENT_REF="parent" TIER_ID="parent notes">'
        '<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="n1" ANNOTATION_REF="a9">'
        "<ANNOTATION_VALUE>?</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION></TIER>",
        extra='<REF_LINK_SET LINK_SET_ID="repairs">'
        '<CROSS_REF_LINK REF1="a7" REF2="a1" REF_LINK_ID="rl1"/></REF_LINK_SET>',
    )
    problems = problems_of(lambda: import_eaf(data, SCHEME))
    assert wheres(problems) == [
        'tier "parent" at 00:03.000',
        'tier "parent notes", annotation 1',
        'tier "parent" at 00:01.000',
    ]
    assert "used by another annotation" in problems[0].message
    assert "'a9' refers to no annotation" in problems[1].message
    assert "REF1 'a7' of a repair link refers to no annotation" in problems[2].message


def test_eaf_interval_of_a_moment_code_is_read_as_a_moment_with_a_note() -> None:
    data = elan_file(
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="Kind">'
        + aligned("a1", "ts2", "ts3", "Glimlach")
        + aligned("a2", "ts4", "ts5", "soothe")
        + "</TIER>",
    )
    read = exchange.read(data, "eaf", SCHEME, 30_000)
    assert [(e.code, e.start_ms, e.end_ms) for e in read.events] == [
        ("smile", 2_000, None),
        ("soothe", 4_000, 5_000),  # a code that may be either keeps its interval
    ]
    assert [str(note) for note in read.notes] == [
        'tier "Kind" at 00:02.000: smile is a moment, so the annotation of 1000 ms '
        "was read as a moment at its start"
    ]


def test_eaf_rule_problems_name_the_tier_and_time_not_the_annotation_id() -> None:
    data = elan_file(
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="Ouder">'
        + aligned("a1", "ts1", "ts1", "warm_tone")
        + "</TIER>"
        '<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="Ouder (moments)">'
        + aligned("a2", "ts8", "ts8", "warm_tone")
        + "</TIER>",
    )
    with pytest.raises(ImportProblem) as caught:
        exchange.read(data, "eaf", SCHEME, 120_000)
    assert [p.where for p in caught.value.problems] == [
        'tier "Ouder" at 00:01.000',
        'tier "Ouder (moments)" at 00:08.000',
    ]
    assert all("a1" not in str(p) and "a2" not in str(p) for p in caught.value.problems)
