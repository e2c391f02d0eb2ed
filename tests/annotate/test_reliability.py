"""Inter-coder reliability on hand-built codings whose agreement is worked out by hand.

Every expected number below is computed in the comments from the 2x2 table
or the pairs, so a failing test says which definition changed.
"""

from __future__ import annotations

import json
import math

import pytest
from pydantic import TypeAdapter

from services.annotate.domain import Event
from services.annotate.reliability import (
    Kappa,
    ReliabilityReport,
    UnitCounts,
    compare,
    landis_koch_band,
)

S = 1000  # ms in a second
CLIP = 100 * S  # 100 units of 1 s: enough that no short-clip warning interferes


def seg(code: str, start_s: float, end_s: float) -> Event:
    return Event(code, int(start_s * S), int(end_s * S))


def pt(code: str, at_s: float) -> Event:
    return Event(code, int(at_s * S))


def has_note(notes: tuple[str, ...], text: str) -> bool:
    return any(text in n for n in notes)


# Table of the textbook example, built from segments over 100 units of 1 s:
#   A marks units 0-24, B marks units 0-19 and 25-34
#   both 20 (0-19), only A 5 (20-24), only B 10 (25-34), neither 65
#   p_o = (20 + 65) / 100 = 0.85
#   pA = 25/100, pB = 30/100; p_e = 0.25 * 0.30 + 0.75 * 0.70 = 0.075 + 0.525 = 0.60
#   kappa = (0.85 - 0.60) / (1 - 0.60) = 0.625
TEXTBOOK_A = [seg("SHARED_JOY", 0, 25)]
TEXTBOOK_B = [seg("SHARED_JOY", 0, 20), seg("SHARED_JOY", 25, 35)]


# --------------------------------------------------------------------------- kappa


def test_identical_codings_agree_perfectly() -> None:
    coding = [
        seg("SHARED_JOY", 10, 20),
        seg("SHARED_JOY", 50, 58),
        pt("TOUCH", 3.2),
        pt("TOUCH", 70),
        seg("REPAIR", 30, 33),
    ]
    report = compare(coding, list(coding), CLIP)

    assert report.codes == ("REPAIR", "SHARED_JOY", "TOUCH")
    for code in report.per_code:
        assert code.kappa.value == 1.0
        assert code.kappa.band == "almost perfect"
        assert code.events.agreement == 1.0
        assert code.events.mean_onset_diff_ms == 0
    assert report.overall.pooled_kappa == 1.0
    assert report.overall.mean_kappa == 1.0
    assert report.overall.events.matched == 5
    assert report.overall.events.agreement == 1.0
    assert has_note(report.notes, "The two coders agree almost perfectly on SHARED_JOY (κ = 1.00")


def test_textbook_table_from_segments() -> None:
    report = compare(TEXTBOOK_A, TEXTBOOK_B, CLIP)
    joy = report.code("SHARED_JOY")
    assert joy is not None

    counts = joy.kappa.counts
    assert (counts.both, counts.only_a, counts.only_b, counts.neither) == (20, 5, 10, 65)
    assert joy.kappa.p_o == pytest.approx(0.85)
    assert joy.kappa.p_e == pytest.approx(0.60)
    assert joy.kappa.value == pytest.approx(0.625)
    assert joy.kappa.band == "substantial"
    assert has_note(
        report.notes,
        "The two coders agree substantially on SHARED_JOY (κ = 0.62 over 1 s units): "
        "they marked it in the same seconds far more often than chance would give.",
    )


def test_half_a_unit_is_enough_and_less_is_not() -> None:
    # A ends at 24.5 s: unit 24 is covered for 500 of 1000 ms, exactly half -> marked,
    # so the table is still the textbook one.
    half = compare([seg("SHARED_JOY", 0, 24.5)], TEXTBOOK_B, CLIP).code("SHARED_JOY")
    # A ends at 24.499 s: unit 24 is covered for 499 ms -> not marked; A has 24 units:
    #   both 20, only A 4, only B 10, neither 66; p_o = 0.86
    #   p_e = 0.24 * 0.30 + 0.76 * 0.70 = 0.072 + 0.532 = 0.604
    #   kappa = (0.86 - 0.604) / 0.396 = 0.6465
    less = compare([Event("SHARED_JOY", 0, 24_499)], TEXTBOOK_B, CLIP).code("SHARED_JOY")
    assert half is not None and less is not None

    assert half.kappa.counts.only_a == 5
    assert half.kappa.value == pytest.approx(0.625)
    assert less.kappa.counts.only_a == 4
    assert less.kappa.value == pytest.approx(0.256 / 0.396)


