"""Who may open which console route: one declaration per route, checked on every request.

Every route of a console page is declared through :class:`Pages` with the roles that may use
it — there is no way to declare one without them::

    pages = Pages("repairs", flow="repair")

    @pages.get("/repairs", roles=allow("property"), nav=True)
    def board(request: Request, viewer: ViewerDep) -> Response: ...

``allow(...)`` always includes ``admin``; ``ADMIN_ONLY``, ``EVERY_ROLE`` and ``PUBLIC`` (the
login page) name the usual sets. The declaration becomes the route's :class:`Access`
dependency, which answers, in this order: no live session → a redirect to the login page
(303) for a page, 401 for a POST; a role not in the set → 403; the page's flow switched off
in config.yml → 404; a POST without the session's CSRF token → 403. A test walks the app's
routing table and checks every ``/console`` route this way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from bot.console.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, Keys, same_token
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.console import ConsoleSessionRepository
from store.db import transaction
from store.staff import ROLES, StaffRepository

Roles = frozenset[str] | None
#: The login page and the stylesheet: anyone.
PUBLIC: Roles = None
ADMIN_ONLY: Roles = frozenset({"admin"})
EVERY_ROLE: Roles = frozenset(ROLES)
SAFE_METHODS = frozenset({"GET", "HEAD"})


def allow(*roles: str) -> frozenset[str]:
    """These roles, and admins (who may do everything)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown console roles {sorted(unknown)}")
    return frozenset({"admin", *roles})


class ConsoleError(HTTPException):
    """A refusal shown as a console page (its ``reason`` picks the words in error.html)."""

    def __init__(self, status_code: int, reason: str) -> None:
        super().__init__(status_code, reason)
        self.reason = reason


class LoginRequired(ConsoleError):
    """A logged-out visitor opening a page: sent to the login page, then back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(303, "login")
        self.back_to = back_to


@dataclass(frozen=True)
class Viewer:
    """The logged-in staff member of this request."""

    id: int
    name: str
    role: str
    username: str
    csrf: str
    token: str

    def may(self, roles: Roles) -> bool:
        return roles is None or self.role in roles


@dataclass(frozen=True)
class Access:
    """The dependency of one console route: its roles (None: public) and its page's flow."""

    roles: Roles
    flow: str | None = None

    async def __call__(self, request: Request) -> Viewer | None:
        if self.roles is None:
            return None
        viewer = await run_in_threadpool(load_viewer, request)
        if viewer is None:
            if request.method in SAFE_METHODS:
                raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            raise ConsoleError(401, "login")
        if not viewer.may(self.roles):
            raise ConsoleError(403, "forbidden")
        if self.flow is not None and not flow_enabled(runtime_of(request), self.flow):
            raise ConsoleError(404, "not_found")
        if request.method not in SAFE_METHODS:
            form = await request.form()
            given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
            if not isinstance(given, str) or not same_token(given, viewer.csrf):
                raise ConsoleError(403, "csrf")
        request.state.viewer = viewer
        return viewer


def current_viewer(request: Request) -> Viewer:
    """The viewer :class:`Access` let through (a route declared with roles always has one)."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is None:
        raise ConsoleError(401, "login")
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def keys_of(request: Request) -> Keys:
    """The console's signing keys, read once per app (CONSOLE_SECRET, or the local dev secret)."""
    keys: Keys | None = getattr(request.app.state, "console_keys", None)
    if keys is None:
        keys = request.app.state.console_keys = Keys.from_environment()
    return keys


def flow_enabled(runtime: Runtime, flow: str) -> bool:
    return flow in runtime.registry.flows


def load_viewer(request: Request) -> Viewer | None:
    """The staff member whose live session the request's cookie names, if any."""
    token = keys_of(request).unseal(request.cookies.get(SESSION_COOKIE))
    if token is None:
        return None
    with transaction(runtime_of(request).read_factory) as session:
        store = Store(session)
        found = store[ConsoleSessionRepository].find(token, utcnow())
        member = store[StaffRepository].get(found.staff_id) if found is not None else None
        if found is None or member is None or not member.active or not member.username or not member.password_hash:
            return None
        return Viewer(member.id, member.name, member.role, member.username, found.csrf, token)


@dataclass
class NavEntry:
    page: str
    path: str
    roles: Roles
    flow: str | None
    order: int


@dataclass
class Pages:
    """The routes of one console page module, each declared with the roles that may use it.

    ``name`` keys the page's entry in the navigation (its words are in templates/nav.html);
    ``flow`` hides the whole page when that flow is switched off in config.yml; ``order``
    places it in the navigation."""

    name: str
    flow: str | None = None
    order: int = 100
    router: APIRouter = field(default_factory=APIRouter)
    nav: NavEntry | None = None

    def get(self, path: str, *, roles: Roles, nav: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ["GET"], roles=roles, nav=nav)

    def post(self, path: str, *, roles: Roles) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ["POST"], roles=roles)

    def route(self, path: str, methods: list[str], *, roles: Roles,
              nav: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if nav:
            self.nav = NavEntry(self.name, path, roles, self.flow, self.order)

        def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self.router.add_api_route(path, endpoint, methods=methods, include_in_schema=False,
                                      dependencies=[Depends(Access(roles, self.flow))])
            return endpoint

        return register
