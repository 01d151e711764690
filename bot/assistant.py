"""One message, start to finish: dedup, understanding, the dialogue, the store, the reply.

The webhook and the terminal chat both go through :class:`Assistant`, so a resident gets
the same answers whichever way they talk. Each message is one unit of work: the
conversation row is locked, the action's changes, the new dialogue state, the message log
and the stored reply commit together or not at all.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

import nlu
from bot.dialogue.context import Context
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.responses import Responses
from bot.dialogue.turn import FormState, Option, Reply, Turn
from bot.privacy import mask_openid
from bot.settings import Config
from bot.wechat.inbound import Inbound
from bot.wechat.render import render_text
from store import Store
from store.clock import utcnow
from store.db import transaction
from store.models import Conversation
from store.repositories.processed import Claim, ClaimState

log = logging.getLogger(__name__)

#: A claim older than this belongs to a worker that died mid-message; a retry may take it.
STALE_CLAIM = timedelta(seconds=30)
#: The NLU reads at most this much of a message.
MAX_NLU_CHARS = 500


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


class Assistant:
    def __init__(self, config: Config, responses: Responses, factory: sessionmaker[Session],
                 read_factory: sessionmaker[Session], dialogue: DialogueEngine,
                 understanding: nlu.Understanding) -> None:
        self.config = config
        self.responses = responses
        self.factory = factory
        self.read_factory = read_factory
        self.dialogue = dialogue
        self.nlu = understanding
        self.zone = ZoneInfo(config.community.timezone)

    # --- the three steps the webhook drives -------------------------------------------------
    def claim(self, inbound: Inbound) -> Claim:
        """Take the message for this worker, or learn that it was (or is being) answered."""
        with transaction(self.factory) as session:
            return Store(session).processed.claim(inbound.key, inbound.openid, utcnow(), STALE_CLAIM)

    def process(self, inbound: Inbound, rendezvous: Rendezvous | None = None) -> Answer:
        """Run the message through the dialogue and store the reply with everything it changed."""
        try:
            turn = self._understand(inbound)
            with transaction(self.factory) as session:
                return self._run(turn, inbound, Store(session), rendezvous)
        except Exception:  # the boundary: whatever an action did wrong, the resident hears back
            log.exception("message %s from %s failed", inbound.key, mask_openid(inbound.openid))
            return self._store_failure(inbound, rendezvous)

    def stored_answer(self, inbound: Inbound) -> Claim:
        """Where a message stands now, read without waiting for any lock."""
        with transaction(self.read_factory) as session:
            row = Store(session).processed.get(inbound.key)
            if row is None:
                return Claim(ClaimState.NEW)
            return Claim(ClaimState(row.status), row.reply)

    def take(self, inbound: Inbound, rendezvous: Rendezvous | None = None) -> Answer | ClaimState:
        """Claim the message and, when it is new, process it. Returns the answer (new or the
        one stored for an earlier delivery), or where the message stands: being worked on
        elsewhere (BUSY) or left to the outbox (DEFERRED)."""
        claim = self.claim(inbound)
        if claim.state is ClaimState.NEW:
            return self.process(inbound, rendezvous)
        if claim.state is ClaimState.DONE and claim.reply is not None:
            return Answer.from_dict(claim.reply)
        return claim.state

    def handle(self, inbound: Inbound) -> Reply | None:
        """One message start to finish (the terminal chat and tests); None means "success"."""
        outcome = self.take(inbound)
        return outcome.reply if isinstance(outcome, Answer) else None

    # --- inside -------------------------------------------------------------------------------
    def _understand(self, inbound: Inbound) -> Turn:
        """Build the turn, reading the words with the NLU outside any database transaction."""
        now = utcnow()
        parse = None
        if inbound.text:
            parse = self.nlu.parse(inbound.text[:MAX_NLU_CHARS], today=now.astimezone(self.zone).date())
        return Turn(
            openid=inbound.openid, msg_key=inbound.key, kind=inbound.kind, received_at=now,
            text=inbound.text, parse=parse, event=inbound.event, event_key=inbound.event_key,
            photo=inbound.photo, location=inbound.location, link_title=inbound.link_title,
        )

    def _run(self, turn: Turn, inbound: Inbound, store: Store, rendezvous: Rendezvous | None) -> Answer:
        now = utcnow()
        if inbound.opens_window:
            resident = store.residents.record_inbound(inbound.openid, now)
        else:
            resident = store.residents.get_or_create(inbound.openid, now)
        if inbound.event == "subscribe_scan" and inbound.event_key:
            resident.scene = inbound.event_key[:64]
        if inbound.event == "unsubscribe":
            resident.subscribed = False
        store.messages.record(inbound.openid, "in", inbound.raw_type, _logged_text(inbound), now,
                              msg_key=inbound.key, intent=turn.intent)
        conversation = store.conversations.load_for_update(inbound.openid, now)
        state = _state_of(conversation)
        ctx = Context(store=store, config=self.config, responses=self.responses, now=now,
                      today=now.astimezone(self.zone).date(), resident=resident, state=state)
        reply = self.dialogue.respond(turn, ctx)
        _save_state(conversation, state, now)
        answer = Answer(reply, int(now.timestamp()))
        if not reply.silent:
            store.messages.record(inbound.openid, "out", "text", self.plain_text(reply), now, msg_key=inbound.key)
        self._finish(store, inbound, answer, now, rendezvous)
        return answer

    def _finish(self, store: Store, inbound: Inbound, answer: Answer, now: datetime,
                rendezvous: Rendezvous | None) -> None:
        deferred = rendezvous is not None and not rendezvous.deliver()
        store.processed.finish(inbound.key, answer.to_dict(), now, deferred=deferred)
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
            log.exception("could not record the failure of %s", inbound.key)
        return answer

    def error_reply(self) -> Reply:
        return Reply.text(self.responses.text("channel.error"))

    def footer(self) -> str:
        return self.responses.text("menu.footer")

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


def _state_of(conversation: Conversation) -> FormState:
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


def _save_state(conversation: Conversation, state: FormState, now: datetime) -> None:
    conversation.form = state.form
    conversation.slots = dict(state.slots)
    conversation.requested_slot = state.requested_slot
    conversation.options = [option.to_dict() for option in state.options]
    conversation.misses = state.misses
    conversation.pending_intent = state.pending_intent
    conversation.form_started_at = state.form_started_at
    conversation.updated_at = now
