"""What console pages share: templates, the unit of work, the audit log, redirects.

A page handler reads or changes the records through the same repositories and functions the
staff API and the flows use, inside :func:`work` (one transaction: commit when the block ends,
roll back when it raises — the API's refusals included, which the handler then shows), writes
an :func:`audit` row in that same transaction, and answers with :func:`render` (a page) or
:func:`redirect` (after a POST, with a ``done`` code the page's template turns into words).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.api.errors import ApiError, check_text
from bot.console.access import NavEntry, Viewer, flow_enabled, keys_of, runtime_of
from bot.console.security import CSRF_FIELD, PRE_LOGIN_COOKIE, client_ip
from store import Store
from store.clock import utcnow
from store.console import AuditRepository
from store.db import transaction

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES))
T = TypeVar("T")

#: Sent with every console page: nothing cached, no framing, only our own scripts and styles.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https: http:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'",
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A console page: ``template`` with the viewer, the navigation, the CSRF field and ``context``."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    runtime = runtime_of(request)
    nav: list[NavEntry] = [entry for entry in request.app.state.console_nav
                           if viewer is not None and viewer.may(entry.roles)
                           and (entry.flow is None or flow_enabled(runtime, entry.flow))]
    csrf = viewer.csrf if viewer is not None else context.pop("login_csrf", "")
    values = {"viewer": viewer, "nav": nav, "csrf_token": csrf, "csrf_field": _csrf_field(csrf),
              "query": request.query_params, "done": request.query_params.get("done", ""),
              "community": runtime.settings.config.community.name, "timezone": timezone_of(request),
              **context}
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def _csrf_field(token: str) -> Markup:
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


def redirect(path: str, **query: object) -> RedirectResponse:
    """303 to a console path (after a POST), with ``query`` (e.g. ``done="replied"``)."""
    shown = {name: value for name, value in query.items() if value not in (None, "")}
    url = f"/console{path}" + (f"?{urlencode(shown)}" if shown else "")
    return RedirectResponse(url, status_code=303)


@contextmanager
def work(request: Request) -> Iterator[Store]:
    """One unit of work on the community's records (commit at the end, roll back if it raises)."""
    with transaction(runtime_of(request).factory) as session:
        yield Store(session)


def attempt(request: Request, action: Callable[[Store], T]) -> tuple[T | None, ApiError | None]:
    """Run ``action`` in its own unit of work; a refusal of the staff API's functions (404, 409,
    422) rolls it back and is returned instead of raised, for the page to show."""
    try:
        with work(request) as store:
            return action(store), None
    except ApiError as refusal:
        return None, refusal


def audit(store: Store, request: Request, action: str, object_type: str = "", object_id: object = "",
          detail: str = "") -> None:
    """Record what the logged-in member did, in the unit of work that did it."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    store[AuditRepository].record(
        staff_id=viewer.id if viewer else None, actor=viewer.username if viewer else "", action=action,
        object_type=object_type, object_id=object_id, detail=detail, ip=client_ip(request), now=utcnow())


def check_message(error: Mapping[str, Any]) -> str:
    """What a form shows for one of pydantic's ``errors()``: our own checks' words without the
    ``Value error, `` pydantic puts before them, pydantic's own checks in the words of
    ``_check_words.html`` (by the error's ``type``, with its ``ctx`` filled in)."""
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        return check_text(error)
    words = templates.env.get_template("_check_words.html").module
    fallback = str(words.fallback)  # type: ignore[attr-defined]
    said = dict(words.checks).get(kind, fallback)  # type: ignore[attr-defined]
    try:
        return str(said).format_map(dict(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return fallback


def now() -> datetime:
    return utcnow()


def timezone_of(request: Request) -> ZoneInfo:
    return ZoneInfo(runtime_of(request).settings.config.community.timezone)


def local_time(value: datetime | None, zone: Any) -> str:
    """A time as staff read it: 2026-03-05 14:20, in the community's zone."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value is not None else ""


templates.env.filters["local"] = local_time


def login_token(request: Request) -> tuple[str, str]:
    """The pre-login cookie (made when missing) and the login form's token bound to it."""
    from bot.console.security import new_token

    pre = request.cookies.get(PRE_LOGIN_COOKIE) or new_token()
    return pre, keys_of(request).login_csrf(pre)
