"""Refusals the domain raises, in the domain's words.

A domain module (a case's life, a playlist, a scheme) knows *why* something
cannot be done: the case is closed, the playlist changed since it was read, the
file is too large. It does not know HTTP. It raises one of these kinds with a
stable ``code`` (the key the web app translates) and a sentence for the log and
for clients without the app; ``core.web`` decides the status each kind answers
with, in one table, so a status is never chosen in two places.

``core.access.NotFound`` stays where it is: it carries the rule that someone
without access learns nothing more than "no such thing".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A request the domain refuses, with a stable key and a readable reason."""

    def __init__(self, detail: str, code: str, *,
                 errors: Sequence[Mapping[str, str]] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        #: Per-field reasons (``[{field, message, code}]``), as validation errors have.
        self.errors = [dict(e) for e in errors] if errors is not None else None
        #: Headers the answer needs (``Retry-After``, ``Tus-Resumable``).
        self.headers = dict(headers) if headers is not None else None


class Invalid(DomainError):
    """What was sent breaks a rule of the domain (a time past the clip's end)."""


class Malformed(DomainError):
    """What was sent cannot be read at all (not JSON, not a file of that kind)."""


class Conflict(DomainError):
    """The thing's present state does not allow this (a closed case, a duplicate name)."""


class Stale(DomainError):
    """The caller's copy is older than the stored one (an ``If-Match`` that no longer holds)."""


class PreconditionRequired(DomainError):
    """A change that must say which version it changes did not."""


class NotAllowed(DomainError):
    """The caller may see the thing but not do this to it."""


class NotAuthenticated(DomainError):
    """The caller must say who they are first (or again)."""


class Unknown(DomainError):
    """No such thing, where access is not the reason (a person in the administration, a
    link's token, an item of a playlist already found); what a caller may not see is
    :class:`core.access.NotFound` instead."""


class Gone(DomainError):
    """The thing existed and has ended (an expired link, a purged case)."""


class TooLarge(DomainError):
    """What was sent is larger than the domain accepts."""


class UnsupportedMedia(DomainError):
    """What was sent is of a kind the domain does not take."""


class Damaged(DomainError):
    """What arrived is not what was sent (a checksum that does not match); sending it
    again may work."""


class TooManyAttempts(DomainError):
    """Too many tries in too short a time; ``headers`` says when to try again."""


class Unavailable(DomainError):
    """Something the domain needs is down for now; trying again later may work."""
