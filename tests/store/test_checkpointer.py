"""SQLite's write-ahead log is copied into the database by a thread of its own while the server
runs, never by the event loop's commits (whose fsyncs would stall every reply)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from starlette.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from store.db import WAL_BACKSTOP_PAGES, Checkpointer, make_engine, make_sessionmaker, transaction
from tests.conftest import BACKEND
from tests.waiting import wait_for

PAGE = 4096


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB)"))
    yield engine
    engine.dispose()


def write_pages(engine: Engine, pages: int) -> None:
    """About ``pages`` pages of log, in transactions of ten pages, as the writers write them."""
    factory = make_sessionmaker(engine)
    for _ in range(pages // 10):
        with transaction(factory) as session:
            for _ in range(10):
                session.execute(text("INSERT INTO notes (body) VALUES (randomblob(3500))"))


def wal_pages(engine: Engine) -> int:
    return os.path.getsize(f"{engine.url.database}-wal") // PAGE


def autocheckpoint_of_writers(engine: Engine) -> int:
    with transaction(make_sessionmaker(engine)) as session:
        return int(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def test_without_a_checkpointer_the_writers_copy_the_log_themselves(engine: Engine) -> None:
    write_pages(engine, 1500)
    assert wal_pages(engine) < 1200  # copied back at about 1,000 pages, and the log begun again
    assert autocheckpoint_of_writers(engine) == 1000


def test_while_a_checkpointer_runs_the_writers_leave_the_copying_to_it(engine: Engine) -> None:
    checkpointer = Checkpointer(engine, every=3600)  # started, but not copying during the test
    checkpointer.start()
    try:
        assert autocheckpoint_of_writers(engine) == WAL_BACKSTOP_PAGES
        write_pages(engine, 1500)
        assert wal_pages(engine) >= 1500  # no commit copied it
    finally:
        checkpointer.stop()
    assert not checkpointer.running
    assert autocheckpoint_of_writers(engine) == 1000  # stopped: the writers take it back


def test_the_checkpointer_copies_the_log_in_its_thread(engine: Engine) -> None:
    checkpointer = Checkpointer(engine, every=0.01)
    checkpointer.start()
    try:
        write_pages(engine, 200)  # far below the writers' backstop: only the thread copies it
        assert wait_for(lambda: checkpointer.runs > 0)
    finally:
        checkpointer.stop()


def test_a_database_in_memory_has_no_thread() -> None:
    engine = create_engine("sqlite://")
    checkpointer = Checkpointer(engine)
    checkpointer.start()
    assert not checkpointer.running
    checkpointer.stop()


@pytest.mark.skipif(BACKEND != "sqlite", reason="PostgreSQL keeps its own log")
def test_the_server_runs_one_while_it_serves(runtime: Runtime) -> None:
    app = create_app(runtime, background=False)
    with TestClient(app):
        assert app.state.checkpointer.running
        assert autocheckpoint_of_writers(runtime.database) == WAL_BACKSTOP_PAGES
    assert not app.state.checkpointer.running
