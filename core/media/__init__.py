"""Probing, validating and running ffmpeg on uploaded recordings.

Import the public names from here. Inside the package: :mod:`~core.media.inputs`
(how sources may be opened), :mod:`~core.media.probe` (ffprobe),
:mod:`~core.media.validation` (limits), :mod:`~core.media.runner` (running
ffmpeg), :mod:`~core.media.diagnostics` (reading stderr) and
:mod:`~core.media.ffmpeg` (command lines), the only module that imports the
unmaintained ffmpeg-python package.
"""

from core.media.diagnostics import redact_urls
from core.media.errors import MediaError
from core.media.ffmpeg import (
    AnalysisTap,
    Canvas,
    EncodeJob,
    HlsRendition,
    ItemCut,
    ItemFrames,
    ToneMap,
    build_analysis_command,
    build_hls_command,
    build_item_command,
    build_package_command,
    build_still_command,
    concat_list,
)
from core.media.inputs import input_options, is_url
from core.media.probe import SourceInfo, probe, probe_streams
from core.media.runner import run_ffmpeg
from core.media.validation import validate

__all__ = [
    "AnalysisTap",
    "Canvas",
    "EncodeJob",
    "HlsRendition",
    "ItemCut",
    "ItemFrames",
    "MediaError",
    "SourceInfo",
    "ToneMap",
    "build_analysis_command",
    "build_hls_command",
    "build_item_command",
    "build_package_command",
    "build_still_command",
    "concat_list",
    "input_options",
    "is_url",
    "probe",
    "probe_streams",
    "redact_urls",
    "run_ffmpeg",
    "validate",
]
