"""A request that needs a household waits for the binding, then runs as it was asked: with the
resident's words and entities (or the choice they tapped), whichever way they bind."""
from __future__ import annotations

import pytest

from bot.dialogue import Context, Flow, Option, Reply, Turn
from bot.runtime import Runtime
from nlu.types import IntentPrediction, Parse
from tests.talk import Resident

ASKED = "看我的隐私 上个月"


@pytest.fixture
def private(runtime: Runtime) -> Runtime:
    """A private service that echoes what it was asked: the words, the period, a tapped choice."""
    flow: Flow = Flow("private_words_test")

    @flow.action("test_private_words")
    def show(turn: Turn, ctx: Context) -> Reply:
        household = ctx.require_household(turn)
        choice = ctx.dialog.slots.get("_choice") or {}
        return Reply.text(f"PRIVATE {household.address} text={turn.text} period={turn.entity('period')} "
                          f"choice={choice.get('page')}")

    @flow.action("test_offer_page")
    def offer(turn: Turn, ctx: Context) -> Reply:
        return Reply.text("OFFER", [Option.intent("第二页", "test_private_words", slots={"page": 2})])

    runtime.registry.add(flow)
    understand = runtime.assistant.read

    def read(inbound):  # the NLU reads these messages as the test services, keeping its entities
        turn = understand(inbound)
        intent = {"看我的隐私": "test_private_words", "给我选项": "test_offer_page"}.get(inbound.text.split(" ")[0])
        if intent is None:
            return turn
        return turn.with_parse(Parse(inbound.text, IntentPrediction(intent, 0.99), turn.entities))

    runtime.assistant.read = read  # type: ignore[method-assign]
    return runtime


def test_the_request_runs_with_its_own_words_after_binding_step_by_step(private: Runtime) -> None:
    resident = Resident(private, "o_words_steps")
    assert "绑定" in resident.say(ASKED)
    resident.say("3-502")
    resident.say("张三")
    reply = resident.say("1234")
    assert "绑定成功" in reply and "PRIVATE 3-502" in reply
    assert f"text={ASKED}" in reply and "period=20" in reply


def test_the_request_resumes_after_binding_with_a_one_time_code(private: Runtime) -> None:
    resident = Resident(private, "o_words_code")
    resident.say(ASKED)
    reply = resident.say("绑定 K7Q2MX")  # the demo code of 1-202
    assert "绑定成功" in reply and "PRIVATE 1-202" in reply and f"text={ASKED}" in reply


def test_a_tapped_choice_waits_with_what_it_was_about(private: Runtime) -> None:
    resident = Resident(private, "o_words_choice")
    resident.say("给我选项")
    assert "绑定" in resident.say("1")
    reply = resident.say("绑定 3-502 张三 1234")
    assert "PRIVATE 3-502" in reply and "choice=2" in reply


def test_a_cancelled_binding_forgets_the_request(private: Runtime) -> None:
    resident = Resident(private, "o_words_cancel")
    resident.say(ASKED)
    resident.say("取消")
    reply = resident.say("绑定 3-502 张三 1234")
    assert "绑定成功" in reply and "PRIVATE" not in reply
