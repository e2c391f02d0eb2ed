"""A person's own sign-in: password, two-factor sign-in (TOTP), recovery codes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/account", tags=["accounts"])
