"""A supervisor's view of their team."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/team", tags=["accounts"])
