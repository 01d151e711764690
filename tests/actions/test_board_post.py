"""board_post: a post in the resident's own words → its kind recognised → a contact chosen →
confirmed → waiting for staff; binding first; one post per message, retries included."""
from __future__ import annotations

from bot.runtime import Runtime
from tests.community_support import ZHANG, bound, household_at, posts
from tests.talk import Resident
from tests.wechat_client import WeChatServer, new_msg_id


def test_one_sentence_is_recognised_shown_and_posted_for_moderation(make_runtime, config_with, store_of) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    resident = bound(runtime, "o_seller")
    preview = resident.say("我有一辆儿童自行车想卖，九成新，50块")
    assert "交易买卖" in preview and "儿童自行车" in preview and "联系" in preview
    assert resident.options[0] == "显示我的手机号（邻居看到的是 139****1234）"
    summary = resident.say("1")
    assert "请核对" in summary and "139****1234" in summary and "审核" in summary
    assert "已提交" in resident.say("1")
    with store_of() as store:
        [notice] = [m.payload["content"] for m in store.outbox.for_openid("o_duty")]
    assert "邻里圈待审核" in notice and "儿童自行车" in notice
    [post] = posts(store_of)
    assert (post.kind, post.status, post.contact, post.openid, post.household_id) == (
        "market", "pending", "139****1234", "o_seller", household_at(store_of, "3-502"))


def test_a_bare_request_asks_for_the_words_and_reads_the_kind_from_them(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_borrower")
    assert "要发布的内容" in resident.say("我想发个帖子")
    assert "物品租借" in resident.say("谁家有梯子借我用一下")
    resident.say("2")  # WeChat only
    resident.say("确认")
    [post] = posts(store_of)
    assert (post.kind, post.contact, post.text) == ("lend", "仅微信联系", "谁家有梯子借我用一下")


def test_good_news_in_plain_words_is_a_post(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_grandma")
    assert "家有喜事" in resident.say("我孙子考上大学了")
    resident.say("2")
    resident.say("1")
    assert [p.kind for p in posts(store_of)] == ["good_news"]


def test_an_unclear_kind_is_asked_with_numbered_choices(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_unclear")
    resident.say("我想发个帖子")
    assert "哪一类" in resident.say("周末下午三点小区花园见，大家一起来")
    assert len(resident.options) == 6
    resident.say("6")  # 兴趣群
    resident.say("3")  # WeChat only
    resident.say("1")
    assert [p.kind for p in posts(store_of)] == ["group"]


def test_an_interest_group_shows_its_owners_wechat_id_only_when_given(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_dancer")
    resident.say("我想建个广场舞群，欢迎阿姨们加入")
    assert "写上我的微信号，方便邻居加群" in resident.options
    assert "微信号" in resident.say("2")
    assert "没看懂微信号" in resident.say("就是我的微信")
    assert "微信号 dance_wang88" in resident.say("dance_wang88")
    resident.say("1")
    other = bound(runtime, "o_shy", "绑定 5-1-301 李四 5678")
    other.say("想建个象棋群，找几个下棋的邻居")
    other.say("2")
    assert "不写微信号了" in other.options
    assert "仅微信联系" in other.say("1")
    other.say("1")
    assert [(p.kind, p.contact) for p in posts(store_of)] == [("group", "微信号 dance_wang88"), ("group", "仅微信联系")]


def test_too_short_words_are_asked_again(runtime: Runtime) -> None:
    resident = bound(runtime, "o_short")
    resident.say("我要发布信息")
    assert "太短" in resident.say("卖书")


def test_an_unbound_resident_binds_first_then_the_post_resumes(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_new")
    assert "绑定" in resident.say("谁家有梯子借我用一下")
    resumed = resident.say(ZHANG)
    assert "绑定成功" in resumed and "梯子" in resumed and "物品租借" in resumed
    resident.say("2")
    resident.say("1")
    assert [p.text for p in posts(store_of)] == ["谁家有梯子借我用一下"]


def test_a_correction_at_the_confirmation_replaces_the_words(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_corrector")
    resident.say("出租车位，地下二层，每月300")
    summary = resident.say("2")
    assert "每月300" in summary
    corrected = resident.say("不对，是车位出租，地下二层，每月250")
    assert "已经改过来了" in corrected and "每月250" in corrected and "每月300" not in corrected
    resident.say("1")
    assert [(p.kind, p.text) for p in posts(store_of)] == [("lend", "车位出租，地下二层，每月250")]


def test_cancel_at_the_confirmation_posts_nothing(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_changed_mind")
    resident.say("我有一辆儿童自行车想卖，九成新，50块")
    resident.say("1")
    resident.say("取消")
    assert posts(store_of) == []


def test_a_retried_confirmation_posts_once(runtime: Runtime, wechat: WeChatServer, store_of) -> None:
    wechat.say("o_twice", ZHANG)
    wechat.say("o_twice", "我有一辆儿童自行车想卖，九成新，50块")
    wechat.say("o_twice", "1")
    confirm = new_msg_id()
    first = wechat.say("o_twice", "1", msg_id=confirm, safe=True)
    again = wechat.say("o_twice", "1", msg_id=confirm, safe=True)
    assert "已提交" in first.content and again.content == first.content
    assert len(posts(store_of)) == 1


def test_a_plain_sale_is_read_as_a_sale() -> None:
    from actions.board import BoardSettings, kind_of
    settings = BoardSettings()
    assert kind_of("我想发个帖子卖旧自行车", settings) == "market"
    assert kind_of("外卖员招聘，工资面议", settings) == "job"


def test_a_post_keeps_the_chinese_punctuation_it_was_typed_with(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_comma")
    resident.say("我有一辆婴儿车想卖，九成新，50元！")
    resident.say("1")
    assert "已提交" in resident.say("1")
    [post] = posts(store_of)
    assert post.text == "我有一辆婴儿车想卖，九成新，50元！"


def test_more_words_while_the_contact_is_asked_go_into_the_post(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_more_words")
    resident.say("我家有辆儿童自行车想卖")
    assert "100块" in resident.say("100块") and len(resident.options) == 2  # the contact is still asked
    resident.say("可以小刀")
    resident.say("2")
    resident.say("确认")
    [post] = posts(store_of)
    assert (post.text, post.contact) == ("我家有辆儿童自行车想卖；100块；可以小刀", "仅微信联系")


def test_a_question_about_a_phone_number_chooses_no_contact(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_phone_question")
    resident.say("我家有辆儿童自行车想卖")
    reply = resident.say("物业电话多少")
    assert "021-6201-0000" in reply and "请核对" not in reply and "邻居怎么联系您" in reply
    resident.say("不显示电话")
    resident.say("确认")
    [post] = posts(store_of)
    assert (post.text, post.contact) == ("我家有辆儿童自行车想卖", "仅微信联系")
