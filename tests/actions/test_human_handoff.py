"""human_handoff and complaint: the conversation lands in the staff inbox, staff are told."""
from __future__ import annotations

from bot.runtime import Runtime
from tests.talk import Resident


def test_handoff_opens_an_escalation_with_what_the_resident_said(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_help")
    resident.say("你好")
    reply = resident.say("我想找个工作人员问问事情")
    assert "工作人员" in reply and "021-6201-0000" in reply
    with store_of() as store:
        [escalation] = store.escalations.list()
    assert escalation.reason == "request" and escalation.status == "open"
    assert "找个工作人员" in escalation.text
    resident.say("麻烦快点，我找人工！")  # added to the case as it was typed
    with store_of() as store:
        [escalation] = store.escalations.list()
    assert escalation.text.endswith("麻烦快点，我找人工！")


def test_complaints_always_reach_a_person(runtime: Runtime, store_of) -> None:
    reply = Resident(runtime, "o_noise").say("楼上天天半夜装修太吵了，我要投诉")
    assert "转给了工作人员" in reply
    with store_of() as store:
        assert [e.reason for e in store.escalations.list()] == ["complaint"]


def test_staff_on_duty_hear_about_the_escalation(make_runtime, config_with) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    Resident(runtime, "o_needs_help").say("人工")
    from store import Store
    from store.db import transaction

    with transaction(runtime.factory) as session:
        [notice] = Store(session).outbox.for_openid("o_duty")
    assert notice.purpose == "staff_notice" and "转人工" in notice.payload["content"]


def test_services_not_yet_online_offer_a_person(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_mall")
    reply = resident.say("微商城在哪里")
    assert "暂时还不能" in reply and resident.options == ["人工服务"]
    assert "工作人员" in resident.say("1")


def test_asking_again_adds_only_the_new_words_to_the_open_escalation(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_again")
    resident.say("我家门口的垃圾没人收")
    resident.say("人工")
    resident.say("转人工")
    with store_of() as store:
        [escalation] = store.escalations.list()
    assert escalation.text.count("垃圾没人收") == 1 and escalation.text.endswith("转人工")
