"""`python -m bot console-user` (the first admin of an installation) and the demo admin of
`python -m bot seed-demo`, run as an operator runs them."""
from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from bot.__main__ import _demo_admin
from store import Store
from store.db import make_engine, make_sessionmaker, migrate, transaction
from store.staff import StaffRepository
from tests.bot.test_cli import run


def staff_named(db: str, username: str) -> tuple[str, str, str | None]:
    engine = make_engine(db)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            member = Store(session)[StaffRepository].with_username(username)
            assert member is not None
            return member.name, member.role, member.password_hash
    finally:
        engine.dispose()


def test_console_user_reads_the_password_from_stdin_and_creates_then_updates_the_login(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    made = run(["console-user", "chief", "--name", "主任", "--role", "admin"], db, "first-password-1\n")
    assert made.returncode == 0 and "created" in made.stdout and "first-password-1" not in made.stdout
    name, role, stored = staff_named(db, "chief")
    assert (name, role) == ("主任", "admin") and PasswordHasher().verify(stored, "first-password-1")
    changed = run(["console-user", "chief", "--role", "staff"], db, "second-password-2\n")
    assert changed.returncode == 0 and "updated" in changed.stdout
    name, role, stored = staff_named(db, "chief")
    assert (name, role) == ("主任", "staff") and PasswordHasher().verify(stored, "second-password-2")


def test_console_user_refuses_a_short_password_and_changes_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    refused = run(["console-user", "chief"], db, "short\n")
    assert refused.returncode == 1 and "at least 8" in refused.stderr


def test_the_demo_admin_is_made_once_with_the_password_it_shows(tmp_path: Path) -> None:
    """(seed-demo itself is run in tests/bot/test_cli.py; here its admin, made in-process.)"""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(db)
    migrate(engine)
    with transaction(make_sessionmaker(engine)) as session:
        password = _demo_admin(Store(session))
    with transaction(make_sessionmaker(engine)) as session:
        assert _demo_admin(Store(session)) is None  # made once
    engine.dispose()
    _, role, stored = staff_named(db, "admin")
    assert role == "admin" and password and PasswordHasher().verify(stored, password)
