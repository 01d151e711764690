"""Every /console route, read from the app's routing table, refuses a logged-out visitor and
every role that may not use it — so a route added without a role declaration fails here."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.testclient import TestClient

from bot.app import create_app
from bot.console.access import Access
from bot.runtime import Runtime
from store.staff import ROLES
from tests.console.conftest import add_member, log_in

#: The only routes anyone may use: the login form and its POST.
PUBLIC = {("GET", "/console/login"), ("POST", "/console/login")}
#: The stylesheet (a static files mount: no page, nothing personal).
STATIC = "/console/static"


def console_routes(runtime: Runtime) -> list[tuple[str, str, Access | None]]:
    app = create_app(runtime, background=False)
    found = []
    for context in iter_route_contexts(app.routes):  # the routing table, with included routers' prefixes
        route, path = context.original_route, context.path or ""
        if not path.startswith("/console") or path == STATIC:
            continue
        assert isinstance(route, APIRoute), f"{path} is not a page route with dependencies"
        declared = [dep.call for dep in route.dependant.dependencies if isinstance(dep.call, Access)]
        for method in sorted(route.methods):
            found.append((method, path, declared[0] if declared else None))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture
def clients(runtime: Runtime) -> Iterator[dict[str, tuple[TestClient, str]]]:
    """A logged-in client (and its CSRF token) for each role."""
    made: dict[str, tuple[TestClient, str]] = {}
    try:
        for role in ROLES:
            add_member(runtime, f"user_{role}", role)
            http = TestClient(create_app(runtime, background=False), follow_redirects=False)
            http.__enter__()
            made[role] = (http, log_in(http, f"user_{role}"))
        yield made
    finally:
        for http, _ in made.values():
            http.__exit__(None, None, None)


def test_every_console_route_declares_who_may_use_it(runtime: Runtime) -> None:
    routes = console_routes(runtime)
    assert len(routes) >= 5
    undeclared = [(method, path) for method, path, access in routes if access is None]
    assert undeclared == []
    public = {(method, path) for method, path, access in routes if access is not None and access.roles is None}
    assert public == PUBLIC


def test_logged_out_visitors_are_sent_to_the_login_page_and_posts_are_refused(console: TestClient,
                                                                              runtime: Runtime) -> None:
    for method, path, _access in console_routes(runtime):
        if (method, path) in PUBLIC:
            continue
        answer = console.request(method, concrete(path), data={"csrf_token": "x"})
        if method == "GET":
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"].startswith("/console/login?next="), (method, path)
        else:
            assert answer.status_code == 401, (method, path)


def test_each_role_is_refused_where_it_may_not_go_and_let_in_where_it_may(
        clients: dict[str, tuple[TestClient, str]], runtime: Runtime) -> None:
    checked = 0
    for method, path, access in console_routes(runtime):
        if (method, path) in PUBLIC or path == "/console/logout":
            continue
        assert access is not None and access.roles is not None
        for role, (http, csrf) in clients.items():
            answer = http.request(method, concrete(path), data={"csrf_token": csrf})
            if role in access.roles:
                assert answer.status_code not in (401, 403) and answer.status_code < 500, (
                    role, method, path, answer.status_code)
            else:
                assert answer.status_code == 403, (role, method, path, answer.status_code)
            checked += 1
    assert checked > 0


def test_a_post_without_the_csrf_token_is_refused_for_every_route(
        clients: dict[str, tuple[TestClient, str]], runtime: Runtime) -> None:
    http, _ = clients["admin"]
    for method, path, _access in console_routes(runtime):
        if method != "POST" or (method, path) in PUBLIC:
            continue
        answer = http.post(concrete(path), data={"text": "x"})
        assert answer.status_code == 403 and "请求已失效" in answer.text, path
        wrong = http.post(concrete(path), data={"text": "x", "csrf_token": "not-the-token"})
        assert wrong.status_code == 403, path
