"""First run: the one-time set-up of the first administrator."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/setup", tags=["accounts"])
