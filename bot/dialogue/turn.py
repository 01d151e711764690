"""What one message means (Turn) and what the bot answers (Reply).

Both are plain immutable data. Actions read a Turn and return a Reply; only ``bot/``'s
channel code turns a Reply into WeChat XML, a customer-service message or terminal text.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from nlu.types import Entity, EntityValue, Parse


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class Photo:
    url: str = ""
    media_id: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "media_id": self.media_id}


@dataclass(frozen=True, slots=True)
class Turn:
    """One resident message, understood.

    ``kind`` is the message's shape: text, voice, image, location, link, event or unknown.
    ``text`` holds the resident's words (typed, recognised from voice, or the label of a
    tapped menu item). ``parse`` is the NLU's reading of ``text`` (None when there are no words).
    """

    openid: str
    msg_key: str
    kind: str
    received_at: datetime
    text: str = ""
    parse: Parse | None = None
    event: str = ""
    event_key: str = ""
    photo: Photo | None = None
    location: Location | None = None
    link_title: str = ""

    @property
    def intent(self) -> str | None:
        return self.parse.intent.name if self.parse else None

    @property
    def confidence(self) -> float:
        return self.parse.intent.confidence if self.parse else 0.0

    @property
    def entities(self) -> tuple[Entity, ...]:
        return self.parse.entities if self.parse else ()

    def entity(self, name: str) -> EntityValue | None:
        return self.parse.entity(name) if self.parse else None

    def with_parse(self, parse: Parse | None) -> Turn:
        return replace(self, parse=parse)


@dataclass(frozen=True, slots=True)
class Option:
    """A numbered choice under a reply. ``value`` says what choosing it means:

    ``{"intent": name}`` starts an intent, ``{"slot": name, "value": v}`` answers the
    form's question, ``{"answer": "yes" | "no" | "redo"}`` answers a confirmation.
    ``send`` is what a tap sends back (defaults to the label).
    """

    label: str
    value: dict[str, Any]
    send: str = ""

    @property
    def message(self) -> str:
        return self.send or self.label

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "send": self.send}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Option:
        return cls(label=str(data["label"]), value=dict(data["value"]), send=str(data.get("send", "")))

    @classmethod
    def intent(cls, label: str, intent: str) -> Option:
        return cls(label, {"intent": intent})

    @classmethod
    def slot(cls, label: str, slot: str, value: Any) -> Option:
        return cls(label, {"slot": slot, "value": value})

    @classmethod
    def answer(cls, label: str, answer: str) -> Option:
        return cls(label, {"answer": answer})


@dataclass(frozen=True, slots=True)
class Article:
    """The one article a passive news reply may carry."""

    title: str
    description: str = ""
    url: str = ""
    image: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "description": self.description, "url": self.url, "image": self.image}


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers to one turn.

    ``content`` is the text; ``options`` the numbered choices under it; ``article`` a
    single news article instead of text; ``silent`` means nothing to say (WeChat gets
    ``success``). ``footer`` asks the renderer to add the "0 for the menu" hint.
    """

    content: str = ""
    options: tuple[Option, ...] = ()
    article: Article | None = None
    silent: bool = False
    footer: bool = False

    @classmethod
    def text(cls, content: str, options: list[Option] | tuple[Option, ...] = (), *, footer: bool = False) -> Reply:
        return cls(content=content, options=tuple(options), footer=footer)

    @classmethod
    def nothing(cls) -> Reply:
        return cls(silent=True)

    @classmethod
    def news(cls, article: Article) -> Reply:
        return cls(article=article)

    def prefixed(self, line: str) -> Reply:
        """The same reply with a line before it (a note such as "your form expired")."""
        if not line:
            return self
        if self.silent or self.article is not None:
            return Reply.text(line)
        return replace(self, content=f"{line}\n{self.content}" if self.content else line)

    def followed_by(self, other: Reply) -> Reply:
        """This reply's text, then ``other``'s, with ``other``'s choices."""
        if self.silent:
            return other
        if other.silent:
            return self
        content = "\n\n".join(part for part in (self.content, other.content) if part)
        return Reply(content=content, options=other.options, footer=other.footer)

    def to_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "options": [option.to_dict() for option in self.options],
            "article": self.article.to_dict() if self.article else None,
            "silent": self.silent,
            "footer": self.footer,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        article = data.get("article")
        return cls(
            content=str(data.get("content", "")),
            options=tuple(Option.from_dict(o) for o in data.get("options", [])),
            article=Article(**article) if article else None,
            silent=bool(data.get("silent", False)),
            footer=bool(data.get("footer", False)),
        )


@dataclass
class FormState:
    """The mutable dialogue state of one resident for the length of one turn."""

    form: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    requested_slot: str | None = None
    options: list[Option] = field(default_factory=list)
    misses: int = 0
    pending_intent: str | None = None
    form_started_at: datetime | None = None
    last_activity: datetime | None = None

    def clear_form(self) -> None:
        self.form = None
        self.slots = {k: v for k, v in self.slots.items() if k.startswith("_")}
        self.requested_slot = None
        self.form_started_at = None
