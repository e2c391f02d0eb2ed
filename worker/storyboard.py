"""Storyboard for scrubbing: thumbnails tiled into sprite JPEGs plus a WebVTT index.

Players (video.js, hls.js based UIs, Vidstack) show a preview while the
reviewer drags the timeline by reading ``storyboard.vtt``: one cue per
thumbnail whose text is ``<sprite>#xywh=x,y,w,h``. One sprite of up to 100
thumbnails is one request instead of 100.

The sprites are written by OpenCV, which stores no EXIF or other metadata.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.media import errors
from core.media.errors import MediaError

SPRITE_COLUMNS = 10
SPRITE_ROWS = 10
JPEG_QUALITY = 80


@dataclass(frozen=True)
class Storyboard:
    """What was written, relative to the output directory."""

    vtt: Path
    images: list[Path]
    tile_width: int
    tile_height: int


@dataclass(frozen=True)
class _Cue:
    start_s: float
    end_s: float
    image: str
    x: int
    y: int


def build_storyboard(
    thumbs_dir: Path,
    out_dir: Path,
    *,
    interval_s: float,
    duration_s: float,
    name: str = "storyboard",
) -> Storyboard:
    """Tile the JPEGs in ``thumbs_dir`` (thumbnail i shows time i * interval_s).

    Writes ``<name>.jpg`` (``<name>_1.jpg``, ``<name>_2.jpg``, ... when more than
    one sprite is needed) and ``<name>.vtt`` into ``out_dir``, then deletes
    ``thumbs_dir``: only what players fetch remains to be uploaded.
    """
    thumbs = _usable_thumbs(sorted(thumbs_dir.glob("*.jpg")), interval_s, duration_s)
    tiles = [_read(path) for path in thumbs]
    tile_h, tile_w = tiles[0].shape[:2]
    tiles = [_fit(tile, tile_w, tile_h) for tile in tiles]
    per_sprite = SPRITE_COLUMNS * SPRITE_ROWS
    chunks = [tiles[i : i + per_sprite] for i in range(0, len(tiles), per_sprite)]
    images = [Path(_sprite_name(name, i, len(chunks))) for i in range(len(chunks))]
    for image, chunk in zip(images, chunks, strict=True):
        _write_jpeg(out_dir / image, _tile(chunk, tile_w, tile_h))
    cues = _cues(len(tiles), images, tile_w, tile_h, interval_s, duration_s)
    vtt = Path(f"{name}.vtt")
    (out_dir / vtt).write_text(render_vtt(cues, tile_w, tile_h), encoding="utf-8")
    shutil.rmtree(thumbs_dir)
    return Storyboard(vtt=vtt, images=images, tile_width=tile_w, tile_height=tile_h)


def _usable_thumbs(thumbs: list[Path], interval_s: float, duration_s: float) -> list[Path]:
    """Drop thumbnails that start at or after the end (the frame-rate filter may add one)."""
    if not thumbs:
        raise MediaError(errors.TRANSCODE_FAILED, detail="ffmpeg wrote no storyboard thumbnails")
    keep = max(1, sum(1 for i in range(len(thumbs)) if i * interval_s < duration_s))
    return thumbs[:keep]


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise MediaError(errors.TRANSCODE_FAILED, detail=f"unreadable thumbnail {path.name}")
    return image


def _fit(tile: np.ndarray, width: int, height: int) -> np.ndarray:
    if tile.shape[1] == width and tile.shape[0] == height:
        return tile
    return cv2.resize(tile, (width, height), interpolation=cv2.INTER_AREA)


def _sprite_name(name: str, index: int, count: int) -> str:
    return f"{name}.jpg" if count == 1 else f"{name}_{index + 1}.jpg"


def _tile(tiles: Sequence[np.ndarray], width: int, height: int) -> np.ndarray:
    """Row-major grid; a partial last row is cropped away, unused cells stay black."""
    columns = min(SPRITE_COLUMNS, len(tiles))
    rows = -(-len(tiles) // columns)
    sprite = np.zeros((rows * height, columns * width, 3), dtype=np.uint8)
    for i, tile in enumerate(tiles):
        row, column = divmod(i, columns)
        sprite[row * height : (row + 1) * height, column * width : (column + 1) * width] = tile
    return sprite


def _write_jpeg(path: Path, image: np.ndarray) -> None:
    if not cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
        raise MediaError(errors.TRANSCODE_FAILED, detail=f"could not write {path.name}")


def _cues(
    count: int,
    images: list[Path],
    width: int,
    height: int,
    interval_s: float,
    duration_s: float,
) -> list[_Cue]:
    """One cue per thumbnail; the last one runs to the end so the whole clip is covered."""
    per_sprite = SPRITE_COLUMNS * SPRITE_ROWS
    cues = []
    for i in range(count):
        sprite, cell = divmod(i, per_sprite)
        columns = min(SPRITE_COLUMNS, count - sprite * per_sprite)
        row, column = divmod(cell, columns)
        start = i * interval_s
        end = duration_s if i == count - 1 else min((i + 1) * interval_s, duration_s)
        cues.append(_Cue(start, end, images[sprite].as_posix(), column * width, row * height))
    return cues


def render_vtt(cues: Sequence[_Cue], width: int, height: int) -> str:
    """WebVTT text; sprite references are relative to the VTT file."""
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines += [
            f"{vtt_timestamp(cue.start_s)} --> {vtt_timestamp(cue.end_s)}",
            f"{cue.image}#xywh={cue.x},{cue.y},{width},{height}",
            "",
        ]
    return "\n".join(lines)


def vtt_timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm`` (WebVTT allows hours > 99, so long clips are fine)."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
