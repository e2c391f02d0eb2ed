"""Coding schemes as stored: the built-in one, and the ones organisations add.

A scheme version is written once and never changed; publishing a changed
scheme under the same key makes the next version. The built-in scheme's
versions are written on first use, so every database has them without a data
migration.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access import NotFound
from core.db.models import CodingScheme, User
from services.annotate import builtin
from services.annotate.domain import Category, Code, Kind, Scale, Scheme, Subject

BUILTIN_SCOPE = "builtin"


def code_of(values: dict[str, Any]) -> Code:
    return Code(**{**values, "category": Category(values["category"]),
                   "kind": Kind(values["kind"]), "subject": Subject(values["subject"])})


def scale_of(values: dict[str, Any]) -> Scale:
    return Scale(**values)


def to_domain(row: CodingScheme) -> Scheme:
    codes = tuple(code_of(c) for c in row.codes)
    scales = tuple(scale_of(s) for s in row.scales)
    return Scheme(key=row.key, name=row.name, version=row.version, codes=codes,
                  description=row.description, scales=scales)


def _plain(values: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{k: (str(v) if isinstance(v, str) else v)
             for k, v in dataclasses.asdict(item).items()} for item in values]


def _row(scheme: Scheme, scope: str, team_id: str | None, user: User | None) -> CodingScheme:
    return CodingScheme(key=scheme.key, version=scheme.version, name=scheme.name,
                        description=scheme.description, team_id=team_id, scope=scope,
                        codes=_plain(scheme.codes), scales=_plain(scheme.scales),
                        created_by=user.id if user else None)


def ensure_builtin(db: Session) -> CodingScheme:
    """The built-in scheme's current version. Every built-in version this
    database lacks is written first, so files and sets naming an older one
    still find it."""
    query = select(CodingScheme).where(CodingScheme.scope == BUILTIN_SCOPE,
                                       CodingScheme.key == builtin.KEY)
    rows = {row.version: row for row in db.scalars(query)}
    for scheme in builtin.SCHEMES:
        if scheme.version not in rows:
            rows[scheme.version] = _write_builtin(db, scheme)
    return rows[builtin.VERSION]


def _write_builtin(db: Session, scheme: Scheme) -> CodingScheme:
    try:
        with db.begin_nested():
            row = _row(scheme, BUILTIN_SCOPE, None, None)
            db.add(row)
    except IntegrityError:  # another request wrote it first
        found = db.scalar(select(CodingScheme).where(
            CodingScheme.scope == BUILTIN_SCOPE, CodingScheme.key == scheme.key,
            CodingScheme.version == scheme.version))
        assert found is not None
        row = found
    return row


def _visible(user: User) -> Any:
    scopes = [BUILTIN_SCOPE] + ([user.team_id] if user.team_id else [])
    return CodingScheme.scope.in_(scopes)


def available(db: Session, user: User) -> list[CodingScheme]:
    """The newest version of every scheme the user's team may code with."""
    ensure_builtin(db)
    newest = (select(CodingScheme.scope, CodingScheme.key,
                     func.max(CodingScheme.version).label("version"))
              .where(_visible(user)).group_by(CodingScheme.scope, CodingScheme.key)
              .subquery())
    query = select(CodingScheme).join(newest, (CodingScheme.scope == newest.c.scope)
                                      & (CodingScheme.key == newest.c.key)
                                      & (CodingScheme.version == newest.c.version))
    return list(db.scalars(query.order_by(CodingScheme.scope != BUILTIN_SCOPE,
                                          CodingScheme.name)))


def scheme_for(db: Session, user: User, scheme_id: str) -> CodingScheme:
    """A scheme version the user may use (any version, also an old one)."""
    ensure_builtin(db)
    row = db.scalar(select(CodingScheme).where(CodingScheme.id == scheme_id, _visible(user)))
    if row is None:
        raise NotFound("scheme")
    return row


def find(db: Session, user: User, key: str, version: int) -> CodingScheme | None:
    """A scheme version by key and number (what an imported file names), the
    team's own before the built-in one."""
    ensure_builtin(db)
    rows = db.scalars(select(CodingScheme).where(
        CodingScheme.key == key, CodingScheme.version == version, _visible(user))
        .order_by(CodingScheme.scope == BUILTIN_SCOPE))
    return next(iter(rows), None)


def publish(db: Session, user: User, scheme: Scheme) -> CodingScheme:
    """Store the team's scheme as the next version of its key (1 if new)."""
    if not user.team_id:
        raise ValueError("only a member of a team can publish a scheme for it")
    latest = db.scalar(select(func.max(CodingScheme.version)).where(
        CodingScheme.scope == user.team_id, CodingScheme.key == scheme.key)) or 0
    row = _row(dataclasses.replace(scheme, version=latest + 1), user.team_id, user.team_id, user)
    db.add(row)
    db.flush()
    return row


def versions(db: Session, user: User, key: str) -> list[CodingScheme]:
    return list(db.scalars(select(CodingScheme).where(CodingScheme.key == key, _visible(user))
                           .order_by(CodingScheme.version)))



