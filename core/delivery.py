"""Serving stored media to players: playlists with signed URIs, and bytes with
HTTP Range support.

Media is served through the API rather than handed out as presigned S3 URLs:
the object store stays on the private network, every request is checked
against a token bound to one clip (or playlist) that expires, and players that
cannot send headers (VLC, <video>) still work because the token rides in the
query string of every URI the playlists list.

Behind nginx (``ATTUNE_STORE_PROXY``) the API still decides who may open a
presentation and logs it, but the bytes go from the store to the player
through nginx, which passes presigned links on to the store
(deploy/nginx/attune.conf.template). The playlists of an opened view list
their segments as such links, valid as long as the view's token, so a
player's many segment requests never reach Python; a file the API answers
itself (a poster) it hands to nginx with ``X-Accel-Redirect``. Relaying bytes
in Python costs about fifteen times the CPU per byte that the store's own
gateway spends, and even deciding each segment request in Python costs more
than the store's answer (bench/README.md, cluster.py).
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from core.storage import ObjectNotFound, ObjectStore, RangeNotSatisfiable

#: What a media path may look like: no traversal, known file types only.
MEDIA_PATH = re.compile(r"^(?:[A-Za-z0-9_-]+/)?[A-Za-z0-9_.-]+\.(m3u8|m4s|mp4|jpg|vtt)$")

CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
    "vtt": "text/vtt; charset=utf-8",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_URI_ATTR = re.compile(r'URI="([^"]+)"')


@functools.lru_cache(maxsize=4096)
def published_text(store: ObjectStore, bucket: str, key: str) -> str:
    """A playlist or WebVTT file of a published presentation, read once per process.

    Every job writes under a fresh prefix and publishes it in one commit, so
    what is stored under a published key never changes; every viewer's
    playlist request can then skip the store. The access checks still run
    for every request; a purged clip is refused before its files are asked for.
    """
    return store.get_bytes(bucket, key).decode()


def is_media_path(path: str) -> bool:
    return bool(MEDIA_PATH.match(path)) and ".." not in path


def content_type(path: str) -> str:
    return CONTENT_TYPES[path.rsplit(".", 1)[-1]]


#: A presigned S3 link works for at most a week (Signature Version 4).
_PRESIGN_MAX_S = 7 * 24 * 3600
#: Files a player fetches many times per view, listed by playlists.
_DIRECT = (".m4s", ".mp4")


def store_link(store: ObjectStore, bucket: str, key: str, location: str, ttl_s: int) -> str:
    """The object as a presigned link through nginx's ``location`` (a path on
    Attune's own address, so the store stays on its private network)."""
    presigned = urlsplit(store.presigned_get(bucket, key, max(1, min(ttl_s, _PRESIGN_MAX_S))))
    return f"{location}{presigned.path.lstrip('/')}?{presigned.query}"


def _with_token(uri: str, token: str) -> str:
    base, _, fragment = uri.partition("#")
    sep = "&" if "?" in base else "?"
    signed = f"{base}{sep}t={quote(token)}"
    return f"{signed}#{fragment}" if fragment else signed


def sign_playlist(text: str, token: str,
                  direct: Callable[[str], str | None] | None = None) -> str:
    """Append the token to every URI in an HLS playlist (lines and URI="" attributes);
    a URI for which ``direct`` gives a link (a segment, behind nginx) becomes that link."""
    def signed(uri: str) -> str:
        link = direct(uri) if direct is not None else None
        return link if link is not None else _with_token(uri, token)

    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            line = signed(line)
        elif 'URI="' in line:
            line = _URI_ATTR.sub(lambda m: f'URI="{signed(m.group(1))}"', line)
        out.append(line)
    return "\n".join(out) + "\n"


