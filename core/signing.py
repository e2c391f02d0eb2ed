"""Short-lived signed tokens for media URLs.

A player such as VLC or a <video> element cannot send a bearer header, so media
URLs carry a token instead: an HMAC over who may read which clip until when.
Tokens are bound to one clip and expire; changing the secret key revokes all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


class InvalidToken(Exception):
    """The token is malformed, forged, for another object, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, claims: dict[str, Any], ttl_s: int) -> str:
    body = dict(claims, exp=int(time.time()) + ttl_s)
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def _claims(payload: str) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads(_unb64(payload))
    return claims


def seconds_left(token: str) -> int:
    """How long a token (already verified, or just made) still works."""
    return max(0, int(_claims(token.split(".", 1)[0]).get("exp", 0)) - int(time.time()))


def verify(key: bytes, token: str, **expected: Any) -> dict[str, Any]:
    """The token's claims, if it is genuine, unexpired and matches ``expected``."""
    try:
        payload, mac = token.split(".", 1)
        good = hmac.new(key, payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(good, _unb64(mac)):
            raise InvalidToken("bad signature")
        claims = _claims(payload)
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if int(claims.get("exp", 0)) < time.time():
        raise InvalidToken("expired")
    for name, value in expected.items():
        if claims.get(name) != value:
            raise InvalidToken(f"token is not valid for this {name}")
    return claims
