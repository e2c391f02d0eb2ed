"""The coding scheme every organisation starts with.

Built on the principles of attuned interaction used in Video Interaction
Guidance / video-hometraining, with infant engagement and parent states from
infant-mental-health practice, and the markers the feedback loop needs:
``MISMATCH`` and ``REPAIR`` for the supervision conversation,
``BETTER_THAN_USUAL`` for candidate clips to show the parents and ``STILL``
for a frame to freeze on. Labels and descriptions are our own words;
organisations with a licensed manual add their own scheme next to this one.

Changing a code here means publishing a new ``VERSION``: annotations keep
the version they were coded with.
"""

from __future__ import annotations

from services.annotate.domain import Category, Code, Kind, Scale, Scheme, Subject

KEY = "attuned-interaction"
VERSION = 1

_P, _C, _B = Subject.parent, Subject.child, Subject.both
_POS, _MIS, _REP, _CTX, _OTH = (Category.positive, Category.mismatch, Category.repair,
                                Category.context, Category.other)

CODES: tuple[Code, ...] = (
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

SCHEME = Scheme(
    key=KEY, name="Attuned interaction (VIG)", version=VERSION, codes=CODES, scales=SCALES,
    description="Moments of attuned interaction, infant and parent states, mismatch and "
                "repair, context, and markers for the feedback visit.")
