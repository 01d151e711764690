"""donate (爱心捐赠): a pledge in the resident's words (a photo if sent), how the thank-you list
shows them, a confirmation → one record waiting for staff, who are told; binding first."""
from __future__ import annotations

from starlette.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from tests.community_support import bound, household_at
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.love_support import ZHANG, donations, keys, staff_notices
from tests.talk import Resident
from tests.wechat_client import WeChatServer, image_xml, new_msg_id


def test_one_sentence_says_what_is_given_then_the_name_is_chosen(make_runtime, config_with, store_of) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    resident = bound(runtime, "o_giver", ZHANG)
    question = resident.say("家里有十几本旧书想捐给社区")
    assert "感谢名单" in question and resident.options == ["写全名（张三）", "只写姓（张**）", "不上名单"]
    summary = resident.say("2")
    assert "十几本旧书" in summary and "只写姓：张**" in summary and "照片：没有" in summary
    done = resident.say("1")
    [donation] = donations(store_of)
    assert keys(resident)[0] == "donations.submitted" and f"编号 {donation.id}" in done
    assert (donation.openid, donation.household_id, donation.donor_name, donation.display, donation.kind,
            donation.status) == ("o_giver", household_at(store_of, "3-502"), "张三", "masked", "items", "pending")
    assert donation.description == "家里有十几本旧书想捐给社区"
    [notice] = staff_notices(store_of, "o_duty")  # the staff on duty were told, with who and what
    assert "十几本旧书" in notice and "3-502 张三" in notice and f"爱心捐赠 {donation.id}" in notice


