"""From the XML WeChat posts to an :class:`Inbound`: who sent what, and its dedup key.

Refuses what WeChat would never send and flattens the rest into one small value, names as
in WeChat's message reference. The XML is read by a small builder over expat that refuses,
while it reads, what no WeChat message has: a DTD or entity declaration (so no entity
expansion), nesting deeper than WeChat's deepest event, elements with many attributes. A
field that should hold words (``Content``, ``Recognition``, ``Event``…) and holds elements
instead is refused too. Numbers (CreateTime, MsgId) must be ASCII digits: ``str.isdigit``
also accepts ``¹²³`` and ``１２３``, which ``int`` then refuses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NoReturn
from xml.parsers import expat

from bot.dialogue.turn import Location, Photo
from bot.errors import BadMessage

_OPENID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
#: MsgType and Event are names from WeChat's reference (``text``, ``scancode_push``…); none is
#: longer than 32 characters, the message log's column for the type.
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
#: CreateTime is a Unix time (10 digits); MsgId a 64-bit number (at most 20 digits).
_CREATE_TIME = re.compile(r"[0-9]{1,12}")
_MSG_ID = re.compile(r"[0-9]{1,32}")
_COORDINATE = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,12})?")
_MAX_TEXT = 2000
#: ``<xml>`` is level 1; WeChat's deepest event (a mass-send's copyright check result,
#: xml/CopyrightCheckResult/ResultList/item/ArticleIdx) reaches level 5.
MAX_DEPTH = 8
#: WeChat's messages carry no attributes at all.
MAX_ATTRIBUTES = 4
#: Message types the dialogue knows; anything else is "unknown" and gets a polite reply.
KNOWN_KINDS = frozenset({"text", "voice", "image", "location", "link", "event"})


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message or event from a resident, as far as the channel is concerned."""

    openid: str
    account: str
    kind: str
    create_time: int
    msg_id: str = ""
    text: str = ""
    event: str = ""
    event_key: str = ""
    photo: Photo | None = None
    location: Location | None = None
    link_title: str = ""
    raw_type: str = ""

    @property
    def key(self) -> str:
        """The dedup key: sender + MsgId for messages; sender + CreateTime (+ event) for events.

        A MsgId is not trusted to be unique across senders: keyed on MsgId alone, another
        resident's message carrying the same MsgId would get the first resident's reply."""
        if self.msg_id:
            return f"msg:{self.openid}:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}:{self.event or self.raw_type}"

    @property
    def opens_window(self) -> bool:
        """Whether WeChat counts this as the resident reaching out (opens the 48-hour window)."""
        return self.kind != "event" or self.event in {"subscribe", "subscribe_scan", "scan", "click", "view"}


def parse_xml(xml: str) -> dict[str, Any]:
    """The ``<xml>`` element as a dict (child name → text, dict, or list when repeated).

    Anything that is not a WeChat-shaped document is a BadMessage, found while reading:
    a hostile document is refused at its first offending tag, never built."""
    builder = _Builder()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.ordered_attributes = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as error:
        raise BadMessage(f"body is not well-formed XML: {expat.ErrorString(error.code)}") from None
    except UnicodeEncodeError:  # a lone surrogate: not text any client could have sent
        raise BadMessage("body is not valid Unicode") from None
    if builder.root_name != "xml" or not isinstance(builder.root, dict):
        raise BadMessage("body has no <xml> root element with fields")
    return builder.root


def _refuse_dtd(*_: Any) -> NoReturn:
    raise BadMessage("XML with a DTD is not a WeChat message")


