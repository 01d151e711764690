"""What a weather question asks: which days, about what (rain, snow, cold, wind), and for where.

The NLU gives the day (``date``, ``YYYY-MM-DD``); the words say the rest. 周末 means that
weekend's Saturday and Sunday, 这几天 / 未来一周 several days, no day at all today (and, in the
evening, tomorrow too). A question about another city is noticed, so that it is not answered
with our weather as if it were theirs.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.dialogue import Turn
from bot.dialogue.text import plain

#: What the question is about, by the words that ask it (checked on the reduced text).
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rain", ("雨", "伞")),
    ("drying", ("晒被", "晒衣", "晒东西", "晾", "洗车")),
    ("snow", ("雪",)),
    ("temperature", ("冷", "热", "几度", "多少度", "温度", "气温", "穿", "加衣", "添衣", "棉袄", "降温", "升温", "凉",
                     "暖和", "最高", "最低")),
    ("wind", ("风大", "风力", "刮风", "大风", "有风", "风", "外头风")),
)
#: Things a daily forecast does not tell (answered honestly, with the forecast after).
UNKNOWN_TOPICS: tuple[tuple[str, str], ...] = (
    ("空气", "air"), ("雾霾", "air"), ("pm2", "air"), ("霾", "air"), ("紫外线", "uv"), ("湿度", "humidity"),
    ("潮湿", "humidity"), ("预警", "warning"), ("台风", "typhoon"), ("日出", "sun"), ("日落", "sun"),
    ("花粉", "pollen"),
)
#: Several days at once, and how many.
SEVERAL: tuple[tuple[str, int], ...] = (
    ("这两天", 2), ("两天", 2), ("一周", 7), ("一个星期", 7), ("七天", 7), ("7天", 7), ("这周", 7), ("本周", 7),
    ("这几天", 3), ("最近几天", 3), ("未来几天", 3), ("近几天", 3), ("几天", 3), ("三天", 3), ("3天", 3),
    ("最近", 3),
)
WEEKEND = ("周末", "礼拜六礼拜天", "星期六星期天", "双休")
#: 5天后 / 三天以后: a day counted from today (the NLU's dates do not count days).
_DAYS_AFTER = re.compile(r"(\d{1,2}|[一二两三四五六七八九十])天(?:后|以后|之后)")
_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
#: From this local hour a question without a day is about tonight and tomorrow.
EVENING_HOUR = 18

# --- the morning push: asking for it and stopping it -------------------------------------
_NEGATION = ("不要", "不用", "别", "取消", "停止", "停掉", "关闭", "关掉", "退订", "不想", "不需要", "停了", "够了")
_PUSH = ("提醒", "推送", "通知", "订阅", "发给我", "发我", "告诉我", "发天气", "推给我")
_EVERY = ("每天", "天天", "每日", "每早", "早上", "以后", "定时")


@dataclass(frozen=True, slots=True)
class Question:
    days: tuple[date, ...]
    kinds: tuple[str, ...] = ()
    topic: str | None = None       # something a forecast does not tell (air, uv …)
    elsewhere: str | None = None   # another city was named
    several: bool = False          # the resident asked about more than one day


def subscription(text: str) -> str | None:
    """``on`` for 每天早上提醒我天气, ``off`` for 不要再推送天气了 / 取消天气提醒, else None."""
    reduced = plain(text)
    if "天气" not in reduced or not _has(reduced, _PUSH):
        return None
    if _has(reduced, _NEGATION):
        return "off"
    if _has(reduced, _EVERY) or "订阅" in reduced or reduced in ("天气提醒", "天气推送", "提醒天气"):
        return "on"
    return None


def read_question(turn: Turn, today: date, hour: int, *, forecast_days: int, here: Iterable[str],
                  other_places: Iterable[str], choice: dict[str, Any] | None = None) -> Question:
    """The question in ``turn`` (or the choice the resident tapped) as days and kinds."""
    if choice and choice.get("days"):
        days = tuple(date.fromisoformat(str(day)) for day in choice["days"])
        return Question(days, tuple(str(k) for k in choice.get("kinds", ())), several=len(days) > 1)
    reduced = plain(turn.text)
    kinds = tuple(kind for kind, words in KINDS if _has(reduced.replace("台风", ""), words))
    topic = next((name for word, name in UNKNOWN_TOPICS if word in reduced), None)
    elsewhere = None
    if not _has(reduced, [plain(name) for name in here if name]):
        elsewhere = next((place for place in other_places if plain(place) in reduced), None)
    named = _days_after(reduced, today) or _entity_day(turn)
    if _has(reduced, WEEKEND):
        return Question(_weekend(named, today), kinds, topic, elsewhere, several=True)
    if named is not None:
        return Question((named,), kinds, topic, elsewhere)
    count = next((n for word, n in SEVERAL if word in reduced), 0)
    if count > 1:
        days = tuple(today + timedelta(days=i) for i in range(min(count, forecast_days)))
        return Question(days, kinds, topic, elsewhere, several=True)
    if hour >= EVENING_HOUR:
        return Question((today, today + timedelta(days=1)), kinds, topic, elsewhere, several=True)
    return Question((today,), kinds, topic, elsewhere)


def _entity_day(turn: Turn) -> date | None:
    value = turn.entity("date")
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _days_after(reduced: str, today: date) -> date | None:
    match = _DAYS_AFTER.search(reduced)
    if match is None:
        return None
    count = match.group(1)
    return today + timedelta(days=int(count) if count.isdigit() else _NUMERALS[count])


def _weekend(named: date | None, today: date) -> tuple[date, ...]:
    """The Saturday and Sunday meant (the named day's weekend, else this week's), from today on."""
    anchor = named or today
    saturday = anchor + timedelta(days=(5 - anchor.weekday()) % 7) if anchor.weekday() != 6 else anchor - timedelta(1)
    days = tuple(day for day in (saturday, saturday + timedelta(days=1)) if day >= today)
    return days or (saturday, saturday + timedelta(days=1))


def _has(text: str, words: Iterable[str]) -> bool:
    return any(word and word in text for word in words)
