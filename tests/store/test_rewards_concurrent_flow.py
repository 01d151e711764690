"""Fifty residents of one flat confirming a redemption at the same moment, through the whole
message path (real threads), on SQLite and on PostgreSQL: the points cover three, so exactly
three are redeemed, the rest are told the points are not enough, and neither the balance nor
the stock goes below zero."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from bot.runtime import Runtime, build_runtime
from bot.settings import DEFAULT_CONFIG, load_settings
from bot.wechat.inbound import Inbound
from store import Store
from store.clock import utcnow
from store.db import make_engine, transaction
from store.demo import seed_demo
from tests.conftest import wechat_env
from tests.love_support import add_reward, give_points, ledger, redemptions, stock
from tests.talk import Resident

RESIDENTS = 50


@pytest.fixture(params=["sqlite", "postgresql"])
def any_runtime(request: pytest.FixtureRequest, understanding) -> Iterator[Runtime]:
    if request.param == "sqlite":
        yield request.getfixturevalue("runtime")
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    runtime = build_runtime(load_settings(DEFAULT_CONFIG, {"DATABASE_URL": url, **wechat_env()}),
                            understanding=understanding)
    with transaction(runtime.factory) as session:
        seed_demo(Store(session))
    yield runtime
    runtime.close()


def test_fifty_confirmations_at_once_against_points_for_three(any_runtime: Runtime) -> None:
    @contextmanager
    def store_of() -> Iterator[Store]:
        with transaction(any_runtime.factory) as session:
            yield Store(session)

    with store_of() as store:  # one flat, fifty followers bound to it
        household = store.households.at_address("3", "502", "")
        assert household is not None
        home = household.id
        for number in range(RESIDENTS):
            resident = store.residents.get_or_create(f"o_flat_{number}", utcnow())
            store.residents.bind(resident, household, household.members[0], utcnow())
    give_points(store_of, home, 90)
    towel = add_reward(store_of, "纯棉毛巾", 30, 10)
    for number in range(RESIDENTS):
        assert "请核对" in Resident(any_runtime, f"o_flat_{number}").say("换毛巾")
    replies = race(RESIDENTS, lambda number: confirm(any_runtime, number))
    assert sum("取货码" in reply for reply in replies) == 3
    assert sum("还差" in reply for reply in replies) == RESIDENTS - 3
    balance, entries = ledger(store_of, home)
    assert balance == 0 and [delta for delta, _ in entries] == [90, -30, -30, -30]
    assert stock(store_of, towel) == 7 and len(redemptions(store_of)) == 3


def confirm(runtime: Runtime, number: int) -> str:
    reply = runtime.assistant.handle(Inbound(openid=f"o_flat_{number}", account="gh", kind="text", create_time=1,
                                             msg_id=f"9300{number}", text="1", raw_type="text"))
    return reply.content if reply else ""


def race(count: int, work: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(count)
    results: list[str] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        barrier.wait()
        result = work(number)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
