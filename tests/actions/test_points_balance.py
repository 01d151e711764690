"""points_balance (爱心银行): the balance with the latest entries in plain words, rewards waiting to
be collected, the next steps by digit; binding first for an unbound resident."""
from __future__ import annotations

from bot.runtime import Runtime
from tests.community_support import bound, household_at
from tests.love_support import ZHANG, add_reward, give_points, keys
from tests.talk import Resident


def test_the_balance_and_the_latest_entries_read_plainly(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "3-502")
    give_points(store_of, home, 50, "捐赠旧衣物")
    give_points(store_of, home, -30, "换购 毛巾", kind="redemption")
    resident = bound(runtime, "o_bal", ZHANG)
    reply = resident.say("我有多少积分")
    assert "3-502 现在有 20 分" in reply
    assert reply.index("换购 毛巾 -30") < reply.index("捐赠旧衣物 +50")  # newest first
    assert resident.options == ["积分换购", "爱心捐赠"]
    resident.say("1")  # 积分换购, with nothing in the catalogue yet
    assert keys(resident) == ("points.nothing_to_redeem",)


def test_an_unbound_resident_binds_first_then_gets_the_answer(runtime: Runtime, store_of) -> None:
    give_points(store_of, household_at(store_of, "3-502"), 40, "志愿服务：楼道清扫", kind="volunteer")
    resident = Resident(runtime, "o_bal_unbound")
    assert "绑定" in resident.say("爱心银行") and "points.balance" not in keys(resident)
    reply = resident.say(ZHANG)
    assert "绑定成功" in reply and "40 分" in reply and "志愿服务：楼道清扫 +40" in reply


def test_no_points_yet_says_how_to_earn_them(runtime: Runtime) -> None:
    resident = bound(runtime, "o_bal_none", ZHANG)
    reply = resident.say("积分")
    assert "0 分" in reply and keys(resident)[-1] == "points.none_yet" and "志愿服务" in reply


def test_every_entry_is_a_digit_or_a_word_away(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "3-502")
    for number in range(8):
        give_points(store_of, home, 10 + number, f"志愿服务第{number + 1}次", kind="volunteer")
    resident = bound(runtime, "o_bal_all", ZHANG)
    latest = resident.say("我家积分")
    assert "志愿服务第8次 +17" in latest and "志愿服务第3次" not in latest
    assert resident.options[-1] == "看全部积分记录"
    everything = resident.say(str(len(resident.options)))
    assert "共 8 条" in everything and "志愿服务第1次 +10" in everything and "志愿服务第8次 +17" in everything
    assert "志愿服务第1次 +10" in resident.say("我的积分明细")


def test_rewards_waiting_to_be_collected_show_their_codes(runtime: Runtime, store_of) -> None:
    give_points(store_of, household_at(store_of, "3-502"), 100)
    add_reward(store_of, "纯棉毛巾", 30)
    resident = bound(runtime, "o_bal_code", ZHANG)
    resident.say("换毛巾")
    done = resident.say("1")
    code = done.split("取货码：")[1][:6]
    reply = resident.say("积分还有多少")
    assert "70 分" in reply and f"取货码 {code}" in reply and "居委会爱心驿站" in reply


def test_a_month_asked_about_gets_its_entries_and_their_sum(runtime: Runtime, store_of) -> None:
    give_points(store_of, household_at(store_of, "3-502"), 30, "志愿服务：敬老院陪护", kind="volunteer")
    resident = bound(runtime, "o_bal_month", ZHANG)
    reply = resident.say("这个月加了多少积分")
    assert "points.month" in keys(resident) and "共 +30" in reply and "敬老院陪护 +30" in reply
    resident.say("上个月加了多少积分")
    assert "points.month_none" in keys(resident)


def test_how_points_are_earned_is_said_with_the_balance(runtime: Runtime, store_of) -> None:
    give_points(store_of, household_at(store_of, "3-502"), 10)
    resident = bound(runtime, "o_bal_earn", ZHANG)
    assert "做志愿服务" in resident.say("积分怎么赚") and "points.how_to_earn" in keys(resident)


def test_pickup_codes_are_found_by_their_name_whatever_else_is_said(runtime: Runtime, store_of) -> None:
    give_points(store_of, household_at(store_of, "3-502"), 100)
    add_reward(store_of, "纯棉毛巾", 30)
    resident = bound(runtime, "o_bal_pickup", ZHANG)
    resident.say("取货码忘了")
    assert keys(resident) == ("points.nothing_waiting",)
    resident.say("换毛巾")
    code = resident.say("1").split("取货码：")[1][:6]
    for words in ("我的取货码", "取货码忘了", "换的东西在哪领", "我的换购", "换购记录", "我换的东西"):
        reply = resident.say(words)
        assert f"取货码 {code}" in reply and "居委会爱心驿站" in reply, words
