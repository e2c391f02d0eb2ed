"""What an upload may bring besides the recording: tus metadata within a limit,
and a file name that shows what it is."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import media
import pytest
from sqlalchemy import select

from core.db.models import Upload
from services.ingest.upload import MAX_FILENAME_CHARS, clean_filename

TUS = {"Tus-Resumable": "1.0.0"}
#: Reads as "badexe.png" on screen: the override turns "gnp.exe" around.
DECEPTIVE = "bad\u202egnp.exe\x07.mp4"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _clips(client: Any, pro: dict[str, Any], case_id: str) -> list[dict[str, Any]]:
    resp = client.get(f"/api/cases/{case_id}/clips", headers=pro["headers"])
    assert resp.status_code == 200, resp.text
    return list(resp.json())


def _create(client: Any, pro: dict[str, Any], metadata: str, length: int = 1000) -> Any:
    return client.post("/api/uploads/", headers={
        **TUS, **pro["headers"], "Upload-Length": str(length), "Upload-Metadata": metadata})


def test_huge_upload_metadata_is_refused_and_nothing_is_kept(
        client: Any, runtime: Any, pro: dict[str, Any], case_id: str) -> None:
    metadata = f"case_id {b64(case_id)},filename {b64('bad.mp4')},note {b64('x' * 787_000)}"
    assert len(metadata) > 1024 * 1024

    resp = _create(client, pro, metadata)

    assert resp.status_code == 413
    body = resp.json()
    assert body["code"] == "upload_metadata_too_large"
    assert body["detail"]
    assert _clips(client, pro, case_id) == []
    with runtime.db() as db:
        assert db.scalars(select(Upload).where(Upload.user_id == pro["id"])).all() == []
    for bucket in (runtime.settings.s3_bucket_originals, runtime.settings.s3_bucket_media):
        assert runtime.store.list_keys(bucket, f"cases/{case_id}/") == []


def test_metadata_a_real_client_sends_is_taken(client: Any, pro: dict[str, Any],
                                               case_id: str) -> None:
    """A long (for a phone) name, twice, as Uppy sends it, plus type and activity."""
    name = "VID_20260114_101530123 badje met opa en oma in de keuken " * 2 + ".mp4"
    metadata = ",".join(f"{k} {b64(v)}" for k, v in {
        "case_id": case_id, "filename": name, "name": name, "filetype": "video/mp4",
        "type": "video/mp4", "activity": "bath", "recorded_at": "2026-01-14T10:15:30+01:00",
    }.items())
    resp = _create(client, pro, metadata)
    assert resp.status_code == 201, resp.text
    [clip] = _clips(client, pro, case_id)
    assert clip["filename"] == clean_filename(name) and clip["filename"].endswith(".mp4")
    assert client.delete(resp.headers["Location"], headers={**TUS, **pro["headers"]}
                         ).status_code == 204


def test_a_tus_file_name_is_stored_without_controls(client: Any, pro: dict[str, Any],
                                                    case_id: str) -> None:
    resp = _create(client, pro, f"case_id {b64(case_id)},filename {b64(DECEPTIVE)}")
    assert resp.status_code == 201, resp.text
    [clip] = _clips(client, pro, case_id)
    assert clip["filename"] == "badgnp.exe.mp4"
    assert client.delete(resp.headers["Location"], headers={**TUS, **pro["headers"]}
                         ).status_code == 204


def test_a_form_upload_file_name_is_stored_without_controls(
        client: Any, pro: dict[str, Any], case_id: str, media_dir: Path) -> None:
    video = media.make_small(media_dir).read_bytes()
    boundary = "attune-names-boundary"
    # Written out by hand: HTTP clients escape control characters in a file name.
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"C:\\fakepath\\{DECEPTIVE}\"\r\nContent-Type: video/mp4\r\n\r\n"
            ).encode() + video + f"\r\n--{boundary}--\r\n".encode()
    resp = client.post(f"/api/cases/{case_id}/clips", content=body, headers={
        **pro["headers"], "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert resp.status_code == 202, resp.text
    assert [c["filename"] for c in _clips(client, pro, case_id)] == ["badgnp.exe.mp4"]


@pytest.mark.parametrize(("given", "kept"), [
    ("badje.mp4", "badje.mp4"),
    ("bad\u2066je\u2069 \u200e\u200f\u061c.mov", "badje .mov"),
    ("line\r\nX-Forged: 1.mp4", "line X-Forged: 1.mp4"),
    ("../../etc/passwd", "passwd"),
    ("  \x00\x1b  ", "recording"),
    (None, "recording"),
    ("baby \U0001f476.mp4", "baby \U0001f476.mp4"),
])
def test_file_names_are_cleaned(given: str | None, kept: str) -> None:
    assert clean_filename(given) == kept


def test_a_long_name_keeps_its_extension() -> None:
    kept = clean_filename("a" * 500 + ".MOV")
    assert len(kept) == MAX_FILENAME_CHARS and kept.endswith("a.MOV")
