"""The coding scheme every organisation starts with.

Built on the principles of attuned interaction used in Video Interaction
Guidance / video-hometraining, with infant engagement and parent states from
infant-mental-health practice, and the markers the feedback loop needs:
``MISMATCH`` and ``REPAIR`` for the supervision conversation,
``BETTER_THAN_USUAL`` for candidate clips to show the parents and ``STILL``
for a frame to freeze on. Labels and descriptions are our own words;
organisations with a licensed manual add their own scheme next to this one.

Changing a code here means publishing a new ``VERSION``: annotations keep
the version they were coded with. Every version stays here, so each database
has all of them (sets coded with version 1 keep reading it) and new sets get
the newest.

Version 2 follows the baby's side of the trajectory: the baby's initiatives
(looking, a sound, a gesture, reaching out) as their own category, the codes
that receive them (linked to the initiative with ``responds_to``, so the
response time is worked out) and the turn that comes back; comforting and
calming together; signs that it is too much for the baby; and what kind of
mismatch it was. Who repaired a mismatch is the repair's subject or person.
"""

from __future__ import annotations

import dataclasses

from services.annotate.domain import Category, Code, Kind, Scale, Scheme, Subject

KEY = "attuned-interaction"
VERSION = 2

_P, _C, _B = Subject.parent, Subject.child, Subject.both
_POS, _MIS, _REP, _CTX, _OTH = (Category.positive, Category.mismatch, Category.repair,
                                Category.context, Category.other)
_INI = Category.initiative

CODES_V1: tuple[Code, ...] = (
    # Principles of attuned interaction: moments that go well.
    Code("ATTENTIVE", "Being attentive", "Aandachtig zijn", _POS, Kind.either, _P,
         "The parent looks at, turns towards or waits for the baby, showing interest.",
         "1", "#2e7d32"),
    Code("ENCOURAGING_INITIATIVES", "Encouraging initiatives", "Initiatieven aanmoedigen",
         _POS, Kind.point, _P,
         "The parent waits, smiles or nods so the baby can take an initiative.",
         "2", "#388e3c"),
    Code("RECEIVING_INITIATIVES", "Receiving initiatives", "Initiatieven ontvangen",
         _POS, Kind.point, _P,
         "The parent notices and answers the baby's sound, look or movement.",
         "3", "#43a047"),
    Code("TURN_TAKING", "Attuned turn-taking", "Afgestemde beurtwisseling",
         _POS, Kind.segment, _B,
         "Parent and baby take turns, each waiting for and answering the other.",
         "4", "#4caf50"),
    Code("GUIDING", "Guiding", "Leiding geven", _POS, Kind.either, _P,
         "The parent guides the baby through a routine step by step, at the baby's pace.",
         "5", "#66bb6a"),
    Code("SHARED_JOY", "Shared joy", "Gedeeld plezier", _POS, Kind.either, _B,
         "Parent and baby enjoy a moment together: mutual smiles, laughter, delight.",
         "6", "#81c784"),
    Code("NAMING", "Naming", "Benoemen", _POS, Kind.point, _P,
         "The parent puts into words what the baby does, feels or wants, or what happens.",
         "7", "#a5d6a7"),
    # Infant engagement states.
    Code("INFANT_POSITIVE", "Infant positive engagement", "Baby positief betrokken",
         _POS, Kind.segment, _C,
         "The baby looks at the parent with a neutral or positive face, vocalises, smiles.",
         "q", "#1565c0"),
    Code("GAZE_AVERSION", "Gaze aversion", "Baby kijkt weg", _OTH, Kind.segment, _C,
         "The baby turns eyes or head away from the parent: often a sign of too much.",
         "w", "#ef6c00"),
    Code("PROTEST", "Protest or crying", "Protest of huilen", _OTH, Kind.segment, _C,
         "The baby fusses, protests, pushes away or cries.", "e", "#d84315"),
    # Parent states that stand in the way of attunement.
    Code("INTRUSIVE", "Intrusive", "Opdringerig", _OTH, Kind.segment, _P,
         "The parent goes on while the baby signals to stop, or takes over the baby's play.",
         "r", "#8e24aa"),
    Code("NOT_INFANT_FOCUSED", "Not infant-focused", "Niet op de baby gericht",
         _OTH, Kind.segment, _P,
         "The parent's attention is elsewhere: phone, another person, the task alone.",
         "t", "#6a1b9a"),
    # Mismatch and repair.
    Code("MISMATCH", "Mismatch", "Mismatch", _MIS, Kind.segment, _B,
         "Parent and baby are out of step: a signal is missed or answered out of tune.",
         "m", "#c62828"),
    Code("REPAIR", "Repair", "Herstel", _REP, Kind.either, _B,
         "Parent and baby find each other again after a mismatch. Link it to the mismatch "
         "it repairs: the time it took is worked out from that.", "h", "#00897b"),
    # What is going on.
    Code("CONTEXT_BATH", "Bathing", "Badje", _CTX, Kind.segment, _B, "", "b", "#546e7a"),
    Code("CONTEXT_FEEDING", "Feeding", "Voeden", _CTX, Kind.segment, _B, "", "v", "#607d8b"),
    Code("CONTEXT_DRESSING", "Dressing", "Aankleden", _CTX, Kind.segment, _B, "", "a",
         "#78909c"),
    Code("CONTEXT_PLAY", "Play", "Spelen", _CTX, Kind.segment, _B, "", "s", "#90a4ae"),
    # For the feedback visit.
    Code("BETTER_THAN_USUAL", "Better than usual", "Beter dan gewoonlijk", _POS, Kind.segment,
         _B, "A stretch that goes better than usual: a candidate clip to show the parents.",
         "x", "#f9a825"),
    Code("STILL", "Still frame", "Stilstaand beeld", _OTH, Kind.point, _B,
         "A frame to freeze on during the feedback visit.", "f", "#fdd835"),
)

