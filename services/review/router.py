"""Review API: playback of clips, supervision, and visit playlists, as one router."""

from __future__ import annotations

from fastapi import APIRouter

from services.review import playback, supervision_routes

router = APIRouter()
router.include_router(playback.router)
router.include_router(supervision_routes.router)

__all__ = ["router"]
