"""Annotation API. Coding schemes and annotations build on the clip model."""

from __future__ import annotations

from fastapi import APIRouter

from core.web import CurrentUser

router = APIRouter(prefix="/api/annotate", tags=["annotate"])


@router.get("/schemes")
def list_schemes(user: CurrentUser) -> list[dict[str, str]]:
    """Coding schemes available to the user (none are installed yet)."""
    return []
