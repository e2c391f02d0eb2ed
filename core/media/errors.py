"""The one exception type for recordings we cannot process.

The API shows ``message`` (or ``message_nl``) to a care professional, so it
must read as a plain sentence, never as an ffmpeg log line; ``code`` is the
stable key that code and translations switch on; ``detail`` keeps the
technical cause (an ffmpeg stderr line) for logs and support.
"""

from __future__ import annotations

# Stable machine keys. Only ``source_unavailable`` (storage or network trouble) is
# worth retrying as is; ``timeout`` would most likely time out again, and every
# other code describes the file itself.
EMPTY = "empty"
UNREADABLE = "unreadable"
TRUNCATED = "truncated"
CORRUPT = "corrupt"
UNSUPPORTED_FORMAT = "unsupported_format"
UNSUPPORTED_CODEC = "unsupported_codec"
NO_VIDEO_STREAM = "no_video_stream"
NOT_VIDEO = "not_video"
NO_DURATION = "no_duration"
TOO_LONG = "too_long"
TOO_LARGE_FRAME = "too_large_frame"
TOO_SMALL_FRAME = "too_small_frame"
TIMEOUT = "timeout"
TRANSCODE_FAILED = "transcode_failed"
SOURCE_UNAVAILABLE = "source_unavailable"

RETRYABLE_CODES = frozenset({SOURCE_UNAVAILABLE})

# code -> (English, Dutch). Sentences for a non-technical reader.
MESSAGES: dict[str, tuple[str, str]] = {
    EMPTY: ("The file is empty.", "Het bestand is leeg."),
    UNREADABLE: (
        "The file is not a video that can be read.",
        "Het bestand is geen leesbare video.",
    ),
    TRUNCATED: (
        "The file is incomplete; the upload may have been interrupted.",
        "Het bestand is onvolledig; misschien is het uploaden onderbroken.",
    ),
    CORRUPT: (
        "The video is damaged and cannot be played.",
        "De video is beschadigd en kan niet worden afgespeeld.",
    ),
    UNSUPPORTED_FORMAT: (
        "This type of file is not supported; please upload an MP4 or MOV video.",
        "Dit soort bestand wordt niet ondersteund; upload een MP4- of MOV-video.",
    ),
    UNSUPPORTED_CODEC: (
        "The video is stored in a format that cannot be played.",
        "De video is opgeslagen in een formaat dat niet kan worden afgespeeld.",
    ),
    NO_VIDEO_STREAM: ("The file contains no video stream.", "Het bestand bevat geen video."),
    NOT_VIDEO: (
        "The file is a photo, not a video.",
        "Het bestand is een foto, geen video.",
    ),
    NO_DURATION: (
        "The length of the video could not be determined.",
        "De lengte van de video kon niet worden bepaald.",
    ),
    TOO_LONG: ("The video is too long.", "De video is te lang."),
    TOO_LARGE_FRAME: (
        "The video picture is too large to process.",
        "Het videobeeld is te groot om te verwerken.",
    ),
    TOO_SMALL_FRAME: ("The video picture is too small.", "Het videobeeld is te klein."),
    TIMEOUT: (
        "Processing the video took too long and was stopped.",
        "Het verwerken van de video duurde te lang en is gestopt.",
    ),
    TRANSCODE_FAILED: (
        "The video could not be converted.",
        "De video kon niet worden omgezet.",
    ),
    SOURCE_UNAVAILABLE: (
        "The uploaded file could not be fetched from storage.",
        "Het geüploade bestand kon niet uit de opslag worden opgehaald.",
    ),
}


class MediaError(Exception):
    """A recording could not be probed, accepted or transcoded.

    ``message`` and ``message_nl`` default to the catalogue sentence for
    ``code``; callers may pass more specific sentences (e.g. with the limit
    that was exceeded). ``detail`` is technical and never meant for end users.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        message_nl: str | None = None,
        detail: str | None = None,
    ) -> None:
        default_en, default_nl = MESSAGES.get(code, MESSAGES[UNREADABLE])
        self.code = code
        self.message = message or default_en
        self.message_nl = message_nl or default_nl
        self.detail = detail
        super().__init__(self.message)

    @property
    def retryable(self) -> bool:
        """True when the same request may succeed later (storage or network hiccup)."""
        return self.code in RETRYABLE_CODES

    def __repr__(self) -> str:
        return f"MediaError(code={self.code!r}, message={self.message!r}, detail={self.detail!r})"
