"""Chinese and Arabic numerals to numbers, via cn2an (十二 → 12, 五零二 → 502, 幺三九 → 139)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千幺"
# one number, Arabic or Chinese, as a regex fragment
NUM = rf"(?:\d+|[{CN_NUMERAL_CHARS}]+)"

_SIMPLE = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2, "幺": 1}


@lru_cache(maxsize=4096)
def to_int(numeral: str) -> int | None:
    """The value of an Arabic or Chinese numeral, or None when it is not a number."""
    numeral = numeral.strip()
    if not numeral:
        return None
    if numeral.isascii():
        return int(numeral) if numeral.isdigit() else None
    if len(numeral) == 1 and numeral in _SIMPLE:
        return _SIMPLE[numeral]
    import cn2an

    try:
        value = cn2an.cn2an(numeral.replace("幺", "一"), "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if float(value).is_integer() else None


def to_digits(numeral: str) -> str | None:
    """A numeral as a string of Arabic digits, keeping digit-by-digit readings (五零二 → 502)."""
    numeral = numeral.strip()
    if numeral.isascii():
        return numeral if numeral.isdigit() else None
    if all(c in _SIMPLE for c in numeral):
        return "".join(str(_SIMPLE[c]) for c in numeral)
    value = to_int(numeral)
    return None if value is None else str(value)


def warm_up() -> None:
    """Import cn2an now rather than during the first parse."""
    to_int("二十五")


# Digits as they are read out one by one: on the phone (幺 for 1, 两 for 2), in radio speech
# (洞 0, 拐 7, 勾 9) and in the financial forms a voice transcription sometimes writes.
_SPOKEN_DIGITS = {
    **dict.fromkeys("0零〇洞", "0"), **dict.fromkeys("1一幺壹", "1"), **dict.fromkeys("2二两兩贰貳", "2"),
    **dict.fromkeys("3三叁", "3"), **dict.fromkeys("4四肆", "4"), **dict.fromkeys("5五伍", "5"),
    **dict.fromkeys("6六陆陸", "6"), **dict.fromkeys("7七拐柒", "7"), **dict.fromkeys("8八捌", "8"),
    **dict.fromkeys("9九勾玖", "9"),
}
_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)


def spelled_digits(text: str) -> str | None:
    """The digit string of a message that is nothing but digits read one by one (一二三四 →
    "1234", 幺三九 → "139", 零/〇/洞 → 0, 两 → 2; spaces, punctuation, full-width forms and
    Arabic digits mixed in are fine), else None: 十二 or 一千二 are numbers, not digits spelled
    out, and a message with any other word in it is not a code."""
    folded = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if not folded:
        return None
    digits = []
    for ch in folded:
        digit = _SPOKEN_DIGITS.get(ch)
        if digit is None:
            return None
        digits.append(digit)
    return "".join(digits)
