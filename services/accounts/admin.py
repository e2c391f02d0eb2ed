"""Administration of people, teams and the sign-in policy (admin role)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/admin", tags=["accounts"])
