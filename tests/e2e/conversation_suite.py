"""Loading, reading and judging the conversation suite (the vocabulary is described in
test_conversations.py): conversation files checked against the vocabulary, replies read as the
resident sees them, the store read back after each turn.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from store.repairs import RepairRepository

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = Path(__file__).resolve().parent / "conversations"
DEMO_ROSTER = ROOT / "store" / "demo_community.yml"

SEND_KEYS = ("say", "tap", "voice", "image", "event", "click")
REPLY_KEYS = {"says_any", "says_all", "says_none", "offers_choices", "offers", "max_chars"}
TURN_KEYS = set(SEND_KEYS) | REPLY_KEYS | {"state", "until", "within", "each", "some"}
STATE_KEYS = {"repairs", "escalations", "staff_notices", "bound"}
REPAIR_KEYS = {"count", "urgent", "open", "cancelled", "latest", "each"}
TICKET_KEYS = {"category", "urgent", "status", "location_has", "location_lacks", "description_has",
               "description_lacks", "phone_has", "has_photo"}
GIVEN_KEYS = {"bound", "on_duty", "tickets", "flows_off"}
SEED_KEYS = {"category", "description", "location", "status", "days_ago", "urgent"}
CONVERSATION_KEYS = {"name", "about", "given", "turns"}
OPEN_STATUSES = ("pending", "assigned", "in_progress")

#: Shown to nobody, ever: an impossible range and a template left unfilled.
ALWAYS_NONE = ("1 到 1 之", "1到1之", "None", "{", "}")

_LINK = re.compile(r'<a\s+href="weixin://bizmsgmenu\?msgmenucontent=(.*?)&(?:amp;)?msgmenuid=([^"]*)"\s*>(.*?)</a>',
                   re.S)
_TAG = re.compile(r"<a\s[^>]*>(.*?)</a>", re.S)
_FOLD = str.maketrans("", "", "-－ 　")


class SuiteError(ValueError):
    """A conversation file says something the runner does not understand."""


@dataclass(frozen=True)
class Choice:
    content: str
    menu_id: str
    label: str


@dataclass(frozen=True)
class Heard:
    """A reply as the resident receives it."""

    status: int
    text: str
    choices: tuple[Choice, ...]
    raw: str

    @property
    def empty(self) -> bool:
        return self.status != 200 or not self.text.strip()


@dataclass(frozen=True)
class Conversation:
    file: str
    name: str
    about: str
    turns: tuple[dict[str, Any], ...]
    bound: str | None = None
    on_duty: tuple[str, ...] = ()
    tickets: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    flows_off: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.file}:{self.name}"


# --- loading ------------------------------------------------------------------------------

def load_all(folder: Path = CONVERSATIONS) -> list[Conversation]:
    """Every conversation of every file, checked against the vocabulary above."""
    conversations: list[Conversation] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(data, list):
            raise SuiteError(f"{path.name}: a list of conversations expected")
        for entry in data:
            conversations.append(_conversation(path.name, entry))
    ids = [c.id for c in conversations]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise SuiteError(f"conversation names used twice: {sorted(duplicates)}")
    return conversations


def _conversation(file: str, entry: Any) -> Conversation:
    where = f"{file}:{entry.get('name', '?') if isinstance(entry, dict) else '?'}"
    _only(entry, CONVERSATION_KEYS, where)
    if not entry.get("name") or not entry.get("turns"):
        raise SuiteError(f"{where}: a conversation needs a name and turns")
    given = entry.get("given") or {}
    _only(given, GIVEN_KEYS, f"{where} given")
    tickets = tuple(given.get("tickets") or ())
    for seed in tickets:
        _only(seed, SEED_KEYS, f"{where} given.tickets")
        if "category" not in seed or "description" not in seed:
            raise SuiteError(f"{where}: a given ticket needs a category and a description")
    if tickets and not given.get("bound"):
        raise SuiteError(f"{where}: given tickets belong to a bound household")
    if given.get("bound") and str(given["bound"]) not in roster():
        raise SuiteError(f"{where}: {given['bound']} is not on the demo roster")
    turns = tuple(entry["turns"])
    for number, turn in enumerate(turns, 1):
        _turn(turn, f"{where} turn {number}")
    return Conversation(file=file, name=str(entry["name"]), about=str(entry.get("about", "")), turns=turns,
                        bound=str(given["bound"]) if given.get("bound") else None,
                        on_duty=tuple(given.get("on_duty") or ()), tickets=tickets,
                        flows_off=tuple(given.get("flows_off") or ()))


def _turn(turn: Any, where: str) -> None:
    _only(turn, TURN_KEYS, where)
    sends = [key for key in SEND_KEYS if key in turn]
    if len(sends) != 1:
        raise SuiteError(f"{where}: exactly one of {SEND_KEYS} expected, got {sends}")
    for key in ("say", "tap"):
        if key in turn and (isinstance(turn[key], bool) or not isinstance(turn[key], str | int)):
            raise SuiteError(f"{where}: {key} takes text or a number (quote yes/no words)")
    _reply_checks(turn, where)
    if "state" in turn:
        _state(turn["state"], f"{where} state")
    looped = {"until", "within", "each", "some"} & set(turn)
    if looped and not {"until", "within"} <= set(turn):
        raise SuiteError(f"{where}: a repeated turn needs both until and within")
    if "until" in turn:
        _state(turn["until"], f"{where} until")
        for key in ("each", "some"):
            if key in turn:
                _only(turn[key], REPLY_KEYS, f"{where} {key}")
                _reply_checks(turn[key], f"{where} {key}")


def _reply_checks(checks: dict[str, Any], where: str) -> None:
    for key in ("says_any", "says_none", "offers"):
        if key in checks and (not isinstance(checks[key], list) or not checks[key]):
            raise SuiteError(f"{where}: {key} takes a non-empty list")
    if "says_all" in checks and not isinstance(checks["says_all"], list):
        raise SuiteError(f"{where}: says_all takes a list")


def _state(state: Any, where: str) -> None:
    _only(state, STATE_KEYS, where)
    repairs = state.get("repairs")
    if repairs is not None:
        _only(repairs, REPAIR_KEYS, f"{where} repairs")
        for key in ("latest", "each"):
            if key in repairs:
                _only(repairs[key], TICKET_KEYS, f"{where} repairs.{key}")
    for key in ("count", "urgent", "open", "cancelled"):
        if repairs and key in repairs:
            _count(repairs[key], f"{where} repairs.{key}")
    for key in ("escalations", "staff_notices"):
        if key in state:
            _count(state[key], f"{where} {key}")


def _count(value: Any, where: str) -> None:
    if isinstance(value, bool) or not (isinstance(value, int) or re.fullmatch(r">=\d+", str(value))):
        raise SuiteError(f"{where}: a count is a number or >=N, not {value!r}")


def _only(mapping: Any, allowed: set[str], where: str) -> None:
    if not isinstance(mapping, dict):
        raise SuiteError(f"{where}: a mapping expected, got {mapping!r}")
    unknown = set(mapping) - allowed
    if unknown:
        raise SuiteError(f"{where}: unknown keys {sorted(unknown)}")


def roster() -> dict[str, tuple[str, str]]:
    """Demo households by address → (first member's name, last four digits of their phone)."""
    data = yaml.safe_load(DEMO_ROSTER.read_text(encoding="utf-8"))
    flats = {}
    for household in data["households"]:
        address = "-".join(str(part) for part in (household["building"], household.get("unit"), household["room"])
                           if part)
        member = household["members"][0]
        flats[address] = (member["name"], str(member["phone"])[-4:])
    return flats


# --- reading replies ----------------------------------------------------------------------

def heard(status: int, reply: dict[str, Any] | None) -> Heard:
    """What the resident reads: text or the article's title and description, and the choices."""
    if reply is None:
        return Heard(status, "", (), "")
    if reply.get("MsgType") == "news":
        items = (reply.get("Articles") or {}).get("item") or []
        items = items if isinstance(items, list) else [items]
        raw = "\n".join(f"{item.get('Title', '')}\n{item.get('Description', '')}" for item in items)
    else:
        raw = str(reply.get("Content") or "")
    choices = tuple(Choice(content.strip(), menu_id, _TAG.sub(r"\1", label).strip())
                    for content, menu_id, label in _LINK.findall(raw))
    return Heard(status, _TAG.sub(r"\1", raw), choices, raw)


def contains(text: str, word: Any) -> bool:
    needle = str(word)
    return needle in text or (needle.translate(_FOLD) != "" and needle.translate(_FOLD) in text.translate(_FOLD))


def reply_failures(reply: Heard, checks: dict[str, Any]) -> list[str]:
    """What in ``checks`` this reply does not meet (empty: it meets all)."""
    failures = []
    text = reply.text
    if "says_any" in checks and not any(contains(text, w) for w in checks["says_any"]):
        failures.append(f"says_any: none of {checks['says_any']} in the reply")
    for item in checks.get("says_all", []):
        words = item if isinstance(item, list) else [item]
        if not any(contains(text, w) for w in words):
            failures.append(f"says_all: none of {words} in the reply")
    said = [w for w in checks.get("says_none", []) if contains(text, w)]
    if said:
        failures.append(f"says_none: the reply says {said}")
    if "offers_choices" in checks and bool(reply.choices) != bool(checks["offers_choices"]):
        failures.append(f"offers_choices: expected {checks['offers_choices']}, got {len(reply.choices)} choices")
    if "offers" in checks and not any(contains(c.label, w) or contains(c.content, w)
                                      for c in reply.choices for w in checks["offers"]):
        failures.append(f"offers: no choice with any of {checks['offers']}")
    if "max_chars" in checks and len(text.strip()) > int(checks["max_chars"]):
        failures.append(f"max_chars: {len(text.strip())} characters, at most {checks['max_chars']} expected")
    return failures


def always_failures(reply: Heard) -> list[str]:
    if reply.empty:
        return [f"no reply (HTTP {reply.status}): the resident is left with silence"]
    shown = [w for w in ALWAYS_NONE if w in reply.text]
    return [f"the reply shows {shown}"] if shown else []


# --- reading the records ------------------------------------------------------------------

@dataclass(frozen=True)
class Ticket:
    id: int
    category: str
    location: str
    description: str
    phone: str
    urgent: bool
    status: str
    has_photo: bool

    def line(self) -> str:
        flags = " urgent" if self.urgent else ""
        photo = " photo" if self.has_photo else ""
        return (f"#{self.id} {self.category}{flags} {self.status}{photo} "
                f"location={self.location!r} description={self.description!r} phone={self.phone!r}")


@dataclass(frozen=True)
class Records:
    """What the store holds about this resident after a turn."""

    tickets: tuple[Ticket, ...]
    escalations: int
    staff_notices: int
    bound: str | None

    def summary(self) -> str:
        lines = [f"bound={self.bound} escalations={self.escalations} staff_notices={self.staff_notices}",
                 f"tickets ({len(self.tickets)}):"]
        lines += [f"  {t.line()}" for t in self.tickets]
        return "\n".join(lines)


def read_records(store: Any, openid: str, on_duty: tuple[str, ...]) -> Records:
    tickets = tuple(
        Ticket(t.id, t.category, t.location or "", t.description or "", t.phone or "", bool(t.urgent), t.status,
               bool(t.photo_url or t.photo_media_id))
        for t in store[RepairRepository].list() if t.openid == openid)
    escalations = sum(1 for e in store.escalations.list() if e.openid == openid)
    notices = sum(len(store.outbox.for_openid(staff)) for staff in on_duty)
    resident = store.residents.get(openid)
    bound = resident.household.address if resident is not None and resident.household is not None else None
    return Records(tickets, escalations, notices, bound)


def state_failures(records: Records, state: dict[str, Any]) -> list[str]:
    """What in ``state`` the records do not meet (empty: they meet all)."""
    failures = []
    repairs = state.get("repairs") or {}
    tickets = records.tickets
    counted = {
        "count": len(tickets),
        "urgent": sum(t.urgent for t in tickets),
        "open": sum(t.status in OPEN_STATUSES for t in tickets),
        "cancelled": sum(t.status == "cancelled" for t in tickets),
    }
    for key, actual in counted.items():
        if key in repairs and not _count_holds(actual, repairs[key]):
            failures.append(f"repairs.{key}: {actual}, expected {repairs[key]}")
    if "latest" in repairs:
        if not tickets:
            failures.append("repairs.latest: there is no ticket")
        else:
            latest = max(tickets, key=lambda t: t.id)
            failures += [f"repairs.latest #{latest.id}: {f}" for f in ticket_failures(latest, repairs["latest"])]
    if "each" in repairs:
        for ticket in tickets:
            failures += [f"repairs #{ticket.id}: {f}" for f in ticket_failures(ticket, repairs["each"])]
    for key in ("escalations", "staff_notices"):
        if key in state and not _count_holds(getattr(records, key), state[key]):
            failures.append(f"{key}: {getattr(records, key)}, expected {state[key]}")
    if "bound" in state:
        expected = None if state["bound"] is None else str(state["bound"])
        if records.bound != expected:
            failures.append(f"bound: {records.bound}, expected {expected}")
    return failures


def ticket_failures(ticket: Ticket, checks: dict[str, Any]) -> list[str]:
    failures = []
    for key in ("category", "status"):
        if key in checks:
            allowed = checks[key] if isinstance(checks[key], list) else [checks[key]]
            if getattr(ticket, key) not in allowed:
                failures.append(f"{key} {getattr(ticket, key)!r}, expected {allowed}")
    for key in ("urgent", "has_photo"):
        if key in checks and getattr(ticket, key) != bool(checks[key]):
            failures.append(f"{key} {getattr(ticket, key)}, expected {checks[key]}")
    for name in ("location", "description", "phone"):
        value = getattr(ticket, name)
        wanted = checks.get(f"{name}_has")
        if wanted is not None and not any(contains(value, w) for w in wanted):
            failures.append(f"{name} {value!r} has none of {wanted}")
        unwanted = [w for w in checks.get(f"{name}_lacks", []) if contains(value, w)]
        if unwanted:
            failures.append(f"{name} {value!r} has {unwanted}")
    return failures


def _count_holds(actual: int, expected: Any) -> bool:
    text = str(expected)
    if text.startswith(">="):
        return actual >= int(text[2:])
    return actual == int(text)