SCALES: tuple[Scale, ...] = (
    Scale("sensitivity", "Parental sensitivity", "Sensitiviteit ouder", 1, 7,
          "How promptly and fittingly the parent notices and answers the baby's signals."),
    Scale("structuring", "Structuring", "Structureren", 1, 7,
          "How well the parent guides the interaction at a pace the baby can follow."),
    Scale("non_intrusiveness", "Non-intrusiveness", "Niet-opdringerigheid", 1, 7,
          "How much room the parent leaves for the baby's own initiatives."),
    Scale("child_responsiveness", "Child responsiveness", "Responsiviteit kind", 1, 7,
          "How readily the baby responds to and engages the parent."),
    Scale("overall_sensitivity", "Overall sensitivity (1-9)", "Algemene sensitiviteit (1-9)",
          1, 9, "A global 9-point judgement of the parent's sensitivity over the whole clip."),
)

SCHEME_V1 = Scheme(
    key=KEY, name="Attuned interaction (VIG)", version=1, codes=CODES_V1, scales=SCALES,
    description="Moments of attuned interaction, infant and parent states, mismatch and "
                "repair, context, and markers for the feedback visit.")

#: Version 1's codes that answer the baby, in version 2 marked as receiving.
_RECEIVING = {"RECEIVING_INITIATIVES", "TURN_TAKING", "NAMING"}
_DESCRIPTIONS = {
    "RECEIVING_INITIATIVES": "The parent notices and answers the baby's sound, look or "
                             "movement. Link it to the initiative it answers: the response "
                             "time is worked out from that.",
    "REPAIR": "Parent and baby find each other again after a mismatch. Link it to the "
              "mismatch it repairs, and say who repaired it (subject or person): the time "
              "it took is worked out from that.",
}


def _v2(code: Code) -> Code:
    return dataclasses.replace(code, receives=code.key in _RECEIVING,
                               description=_DESCRIPTIONS.get(code.key, code.description))


