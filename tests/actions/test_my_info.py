"""我的信息, 解除绑定 and the privacy notice: a resident sees what the account holds about them
and unbinds after a numbered confirmation — through POST /wechat, as WeChat delivers it."""
from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.actions.account_helpers import Follower, links
from tests.talk import Resident, read_every_message_as
from tests.wechat_client import WeChatServer


def household_of(store_of, openid: str) -> str | None:
    with store_of() as store:
        row = store.residents.get(openid)
        return row.household.address if row and row.household else None


def test_my_info_shows_household_masked_phone_and_open_cases(wechat: WeChatServer) -> None:
    follower = Follower(wechat, "o_info")
    follower.follow()
    follower.say("绑定 3-502 张三 1234")
    follower.say("我家厨房水管漏水了")
    assert "报修已提交" in follower.say("1")
    assert "工作人员" in follower.say("人工")
    info = follower.say("我的信息")
    assert "3-502" in info and "张三" in info
    assert "139****1234" in info and "13912341234" not in info  # the phone, masked
    assert "报修：1 张还没办完（单号 1）" in info and "转人工：1 件" in info
    assert "聊天记录" in info and "180 天" in info
    assert links(info) == ["解除绑定", "删除我的信息", "隐私说明"]


def test_my_info_for_someone_not_bound(wechat: WeChatServer) -> None:
    follower = Follower(wechat, "o_info_unbound")
    follower.follow("b5-1")
    info = follower.say("我的信息")
    assert "还没有绑定" in info and "5号楼1单元" in info
    assert links(info)[0] == "绑定住户"


@pytest.mark.parametrize("words", ["我的信息", "个人信息", "我的资料"])
def test_my_info_words_work_whatever_the_nlu_makes_of_them(runtime: Runtime, words: str) -> None:
    read_every_message_as(runtime, "out_of_scope", 0.9)
    resident = Resident(runtime, "o_info_words")
    resident.say(words)
    assert resident.last is not None and resident.last.keys[0] == "account.info_title"


def test_the_privacy_notice_is_reachable_from_the_greeting_and_the_menu(wechat: WeChatServer) -> None:
    follower = Follower(wechat, "o_privacy")
    greeting = follower.follow()
    notice = follower.say(str(links(greeting).index("隐私说明") + 1))  # its digit under the greeting
    assert notice.startswith("隐私说明") and "180 天" in notice and "删除我的信息" in notice
    menu = follower.say("菜单")
    more = follower.say(str(links(menu).index("更多服务") + 1))
    assert "隐私说明" in links(more) and "我的信息" in links(more)
    assert follower.say("隐私").startswith("隐私说明")


def test_unbinding_asks_first_and_then_unbinds(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_unbind")
    follower.say("绑定 3-502 张三 1234")
    question = follower.say("解除绑定")
    assert "3-502" in question and links(question) == ["确认解除绑定", "不解除了"]
    assert household_of(store_of, "o_unbind") == "3-502"  # nothing happens before the answer
    assert "解除了" in follower.say("1")
    assert household_of(store_of, "o_unbind") is None
    assert "还没有绑定" in follower.say("我的信息")
    with store_of() as store:  # the household's own records stay the household's
        assert store.households.find_by_address("3", "502")[0].members


@pytest.mark.parametrize("answer", ["2", "不", "不解除", "算了"])
def test_unbinding_declined_keeps_the_binding(wechat: WeChatServer, store_of, answer: str) -> None:
    follower = Follower(wechat, "o_keep_binding")
    follower.say("绑定 3-502 张三 1234")
    follower.say("解绑")
    follower.say(answer)
    assert household_of(store_of, "o_keep_binding") == "3-502"


def test_unbinding_when_not_bound_says_so(wechat: WeChatServer) -> None:
    reply = Follower(wechat, "o_unbind_nothing").say("解除绑定")
    assert "还没有绑定" in reply and "绑定住户" in links(reply)


def test_unbinding_in_the_middle_of_a_form_needs_the_same_confirmation(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_unbind_mid")
    follower.say("绑定 3-502 张三 1234")
    follower.say("我要报修")
    assert "确定解除吗" in follower.say("解绑")
    assert household_of(store_of, "o_unbind_mid") == "3-502"
    follower.say("是的")
    assert household_of(store_of, "o_unbind_mid") is None
