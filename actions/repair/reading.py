"""Reading a resident's words for the repair form: is this a place, a fault, the home flat?

A place answer names a flat (3-502, 5号楼2单元301) or a spot (5号楼电梯, 小区东门) — a person's
name, a greeting, a question or a sentence about what is broken is not a place. A fault
description says what is wrong; a bare place is not one.
"""
from __future__ import annotations

import re

from actions.repair import RepairSettings
from bot.dialogue import Context, Turn
from bot.dialogue.text import mentions, plain

#: A message that only asks to report a repair says nothing about what is broken.
BARE_REQUEST = re.compile(
    r"^(?:您好|你好|喂)?(?:我|我们|我家)?(?:要|想|需要)?(?:请|麻烦)?(?:帮我|给我)?"
    r"(?:物业)?(?:报修|保修|報修|维修|修理|报个修|报一下修|修东西|找师傅|修)(?:一下)?(?:吧|啊|呀|的)?$")
#: A greeting or a spoken filler before the words about the fault (你好啊小助手，…; 喂喂，那个，…;
#: 我想问一下啊就是那个…) is not part of the description.
GREETING_LEAD = re.compile(
    r"^(?:(?:(?:喂+|您好|你好|哈喽|嗨)(?:啊|呀)?(?:小助手|助手|机器人|物业|师傅)?(?:啊|呀)?|那个|就是|嗯+|呃+|额+"
    r"|(?:我想|我要|想)?(?:问一下|问下|问问|反映一下|反映个事|说一下|说个事)(?:啊|呀|哈)?|请问(?:一下|下)?|我跟你说|跟你说"
    r"|是这样的?)"
    r"[，,。.！!\s]*)+")
_ADDRESS_PARTS = ("building", "unit", "room")


def home(ctx: Context) -> str | None:
    """The bound household's address."""
    household = ctx.household
    return household.address if household else None


def address(turn: Turn) -> str | None:
    """A flat number from the entities (3-502, 5-1-301), when the words give building and room."""
    parts = {e.entity: str(e.value) for e in turn.entities if e.entity in _ADDRESS_PARTS}
    if "building" in parts and "room" in parts:
        return "-".join(p for p in (parts["building"], parts.get("unit", ""), parts["room"]) if p)
    return None


def names_building(turn: Turn) -> bool:
    return any(e.entity in _ADDRESS_PARTS for e in turn.entities)


def says_fault(text: str, settings: RepairSettings) -> bool:
    return mentions(text, settings.fault_words)


def says_place(text: str, settings: RepairSettings) -> bool:
    return mentions(text, settings.place_words)


def says_home(text: str, settings: RepairSettings) -> bool:
    return mentions(text, settings.home_words)


def place(turn: Turn, ctx: Context, settings: RepairSettings, *, requested: bool) -> str | None:
    """Where the repair is, when these words say it (None when they do not).

    Home words mean the bound flat. A flat number is the flat. Words that name a spot are the
    place, cut to the phrase that names it (5号楼2楼楼道的灯一直不亮 → 5号楼2楼楼道). Unasked,
    only a named building makes a place; and a sentence that is about a fault is a place only
    when it names a building (电梯按钮失灵了 is a fault, not a place)."""
    words = turn.text.strip()
    if not words:
        return None
    flat = address(turn)
    building = names_building(turn)
    room = _room(words, settings) if not building else None
    if says_home(words, settings) and flat is None:
        return home(ctx)  # 我家厨房水管漏水了: the flat (the room is in the description)
    if flat is not None:
        return flat
    if not says_place(words, settings):
        return None
    own = home(ctx)
    if room is not None and own is not None and says_fault(words, settings):
        return f"{own} {room}"  # 厨房水龙头一直滴, from a bound resident: their own kitchen
    if says_fault(words, settings) and not building:
        return None
    if not requested and not building:
        return None
    if room is not None and own is not None:
        return f"{own} {room}"  # 厨房 alone, from a bound resident: their own kitchen
    phrase = _place_phrase(words, settings)
    return phrase[:200] if phrase and len(plain(phrase)) >= 2 else None


def _room(words: str, settings: RepairSettings) -> str | None:
    """The room of a flat these words name and no other place (厨房, 我家厨房 → 厨房; not
    活动室的卫生间 or 二楼卫生间), if any."""
    room = next((room for room in settings.room_words if room in words), None)
    if room is None:
        return None
    rest = words.replace(room, "")
    for home_word in settings.home_words:
        rest = rest.replace(home_word, "")
    return None if says_place(rest, settings) else room


_CLAUSE = re.compile(r"[，,。.！!？?；;、\s]+")
#: Words before the place: 我是5号楼的, 我住5号楼, 在东门 (but 住宅楼 is a place).
_PLACE_LEAD = re.compile(r"^(?:我们|我)?(?:就)?(?:是|住在|住(?![宅户])|在)")
_PLACE_END = re.compile(r"[门间口处边侧旁内外面头]*")


def _place_phrase(words: str, settings: RepairSettings) -> str:
    """The words that name the place: the first clause that names one, up to its last place
    word before any fault (5号楼2楼楼道的灯一直不亮 → 5号楼2楼楼道)."""
    for clause in (c for c in _CLAUSE.split(words) if c):
        if not says_place(clause, settings) and not re.search(r"\d", clause):
            continue
        fault_at = min((i for i in (clause.find(w) for w in settings.fault_words) if i > 0), default=len(clause))
        head = clause[:fault_at]
        end = max((head.rfind(w) + len(w) for w in settings.place_words if w in head), default=0)
        tail = _PLACE_END.match(head, end) if end else None  # what ends the name goes too (单元门, 楼梯间, 东门外面)
        end = tail.end() if tail else end
        return _PLACE_LEAD.sub("", head[:end] if end else head).strip("的了在是 ")
    return words


def just_a_place(turn: Turn, settings: RepairSettings) -> bool:
    """The words are a place and nothing else, whatever the NLU made of them (我是5号楼的, 就在东门,
    住宅楼3号门口 — not 交3号楼物业费 or 谢谢你们小区): the place starts them and nothing follows it."""
    words = turn.text.strip()
    if len(turn.plain) > 12 or says_fault(words, settings) or not (names_building(turn) or says_place(words, settings)):
        return False
    head = _PLACE_LEAD.sub("", words)
    starts = min([i for i in (head.find(w) for w in settings.place_words) if i >= 0]
                 + [match.start() for match in re.finditer(r"\d", head)][:1], default=len(head))
    rest = plain(head).replace(plain(_place_phrase(words, settings)), "", 1)
    return starts <= 2 and not rest.strip("的了呢啊吧呀")


def only_place(turn: Turn, settings: RepairSettings) -> bool:
    """The words name a place and nothing about what is wrong (5号楼电梯, 3-502)."""
    words = turn.text
    if says_fault(words, settings):
        return False
    return says_place(words, settings) or names_building(turn) or says_home(words, settings)
