"""Review API: clip playback now; supervision and visit playlists build on it."""

from __future__ import annotations

from services.review.playback import router

__all__ = ["router"]
