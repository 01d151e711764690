"""Dates and billing periods, relative to a reference day (nlu/README.md's date rules).

Candidate spans are found with regexes.  Relative days (明天, 大后天) and week expressions
(这周五, 下周三, 下下周一) are normalised by jionlp's time parser; numerals go through cn2an.
The project's own rules then apply where jionlp's conventions differ: a bare 周X is the next
occurrence on or after the reference day (jionlp gives this week's), X月X号 and a bare X号 are
the nearest such date (jionlp keeps the current year/month), and the periods
(这个月, 上个月, 10月份 …) that jionlp does not parse at all are plain month arithmetic.
"""
from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from nlu.entities._base import Found, Mention
from nlu.numerals import CN_NUMERAL_CHARS, NUM, to_int

_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAY_NAME = "一二三四五六日"
_RELATIVE_DAY = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0,
                 "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_DAY_PART = {"今": "今天", "明": "明天", "昨": "昨天"}
_WEEK_PREFIX = {"": "", "这": "这", "这个": "这", "本": "这", "下": "下", "下个": "下",
                "下下": "下下", "下下个": "下下", "上": "上", "上个": "上", "上上": "上上", "上上个": "上上"}
_WEEK_OFFSET = {"": 0, "这": 0, "下": 1, "下下": 2, "上": -1, "上上": -2}
_MONTH_REL = {"上上个月": -2, "上个月": -1, "上月": -1, "这个月": 0, "这月": 0, "本月": 0,
              "当月": 0, "下个月": 1, "下月": 1}
_YEAR_REL = {"今": 0, "明": 1, "去": -1, "前": -2}

_RELATIVE_RE = re.compile(
    r"大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天|(?P<dp>[今明昨])(?:早上|早|晚上|晚|晨|夜里|夜)"
)
_WEEK_RE = re.compile(
    # not the 下 of 一下 ("查一下周五的天气" is this Friday), nor 每周六 (every Saturday)
    r"(?<![一每])(?P<pre>下下个|下下|下个|下|这个|这|本|上上个|上上|上个|上)?"
    r"(?:(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7](?![\d一二三四五六七八九十]))|(?P<we>周末))"
)
_MONTH_REL_RE = "|".join(sorted(_MONTH_REL, key=len, reverse=True))
_YEAR = r"(?:(?P<y>\d{4}|[今明去前])年)"
_MONTH_DAY_RE = re.compile(
    rf"(?:{_YEAR}|(?P<rel>{_MONTH_REL_RE}))?(?<![\d])(?P<m>{NUM})月(?:份)?(?P<d>{NUM})(?:号|日)"
    rf"|(?P<rel2>{_MONTH_REL_RE})(?P<d2>{NUM})(?:号|日)"
)
# A bare 3号 / 20日 is a day of the month, but not 3号楼, 5号线, 12号床 nor the 一日 of 一日游.
_BARE_DAY_RE = re.compile(
    rf"(?<![\d第几月\-.:/])(?P<d>{NUM})(?:号|日)(?!\s*(?:楼|线|房|门|机|床|位|院|口|窗|柜|车|码|球|桌|台|馆|店|铺|厅|仓|库|井|单元|栋|幢|座|游|\d|[零〇一二两三四五六七八九]))"
)
# The start or end of a month or year (月初 / 月底 / 年底), which jionlp does not parse: a date.
_EDGE_DAY = {"初": "first", "底": "last", "末": "last"}
_MONTH_EDGE_RE = re.compile(
    rf"(?:(?P<rel>{_MONTH_REL_RE})|{_YEAR}?(?<![\d个])(?P<m>{NUM})月(?:份)?|(?<![个上下这本当\d{CN_NUMERAL_CHARS}])月)"
    rf"(?P<edge>初|底|末)"
)
_YEAR_EDGE_RE = re.compile(r"(?P<y>[今明去])?年(?P<edge>初|底|末)")
_PERIOD_RE = re.compile(
    rf"(?P<rel>{_MONTH_REL_RE})|{_YEAR}?(?<![\d个])(?P<m>{NUM})月(?:份)?"
)

_jio_lock = threading.Lock()
_jio_parser: Any = None


def _jionlp_parser() -> Any:
    """jionlp's time parser; its import prints a banner on stdout, which must not reach the CLI."""
    global _jio_parser
    if _jio_parser is None:
        with _jio_lock:
            if _jio_parser is None:
                with contextlib.redirect_stdout(io.StringIO()):
                    import jionlp
                    parser = jionlp.parse_time
                    parser("明天", time_base={"year": 2000, "month": 1, "day": 1})  # compiles its rules
                _jio_parser = parser
    return _jio_parser


def _jionlp_date(expression: str, today: date) -> date | None:
    """Normalise a relative-day or week expression with jionlp (one call at a time: the
    parser object keeps per-call state)."""
    parser = _jionlp_parser()
    base = {"year": today.year, "month": today.month, "day": today.day}
    with _jio_lock:
        try:
            result = parser(expression, time_base=base)
        except (ValueError, KeyError, IndexError, TypeError):
            return None
    try:
        return date.fromisoformat(result["time"][0][:10])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def warm_up() -> None:
    _jionlp_parser()


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _nearest(candidates: list[date | None], today: date) -> date | None:
    valid = [c for c in candidates if c is not None]
    if not valid:
        return None
    return min(valid, key=lambda c: (abs((c - today).days), c < today))


