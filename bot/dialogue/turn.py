"""What one message means (Turn) and what the bot answers (Reply).

Both are plain immutable data. Actions read a Turn and return a Reply; only ``bot/``'s
channel code turns a Reply into WeChat XML, a customer-service message or terminal text.

A Reply also carries what it changes in the conversation (:class:`Change` steps): a form opened
or closed, the question now asked, slot values, an intent to resume after binding. Handlers
never edit the conversation themselves; the dialogue engine applies the changes.
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
    tapped menu item), already folded to half-width (NFKC) so that a phone keyboard's
    ``３－５０２`` reads as ``3-502``. ``plain`` is the same words reduced for comparison with
    configured words (simplified, lower-case, no spaces or punctuation), computed once.
    ``parse`` is the NLU's reading of ``text`` (None when there are no words).
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
    plain: str = ""
    #: True when the words are ours (a tapped option, a menu click, a resumed request),
    #: so they must never be taken as something the resident said about their case.
    tapped: bool = False
    #: True when the flows' ``prepare`` hooks already did the slow work for this message
    #: (before its transaction): the handler must not wait for it again.
    prepared: bool = False
    #: A message that asks for two things (我家水管漏了，顺便问下水费多少): each part as a turn of
    #: its own, with its own reading; this turn stays the whole message.
    parts: tuple[Turn, Turn] | None = None

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
    form's question, ``{"answer": "yes" | "no" | "redo"}`` answers a confirmation,
    ``{"menu": group}`` opens a group of the number menu.
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
    def intent(cls, label: str, intent: str, **extra: Any) -> Option:
        return cls(label, {"intent": intent, **extra})

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


#: A slot value meaning "the resident chose to skip this question".
SKIPPED = ""
#: The pseudo-slot of "please check and confirm".
CONFIRM = "_confirm"


@dataclass(frozen=True, slots=True)
class Change:
    """One thing a reply does to the conversation; the engine applies them in order.

    ``open`` a form (``name``), ``ask`` a slot of the open form (``name``), ``close`` the open
    form, ``set`` a slot (``name`` = ``value``; ``None`` removes it; names starting with ``_``
    are conversation memory that outlives a form, such as a photo sent before any form),
    ``pending``: resume intent ``name`` once the resident has bound a household (``""`` forgets);
    ``route``: handle the message as intent ``name`` (see :meth:`Reply.route`).
    """

    op: str
    name: str = ""
    value: Any = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers to one turn.

    ``content`` is the text; ``options`` the numbered choices under it; ``article`` a
    single news article instead of text; ``silent`` means nothing to say (WeChat gets
    ``success``). ``footer`` asks the renderer to add the "0 for the menu" hint. ``keys``
    are the response texts the reply was built from (tests assert them, not the wording).
    ``changes`` is what the reply does to the conversation.
    """

    content: str = ""
    options: tuple[Option, ...] = ()
    article: Article | None = None
    silent: bool = False
    footer: bool = False
    keys: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()

    @classmethod
    def text(cls, content: str, options: list[Option] | tuple[Option, ...] = (), *, footer: bool = False) -> Reply:
        key = getattr(content, "key", None)
        return cls(content=str(content), options=tuple(options), footer=footer, keys=(key,) if key else ())

    @classmethod
    def nothing(cls) -> Reply:
        return cls(silent=True)

    @classmethod
    def news(cls, article: Article) -> Reply:
        return cls(article=article)

    @classmethod
    def route(cls, intent: str) -> Reply:
        """Not an answer but a redirection (from a trigger): handle this message as ``intent``,
        with the resident's own words."""
        return cls(silent=True, changes=(Change("route", intent),))

    # --- words ------------------------------------------------------------------------------
    def prefixed(self, line: str) -> Reply:
        """The same reply with a line before it (a note such as "your form expired")."""
        if not line:
            return self
        keys = _keys_of(line) + self.keys
        if self.silent or self.article is not None:
            return replace(Reply.text(line), keys=keys, changes=self.changes)
        return replace(self, content=f"{line}\n{self.content}" if self.content else str(line), keys=keys)

    def followed_by(self, other: Reply) -> Reply:
        """This reply's text, then ``other``'s, with ``other``'s choices; both replies' changes."""
        changes = self.changes + other.changes
        if self.silent:
            return replace(other, changes=changes)
        if other.silent:
            return replace(self, changes=changes)
        content = "\n\n".join(part for part in (self.content, other.content) if part)
        return Reply(content=content, options=other.options, footer=other.footer, keys=self.keys + other.keys,
                     changes=changes)

    # --- changes ------------------------------------------------------------------------------
    def changing(self, *changes: Change) -> Reply:
        return replace(self, changes=self.changes + changes)

    def opening(self, form: str, ask: str | None = None, **slots: Any) -> Reply:
        """Open ``form`` (closing any other), set ``slots`` and wait for ``ask``."""
        steps = [Change("open", form)] + [Change("set", k, v) for k, v in slots.items()]
        return self.changing(*steps, *([Change("ask", ask)] if ask else []))

    def asking(self, slot: str, **slots: Any) -> Reply:
        """Leave the open form waiting for ``slot``, after setting ``slots``."""
        return self.changing(*[Change("set", k, v) for k, v in slots.items()], Change("ask", slot))

    def with_slots(self, **slots: Any) -> Reply:
        return self.changing(*[Change("set", k, v) for k, v in slots.items()])

    def closing(self) -> Reply:
        return self.changing(Change("close"))

    def remembering(self, intent: str) -> Reply:
        """Resume ``intent`` once the resident has bound a household."""
        return self.changing(Change("pending", intent))

    def forgetting_pending(self) -> Reply:
        return self.changing(Change("pending", ""))

    def changes_op(self, op: str) -> bool:
        return any(change.op == op for change in self.changes)

    # --- storage ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """What a retry must get again (the changes were applied already and are not kept)."""
        return {
            "content": self.content,
            "options": [option.to_dict() for option in self.options],
            "article": self.article.to_dict() if self.article else None,
            "silent": self.silent,
            "footer": self.footer,
            "keys": list(self.keys),
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
            keys=tuple(str(k) for k in data.get("keys", [])),
        )


def _keys_of(text: str) -> tuple[str, ...]:
    key = getattr(text, "key", None)
    return (key,) if key else ()


class Said(str):
    """A text from the responses file that remembers its key (``ctx.say`` returns these)."""

    key: str

    def __new__(cls, text: str, key: str) -> Said:
        made = super().__new__(cls, text)
        made.key = key
        return made


@dataclass
class FormState:
    """The mutable dialogue state of one resident for the length of one turn.

    Only the dialogue engine changes it; handlers read it through ``Context.dialog``.
    """

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


@dataclass(frozen=True, slots=True)
class DialogView:
    """A read-only view of where the conversation stands, for handlers."""

    form: str | None
    slots: dict[str, Any]
    requested_slot: str | None
    options: tuple[Option, ...]
    pending_intent: str | None
    #: When the conversation last changed before this message (None: never).
    last_activity: datetime | None = None

    @classmethod
    def of(cls, state: FormState) -> DialogView:
        return cls(state.form, dict(state.slots), state.requested_slot, tuple(state.options), state.pending_intent,
                   state.last_activity)
