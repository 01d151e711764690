"""爱心换购 in the store: a redemption takes a piece of stock and the points together or neither,
once per source key — and when fifty race each other (SQLite and PostgreSQL, real threads) no
balance and no stock ever goes below zero."""
from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from store.clock import utcnow
from store.points import PointsRepository
from store.rewards import Reward, RewardRepository
from tests.community_support import add_households


def seed(unit_of_work, *, points: int, price: int = 30, stock: int = 10, households: int = 1) -> tuple[list[int], int]:
    homes = add_households(unit_of_work, households)
    with unit_of_work() as store:
        for home in homes:
            if points:
                store[PointsRepository].post(home, points, "捐赠旧衣物", kind="donation", key=f"seed:{home}",
                                             now=utcnow())
        reward, _ = store[RewardRepository].create("纯棉毛巾", price, stock, utcnow())
        return homes, reward.id


def redeem(unit_of_work, home: int, reward: int, key: str, openid: str = "o_a") -> str:
    with unit_of_work() as store:
        return store[RewardRepository].redeem(home, reward, openid=openid, key=key, now=utcnow(),
                                              reason="换购 纯棉毛巾").outcome


def state(unit_of_work, homes: list[int], reward: int) -> tuple[list[int], int, int]:
    with unit_of_work() as store:
        found = store[RewardRepository].get(reward)
        assert found is not None
        return ([store[PointsRepository].balance(h) for h in homes], found.stock,
                len(store[RewardRepository].redemptions()))


def test_a_redemption_takes_the_points_and_a_piece_and_gives_a_code(unit_of_work) -> None:
    [home], reward = seed(unit_of_work, points=80)
    with unit_of_work() as store:
        result = store[RewardRepository].redeem(home, reward, openid="o_a", key="msg:o_a:1", now=utcnow(),
                                                reason="换购 纯棉毛巾")
        assert (result.outcome, result.balance, result.created) == ("redeemed", 50, True)
        redemption = result.redemption
        assert redemption is not None and len(redemption.code) == 6 and redemption.code.isdigit()
        assert (redemption.status, redemption.points, redemption.reward_name) == ("pending", 30, "纯棉毛巾")
    assert state(unit_of_work, [home], reward) == ([50], 9, 1)
    with unit_of_work() as store:
        [entry] = [e for e in store[PointsRepository].entries(home) if e.delta < 0]
        assert (entry.delta, entry.reason, entry.kind) == (-30, "换购 纯棉毛巾", "redemption")


def test_the_same_key_redeems_once(unit_of_work) -> None:
    [home], reward = seed(unit_of_work, points=100)
    outcomes = [redeem(unit_of_work, home, reward, "msg:o_a:7") for _ in range(3)]
    assert outcomes == ["redeemed"] * 3
    assert state(unit_of_work, [home], reward) == ([70], 9, 1)


@pytest.mark.parametrize(("points", "stock", "active", "outcome"), [
    (29, 5, True, "insufficient"), (0, 5, True, "insufficient"), (100, 0, True, "out_of_stock"),
    (100, 5, False, "gone")])
def test_nothing_is_taken_when_it_cannot_be_had(unit_of_work, points: int, stock: int, active: bool,
                                                outcome: str) -> None:
    [home], reward = seed(unit_of_work, points=points, stock=stock)
    if not active:
        with unit_of_work() as store:
            found = store[RewardRepository].get(reward)
            assert found is not None
            store[RewardRepository].change(found, utcnow(), active=False)
    assert redeem(unit_of_work, home, reward, "k") == outcome
    assert state(unit_of_work, [home], reward) == ([points], stock, 0)
    with unit_of_work() as store:
        assert [e.delta for e in store[PointsRepository].entries(home)] == ([points] if points else [])


