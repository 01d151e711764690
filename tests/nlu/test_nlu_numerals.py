"""Digits read out one by one (a phone tail, a binding code) as typed or dictated on a phone."""
from __future__ import annotations

import pytest

import nlu
from nlu.numerals import spelled_digits


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("一二三四", "1234"), ("幺三九", "139"), ("零〇洞", "000"), ("两两", "22"), ("五零二", "502"),
        ("一 二 三 四", "1234"), ("一　二　三　四", "1234"), ("一，二，三，四。", "1234"),
        ("１２３４", "1234"), ("1二3四", "1234"), ("洞幺两拐", "0127"), ("壹贰叁肆", "1234"),
        ("幺三九 一二三四 五六七八", "13912345678"),
    ],
)
def test_spoken_digits_become_a_digit_string(text: str, digits: str) -> None:
    assert spelled_digits(text) == digits


@pytest.mark.parametrize("text", ["", "  ", "。。", "十二", "一千二", "二十五", "尾号一二三四", "一二三四吧", "abc"])
def test_anything_but_spoken_digits_is_none(text: str) -> None:
    assert spelled_digits(text) is None


def test_spelled_digits_is_on_the_package_surface() -> None:
    assert nlu.spelled_digits("一二三四") == "1234"
