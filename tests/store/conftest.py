"""Store tests: a migrated database of each kind (SQLite, PostgreSQL) and a unit of work on it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text

from store import Store
from store.db import make_engine, make_sessionmaker, migrate, transaction


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url, pool_size=25)
        with engine.begin() as connection:  # a clean schema for each test
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def unit_of_work(database: Engine) -> Callable[[], Iterator[Store]]:
    """``with unit_of_work() as store: …`` — one transaction, as a message or a request has."""
    factory = make_sessionmaker(database)

    @contextmanager
    def open_store() -> Iterator[Store]:
        with transaction(factory) as session:
            yield Store(session)

    return open_store