def test_back_to_back_segments_together_fill_a_unit() -> None:
    # 0.0-0.3 s and 0.3-0.6 s: neither alone is half of unit 0, together they are 600 ms.
    a = [seg("SHARED_JOY", 0, 0.3), seg("SHARED_JOY", 0.3, 0.6), seg("SHARED_JOY", 10, 20)]
    b = [seg("SHARED_JOY", 0, 1), seg("SHARED_JOY", 10, 20)]
    joy = compare(a, b, CLIP).code("SHARED_JOY")
    assert joy is not None
    assert joy.kappa.counts.both == 11
    assert joy.kappa.value == 1.0


def test_shorter_units_change_the_grid() -> None:
    # With 500 ms units the textbook clip has 200 units and every count doubles;
    # kappa is unchanged because the segment edges fall on whole seconds.
    report = compare(TEXTBOOK_A, TEXTBOOK_B, CLIP, unit_ms=500)
    joy = report.code("SHARED_JOY")
    assert joy is not None
    assert report.units == 200
    counts = joy.kappa.counts
    assert (counts.both, counts.only_a, counts.only_b, counts.neither) == (40, 10, 20, 130)
    assert joy.kappa.value == pytest.approx(0.625)
    assert has_note(report.notes, "(κ = 0.62 over 0.5 s units)")
    assert has_note(report.notes, "in the same 0.5 s units")


def test_disjoint_codings_are_at_or_below_chance() -> None:
    # A marks the first half, B the second: both 0, only A 50, only B 50, neither 0.
    #   p_o = 0; p_e = 0.5 * 0.5 + 0.5 * 0.5 = 0.5; kappa = (0 - 0.5) / 0.5 = -1
    report = compare([seg("SHARED_JOY", 0, 50)], [seg("SHARED_JOY", 50, 100)], CLIP)
    joy = report.code("SHARED_JOY")
    assert joy is not None
    assert joy.kappa.value is not None and joy.kappa.value <= 0
    assert joy.kappa.value == pytest.approx(-1.0)
    assert joy.kappa.band == "less than chance"
    assert joy.events.matched == 0
    assert joy.events.agreement == 0.0
    assert has_note(report.notes, "agree less than chance on SHARED_JOY (κ = -1.00")


def test_code_nobody_used_has_no_kappa_and_says_so() -> None:
    report = compare(TEXTBOOK_A, TEXTBOOK_B, CLIP, codes=["SHARED_JOY", "GAZE_AVERSION"])
    gaze = report.code("GAZE_AVERSION")
    assert gaze is not None
    assert gaze.kappa.value is None
    assert gaze.kappa.undefined_reason == "not_used"
    assert gaze.kappa.counts.neither == 100
    assert gaze.events.agreement is None
    assert "Neither coder used GAZE_AVERSION, so there is nothing to compare." in report.notes
    # Only the defined kappa counts towards the mean, and an unused code leaves the
    # pooled kappa as it was.
    assert report.overall.codes_with_kappa == 1
    assert report.overall.mean_kappa == pytest.approx(0.625)
    assert report.overall.pooled_kappa == pytest.approx(0.625)


def test_code_both_marked_throughout_has_no_kappa() -> None:
    report = compare([seg("CONTEXT", 0, 100)], [seg("CONTEXT", 0, 100)], CLIP)
    context = report.code("CONTEXT")
    assert context is not None
    assert context.kappa.value is None
    assert context.kappa.undefined_reason == "everywhere"
    assert context.kappa.p_o == 1.0
    assert context.events.agreement == 1.0
    assert has_note(report.notes, "Both coders marked CONTEXT throughout the whole clip")
    assert report.overall.pooled_kappa is None


def test_code_too_short_for_the_units_has_no_kappa() -> None:
    # 200 ms episodes never fill half a 1 s unit, but the events still pair up.
    report = compare([seg("GLANCE", 5, 5.2)], [seg("GLANCE", 5.1, 5.3)], CLIP)
    glance = report.code("GLANCE")
    assert glance is not None
    assert glance.kappa.value is None
    assert glance.kappa.undefined_reason == "never_in_units"
    assert glance.events.matched == 1
    assert has_note(report.notes, "GLANCE never fills half of a 1 s unit")


# --------------------------------------------------------------------------- events


