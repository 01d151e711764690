"""Where a resident lives or where something is broken: building, unit and room.

Forms accepted: 3号楼502室, 5栋1单元301, 三号楼二单元五零二, 12幢1201, 502室, and the
dashed shorthand of the binding command (3-502, 5-1-301).  A bare number is not a room
unless a building or unit comes before it or 室/房 after it (绑定 3-502 张三 1234: the 1234 is
a phone suffix, not a room).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from nlu.entities._base import Found, Mention
from nlu.numerals import CN_NUMERAL_CHARS, NUM, to_digits

_DASHED_RE = re.compile(
    r"(?<![\d\-.])(?P<b>\d{1,3})\s*-\s*(?:(?P<u>\d{1,2})\s*-\s*)?(?P<r>\d{3,4})(?![\d\-.])"
)
_ROOM = rf"(?P<r>\d{{2,5}}(?!\d)|[{CN_NUMERAL_CHARS}]{{2,6}})"
_ROOM_MARK = r"(?P<rm>室|号房|房间|房)"
_UNIT = rf"(?P<u>{NUM})\s*(?P<um>单元)"
# each form starts with its first number, so a match never begins on a space or a word
_STRUCTURED_RES = (
    re.compile(rf"(?<![\d第])(?P<b>{NUM})\s*(?P<bm>号楼|栋|幢|号|楼|座|#)"
               rf"(?:\s*的?\s*{_UNIT})?(?:\s*的?\s*{_ROOM}\s*{_ROOM_MARK}?)?"),
    re.compile(rf"(?<![\d第])(?P<b>)(?P<bm>){_UNIT}(?:\s*的?\s*{_ROOM}\s*{_ROOM_MARK}?)?"),
    re.compile(rf"(?<![\d\-])(?P<b>)(?P<bm>)(?P<u>)(?P<um>){_ROOM}\s*{_ROOM_MARK}"),
)
_WEAK_BUILDING_MARKS = {"号", "楼", "座", "#"}


def _number(text: str | None, low: int, high: int) -> str | None:
    if not text:
        return None
    digits = to_digits(text)
    if digits is None or not digits.isdigit():
        return None
    value = int(digits)
    return str(value) if low <= value <= high else None


def _room(text: str | None) -> str | None:
    if not text:
        return None
    digits = to_digits(text)
    if digits is None or not 2 <= len(digits) <= 5 or digits.startswith("0"):
        return None
    return digits


def find_locations(text: str) -> Iterator[Mention]:
    """Building / unit / room mentions of normalised ``text``."""
    for match in _DASHED_RE.finditer(text):
        found = [Found("building", str(int(match.group("b"))), *match.span("b"))]
        if match.group("u"):
            found.append(Found("unit", str(int(match.group("u"))), *match.span("u")))
        found.append(Found("room", match.group("r"), *match.span("r")))
        if int(match.group("b")) > 0:
            yield Mention(match.start(), match.end(), tuple(found))
    for match in (m for pattern in _STRUCTURED_RES for m in pattern.finditer(text)):
        building = _number(match.group("b"), 1, 999)
        unit = _number(match.group("u"), 1, 99)
        room = _room(match.group("r"))
        has_room_mark = match.group("rm") is not None
        weak = match.group("bm") in _WEAK_BUILDING_MARKS
        if room is not None and not (has_room_mark or building or unit):
            continue  # a bare number is not a room
        if building and weak and not (unit or room):
            continue  # 3号 is a date, 3楼 a floor
        if match.group("b") and building is None:
            continue
        if match.group("u") and unit is None:
            continue
        found = []
        if building:
            found.append(Found("building", building, match.start("b"), match.end("bm")))
        if unit:
            found.append(Found("unit", unit, match.start("u"), match.end("um")))
        if room:
            end = match.end("rm") if has_room_mark else match.end("r")
            found.append(Found("room", room, match.start("r"), end))
        if found:
            yield Mention(found[0].start, found[-1].end, tuple(found))
