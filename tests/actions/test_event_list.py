"""event_list: upcoming events with the places left, numbered so that a digit signs up."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.runtime import Runtime
from store.clock import utcnow
from store.events import EventRepository
from tests.community_support import LI, add_event, bound
from tests.talk import Resident, read_every_message_as

ZONE = ZoneInfo("Asia/Shanghai")


def local(days: int, hour: int = 10) -> datetime:
    return datetime.combine(utcnow().astimezone(ZONE).date() + timedelta(days=days), time(hour), tzinfo=ZONE)


def test_no_events_is_said_plainly(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_none")
    resident.say("最近有什么活动")
    assert resident.last is not None and resident.last.keys == ("events.none",)


def test_upcoming_events_are_listed_soonest_first_with_places_left(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", starts_at=local(5), capacity=3)
    add_event(store_of, "太极拳健身讲座", starts_at=local(2), capacity=20)
    add_event(store_of, "端午包粽子", starts_at=local(-3))
    called_off = add_event(store_of, "电影放映", starts_at=local(4))
    with store_of() as store:
        store[EventRepository].cancel_event(called_off, utcnow())
    resident = Resident(runtime, "o_list")
    reply = resident.say("最近有什么活动")
    assert "端午" not in reply and "电影" not in reply
    assert len(resident.options) == 2
    assert "太极拳健身讲座" in resident.options[0] and "还剩 20 个名额" in resident.options[0]
    assert "社区义诊" in resident.options[1] and "还剩 3 个名额" in resident.options[1]


def test_a_digit_from_the_list_starts_the_signup_of_that_event(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", starts_at=local(2))
    add_event(store_of, "社区义诊", starts_at=local(5))
    resident = bound(runtime, "o_digit")
    resident.say("活动")
    assert "几个人" in resident.say("2")
    assert "社区义诊" in resident.say("1")  # one person: the confirmation names the event


def test_a_day_or_party_members_narrow_the_list(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", starts_at=local(2))
    add_event(store_of, "主题党日", starts_at=local(3), party_only=True)
    resident = Resident(runtime, "o_narrow")
    resident.say("后天有什么活动")
    assert len(resident.options) == 1 and "太极拳" in resident.options[0]
    resident.say("最近有党员活动吗")
    assert len(resident.options) == 1 and "主题党日" in resident.options[0] and "党员活动" in resident.options[0]
    empty_day = local(9)
    resident.say(f"{empty_day.month}月{empty_day.day}号有活动吗")
    assert resident.last is not None and resident.last.keys == ("events.list_none_that_day",)
    assert len(resident.options) == 2  # nothing that day: every upcoming event, said so


def test_a_households_own_signups_show_with_a_way_to_cancel(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", starts_at=local(2))
    resident = bound(runtime, "o_own", LI)
    resident.say("报名太极拳 两个人")
    resident.say("1")
    resident.say("有什么活动")
    assert "您家已报名 2 人" in resident.options[0] and resident.options[-1] == "取消报名"


def test_asking_when_or_where_gets_the_time_and_place(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", starts_at=local(2, 9), place="社区活动室")
    add_event(store_of, "社区义诊", starts_at=local(5, 8), place="社区卫生服务站")
    resident = Resident(runtime, "o_where")
    named = resident.say("义诊在哪里")  # the event named
    assert "社区卫生服务站" in named and "社区活动室" not in named
    every = resident.say("活动都在什么地方")  # none named, none signed up: each one
    assert "“太极拳健身讲座”" in every and "社区活动室" in every and "社区卫生服务站" in every
    assert "社区活动室" not in resident.say("最近有什么活动")  # not asked: the list alone


def test_a_household_that_signed_up_hears_where_its_events_are(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", starts_at=local(2, 9), place="社区活动室")
    add_event(store_of, "社区义诊", starts_at=local(5, 8), place="社区卫生服务站")
    resident = bound(runtime, "o_mine")
    resident.say("报名太极拳 1个人")
    resident.say("1")
    reply = resident.say("活动在哪里举行")
    assert "社区活动室" in reply and "社区卫生服务站" not in reply
    assert "社区活动室" in resident.say("1")  # the event already signed up for: its place is said too


def test_asking_what_the_household_signed_up_for_shows_its_own(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", starts_at=local(5))
    add_event(store_of, "太极拳健身讲座", starts_at=local(2))
    resident = bound(runtime, "o_mine")
    none = resident.say("我报了哪些活动")
    assert resident.last is not None and resident.last.keys[0] == "events.list_none_mine"
    assert "没有报名" in none and len(resident.options) == 2  # and the list to sign up from
    resident.say("报名义诊")
    resident.say("1")
    resident.say("确认")
    mine = resident.say("我报名了什么活动")
    assert "“社区义诊”" in mine and "太极拳" not in mine
    assert resident.options == [resident.options[0], "取消报名"] and "已报名 1 人" in resident.options[0]


@pytest.mark.parametrize("words", ["我的报名", "查看我的报名", "我的报名记录"])
def test_my_sign_ups_named_alone_show_them_and_start_no_sign_up(runtime: Runtime, store_of, words: str) -> None:
    add_event(store_of, "社区义诊", starts_at=local(5))
    add_event(store_of, "太极拳健身讲座", starts_at=local(2))
    resident = bound(runtime, f"o_my_signups_{len(words)}")
    resident.say("报名义诊 1个人")
    resident.say("1")
    mine = resident.say(words)
    assert "您家报名了这些活动" in mine
    assert "“社区义诊”" in mine and "太极拳" not in mine and "报名哪个活动" not in mine


def test_my_sign_ups_read_as_a_wish_to_sign_up_still_show_them(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", starts_at=local(5))
    add_event(store_of, "太极拳健身讲座", starts_at=local(2))
    resident = bound(runtime, "o_my_signups_misread")
    resident.say("报名义诊 1个人")
    resident.say("1")
    read_every_message_as(runtime, "event_signup", 0.9)
    mine = resident.say("我的报名")
    assert "您家报名了这些活动" in mine and "报名哪个活动" not in mine


def test_saying_one_signed_up_for_a_named_event_is_about_that_event(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", starts_at=local(5))
    add_event(store_of, "太极拳健身讲座", starts_at=local(2))
    resident = bound(runtime, "o_signed_named")
    resident.say("报名义诊 1个人")
    resident.say("1")
    reply = resident.say("我报名了义诊，要改成两个人")
    assert "events.list_header_mine" not in (resident.last.keys if resident.last else ())
    assert "义诊" in reply


def test_my_own_sign_ups_need_a_household_to_be_known(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", starts_at=local(5))
    resident = Resident(runtime, "o_mine_unbound")
    resident.say("我报了哪些活动")
    assert resident.last is not None and resident.last.keys[0] == "events.list_header"