@pytest.mark.parametrize(
    ("b_at_ms", "tolerance_ms", "matched"),
    [
        (6000, 1000, 1),  # 1000 ms apart, tolerance ±1000: the boundary itself matches
        (6001, 1000, 0),  # 1001 ms apart: just outside
        (4000, 1000, 1),  # earlier by 1000 ms: same rule either way
        (5500, 500, 1),
        (5501, 500, 0),
        (5000, 0, 1),  # zero tolerance: only the very same millisecond
        (5001, 0, 0),
    ],
)
def test_tolerance_boundary(b_at_ms: int, tolerance_ms: int, matched: int) -> None:
    report = compare(
        [Event("TOUCH", 5000)], [Event("TOUCH", b_at_ms)], CLIP, tolerance_ms=tolerance_ms
    )
    touch = report.code("TOUCH")
    assert touch is not None
    assert touch.events.matched == matched
    assert touch.events.only_a == 1 - matched
    assert touch.events.only_b == 1 - matched


def test_pairing_is_one_to_one() -> None:
    # Two A moments near one B moment: one pair (the closer, 5.2 vs 5.3 s), one A alone.
    #   agreement = 1 / (1 + 1 + 0) = 0.5; precision (B against A) = 1/1; recall = 1/2
    #   F1 = 2 * 1 / (2 * 1 + 1 + 0) = 2/3
    a = [pt("TOUCH", 5), pt("TOUCH", 5.2)]
    b = [pt("TOUCH", 5.3)]
    touch = compare(a, b, CLIP).code("TOUCH")
    assert touch is not None
    ev = touch.events
    assert (ev.matched, ev.only_a, ev.only_b) == (1, 1, 0)
    assert ev.agreement == pytest.approx(0.5)
    assert ev.precision == pytest.approx(1.0)
    assert ev.recall == pytest.approx(0.5)
    assert ev.f1 == pytest.approx(2 / 3)
    assert ev.mean_onset_diff_ms == pytest.approx(100)
    assert [(m.a_index, m.b_index) for m in ev.matches] == [(1, 0)]
    assert ev.unmatched_a == (0,)


def test_pairing_finds_the_most_pairs() -> None:
    # A at 0 and 1.0 s, B at 0.9 and 1.9 s. Taking the closest pair first (1.0-0.9)
    # would leave 0 and 1.9 unpaired; pairing 0-0.9 and 1.0-1.9 keeps both.
    a = [pt("TOUCH", 0), pt("TOUCH", 1)]
    b = [pt("TOUCH", 0.9), pt("TOUCH", 1.9)]
    touch = compare(a, b, CLIP).code("TOUCH")
    assert touch is not None
    assert touch.events.matched == 2
    assert touch.events.agreement == 1.0
    assert touch.events.mean_onset_diff_ms == pytest.approx(900)


def test_segments_must_also_end_within_tolerance() -> None:
    # Same start; B ends 3 s later than A: not the same episode.
    a = [seg("SHARED_JOY", 10, 15)]
    b = [seg("SHARED_JOY", 10, 18)]
    joy = compare(a, b, CLIP).code("SHARED_JOY")
    assert joy is not None
    assert (joy.events.matched, joy.events.only_a, joy.events.only_b) == (0, 1, 1)
    # Ends 1 s apart: within ±1 s, so they pair.
    close = compare(a, [seg("SHARED_JOY", 10.5, 16)], CLIP).code("SHARED_JOY")
    assert close is not None
    assert close.events.matched == 1
    assert close.events.matches[0].onset_diff_ms == 500
    assert close.events.matches[0].offset_diff_ms == 1000


