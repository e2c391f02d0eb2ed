"""probe() and validate() against real files: what a care professional might upload."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from media import CREATION_TIME, MediaLibrary, make_long_tiny, serve_directory, shared_library

from core.media import MediaError, SourceInfo, probe, validate
from core.media import errors as codes

LIMITS = {"max_duration_s": 3 * 3600, "max_pixels": 8192 * 8192}


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaLibrary:
    return shared_library(lambda: tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="module")
def http_root(media: MediaLibrary) -> Iterator[str]:
    with serve_directory(media.root) as url:
        yield url


def assert_readable(err: MediaError) -> None:
    """A message a person can read: a sentence, no log syntax, both languages."""
    for text in (err.message, err.message_nl):
        assert text and text[0].isupper() and text.endswith("."), text
        assert "@ 0x" not in text and "ffprobe" not in text.lower(), text
    assert err.message != err.message_nl
    assert str(err) == err.message


# --------------------------------------------------------------------------- good files


def test_iphone_portrait_hdr_clip(media: MediaLibrary) -> None:
    info = probe(str(media["iphone"]))
    assert (info.width, info.height) == (1080, 1920)  # display size, rotation applied
    assert info.rotation == 90
    assert info.video_codec == "hevc"
    assert info.pix_fmt == "yuv420p10le" and info.bit_depth == 10
    assert info.hdr and info.color_transfer == "arib-std-b67"
    assert info.color_primaries == "bt2020" and info.color_space == "bt2020nc"
    assert info.vfr and 29.0 < info.fps < 29.5  # two of 90 frames dropped
    assert info.has_audio and info.audio_channels == 2
    assert info.duration_s == pytest.approx(3.0, abs=0.05)
    assert "mov" in info.format_name
    assert info.size_bytes == media["iphone"].stat().st_size
    assert (info.video_stream, info.audio_stream) == (0, 1)
    # when the phone filmed it, for the visit's date (kept in the database, not in media)
    assert info.recorded_at == datetime.fromisoformat(CREATION_TIME.replace("Z", "+00:00"))


def test_plain_landscape_clip(media: MediaLibrary) -> None:
    info = probe(str(media["plain"]))
    assert (info.width, info.height, info.rotation) == (1280, 720, 0)
    assert info.fps == 25 and not info.vfr
    assert not info.hdr and info.bit_depth == 8 and info.video_codec == "h264"
    assert info.has_audio


def test_clip_without_audio(media: MediaLibrary) -> None:
    info = probe(str(media["no_audio"]))
    assert not info.has_audio and info.audio_channels == 0 and info.audio_stream is None


def test_pq_hdr_clip(media: MediaLibrary) -> None:
    info = probe(str(media["pq"]))
    assert info.hdr and info.color_transfer == "smpte2084"


def test_probe_over_http(media: MediaLibrary, http_root: str) -> None:
    info = probe(f"{http_root}/{media['plain'].name}")
    assert (info.width, info.height) == (1280, 720)
    assert info.size_bytes == media["plain"].stat().st_size


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty", codes.EMPTY),
        ("truncated", codes.TRUNCATED),
        ("text", codes.UNREADABLE),
        ("audio_only", codes.NO_VIDEO_STREAM),
        ("jpg", codes.NOT_VIDEO),
        ("png", codes.NOT_VIDEO),
        ("corrupt", codes.CORRUPT),
    ],
)
def test_bad_upload_is_explained(media: MediaLibrary, name: str, code: str) -> None:
    with pytest.raises(MediaError) as caught:
        probe(str(media[name]))
    assert caught.value.code == code
    assert_readable(caught.value)
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("name", "code"),
    [("empty", codes.EMPTY), ("truncated", codes.TRUNCATED), ("jpg", codes.NOT_VIDEO)],
)
def test_bad_upload_over_http(media: MediaLibrary, http_root: str, name: str, code: str) -> None:
    with pytest.raises(MediaError) as caught:
        probe(f"{http_root}/{media[name].name}")
    assert caught.value.code == code


def test_expired_url_is_retryable(http_root: str) -> None:
    with pytest.raises(MediaError) as caught:
        probe(f"{http_root}/gone.mp4")
    assert caught.value.code == codes.SOURCE_UNAVAILABLE
    assert caught.value.retryable
    assert_readable(caught.value)


def test_missing_local_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        probe(str(tmp_path / "nope.mp4"))
    assert caught.value.code == codes.SOURCE_UNAVAILABLE


def test_playlist_disguised_as_upload_is_not_followed(tmp_path: Path, http_root: str) -> None:
    """An HLS playlist could make ffmpeg fetch internal URLs or read local files."""
    playlist = tmp_path / "upload.m3u8"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{http_root}/plain.mp4\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(MediaError) as caught:
        probe(str(playlist))
    assert caught.value.code == codes.UNSUPPORTED_FORMAT
    assert_readable(caught.value)


# --------------------------------------------------------------------------- validate


def test_validate_accepts_normal_recording(media: MediaLibrary) -> None:
    validate(probe(str(media["iphone"])), **LIMITS)


def test_validate_rejects_too_long(tmp_path: Path) -> None:
    info = probe(str(make_long_tiny(tmp_path, 150)))
    with pytest.raises(MediaError) as caught:
        validate(info, max_duration_s=60, max_pixels=LIMITS["max_pixels"])
    assert caught.value.code == codes.TOO_LONG
    assert "2 min 30 s" in caught.value.message and "1 min" in caught.value.message
    assert "2 min 30 s" in caught.value.message_nl
    assert_readable(caught.value)


def test_validate_rejects_tiny_picture(media: MediaLibrary) -> None:
    with pytest.raises(MediaError) as caught:
        validate(probe(str(media["tiny"])), **LIMITS)
    assert caught.value.code == codes.TOO_SMALL_FRAME
    assert "32x32" in caught.value.message
    assert_readable(caught.value)


def test_validate_rejects_huge_picture(media: MediaLibrary) -> None:
    info = probe(str(media["plain"]))
    with pytest.raises(MediaError) as caught:
        validate(info, max_duration_s=3600, max_pixels=1280 * 720 - 1)
    assert caught.value.code == codes.TOO_LARGE_FRAME
    assert_readable(caught.value)


@pytest.mark.parametrize("duration", [0.0, float("nan")])
def test_validate_rejects_unknown_duration(media: MediaLibrary, duration: float) -> None:
    info: SourceInfo = dataclasses.replace(probe(str(media["plain"])), duration_s=duration)
    with pytest.raises(MediaError) as caught:
        validate(info, **LIMITS)
    assert caught.value.code == codes.NO_DURATION
    assert_readable(caught.value)


def test_media_error_defaults_and_overrides() -> None:
    err = MediaError(codes.NO_VIDEO_STREAM)
    assert err.message == "The file contains no video stream."
    assert err.message_nl == "Het bestand bevat geen video."
    custom = MediaError(codes.TOO_LONG, "Custom.", message_nl="Eigen.", detail="x")
    assert (custom.message, custom.message_nl, custom.detail) == ("Custom.", "Eigen.", "x")


@pytest.mark.parametrize(("tags", "expected"), [
    ({"com.apple.quicktime.creationdate": "2026-11-20T10:15:00+0100",
      "creation_time": "2026-11-20T09:15:00.000000Z"}, datetime(2026, 11, 20, 9, 15, tzinfo=UTC)),
    ({"creation_time": "2026-11-20T09:15:00.000000Z"}, datetime(2026, 11, 20, 9, 15, tzinfo=UTC)),
    ({"creation_time": "1904-01-01T00:00:00.000000Z"}, None),  # QuickTime's zero
    ({"creation_time": "1970-01-01T00:00:00.000000Z"}, None),  # a phone clock never set
    ({"creation_time": "2999-01-01T00:00:00Z"}, None),
    ({"creation_time": "gisteren"}, None),
    ({}, None),
])
def test_the_recording_date_comes_from_the_phones_own_tag(
        tags: dict[str, str], expected: datetime | None) -> None:
    from core.media.probe import _recorded_at

    assert _recorded_at({"tags": tags}, {}) == expected