def test_a_bare_wish_to_give_asks_what_first(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_bare", ZHANG)
    ask = resident.say("我想捐东西")
    assert keys(resident)[0] == "donations.ask_description" and resident.options == ["先不捐了"]
    assert "例如" in ask
    resident.say("捐款 200 元")
    assert keys(resident)[0] == "donations.ask_display"
    assert "写全名：张三" in resident.say("写全名")
    resident.say("确认")
    [donation] = donations(store_of)
    assert (donation.description, donation.kind, donation.display) == ("捐款 200 元", "money", "full")


def test_digits_and_a_photo_finish_a_pledge(wechat: WeChatServer, store_of) -> None:
    assert "绑定成功" in wechat.say("o_photo", ZHANG, safe=True).content
    assert "想捐些什么" in wechat.say("o_photo", "爱心捐赠", safe=True).content
    assert "照片收到了" in wechat.post(image_xml("o_photo", "http://mmbiz.qpic.cn/sim/coats.jpg"), safe=True).content
    wechat.say("o_photo", "旧棉衣 5 件", safe=True)
    summary = wechat.say("o_photo", "3", safe=True).content
    assert "照片：已收到" in summary and "不上名单" in summary
    confirm = new_msg_id()
    first = wechat.say("o_photo", "1", safe=True, msg_id=confirm).content
    again = wechat.say("o_photo", "1", safe=True, msg_id=confirm).content  # WeChat's retry
    assert "已经登记" in first and again == first
    [donation] = donations(store_of)
    assert (donation.photo_url, donation.photo_media_id, donation.display) == (
        "http://mmbiz.qpic.cn/sim/coats.jpg", "media_photo", "none")


def test_an_unbound_resident_binds_first_and_keeps_the_words(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_give_unbound")
    assert "绑定" in resident.say("我想捐几件旧衣服")
    resumed = resident.say(ZHANG)
    assert "绑定成功" in resumed and "感谢名单" in resumed
    assert "几件旧衣服" in resident.say("只写姓")
    resident.say("1")
    assert [(d.description, d.openid) for d in donations(store_of)] == [("几件旧衣服", "o_give_unbound")]


def test_volunteering_is_answered_not_taken_as_a_pledge(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_volunteer")
    reply = resident.say("怎么当志愿者")
    assert keys(resident) == ("donations.volunteer",) and "登记" in reply and "爱心驿站" in reply
    assert donations(store_of) == []


def test_wrong_answers_are_asked_again_and_a_correction_replaces_the_pledge(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_fix", ZHANG)
    resident.say("我要捐东西")
    resident.say("啊啊啊")
    assert keys(resident)[:2] == ("form.not_understood", "donations.ask_description")
    resident.say("旧书 5 本")
    resident.say("5")
    assert "menu.out_of_range" in keys(resident) and len(resident.options) == 3
    resident.say("匿名")
    assert "旧书20本" in resident.say("不对，改成旧书20本")
    resident.say("1")
    assert [(d.description, d.display) for d in donations(store_of)] == [("旧书20本", "none")]


def test_more_about_the_gift_while_the_list_is_asked_is_added_to_it(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_more", ZHANG)
    resident.say("我想捐点旧衣服")
    assert keys(resident)[0] == "donations.ask_display"
    resident.say("还有两件羽绒服")
    assert keys(resident)[:2] == ("form.noted", "donations.ask_display")
    assert "旧衣服；还有两件羽绒服" in resident.say("只写姓")
    resident.say("1")
    assert [d.description for d in donations(store_of)] == ["旧衣服；还有两件羽绒服"]


def test_when_the_things_come_is_kept_with_the_pledge_for_staff(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_delivery", ZHANG)
    resident.say("我想捐点旧衣服")
    resident.say("明天上午我自己送过去")
    assert keys(resident)[:2] == ("form.noted", "donations.ask_display")
    assert "旧衣服；明天上午我自己送过去" in resident.say("只写姓")
    resident.say("1")
    assert [d.description for d in donations(store_of)] == ["旧衣服；明天上午我自己送过去"]


def test_leaving_records_nothing(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_leave", ZHANG)
    resident.say("我想捐两袋大米")
    resident.say("算了")
    assert keys(resident)[0] == "stop.cancelled"
    resident.say("爱心捐赠")
    resident.say("1")  # 先不捐了
    assert donations(store_of) == []


def test_a_pledge_over_post_wechat_in_plaintext_mode(runtime: Runtime, store_of) -> None:
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        server.say("o_plain", ZHANG)
        server.say("o_plain", "我想捐一台旧电脑")
        assert "写全名：张三" in server.say("o_plain", "1").content
        assert "已经登记" in server.say("o_plain", "1").content
    assert [(d.description, d.display) for d in donations(store_of)] == [("一台旧电脑", "full")]


def test_asking_after_a_pledge_gets_its_state_not_a_new_pledge(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_after", ZHANG)
    resident.say("我想捐旧书10本")
    resident.say("2")
    resident.say("1")
    for words in ("我捐的书收到了吗", "我的捐赠确认了吗"):
        reply = resident.say(words)
        assert keys(resident)[0] == "donations.mine_header" and "旧书10本：等工作人员确认" in reply, words
    assert len(donations(store_of)) == 1


def test_a_question_answered_at_once_in_the_middle_keeps_the_pledge(runtime: Runtime, store_of) -> None:
    """积分能换什么 starts the redeem form, which has nothing to ask (nothing to exchange, or too few
    points): the answer is given and the pledge goes on, with nothing of it lost."""
    resident = bound(runtime, "o_mid_question", ZHANG)
    resident.say("我想捐几件旧衣服")
    answer = resident.say("积分能换什么")
    assert "先不办" not in answer and "“爱心捐赠”还没办完" in answer
    summary = resident.say("只写姓")
    assert "几件旧衣服" in summary and "只写姓：张**" in summary
    resident.say("确认")
    [donation] = donations(store_of)
    assert (donation.description, donation.display) == ("几件旧衣服", "masked")


def test_another_request_with_questions_of_its_own_takes_over_and_says_so(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_switch", ZHANG)
    resident.say("我想捐几件旧衣服")
    assert "先不办“爱心捐赠”了" in resident.say("我要报修")
    assert donations(store_of) == []
