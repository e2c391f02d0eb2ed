"""Signals behind coding suggestions: motion energy, synchrony, sound, and the rules on top.

Pure functions on numpy arrays: ``analyse`` takes 10 fps grayscale frames (long
side 160 px) and 16 kHz mono audio and returns time series for the timeline,
suggestions with their evidence, and notes on what could not be analysed.
"""

from worker.analysis.audio import AudioResult, VocalTurns, analyse_audio
from worker.analysis.evaluate import CodeScore, evaluate
from worker.analysis.motion import (
    Box,
    MotionResult,
    Regions,
    default_regions,
    motion_energy,
    propose_regions,
)
from worker.analysis.responsiveness import Responsiveness, responsiveness
from worker.analysis.series import Series, from_json, make_series, to_json
from worker.analysis.suggest import Analysis, Note, Suggestion, analyse
from worker.analysis.synchrony import SynchronyResult, windowed_synchrony

__all__ = [
    "Analysis",
    "AudioResult",
    "Box",
    "CodeScore",
    "MotionResult",
    "Note",
    "Regions",
    "Responsiveness",
    "Series",
    "Suggestion",
    "SynchronyResult",
    "VocalTurns",
    "analyse",
    "analyse_audio",
    "default_regions",
    "evaluate",
    "from_json",
    "make_series",
    "motion_energy",
    "propose_regions",
    "responsiveness",
    "to_json",
    "windowed_synchrony",
]
