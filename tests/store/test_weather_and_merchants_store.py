"""The weather subscriptions and the merchants directory on SQLite and PostgreSQL: one row per
resident and per merchant, the morning weather marked once a day, also when two workers race."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import Engine

from store import Store
from store.clock import utcnow
from store.db import make_sessionmaker, transaction
from store.merchants import MerchantRepository, NewMerchant
from store.weather import WeatherRepository
from tests.store.test_store import database  # noqa: F401  (the SQLite / PostgreSQL fixture)

DAY = date(2026, 11, 25)


def test_a_subscription_is_one_row_and_the_day_is_marked_once(database: Engine) -> None:  # noqa: F811
    factory = make_sessionmaker(database)
    with transaction(factory) as session:
        subscriptions = Store(session)[WeatherRepository]
        assert subscriptions.subscribe("o_a", utcnow()) and not subscriptions.subscribe("o_a", utcnow())
        subscriptions.subscribe("o_b", utcnow())
    marked: list[bool] = []
    start = threading.Barrier(4)

    def mark() -> None:
        start.wait()
        with transaction(factory) as session:
            marked.append(Store(session)[WeatherRepository].mark_sent("o_a", DAY))

    threads = [threading.Thread(target=mark) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(marked) == [False, False, False, True]
    with transaction(factory) as session:
        subscriptions = Store(session)[WeatherRepository]
        assert subscriptions.due(DAY) == ["o_b"]
        assert subscriptions.due(date(2026, 11, 26)) == ["o_a", "o_b"]
        assert subscriptions.unsubscribe("o_a") and not subscriptions.unsubscribe("o_a")


def test_the_same_merchant_added_by_racing_requests_is_listed_once(database: Engine) -> None:  # noqa: F811
    factory = make_sessionmaker(database)
    entry = NewMerchant("老周开锁", "开锁", "13917000001", tags=("修锁",))
    results: list[tuple[int, bool]] = []
    start = threading.Barrier(6)

    def add() -> None:
        start.wait()
        with transaction(factory) as session:
            merchant, created = Store(session)[MerchantRepository].add(entry, utcnow())
            results.append((merchant.id, created))

    threads = [threading.Thread(target=add) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 6 and len({merchant_id for merchant_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with transaction(factory) as session:
        [listed] = Store(session)[MerchantRepository].list()
    assert listed.tags == ["修锁"] and listed.active
