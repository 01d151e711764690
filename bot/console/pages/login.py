"""Logging in and out of the console.

Five wrong passwords for one username from one address within 15 minutes lock that pair out
for the rest of the window (the sixth try is refused whatever the password), and every
login, failure and refusal is in the audit log.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Form
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import EVERY_ROLE, PUBLIC, Pages, ViewerDep, keys_of
from bot.console.security import (
    COOKIE_PATH,
    PRE_LOGIN_COOKIE,
    SESSION_COOKIE,
    check_password,
    client_ip,
    hash_password,
    is_https,
    needs_rehash,
    new_token,
    same_token,
)
from bot.console.web import audit, login_token, redirect, render, work
from store.clock import utcnow
from store.console import AuditRepository, ConsoleSessionRepository, LoginFailureRepository
from store.staff import StaffRepository

pages = Pages("login", order=0)

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_HOURS = 12


def _safe_next(target: str) -> str:
    """Only a console path (never another site) after logging in."""
    if target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/dashboard"


def _login_page(request: Request, status_code: int = 200, **context: object) -> Response:
    pre, token = login_token(request)
    response = render(request, "login.html", status_code=status_code, login_csrf=token,
                      next=_safe_next(str(context.pop("next", request.query_params.get("next", "")))), **context)
    response.set_cookie(PRE_LOGIN_COOKIE, pre, max_age=3600, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=is_https(request))
    return response


@pages.get("/login", roles=PUBLIC)
def login_form(request: Request) -> Response:
    return _login_page(request)


@pages.post("/login", roles=PUBLIC)
def login(request: Request, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "", csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "") -> Response:
    pre = request.cookies.get(PRE_LOGIN_COOKIE, "")
    if not pre or not same_token(csrf_token, keys_of(request).login_csrf(pre)):
        return _login_page(request, 403, error="csrf", username=username, next=next)
    username = username.strip()
    ip, now = client_ip(request), utcnow()
    with work(request) as store:
        failures = store[LoginFailureRepository]
        if failures.count_since(username, ip, now - FAILURE_WINDOW) >= MAX_FAILURES:
            store[AuditRepository].record(staff_id=None, actor=username, action="login_refused", detail="rate limit",
                                          ip=ip, now=now)
            limited = True
        else:
            limited = False
            member = store[StaffRepository].by_username(username) if username else None
            right = check_password(member.password_hash if member else None, password)  # same time either way
            if member is None or not right:
                failures.purge_before(now - FAILURE_WINDOW)
                failures.record(username, ip, now)
                store[AuditRepository].record(staff_id=member.id if member else None, actor=username,
                                              action="login_failed", ip=ip, now=now)
                member = None
    if limited:
        return _login_page(request, 429, error="limited", username=username, next=next)
    if member is None:
        return _login_page(request, 401, error="wrong", username=username, next=next)
    token, csrf = new_token(), new_token()
    with work(request) as store:
        member = store[StaffRepository].get(member.id)
        assert member is not None and member.password_hash is not None
        if needs_rehash(member.password_hash):
            member.password_hash = hash_password(password)
        store[LoginFailureRepository].clear(username, ip)
        sessions = store[ConsoleSessionRepository]
        sessions.purge_expired(now)
        sessions.open(token, member.id, csrf, ip, now, now + timedelta(hours=SESSION_HOURS))
        store[AuditRepository].record(staff_id=member.id, actor=username, action="login", ip=ip, now=now)
    response = redirect(_safe_next(next).removeprefix("/console"))
    response.set_cookie(SESSION_COOKIE, keys_of(request).seal(token), max_age=SESSION_HOURS * 3600, path=COOKIE_PATH,
                        httponly=True, samesite="lax", secure=is_https(request))
    response.delete_cookie(PRE_LOGIN_COOKIE, path=COOKIE_PATH)
    return response


@pages.post("/logout", roles=EVERY_ROLE)
def logout(request: Request, viewer: ViewerDep) -> Response:
    with work(request) as store:
        store[ConsoleSessionRepository].close(viewer.token)
        audit(store, request, "logout", "staff", viewer.id)
    response = redirect("/login", done="logged_out")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response
