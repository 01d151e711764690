"""repair_report: from what residents say to one ticket, confirmed; urgent ones escalate at once."""
from __future__ import annotations

import pytest

from bot.runtime import Runtime
from store.repairs import RepairRepository
from tests.talk import Resident


def tickets(store_of) -> list:
    with store_of() as store:
        return store[RepairRepository].list()


def bound(runtime: Runtime, openid: str) -> Resident:
    resident = Resident(runtime, openid)
    assert "绑定成功" in resident.say("绑定 3-502 张三 1234")
    return resident


def test_one_sentence_from_a_bound_resident_needs_only_a_confirmation(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_leak")
    summary = resident.say("我家厨房水管漏水了")
    assert "水管漏水" in summary and "3-502" in summary and "139****1234" in summary
    assert "报修已提交" in resident.say("1")
    [ticket] = tickets(store_of)
    assert (ticket.category, ticket.location, ticket.phone, ticket.status, ticket.urgent) == \
        ("water_leak", "3-502", "13912341234", "pending", False)
    assert ticket.household_id is not None and "厨房" in ticket.description


def test_a_room_or_a_place_given_at_the_confirmation_says_where(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_room")
    resident.say("喂喂")
    resident.say("你好啊小助手，我家那个灯不亮了")
    assert "3-502" in resident.say("客厅")  # at the confirmation: where, more exactly
    assert "报修已提交" in resident.say("1")
    [ticket] = tickets(store_of)
    assert (ticket.category, ticket.location, ticket.description) == ("electrical", "3-502 客厅", "我家那个灯不亮了")


@pytest.mark.parametrize("when", ["明天上午", "下午三点以后在家", "晚上7点以后", "周末才有人"])
def test_when_someone_is_home_is_kept_with_the_report(runtime: Runtime, store_of, when: str) -> None:
    resident = bound(runtime, "o_visit")
    resident.say("我家厨房水槽堵了")
    summary = resident.say(when)  # at the confirmation
    assert "记下了" in summary and f"方便上门：{when}" in summary
    assert "报修已提交" in resident.say("1")
    [ticket] = tickets(store_of)
    assert ticket.description == f"我家厨房水槽堵了；方便上门：{when}"


def test_asking_when_the_repairer_comes_is_not_a_time_to_keep(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_when")
    resident.say("我家厨房水槽堵了")
    assert "方便上门" not in resident.say("师傅明天什么时候来")


def test_step_by_step_report_from_an_unbound_resident(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_steps")
    assert "什么坏了" in resident.say("报修")
    assert "情况" in resident.say("6")  # 楼道灯/路灯
    assert "电话" in resident.say("5号楼2楼楼道的灯一直不亮")  # says where, too
    assert "请核对" in resident.say("13612345678")
    assert "报修已提交" in resident.say("确认提交")
    [ticket] = tickets(store_of)
    assert ticket.category == "lighting" and ticket.household_id is None and ticket.phone == "13612345678"
    assert ticket.location == "5号楼2楼楼道" and ticket.description == "5号楼2楼楼道的灯一直不亮"


def test_the_place_is_asked_when_the_description_does_not_say_it(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_where")
    resident.say("报修")
    resident.say("6")
    assert "在哪里" in resident.say("灯一直不亮")
    assert "电话" in resident.say("5号楼二楼楼梯间")
    resident.say("13612345678")
    resident.say("1")
    [ticket] = tickets(store_of)
    assert ticket.location == "5号楼二楼楼梯间"  # the whole name of the place, 间 too


@pytest.mark.parametrize(("said", "where"), [("我是5号楼的", "5号楼"), ("就在东门", "东门"), ("在东门", "东门"),
                                           ("我住5号楼2单元", "5号楼2单元"), ("住宅楼3号门口", "住宅楼3号门口")])
def test_a_few_words_naming_the_place_are_the_place(runtime: Runtime, store_of, said: str, where: str) -> None:
    resident = Resident(runtime, "o_place_words")
    resident.say("报修")
    resident.say("6")
    resident.say("路灯晚上一直不亮")
    assert "电话" in resident.say(said)
    resident.say("1")  # no phone
    resident.say("确认提交")
    [ticket] = tickets(store_of)
    assert ticket.location == where


def test_a_keyboard_mash_is_not_taken_as_the_description(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_mash")
    resident.say("报修")
    resident.say("1")
    assert "没看懂" in resident.say("asdfgh")
    summary = resident.say("卫生间天花板在滴水")  # their own bathroom: nothing more to ask
    assert "请核对" in summary and "asdfgh" not in summary and "天花板在滴水" in summary
    assert "位置：3-502 卫生间" in summary
    assert "报修已提交" in resident.say("1")
    [ticket] = tickets(store_of)
    assert ticket.description == "卫生间天花板在滴水"


def test_a_place_given_for_the_description_is_kept_and_the_question_asked_again(runtime: Runtime,
                                                                                store_of) -> None:
    resident = Resident(runtime, "o_gate")
    resident.say("报修")
    resident.say("6")  # 楼道灯/路灯
    again = resident.say("小区东门")
    assert "记下了" in again and "情况" in again
    assert "电话" in resident.say("路灯晚上不亮")  # the place is not asked again
    assert "请核对" in resident.say("13612345678")
    resident.say("1")
    [ticket] = tickets(store_of)
    assert (ticket.location, ticket.description) == ("小区东门", "路灯晚上不亮")


def test_two_at_the_list_of_what_is_broken_picks_nothing_and_starts_nothing_else(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_two_things")
    resident.say("我要报修")
    reply = resident.say("两个")  # how many, not 2. 下水道/马桶堵塞, nor a sign-up for two
    assert "什么坏了" in reply and "报名" not in reply and "马桶" not in reply.split("\n")[0]
    assert resident.options[:2] == ["水管漏水", "下水道/马桶堵塞"]
    assert "报名" not in resident.say("1") and not tickets(store_of)


def test_a_bad_phone_number_is_asked_again(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_phone")
    resident.say("楼道灯坏了")
    resident.say("3号楼楼道")
    assert "11 位手机号" in resident.say("12345")


def test_a_photo_sent_during_the_report_is_kept(runtime: Runtime, store_of) -> None:
    from bot.dialogue.turn import Photo
    from bot.wechat.inbound import Inbound

    resident = bound(runtime, "o_photo")
    resident.say("我家卫生间马桶堵了")
    reply = resident.send(Inbound(openid="o_photo", account="gh", kind="image", create_time=1, msg_id="555001",
                                  photo=Photo(url="http://img/1.jpg", media_id="m1"), raw_type="image"))
    assert "照片收到了" in reply and "照片：已收到" in reply
    resident.say("1")
    assert tickets(store_of)[0].photo_url == "http://img/1.jpg"


def test_redo_at_confirmation_starts_the_questions_again(runtime: Runtime) -> None:
    resident = bound(runtime, "o_redo")
    resident.say("电梯坏了")
    resident.say("5号楼电梯不动了")
    resident.say("5号楼")
    assert "什么坏了" in resident.say("2")


def test_gas_smell_is_urgent_ticket_escalation_and_emergency_number(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_gas")
    reply = resident.say("厨房里一股煤气味，怎么办")
    assert "962777" in reply and "紧急" in reply
    [ticket] = tickets(store_of)
    assert ticket.urgent and ticket.category == "gas" and ticket.location == "3-502"
    with store_of() as store:
        assert [e.reason for e in store.escalations.list()] == ["urgent_repair"]


def test_trapped_in_a_lift_without_a_known_flat_asks_where(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_lift")
    reply = resident.say("救命 我被困在电梯里了")
    assert "021-6201-1119" in reply and "位置" in reply
    assert "位置已记下" in resident.say("7号楼东边那部电梯")
    [ticket] = tickets(store_of)
    assert ticket.urgent and ticket.category == "elevator" and "7号楼" in ticket.location


def test_staff_on_duty_are_notified_of_new_tickets(make_runtime, config_with, store_of) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_staff_1", "o_staff_2"]}))
    resident = bound(runtime, "o_notify")
    resident.say("我家厨房水管漏水了")
    resident.say("1")
    from store import Store
    from store.db import transaction

    with transaction(runtime.factory) as session:
        notices = [m for who in ("o_staff_1", "o_staff_2") for m in Store(session).outbox.for_openid(who)]
    assert len(notices) == 2 and all("新报修" in n.payload["content"] for n in notices)


def test_an_emergency_is_urgent_whatever_the_nlu_and_the_open_form(runtime: Runtime, store_of) -> None:
    from nlu.types import IntentPrediction, Parse

    resident = Resident(runtime, "o_emergency")
    assert "楼号" in resident.say("我想绑定住户")  # another flow is open
    understand = runtime.assistant.read

    def confused(inbound):
        turn = understand(inbound)
        return turn.with_parse(Parse(turn.text, IntentPrediction("out_of_scope", 0.9)))

    runtime.assistant.read = confused  # type: ignore[method-assign]
    reply = resident.say("家里天然气味道好重")
    assert "962777" in reply
    [ticket] = tickets(store_of)
    assert ticket.urgent and ticket.category == "gas"


def test_raising_the_alarm_twice_keeps_one_urgent_ticket(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_panic")
    first = resident.say("救命 我被困在电梯里了")
    assert "位置" in first
    assert "位置已记下" in resident.say("7号楼电梯 我被困在里面出不来")
    again = resident.say("还被困在电梯里 快来人")
    assert "021-6201-1119" in again
    [ticket] = tickets(store_of)
    assert "7号楼" in ticket.location and "快来人" in ticket.description


def test_an_emergency_during_a_report_keeps_the_place_given_and_stands_for_the_report(runtime: Runtime,
                                                                                      store_of) -> None:
    resident = bound(runtime, "o_burst")  # bound: a flooding would otherwise be placed in their flat
    resident.say("我要报修")
    assert "记下了" in resident.say("小区东门")  # the place, given before what is broken
    assert "021-6201-1110" in resident.say("水管爆了")
    [ticket] = tickets(store_of)
    assert ticket.urgent and (ticket.category, ticket.location) == ("water_leak", "小区东门")
    after = resident.say("好的")
    assert "什么坏了" not in after and "没看懂" not in after  # the report became the urgent ticket
    assert len(tickets(store_of)) == 1


def test_an_emergency_during_a_report_of_something_else_leaves_that_report_open(runtime: Runtime,
                                                                                store_of) -> None:
    resident = bound(runtime, "o_door_gas")
    resident.say("单元门的门禁坏了")
    resident.say("3号楼单元门")
    assert "962777" in resident.say("楼道里有很重的煤气味")
    resident.say("13612345678")
    assert "报修已提交" in resident.say("1")
    urgent, door = sorted(tickets(store_of), key=lambda t: not t.urgent)
    assert (urgent.category, door.category, door.urgent) == ("gas", "door_window", False)


def test_a_photo_first_then_a_tap_on_repair_keeps_the_photo_and_asks_what_is_broken(runtime: Runtime,
                                                                                     store_of) -> None:
    from bot.dialogue.turn import Photo
    from bot.wechat.inbound import Inbound

    resident = bound(runtime, "o_photo_first")
    offer = resident.send(Inbound(openid="o_photo_first", account="gh", kind="image", create_time=1,
                                  msg_id="555002", photo=Photo(url="http://img/2.jpg", media_id="m2"),
                                  raw_type="image"))
    assert "报修" in offer
    assert "什么坏了" in resident.say("1")
    resident.say("7")  # 门窗/门禁
    resident.say("单元门的门禁刷卡没反应")
    summary = resident.say("我家")
    assert "照片：已收到" in summary and "是，我要报修" not in summary
    resident.say("1")
    [ticket] = tickets(store_of)
    assert ticket.photo_url == "http://img/2.jpg" and ticket.category == "door_window"


def test_the_alarm_and_the_urgent_ticket_read_the_words_the_same_way(runtime: Runtime, store_of) -> None:
    """Spaces or traditional characters inside an alarm word neither miss nor half-trigger it."""
    reply = bound(runtime, "o_spaced").say("厨房 煤氣 味 好重")
    assert "962777" in reply
    [ticket] = tickets(store_of)
    assert ticket.urgent and ticket.category == "gas"


@pytest.mark.parametrize(("words", "category"), [
    ("我家灯坏了", "electrical"),  # a light inside the flat: the flat's wiring
    ("我家门口的灯坏了", "lighting"),  # outside the door: the building's lighting
])
def test_a_light_is_the_flats_or_the_buildings_by_where_it_is(runtime: Runtime, store_of, words: str,
                                                               category: str) -> None:
    resident = bound(runtime, f"o_light_{category}")
    resident.say(words)
    assert "报修已提交" in resident.say("1")
    [ticket] = tickets(store_of)
    assert ticket.category == category and ticket.location == "3-502"


def test_wechat_emoticons_stay_out_of_the_ticket_and_a_thumbs_up_confirms(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_emoticons")
    assert "请核对" in resident.say("[捂脸]我家厨房水管漏水了")
    assert "报修已提交" in resident.say("[强]")
    [ticket] = tickets(store_of)
    assert ticket.description == "我家厨房水管漏水了"


@pytest.mark.parametrize(("where", "location"), [
    ("卫生间", "3-502 卫生间"),  # a room alone: the resident's own
    ("社区活动室的卫生间", "社区活动室的卫生间"),  # a room of another place stays there
    ("二楼卫生间", "二楼卫生间"),
])
def test_a_room_answers_where_in_the_flat_only_when_it_names_no_other_place(runtime: Runtime, store_of,
                                                                             where: str, location: str) -> None:
    resident = bound(runtime, "o_rooms")
    resident.say("我要报修")
    resident.say("1")
    resident.say("水龙头一直滴水")
    assert "位置" in resident.say(where)
    assert "报修已提交" in resident.say("1")
    [ticket] = tickets(store_of)
    assert ticket.location == location


@pytest.mark.parametrize(("said", "location"), [
    ("厨房水龙头一直滴", "3-502 厨房"),  # a room of the flat in the fault: the resident's own, nothing asked
    ("卧室的灯不亮了", "3-502 卧室"),
])
def test_a_room_in_the_fault_says_where_for_a_bound_resident(runtime: Runtime, store_of, said: str,
                                                             location: str) -> None:
    resident = bound(runtime, "o_room_fault")
    assert f"位置：{location}" in resident.say(said)
    resident.say("确认")
    [ticket] = tickets(store_of)
    assert (ticket.location, ticket.description) == (location, said)


def test_a_room_in_the_fault_of_an_unbound_resident_is_asked_where(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_room_unbound")
    assert "在哪里" in resident.say("厨房水龙头一直滴")


@pytest.mark.parametrize(("word", "category"), [
    ("水", "water_leak"), ("灯", "lighting"), ("门", "door_window"), ("电", "electrical")])
def test_one_word_answers_what_is_broken(runtime: Runtime, store_of, word: str, category: str) -> None:
    resident = bound(runtime, f"o_one_word_{category}")
    resident.say("修")
    assert "情况" in resident.say(word)  # the category is taken: the description is asked next
    resident.say("一直坏着")
    resident.say("3号楼楼道")
    resident.say("确认")
    [ticket] = tickets(store_of)
    assert ticket.category == category


def test_a_fault_of_the_building_offers_the_residents_building_too(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_lift")
    resident.say("电梯又坏了")
    assert resident.options[:2] == ["我家 3-502", "3号楼（楼道、电梯等公共部位）"]
    assert "位置：3号楼" in resident.say("2")
    resident.say("确认")
    [ticket] = tickets(store_of)
    assert (ticket.category, ticket.location) == ("elevator", "3号楼")


def test_a_fault_of_the_flat_offers_only_the_flat(runtime: Runtime) -> None:
    resident = bound(runtime, "o_flat_only")
    resident.say("水管漏水了")
    assert resident.options == ["我家 3-502", "说不清楚，请师傅打电话问我"]


def test_asking_again_to_report_keeps_the_question_and_fills_nothing(runtime: Runtime) -> None:
    resident = bound(runtime, "o_again")
    resident.say("报修")
    again = resident.say("我要报修")
    assert "还没办完" in again and "是什么坏了" in again and "没看懂" not in again
    assert "人工服务" not in resident.options  # not counted as a miss


def test_spoken_fillers_before_the_fault_stay_out_of_the_description(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_fillers")
    resident.say("喂喂，那个，我家马桶堵了，冲不下去了")
    resident.say("确认")
    [ticket] = tickets(store_of)
    assert ticket.description == "我家马桶堵了，冲不下去了"


@pytest.mark.parametrize(("said", "description"), [
    ("嗯那个我想问一下啊就是那个我家马桶堵了", "我家马桶堵了"),
    ("我跟你说，是这样的，我家马桶堵了", "我家马桶堵了"),
    ("请问一下，我家马桶堵了", "我家马桶堵了"),
])
def test_asking_and_telling_fillers_stay_out_of_the_description(runtime: Runtime, store_of, said: str,
                                                                description: str) -> None:
    resident = bound(runtime, f"o_fillers_{len(said)}")
    resident.say(said)
    resident.say("确认")
    [ticket] = tickets(store_of)
    assert ticket.description == description
