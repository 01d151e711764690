"""Console logins: who may log in to the staff console, with which role.

One function serves the ``python -m bot console-user`` command (the first admin of a new
installation), the demo admin of ``python -m bot seed-demo`` and the staff page of the
console, so a login is made the same way wherever it is made.
"""
from __future__ import annotations

import re
from datetime import datetime

from bot.console.security import hash_password
from store import Store
from store.console import ConsoleSessionRepository
from store.staff import ROLES, Staff, StaffRepository

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 8


class LoginRefused(ValueError):
    """A username or password that cannot be used; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_login(username: str, password: str) -> None:
    if not USERNAME.fullmatch(username):
        raise LoginRefused("username", "a username is 2–64 letters, digits or . _ @ -")
    if len(password) < MIN_PASSWORD:
        raise LoginRefused("password", f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > 256:
        raise LoginRefused("password", "a password has at most 256 characters")


def set_login(store: Store, member: Staff, username: str, password: str) -> None:
    """Give ``member`` this console login (a new password ends their open sessions)."""
    check_login(username, password)
    holder = store[StaffRepository].with_username(username)
    if holder is not None and holder.id != member.id:
        raise LoginRefused("username", f"the username {username} belongs to another staff member")
    member.username = username
    member.password_hash = hash_password(password)
    store[ConsoleSessionRepository].close_all_of(member.id)


def create_or_update(store: Store, username: str, name: str, role: str, password: str,
                     now: datetime) -> tuple[Staff, bool]:
    """The staff member with this username, made (True) or updated (False) with the name, role and password."""
    if role not in ROLES:
        raise LoginRefused("role", f"the role is one of {', '.join(ROLES)}")
    check_login(username, password)
    staff = store[StaffRepository]
    member = staff.with_username(username)
    created = member is None
    if member is None:
        member = staff.create(name or username, role, now)
    else:
        member.name, member.role, member.active = name or member.name, role, True
    set_login(store, member, username, password)
    staff.forget_cached()
    return member, created
