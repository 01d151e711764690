"""Residents confirming their sign-ups at the same moment on PostgreSQL, through the whole
message path: the event is never overbooked, the rest wait in arrival order."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from bot.runtime import build_runtime
from bot.settings import DEFAULT_CONFIG, load_settings
from bot.wechat.inbound import Inbound
from store import Store
from store.clock import utcnow
from store.db import make_engine, transaction
from store.demo import seed_demo
from tests.community_support import add_event, add_households, signups
from tests.conftest import wechat_env
from tests.talk import Resident


@pytest.fixture
def pg_runtime(postgres_url: str, understanding):
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    runtime = build_runtime(load_settings(DEFAULT_CONFIG, {"DATABASE_URL": postgres_url, **wechat_env()}),
                            understanding=understanding)
    with transaction(runtime.factory) as session:
        seed_demo(Store(session))
    yield runtime
    runtime.close()


def test_twenty_confirmations_at_once_for_five_places(pg_runtime) -> None:
    @contextmanager
    def store_of() -> Iterator[Store]:
        with transaction(pg_runtime.factory) as session:
            yield Store(session)

    event = add_event(store_of, capacity=5)
    households = add_households(store_of, 20)
    with store_of() as store:  # twenty flats, each with a resident bound to it
        for number, household_id in enumerate(households):
            household = store.households.get(household_id)
            assert household is not None
            resident = store.residents.get_or_create(f"o_pg_{number}", utcnow())
            store.residents.bind(resident, household, household.members[0], utcnow())
    for number in range(20):
        assert "请核对" in Resident(pg_runtime, f"o_pg_{number}").say("报名太极拳，就我一个人")
    barrier = threading.Barrier(20)
    replies: list[str] = []

    def confirm(number: int) -> None:
        barrier.wait()
        reply = pg_runtime.assistant.handle(Inbound(
            openid=f"o_pg_{number}", account="gh", kind="text", create_time=1, msg_id=f"9100{number}", text="1",
            raw_type="text"))
        replies.append(reply.content if reply else "")

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("报名成功" in r for r in replies) == 5 and sum("候补" in r for r in replies) == 15
    rows = signups(store_of, event)
    assert sorted(h for h, *_ in rows) == sorted(households)
    assert [status for *_, status in rows] == ["confirmed"] * 5 + ["waitlist"] * 15
