"""The API's description (``/api/openapi.json``) as the API really answers.

Every error is ``{"detail", "code", "errors"?}`` (see
:func:`core.web.install_error_handlers`), whatever its status: :class:`ErrorOut`
describes it once, :func:`errors` declares the statuses a router can answer
with it, and :func:`install_openapi` puts it where FastAPI would describe a
422 as its own ``HTTPValidationError``. A client generated from the
description, or a contract test run against it, then expects what it gets.
"""

from __future__ import annotations

from typing import Any, get_args

from fastapi import FastAPI, Response
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field


class FieldErrorOut(BaseModel):
    """What is wrong with one field the client sent."""

    field: str = Field(description="The field as the client named it (``a.b`` when nested), "
                                   "or where in an imported file.")
    message: str
    code: str | None = Field(default=None, description="The rule the value broke.")


class ErrorOut(BaseModel):
    """Every error answer: a readable reason and a stable key for an app to word."""

    detail: str = Field(description="What went wrong, in English, and what to do about it.")
    code: str = Field(description="A stable key (``error.<code>`` in the web app's texts).")
    errors: list[FieldErrorOut] | None = Field(
        default=None, description="Per-field reasons, when the request was not valid.")


#: What each error status means in this API, for the description.
MEANINGS: dict[int, str] = {
    400: "The request is malformed (a header or the body is not what this endpoint takes).",
    401: "Not logged in, or the login has ended.",
    403: "Logged in, but not allowed to do this (role, consent, CSRF token, two-factor set-up).",
    404: "No such object, or no access to it.",
    405: "The path exists, but not with this method (``Allow`` lists the methods it has).",
    409: "The object's state does not allow this now.",
    410: "Gone for good (removed, purged, expired).",
    412: "``If-Match`` names an older version: someone changed it meanwhile.",
    413: "Too large.",
    415: "Unsupported content type.",
    416: "The requested byte range is outside the file.",
    423: "Locked for a while (too many wrong access codes).",
    422: "The request is well-formed but not valid; ``errors`` says per field why.",
    428: "A change needs ``If-Match`` with the version it was based on.",
    429: "Too many attempts; ``Retry-After`` says when to try again.",
    503: "A dependency (database, job queue, recording store) is unavailable; "
         "``Retry-After`` says when to try again.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router or route: these statuses, each with :class:`ErrorOut`."""
    return {status: {"model": ErrorOut, "description": MEANINGS[status]}
            for status in statuses}


def file_answer(*media_types: str, description: str = "The file.",
                status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that answers a file, not JSON: its media types
    (parameters such as ``charset`` left off, as clients match on the type)."""
    return {status: {"description": description, "content": {
        media_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
        for media_type in media_types}}}


def install_openapi(app: FastAPI) -> None:
    """Replace FastAPI's ``HTTPValidationError`` with :class:`ErrorOut` in the description,
    and say that an answer FastAPI serialises carries every field of its model."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 description=app.description, routes=app.routes,
                                 tags=app.openapi_tags, servers=app.servers)
            app.openapi_schema = with_answers_whole(with_error_model(schema), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_ERROR_REF = "#/components/schemas/ErrorOut"
_FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")


def with_error_model(schema: dict[str, Any]) -> dict[str, Any]:
    """Every 422 and every other error answer refers to :class:`ErrorOut`, and
    FastAPI's own validation error schemas are gone."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        components.update(ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}")["$defs"])
        components["ErrorOut"] = {k: v for k, v in ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}").items() if k != "$defs"}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for status, answer in operation.get("responses", {}).items():
                if status == "422" or str(status).startswith(("4", "5")):
                    answer.setdefault("description", MEANINGS.get(int(status), "Error"))
                    content = answer.setdefault("content", {})
                    media = content.setdefault("application/json", {})
                    ref = media.get("schema", {}).get("$ref", "")
                    if not media.get("schema") or ref.endswith(_FASTAPI_ERRORS):
                        media["schema"] = {"$ref": _ERROR_REF}
    for name in _FASTAPI_ERRORS:
        components.pop(name, None)
    return schema


def with_answers_whole(schema: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Every field of a model FastAPI answers with is ``required`` in its schema.

    Pydantic describes a field with a default as optional, which is right for
    what a client sends but not for what it gets: FastAPI serialises a
    ``response_model`` whole (no route leaves out unset or default fields), so
    ``closed_at`` is always there, ``null`` or not. Only the models of such
    answers are changed; one a client also sends keeps its optional fields, and
    answers a route builds by hand (errors, ``responses=`` models, an endpoint
    that returns a ``Response`` itself) are left as they are.
    """
    components = schema.get("components", {}).get("schemas", {})
    operations = {operation.get("operationId"): operation
                  for item in schema.get("paths", {}).values()
                  for operation in item.values() if isinstance(operation, dict)}
    answered: set[str] = set()
    for route in iter_route_contexts(routes):
        if (not isinstance(route.original_route, APIRoute) or route.response_model is None
                or _answers_itself(route.endpoint)):
            continue
        operation = operations.get(route.unique_id, {})
        answer = operation.get("responses", {}).get(str(route.status_code or 200), {})
        _refs(answer.get("content", {}).get("application/json", {}), components, answered)
    sent: set[str] = set()
    for operation in operations.values():
        _refs([operation.get("requestBody", {}), operation.get("parameters", [])],
              components, sent)
    for name in answered - sent:
        model = components[name]
        if model.get("properties"):
            model["required"] = list(model["properties"])
    return schema


def _answers_itself(endpoint: Any) -> bool:
    """The endpoint may return a ``Response``, which FastAPI sends as it is."""
    returned = get_typed_return_annotation(endpoint)
    return any(isinstance(kind, type) and issubclass(kind, Response)
               for kind in (returned, *get_args(returned)))


def _refs(node: Any, components: dict[str, Any], found: set[str]) -> None:
    """The schemas ``node`` refers to, directly or through other schemas, into ``found``."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if ref.startswith("#/components/schemas/") and name not in found:
            found.add(name)
            _refs(components.get(name), components, found)
        for value in node.values():
            _refs(value, components, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, components, found)
