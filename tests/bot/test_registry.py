"""Every intent has exactly one handler; every text the code asks for exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.dialogue import Form, load_actions
from bot.dialogue.registry import DuplicateHandler, Registry
from bot.dialogue.responses import Responses
from bot.settings import DEFAULT_CONFIG, load_config

ROOT = Path(__file__).resolve().parents[2]


def training_intents() -> set[str]:
    intents = set()
    for path in (ROOT / "nlu" / "data").glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                intents.add(block["intent"])
    return intents


def test_every_intent_in_the_training_data_has_a_handler() -> None:
    registry = load_actions()
    missing = {i for i in training_intents() if i != "out_of_scope" and registry.get(i) is None}
    assert not missing


def test_a_second_handler_for_an_intent_is_refused() -> None:
    registry = Registry()
    registry.action("greet")(lambda turn, ctx: None)
    with pytest.raises(DuplicateHandler):
        registry.action("greet")(lambda turn, ctx: None)


def test_every_response_key_used_in_the_code_exists() -> None:
    config = load_config(DEFAULT_CONFIG)
    responses = Responses.load(DEFAULT_CONFIG.parent / config.responses)
    used = set()
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "actions").rglob("*.py")):
        used |= set(re.findall(r'(?:say|text)\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys"
    assert not {key for key in used if not responses.has(key)}


def test_every_form_slot_has_a_question() -> None:
    config = load_config(DEFAULT_CONFIG)
    responses = Responses.load(DEFAULT_CONFIG.parent / config.responses)
    registry = load_actions()
    for intent in registry.intents:
        handler = registry.get(intent)
        if isinstance(handler, Form):
            for slot in handler.slots:
                assert responses.has(f"{handler.words}.ask_{slot}"), (intent, slot)


def test_configured_menu_and_click_intents_have_handlers() -> None:
    config = load_config(DEFAULT_CONFIG)
    registry = load_actions()
    for intent in [item.intent for item in config.menu] + list(config.click_keys.values()):
        assert registry.get(intent) is not None
