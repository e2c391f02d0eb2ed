"""What a password must be: long enough, not one everybody tries first, and not
the person's own e-mail address.

The rules follow NIST SP 800-63B: a minimum length, a list of known-bad
passwords, no composition rules (no "one capital and one digit"), which only
push people towards predictable patterns. The list is Django's 20,000 common
passwords and a short list of Dutch words passwords are made of, shipped in
``core/data`` (see its README for origin and licence); a listed word with only
digits and signs around it counts as listed.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 10
#: Long enough for any passphrase; the hash's cost must not be steered by the caller.
MAX_LENGTH = 1000
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
#: Dutch words passwords are often made of (the list above is English).
COMMON_WORDS_NL = Path(__file__).resolve().parent / "data" / "common-words-nl.txt"
#: Digits and signs people put around a common word to "make it stronger".
_DECORATION = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")
#: A core this short is a name or a syllable, not a known word worth refusing.
_MIN_CORE = 4
#: The shortest local part of an e-mail address that a password may not contain
#: (shorter ones, such as "jo", occur in too many good passwords by chance).
_MIN_LOCAL_PART = 3
#: A password of one or two characters repeated ("aaaaaaaaaa", "ababababab")
#: is among the first any guesser tries (NIST SP 800-63B: repetitive characters).
_MIN_DISTINCT = 3

#: Every reason a password is refused, as the error code the web app words.
REASONS = ("password_too_short", "password_too_long", "password_common", "password_like_email")


class PasswordRejected(ValueError):
    """A password that does not meet the rules: ``code`` is one of :data:`REASONS`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped lists, read once per process."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        english = {line.strip() for line in lines if line.strip()}
    dutch = {line.strip() for line in COMMON_WORDS_NL.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    return frozenset(english | dutch)


def _common(folded: str) -> bool:
    """One of the common passwords, or one with nothing but digits and signs
    around it ("Welkom2026!", "!!password1"): guessers try those right after."""
    if folded in common_passwords():
        return True
    match = _DECORATION.match(folded)
    core = match.group(1) if match else folded
    return len(core) >= _MIN_CORE and core in common_passwords()


def check(password: str, email: str | None = None) -> None:
    """Raise :class:`PasswordRejected` unless ``password`` may be used by the
    person with ``email``."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected("password_too_short",
                               f"The password must be at least {MIN_LENGTH} characters long; "
                               "a few words in a row make a good one.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected("password_too_long",
                               f"The password may be at most {MAX_LENGTH} characters long.")
    folded = password.strip().casefold()
    if len(folded) < MIN_LENGTH:  # spaces around a short password add nothing
        raise PasswordRejected("password_too_short",
                               f"The password must be at least {MIN_LENGTH} characters long, "
                               "not counting spaces at the start and end.")
    if _common(folded) or len(set(folded)) < _MIN_DISTINCT:
        raise PasswordRejected("password_common",
                               "This password is one of the most common ones and is tried "
                               "first by anyone guessing; choose another.")
    if email and _like_email(folded, email.strip().casefold()):
        raise PasswordRejected("password_like_email",
                               "The password must not be (or contain) your e-mail address; "
                               "choose another.")


def _like_email(folded: str, email: str) -> bool:
    local = email.partition("@")[0]
    if folded in (email, local):
        return True
    return len(local) >= _MIN_LOCAL_PART and local in folded
