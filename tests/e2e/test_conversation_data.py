"""The conversation files themselves: well formed, in the runner's vocabulary, enough of them.

This runs in every test run (the conversations themselves run with CONVERSATIONS=1), so a
conversation file with a misspelt check fails at once instead of judging nothing.
"""
from __future__ import annotations

from collections import Counter

import pytest
import yaml

from bot.settings import DEFAULT_CONFIG
from tests.e2e.conversation_suite import SuiteError, _conversation, contains, heard, load_all, roster


def test_every_conversation_file_is_in_the_vocabulary_and_there_are_enough() -> None:
    suite = load_all()
    per_file = Counter(c.file for c in suite)
    assert len(suite) >= 70, per_file
    for theme in ("urgent", "corrections", "digressions", "digits_only", "noise", "typos", "phone_keyboard",
                  "binding", "status", "cancel", "honesty"):
        assert per_file[f"{theme}.yml"] >= 3, per_file


def test_categories_named_by_conversations_exist() -> None:
    responses = DEFAULT_CONFIG.parent / "responses.yml"
    categories = set(yaml.safe_load(responses.read_text(encoding="utf-8"))["repair"]["categories"])
    named = set()
    for conversation in load_all():
        named |= {seed["category"] for seed in conversation.tickets}
        for turn in conversation.turns:
            for state in (turn.get("state") or {}, turn.get("until") or {}):
                for key in ("latest", "each"):
                    value = (state.get("repairs") or {}).get(key, {}).get("category")
                    named |= set(value if isinstance(value, list) else [value] if value else [])
    assert named <= categories, named - categories


@pytest.mark.parametrize("entry", [
    {"name": "x", "turns": [{"say": "hi", "say_any": ["a"]}]},
    {"name": "x", "turns": [{"say": "hi", "tap": 1}]},
    {"name": "x", "turns": [{"say": "hi", "state": {"repairs": {"cout": 1}}}]},
    {"name": "x", "turns": [{"say": "hi", "state": {"escalations": "many"}}]},
    {"name": "x", "turns": [{"say": "1", "until": {"repairs": {"count": 1}}}]},
    {"name": "x", "turns": [{"say": True}]},
    {"name": "x", "given": {"bound": "99-999"}, "turns": [{"say": "hi"}]},
])
def test_a_misspelt_or_impossible_conversation_is_refused(entry: dict) -> None:
    with pytest.raises(SuiteError):
        _conversation("test.yml", entry)


def test_a_reply_is_read_as_the_resident_sees_it() -> None:
    reply = heard(200, {"MsgType": "text", "Content": (
        '请选择：\n1. <a href="weixin://bizmsgmenu?msgmenucontent=对的&msgmenuid=1">我家 3-502</a>')})
    assert reply.text == "请选择：\n1. 我家 3-502"
    assert [(c.content, c.menu_id, c.label) for c in reply.choices] == [("对的", "1", "我家 3-502")]


def test_a_phone_number_matches_however_it_is_grouped() -> None:
    assert contains("请拨打 021-62011110", "021-6201-1110")
    assert contains("请拨打 02162011110", "021-6201-1110")
    assert not contains("请拨打 021-6201-1119", "021-6201-1110")


def test_the_roster_gives_the_canonical_binding_of_each_demo_flat() -> None:
    assert roster()["3-502"] == ("张三", "1234")
    assert roster()["5-1-301"] == ("李四", "5678")
