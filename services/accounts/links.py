"""One-time links to set a password: invitations and resets."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/account-links", tags=["accounts"])