CODES_V2: tuple[Code, ...] = (
    *(_v2(code) for code in CODES_V1),
    # The baby's initiatives: what a parent can receive.
    Code("INITIATIVE_LOOK", "Baby looks (initiative)", "Baby kijkt (initiatief)", _INI,
         Kind.either, _C, "The baby seeks the parent's eyes or looks at something on purpose, "
         "as if to start contact.", "u", "#0277bd"),
    Code("INITIATIVE_SOUND", "Baby makes a sound (initiative)", "Baby maakt geluid "
         "(initiatief)", _INI, Kind.either, _C, "The baby coos, babbles or calls out, as an "
         "opening for the parent.", "i", "#0288d1"),
    Code("INITIATIVE_GESTURE", "Baby gestures (initiative)", "Baby gebaart (initiatief)",
         _INI, Kind.either, _C, "The baby shows something with face, hands or body: a smile, "
         "a raised arm, a kick of joy.", "o", "#039be5"),
    Code("INITIATIVE_REACH", "Baby reaches out (initiative)", "Baby reikt uit (initiatief)",
         _INI, Kind.either, _C, "The baby stretches towards the parent or a thing, or "
         "grasps for it.", "p", "#03a9f4"),
    Code("TURN_RETURNED", "Baby takes the next turn", "Baby neemt de volgende beurt",
         _POS, Kind.point, _C, "After the parent's answer the baby answers back: the chain "
         "goes on. Link it to the initiative that started the chain.", "8", "#26a69a",
         receives=True),
    # Comforting and regulating together.
    Code("COMFORTING", "Comforting", "Troosten", _POS, Kind.either, _P,
         "The parent responds to the baby's distress with closeness, voice or touch that "
         "helps the baby settle.", "9", "#7cb342"),
    Code("CALMING_TOGETHER", "Calming together", "Samen kalmeren", _POS, Kind.segment, _B,
         "Parent and baby come to rest together: breathing, rocking or voice slow down and "
         "the baby's tension eases.", "0", "#9ccc65"),
    # Signs that it is too much for the baby.
    Code("STRESS_SIGNS", "Signs of overload", "Signalen van overbelasting", _OTH,
         Kind.either, _C, "The baby shows it is too much: yawning, hiccups, splayed fingers, "
         "arching, a change of colour.", "d", "#ff8f00"),
    Code("WITHDRAWING", "Baby withdraws", "Baby trekt zich terug", _OTH, Kind.segment, _C,
         "The baby shuts off: a blank stare, going limp, falling asleep suddenly.", "g",
         "#f57c00"),
    # Which kind of mismatch: the general MISMATCH stays for anything else.
    Code("MISSED_SIGNAL", "Missed signal", "Signaal gemist", _MIS, Kind.segment, _B,
         "The baby gives a signal and the parent does not notice it. Link it to the "
         "initiative that was missed.", "j", "#b71c1c", receives=True),
    Code("MISREAD_SIGNAL", "Misread signal", "Signaal verkeerd begrepen", _MIS, Kind.segment,
         _B, "The parent notices the baby's signal but answers as if it meant something "
         "else. Link it to the initiative that was misread.", "k", "#d32f2f", receives=True),
    Code("OVERSTIMULATION", "Too much at once", "Overprikkeling", _MIS, Kind.segment, _B,
         "More sound, movement or play than the baby can take in at that moment.", "l",
         "#e53935"),
    Code("INTERRUPTION", "Interruption", "Onderbreking", _MIS, Kind.segment, _B,
         "The contact breaks off from outside: a phone, another person, a task.", "c",
         "#ef5350"),
)

SCHEME_V2 = dataclasses.replace(
    SCHEME_V1, version=2, codes=CODES_V2,
    description="Moments of attuned interaction, the baby's initiatives and how they are "
                "received, comforting and calming together, signs of overload, kinds of "
                "mismatch and their repair, context, and markers for the feedback visit.")

#: Every version, oldest first; the last is the one new sets get.
SCHEMES: tuple[Scheme, ...] = (SCHEME_V1, SCHEME_V2)
SCHEME = SCHEMES[-1]
assert SCHEME.version == VERSION
