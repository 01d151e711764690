"""Events and the neighbourhood board through ``POST /wechat`` in safe mode, as WeChat sends them:
digits alone, plain words, an unbound resident, and the records read back."""
from __future__ import annotations

from tests.community_support import ZHANG, add_event, add_post, household_at, posts, signups
from tests.wechat_client import WeChatServer


def test_digits_alone_sign_a_household_up(wechat: WeChatServer, store_of) -> None:
    add_event(store_of, "社区义诊", days=5)
    event = add_event(store_of, "太极拳健身讲座", days=2)
    assert "绑定成功" in wechat.say("o_e2e_digits", ZHANG, safe=True).content
    menu = wechat.say("o_e2e_digits", "0", safe=True).content
    if "社区活动" not in menu:  # the operator may keep it under 更多服务
        menu = wechat.say("o_e2e_digits", _number_of(menu, "更多服务"), safe=True).content
    listing = wechat.say("o_e2e_digits", _number_of(menu, "社区活动"), safe=True).content
    assert "太极拳健身讲座" in listing and "weixin://bizmsgmenu" in listing
    assert "几个人" in wechat.say("o_e2e_digits", "1", safe=True).content
    assert "请核对" in wechat.say("o_e2e_digits", "2", safe=True).content
    assert "报名成功" in wechat.say("o_e2e_digits", "1", safe=True).content
    assert signups(store_of, event) == [(household_at(store_of, "3-502"), "o_e2e_digits", 2, "confirmed")]


def test_an_unbound_resident_posts_good_news_after_binding(wechat: WeChatServer, store_of) -> None:
    assert "绑定" in wechat.say("o_e2e_news", "我孙子考上大学了", safe=True).content
    resumed = wechat.say("o_e2e_news", ZHANG, safe=True).content
    assert "绑定成功" in resumed and "家有喜事" in resumed and "孙子考上大学" in resumed
    assert "请核对" in wechat.say("o_e2e_news", "2", safe=True).content
    assert "已提交" in wechat.say("o_e2e_news", "1", safe=True).content
    [post] = posts(store_of)
    assert (post.kind, post.status, post.openid) == ("good_news", "pending", "o_e2e_news")


def test_a_neighbour_browses_and_likes_by_digit(wechat: WeChatServer, store_of) -> None:
    add_post(store_of, None, household_at(store_of, "3-502"), "good_news", "我家闺女结婚了，请大家吃喜糖")
    listing = wechat.say("o_e2e_fan", "最近谁家有喜事", safe=True).content
    assert "闺女结婚" in listing
    assert "1 个赞" in wechat.say("o_e2e_fan", "1", safe=True).content
    assert [p.likes for p in posts(store_of)] == [1]


def _number_of(menu: str, label: str) -> str:
    """The digit a numbered list shows before ``label``."""
    return next(line.split(".")[0].strip() for line in menu.splitlines() if label in line)
