"""One message, start to finish: dedup, understanding, the dialogue, the store, the reply.

The webhook and the terminal chat both go through :class:`Assistant`, so a resident gets
the same answers whichever way they talk. Each message is one unit of work: the
conversation row is locked, the action's changes, the new dialogue state, the message log
and the stored reply commit together or not at all.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

import nlu
from bot import metrics
from bot.dialogue.context import Context
from bot.dialogue.engine import CONTROL_INTENTS, DialogueEngine
from bot.dialogue.flow import FlowSettings, Prepared
from bot.dialogue.responses import Responses
from bot.dialogue.text import fold, plain, two_requests
from bot.dialogue.turn import DialogView, FormState, Option, Reply, Turn
from bot.privacy import mask_openid
from bot.settings import Config
from bot.wechat.inbound import Inbound
from bot.wechat.render import render_text
from nlu.types import Parse
from store import Store
from store.clock import utcnow
from store.db import WriterBusy, transaction, unavailable
from store.repositories.conversations import ConversationRow
from store.repositories.processed import ClaimState

log = logging.getLogger(__name__)

#: The NLU reads at most this much of a message.
MAX_NLU_CHARS = 500
#: How sure the NLU must be of each part of a message before it is taken as two requests.
TWO_REQUESTS_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to one delivery, and when it was first made (so a retry gets the same XML)."""

    reply: Reply
    created: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.reply.to_dict(), "created": self.created}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(Reply.from_dict(data), int(data.get("created", 0)))


