"""event_cancel: a household withdraws; freed places go to those waiting, in order, each told."""
from __future__ import annotations

from bot.runtime import Runtime
from tests.community_support import LI, ZHANG, add_event, bound, household_at, new_household, queued_for, signups
from tests.talk import Resident


def signed(runtime: Runtime, openid: str, words: str, line: str = "报名太极拳 1个人") -> Resident:
    resident = bound(runtime, openid, words)
    resident.say(line)
    resident.say("1")
    return resident


def test_cancelling_frees_the_place_for_the_first_waiting_household_who_is_told(runtime: Runtime,
                                                                                 store_of) -> None:
    event = add_event(store_of, capacity=1)
    new_household(store_of, "88", "101", "王五", "13800008101")
    zhang = signed(runtime, "o_zhang", ZHANG)
    signed(runtime, "o_li", LI)
    signed(runtime, "o_wang", "绑定 88-101 王五 8101")
    assert [row[1:] for row in signups(store_of, event)] == [
        ("o_zhang", 1, "confirmed"), ("o_li", 1, "waitlist"), ("o_wang", 1, "waitlist")]
    question = zhang.say("不去了，取消太极拳")
    assert "确定取消" in question and "太极拳健身讲座" in question
    assert "已取消" in zhang.say("1")
    assert [row[1:] for row in signups(store_of, event)] == [
        ("o_li", 1, "confirmed"), ("o_wang", 1, "waitlist"), ("o_zhang", 1, "cancelled")]
    [told] = queued_for(store_of, "o_li")
    assert "递补成功" in told and "太极拳健身讲座" in told
    assert queued_for(store_of, "o_wang") == []


def test_with_several_signups_the_resident_picks_one(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", days=2)
    other = add_event(store_of, "社区义诊", days=4)
    resident = signed(runtime, "o_two", ZHANG)
    resident.say("报名社区义诊 两个人")
    resident.say("1")
    assert "哪一个" in resident.say("取消报名") and len(resident.options) == 2
    assert "社区义诊" in resident.say("2")
    resident.say("1")
    assert [row[3] for row in signups(store_of, other)] == ["cancelled"]


def test_saying_no_keeps_the_signup(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = signed(runtime, "o_keep", ZHANG)
    resident.say("取消报名")
    resident.say("不取消")
    assert [row[3] for row in signups(store_of, event)] == ["confirmed"]


def test_nothing_to_cancel_and_unbound(runtime: Runtime, store_of) -> None:
    add_event(store_of)
    resident = bound(runtime, "o_nothing")
    resident.say("取消报名")
    assert resident.last is not None and resident.last.keys == ("events.cancel_none",)
    stranger = Resident(runtime, "o_stranger")
    assert "绑定" in stranger.say("取消报名")


def test_cancel_during_a_signup_replaces_it(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = signed(runtime, "o_switch", ZHANG)
    resident.say("报名太极拳 三个人")  # a change of count is being confirmed …
    assert "确定取消" in resident.say("我不去了，取消报名")  # … when the resident cancels instead
    resident.say("1")
    assert signups(store_of, event) == [(household_at(store_of, "3-502"), "o_switch", 1, "cancelled")]


def test_cancel_in_the_middle_of_a_new_signup_drops_it_and_keeps_the_others(runtime: Runtime, store_of) -> None:
    taiji = add_event(store_of, "太极拳健身讲座", days=2)
    clinic = add_event(store_of, "社区义诊", days=4)
    resident = signed(runtime, "o_drop", ZHANG)
    resident.say("报名社区义诊")  # a new sign-up, asking how many …
    reply = resident.say("取消报名")  # … which the resident stops: nothing is withdrawn
    assert "不报了" in reply and "已经报名的活动不变" in reply
    assert resident.last is not None and resident.last.keys[0] == "events.signup_dropped"
    resident.say("2")  # the form is gone: not a head count any more …
    resident.say("确认")  # … and nothing is left to confirm
    assert signups(store_of, clinic) == []
    assert [row[3] for row in signups(store_of, taiji)] == ["confirmed"]


def test_cancel_of_a_new_signup_with_nothing_else_signed(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = bound(runtime, "o_first")
    assert "核对" in resident.say("报名太极拳 两个人")
    reply = resident.say("取消报名")
    assert "什么也没有提交" in reply and "已经报名的活动" not in reply
    assert signups(store_of, event) == []


def test_an_answer_that_is_neither_yes_nor_no_keeps_the_question(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = signed(runtime, "o_unsure", ZHANG)
    resident.say("取消报名")
    offered = resident.options
    assert "没看懂" in resident.say("啊？")
    assert resident.options == offered  # still 确定取消 / 不取消, not the main menu
    resident.say("呃呃")
    assert resident.options == [*offered, "人工服务"]  # after repeated misses a person is one more choice
    resident.say("哦哦哦")
    assert resident.options == [*offered, "人工服务"]  # offered once
    assert "已取消" in resident.say("1")
    assert [row[3] for row in signups(store_of, event)] == ["cancelled"]


def test_a_bare_cancel_to_are_you_sure_you_want_to_cancel_is_asked_which(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = signed(runtime, "o_which", ZHANG)
    resident.say("取消报名")
    offered = resident.options
    reply = resident.say("取消")  # yes, cancel it? or cancel this question? It is asked, not guessed
    assert "确定取消" in reply and "不取消" in reply and resident.options == offered
    assert [row[3] for row in signups(store_of, event)] == ["confirmed"]
    assert "已取消" in resident.say("1")
    assert [row[3] for row in signups(store_of, event)] == ["cancelled"]