class _Builder:
    """Builds the dict xmltodict would, with the limits a WeChat message never reaches."""

    def __init__(self) -> None:
        self.stack: list[tuple[dict[str, Any], list[str]]] = []
        self.root_name = ""
        self.root: Any = None

    def start(self, name: str, attributes: list[str]) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise BadMessage(f"XML nested deeper than {MAX_DEPTH} levels")
        if len(attributes) > 2 * MAX_ATTRIBUTES:  # ordered_attributes: name, value, name, value…
            raise BadMessage("XML element with too many attributes")
        if not self.stack:
            self.root_name = name
        self.stack.append(({}, []))

    def end(self, name: str) -> None:
        children, text = self.stack.pop()
        words = "".join(text).strip()
        value: Any
        if children:
            if words:
                children["#text"] = words
            value = children
        else:
            value = words or None
        if not self.stack:
            self.root = value
            return
        siblings = self.stack[-1][0]
        if name not in siblings:
            siblings[name] = value
        elif isinstance(siblings[name], list):
            siblings[name].append(value)
        else:
            siblings[name] = [siblings[name], value]

    def data(self, text: str) -> None:
        if self.stack:
            self.stack[-1][1].append(text)


def parse_inbound(xml: str) -> Inbound:
    root = parse_xml(xml)
    for required in ("FromUserName", "ToUserName", "CreateTime", "MsgType"):
        if not isinstance(root.get(required), str) or not root[required].strip():
            raise BadMessage(f"message has no {required}")
    openid = root["FromUserName"].strip()
    if not _OPENID.fullmatch(openid):
        raise BadMessage("FromUserName is not an openid")
    if not _CREATE_TIME.fullmatch(root["CreateTime"].strip()):
        raise BadMessage("CreateTime is not a number")
    if not _NAME.fullmatch(root["MsgType"].strip()):
        raise BadMessage("MsgType is not a message type")
    msg_id = _field(root, "MsgId") or _field(root, "MsgID")
    if msg_id and not _MSG_ID.fullmatch(msg_id):
        raise BadMessage("MsgId is not a number")
    return _flatten(root, openid, msg_id)


def _field(root: dict[str, Any], name: str, limit: int = _MAX_TEXT) -> str:
    """The words of a field that holds words; elements inside it are not a WeChat message."""
    value = root.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadMessage(f"{name} holds elements, not text")
    return value.strip()[:limit]


def _coordinate(root: dict[str, Any], name: str) -> float:
    value = _field(root, name) or "0"
    if not _COORDINATE.fullmatch(value):
        raise BadMessage("location is not a number")
    return float(value)


def _flatten(root: dict[str, Any], openid: str, msg_id: str) -> Inbound:
    raw_type = root["MsgType"].strip().lower()
    base: dict[str, Any] = {
        "openid": openid,
        "account": root["ToUserName"].strip()[:64],
        "create_time": int(root["CreateTime"]),
        "msg_id": msg_id if raw_type != "event" else "",
        "raw_type": raw_type,
    }
    kind = raw_type if raw_type in KNOWN_KINDS else "unknown"
    if kind == "text":
        return Inbound(kind=kind, text=_field(root, "Content"), **base)
    if kind == "voice":
        # Recognition is optional and may be empty: the dialogue asks to type or tap then.
        return Inbound(kind=kind, text=_field(root, "Recognition"), **base)
    if kind == "image":
        return Inbound(kind=kind, photo=Photo(url=_field(root, "PicUrl", 1000), media_id=_field(root, "MediaId", 128)),
                       **base)
    if kind == "location":
        latitude, longitude = _coordinate(root, "Location_X"), _coordinate(root, "Location_Y")
        return Inbound(kind=kind, location=Location(latitude, longitude, _field(root, "Label", 200)), **base)
    if kind == "link":
        return Inbound(kind=kind, link_title=_field(root, "Title", 200), text="", **base)
    if kind == "event":
        event, key = _field(root, "Event").lower(), _field(root, "EventKey")
        if event and not _NAME.fullmatch(event):
            raise BadMessage("Event is not an event name")
        if event == "subscribe" and key.startswith("qrscene_"):  # followed by scanning a QR code
            event, key = "subscribe_scan", key.removeprefix("qrscene_")
        return Inbound(kind=kind, event=event, event_key=key[:200], **base)
    return Inbound(kind=kind, **base)
