"""How ffmpeg and ffprobe may open a source: uploaded files are hostile input.

Every ffmpeg/ffprobe invocation restricts which demuxers and protocols may be
used (:func:`input_options`), so an "mp4" that is really an HLS or concat
playlist cannot make the worker read local files or fetch internal URLs.
Probing and transcoding share these rules, so they live in one place.
"""

from __future__ import annotations

# Demuxers phones, browsers and cameras produce, plus audio and still-image
# demuxers: those are only allowed so that a photo or a voice memo gets a precise
# "not a video" answer instead of "unsupported format". Meta-formats that open
# other files or URLs (hls, dash, concat, ...) are deliberately absent.
ALLOWED_DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,asf,flv,ogg,"
    "mp3,aac,wav,flac,amr,"
    "image2,jpeg_pipe,png_pipe,webp_pipe,bmp_pipe,tiff_pipe,gif,heic"
)
# Lower bound of what the http protocol may spend on one read before giving up
# (ffmpeg's default is to wait forever on a stalled connection).
HTTP_RW_TIMEOUT_S = 30.0


def is_url(source: str) -> bool:
    """True for http(s) sources such as presigned S3 URLs."""
    return source.startswith(("http://", "https://"))


def input_options(source: str) -> dict[str, str]:
    """Options for opening ``source`` safely with ffmpeg or ffprobe.

    Only container formats we expect and only the protocol the source needs are
    allowed. Remote reads get a read timeout and reconnects, because presigned
    URLs are served by S3 gateways that occasionally drop long connections.
    """
    options = {"format_whitelist": ALLOWED_DEMUXERS}
    if is_url(source):
        options |= {
            "protocol_whitelist": "http,https,tcp,tls",
            "rw_timeout": str(int(HTTP_RW_TIMEOUT_S * 1_000_000)),
            "reconnect": "1",
            "reconnect_on_network_error": "1",
            "reconnect_delay_max": "10",
        }
    else:
        options["protocol_whitelist"] = "file"
    return options
