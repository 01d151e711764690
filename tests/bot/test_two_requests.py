"""Two things asked in one message (我家水管漏了，顺便问下这个月水费多少): neither is dropped."""
from __future__ import annotations

import pytest

from bot.runtime import Runtime
from store.repairs import RepairRepository
from tests.community_support import bound


def _tickets(store_of) -> list:  # type: ignore[no-untyped-def]
    with store_of() as store:
        return [(t.category, t.description) for t in store[RepairRepository].list()
                if t.openid.startswith("o_two_")]


def test_a_repair_and_a_bill_question_get_the_answer_and_then_the_repair(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_two_leak")
    reply = resident.say("我家水管漏了，顺便问下水费多少")
    answer, question = reply.split("\n\n", 1)
    assert "3-502" in answer and "水费" in answer  # the bill question is answered ...
    assert question.startswith("请核对报修信息")  # ... and the repair's question comes last
    assert resident.options == ["确认提交", "重新填写", "取消"]
    assert "报修已提交" in resident.say("1")
    assert _tickets(store_of) == [("water_leak", "我家水管漏了")]  # the repair's own words, once


def test_the_order_said_does_not_matter(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_two_order")
    reply = resident.say("水费多少，另外我家水管漏了")
    answer, question = reply.split("\n\n", 1)
    assert "水费" in answer and question.startswith("请核对报修信息")
    assert resident.options == ["确认提交", "重新填写", "取消"]


def test_two_answers_are_both_given(runtime: Runtime) -> None:
    resident = bound(runtime, "o_two_answers")
    reply = resident.say("水费多少，顺便问下物业办公室在哪")
    answer, other = reply.split("\n\n", 1)
    assert "水费" in answer and "物业服务中心在" in other


def test_when_the_first_asks_something_the_second_is_named_to_ask_again(runtime: Runtime) -> None:
    resident = bound(runtime, "o_two_forms")
    reply = resident.say("楼道灯坏了，另外我想报名太极拳讲座")
    assert "在哪里" in reply or "请核对报修信息" in reply
    assert reply.startswith("（您说了两件事，先办第一件；“我想报名太极拳讲座”这件，办完后请再发给我一次。）")


@pytest.mark.parametrize("words", ["我家水管漏了，另外很急", "顺便问下水费", "水费多少，另外电费呢"])
def test_one_request_with_a_connector_is_still_one_request(runtime: Runtime, words: str) -> None:
    resident = bound(runtime, f"o_two_one_{len(words)}")
    assert "两件事" not in resident.say(words)
