"""Logging in to the console: hashed passwords, the rate limit, cookies, logout, the audit log."""
from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from store.console import AuditRepository
from store.staff import StaffRepository
from tests.console.conftest import PASSWORD, csrf_of, log_in


def post_login(console: TestClient, username: str, password: str) -> object:
    form = console.get("/console/login")
    return console.post("/console/login", data={"username": username, "password": password,
                                                "csrf_token": csrf_of(form.text)})


def test_the_password_is_stored_hashed_never_in_clear(member: Callable, store_of: Callable) -> None:
    member_id = member("wang", "staff")
    with store_of() as store:
        stored = store[StaffRepository].get(member_id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_right_password_logs_in_with_a_secure_session_cookie_and_is_audited(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    member_id = member("wang", "staff")
    answer = post_login(console, "wang", PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/dashboard"
    cookie = next(value for name, value in answer.headers.multi_items()
                  if name == "set-cookie" and value.startswith("console_session="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "path=/console" in cookie.lower()
    assert console.get("/console/dashboard").status_code == 200
    with store_of() as store:
        [entry] = store[AuditRepository].recent(action="login")
    assert (entry.staff_id, entry.actor) == (member_id, "wang")


def test_the_sixth_wrong_password_is_refused_with_the_rate_limit_message_even_when_right(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    member("wang", "staff")
    for _ in range(5):
        wrong = post_login(console, "wang", "not the password")
        assert wrong.status_code == 401 and "登录名或密码不对" in wrong.text
    limited = post_login(console, "wang", "still wrong")
    assert limited.status_code == 429 and "15 分钟后再试" in limited.text
    right_but_limited = post_login(console, "wang", PASSWORD)
    assert right_but_limited.status_code == 429 and "console_session=" not in right_but_limited.headers.get(
        "set-cookie", "")
    with store_of() as store:
        assert len(store[AuditRepository].recent(action="login_failed")) == 5
        assert len(store[AuditRepository].recent(action="login_refused")) == 2


def test_an_unknown_username_is_refused_like_a_wrong_password(console: TestClient) -> None:
    answer = post_login(console, "nobody", PASSWORD)
    assert answer.status_code == 401 and "登录名或密码不对" in answer.text


def test_a_login_post_without_the_form_token_is_refused(console: TestClient, member: Callable) -> None:
    member("wang", "staff")
    answer = console.post("/console/login", data={"username": "wang", "password": PASSWORD})
    assert answer.status_code == 403 and "console_session=" not in answer.headers.get("set-cookie", "")


def test_after_logout_the_old_cookie_opens_nothing(console: TestClient, member: Callable) -> None:
    member("wang", "staff")
    csrf = log_in(console, "wang")
    cookie = console.cookies.get("console_session")
    assert console.post("/console/logout", data={"csrf_token": csrf}).status_code == 303
    console.cookies.set("console_session", cookie, path="/console")
    answer = console.get("/console/dashboard")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


def test_a_deactivated_member_is_logged_out(console: TestClient, member: Callable, store_of: Callable) -> None:
    member_id = member("wang", "staff")
    log_in(console, "wang")
    with store_of() as store:
        store[StaffRepository].get(member_id).active = False
    assert console.get("/console/dashboard").status_code == 303


def test_after_login_the_visitor_returns_to_the_page_they_asked_for_but_never_off_site(
        console: TestClient, member: Callable) -> None:
    member("boss", "admin")
    sent = console.get("/console/audit")
    assert sent.headers["location"] == "/console/login?next=%2Fconsole%2Faudit"
    form = console.get(sent.headers["location"])
    assert 'name="next" value="/console/audit"' in form.text
    back = console.post("/console/login", data={"username": "boss", "password": PASSWORD, "next": "/console/audit",
                                                "csrf_token": csrf_of(form.text)})
    assert back.headers["location"] == "/console/audit"
    console.cookies.clear()
    form = console.get("/console/login")
    away = console.post("/console/login", data={"username": "boss", "password": PASSWORD,
                                                "next": "//evil.example/x", "csrf_token": csrf_of(form.text)})
    assert away.headers["location"] == "/console/dashboard"


def test_failures_too_old_to_count_are_removed_when_a_new_one_is_recorded(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    from datetime import timedelta

    from store.clock import utcnow
    from store.console import LoginFailure, LoginFailureRepository

    member("wang", "staff")
    with store_of() as store:
        store[LoginFailureRepository].record("old", "10.0.0.9", utcnow() - timedelta(hours=2))
    assert post_login(console, "wang", "not the password").status_code == 401
    with store_of() as store:
        kept = [(f.username, f.ip) for f in store.session.query(LoginFailure)]
    assert [who for who, _ in kept] == ["wang"]
