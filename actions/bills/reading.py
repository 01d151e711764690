"""Reading a question about bills, and writing amounts and dates the way residents read them.

The NLU gives the month (``period``: 这个月, 上个月, 10月份 → ``YYYY-MM``) and the kinds of fee
(``bill_type``: 物业费, 管理费 → 物业费). What it leaves, this module reads: a whole year
(今年, 去年, 2025年), arrears (我欠费吗, 还有没交的吗), a month that does not exist (13月) and a
fee the community does not bill (暖气费, 网费).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.dialogue import Option, Reply, Turn
from store.bills import BILL_TYPES

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_YEAR_WORDS = (("今年", 0), ("本年", 0), ("这一年", 0), ("去年", -1), ("上一年", -1), ("前年", -2), ("明年", 1))
_YEAR_NUMBER = re.compile(r"(?<!\d)(20\d{2})\s*年(?!\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月)")
_MONTH_NUMBER = re.compile(r"(?<!\d)(\d{1,3})\s*月")
_CHINESE_BAD_MONTH = re.compile(
    r"(?<![一二三四五六七八九十])(十[三四五六七八九]|[二三四五六七八九]十[一二三四五六七八九]?|零)月")
_UNPAID_WORDS = ("欠", "没交", "没缴", "未交", "未缴", "没付", "未付", "没有交", "没有缴", "没有付", "待缴", "待交",
                 "还要交", "还得交", "交清", "缴清", "结清", "漏交")
#: A character right before 费 that makes it a general word (缴费, 欠费, 哪些费) rather than a fee's name.
_GENERAL_BEFORE_FEE = frozenset("缴交欠收付免花消浪退扣计续充么些种项啥")
#: Characters that end the name of a fee when reading backwards from 费.
_NAME_STOPS = frozenset("的月年个查交缴问下我家和跟还呢吗了份号这那本上今去明前后每多少几啥是有没要")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Question:
    """What a resident asked about their bills."""

    periods: tuple[str, ...] = ()
    year: int | None = None
    types: tuple[str, ...] = ()
    unpaid_only: bool = False
    #: A month that does not exist, as said ("13月").
    bad_month: str = ""
    #: A fee the community does not bill, as said ("暖气费").
    unbilled: str = ""
    #: The resident named another flat than their own.
    other_flat: bool = False

    @property
    def broad(self) -> bool:
        return not (self.periods or self.year is not None or self.types or self.unpaid_only)


def read_question(turn: Turn, today: date, unbilled_fees: Sequence[str],
                  choice: dict[str, Any] | None = None, own_flat: tuple[str, str] | None = None) -> Question:
    """The question in the resident's words (or in the choice they tapped)."""
    if choice:
        return _from_choice(choice)
    text = turn.text
    periods = _unique(str(v) for v in _values(turn, "period") if _PERIOD.fullmatch(str(v)))
    types = _unique(str(v) for v in _values(turn, "bill_type") if str(v) in BILL_TYPES)
    building, room = turn.entity("building"), turn.entity("room")
    other = own_flat is not None and building is not None and room is not None and \
        (str(building), str(room)) != own_flat
    return Question(periods=periods, year=None if periods else read_year(text, today), types=types,
                    unpaid_only=any(word in text for word in _UNPAID_WORDS), bad_month=bad_month(text),
                    unbilled=unbilled_fee(text, turn, unbilled_fees), other_flat=other)


def _from_choice(choice: dict[str, Any]) -> Question:
    period = str(choice.get("period") or "")
    types = tuple(str(t) for t in choice.get("types") or () if str(t) in BILL_TYPES)
    year = choice.get("year")
    return Question(periods=(period,) if _PERIOD.fullmatch(period) else (), types=types,
                    year=int(year) if isinstance(year, int) else None, unpaid_only=bool(choice.get("unpaid")))


def _values(turn: Turn, name: str) -> list[Any]:
    return [entity.value for entity in turn.entities if entity.entity == name]


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def read_year(text: str, today: date) -> int | None:
    """今年, 去年, 前年, 2025年 (a year without a month)."""
    match = _YEAR_NUMBER.search(text)
    if match:
        return int(match.group(1))
    for word, offset in _YEAR_WORDS:
        if word in text:
            return today.year + offset
    return None


def bad_month(text: str) -> str:
    """A month that does not exist (13月, 0月, 十三月), as the resident wrote it; "" otherwise."""
    for match in _MONTH_NUMBER.finditer(text):
        if not 1 <= int(match.group(1)) <= 12:
            return f"{int(match.group(1))}月"
    spoken = _CHINESE_BAD_MONTH.search(text)
    return spoken.group(0) if spoken else ""


def unbilled_fee(text: str, turn: Turn, unbilled_fees: Sequence[str]) -> str:
    """The name of a fee the community does not bill, when the resident asked about one."""
    for fee in sorted(unbilled_fees, key=len, reverse=True):
        if fee and fee in text:
            return fee
    covered = {index for entity in turn.entities if entity.entity == "bill_type"
               for index in range(entity.start, entity.end)}
    for at, char in enumerate(text):
        if char != "费" or at in covered or at == 0 or text[at - 1] in _GENERAL_BEFORE_FEE:
            continue
        if text[at + 1:at + 2] == "用":
            continue
        start = at
        while start > 0 and at - start < 4 and _CJK.match(text[start - 1]) and text[start - 1] not in _NAME_STOPS:
            start -= 1
        if start < at:
            return text[start:at + 1]
    return ""


# --- writing ---------------------------------------------------------------------------------

def lines_reply(lines: Sequence[str], options: Sequence[Option] = ()) -> Reply:
    """One reply of several lines, carrying the response keys of every line it was built from."""
    keys = tuple(key for line in lines if (key := getattr(line, "key", None)))
    return replace(Reply.text("\n".join(lines), list(options)), keys=keys)


def money(fen: int) -> str:
    """Yuan with two decimals: 350.00."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def month_label(period: str, today: date) -> str:
    """10月 in the current year, 2025年12月 otherwise."""
    year, month = (int(part) for part in period.split("-"))
    return f"{month}月" if year == today.year else f"{year}年{month}月"


def day_label(day: date, today: date) -> str:
    return f"{day.month}月{day.day}日" if day.year == today.year else f"{day.year}年{day.month}月{day.day}日"


def shift_month(period: str, months: int) -> str:
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def this_month(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"