class Rendezvous:
    """Who delivers a reply: the webhook (still waiting) or the outbox (the budget ran out).

    The webhook calls :meth:`give_up` when its budget is spent; the turn calls :meth:`deliver`
    just before it commits. Whichever comes first decides, so a reply is never sent twice
    and never dropped.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "running"

    def give_up(self) -> bool:
        """True when the outbox must now carry the reply."""
        with self._lock:
            if self._state == "running":
                self._state = "outbox"
            return self._state == "outbox"

    def deliver(self) -> bool:
        """True when the webhook is still waiting for the reply."""
        with self._lock:
            if self._state == "running":
                self._state = "webhook"
            return self._state == "webhook"

    def given_up(self) -> bool:
        """Whether nobody waits for the reply any more (WeChat was told ``success``)."""
        with self._lock:
            return self._state == "outbox"

    @classmethod
    def for_outbox(cls) -> Rendezvous:
        """For a message taken again later: its reply can only go out through the outbox."""
        rendezvous = cls()
        rendezvous.give_up()
        return rendezvous


class Assistant:
    def __init__(self, config: Config, responses: Responses, factory: sessionmaker[Session],
                 read_factory: sessionmaker[Session], dialogue: DialogueEngine,
                 understanding: nlu.Understanding, sections: dict[str, FlowSettings] | None = None) -> None:
        self.config = config
        self._connectors = tuple(sorted(config.dialogue.keywords.also, key=len, reverse=True))
        self.sections = sections or {}
        self.responses = responses
        self.factory = factory
        self.read_factory = read_factory
        self.dialogue = dialogue
        self.nlu = understanding
        self.zone = ZoneInfo(config.community.timezone)
        # Many messages are the same few words (1, 0, 你好, 报修进度): a parse depends only on the
        # words and the day, so the recent ones are kept.
        self._parse = lru_cache(maxsize=4096)(self._read)
        self.window = timedelta(hours=config.wechat.customer_service_window_hours)
        self.quota = config.wechat.customer_service_quota
        self._footer: tuple[Responses, str] | None = None

    # --- what the webhook drives -------------------------------------------------------------
    def understand(self, inbound: Inbound) -> Turn:
        """The turn as the NLU reads it, with the slow work its answer needs (a forecast) done:
        everything that holds no database, so that it can run beside other messages' turns."""
        return self.prepare(self.read(inbound))

    @property
    def reads_in_process(self) -> bool:
        """Whether reading a message is quick work in this process (the built-in engine, its
        recent parses kept), rather than a call to another server (Rasa)."""
        return isinstance(self.nlu, nlu.Engine)

    def needs_preparing(self, turn: Turn) -> bool:
        """Whether the answer to ``turn`` wants slow work done first (see :meth:`prepare`)."""
        return bool(self.dialogue.registry.prepares_for(self.dialogue.intent_of(turn)))

    def take(self, inbound: Inbound, rendezvous: Rendezvous | None = None,
             turn: Turn | None = None, *, wait: bool = True) -> Answer | ClaimState:
        """Answer the message, or give the answer an earlier delivery of it got.

        The NLU reads the words first, outside any transaction (:meth:`understand`, unless the
        caller did it and passes ``turn``); then one transaction locks the resident's
        conversation, looks the message key up (a retry waits for the first delivery's lock and
        finds its reply), runs the dialogue and stores everything it changed together with the
        reply. Returns the answer, or DEFERRED when the first delivery's reply goes out through
        the outbox. ``wait=False``: raise :class:`~store.db.WriterBusy`, having done nothing,
        when the transaction cannot start at once (see :func:`store.db.transaction`)."""
        try:
            if turn is None:
                turn = self.understand(inbound)
            with transaction(self.factory, wait=wait) as session:
                store = Store(session)
                now = utcnow()
                conversation = store.conversations.lock_row(inbound.openid)
                earlier = store.processed.get(inbound.key)
                if earlier is None and conversation is None:  # a first message: make the row, then look again
                    conversation = store.conversations.create_row(inbound.openid, now)
                    earlier = store.processed.get(inbound.key)
                if earlier is not None:
                    if earlier.status == ClaimState.DONE.value and earlier.reply is not None:
                        return Answer.from_dict(earlier.reply)
                    return ClaimState.DEFERRED
                assert conversation is not None
                return self._run(turn, inbound, store, conversation, now, rendezvous)
        except WriterBusy:
            raise
        except Exception as error:  # the boundary: whatever an action did wrong, the resident hears back
            if unavailable(error) and rendezvous is not None:
                log.warning("message %s from %s: the database is unavailable (%s)", shown_key(inbound),
                            mask_openid(inbound.openid), type(error).__name__, extra=log_fields(inbound))
                # Nothing was kept, and the apology cannot be kept either: it goes out now if the
                # webhook still waits; if WeChat was already told "success", the message is taken
                # again once the database is back.
                if rendezvous.deliver():
                    return Answer(self.error_reply(), int(utcnow().timestamp()))
                return ClaimState.UNAVAILABLE
            log.exception("message %s from %s failed", shown_key(inbound), mask_openid(inbound.openid),
                          extra=log_fields(inbound))
            return self._store_failure(inbound, rendezvous)

    def handle(self, inbound: Inbound) -> Reply | None:
        """One message start to finish (the terminal chat and tests); None means "success"."""
        outcome = self.take(inbound)
        return outcome.reply if isinstance(outcome, Answer) else None

    def prepare(self, turn: Turn) -> Turn:
        """Slow work the answer will need (a forecast), done before the transaction so that it
        holds the database for nobody; a failure here only means the answer does it itself."""
        hooks = self.dialogue.registry.prepares_for(self.dialogue.intent_of(turn))
        if not hooks:
            return turn
        ready = Prepared(self.sections, self.config, turn.received_at, turn.received_at.astimezone(self.zone).date())
        for hook in hooks:
            try:
                hook(turn, ready)
            except Exception:  # the turn goes on; its own handler will say what went wrong
                log.exception("preparing message %s failed", shown_key_of(turn))
                return turn
        return replace(turn, prepared=True)

    def _read(self, text: str, today: date) -> Parse:
        return self.nlu.parse(text, today=today)

    def read(self, inbound: Inbound) -> Turn:
        """Build the turn, reading the words with the NLU outside any database transaction."""
        now = utcnow()
        parse = None
        text = fold(inbound.text)
        if text:
            parse = self._parse(text[:MAX_NLU_CHARS], now.astimezone(self.zone).date())
            metrics.INTENTS.labels(parse.intent.name).inc()
            metrics.CONFIDENCE.observe(parse.intent.confidence)
        turn = Turn(
            openid=inbound.openid, msg_key=inbound.key, kind=inbound.kind, received_at=now,
            text=text, parse=parse, event=inbound.event, event_key=inbound.event_key,
            photo=inbound.photo, location=inbound.location, link_title=inbound.link_title,
            plain=plain(text) if text else "",
        )
        return self._two_requests(turn) if text else turn

    def _two_requests(self, turn: Turn) -> Turn:
        """我家水管漏了，顺便问下这个月水费多少: when the NLU is sure of each part and they ask for two
        different things, the turn carries both parts (``parts``) beside its whole reading."""
        parts = two_requests(turn.text, self._connectors)
        if parts is None:
            return turn
        today = turn.received_at.astimezone(self.zone).date()
        first, second = (self._parse(part[:MAX_NLU_CHARS], today) for part in parts)
        intents = (first.intent.name, second.intent.name)
        if intents[0] == intents[1] or set(intents) & CONTROL_INTENTS or \
                min(first.intent.confidence, second.intent.confidence) < TWO_REQUESTS_CONFIDENCE:
            return turn
        return replace(turn, parts=(replace(turn, text=parts[0], parse=first, plain=plain(parts[0])),
                                    replace(turn, text=parts[1], parse=second, plain=plain(parts[1]))))

    # --- inside -------------------------------------------------------------------------------
    def _run(self, turn: Turn, inbound: Inbound, store: Store, conversation: ConversationRow, now: datetime,
             rendezvous: Rendezvous | None) -> Answer:
        if inbound.opens_window:
            resident, added = store.residents.get_or_add(inbound.openid, now, writing=True)
            if not added:
                if not store.residents.in_customer_service_window(resident, now, self.window, self.quota):
                    store.outbox.release_held(inbound.openid, now)  # a new window: what waited goes out
                store.residents.record_inbound(resident, now)
        else:
            resident = store.residents.get_or_create(inbound.openid, now)
        if inbound.event == "unsubscribe":
            resident.subscribed = False
        state = _state_of(conversation)
        ctx = Context(store=store, config=self.config, responses=self.responses, now=now,
                      today=now.astimezone(self.zone).date(), resident=resident, dialog=DialogView.of(state),
                      registry=self.dialogue.registry, sections=self.sections)
        reply = self.dialogue.respond(turn, ctx, state)
        answer = Answer(reply, int(now.timestamp()))
        if inspect(resident).deleted:  # they asked to be forgotten (删除我的信息): nothing more is kept
            self._finish(store, inbound, answer, now, rendezvous)
            return answer
        store.conversations.save_row(conversation, _state_values(conversation, state, now))
        log_rows = [(inbound.raw_type, "in", _logged_text(inbound), turn.intent)]
        if not reply.silent:
            log_rows.append(("text", "out", self.plain_text(reply), None))
        store.messages.record_many(inbound.openid, log_rows, now, msg_key=inbound.key)
        self._finish(store, inbound, answer, now, rendezvous)
        return answer

    def _finish(self, store: Store, inbound: Inbound, answer: Answer, now: datetime,
                rendezvous: Rendezvous | None) -> None:
        deferred = rendezvous is not None and not rendezvous.deliver()
        store.processed.record(inbound.key, inbound.openid, answer.to_dict(), now, deferred=deferred)
        if deferred and not answer.reply.silent:
            store.outbox.enqueue(inbound.openid, "reply", answer.reply.to_dict(), now,
                                 dedup_key=f"reply:{inbound.key}")

    def _store_failure(self, inbound: Inbound, rendezvous: Rendezvous | None) -> Answer:
        """Record the apology as the message's reply, so that retries get it too."""
        now = utcnow()
        answer = Answer(self.error_reply(), int(now.timestamp()))
        try:
            with transaction(self.factory) as session:
                self._finish(Store(session), inbound, answer, now, rendezvous)
        except Exception:  # the database itself is failing: the apology still goes out now
            log.exception("could not record the failure of %s", shown_key(inbound), extra=log_fields(inbound))
        return answer

    def error_reply(self) -> Reply:
        return Reply.text(self.responses.text("channel.error"))

    def footer(self) -> str:
        # under every reply that offers nothing to tap: read once per responses file
        if self._footer is None or self._footer[0] is not self.responses:
            self._footer = (self.responses, self.responses.text("menu.footer"))
        return self._footer[1]

    def plain_text(self, reply: Reply) -> str:
        if reply.article is not None:
            return f"{reply.article.title}\n{reply.article.url}"
        return render_text(reply, self.footer(), links=False)


