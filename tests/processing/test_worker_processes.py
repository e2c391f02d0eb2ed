"""What a worker's forked job processes share with it, and what a worker killed
the moment it took a job leaves behind (found running the production shape,
bench/cluster.py: PostgreSQL, RQ's forking worker, a kill -9)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import media
from sqlalchemy import text
from support import create_case, run_jobs, team_name, upload


def test_a_forked_job_opens_its_own_database_connections(runtime: Any) -> None:
    """RQ runs each job in a forked child while the worker's sweeper thread keeps
    using the pool: a child that took the parent's connection would interleave
    its messages with the parent's on one session, and PostgreSQL ends it."""
    from core.db.session import get_engine

    engine = get_engine(runtime.database_url)
    # One pooled connection, so the parent gets the same one back afterwards.
    engine.dispose()
    with engine.connect() as conn:
        parent_backend = conn.scalar(text("SELECT pg_backend_pid()"))
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the job process
        try:
            with engine.connect() as conn:
                os.write(write_end, str(conn.scalar(text("SELECT pg_backend_pid()"))).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    with os.fdopen(read_end) as pipe:
        child_backend = int(pipe.read())
    assert child_backend != parent_backend
    with engine.connect() as conn:  # and the parent's session lived through it
        assert conn.scalar(text("SELECT pg_backend_pid()")) == parent_backend


def test_a_clip_whose_worker_died_as_it_took_the_job_is_queued_again(
        runtime: Any, client: Any, users: Any, media_dir: Path, monkeypatch: Any) -> None:
    """Killed after taking the job and before marking the clip: the clip is still
    'queued', and RQ calls the job 'started' until its own clean-up minutes
    later. The sweeper does not wait for that."""
    from rq.job import Job, JobStatus

    from worker.sweeper import sweep

    pro = users.add("professional", team_name())
    case_id = create_case(client, pro["headers"], "Gezin 2026-515")
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                   name="taken.mp4")
    clip_id = upload(client, pro["headers"], case_id, source)
    with runtime.db() as db:
        job_id = db.execute(text("SELECT job_id FROM clips WHERE id = :id"),
                            {"id": clip_id}).scalar_one()
        db.execute(text("UPDATE clips SET updated_at = updated_at - interval '10 minutes' "
                        "WHERE id = :id"), {"id": clip_id})
    monkeypatch.setattr(runtime.settings, "stale_after_s", 60)
    job = Job.fetch(job_id, connection=runtime.redis)
    job.set_status(JobStatus.STARTED)  # what a worker writes as it takes the job

    job.started_at = datetime.now(UTC) - timedelta(seconds=5)
    job.save()
    assert clip_id not in sweep(runtime), "a worker that took the job just now claims it"

    job.started_at = datetime.now(UTC) - timedelta(minutes=5)
    job.save()
    assert clip_id in sweep(runtime)
    run_jobs(runtime)
    ready = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert ready["status"] == "ready", ready
