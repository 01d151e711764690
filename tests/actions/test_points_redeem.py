"""points_redeem (爱心换购): the catalogue the household can afford, a reward by name or number, a
confirmation, the pickup code — never below zero, never twice for one confirmation."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from bot.runtime import Runtime
from tests.community_support import bound, household_at
from tests.love_support import ZHANG, add_reward, give_points, keys, ledger, redemptions, stock
from tests.talk import Resident
from tests.wechat_client import WeChatServer, new_msg_id


@pytest.fixture
def home(store_of) -> int:
    flat = household_at(store_of, "3-502")
    give_points(store_of, flat, 80)
    return flat


@pytest.fixture
def catalogue(store_of) -> dict[str, int]:
    return {"bag": add_reward(store_of, "环保购物袋", 20, 5), "towel": add_reward(store_of, "纯棉毛巾", 30, 3),
            "rice": add_reward(store_of, "五斤大米", 100, 8), "cut": add_reward(store_of, "社区理发券", 40, 0),
            "oil": add_reward(store_of, "食用油", 50, 5, active=False)}


def test_the_catalogue_numbers_what_the_points_buy_and_names_the_rest(runtime: Runtime, home: int,
                                                                     catalogue: dict[str, int]) -> None:
    resident = bound(runtime, "o_cat", ZHANG)
    reply = resident.say("积分能换什么")
    assert "80 分" in reply
    assert resident.options == ["环保购物袋（20 分，还有 5 件）", "纯棉毛巾（30 分，还有 3 件）"]
    assert "五斤大米（100 分）" in reply and "理发券" not in reply and "食用油" not in reply


def test_a_reward_named_in_words_is_confirmed_then_redeemed_with_a_pickup_code(
        runtime: Runtime, store_of, home: int, catalogue: dict[str, int]) -> None:
    resident = bound(runtime, "o_towel", ZHANG)
    summary = resident.say("我想用积分换毛巾")
    assert "纯棉毛巾" in summary and "30 分" in summary and "换后剩 50 分" in summary
    assert resident.options == ["确认提交", "重新填写", "取消"]
    done = resident.say("1")
    [redemption] = redemptions(store_of)
    assert keys(resident)[0] == "points.redeemed"
    assert f"取货码：{redemption.code}" in done and "居委会爱心驿站" in done and "工作日 9:00–16:30" in done
    assert "还剩 50 分" in done
    assert (redemption.household_id, redemption.openid, redemption.points, redemption.status) == (
        home, "o_towel", 30, "pending")
    assert ledger(store_of, home) == (50, [(80, "捐赠旧衣物"), (-30, "换购 纯棉毛巾")])
    assert stock(store_of, catalogue["towel"]) == 2


@pytest.mark.parametrize("words", ["换两条毛巾", "我要换2条毛巾"])
def test_how_many_is_no_part_of_the_rewards_name(runtime: Runtime, store_of, home: int,
                                                 catalogue: dict[str, int], words: str) -> None:
    resident = bound(runtime, f"o_towels_{len(words)}", ZHANG)
    summary = resident.say(words)
    assert "纯棉毛巾" in summary and "30 分" in summary and "请核对" in summary
    assert "一次换一件" in summary and "要换 2 件" in summary  # the one had now is not taken for two
    resident.say("1")
    assert len(redemptions(store_of)) == 1 and ledger(store_of, home)[0] == 50


@pytest.mark.parametrize("more", ["两个", "要两条"])
def test_two_at_the_confirmation_is_told_one_at_a_time(runtime: Runtime, store_of, home: int,
                                                        catalogue: dict[str, int], more: str) -> None:
    resident = bound(runtime, "o_two_at_confirm", ZHANG)
    resident.say("我想用积分换毛巾")
    reply = resident.say(more)  # not 2. 重新填写
    assert "一次换一件" in reply and "请核对" in reply and resident.options == ["确认提交", "重新填写", "取消"]
    resident.say("1")
    assert len(redemptions(store_of)) == 1 and ledger(store_of, home)[0] == 50


def test_two_asked_again_at_the_confirmation_says_one_at_a_time_once(
        runtime: Runtime, home: int, catalogue: dict[str, int]) -> None:
    resident = bound(runtime, "o_two_again", ZHANG)
    resident.say("换两条毛巾")
    reply = resident.say("两个")
    assert reply.count("一次换一件") == 1 and "请核对" in reply
    assert resident.options == ["确认提交", "重新填写", "取消"]


@pytest.mark.parametrize("words", ["两个", "要两样"])
def test_two_at_the_list_of_rewards_is_how_many_not_the_second(runtime: Runtime, store_of, home: int,
                                                                catalogue: dict[str, int], words: str) -> None:
    resident = bound(runtime, f"o_two_at_list_{len(words)}", ZHANG)
    resident.say("爱心换购")
    reply = resident.say(words)  # not 2. 纯棉毛巾
    assert "一次换一件" in reply and "请核对" not in reply
    assert resident.options == ["环保购物袋（20 分，还有 5 件）", "纯棉毛巾（30 分，还有 3 件）"]
    chosen = resident.say("2")
    assert "请核对" in chosen and "纯棉毛巾" in chosen
    resident.say("1")
    assert len(redemptions(store_of)) == 1


def test_one_asked_for_is_no_news(runtime: Runtime, home: int, catalogue: dict[str, int]) -> None:
    resident = bound(runtime, "o_one_towel", ZHANG)
    assert "一次换一件" not in resident.say("换一条毛巾")
    resident.say("取消")
    assert "一次换一件" not in resident.say("换毛巾")


def test_digits_alone_redeem(runtime: Runtime, store_of, home: int, catalogue: dict[str, int]) -> None:
    resident = bound(runtime, "o_digits", ZHANG)
    resident.say("积分")
    resident.say("1")  # 积分换购
    assert "请核对" in resident.say("1")  # 环保购物袋
    assert "取货码" in resident.say("1")
    assert ledger(store_of, home)[0] == 60 and stock(store_of, catalogue["bag"]) == 4


@pytest.mark.parametrize("words", ["换 2", "换第二个", "要2号"])
def test_a_list_number_in_words_picks_that_reward(runtime: Runtime, home: int, catalogue: dict[str, int],
                                                 words: str) -> None:
    resident = bound(runtime, "o_number", ZHANG)
    resident.say("爱心换购")
    reply = resident.say(words)
    assert "请核对" in reply and "纯棉毛巾" in reply


def test_what_cannot_be_had_is_explained_with_what_can(runtime: Runtime, store_of, home: int,
                                                      catalogue: dict[str, int]) -> None:
    resident = bound(runtime, "o_refused", ZHANG)
    reply = resident.say("我要换大米")
    assert keys(resident)[:2] == ("points.not_enough", "points.other_rewards")
    assert "100 分" in reply and "还差 20 分" in reply and len(resident.options) == 2
    resident.say("换理发券")
    assert keys(resident)[0] == "points.out_of_stock"
    resident.say("兑换食用油")
    assert keys(resident)[0] == "points.gone"
    assert "请核对" in resident.say("2")  # one of the rewards offered instead: 纯棉毛巾
    resident.say("1")
    assert [r.reward_name for r in redemptions(store_of)] == ["纯棉毛巾"]


def test_too_few_points_for_anything_says_how_to_earn_more(runtime: Runtime, store_of,
                                                           catalogue: dict[str, int]) -> None:
    give_points(store_of, household_at(store_of, "3-502"), 10)
    resident = bound(runtime, "o_poor", ZHANG)
    reply = resident.say("积分能换什么")
    assert keys(resident) == ("points.too_few_points",) and "10 分" in reply and "20 分" in reply
    assert resident.options == ["爱心积分", "爱心捐赠"]
    assert redemptions(store_of) == []


def test_an_unbound_resident_binds_first_then_the_request_resumes(runtime: Runtime, store_of, home: int,
                                                                 catalogue: dict[str, int]) -> None:
    resident = Resident(runtime, "o_redeem_unbound")
    assert "绑定" in resident.say("我想用积分换毛巾")
    resumed = resident.say(ZHANG)
    assert "绑定成功" in resumed and "请核对" in resumed and "纯棉毛巾" in resumed
    resident.say("确认")
    assert [r.openid for r in redemptions(store_of)] == ["o_redeem_unbound"]


def test_wrong_answers_are_asked_again_and_cancelling_redeems_nothing(runtime: Runtime, store_of, home: int,
                                                                    catalogue: dict[str, int]) -> None:
    resident = bound(runtime, "o_wrong", ZHANG)
    resident.say("换购")
    resident.say("7")
    assert "menu.out_of_range" in keys(resident) and len(resident.options) == 2
    assert "换不了" in resident.say("换五斤大米")
    resident.say("换 9")
    assert keys(resident)[0] == "form.still_not_understood" and resident.options[-1] == "人工服务"
    assert "请核对" in resident.say("1")
    assert "取消" in resident.say("算了")
    assert redemptions(store_of) == [] and ledger(store_of, home)[0] == 80


def test_the_last_points_cannot_be_spent_twice(runtime: Runtime, store_of, catalogue: dict[str, int]) -> None:
    flat = household_at(store_of, "3-502")
    give_points(store_of, flat, 30)
    first, second = bound(runtime, "o_zhang", ZHANG), bound(runtime, "o_limei", "绑定 3-502 李梅 5502")
    assert "请核对" in first.say("换毛巾") and "请核对" in second.say("换毛巾")
    assert "取货码" in first.say("1")
    refused = second.say("1")
    assert keys(second)[0] == "points.not_enough" and "还差 30 分" in refused
    assert ledger(store_of, flat)[0] == 0 and len(redemptions(store_of)) == 1


def test_a_wechat_retry_of_the_confirmation_redeems_once(wechat: WeChatServer, client: TestClient, store_of,
                                                         home: int, catalogue: dict[str, int]) -> None:
    assert "绑定成功" in wechat.say("o_retry", ZHANG, safe=True).content
    assert "请核对" in wechat.say("o_retry", "换毛巾", safe=True).content
    confirm = new_msg_id()
    first = wechat.say("o_retry", "1", safe=True, msg_id=confirm).content
    again = wechat.say("o_retry", "1", safe=True, msg_id=confirm).content
    assert "取货码" in first and again == first
    [redemption] = redemptions(store_of)
    assert re.search(rf"取货码：{redemption.code}", first)
    assert ledger(store_of, home)[0] == 50 and stock(store_of, catalogue["towel"]) == 2


@pytest.mark.parametrize("words", ["算了换一个", "换个别的", "重新选"])
def test_asking_for_another_at_the_confirmation_shows_the_catalogue_again(
        runtime: Runtime, store_of, home: int, catalogue: dict[str, int], words: str) -> None:
    resident = bound(runtime, f"o_another_{len(words)}", ZHANG)
    resident.say("我想用积分换毛巾")
    again = resident.say(words)
    assert "取消" not in again
    assert resident.options == ["环保购物袋（20 分，还有 5 件）", "纯棉毛巾（30 分，还有 3 件）"]
    assert redemptions(store_of) == []
    assert "环保购物袋" in resident.say("1") and resident.options == ["确认提交", "重新填写", "取消"]
    resident.say("1")
    [redemption] = redemptions(store_of)
    assert redemption.points == 20 and stock(store_of, catalogue["towel"]) == 3
