"""Recognise what a file is from its first bytes, before storing any of it.

Phones name things freely; the extension and the browser's Content-Type are not
evidence. The container signature is. Anything that is clearly not a video
(an image, an audio file, text, an archive) is refused at upload time with a
reason a person can act on; a file that looks like a video container but turns
out broken is caught later by the worker's probe.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import errors

#: How many leading bytes the sniffer needs.
SNIFF_BYTES = 512

_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"ftyp"}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    kind: str
    reason: str = ""


def _refuse(kind: str, what: str) -> Verdict:
    return Verdict(False, kind, f"This file is {what}, not a video. Upload the video recording.")


def _iso_bmff(head: bytes) -> Verdict:
    brand = head[8:12]
    if brand in _AUDIO_BRANDS:
        return _refuse("audio", "an audio recording")
    if brand in _IMAGE_BRANDS:
        return _refuse("image", "a photo (HEIF/AVIF image)")
    return Verdict(True, "mp4")


def sniff(head: bytes) -> Verdict:
    """Classify a file by its leading bytes."""
    if not head:
        return Verdict(False, "empty", "The file is empty (0 bytes).")
    if head[4:8] in _QT_ATOMS:
        return _iso_bmff(head) if head[4:8] == b"ftyp" else Verdict(True, "quicktime")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Verdict(True, "matroska")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Verdict(True, "avi")
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return Verdict(True, "mpeg")
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return Verdict(True, "mpegts")
    if head.startswith(b"FLV"):
        return Verdict(True, "flv")
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return Verdict(True, "asf")
    return _classify_non_video(head)


def _classify_non_video(head: bytes) -> Verdict:
    if head.startswith(b"\xff\xd8\xff"):
        return _refuse("image", "a photo (JPEG)")
    if head.startswith(b"\x89PNG"):
        return _refuse("image", "an image (PNG)")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _refuse("image", "an image (GIF)")
    if head.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"fLaC", b"OggS")) or (
        head.startswith(b"RIFF") and head[8:12] == b"WAVE"
    ):
        return _refuse("audio", "an audio recording")
    if head.startswith(b"%PDF"):
        return _refuse("document", "a PDF document")
    if head.startswith(b"PK\x03\x04"):
        return _refuse("archive", "a ZIP archive or office document")
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return _refuse("text", "a text file")
    return Verdict(False, "unknown",
                   "This file is not a video format Attune recognises (MP4, MOV, MKV, WebM, AVI).")


def require_video(head: bytes) -> None:
    """Refuse, with a reason, a file whose first bytes show it is not a video."""
    verdict = sniff(head)
    if not verdict.ok:
        if verdict.kind == "empty":
            raise errors.Malformed(verdict.reason, "empty_file")
        raise errors.UnsupportedMedia(verdict.reason, f"not_video_{verdict.kind}")