def _logged_text(inbound: Inbound) -> str:
    if inbound.text:
        return inbound.text
    if inbound.kind == "event":
        return f"[{inbound.event}{':' + inbound.event_key if inbound.event_key else ''}]"
    if inbound.kind == "image" and inbound.photo:
        return f"[image] {inbound.photo.url}"
    if inbound.kind == "location" and inbound.location:
        return f"[location] {inbound.location.label}"
    if inbound.kind == "link":
        return f"[link] {inbound.link_title}"
    return f"[{inbound.raw_type}]"


def _state_of(conversation: ConversationRow) -> FormState:
    return FormState(
        form=conversation.form,
        slots=dict(conversation.slots or {}),
        requested_slot=conversation.requested_slot,
        options=[Option.from_dict(o) for o in conversation.options or []],
        misses=conversation.misses,
        pending_intent=conversation.pending_intent,
        form_started_at=conversation.form_started_at,
        last_activity=conversation.updated_at,
    )


def _state_values(before: ConversationRow, state: FormState, now: datetime) -> dict[str, Any]:
    """The row as the turn leaves it; the time is touched when something changed or a form is
    open (it is the form's last activity, which its timeout counts from)."""
    values: dict[str, Any] = {
        "form": state.form,
        "slots": dict(state.slots),
        "requested_slot": state.requested_slot,
        "options": [option.to_dict() for option in state.options],
        "misses": state.misses,
        "pending_intent": state.pending_intent,
        "form_started_at": state.form_started_at,
    }
    if state.form is not None or any(getattr(before, name) != value for name, value in values.items()):
        values["updated_at"] = now
    return values


def log_fields(inbound: Inbound) -> dict[str, str]:
    """What a log line about one message carries for structured logs (openid masked)."""
    return {"msg_key": shown_key(inbound), "openid": mask_openid(inbound.openid)}


def shown_key_of(turn: Turn) -> str:
    return turn.msg_key.replace(turn.openid, mask_openid(turn.openid))


def shown_key(inbound: Inbound) -> str:
    """The message key as logs show it: the openid inside it masked."""
    return inbound.key.replace(inbound.openid, mask_openid(inbound.openid))
