"""event_signup: which event, how many, a confirmation → one sign-up per household, within
capacity, a waiting list when full, party-only events for party members, binding first."""
from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from store.clock import utcnow
from tests.community_support import LI, LIMEI, ZHANG, add_event, bound, household_at, signups
from tests.talk import Resident
from tests.wechat_client import WeChatServer, new_msg_id


def test_one_sentence_names_the_event_and_the_head_count(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = bound(runtime, "o_one")
    summary = resident.say("我要报名太极拳，我和老伴两个人")
    assert "太极拳健身讲座" in summary and "2 人" in summary and "社区活动室" in summary
    assert "报名成功" in resident.say("1")
    assert signups(store_of, event) == [(household_at(store_of, "3-502"), "o_one", 2, "confirmed")]


def test_digits_alone_finish_a_signup(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", days=5)
    event = add_event(store_of, days=2)
    resident = bound(runtime, "o_digits")
    resident.say("活动")
    resident.say("1")
    assert resident.options[:2] == ["1 人（就我自己）", "2 人"]
    assert "请核对" in resident.say("3")
    assert "报名成功" in resident.say("1")
    assert [row[2:] for row in signups(store_of, event)] == [(3, "confirmed")]


def test_two_of_us_at_the_confirmation_is_the_head_count_not_the_second_choice(runtime: Runtime,
                                                                              store_of) -> None:
    event = add_event(store_of)
    resident = bound(runtime, "o_two_at_confirm")
    resident.say("我要报名太极拳")
    assert "1 人" in resident.say("1")
    summary = resident.say("两个")  # not 2. 重新填写
    assert "已经改过来了" in summary and "2 人" in summary
    assert "报名成功" in resident.say("1")
    assert [row[2:] for row in signups(store_of, event)] == [(2, "confirmed")]


def test_a_number_picked_with_words_takes_that_choice(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", days=5)
    event = add_event(store_of, days=2)
    resident = bound(runtime, "o_said_number")
    resident.say("有什么活动")
    assert "几个人" in resident.say("报名第一个")  # the first on the list, not a new question which
    summary = resident.say("我选2")
    assert "请核对" in summary and "2 人" in summary
    assert "报名成功" in resident.say("就第一个吧")
    assert [row[2:] for row in signups(store_of, event)] == [(2, "confirmed")]


def test_a_number_with_words_never_picks_from_the_main_menu(runtime: Runtime) -> None:
    resident = bound(runtime, "o_said_menu")
    assert "物业报修" not in resident.say("报名第一个").split("\n")[0]


def test_signing_up_right_after_a_list_of_one_takes_that_one(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", days=5)
    party_day = add_event(store_of, "主题党日", days=2, party_only=True)
    resident = bound(runtime, "o_list_of_one", LI)
    resident.say("党员活动")
    assert len(resident.options) == 1
    assert "几个人" in resident.say("我要报名")  # not which event: the one just shown
    resident.say("1")
    assert "报名成功" in resident.say("确认")
    assert [row[2:] for row in signups(store_of, party_day)] == [(1, "confirmed")]


def test_a_list_of_one_does_not_override_an_event_named(runtime: Runtime, store_of) -> None:
    clinic = add_event(store_of, "社区义诊", days=5)
    add_event(store_of, "主题党日", days=2, party_only=True)
    resident = bound(runtime, "o_named_over_one", LI)
    resident.say("党员活动")
    resident.say("我要报名义诊，1个人")
    assert "报名成功" in resident.say("确认")
    assert [row[2:] for row in signups(store_of, clinic)] == [(1, "confirmed")]


def test_a_question_at_the_confirmation_changes_nothing(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", days=5)
    party_day = add_event(store_of, "主题党日", days=2, party_only=True)
    resident = bound(runtime, "o_question_at_confirm", LI)
    resident.say("报名主题党日")
    assert "请核对" in resident.say("1")
    assert "改过来" not in resident.say("有什么讲座")
    assert signups(store_of, party_day) == []


def test_missing_information_is_asked_with_numbered_choices(runtime: Runtime, store_of) -> None:
    add_event(store_of, "社区义诊", days=5)
    event = add_event(store_of, days=2)
    resident = bound(runtime, "o_ask")
    assert "哪个活动" in resident.say("我要报名") and len(resident.options) == 2
    assert "几个人" in resident.say("太极拳")
    assert "请核对" in resident.say("本人加一个家属")
    resident.say("确认")
    assert [row[2:] for row in signups(store_of, event)] == [(2, "confirmed")]


def test_wrong_answers_are_asked_again(runtime: Runtime, store_of) -> None:
    add_event(store_of)
    add_event(store_of, "社区义诊", days=5)
    resident = bound(runtime, "o_wrong")
    resident.say("我要报名")
    reply = resident.say("9")
    assert resident.last is not None and "menu.out_of_range" in resident.last.keys and "哪个活动" in reply
    resident.say("1")
    assert "最多 5 人" in resident.say("20")
    assert "参加" in resident.say("吃了吗")
    assert "请核对" in resident.say("2")


def test_an_unbound_resident_binds_first_then_the_signup_resumes(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    resident = Resident(runtime, "o_unbound")
    assert "绑定" in resident.say("报名太极拳，两个人")
    resumed = resident.say(ZHANG)
    assert "绑定成功" in resumed and "请核对" in resumed and "太极拳" in resumed and "2 人" in resumed
    resident.say("1")
    assert [row[1:] for row in signups(store_of, event)] == [("o_unbound", 2, "confirmed")]


def test_the_latest_request_is_the_one_resumed_after_binding(runtime: Runtime, store_of) -> None:
    add_event(store_of, "太极拳健身讲座", days=2)
    clinic = add_event(store_of, "社区义诊", days=4)
    resident = Resident(runtime, "o_changes_mind")
    assert "绑定" in resident.say("报名太极拳")
    assert "绑定" in resident.say("算了，还是报名社区义诊吧，两个人")
    resumed = resident.say(ZHANG)
    assert "社区义诊" in resumed and "太极拳" not in resumed
    resident.say("1")
    assert [row[2:] for row in signups(store_of, clinic)] == [(2, "confirmed")]


def test_a_full_event_puts_the_household_on_the_waiting_list_and_says_so(runtime: Runtime, store_of) -> None:
    event = add_event(store_of, capacity=3)
    first = bound(runtime, "o_first", LI)
    first.say("报名太极拳 2个人")
    first.say("1")
    second = bound(runtime, "o_second")
    summary = second.say("报名太极拳 2个人")
    assert "只剩 1 个名额" in summary and "候补" in summary
    second.say("1")
    assert second.last is not None and second.last.keys[0] == "events.waitlisted_group"
    assert [row[2:] for row in signups(store_of, event)] == [(2, "confirmed"), (2, "waitlist")]


def test_a_household_signs_up_once_a_second_request_changes_the_count(runtime: Runtime, store_of) -> None:
    event = add_event(store_of)
    zhang = bound(runtime, "o_zhang")
    zhang.say("报名太极拳 两个人")
    zhang.say("1")
    zhang.say("报名太极拳")  # signed up already: the count is what can change
    assert zhang.last is not None and zhang.last.keys[0] == "events.already"
    assert "改为 3 人" in zhang.say("3")
    zhang.say("1")
    assert "不用重复报名" in zhang.say("报名太极拳 三个人")  # the same count: nothing to confirm
    assert zhang.options == []
    limei = bound(runtime, "o_limei", LIMEI)  # another member of the same flat
    assert "改为 1 人" in limei.say("报名太极拳，就我一个人")
    limei.say("1")
    assert signups(store_of, event) == [(household_at(store_of, "3-502"), "o_zhang", 1, "confirmed")]


def test_party_only_events_take_party_members_only(runtime: Runtime, store_of) -> None:
    event = add_event(store_of, "主题党日", party_only=True)
    zhang = bound(runtime, "o_not_member")
    zhang.say("报名主题党日")
    assert zhang.last is not None and zhang.last.keys[0] == "events.party_only"
    li = bound(runtime, "o_member", LI)
    li.say("报名主题党日，我一个人")
    assert "报名成功" in li.say("1")
    assert [row[1:] for row in signups(store_of, event)] == [("o_member", 1, "confirmed")]


def test_after_the_deadline_nobody_signs_up(runtime: Runtime, store_of) -> None:
    event = add_event(store_of, deadline=utcnow() - timedelta(minutes=5))
    resident = bound(runtime, "o_late")
    resident.say("报名太极拳")
    assert resident.last is not None and resident.last.keys[0] == "events.closed"
    assert signups(store_of, event) == []


def test_a_retried_confirmation_signs_up_once(runtime: Runtime, wechat: WeChatServer, store_of) -> None:
    event = add_event(store_of, capacity=5)
    assert "绑定成功" in wechat.say("o_retry", ZHANG).content
    assert "请核对" in wechat.say("o_retry", "报名太极拳 两个人").content
    confirm = new_msg_id()
    first = wechat.say("o_retry", "1", msg_id=confirm, safe=True)
    again = wechat.say("o_retry", "1", msg_id=confirm, safe=True)
    assert "报名成功" in first.content and again.content == first.content
    wechat.say("o_retry", "确认")  # typed again later: nothing more to confirm
    assert signups(store_of, event) == [(household_at(store_of, "3-502"), "o_retry", 2, "confirmed")]


def test_a_question_about_the_event_in_the_middle_is_answered_and_the_question_stays(runtime: Runtime,
                                                                                    store_of) -> None:
    event = add_event(store_of, "社区义诊", days=5, place="社区卫生服务站")
    resident = bound(runtime, "o_asks")
    resident.say("报名义诊")
    asked = resident.options
    reply = resident.say("在哪里啊")
    assert "社区卫生服务站" in reply and "几个人" in reply and resident.options == asked
    assert "社区卫生服务站" in resident.say("几点开始")  # asked twice: no miss counted, no person pushed
    assert "人工服务" not in resident.options
    resident.say("2")
    assert "社区卫生服务站" in resident.say("是在哪里来着") and "请核对" in resident.last.content  # at the check too
    assert "报名成功" in resident.say("1")
    assert signups(store_of, event) == [(household_at(store_of, "3-502"), "o_asks", 2, "confirmed")]


def test_asking_again_for_the_same_sign_up_at_the_confirmation_shows_it_again(runtime: Runtime,
                                                                               store_of) -> None:
    event = add_event(store_of)
    resident = bound(runtime, "o_same_again")
    resident.say("报名太极拳")
    resident.say("1")
    again = resident.say("我要报名太极拳")
    assert "还没办完" in again and "请核对" in again and "没看懂" not in again
    assert "报名成功" in resident.say("1")
    assert [row[2:] for row in signups(store_of, event)] == [(1, "confirmed")]
