"""The order of a case's goals and people: positions 0, 1, 2 ... without gaps,
so the web app can move one and the others make room."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from core.db.models import CasePerson, Goal

Row = TypeVar("Row", Goal, CasePerson)


def renumber(rows: Iterable[Row]) -> None:
    for position, row in enumerate(rows):
        row.position = position


def put_at(rows: Sequence[Row], row: Row, position: int) -> None:
    """Put ``row`` at ``position`` among ``rows`` (past the end: last)."""
    others: list[Row] = [r for r in rows if r.id != row.id]
    position = min(position, len(others))
    others.insert(position, row)
    renumber(others)
