"""complaint and complaint_list: a complaint is kept in the resident's words with the household,
reaches the staff inbox and is acknowledged honestly; residents read only what staff published."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.runtime import Runtime
from store.clock import utcnow
from store.complaints import ComplaintRepository
from tests.talk import Resident


def complaints(store_of: Callable) -> list:
    with store_of() as store:
        return [(c.openid, c.household_id, c.text, c.status) for c in store[ComplaintRepository].list()]


def published(store_of: Callable, openid: str, said: str, shown: str | None, days_ago: int) -> None:
    when = utcnow() - timedelta(days=days_ago)
    with store_of() as store:
        repository = store[ComplaintRepository]
        complaint, _ = repository.record(openid, said, f"seed:{said}", when)
        if shown is not None:
            repository.publish(complaint, shown, when)


def test_a_bare_complaint_asks_what_about_then_records_the_words_with_the_household(runtime: Runtime,
                                                                                    store_of) -> None:
    resident = Resident(runtime, "o_bound")
    resident.say("绑定 3-502 张三 1234")
    assert "请说说" in resident.say("我要投诉")
    assert complaints(store_of) == []
    reply = resident.say("地下车库出口天天被乱停的车堵住")
    assert "编号" in reply and "转给了工作人员" in reply
    [(openid, household_id, text, status)] = complaints(store_of)
    assert (openid, text, status) == ("o_bound", "地下车库出口天天被乱停的车堵住", "open") and household_id
    with store_of() as store:
        [escalation] = store.escalations.list()
    assert escalation.reason == "complaint" and "乱停的车" in escalation.text


def test_an_unbound_residents_complaint_is_kept_without_a_household(runtime: Runtime, store_of) -> None:
    Resident(runtime, "o_unbound").say("楼上天天半夜装修太吵了，我要投诉")
    [(openid, household_id, _, _)] = complaints(store_of)
    assert (openid, household_id) == ("o_unbound", None)


def test_noise_is_never_filed(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_noise")
    resident.say("我要投诉")
    resident.say("啊啊啊啊")
    resident.say("？？？")
    assert complaints(store_of) == []


def test_a_complaint_while_a_person_is_already_coming_says_it_was_added(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_waiting")
    resident.say("人工")
    reply = resident.say("我要投诉，小区门口的垃圾三天没人收了")
    assert resident.last is not None and resident.last.keys[0] == "complaint.added" and "补充" in reply
    assert len(complaints(store_of)) == 1
    with store_of() as store:
        assert len(store.escalations.list()) == 1


def test_residents_read_only_published_suggestions_newest_first_without_names_or_phones(runtime: Runtime,
                                                                                        store_of) -> None:
    published(store_of, "o_x", "张三说东门路灯坏了 13912341234", "建议修好东门路灯，联系 13912341234", days_ago=5)
    published(store_of, "o_y", "周末活动室不开门", "希望周末开放活动室", days_ago=1)
    published(store_of, "o_z", "隔壁王五家狗天天叫", None, days_ago=0)
    resident = Resident(runtime, "o_reader")
    reply = resident.say("大家提了哪些建议")
    assert reply.index("希望周末开放活动室") < reply.index("建议修好东门路灯")
    assert "13912341234" not in reply and "139****1234" in reply
    assert "王五" not in reply and "张三" not in reply and "o_x" not in reply
    assert complaints(store_of)[2][3] == "open"  # reading filed nothing
    assert len(complaints(store_of)) == 3
    assert resident.options == ["我也提个建议"]
    assert "请说说" in resident.say("1")


def test_asking_to_read_while_writing_a_complaint_reads_and_files_nothing(runtime: Runtime, store_of) -> None:
    published(store_of, "o_x", "活动室", "希望周末开放活动室", days_ago=1)
    resident = Resident(runtime, "o_changed_mind")
    resident.say("我想提个建议")
    assert "希望周末开放活动室" in resident.say("先看看大家提了哪些建议")
    with store_of() as store:
        assert store.conversations.get("o_changed_mind").form is None  # type: ignore[union-attr]
    assert [c[0] for c in complaints(store_of)] == ["o_x"]


def test_asking_where_ones_own_complaint_stands_files_nothing(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_mine")
    assert "没有查到您反映过的问题" in resident.say("投诉进度") and complaints(store_of) == []
    resident.say("楼下天天晚上跳广场舞太吵了")
    reply = resident.say("我上次反映的问题怎么样了")
    assert "广场舞" in reply and "还在处理" in reply
    assert len(complaints(store_of)) == 1
    with store_of() as store:  # staff answered the case
        [case] = store.escalations.list()
        store.escalations.mark_replied(case, utcnow())
    assert "已经回复过您" in resident.say("我的投诉处理了吗")
    with store_of() as store:
        [complaint] = store[ComplaintRepository].list()
        store[ComplaintRepository].publish(complaint, "希望管理广场舞音量。", utcnow())
    assert "公示" in resident.say("我提的建议有回复吗")
    assert len(complaints(store_of)) == 1


@pytest.mark.parametrize("words", ["我的投诉", "查看我的投诉", "看看我的建议", "我提的意见呢"])
def test_ones_own_complaints_named_alone_are_read_not_the_public_list(runtime: Runtime, store_of,
                                                                      words: str) -> None:
    resident = Resident(runtime, f"o_mine_alone_{len(words)}")
    resident.say("楼下天天晚上跳广场舞太吵了，我要投诉")
    reply = resident.say(words)
    assert "您最近反映的 1 条" in reply and "广场舞" in reply and "大家最近的建议" not in reply
    assert len(complaints(store_of)) == 1


def test_a_complaint_that_starts_with_my_complaint_is_still_filed(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_my_complaint_is")
    resident.say("我的投诉是楼下天天晚上跳广场舞太吵了")
    assert [c[2] for c in complaints(store_of)] == ["我的投诉是楼下天天晚上跳广场舞太吵了"]


def test_a_complaint_has_one_number_for_the_resident_the_one_staff_answers_name(runtime: Runtime,
                                                                                   store_of) -> None:
    Resident(runtime, "o_other").say("人工")  # someone else's case comes first: its number is not the complaint's
    resident = Resident(runtime, "o_one_number")
    filed = resident.say("楼下天天晚上跳广场舞太吵了，我要投诉")
    with store_of() as store:
        [complaint] = store[ComplaintRepository].list()
        case = store.escalations.open_for("o_one_number")
        assert case is not None and case.id != complaint.id
    assert f"编号 {case.id}）" in filed
    assert f"编号 {case.id}）" in resident.say("声音一直到晚上十点")  # forwarded to that case
    assert f"编号 {case.id}（" in resident.say("我的投诉处理了吗")


def test_a_complaint_that_mentions_handling_is_still_filed(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_still_filed")
    resident.say("物业处理了好几次还是漏水，我要投诉")
    assert [c[2] for c in complaints(store_of)] == ["物业处理了好几次还是漏水，我要投诉"]


def test_ones_own_complaints_are_nobody_elses(runtime: Runtime, store_of) -> None:
    Resident(runtime, "o_writer").say("垃圾房太臭了，希望每天清理")
    assert "没有查到" in Resident(runtime, "o_reader").say("我的投诉处理了吗")
