"""Review API: playback of clips, supervision, and visit playlists, as one router."""

from __future__ import annotations

from fastapi import APIRouter

from services.review import playback, playlist_routes, share_routes, supervision_routes

router = APIRouter()
router.include_router(playback.router)
router.include_router(supervision_routes.router)
router.include_router(playlist_routes.router)
router.include_router(share_routes.router)

__all__ = ["router"]