def _stated_year(match: re.Match[str], today: date) -> int | None:
    """The year a mention states (2027年, 今年, 明年, 去年), or None when it states none."""
    year_text = match.group("y")
    if not year_text:
        return None
    return int(year_text) if year_text.isdigit() else today.year + _YEAR_REL[year_text]


def _month_number(match: re.Match[str]) -> int | None:
    month = to_int(match.group("m"))
    return month if month is not None and 1 <= month <= 12 else None


def _month_day(match: re.Match[str], today: date) -> date | None:
    rel = match.group("rel") or match.group("rel2")
    day = to_int(match.group("d") or match.group("d2"))
    month_text = match.group("m")
    if day is None or not 1 <= day <= 31:
        return None
    if month_text is None:  # 下个月3号
        rel_year, rel_month = _add_months(today.year, today.month, _MONTH_REL[rel])
        return _safe_date(rel_year, rel_month, day)
    month = _month_number(match)
    if month is None:
        return None
    year = _stated_year(match, today)
    if year is not None:
        return _safe_date(year, month, day)
    return _nearest([_safe_date(today.year + k, month, day) for k in (-1, 0, 1)], today)


def _bare_day(day: int, today: date) -> date | None:
    candidates = []
    for delta in (-1, 0, 1):
        year, month = _add_months(today.year, today.month, delta)
        candidates.append(_safe_date(year, month, day))
    return _nearest(candidates, today)


def _week(match: re.Match[str], today: date) -> date | None:
    prefix = _WEEK_PREFIX[match.group("pre") or ""]
    if match.group("we"):  # 周末: that week's Saturday; a bare 周末 on a Sunday is today
        if not prefix and today.weekday() == 6:
            return today
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=_WEEK_OFFSET[prefix], days=5)
    weekday = _WEEKDAY[match.group("d")]
    found = _jionlp_date(f"{prefix}周{_WEEKDAY_NAME[weekday]}", today)
    if found is None:
        return None
    if not prefix and found < today:  # a bare 周X is the next occurrence on or after today
        found += timedelta(days=7)
    return found


def _month_of(match: re.Match[str], today: date) -> tuple[int, int] | None:
    rel = match.group("rel")
    if rel:
        return _add_months(today.year, today.month, _MONTH_REL[rel])
    month = _month_number(match)
    if month is None:
        return None
    year = _stated_year(match, today)
    if year is not None:
        return year, month
    # that month of this year, or of last year when it would lie more than a month ahead
    if (month - today.month) > 1:
        return today.year - 1, month
    return today.year, month


def _month_edge(match: re.Match[str], today: date) -> date | None:
    """这个月底 / 下个月初 / 11月底 / bare 月底 (this month): the first or last day of it."""
    last = _EDGE_DAY[match.group("edge")] == "last"

    def edge(year: int, month: int) -> date:
        if not last:
            return date(year, month, 1)
        next_year, next_month = _add_months(year, month, 1)
        return date(next_year, next_month, 1) - timedelta(days=1)

    if match.group("rel"):
        return edge(*_add_months(today.year, today.month, _MONTH_REL[match.group("rel")]))
    if match.group("m") is None:
        return edge(today.year, today.month)
    month = _month_number(match)
    if month is None:
        return None
    year = _stated_year(match, today)
    if year is not None:
        return edge(year, month)
    return _nearest([edge(today.year + k, month) for k in (-1, 0, 1)], today)


def _year_edge(match: re.Match[str], today: date) -> date:
    year = today.year + _YEAR_REL[match.group("y") or "今"]
    return date(year, 1, 1) if match.group("edge") == "初" else date(year, 12, 31)


def _mention(match: re.Match[str], entity: str, value: str) -> Mention:
    start, end = match.span()
    return Mention(start, end, (Found(entity, value, start, end),))


def find_dates(text: str, today: date) -> Iterator[Mention]:
    """Date mentions of normalised ``text``; values are ISO dates."""
    for match in _RELATIVE_RE.finditer(text):
        part = match.group("dp")
        word = _DAY_PART[part] if part else match.group()
        found = _jionlp_date(word, today)
        if found is None:
            found = today + timedelta(days=_RELATIVE_DAY[word])
        yield _mention(match, "date", found.isoformat())
    for match in _WEEK_RE.finditer(text):
        found = _week(match, today)
        if found is not None:
            yield _mention(match, "date", found.isoformat())
    for match in _MONTH_DAY_RE.finditer(text):
        found = _month_day(match, today)
        if found is not None:
            yield _mention(match, "date", found.isoformat())
    for match in _MONTH_EDGE_RE.finditer(text):
        found = _month_edge(match, today)
        if found is not None:
            yield _mention(match, "date", found.isoformat())
    for match in _YEAR_EDGE_RE.finditer(text):
        yield _mention(match, "date", _year_edge(match, today).isoformat())
    for match in _BARE_DAY_RE.finditer(text):
        day = to_int(match.group("d"))
        if day is not None and 1 <= day <= 31:
            found = _bare_day(day, today)
            if found is not None:
                yield _mention(match, "date", found.isoformat())


def find_periods(text: str, today: date) -> Iterator[Mention]:
    """Billing-period mentions of normalised ``text``; values are ``YYYY-MM``."""
    for match in _PERIOD_RE.finditer(text):
        month = _month_of(match, today)
        if month is not None:
            yield _mention(match, "period", f"{month[0]:04d}-{month[1]:02d}")