def test_points_and_segments_mixed() -> None:
    # REPAIR may be a gesture (moment) or a stretch (segment): A marks a moment at
    # 40.2 s, B a stretch 40.5-43 s. They pair on onset (300 ms apart).
    # In units: A marks unit 40 (the moment falls in it); B marks 40, 41, 42
    # (40.5-41 is half of unit 40). Over 100 units:
    #   both 1, only A 0, only B 2, neither 97; p_o = 0.98
    #   p_e = 0.01 * 0.03 + 0.99 * 0.97 = 0.0003 + 0.9603 = 0.9606
    #   kappa = (0.98 - 0.9606) / (1 - 0.9606) = 0.0194 / 0.0394 = 0.4924
    # TOUCH moments: A 3.2 s and 70 s, B 3.9 s: one pair, one only A.
    a = [pt("REPAIR", 40.2), pt("TOUCH", 3.2), pt("TOUCH", 70), seg("SHARED_JOY", 10, 20)]
    b = [seg("REPAIR", 40.5, 43), pt("TOUCH", 3.9), seg("SHARED_JOY", 10.4, 20.6)]
    report = compare(a, b, CLIP)
    repair, touch, joy = report.code("REPAIR"), report.code("TOUCH"), report.code("SHARED_JOY")
    assert repair is not None and touch is not None and joy is not None

    counts = repair.kappa.counts
    assert (counts.both, counts.only_a, counts.only_b, counts.neither) == (1, 0, 2, 97)
    assert repair.kappa.value == pytest.approx(0.0194 / 0.0394)
    assert repair.kappa.band == "moderate"
    assert repair.events.matched == 1
    assert repair.events.matches[0].onset_diff_ms == 300
    assert repair.events.matches[0].offset_diff_ms is None

    assert (touch.events.matched, touch.events.only_a, touch.events.only_b) == (1, 1, 0)
    assert joy.events.matched == 1  # starts 0.4 s apart, ends 0.6 s apart

    # All codes: 3 pairs, 1 only A, 0 only B -> 3 / 4
    assert report.overall.events.matched == 3
    assert report.overall.events.agreement == pytest.approx(0.75)
    assert has_note(report.notes, "For TOUCH, of 2 moments, 1 was marked by both coders")
    assert has_note(
        report.notes, "For REPAIR, of 1 event, 1 was marked by both coders within ±1 s."
    )
    assert has_note(report.notes, "TOUCH is marked as moments")


def test_event_sentence_for_a_professional() -> None:
    # 10 moments both coders marked (B 0.3 s later), 1 only A, 1 only B: 12 moments.
    a = [pt("SHARED_JOY", 5 * i) for i in range(1, 11)] + [pt("SHARED_JOY", 80)]
    b = [pt("SHARED_JOY", 5 * i + 0.3) for i in range(1, 11)] + [pt("SHARED_JOY", 90)]
    report = compare(a, b, CLIP)
    assert (
        "For SHARED_JOY, of 12 moments, 10 were marked by both coders within ±1 s; "
        "1 only by coder A and 1 only by coder B." in report.notes
    )
    assert "Of 12 events over all codes, 10 were marked by both coders within ±1 s (83%)." in (
        report.notes
    )


# --------------------------------------------------------------------------- overall


def test_per_code_and_overall_numbers() -> None:
    # SHARED_JOY: the textbook table, p_o 0.85, p_e 0.60, kappa 0.625.
    # MISMATCH: disjoint halves, p_o 0, p_e 0.5, kappa -1.
    # Pooled (De Vries et al. 2008): sum(p_o - p_e) / sum(1 - p_e)
    #   = (0.25 - 0.5) / (0.40 + 0.50) = -0.25 / 0.90 = -0.2778
    # Mean of the per-code kappas: (0.625 - 1) / 2 = -0.1875
    # Overall p_o: (85 + 0) / 200 decisions = 0.425
    a = [*TEXTBOOK_A, seg("MISMATCH", 0, 50)]
    b = [*TEXTBOOK_B, seg("MISMATCH", 50, 100)]
    report = compare(a, b, CLIP)
    overall = report.overall

    assert [c.code for c in report.per_code] == ["MISMATCH", "SHARED_JOY"]
    assert overall.pooled_kappa == pytest.approx(-0.25 / 0.90)
    assert overall.band == "less than chance"
    assert overall.mean_kappa == pytest.approx(-0.1875)
    assert overall.codes_with_kappa == 2
    assert overall.p_o == pytest.approx(0.425)
    totals = overall.counts
    assert (totals.both, totals.only_a, totals.only_b, totals.neither) == (20, 55, 60, 65)
    # Events: SHARED_JOY 0-25 vs 0-20 / 25-35, MISMATCH 0-50 vs 50-100: no pairs.
    assert (overall.events.matched, overall.events.only_a, overall.events.only_b) == (0, 2, 3)
    assert has_note(report.notes, "Over all codes together, the two coders agree less than chance")


def test_codes_default_to_the_ones_used_and_can_be_restricted() -> None:
    a = [pt("TOUCH", 3), seg("SHARED_JOY", 10, 20)]
    b = [pt("TOUCH", 3), pt("OTHER", 50)]
    assert compare(a, b, CLIP).codes == ("OTHER", "SHARED_JOY", "TOUCH")

    report = compare(a, b, CLIP, codes=["TOUCH", "SHARED_JOY"])
    assert report.codes == ("TOUCH", "SHARED_JOY")
    assert has_note(report.notes, "1 event with codes outside the comparison (OTHER) was left out.")


