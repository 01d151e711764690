"""The staff console through the ASGI app: members of each role with a console login, and a
client that logs in as a person does (reads the login form's token, posts the form)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from bot.console.users import create_or_update
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.db import transaction

PASSWORD = "correct horse 42"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def console_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SECRET", "test-console-secret-0123456789abcdef")


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its cheapest parameters in these in-process tests (a login costs ~0.15 s
    with the real ones, and these tests log in dozens of times); the CLI and browser tests run
    the real server and command with the real parameters."""
    import argon2

    from bot.console import security

    monkeypatch.setattr(security, "_hasher", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    security._dummy_hash.cache_clear()


def add_member(runtime: Runtime, username: str, role: str, name: str = "") -> int:
    """A staff member with a console login; returns their id."""
    with transaction(runtime.factory) as session:
        member, _ = create_or_update(Store(session), username, name or username, role, PASSWORD, utcnow())
        return member.id


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, html[:500]
    return match.group(1)


def log_in(http: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token (read from the page after login)."""
    form = http.get("/console/login")
    answer = http.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_of(form.text)}, follow_redirects=True)
    assert answer.status_code == 200 and "退出登录" in answer.text, answer.text[:800]
    return csrf_of(answer.text)


@pytest.fixture
def console(runtime: Runtime) -> Iterator[TestClient]:
    """A browser-like client of the app (cookies kept between requests), not logged in."""
    with TestClient(create_app(runtime, background=False), follow_redirects=False) as http:
        yield http


@pytest.fixture
def member(runtime: Runtime) -> Callable[..., int]:
    def make(username: str, role: str, name: str = "") -> int:
        return add_member(runtime, username, role, name)

    return make
