"""Where a case's objects live in storage: one layout for the API and the worker.

Everything stored for a case lives under ``cases/{case_id}/`` in either bucket
(the original in the originals bucket; renditions, posters and rendered
playlists in the media bucket), so the retention purge removes a case by
prefix and finds nothing of it left anywhere else.
"""

from __future__ import annotations


def case_prefix(case_id: str) -> str:
    """Every object of a case (clips, playlists), in both buckets."""
    return f"cases/{case_id}/"


def clip_prefix(case_id: str, clip_id: str) -> str:
    """Every object of a clip: its original, and its media once transcoded."""
    return f"{case_prefix(case_id)}clips/{clip_id}/"


def original_key(case_id: str, clip_id: str) -> str:
    """The uploaded recording, as it arrived (originals bucket)."""
    return clip_prefix(case_id, clip_id) + "original"


def clip_media_prefix(case_id: str, clip_id: str) -> str:
    """The transcodes of a clip: each attempt writes into a folder of its own below
    this one, and the clip points at the one that was published."""
    return f"{clip_prefix(case_id, clip_id)}media/"


def playlist_prefix(case_id: str, playlist_id: str) -> str:
    """Every object of a playlist: its rendered presentations and the cached moments."""
    return f"{case_prefix(case_id)}playlists/{playlist_id}/"
