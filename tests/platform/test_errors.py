"""One way to say no: the domain raises the kinds of :mod:`core.errors`, and
:data:`core.web.DOMAIN_STATUS` alone says which status each kind answers with.
Routes refuse with those kinds too; ``ApiError`` is left for what HTTP or the tus
protocol says itself, not the domain."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from core import errors
from core.web import DOMAIN_STATUS, domain_status, install_error_handlers

ROOT = Path(__file__).resolve().parents[2]


def _kinds() -> list[type[errors.DomainError]]:
    return [k for _, k in inspect.getmembers(errors, inspect.isclass)
            if issubclass(k, errors.DomainError) and k is not errors.DomainError]


def _everywhere(kind: type[errors.DomainError]) -> list[type[errors.DomainError]]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *_everywhere(sub)]
    return found


def test_every_kind_has_its_status() -> None:
    import attune.app  # noqa: F401 (a service's own subclass of a kind counts too)

    assert [k.__name__ for k in _kinds() if k not in DOMAIN_STATUS] == []
    fallback = [k.__name__ for k in _everywhere(errors.DomainError)
                if not any(base in DOMAIN_STATUS for base in k.__mro__)]
    assert fallback == [], "a kind without a listed base would answer a bare 400"


def test_a_kind_answers_with_its_status_code_detail_and_headers() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/stale")
    def stale() -> None:
        raise errors.Stale("Load it again.", "stale_thing", headers={"ETag": '"2"'},
                           errors=[{"field": "x", "message": "older", "code": "stale"}])

    answer = TestClient(app).get("/stale")
    assert answer.status_code == 412 == domain_status(errors.Stale("", ""))
    assert answer.headers["etag"] == '"2"'
    assert answer.json() == {"detail": "Load it again.", "code": "stale_thing",
                             "errors": [{"field": "x", "message": "older", "code": "stale"}]}


def _speaks_http(tree: ast.Module) -> bool:
    """A module that makes a FastAPI router: its statuses may be HTTP's own."""
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "APIRouter"
               for node in ast.walk(tree))


def _imports_api_error(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "core.web" and any(
                alias.name == "ApiError" for alias in node.names):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "ApiError":
            return True
    return False


def test_domain_modules_raise_domain_kinds_not_http_errors() -> None:
    wrong = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _speaks_http(tree) and _imports_api_error(tree):
            wrong.append(where)
    assert wrong == [], "raise a kind of core.errors in a domain module"


#: Where a route still raises ``ApiError``, and why no kind says it.
PROTOCOL_REFUSALS = {
    # 412 when the client speaks another tus version: the protocol's own check
    ("services/ingest/tus.py", "_require_version"),
}


def test_routes_raise_api_error_only_for_the_protocol() -> None:
    found = set()
    for path in sorted((ROOT / "services").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ApiError":
                    found.add((str(path.relative_to(ROOT)), function.name))
    assert found == PROTOCOL_REFUSALS, "refuse with a kind of core.errors"
