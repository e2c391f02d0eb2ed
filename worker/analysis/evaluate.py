"""Agreement between suggestions and reference annotations, by onset.

A suggestion matches a reference event of the same code when their onsets are
at most ``tolerance_ms`` apart; matching is one-to-one, closest pairs first,
so two suggestions near one event count as one hit and one false alarm. This
is how suggestions are scored on the synthetic bench and how accepted
suggestions can be compared with manual coding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Coded(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def start_ms(self) -> int: ...


Reference = tuple[str, int, int | None]
"""(code, start_ms, end_ms); end_ms is None for a moment."""


@dataclass(frozen=True)
class CodeScore:
    """Counts for one code; ``onset_errors_ms`` is suggested minus reference onset per hit."""

    code: str
    true_positives: int
    false_positives: int
    false_negatives: int
    onset_errors_ms: tuple[int, ...] = field(default=())

    @property
    def precision(self) -> float:
        claimed = self.true_positives + self.false_positives
        return self.true_positives / claimed if claimed else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def __add__(self, other: CodeScore) -> CodeScore:
        if other.code != self.code:
            raise ValueError(f"cannot add scores of {self.code} and {other.code}")
        return CodeScore(
            self.code,
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.onset_errors_ms + other.onset_errors_ms,
        )


def _match(found: Sequence[int], expected: Sequence[int], tolerance_ms: int) -> list[int]:
    pairs = sorted(
        (abs(f - e), i, j)
        for i, f in enumerate(found)
        for j, e in enumerate(expected)
        if abs(f - e) <= tolerance_ms
    )
    used_found: set[int] = set()
    used_expected: set[int] = set()
    errors: list[int] = []
    for _, i, j in pairs:
        if i in used_found or j in used_expected:
            continue
        used_found.add(i)
        used_expected.add(j)
        errors.append(found[i] - expected[j])
    return errors


def evaluate(
    suggestions: Iterable[Coded],
    truth: Iterable[Reference],
    tolerance_ms: int = 1000,
    codes: Iterable[str] | None = None,
) -> dict[str, CodeScore]:
    """Per code: hits, false alarms, misses and onset errors (one-to-one onset matching).

    ``codes`` limits the scoring; by default every code in either list is scored.
    """
    found: dict[str, list[int]] = {}
    for s in suggestions:
        found.setdefault(s.code, []).append(int(s.start_ms))
    expected: dict[str, list[int]] = {}
    for code, start_ms, _end_ms in truth:
        expected.setdefault(code, []).append(int(start_ms))
    scored = sorted(set(codes) if codes is not None else set(found) | set(expected))
    scores: dict[str, CodeScore] = {}
    for code in scored:
        f = found.get(code, [])
        e = expected.get(code, [])
        errors = _match(f, e, tolerance_ms)
        scores[code] = CodeScore(code, len(errors), len(f) - len(errors), len(e) - len(errors),
                                 tuple(errors))
    return scores
