"""The API answers as /api/openapi.json says it does.

Schemathesis reads the description and, per operation, sends requests built
from it (valid ones and deliberately invalid ones) as a logged-in
professional with a case of their own, then checks every answer: never a
server error, only statuses the operation declares, and a body that fits the
declared schema (errors included: ``ErrorOut``). Examples per operation are
bounded and derandomised, so the run is short and the same every time.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support import create_case, make_people, team_name

#: Per operation. Enough to reach every parameter's invalid and valid forms;
#: few enough that the ~115 operations take a couple of minutes on two cores.
EXAMPLES = 12

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

#: Operations left out, and why: each would disturb the tests that share this
#: session's database and client address, or cannot be driven by generated data.
EXCLUDED: dict[tuple[str, str], str] = {
    ("POST", "/api/auth/logout"): "ends the login the other operations use",
    ("DELETE", "/api/auth/session"): "ends the login the other operations use",
    ("POST", "/api/auth/token"): "failed logins count against the address every test "
                                 "client shares (the login throttle would refuse them)",
    ("POST", "/api/auth/session"): "failed logins count against the shared address",
    ("POST", "/api/setup"): "setup attempts count against the shared address",
    ("POST", "/api/account/password"): "wrong passwords count against the shared address, "
                                       "and a change ends the login",
    ("DELETE", "/api/account/totp"): "wrong passwords count against the shared address",
    ("POST", "/api/account/recovery-codes"): "wrong passwords count against the shared "
                                             "address",
    ("POST", "/api/account/totp/confirm"): "wrong codes count against the shared address",
    ("PATCH", "/api/uploads/{upload_id}"): "a tus body is a byte stream at an offset, "
                                           "which generated data cannot follow",
}


@pytest.fixture(scope="module")
def professional(runtime: Any, app: Any) -> dict[str, Any]:
    """A logged-in professional with a case, so routes get past 401 and a list
    has something in it."""
    from fastapi.testclient import TestClient

    pro = make_people(runtime, app, team_name(), pro="professional")["pro"]
    with TestClient(app) as client:
        case_id = create_case(client, pro["headers"], "Contract")
    return {**pro, "case_id": case_id}


def test_api_answers_as_described(app: Any, professional: dict[str, Any]) -> None:
    """Every operation, in turn; all findings are listed at the end."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    findings: dict[str, str] = {}
    examples = 0
    operations = [result.ok() if isinstance(result, Ok) else pytest.fail(str(result.err()))
                  for result in schema.get_all_operations()]
    checked = [op for op in operations if (op.method.upper(), op.path) not in EXCLUDED]
    assert len(operations) - len(checked) == len(EXCLUDED), "an excluded operation is gone"
    for operation in checked:
        # the professional's own case where a path names one, so those
        # operations are checked past "no such case" too
        own = {"case_id": professional["case_id"]} if "{case_id}" in operation.path else None
        strategy = st.one_of(*(operation.as_strategy(mode, path_parameters=own)
                               for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def answers_as_described(case: Any) -> None:
            nonlocal examples
            examples += 1
            case.call_and_validate(headers=professional["headers"], checks=CHECKS)

        try:
            answers_as_described()
        except (Exception, FailureGroup) as exc:
            findings[operation.label] = "\n".join(_reasons(exc))
    print(f"{len(checked)} operations, {examples} examples, {len(findings)} with findings")
    assert not findings, "\n\n".join(f"{label}:\n{text}" for label, text in findings.items())


def _reasons(exc: BaseException) -> list[str]:
    """Each failure's title, what came back, and how to send the request again."""
    if isinstance(exc, BaseExceptionGroup):
        return [reason for inner in exc.exceptions for reason in _reasons(inner)]
    return [str(exc)[:1500]]


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/api/uploads/", "OPTIONS, POST"),
    ("PUT", "/api/annotations/nothing", "DELETE, GET, PATCH"),
    ("POST", "/api/sets/nothing/summary", "GET"),
])
def test_wrong_method_names_every_method_of_the_path(client: Any, method: str, path: str,
                                                     allow: str) -> None:
    resp = client.request(method, path)
    assert resp.status_code == 405, resp.text
    assert resp.headers["allow"] == allow
    assert resp.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_path_no_route_has_is_not_found(client: Any, method: str) -> None:
    resp = client.request(method, "/api/no-such-thing")
    assert resp.status_code == 404, resp.text
    assert resp.json()["code"] == "not_found"


def test_errors_are_described_as_they_are_answered(client: Any) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    answers = spec["paths"]["/api/sets/{set_id}/summary"]["get"]["responses"]
    assert answers["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Summary"}
    for status in ("401", "404", "422", "503"):
        assert answers[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"}
