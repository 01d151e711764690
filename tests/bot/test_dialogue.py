"""The dialogue engine: menus, global words, fallback, forms, timeouts — for elderly residents
no dead ends."""
from __future__ import annotations

from datetime import timedelta

import pytest

import bot.assistant
from bot.runtime import Runtime
from store.clock import utcnow
from store.repairs import RepairRepository
from tests.talk import Resident


@pytest.fixture
def resident(runtime: Runtime) -> Resident:
    return Resident(runtime, "o_dialogue")


def escalations(store_of) -> list:
    with store_of() as store:
        return store.escalations.list()


@pytest.mark.parametrize("word", ["0", "菜单", "帮助", "菜單", "０"])
def test_menu_words_show_the_number_menu(resident: Resident, word: str) -> None:
    resident.say(word)
    assert resident.options[:2] == ["物业报修", "报修进度"]


def test_a_menu_digit_starts_that_service(resident: Resident) -> None:
    resident.say("菜单")
    assert "什么坏了" in resident.say("1")


def test_a_digit_with_nothing_on_offer_picks_from_the_main_menu(resident: Resident) -> None:
    assert "什么坏了" in resident.say("1")


def test_a_tapped_option_label_works_like_its_digit(resident: Resident) -> None:
    resident.say("菜单")
    assert "什么坏了" in resident.say("物业报修")


def test_a_digit_out_of_range_says_which_digits_work(resident: Resident) -> None:
    resident.say("菜单")
    reply = resident.say("12")
    assert f"1 到 {len(resident.options)}" in reply and resident.options


@pytest.mark.parametrize("word", ["取消", "算了", "不办了"])
def test_cancel_words_leave_a_form_from_any_step(resident: Resident, word: str, store_of) -> None:
    resident.say("我要报修")
    resident.say("2")  # drains: asks for a description next
    reply = resident.say(word)
    assert "取消" in reply
    assert "什么坏了" in resident.say("1")  # the menu works again, the old form is gone
    with store_of() as store:
        assert store[RepairRepository].list() == []


def test_human_works_in_the_middle_of_a_form(resident: Resident, store_of) -> None:
    resident.say("我要报修")
    reply = resident.say("人工")
    assert "工作人员" in reply
    assert [e.reason for e in escalations(store_of)] == ["request"]


def test_human_twice_keeps_one_open_escalation(resident: Resident, store_of) -> None:
    resident.say("人工")
    assert "已经在为您联系" in resident.say("转人工")
    assert len(escalations(store_of)) == 1


def test_not_understood_asks_a_numbered_clarifying_question(resident: Resident) -> None:
    reply = resident.say("嗯嗯那个啥")
    assert resident.options and "人工服务" in resident.options + [reply]


def test_misses_offer_a_person_but_never_bring_one_in_uninvited(resident: Resident, store_of) -> None:
    resident.say("给我放首周杰伦的歌")
    reply = resident.say("帮我订一张去北京的机票")
    assert "人工服务" in resident.options and "没看懂" in reply
    assert escalations(store_of) == []
    resident.say(str(resident.options.index("人工服务") + 1))
    assert [e.reason for e in escalations(store_of)] == ["request"]


def test_an_understood_message_resets_the_miss_count(resident: Resident, store_of) -> None:
    resident.say("给我放首周杰伦的歌")
    resident.say("你好")
    resident.say("帮我订一张去北京的机票")
    assert escalations(store_of) == []


def test_voice_without_recognition_keeps_the_open_question(runtime: Runtime, resident: Resident) -> None:
    from bot.wechat.inbound import Inbound

    resident.say("我要报修")
    reply = resident.send(Inbound(openid=resident.openid, account="gh", kind="voice", create_time=1,
                                  msg_id="987654321", text="", raw_type="voice"))
    assert "语音" in reply and "什么坏了" in reply


def test_an_unfinished_form_times_out(resident: Resident, monkeypatch: pytest.MonkeyPatch, store_of) -> None:
    resident.say("我要报修")
    later = utcnow() + timedelta(hours=3)
    monkeypatch.setattr(bot.assistant, "utcnow", lambda: later)
    reply = resident.say("你好")
    assert "超时" in reply
    with store_of() as store:
        assert store.conversations.get(resident.openid).form is None


def test_a_question_in_the_middle_of_a_form_is_answered_and_the_form_resumes(resident: Resident) -> None:
    resident.say("我要报修")
    reply = resident.say("我要找居委会工作人员")
    assert "工作人员" in reply


