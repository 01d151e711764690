"""The store on SQLite and PostgreSQL: migrations, dedup claims, outbox leases, idempotent tickets."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from store import Store
from store.clock import utcnow
from store.db import make_engine, make_sessionmaker, migrate, schema_is_current, transaction
from store.models import Base
from store.repairs import NewTicket, RepairRepository
from store.repositories.processed import ClaimState


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        with engine.begin() as connection:  # a clean schema for each test
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


def test_migrations_create_exactly_the_models(database: Engine) -> None:
    with database.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": False}), Base.metadata)
    assert diff == []
    assert schema_is_current(database)


def test_the_newest_migration_is_read_as_alembic_reads_it(database: Engine) -> None:
    from alembic.script import ScriptDirectory

    from store.db import alembic_config, head_revisions

    assert head_revisions() == set(ScriptDirectory.from_config(alembic_config(database)).get_heads())


def test_migrating_twice_is_harmless(database: Engine) -> None:
    migrate(database)
    assert schema_is_current(database)


def test_a_message_key_keeps_the_first_reply_it_got(database: Engine) -> None:
    factory = make_sessionmaker(database)
    now = utcnow()
    with transaction(factory) as session:
        assert Store(session).processed.get("msg:o_a:1") is None
        assert Store(session).processed.record("msg:o_a:1", "o_a", {"content": "hi"}, now)
    with transaction(factory) as session:
        assert not Store(session).processed.record("msg:o_a:1", "o_a", {"content": "other"}, now)
    with transaction(factory) as session:
        row = Store(session).processed.get("msg:o_a:1")
    assert row is not None and row.status == ClaimState.DONE.value and row.reply == {"content": "hi"}


def test_outbox_leases_never_hand_one_row_to_two_workers(database: Engine) -> None:
    factory = make_sessionmaker(database)
    now = utcnow()
    with transaction(factory) as session:
        for n in range(20):
            Store(session).outbox.enqueue(f"o_{n}", "reply", {"content": str(n)}, now)
    taken: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with transaction(factory) as session:
            rows = Store(session).outbox.claim_due(utcnow(), timedelta(seconds=60), limit=7)
            with lock:
                taken.extend(row.id for row in rows)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == len(set(taken)) == 20


def test_outbox_dedup_key_queues_once(database: Engine) -> None:
    factory = make_sessionmaker(database)
    with transaction(factory) as session:
        outbox = Store(session).outbox
        assert outbox.enqueue("o_x", "reply", {"content": "a"}, utcnow(), dedup_key="reply:1")
        assert not outbox.enqueue("o_x", "reply", {"content": "a"}, utcnow(), dedup_key="reply:1")
        assert len(outbox.for_openid("o_x")) == 1


def test_a_ticket_is_opened_once_per_source_message(database: Engine) -> None:
    factory = make_sessionmaker(database)
    ticket = NewTicket(openid="o_t", category="water_leak", location="3-502", description="漏水")
    with transaction(factory) as session:
        first, created = Store(session)[RepairRepository].open_ticket(ticket, "msg:9", utcnow())
    with transaction(factory) as session:
        again, created_again = Store(session)[RepairRepository].open_ticket(ticket, "msg:9", utcnow())
        assert len(Store(session)[RepairRepository].list()) == 1
    assert created and not created_again and first.id == again.id


def test_times_come_back_aware_and_in_utc(database: Engine) -> None:
    factory = make_sessionmaker(database)
    now = utcnow()
    with transaction(factory) as session:
        store = Store(session)
        store.residents.record_inbound(store.residents.get_or_create("o_time", now), now)
    with transaction(factory) as session:
        stored = Store(session).residents.get("o_time").last_inbound_at
    assert stored.tzinfo is not None and abs((stored - now).total_seconds()) < 0.001


def test_migrations_go_down_to_nothing_and_up_again(database: Engine) -> None:
    from alembic import command

    from store.db import alembic_config

    config = alembic_config(database)
    with database.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()
    with database.connect() as connection:
        assert not inspect(connection).has_table("households")
    migrate(database)
    assert schema_is_current(database)
