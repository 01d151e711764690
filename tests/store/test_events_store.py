"""Event sign-ups in the store: capacity is a fact the database keeps, the waiting list keeps
arrival order, one row per household — also under 100 concurrent sign-ups (SQLite, PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from store.clock import utcnow
from store.events import EventRepository, EventSignup, NewEvent
from tests.community_support import add_households


def new_event(unit_of_work, capacity: int, **changes) -> int:
    values = {"title": "太极拳健身讲座", "starts_at": utcnow() + timedelta(days=3), "capacity": capacity,
              "place": "社区活动室"}
    values.update(changes)
    with unit_of_work() as store:
        return store[EventRepository].create(NewEvent(**values), utcnow()).id


def signup(unit_of_work, event: int, household: int, count: int = 1, key: str | None = None):
    with unit_of_work() as store:
        result = store[EventRepository].signup(event, household, f"o_{household}", count,
                                               key=key or f"k:{event}:{household}:{count}:{utcnow().timestamp()}",
                                               now=utcnow())
        return result.outcome, (result.signup.status if result.signup else None), \
            [s.household_id for s in result.promoted]


def rows(unit_of_work, event: int) -> list[EventSignup]:
    with unit_of_work() as store:
        return store[EventRepository].signups(event)


def test_100_concurrent_signups_for_10_places_give_10_confirmed_and_90_waiting_in_arrival_order(
        unit_of_work, database) -> None:
    households = add_households(unit_of_work, 100)
    event = new_event(unit_of_work, capacity=10)
    barrier = threading.Barrier(100)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def sign(household: int) -> None:
        barrier.wait()
        try:
            outcomes.append(signup(unit_of_work, event, household)[0])
        except BaseException as error:  # surfaced below: a thread's failure must fail the test
            failures.append(error)

    threads = [threading.Thread(target=sign, args=(h,)) for h in households]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert outcomes.count("confirmed") == 10 and outcomes.count("waitlist") == 90
    signed = sorted(rows(unit_of_work, event), key=lambda s: s.id)  # ids are handed out in arrival order
    assert len(signed) == 100 and len({s.household_id for s in signed}) == 100
    assert [s.status for s in signed] == ["confirmed"] * 10 + ["waitlist"] * 90
    assert [s.position for s in signed[10:]] == list(range(1, 91))
    with unit_of_work() as store:
        held = store[EventRepository].get(event)
        assert held is not None and held.confirmed == 10 and held.places_left == 0


def test_freed_places_go_to_waiting_households_in_arrival_order(unit_of_work) -> None:
    a, b, c, d = add_households(unit_of_work, 4)
    event = new_event(unit_of_work, capacity=2)
    assert signup(unit_of_work, event, a, 2)[0] == "confirmed"
    assert signup(unit_of_work, event, b, 1)[0] == "waitlist"
    assert signup(unit_of_work, event, c, 1)[0] == "waitlist"
    assert signup(unit_of_work, event, d, 1)[0] == "waitlist"
    with unit_of_work() as store:
        repo = store[EventRepository]
        promoted = repo.cancel(repo.for_household(event, a), utcnow())  # type: ignore[arg-type]
        assert [s.household_id for s in promoted] == [b, c]
    assert [(s.household_id, s.status) for s in rows(unit_of_work, event)] == [
        (b, "confirmed"), (c, "confirmed"), (d, "waitlist"), (a, "cancelled")]


def test_a_group_bigger_than_the_places_left_waits_and_keeps_its_turn(unit_of_work) -> None:
    a, b, c = add_households(unit_of_work, 3)
    event = new_event(unit_of_work, capacity=3)
    assert signup(unit_of_work, event, a, 2)[:2] == ("confirmed", "confirmed")
    assert signup(unit_of_work, event, b, 3)[:2] == ("waitlist", "waitlist")  # 1 place left, 3 people
    assert signup(unit_of_work, event, c, 1)[:2] == ("confirmed", "confirmed")  # fits the one place
    with unit_of_work() as store:
        repo = store[EventRepository]
        assert repo.cancel(repo.for_household(event, c), utcnow()) == []  # type: ignore[arg-type]
        promoted = repo.cancel(repo.for_household(event, a), utcnow())  # type: ignore[arg-type]
        assert [s.household_id for s in promoted] == [b]


def test_a_second_signup_of_a_household_changes_its_count_never_adds_a_row(unit_of_work) -> None:
    a, b = add_households(unit_of_work, 2)
    event = new_event(unit_of_work, capacity=4)
    assert signup(unit_of_work, event, a, 2)[0] == "confirmed"
    assert signup(unit_of_work, event, a, 2)[0] == "unchanged"
    assert signup(unit_of_work, event, a, 3)[0] == "changed"
    assert signup(unit_of_work, event, b, 1)[0] == "confirmed"
    assert signup(unit_of_work, event, a, 4)[0] == "change_refused"  # only 0 left beyond its 3
    assert signup(unit_of_work, event, a, 9)[0] == "too_many"
    assert [(s.household_id, s.count) for s in rows(unit_of_work, event)] == [(a, 3), (b, 1)]
    with unit_of_work() as store, pytest.raises(IntegrityError):  # the database says so too
        store.session.add(EventSignup(event_id=event, household_id=a, count=1, status="waitlist",
                                      source_key="another", created_at=utcnow(), updated_at=utcnow()))
        store.session.flush()


def test_a_smaller_count_frees_places_for_those_waiting(unit_of_work) -> None:
    a, b = add_households(unit_of_work, 2)
    event = new_event(unit_of_work, capacity=3)
    signup(unit_of_work, event, a, 3)
    assert signup(unit_of_work, event, b, 1)[0] == "waitlist"
    assert signup(unit_of_work, event, a, 2) == ("changed", "confirmed", [b])


def test_a_retried_message_changes_nothing(unit_of_work) -> None:
    [a] = add_households(unit_of_work, 1)
    event = new_event(unit_of_work, capacity=3)
    assert signup(unit_of_work, event, a, 1, key="msg:1")[0] == "confirmed"
    assert signup(unit_of_work, event, a, 1, key="msg:1")[0] == "unchanged"
    assert len(rows(unit_of_work, event)) == 1


def test_after_the_deadline_and_for_a_cancelled_event_nobody_signs_up(unit_of_work) -> None:
    a, b = add_households(unit_of_work, 2)
    closed = new_event(unit_of_work, capacity=5, signup_deadline=utcnow() - timedelta(hours=1))
    assert signup(unit_of_work, closed, a)[0] == "closed"
    event = new_event(unit_of_work, capacity=5)
    signup(unit_of_work, event, a)
    with unit_of_work() as store:
        called_off, told = store[EventRepository].cancel_event(event, utcnow())
        assert called_off is not None and called_off.status == "cancelled" and [s.household_id for s in told] == [a]
        assert store[EventRepository].cancel_event(event, utcnow())[1] == []  # told once
    assert signup(unit_of_work, event, b)[0] == "gone"


def test_places_beyond_capacity_are_refused_by_the_database_itself(unit_of_work) -> None:
    event = new_event(unit_of_work, capacity=2)
    with unit_of_work() as store, pytest.raises(IntegrityError):
        store.session.execute(text("UPDATE events SET confirmed = 3 WHERE id = :id"), {"id": event})


def test_a_checkin_is_recorded_once(unit_of_work) -> None:
    [a] = add_households(unit_of_work, 1)
    event = new_event(unit_of_work, capacity=2)
    with unit_of_work() as store:
        first = store[EventRepository].check_in(event, a, utcnow())[1]
        second = store[EventRepository].check_in(event, a, utcnow())[1]
        assert (first, second) == (True, False) and len(store[EventRepository].checkins(event)) == 1


def test_forgetting_a_person_keeps_their_households_signups(unit_of_work) -> None:
    [a] = add_households(unit_of_work, 1)
    event = new_event(unit_of_work, capacity=2)
    signup(unit_of_work, event, a, 2)
    with unit_of_work() as store:
        store[EventRepository].forget(f"o_{a}")
    [kept] = rows(unit_of_work, event)
    assert (kept.openid, kept.count, kept.status) == (None, 2, "confirmed")
