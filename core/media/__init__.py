"""Probing, validating and running ffmpeg on uploaded recordings.

``core.media.ffmpeg`` is the only module that knows ffmpeg; import the public
names from here.
"""

from core.media.errors import MediaError
from core.media.ffmpeg import SourceInfo, probe, run_ffmpeg, validate

__all__ = ["MediaError", "SourceInfo", "probe", "run_ffmpeg", "validate"]
