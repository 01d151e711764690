"""The staff JSON API at ``/api`` (SPEC §6): bearer-token access, one transaction per request,
one error shape, an OpenAPI document at ``/openapi.json`` (browsable at ``/docs``).

Flows add their own routes by handing ``create_app`` (and so :func:`install_api`) an
``APIRouter`` whose paths start below the prefix (``/bills``); they get the same token
check and error shapes, and reuse :mod:`bot.api.deps`, :mod:`bot.api.schemas` and
:mod:`bot.api.tabular`.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api import escalations, households, outbox
from bot.api.errors import PREFIX, unauthorized
from bot.api.schemas import ErrorBody, ValidationErrorBody
from bot.runtime import Runtime

__all__ = ["install_api"]

_bearer = HTTPBearer(auto_error=False, scheme_name="StaffToken",
                     description="the value of STAFF_API_TOKEN, sent as `Authorization: Bearer <token>`")
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no token, a wrong token, or STAFF_API_TOKEN not configured"},
    422: {"model": ValidationErrorBody, "description": "a field is wrong; `field` names the first one"},
}


def install_api(app: FastAPI, runtime: Runtime, routers: Iterable[APIRouter] = ()) -> None:
    """Mount the ``/api`` routes on ``app``: the built-in areas plus ``routers``, every route
    behind the token. (Each area is mounted straight on the app: FastAPI builds a route again
    at every level of nesting, which made every app cost half a second more.)"""
    token = [Depends(_token_check(runtime.settings.staff_api_token))]
    for router in (households.router, escalations.router, outbox.router, *routers):
        app.include_router(router, prefix=PREFIX, dependencies=token, responses=_RESPONSES)


def _token_check(expected: str) -> Callable[[HTTPAuthorizationCredentials | None], None]:
    def require_staff_token(
            credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> None:
        """Let the request through only with ``Authorization: Bearer <STAFF_API_TOKEN>``."""
        if not expected:
            raise unauthorized("the staff API is off: STAFF_API_TOKEN is not configured on the server")
        given = credentials.credentials if credentials is not None else ""
        if not given:
            raise unauthorized("send the staff token as `Authorization: Bearer <token>`")
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            raise unauthorized("the staff token is wrong")

    return require_staff_token
