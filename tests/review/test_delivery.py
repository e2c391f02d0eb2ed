"""Byte ranges of stored media, relayed from the real S3 store: what players
(hls.js, Safari, VLC) ask for, each answered from one request to the store."""

from __future__ import annotations

import os
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from core.delivery import stream_object

SIZE = 1000


@pytest.fixture(scope="module")
def media(runtime: Any) -> tuple[TestClient, bytes]:
    data = os.urandom(SIZE)
    bucket = runtime.settings.s3_bucket_media
    runtime.store.put_bytes(bucket, "delivery/segment.m4s", data, "video/iso.segment")

    def download(request: Request) -> Response:
        return stream_object(runtime.store, bucket, "delivery/segment.m4s", request,
                             "video/iso.segment", 60)

    return TestClient(Starlette(routes=[Route("/s", download)])), data


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=10-109", 10, 109),
    ("bytes=0-0", 0, 0),
    ("bytes=900-", 900, SIZE - 1),
    ("bytes=990-5000", 990, SIZE - 1),  # past the end: up to the end
    ("bytes=-100", SIZE - 100, SIZE - 1),  # the last 100 bytes
    ("bytes=-5000", 0, SIZE - 1),
])
def test_a_range_is_served_with_its_place_in_the_whole(media: tuple[TestClient, bytes],
                                                       header: str, first: int,
                                                       last: int) -> None:
    client, data = media
    answer = client.get("/s", headers={"Range": header})
    assert answer.status_code == 206
    assert answer.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert answer.headers["content-length"] == str(last - first + 1)
    assert answer.content == data[first:last + 1]


@pytest.mark.parametrize("header", [None, "bytes=0-10,20-30", "items=0-10", "bytes=-"])
def test_no_range_or_an_unsupported_one_gets_the_whole_object(
        media: tuple[TestClient, bytes], header: str | None) -> None:
    client, data = media
    answer = client.get("/s", headers={"Range": header} if header else {})
    assert answer.status_code == 200
    assert answer.headers["content-length"] == str(SIZE)
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.content == data


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=20-10"])
def test_a_range_outside_the_object_is_refused_with_its_size(
        media: tuple[TestClient, bytes], header: str) -> None:
    client, _ = media
    answer = client.get("/s", headers={"Range": header})
    assert answer.status_code == 416
    assert answer.headers["content-range"] == f"bytes */{SIZE}"
