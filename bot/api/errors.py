"""How the staff API says no: one JSON shape for every refusal, and no 500s.

::

    HTTPException (Starlette)
    └── ApiError              status + {"error": code, "message", "field"?, …}
        ├── not_found()       404 {"error": "not_found"}
        ├── conflict()        409 {"error": "conflict", "field"}
        └── invalid()         422 {"error": "validation", "field", "errors"}

Request validation (a body or query parameter FastAPI refuses) is answered in the shape
``invalid()`` gives, naming the first offending field. Anything unexpected under ``/api`` is
logged once and answered 503 ``{"error": "unavailable"}``, like the rest of the app; the
webhook's own answers (``success``, 403) are never touched.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

PREFIX = "/api"
_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "validation", 429: "too_many_requests"}


class ApiError(HTTPException):
    """A refusal with its JSON body; raising it rolls back the request's transaction."""

    def __init__(self, status_code: int, body: Mapping[str, Any],
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status_code, str(body.get("message", "")), dict(headers) if headers else None)
        self.body = dict(body)


def not_found(what: str, ident: object) -> NoReturn:
    """404 for an id that names nothing."""
    raise ApiError(404, {"error": "not_found", "message": f"{what} {ident} does not exist"})


def conflict(field: str, message: str) -> NoReturn:
    """409 for a request that clashes with what is already recorded."""
    raise ApiError(409, {"error": "conflict", "field": field, "message": message})


def invalid(field: str, message: str) -> NoReturn:
    """422 for a value the schema let through but the records refuse."""
    raise ApiError(422, validation_body([(field, message)]))


def unauthorized(message: str) -> ApiError:
    return ApiError(401, {"error": "unauthorized", "message": message}, {"WWW-Authenticate": "Bearer"})


def validation_body(problems: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The 422 body: the first offending field up front, every problem listed."""
    field, message = problems[0]
    return {
        "error": "validation",
        "field": field,
        "message": f"{field}: {message}",
        "errors": [{"field": name, "message": text} for name, text in problems],
    }


def field_name(loc: Sequence[str | int]) -> str:
    """``("body", "members", 0, "phone")`` → ``members.0.phone``; the source alone when nothing follows."""
    parts = list(loc)
    source = str(parts.pop(0)) if parts and parts[0] in _SOURCES else "body"
    named = [str(part).replace("-", "_").lower() for part in parts]
    if source == "body" and named and isinstance(parts[0], int):
        return "body"  # a JSON syntax error reports a character position, not a field
    return ".".join(named) or source


def check_text(error: Mapping[str, Any]) -> str:
    """One of pydantic's ``errors()`` in words: our own checks' without the ``Value error, `` or
    ``Assertion failed, `` pydantic puts before them."""
    text = str(error.get("msg", "is not valid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def is_api(request: Request | Scope) -> bool:
    path = str(request["path"])
    return path == PREFIX or path.startswith(PREFIX + "/")


async def _on_validation(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if not is_api(request):
        return await request_validation_exception_handler(request, error)
    problems = [(field_name(item.get("loc", ())), check_text(item)) for item in error.errors()]
    body = validation_body(problems or [("body", "is not valid")])
    return JSONResponse(jsonable_encoder(body), status_code=422)


async def _on_http(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if isinstance(error, ApiError):
        return JSONResponse(jsonable_encoder(error.body), status_code=error.status_code, headers=error.headers)
    if not is_api(request):
        return await http_exception_handler(request, error)
    code = _CODES.get(error.status_code, "error")
    return JSONResponse({"error": code, "message": str(error.detail)}, status_code=error.status_code,
                        headers=error.headers)


class UnexpectedErrors:
    """ASGI middleware: an unexpected error under /api is logged once and answered 503 in JSON.

    Starlette's handler for ``Exception`` re-raises after answering (so servers log it a
    second time); catching here, inside it, keeps one log line per failure."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_api(scope):
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:  # the boundary of the staff API: whatever a route does, answer JSON
            log.exception("staff API: unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                response = JSONResponse({"error": "unavailable", "message": "temporarily unavailable, try again"},
                                        status_code=503)
                await response(scope, receive, send)


def install_error_handling(app: FastAPI) -> None:
    """The API's error shapes on ``app``; other paths keep FastAPI's defaults."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_middleware(UnexpectedErrors)
