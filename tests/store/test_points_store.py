"""The love-bank ledger: appended entries, one per source, a balance that never goes below zero —
also when debits race each other (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading

import pytest

from store.clock import utcnow
from store.points import InsufficientPoints, KeyReused, PointsRepository
from tests.community_support import add_households


def test_entries_are_appended_and_the_balance_follows_them(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    with unit_of_work() as store:
        ledger = store[PointsRepository]
        first = ledger.post(home, 50, "捐赠旧衣物", kind="donation", key="k1", now=utcnow())
        second = ledger.post(home, -20, "爱心换购：毛巾", kind="redemption", key="k2", now=utcnow(), openid="o_a")
        assert (first.balance, second.balance, second.created) == (50, 30, True)
    with unit_of_work() as store:
        ledger = store[PointsRepository]
        assert ledger.balance(home) == 30
        assert [(e.delta, e.balance_after, e.reason, e.kind) for e in ledger.entries(home)] == [
            (50, 50, "捐赠旧衣物", "donation"), (-20, 30, "爱心换购：毛巾", "redemption")]


def test_one_source_adds_once(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    for _ in range(3):
        with unit_of_work() as store:
            posted = store[PointsRepository].post(home, 10, "参加活动", kind="checkin", key="event-checkin:1:1",
                                                  now=utcnow())
    assert posted.created is False and posted.balance == 10
    with unit_of_work() as store:
        assert len(store[PointsRepository].entries(home)) == 1
        with pytest.raises(KeyReused):
            store[PointsRepository].post(home, 99, "别的", kind="checkin", key="event-checkin:1:1", now=utcnow())


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    with unit_of_work() as store:
        store[PointsRepository].post(home, 30, "志愿服务", kind="volunteer", key="v", now=utcnow())
    with pytest.raises(InsufficientPoints) as refused, unit_of_work() as store:
        store[PointsRepository].post(home, -31, "换购", kind="redemption", key="r", now=utcnow())
    assert refused.value.balance == 30
    with unit_of_work() as store:
        assert store[PointsRepository].balance(home) == 30 and len(store[PointsRepository].entries(home)) == 1


@pytest.mark.parametrize("delta", [0, True, 1.5, 100_001])
def test_a_change_is_a_whole_number_of_points(unit_of_work, delta) -> None:
    [home] = add_households(unit_of_work, 1)
    with pytest.raises(ValueError), unit_of_work() as store:
        store[PointsRepository].post(home, delta, "x", kind="correction", key="x", now=utcnow())


def test_concurrent_debits_never_overspend(unit_of_work) -> None:
    """30 debits of 10 race against a balance of 50: exactly 5 go through, the balance ends at 0."""
    [home] = add_households(unit_of_work, 1)
    with unit_of_work() as store:
        store[PointsRepository].post(home, 50, "捐赠", kind="donation", key="seed", now=utcnow())
    barrier = threading.Barrier(30)
    outcomes: list[str] = []

    def spend(number: int) -> None:
        barrier.wait()
        try:
            with unit_of_work() as store:
                store[PointsRepository].post(home, -10, "换购", kind="redemption", key=f"spend:{number}", now=utcnow())
            outcomes.append("spent")
        except InsufficientPoints:
            outcomes.append("refused")

    threads = [threading.Thread(target=spend, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("spent") == 5 and outcomes.count("refused") == 25
    with unit_of_work() as store:
        ledger = store[PointsRepository]
        entries = ledger.entries(home)
        assert ledger.balance(home) == 0 == sum(e.delta for e in entries)
        assert [e.balance_after for e in entries] == [50, 40, 30, 20, 10, 0]


def test_the_same_source_racing_itself_adds_once(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    barrier = threading.Barrier(10)

    def add() -> None:
        barrier.wait()
        with unit_of_work() as store:
            store[PointsRepository].post(home, 10, "参加活动", kind="checkin", key="once", now=utcnow())

    threads = [threading.Thread(target=add) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with unit_of_work() as store:
        assert store[PointsRepository].balance(home) == 10 and len(store[PointsRepository].entries(home)) == 1


def test_forgetting_a_person_keeps_the_household_points(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    with unit_of_work() as store:
        store[PointsRepository].post(home, 40, "捐赠", kind="donation", key="d", now=utcnow(), openid="o_gone")
        store[PointsRepository].forget("o_gone")
    with unit_of_work() as store:
        [entry] = store[PointsRepository].entries(home)
        assert entry.openid is None and store[PointsRepository].balance(home) == 40
