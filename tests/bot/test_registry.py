"""Flows plug in by themselves: every intent has one handler or an honest referral, every text
the code asks for exists, every flow's config section is validated by the flow."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import Field

from bot.dialogue import Flow, FlowSettings, Form, Stage, load_flows
from bot.dialogue.registry import DuplicateHandler, Registry
from bot.dialogue.responses import Responses
from bot.errors import SettingsError
from bot.settings import DEFAULT_CONFIG, load_config
from tests.talk import Resident

ROOT = Path(__file__).resolve().parents[2]


def training_intents() -> set[str]:
    intents = set()
    for path in (ROOT / "nlu" / "data").glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                intents.add(block["intent"])
    return intents


def test_every_intent_in_the_training_data_has_a_handler_or_a_label_for_the_referral() -> None:
    registry = load_flows()
    labels = load_config(DEFAULT_CONFIG).intent_labels
    missing = {i for i in training_intents() if i != "out_of_scope" and registry.get(i) is None and i not in labels}
    assert not missing


def test_a_second_handler_for_an_intent_is_refused() -> None:
    flow: Flow = Flow("one")
    flow.action("greet")(lambda turn, ctx: None)
    with pytest.raises(DuplicateHandler):
        flow.action("greet")(lambda turn, ctx: None)


def test_two_flows_claiming_one_intent_are_refused() -> None:
    first: Flow = Flow("first")
    first.action("greet")(lambda turn, ctx: None)
    second: Flow = Flow("second")
    second.action("greet")(lambda turn, ctx: None)
    with pytest.raises(DuplicateHandler):
        Registry([first, second])


def test_every_response_key_used_in_the_code_exists() -> None:
    config = load_config(DEFAULT_CONFIG)
    responses = Responses.load(DEFAULT_CONFIG.parent / config.responses)
    used = set()
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "actions").rglob("*.py")):
        used |= set(re.findall(r'(?:say|text|reply)\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert len(used) > 40, "the scan found too few keys"
    assert not {key for key in used if not responses.has(key)}


def test_every_form_slot_has_a_question_and_every_skip_a_label() -> None:
    config = load_config(DEFAULT_CONFIG)
    responses = Responses.load(DEFAULT_CONFIG.parent / config.responses)
    registry = load_flows()
    forms = [registry.get(intent) for intent in registry.intents]
    for form in (f for f in forms if isinstance(f, Form)):
        for slot in form.slots:
            if form.needs(slot, {}, None):  # type: ignore[arg-type]
                assert responses.has(f"{form.section}.ask_{slot}"), (form.name, slot)
        for slot in form.skippable:
            assert responses.has(f"{form.section}.skip_{slot}"), (form.name, slot)


def test_configured_menu_and_click_intents_are_known() -> None:
    config = load_config(DEFAULT_CONFIG)
    registry = load_flows()
    for intent in list(config.menu) + list(config.click_keys.values()):
        assert registry.get(intent) is not None or intent in config.intent_labels


def test_each_flow_section_is_validated_by_its_flow() -> None:
    class Tuned(FlowSettings):
        limit: int = Field(3, ge=1)

    flow: Flow = Flow("tuned", settings=Tuned)
    registry = Registry([flow])
    assert registry.sections({})["tuned"].limit == 3  # type: ignore[attr-defined]
    assert registry.sections({"tuned": {"limit": 7}})["tuned"].limit == 7  # type: ignore[attr-defined]
    with pytest.raises(SettingsError, match="tuned.limit"):
        registry.sections({"tuned": {"limit": 0}})
    with pytest.raises(SettingsError, match="tuned.colour"):
        registry.sections({"tuned": {"colour": "red"}})
    with pytest.raises(SettingsError, match="belongs to no installed flow"):
        registry.sections({"weathr": {}})


def test_a_switched_off_flow_gets_the_honest_referral(make_runtime, config_with) -> None:
    runtime = make_runtime(config_with(complaint={"enabled": False}))
    resident = Resident(runtime, "o_referral")
    reply = resident.say("楼上天天半夜装修太吵了，我要投诉")
    assert resident.last is not None and "referral.offer" in resident.last.keys
    assert "投诉建议" in reply and resident.options == ["人工服务"]


def test_the_kept_trigger_lists_take_in_triggers_and_flows_added_later() -> None:
    def first(turn, ctx):  # type: ignore[no-untyped-def]
        return None

    def second(turn, ctx):  # type: ignore[no-untyped-def]
        return None

    def other(turn, ctx):  # type: ignore[no-untyped-def]
        return None

    early: Flow = Flow("early_triggers")
    early.trigger(Stage.INTENT, order=20)(first)
    late: Flow = Flow("late_triggers")
    late.trigger(Stage.INTENT, order=15)(other)
    registry = Registry([early])
    assert [t.handle for t in registry.triggers_at(Stage.INTENT, "text")] == [first]
    early.trigger(Stage.INTENT, order=10)(second)
    assert [t.handle for t in registry.triggers_at(Stage.INTENT, "text")] == [second, first]
    registry.add(late)
    assert [t.handle for t in registry.triggers_at(Stage.INTENT, "text")] == [second, other, first]
    assert registry.triggers_at(Stage.INTENT, "image") == []
