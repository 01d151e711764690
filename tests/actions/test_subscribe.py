"""The front door: following (with and without a building's QR code), following again, scanning,
unfollowing — as WeChat posts them to /wechat."""
from __future__ import annotations

import pytest

from bot.dialogue.turn import Reply
from bot.notify import push
from store.clock import utcnow
from tests.actions.account_helpers import Follower, links
from tests.wechat_client import WeChatServer


def resident(store_of, openid: str):
    with store_of() as store:
        row = store.residents.get(openid)
        return row, (row.household.address if row and row.household else None)


def test_a_new_follower_gets_one_short_greeting_with_a_tap_to_bind(wechat: WeChatServer, store_of) -> None:
    greeting = Follower(wechat, "o_new_follower").follow()
    assert greeting.startswith("欢迎关注")
    assert greeting.count("\n· ") == 3  # what the account does, in three lines
    assert "绑定住户" in links(greeting)  # how to bind: one tap
    assert "绑定 3-502 张三 1234" in greeting
    assert {"人工服务", "隐私说明"} <= set(links(greeting))  # a person and the privacy notice, a tap away
    with store_of() as store:
        assert store.outbox.for_openid("o_new_follower") == []  # one message, nothing sent after it
    assert len(greeting.encode()) < 1000


def test_following_by_a_building_code_remembers_the_building_and_binding_asks_only_the_room(
        wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_b3")
    greeting = follower.follow("b3")
    assert "3号楼" in greeting
    row, _ = resident(store_of, "o_b3")
    assert row.scene == "b3"
    question = follower.say("绑定住户")  # the tapped link sends its label
    assert "3号楼" in question and "房号" in question
    assert "姓名" in follower.say("502")
    assert "后四位" in follower.say("张三")
    assert "绑定成功" in follower.say("1234")
    assert resident(store_of, "o_b3")[1] == "3-502"


def test_a_unit_code_prefills_building_and_unit(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_b51")
    assert "5号楼1单元" in follower.follow("b5-1")
    assert "5号楼1单元" in follower.say("绑定住户")
    follower.say("301室")
    follower.say("李四")
    assert "绑定成功" in follower.say("5678")
    assert resident(store_of, "o_b51")[1] == "5-1-301"


@pytest.mark.parametrize("lines", [["绑定 502 张三 1234"], ["绑定住户", "五零二", "张三", "1234"],
                                   ["绑定住户", "我住502", "张三", "1234"]])
def test_after_a_building_code_the_room_alone_is_enough(wechat: WeChatServer, store_of, lines: list[str]) -> None:
    follower = Follower(wechat, "o_b3_room")
    follower.follow("b3")
    replies = [follower.say(line) for line in lines]
    assert "绑定成功" in replies[-1]
    assert resident(store_of, "o_b3_room")[1] == "3-502"


def test_without_a_building_code_a_room_alone_is_not_an_address(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_no_code")
    follower.follow()
    assert "楼号和房号" in follower.say("绑定 502 张三 1234")
    assert resident(store_of, "o_no_code")[1] is None


def test_a_resident_from_another_building_may_still_give_the_whole_address(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_b3_visitor")
    follower.follow("b3")
    assert "绑定成功" in follower.say("绑定 5-1-301 李四 5678")
    assert resident(store_of, "o_b3_visitor")[1] == "5-1-301"


def test_the_repair_form_offers_the_scanned_building_as_the_place(wechat: WeChatServer, store_of) -> None:
    from store.repairs import RepairRepository

    follower = Follower(wechat, "o_b3_repair")
    follower.follow("b3")
    follower.say("绑定 3-502 张三 1234")
    follower.say("我要报修")
    follower.say("6")  # 楼道灯/路灯
    place = follower.say("楼道灯不亮了")
    assert "在哪里" in place
    assert links(place)[:2] == ["我家 3-502", "3号楼（楼道、电梯等公共部位）"]
    assert "3号楼" in follower.say("2")  # the summary names the place
    assert "报修已提交" in follower.say("1")
    with store_of() as store:
        [ticket] = [t for t in store[RepairRepository].list() if t.openid == "o_b3_repair"]
    assert ticket.location == "3号楼"


def test_a_returning_follower_is_welcomed_back_with_their_binding_intact(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_returning")
    follower.follow()
    follower.say("绑定 3-502 张三 1234")
    follower.unfollow()
    row, address = resident(store_of, "o_returning")
    assert row.subscribed is False and address == "3-502"
    welcome = follower.follow()
    assert "欢迎回来" in welcome and "3-502" in welcome and "欢迎关注" not in welcome
    row, address = resident(store_of, "o_returning")
    assert row.subscribed is True and address == "3-502"
    assert "3-502" in follower.say("我的信息")


def test_a_returning_follower_never_bound_is_welcomed_back_and_shown_how_to_bind(wechat: WeChatServer) -> None:
    follower = Follower(wechat, "o_back_unbound")
    follower.follow()
    follower.unfollow()
    welcome = follower.follow()
    assert "欢迎回来" in welcome and "绑定住户" in links(welcome)


def test_scanning_a_building_code_while_following(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_scanner")
    follower.follow()
    reply = follower.scan("b5-1")
    assert "欢迎回来" in reply and "5号楼1单元" in reply
    assert resident(store_of, "o_scanner")[0].scene == "b5-1"
    follower.scan("poster_spring")  # a code that names no building never replaces one that did
    assert resident(store_of, "o_scanner")[0].scene == "b5-1"
    follower.say("绑定 3-502 张三 1234")
    assert "3-502" in follower.scan("b3")


def test_unfollowing_stops_every_push_at_once(wechat: WeChatServer, store_of) -> None:
    follower = Follower(wechat, "o_leaving_pushes")
    follower.follow()
    follower.say("绑定 3-502 张三 1234")
    now = utcnow()
    with store_of() as store:
        assert push(store, "o_leaving_pushes", Reply.text("本月物业费已出账"), now, key="bill:2026-11")
        assert push(store, "o_leaving_pushes", Reply.text("明天活动提醒"), now, key="event:3:reminder")
        store.outbox.mark_held(store.outbox.by_dedup_key("event:3:reminder"), "outside the window")
        store.outbox.enqueue("o_leaving_pushes", "staff_reply", {"content": "工作人员回复"}, now, dedup_key="sr:1")
    assert follower.unfollow().body == "success"
    with store_of() as store:
        assert {row.status for row in store.outbox.for_openid("o_leaving_pushes")} == {"dropped"}
        assert not push(store, "o_leaving_pushes", Reply.text("天气预警"), now, key="weather:1")
    follower.follow()  # following again starts afresh: what was dropped stays dropped
    with store_of() as store:
        assert {row.status for row in store.outbox.for_openid("o_leaving_pushes")} == {"dropped"}