def test_the_database_itself_refuses_negative_stock(unit_of_work) -> None:
    _, reward = seed(unit_of_work, points=0, stock=0)
    with pytest.raises(IntegrityError), unit_of_work() as store:
        store.session.execute(update(Reward).where(Reward.id == reward).values(stock=-1))


def race(count: int, work: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        barrier.wait()
        outcome = work(number)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_fifty_concurrent_redemptions_against_a_balance_for_three_redeem_exactly_three(unit_of_work) -> None:
    [home], reward = seed(unit_of_work, points=90, price=30, stock=10)
    outcomes = race(50, lambda n: redeem(unit_of_work, home, reward, f"msg:o_{n}:{n}", openid=f"o_{n}"))
    assert outcomes.count("redeemed") == 3 and outcomes.count("insufficient") == 47
    assert state(unit_of_work, [home], reward) == ([0], 7, 3)
    with unit_of_work() as store:
        ledger = store[PointsRepository]
        assert [e.balance_after for e in ledger.entries(home)] == [90, 60, 30, 0]
        codes = {r.code for r in store[RewardRepository].redemptions()}
        assert len(codes) == 3


def test_fifty_concurrent_redemptions_never_take_more_than_the_stock(unit_of_work) -> None:
    homes, reward = seed(unit_of_work, points=100, price=30, stock=4, households=50)
    outcomes = race(50, lambda n: redeem(unit_of_work, homes[n], reward, f"msg:o_{n}:{n}", openid=f"o_{n}"))
    assert outcomes.count("redeemed") == 4 and outcomes.count("out_of_stock") == 46
    balances, stock, redemptions = state(unit_of_work, homes, reward)
    assert stock == 0 and redemptions == 4
    assert sorted(balances) == [70] * 4 + [100] * 46


def test_one_confirmation_racing_itself_redeems_once(unit_of_work) -> None:
    [home], reward = seed(unit_of_work, points=300, price=30, stock=10)
    outcomes = race(20, lambda n: redeem(unit_of_work, home, reward, "msg:o_a:same"))
    assert outcomes == ["redeemed"] * 20
    assert state(unit_of_work, [home], reward) == ([270], 9, 1)


def test_collecting_is_once_and_cancelling_gives_back_the_piece_and_the_points(unit_of_work) -> None:
    [home], reward = seed(unit_of_work, points=60)
    redeem(unit_of_work, home, reward, "one")
    redeem(unit_of_work, home, reward, "two")
    with unit_of_work() as store:
        first, second = store[RewardRepository].redemptions()
        repo = store[RewardRepository]
        assert repo.collect(first.id, utcnow())[1] is True
        assert repo.collect(first.id, utcnow())[1] is False
        assert repo.cancel(first.id, utcnow(), "退回")[1] is False  # handed over: nothing to give back
        assert repo.cancel(second.id, utcnow(), "换购取消，退回 纯棉毛巾")[1] is True
        assert repo.cancel(second.id, utcnow(), "换购取消，退回 纯棉毛巾")[1] is False
    assert state(unit_of_work, [home], reward) == ([30], 9, 2)
    with unit_of_work() as store:
        statuses = [r.status for r in store[RewardRepository].redemptions()]
        assert statuses == ["collected", "cancelled"]
        assert store[RewardRepository].collect(second.id, utcnow())[1] is False


def test_forgetting_keeps_the_redemption_without_the_person(unit_of_work) -> None:
    [home], reward = seed(unit_of_work, points=60)
    redeem(unit_of_work, home, reward, "msg:o_gone:5", openid="o_gone")
    with unit_of_work() as store:
        store[RewardRepository].forget("o_gone", "gone-123")
        store[PointsRepository].forget("o_gone", "gone-123")
    with unit_of_work() as store:
        [kept] = store[RewardRepository].redemptions()
        assert kept.openid is None and "o_gone" not in kept.source_key and kept.status == "pending"
        assert all("o_gone" not in e.source_key for e in store[PointsRepository].entries(home))
        assert store[PointsRepository].balance(home) == 30
