"""From the XML WeChat posts to an :class:`Inbound`: who sent what, and its dedup key.

Refuses what WeChat would never send (DTDs, no sender, a non-numeric MsgId or CreateTime)
and flattens the rest into one small value, names as in WeChat's message reference.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from bot.dialogue.turn import Location, Photo
from bot.errors import BadMessage

_OPENID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_MAX_TEXT = 2000
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
        """The dedup key: MsgId for messages; sender + CreateTime (+ event) for events."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}:{self.event or self.raw_type}"

    @property
    def opens_window(self) -> bool:
        """Whether WeChat counts this as the resident reaching out (opens the 48-hour window)."""
        return self.kind != "event" or self.event in {"subscribe", "subscribe_scan", "scan", "click", "view"}


def parse_xml(xml: str) -> dict[str, Any]:
    """The ``<xml>`` element as a dict; anything else is a BadMessage."""
    if "<!DOCTYPE" in xml.upper() or "<!ENTITY" in xml.upper():
        raise BadMessage("XML with a DTD is not a WeChat message")
    try:
        document = xmltodict.parse(xml)
    except (ExpatError, ValueError, TypeError) as error:
        raise BadMessage(f"body is not well-formed XML: {error.__class__.__name__}") from None
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise BadMessage("body has no <xml> root element")
    return root


def parse_inbound(xml: str) -> Inbound:
    root = parse_xml(xml)
    for required in ("FromUserName", "ToUserName", "CreateTime", "MsgType"):
        if not isinstance(root.get(required), str) or not root[required].strip():
            raise BadMessage(f"message has no {required}")
    openid = root["FromUserName"].strip()
    if not _OPENID.match(openid):
        raise BadMessage("FromUserName is not an openid")
    if not root["CreateTime"].strip().isdigit():
        raise BadMessage("CreateTime is not a number")
    msg_id = str(root.get("MsgId") or root.get("MsgID") or "").strip()
    if msg_id and not msg_id.isdigit():
        raise BadMessage("MsgId is not a number")
    return _flatten(root, openid, msg_id)


def _flatten(root: dict[str, Any], openid: str, msg_id: str) -> Inbound:
    raw_type = str(root["MsgType"]).strip().lower()
    base: dict[str, Any] = {
        "openid": openid,
        "account": str(root["ToUserName"]).strip()[:64],
        "create_time": int(root["CreateTime"]),
        "msg_id": msg_id if raw_type != "event" else "",
        "raw_type": raw_type,
    }
    kind = raw_type if raw_type in KNOWN_KINDS else "unknown"
    text = lambda name: str(root.get(name) or "").strip()  # noqa: E731
    if kind == "text":
        return Inbound(kind=kind, text=text("Content")[:_MAX_TEXT], **base)
    if kind == "voice":
        # Recognition is optional and may be empty: the dialogue asks to type or tap then.
        return Inbound(kind=kind, text=text("Recognition")[:_MAX_TEXT], **base)
    if kind == "image":
        return Inbound(kind=kind, photo=Photo(url=text("PicUrl")[:1000], media_id=text("MediaId")[:128]), **base)
    if kind == "location":
        try:
            latitude, longitude = float(text("Location_X") or 0), float(text("Location_Y") or 0)
        except ValueError:
            raise BadMessage("location is not a number") from None
        return Inbound(kind=kind, location=Location(latitude, longitude, text("Label")[:200]), **base)
    if kind == "link":
        return Inbound(kind=kind, link_title=text("Title")[:200], text="", **base)
    if kind == "event":
        event, key = text("Event").lower(), text("EventKey")
        if event == "subscribe" and key.startswith("qrscene_"):  # followed by scanning a QR code
            event, key = "subscribe_scan", key.removeprefix("qrscene_")
        return Inbound(kind=kind, event=event, event_key=key[:200], **base)
    return Inbound(kind=kind, **base)