def direct_links(store: ObjectStore, bucket: str, prefix: str, playlist_path: str,
                 location: str, ttl_s: int) -> Callable[[str], str | None]:
    """For :func:`sign_playlist`: the store link of each segment or init file a
    playlist at ``prefix + playlist_path`` lists; None for anything else
    (playlists, captions, anything outside the presentation)."""
    folder = posixpath.dirname(playlist_path)

    def link(uri: str) -> str | None:
        if "://" in uri or uri.startswith("/") or "?" in uri or not uri.endswith(_DIRECT):
            return None
        path = posixpath.normpath(posixpath.join(folder, uri))
        if path.startswith("..") or not is_media_path(path):
            return None
        return store_link(store, bucket, f"{prefix}{path}", location, ttl_s)

    return link


def sign_vtt_images(text: str, token: str) -> str:
    """Append the token to the image references of a WebVTT thumbnails track."""
    out = []
    for line in text.splitlines():
        if "#xywh=" in line and "-->" not in line:
            line = _with_token(line.strip(), token)
        out.append(line)
    return "\n".join(out) + "\n"


def requested_range(header: str | None) -> tuple[int | None, int | None] | None:
    """The single byte range a ``Range`` header asks for, as (first, last)
    with either side open (``bytes=-500`` is the last 500 bytes), or None for
    no header and for forms served whole (multi-range, other units)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first_s, last_s = match.groups()
    return (int(first_s) if first_s else None, int(last_s) if last_s else None)


#: How long the store link handed to nginx works: nginx uses it at once, so
#: this only has to cover a clock that is a little off.
ACCEL_LINK_TTL_S = 60


def handed_to_proxy(store: ObjectStore, bucket: str, key: str, location: str,
                    media_type: str, cache_seconds: int) -> Response:
    """An empty answer that tells nginx to fetch the object from the store itself.

    nginx keeps the player's ``Range`` header when it follows the redirect, so
    the store answers 206 or 416 itself; the link is presigned for the store's
    own address, which is where nginx's store location sends it.
    """
    return Response(status_code=200, media_type=media_type, headers={
        "X-Accel-Redirect": store_link(store, bucket, key, location, ACCEL_LINK_TTL_S),
        "X-Accel-Buffering": "yes",
        "Cache-Control": f"private, max-age={cache_seconds}"})


def stream_object(store: ObjectStore, bucket: str, key: str, request: Request,
                  media_type: str, cache_seconds: int, accel: str | None = None) -> Response:
    """Relay an object (or the requested byte range of it) to the client, in
    one request to the store: a player asks for every segment, so a HEAD
    before each GET would double the store's work. With ``accel`` (nginx's
    store location) nginx fetches it instead (:func:`handed_to_proxy`)."""
    if accel:
        return handed_to_proxy(store, bucket, key, accel, media_type, cache_seconds)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": f"private, max-age={cache_seconds}"}
    wanted = requested_range(request.headers.get("range"))
    try:
        if wanted is None:
            body = store.open(bucket, key)
        else:
            first, last = wanted
            if first is None:  # the last bytes
                body = store.open(bucket, key, suffix=last or 0)
            elif last is not None and last < first:
                raise RangeNotSatisfiable(store.stat(bucket, key)[0])
            else:
                body = store.open(bucket, key, offset=first,
                                  length=0 if last is None else last - first + 1)
    except RangeNotSatisfiable as unsatisfiable:
        return Response(status_code=416,
                        headers={"Content-Range": f"bytes */{unsatisfiable.size}"})
    headers["Content-Length"] = str(body.last - body.first + 1)
    if wanted is None:
        return StreamingResponse(body.iter_chunks(), media_type=media_type, headers=headers)
    headers["Content-Range"] = f"bytes {body.first}-{body.last}/{body.size}"
    return StreamingResponse(body.iter_chunks(), status_code=206, media_type=media_type,
                             headers=headers)


__all__ = ["ObjectNotFound", "content_type", "direct_links", "is_media_path", "requested_range",
           "sign_playlist", "sign_vtt_images", "store_link", "stream_object"]
