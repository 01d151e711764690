"""Seeding and reading what the events and board tests need: events, bound residents, sign-ups,
posts and the messages queued for a resident."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.runtime import Runtime
from store.board import BoardRepository
from store.clock import utcnow
from store.events import EventRepository, NewEvent
from store.repositories.households import NewMember
from tests.talk import Resident

#: Demo households residents bind to in these tests (see store/demo_community.yml).
ZHANG = "绑定 3-502 张三 1234"
LI = "绑定 5-1-301 李四 5678"  # a party member
LIMEI = "绑定 3-502 李梅 5502"  # the same household as 张三


def add_event(store_of: Callable, title: str = "太极拳健身讲座", *, days: float = 3, capacity: int = 20,
              deadline: datetime | None = None, party_only: bool = False, place: str = "社区活动室",
              starts_at: datetime | None = None) -> int:
    with store_of() as store:
        event = store[EventRepository].create(NewEvent(
            title=title, starts_at=starts_at or utcnow() + timedelta(days=days), capacity=capacity, place=place,
            signup_deadline=deadline, party_only=party_only), utcnow())
        return event.id


def bound(runtime: Runtime, openid: str, words: str = ZHANG) -> Resident:
    resident = Resident(runtime, openid)
    assert "绑定成功" in resident.say(words)
    return resident


def household_at(store_of: Callable, address: str) -> int:
    parts = address.split("-")
    with store_of() as store:
        found = store.households.at_address(parts[0], parts[-1], parts[1] if len(parts) == 3 else "")
        assert found is not None
        return found.id


def new_household(store_of: Callable, building: str, room: str, name: str, phone: str, *,
                  party_member: bool = False) -> int:
    with store_of() as store:
        return store.households.create(building, room, [NewMember(name, phone, party_member)]).id


def add_households(store_of: Callable, count: int, building: str = "90") -> list[int]:
    """``count`` new flats of one member each (90-1000, 90-1001 …)."""
    with store_of() as store:
        return [store.households.create(building, str(1000 + n), [NewMember(f"住户{n}", f"1390000{n:04d}")]).id
                for n in range(count)]


def signups(store_of: Callable, event: int) -> list[tuple[int, str | None, int, str]]:
    with store_of() as store:
        return [(s.household_id, s.openid, s.count, s.status) for s in store[EventRepository].signups(event)]


def queued_for(store_of: Callable, openid: str) -> list[str]:
    """The texts waiting in the outbox for ``openid`` (pushes: promotions, reminders, notices)."""
    with store_of() as store:
        return [str(m.payload.get("content", "")) for m in store.outbox.for_openid(openid) if m.purpose == "push"]


def posts(store_of: Callable) -> list[Any]:
    with store_of() as store:
        return store[BoardRepository].find()


def add_post(store_of: Callable, openid: str | None, household: int | None, kind: str, text: str, *,
             published: bool = True, key: str | None = None) -> int:
    with store_of() as store:
        repo = store[BoardRepository]
        post, _ = repo.create(openid, household, kind, text, "", key=key or f"seed:{kind}:{text}", now=utcnow())
        if published:
            repo.publish(post, utcnow(), 30)
        return post.id