# --------------------------------------------------------------------------- notes


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.3, "less than chance"),
        (-0.01, "less than chance"),
        (0.0, "slight"),
        (0.20, "slight"),
        (0.21, "fair"),
        (0.40, "fair"),
        (0.41, "moderate"),
        (0.60, "moderate"),
        (0.61, "substantial"),
        (0.80, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
    ],
)
def test_landis_koch_bands(kappa: float, band: str) -> None:
    assert landis_koch_band(kappa) == band


def test_short_clip_warns_that_kappa_is_unstable() -> None:
    short = compare([seg("SHARED_JOY", 2, 6)], [seg("SHARED_JOY", 2, 7)], 20 * S)
    assert short.units == 20
    assert has_note(short.notes, "The clip has only 20 units of 1 s")
    assert has_note(short.notes, "kappa is unstable")
    assert short.notes[0].startswith("The clip has only")  # warnings come first

    long_enough = compare([seg("SHARED_JOY", 2, 6)], [seg("SHARED_JOY", 2, 7)], 30 * S)
    assert not has_note(long_enough.notes, "unstable")


def test_events_past_the_clip_end_are_pointed_out() -> None:
    # A's episode runs 5 s past the end: only units 90-99 count for it.
    report = compare([seg("SHARED_JOY", 90, 105)], [seg("SHARED_JOY", 90, 100)], CLIP)
    joy = report.code("SHARED_JOY")
    assert joy is not None
    assert joy.kappa.counts.both == 10
    assert joy.kappa.value == 1.0
    assert has_note(report.notes, "1 event run past the end of the clip")


def test_nothing_coded_at_all() -> None:
    report = compare([], [], CLIP)
    assert report.per_code == ()
    assert report.overall.pooled_kappa is None
    assert report.overall.p_o is None
    assert report.overall.events.agreement is None
    assert report.notes == ("Neither coder marked anything to compare on this clip.",)


# --------------------------------------------------------------------------- API shape


def test_report_is_plain_json() -> None:
    """The report is the API's response model: its JSON as FastAPI writes it."""
    report = compare(TEXTBOOK_A, TEXTBOOK_B, CLIP, codes=["SHARED_JOY", "GAZE_AVERSION"])
    data = json.loads(TypeAdapter(ReliabilityReport).dump_json(report))

    assert data["unit_ms"] == 1000
    assert data["tolerance_ms"] == 1000
    assert data["units"] == 100
    joy, gaze = data["per_code"]
    assert joy["code"] == "SHARED_JOY"
    assert joy["kappa"]["value"] == pytest.approx(0.625)
    assert joy["kappa"]["counts"] == {
        "both": 20, "only_a": 5, "only_b": 10, "neither": 65, "total": 100
    }
    assert joy["events"]["only_b"] == 2
    assert gaze["kappa"]["value"] is None
    assert gaze["kappa"]["undefined_reason"] == "not_used"
    assert data["overall"]["pooled_kappa"] == pytest.approx(0.625)
    assert data["notes"] == list(report.notes)
    assert joy["events"]["total"] == joy["events"]["matched"] + 2 + joy["events"]["only_a"]


def test_json_has_no_nan() -> None:
    """JSON has no NaN or infinity: a number that is not one is written as null."""
    kappa = Kappa(math.nan, math.inf, 1.0, UnitCounts(0, 0, 0, 4))
    assert json.loads(TypeAdapter(Kappa).dump_json(kappa))["value"] is None
    assert json.loads(TypeAdapter(Kappa).dump_json(kappa))["p_o"] is None


@pytest.mark.parametrize(
    ("duration_ms", "unit_ms", "tolerance_ms", "message"),
    [
        (0, 1000, 1000, "duration_ms must be more than 0 ms, got 0"),
        (-5, 1000, 1000, "duration_ms must be more than 0 ms, got -5"),
        (CLIP, 0, 1000, "unit_ms must be more than 0 ms, got 0"),
        (CLIP, 1000, -1, "tolerance_ms cannot be negative, got -1"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(
    duration_ms: int, unit_ms: int, tolerance_ms: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        compare(TEXTBOOK_A, TEXTBOOK_B, duration_ms, unit_ms=unit_ms, tolerance_ms=tolerance_ms)


def test_event_ending_before_it_starts_is_refused() -> None:
    backwards = Event("TOUCH", 2000, 1000)
    with pytest.raises(ValueError, match=r"coder B's TOUCH event ends \(1000 ms\) before it"):
        compare([], [backwards], CLIP)
