"""What the events, board and points flows add to the demo community, forget about a person
who asks to be deleted, and tell a resident they keep."""
from __future__ import annotations

from datetime import date

from bot.demo import seed_community
from bot.runtime import Runtime
from store.board import BoardRepository
from store.clock import utcnow
from store.events import EventRepository
from store.points import PointsRepository
from tests.community_support import ZHANG, add_event, add_post, bound, household_at, posts, signups


def test_the_demo_has_events_points_and_posts_and_loads_once(runtime: Runtime, store_of) -> None:
    today = utcnow().date()
    with store_of() as store:
        assert seed_community(store, today, runtime.registry) > 0
    with store_of() as store:
        assert seed_community(store, today, runtime.registry) == 0
    newcomers = {household_at(store_of, "3-502"), household_at(store_of, "5-1-301")}
    with store_of() as store:
        events = store[EventRepository]
        listed = events.all()
        upcoming = events.upcoming(utcnow())
        assert any(e.starts_at < utcnow() for e in listed) and any(e.party_only for e in upcoming)
        full = [e for e in upcoming if e.places_left == 0]
        assert full and events.waiting(full[0].id)
        assert all(s.household_id not in newcomers for e in listed for s in events.signups(e.id))
        board = store[BoardRepository]
        shown = board.published(utcnow(), limit=50)
        assert len({p.kind for p in shown}) >= 4 and board.find(status="pending")
        assert all(p.household_id not in newcomers for p in board.find())
        ledger = store[PointsRepository]
        households = [h.id for h in store.households.list()]
        assert sum(1 for h in households if ledger.balance(h) > 0) >= 3
        assert all(ledger.balance(h) == 0 for h in newcomers)


def test_a_deleted_resident_leaves_counts_behind_without_their_openid(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = bound(runtime, "o_leaving", ZHANG)
    resident.say("报名太极拳 两个人")
    resident.say("1")
    home = household_at(store_of, "3-502")
    post = add_post(store_of, "o_leaving", home, "good_news", "孙子考上大学了")
    with store_of() as store:
        store[BoardRepository].like(post, "o_leaving", utcnow())
        store[PointsRepository].post(home, 5, "换购退回", kind="correction", key="p", now=utcnow(),
                                     openid="o_leaving")
    with store_of() as store:
        for forget in runtime.registry.forgets:
            forget(store, "o_leaving", utcnow())
    assert signups(store_of, event) == [(home, None, 2, "confirmed")]
    [kept] = posts(store_of)
    assert (kept.openid, kept.status, kept.likes) == (None, "withdrawn", 1)
    with store_of() as store:
        assert [e.openid for e in store[PointsRepository].entries(home)] == [None]
        assert store[PointsRepository].balance(home) == 5


def test_what_is_kept_about_a_resident_is_described(runtime: Runtime, store_of) -> None:
    from bot.dialogue import Context
    from bot.dialogue.turn import DialogView, FormState

    add_event(store_of)
    resident = bound(runtime, "o_described", ZHANG)
    resident.say("报名太极拳 两个人")
    resident.say("1")
    home = household_at(store_of, "3-502")
    add_post(store_of, "o_described", home, "market", "旧书桌便宜卖")
    with store_of() as store:
        store[PointsRepository].post(home, 30, "志愿服务", kind="volunteer", key="v", now=utcnow())
        now = utcnow()
        ctx = Context(store=store, config=runtime.settings.config, responses=runtime.responses, now=now,
                      today=date.today(), resident=store.residents.get("o_described"),  # type: ignore[arg-type]
                      dialog=DialogView.of(FormState()), registry=runtime.registry, sections=runtime.sections)
        lines = [line for describe in runtime.registry.describes for line in describe(ctx)]
    text = "\n".join(lines)
    assert "太极拳健身讲座" in text and "2 人" in text and "30 分" in text and "1 条" in text
