"""What went wrong reading a file, said so that a person can find and fix it.

An import either takes every event of a file or none: the parsers collect
every problem they find (with the line or element it is at) instead of
stopping at the first, so one round of fixing is enough.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.annotate.domain import Event


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: ``where`` is e.g. ``line 4`` or
    ``tier "parent" at 01:02.340``; ``message`` says what is wrong and what was
    expected."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportProblem(ValueError):
    """A file that cannot be imported, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems[:20])))
        self.problems = problems


@dataclass(frozen=True)
class Parsed:
    """An event read from a file, with where it stood (for the rule checks that
    follow parsing to point at the right line or element) and, when the reader
    had to read it differently from how it was written, a note saying how, for
    the import report."""

    where: str
    event: Event
    note: str = ""


def clock(ms: int) -> str:
    """12345 -> ``00:12.345`` (mm:ss.mmm): how ELAN and the coding page show a time, so
    a person can find the place a problem is at."""
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
