"""What an operator sees: JSON log lines that carry the request's id into the
worker's lines for the same recording, with no personal data in them, and
Prometheus metrics for a scraper holding the token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from rq import SimpleWorker

from core.logs import configure
from core.queue import KINDS, queue
from core.runtime import Runtime, get_runtime, set_runtime
from worker.main import AttuneWorker

LABEL, FILENAME, TOKEN = "Gezin Observeer", "badje-van-sam.mp4", "scrape-me-please"


class InProcessWorker(SimpleWorker, AttuneWorker):
    """The worker's own job handling, without forking, for the test's capture."""


@pytest.fixture()
def json_logs() -> Iterator[Any]:
    """Every line logged during the test, as production writes them."""
    root = logging.getLogger()
    saved, stream = (root.handlers[:], root.level), io.StringIO()
    configure("json", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.handlers, root.level = saved


@pytest.fixture()
def scraped_app(runtime: Any) -> Iterator[Any]:
    """An app like production's, with a metrics token set."""
    from attune.app import create_app

    settings = runtime.settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    app = create_app(Runtime(settings))
    yield app
    set_runtime(runtime)


def _work(runtime: Any) -> None:
    InProcessWorker([queue(runtime.settings, runtime.redis, kind) for kind in KINDS],
                    connection=runtime.redis).work(burst=True)


def test_a_request_and_the_job_it_queued_log_under_one_id(
        client: Any, users: Any, runtime: Any, media_dir: Path, json_logs: Any) -> None:
    pro = users.add("professional", "Noord")
    case = client.post("/api/cases", json={"label": LABEL}, headers=pro["headers"]).json()
    source = media.make_small(media_dir)
    with source.open("rb") as fh:
        resp = client.post(f"/api/cases/{case['id']}/clips", files={"file": (FILENAME, fh)},
                           headers={**pro["headers"], "X-Request-ID": "visit-3-upload-0001"})
    assert resp.status_code == 202 and resp.headers["x-request-id"] == "visit-3-upload-0001"
    assert client.get("/api/cases").headers["x-request-id"], "made up when none was sent"
    _work(get_runtime())

    lines = json_logs()
    request = [entry for entry in lines if entry.get("route") == "/api/cases/{case_id}/clips"]
    assert request and request[0]["request_id"] == "visit-3-upload-0001"
    assert request[0]["status"] == 202 and request[0]["method"] == "POST"
    from_job = [entry for entry in lines if entry.get("job_id", "") and
                entry["job_id"].startswith(f"transcode-{resp.json()['id']}")]
    assert from_job and {entry["request_id"] for entry in from_job} == {"visit-3-upload-0001"}
    text = json.dumps(lines)
    assert LABEL not in text and FILENAME not in text and "badje" not in text


def test_metrics_need_the_token_and_count_the_work(
        scraped_app: Any, client: Any, users: Any, media_dir: Path) -> None:
    pro = users.add("professional", "Noord")
    case = client.post("/api/cases", json={"label": "Gezin metriek"},
                       headers=pro["headers"]).json()
    with media.make_small(media_dir).open("rb") as fh:
        client.post(f"/api/cases/{case['id']}/clips", files={"file": ("a.mp4", fh)},
                    headers=pro["headers"])
    _work(get_runtime())

    with TestClient(scraped_app) as scraper:
        assert scraper.get("/metrics").status_code == 404
        assert scraper.get("/metrics", headers={"Authorization": "Bearer nope"}
                           ).status_code == 404
        scraper.get("/api/health")
        page = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    values = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
              for line in page.text.splitlines() if line and not line.startswith("#")}
    assert values['attune_jobs_total{kind="transcode",outcome="succeeded"}'] >= 1
    assert values["attune_transcode_seconds_total"] > 0
    assert values["attune_transcoded_media_seconds_total"] >= 2
    assert values["attune_upload_bytes_total"] > 0
    assert 'attune_queue_jobs{queue="transcode",state="queued"}' in values
    assert any(key.startswith("http_requests_total{") and 'handler="/api/health"' in key
               for key in values)
    # the client app (no token configured) has no metrics at all
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
                      ).status_code == 404