def test_binding_first_then_the_waiting_request_resumes(runtime: Runtime) -> None:
    """A service that needs a household asks to bind first, then runs by itself."""
    from bot.dialogue import Context, Flow, Reply, Turn
    from nlu.types import IntentPrediction, Parse

    private: Flow = Flow("private_test")

    @private.action("test_private_intent")
    def show(turn: Turn, ctx: Context) -> Reply:
        return Reply.text(f"PRIVATE {ctx.require_household(turn).address}")

    runtime.registry.add(private)
    understand = runtime.assistant.read

    def read_private(inbound):  # the NLU reads this message as the private service
        turn = understand(inbound)
        if inbound.text == "看我的隐私":
            return turn.with_parse(Parse(inbound.text, IntentPrediction("test_private_intent", 0.99)))
        return turn

    runtime.assistant.read = read_private  # type: ignore[method-assign]
    resident = Resident(runtime, "o_resume")
    assert "绑定" in resident.say("看我的隐私")
    reply = resident.say("绑定 3-502 张三 1234")
    assert "绑定成功" in reply and "PRIVATE 3-502" in reply


def test_answers_that_do_not_fit_are_asked_again_and_then_a_person_is_offered(resident: Resident,
                                                                                  store_of) -> None:
    resident.say("楼道灯坏了")
    resident.say("3号楼楼道")
    first = resident.say("12345")
    assert "11 位手机号" in first and "人工服务" not in resident.options
    second = resident.say("888")
    assert "电话" in second and "人工服务" in resident.options
    assert escalations(store_of) == []


