"""Chinese and Arabic numerals to numbers, via cn2an (十二 → 12, 五零二 → 502, 幺三九 → 139)."""
from __future__ import annotations

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
