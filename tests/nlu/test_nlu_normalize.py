"""Normalisation: one spelling for traditional, full-width, mistyped and dialect input."""
from __future__ import annotations

import pytest

from nlu import normalize_text
from nlu.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("報修", "报修"),
        ("天氣怎麼樣", "天气怎么样"),
        ("１２３ＡＢＣ，", "123abc,"),
        ("我要保修", "我要报修"),
        ("积份多少", "积分多少"),
        ("物叶费", "物业费"),
        ("阿拉屋里厢没水了", "我们家里没水了"),
        ("侬好", "你好"),
        ("明朝落雨伐", "明天落雨吗"),
        ("下水到堵了", "下水道堵了"),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_every_normalised_character_maps_back_into_the_original() -> None:
    text = "阿拉屋里厢 覅 報修"
    norm = normalize(text)
    assert len(norm.starts) == len(norm.text) == len(norm.ends)
    start, end = norm.original_span(norm.text.index("报修"), norm.text.index("报修") + 2)
    assert text[start:end] == "報修"


def test_normalisation_is_idempotent() -> None:
    once = normalize_text("報修 积份 阿拉 １２３")
    assert normalize_text(once) == once