def test_a_tapped_skip_on_a_number_question_is_the_skip(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_tap_skip")
    resident.say("楼道灯坏了")
    resident.say("3号楼楼道")
    assert "电话" in resident.say("3号楼楼道") or resident.options
    skip = next(label for label in resident.options if "不留电话" in label)
    assert "请核对" in resident.say(skip)  # the label tapped, not read as a request for a person
    with store_of() as store:
        assert store.escalations.list() == []


def test_a_digit_picks_what_is_offered_under_it_on_a_number_question(runtime: Runtime, store_of) -> None:
    """The phone and the flat are answered with digits, but 1 under "1. 不留电话" is that choice."""
    resident = Resident(runtime, "o_digit_skip")
    resident.say("楼道灯坏了")
    resident.say("3号楼楼道")
    assert "不留电话" in resident.options[0]
    assert "请核对" in resident.say("1")
    bound = Resident(runtime, "o_digit_keep")
    bound.say("绑定 3-502 张三 1234")
    bound.say("3")  # 绑定住户, from the menu: already bound, "1. 不换了"
    assert "没看懂" not in bound.say("1")
    assert "3-502" in bound.say("我的账单")


def test_a_digit_picks_from_the_menu_shown_while_a_number_question_waits(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_digit_menu")
    assert "楼号" in resident.say("我想绑定住户")  # the flat is asked: a number question
    resident.say("菜单")
    human = resident.options.index("人工服务") + 1
    assert "工作人员" in resident.say(str(human))
    assert [e.openid for e in escalations(store_of)] == ["o_digit_menu"]


@pytest.mark.parametrize(("emoji", "answer"), [("👍", "好的"), ("👌👌", "好的"), ("🙏", "不客气")])
def test_an_emoji_that_says_a_word_is_answered_not_taken_for_noise(resident: Resident, emoji: str,
                                                                   answer: str) -> None:
    reply = resident.say(emoji)
    assert answer in reply and "没看懂" not in reply


def test_emoji_that_say_nothing_are_still_not_understood(resident: Resident) -> None:
    assert "没看懂" in resident.say("😊😊")


def test_a_thumbs_up_confirms_a_report(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_thumbs")
    resident.say("楼道灯坏了")
    resident.say("3号楼楼道")
    assert "请核对" in resident.say("1")  # no phone
    assert "报修已提交" in resident.say("👍")
    with store_of() as store:
        assert len(store[RepairRepository].list()) == 1


@pytest.mark.parametrize("word", ["等一下", "稍等一下哈", "你等一下", "我想想"])
def test_wait_a_moment_keeps_the_question_and_is_not_a_miss(resident: Resident, word: str, store_of) -> None:
    resident.say("报修")
    resident.say("2")  # 下水道/马桶堵塞: the description is asked, anything with words would answer it
    reply = resident.say(word)
    assert "不着急" in reply and "情况" in reply and "没看懂" not in reply
    assert "在哪里" in resident.say("马桶堵了冲不下去")  # the description is still what is asked
    assert "在哪里" in resident.say("等一下")
    assert "在哪里" in resident.say("asdf") and "人工服务" not in resident.options  # one miss, not two


@pytest.mark.parametrize("words", ["等一下我问问老伴", "我问问家里人再说", "我商量一下"])
def test_wait_a_moment_in_more_words_keeps_the_question(resident: Resident, words: str) -> None:
    resident.say("报修")
    resident.say("2")
    reply = resident.say(words)
    assert "不着急" in reply and "情况" in reply and "没看懂" not in reply


@pytest.mark.parametrize("words", ["等一下，不报了", "等一下我要报名2个人"])
def test_a_moment_asked_with_another_request_is_that_request(resident: Resident, words: str) -> None:
    resident.say("报修")
    resident.say("2")
    assert "不着急" not in resident.say(words)


def test_wait_a_moment_keeps_a_list_shown_in_the_middle_of_a_form(runtime: Runtime, store_of) -> None:
    from store.announcements import AnnouncementRepository, NewAnnouncement

    with store_of() as store:
        for title in ("3号楼周三停水", "小区消毒安排"):
            store[AnnouncementRepository].publish(NewAnnouncement(title=title, body=f"{title}，详见公告栏。",
                                                                  kind="property"), utcnow())
    resident = Resident(runtime, "o_wait_list")
    resident.say("我要报修")
    resident.say("最近有什么通知")
    listed = list(resident.options)
    assert "不着急" in resident.say("等一下") and resident.options == listed
    pick = next(number for number, label in enumerate(listed, 1) if "小区消毒安排" in label)
    assert "小区消毒安排，详见公告栏" in resident.say(str(pick))  # the list's number, not the menu's


def test_a_request_that_needs_binding_waits_for_it_without_being_called_dropped(runtime: Runtime) -> None:
    reply = Resident(runtime, "o_wait_bind").say("我要捐赠旧衣服")
    assert "绑定" in reply and "先不办" not in reply


def test_a_list_asked_in_the_middle_of_a_form_keeps_its_choices(runtime: Runtime, store_of) -> None:
    from store.announcements import AnnouncementRepository, NewAnnouncement

    with store_of() as store:
        for title in ("3号楼周三停水", "小区消毒安排", "垃圾分类新规"):
            store[AnnouncementRepository].publish(NewAnnouncement(title=title, body=f"{title}，详见公告栏。",
                                                                  kind="property"), utcnow())
    resident = Resident(runtime, "o_list_mid")
    resident.say("我要报修")
    reply = resident.say("最近有什么通知")
    assert len(resident.options) >= 2 and "水管漏水" not in resident.options  # the notices' list
    assert "还没办完" in reply
    assert "在哪里" in resident.say("水管漏了")  # words still answer the repair form's questions


@pytest.mark.parametrize(("words", "question"), [
    ("是在哪里来着", True), ("几点开始", True), ("可以吗", True), ("是吗？", True), ("要带啥", True),
    ("是的", False), ("好的", False), ("对，没错", False), ("嗯嗯", False), ("没什么问题", False),
    ("没啥问题，确认", False),
])
def test_a_question_is_never_read_as_a_yes(words: str, question: bool) -> None:
    from bot.dialogue.text import asks

    assert asks(words) is question


def test_a_question_at_a_confirmation_does_not_submit(resident: Resident, store_of) -> None:
    resident.say("绑定 3-502 张三 1234")
    assert "请核对" in resident.say("我家厨房水管漏水了")
    resident.say("是在哪里来着")  # read as a yes by the NLU: still not a yes
    with store_of() as store:
        assert store[RepairRepository].list() == []
    assert "报修已提交" in resident.say("1")


@pytest.mark.parametrize("emoticon", ["[微笑]", "[捂脸]", "/::)"])
def test_a_wechat_emoticon_alone_is_noise_with_the_menu(resident: Resident, emoticon: str) -> None:
    assert "没看懂" in resident.say(emoticon)
    assert resident.options[:2] == ["物业报修", "报修进度"]


def test_the_triggers_of_a_message_share_one_view_of_the_conversation(runtime: Runtime,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.dialogue.turn import DialogView

    views: list[int] = []
    taken = DialogView.of.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(DialogView, "of", classmethod(lambda cls, state: views.append(1) or taken(cls, state)))
    resident = Resident(runtime, "o_one_view")
    for text in ("你好", "水费多少", "我家水管漏了"):
        views.clear()
        resident.say(text)
        assert len(views) <= 10, text  # not one per trigger asked (about a dozen of them)
