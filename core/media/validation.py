"""Which probed recordings are worth a transcode, with reasons in English and Dutch."""

from __future__ import annotations

import math

from core.media import errors
from core.media.errors import MediaError
from core.media.probe import SourceInfo

# A recording's picture is at least this many pixels on its short side.
MIN_SHORT_SIDE = 64


def validate(info: SourceInfo, *, max_duration_s: float, max_pixels: int) -> None:
    """Refuse recordings we should not spend a transcode on.

    The limits protect the worker (a 10-hour or 16K upload would occupy it for
    hours or exhaust memory) and catch files that are technically video but
    not a recording (a 32x32 icon animation, a clip without a length).
    """
    if not info.duration_s or info.duration_s <= 0 or not math.isfinite(info.duration_s):
        raise MediaError(errors.NO_DURATION)
    if info.duration_s > max_duration_s:
        raise MediaError(
            errors.TOO_LONG,
            f"The video is {_en_duration(info.duration_s)} long; "
            f"the maximum is {_en_duration(max_duration_s)}.",
            message_nl=f"De video duurt {_nl_duration(info.duration_s)}; "
            f"het maximum is {_nl_duration(max_duration_s)}.",
        )
    short_side = min(info.width, info.height)
    size = f"{info.width}x{info.height}"
    if short_side < MIN_SHORT_SIDE:
        raise MediaError(
            errors.TOO_SMALL_FRAME,
            f"The video picture is too small ({size} pixels).",
            message_nl=f"Het videobeeld is te klein ({size} pixels).",
        )
    if info.width * info.height > max_pixels:
        raise MediaError(
            errors.TOO_LARGE_FRAME,
            f"The video picture is too large to process ({size} pixels).",
            message_nl=f"Het videobeeld is te groot om te verwerken ({size} pixels).",
        )


def _split_duration(seconds: float) -> tuple[int, int, int]:
    total = max(0, math.ceil(seconds))
    return total // 3600, total % 3600 // 60, total % 60


def _en_duration(seconds: float) -> str:
    hours, minutes, secs = _split_duration(seconds)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs or not (hours or minutes) else "")
    return " ".join(p for p in parts if p)


def _nl_duration(seconds: float) -> str:
    hours, minutes, secs = _split_duration(seconds)
    parts = [f"{hours} uur" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs or not (hours or minutes) else "")
    return " ".join(p for p in parts if p)
