"""A success answer means the change is stored: committed before the response
leaves, readable right after, and never a 2xx for a change the database refused."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import text

ROUNDS = 200
PARALLEL = 4  # more only queues the requests behind each other


def _create_then_read(base: str, headers: dict[str, str]) -> str | None:
    """Make a case and read it back at once; the failure, if any, in words."""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        made = http.post("/api/cases", json={"label": f"Gezin {secrets.token_hex(6)}"})
        if made.status_code != 201:
            return f"create answered {made.status_code}"
        case_id = made.json()["id"]
        read = http.get(f"/api/cases/{case_id}")
        if read.status_code != 200:
            return f"read right after create answered {read.status_code}"
        listed = http.get("/api/cases")
        if case_id not in {c["id"] for c in listed.json()}:
            return "the new case is missing from the list"
    return None


def test_create_then_read_never_misses_under_concurrency(live_url: str, users: Any) -> None:
    pro = users.add("professional", "Noord")
    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(lambda _: _create_then_read(live_url, pro["headers"]),
                                 range(ROUNDS)))
    misses = [o for o in outcomes if o]
    assert misses == [], f"{len(misses)} of {ROUNDS} misses, e.g. {misses[:3]}"


@pytest.fixture()
def refusing_commit(runtime: Any) -> Any:
    """A deferred constraint trigger: the database refuses a case labelled
    ``refuse-at-commit`` only when the transaction commits, as a failing disk,
    a lost connection or a serialisation failure would."""
    with runtime.db() as db:
        db.execute(text("""
            CREATE FUNCTION refuse_at_commit() RETURNS trigger AS $$
            BEGIN
              IF NEW.label = 'refuse-at-commit' THEN
                RAISE EXCEPTION 'refused at commit';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql"""))
        db.execute(text("""
            CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON cases
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"""))
    yield
    with runtime.db() as db:
        db.execute(text("DROP TRIGGER refuse_at_commit ON cases"))
        db.execute(text("DROP FUNCTION refuse_at_commit()"))


@pytest.mark.usefixtures("refusing_commit")
def test_a_failed_commit_is_never_a_success(live_url: str, users: Any) -> None:
    pro = users.add("professional", "Noord")
    with httpx.Client(base_url=live_url, headers=pro["headers"], timeout=30) as http:
        resp = http.post("/api/cases", json={"label": "refuse-at-commit"})
        assert resp.status_code == 503
        assert resp.json()["code"] == "not_saved"
        assert resp.headers["retry-after"]
        assert "refuse-at-commit" not in {c["label"] for c in http.get("/api/cases").json()}
        # the next request works as usual
        assert http.post("/api/cases", json={"label": "Gezin daarna"}).status_code == 201
