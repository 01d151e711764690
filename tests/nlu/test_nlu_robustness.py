"""The ways residents deviate from the textbook: homophone typos of speech recognition and the
pinyin input method, emoji for words, English words.  The sentences are written for this file and
are in neither the training data nor the evaluation sets; none of the misspelt words is in the
typo map of nlu/lexicon.yml, so only the homophone back-off can read them."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import nlu
from nlu.features import FeatureConfig, Featurizer
from nlu.lexicon import load_lexicon
from nlu.model import LinearModel
from nlu.pinyin import PinyinTable


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我的机分还有多少", "points_balance"),     # 机分 = 积分 (ji fen)
        ("机分能换什么", "points_redeem"),
        ("无业费怎么交", "bill_pay"),               # 无业 = 物业 (wu ye)
        ("无业费这个月多少", "bill_query"),
        ("我要包名周六的讲座", "event_signup"),     # 包名 = 报名 (bao ming)
        ("明天天其怎么样", "weather"),              # 天其 = 天气 (tian qi)
        ("我要投速", "complaint"),                  # 投速 = 投诉 (tou su)
    ],
)
def test_homophone_typos_are_read_as_the_word_they_sound_like(engine: nlu.Engine, today: date,
                                                              text: str, intent: str) -> None:
    for word, _ in load_lexicon().replacements:
        assert word not in text, f"{word} is in the typo map; pick another typo"
    parse = engine.parse(text, today)
    assert parse.intent.name == intent, [(r.name, round(r.confidence, 2)) for r in parse.ranking]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("👌", "affirm"), ("👌👌", "affirm"), ("✅", "affirm"), ("❌", "deny"), ("🙅‍♀️", "deny"),
        ("🙏🏻🙏🏻", "thanks"), ("👋", "greet"),
        ("thanks a lot", "thanks"), ("thank you", "thanks"), ("hello", "greet"), ("my bill", "bill_query"),
        ("pay bill", "bill_pay"), ("sign up for the event", "event_signup"),
    ],
)
def test_emoji_and_english_words(engine: nlu.Engine, today: date, text: str, intent: str) -> None:
    parse = engine.parse(text, today)
    assert parse.intent.name == intent, [(r.name, round(r.confidence, 2)) for r in parse.ranking]


def _featurizer(**changes: object) -> Featurizer:
    import dataclasses

    config = dataclasses.replace(FeatureConfig(), **changes)  # type: ignore[arg-type]
    lexicon = load_lexicon()
    return Featurizer(config, lexicon.fillers, lexicon.emoji)


def test_emoji_become_their_word_instead_of_disappearing() -> None:
    tokens = _featurizer().tokens("👌")
    assert "好的" in tokens and "<好" in tokens
    assert _featurizer(emoji=False).clean("👌") == ""  # nothing left: parsed as out_of_scope
    assert _featurizer().clean("🙏🏻") == "谢谢"  # the skin tone is dropped


def test_english_words_are_word_tokens() -> None:
    tokens = _featurizer().tokens("thank you 小助手")
    assert {"w:thank", "w:you"} <= set(tokens)
    assert "th" not in tokens and "<小" in tokens
    assert "th" in _featurizer(english_words=False).tokens("thank you")


def test_unknown_english_only_message_is_not_empty() -> None:
    assert _featurizer().clean("ok")


def test_pinyin_table_is_toneless_and_covers_chinese_only() -> None:
    table = PinyinTable.build()
    assert [table.syllable(c) for c in "积分物业报名绿"] == ["ji", "fen", "wu", "ye", "bao", "ming", "lv"]
    assert table.syllable("a") is None and table.syllable("3") is None and table.syllable("👌") is None
    again = PinyinTable(table.syllables, table.index)
    assert again.syllable("机") == "ji"


def test_unseen_pair_is_replaced_by_the_most_frequent_homophone() -> None:
    vocabulary = {"积分": 0, "激愤": 1, "查询": 2}
    model = LinearModel(classes=("a", "b"), vocabulary=vocabulary, idf=np.array([1.0, 3.0, 1.0]),
                        weights=np.zeros((3, 2)), intercept=np.zeros(2), calibration="softmax",
                        pinyin=PinyinTable.build())
    assert model.corrected(["机分", "查询", "茶询", "你好", "@date", "0"]) == \
        ["积分", "查询", "查询", "你好", "@date", "0"]
    plain = LinearModel(classes=("a", "b"), vocabulary=vocabulary, idf=np.ones(3),
                        weights=np.zeros((3, 2)), intercept=np.zeros(2), calibration="softmax")
    assert plain.corrected(["机分"]) == ["机分"]
