"""Conversation state: the active form and its slots, keyed by openid, never in memory."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Conversation
from store.repositories._sql import insert_ignoring_conflicts, locks_rows


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, openid: str) -> Conversation | None:
        """The resident's conversation locked for this unit of work, or None when there is none
        (nothing is created)."""
        query = select(Conversation).where(Conversation.openid == openid)
        if locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    def load_for_update(self, openid: str, now: datetime) -> Conversation:
        """The resident's conversation, locked for this unit of work (created when new)."""
        query = select(Conversation).where(Conversation.openid == openid)
        if locks_rows(self.session):
            query = query.with_for_update()
        query = query.execution_options(populate_existing=True)
        conversation = self.session.scalars(query).first()
        if conversation is not None:
            return conversation
        insert_ignoring_conflicts(
            self.session,
            Conversation.__table__,  # type: ignore[arg-type]
            {"openid": openid, "slots": {}, "options": [], "misses": 0, "updated_at": now},
        )
        return self.session.scalars(query).one()

    def remember(self, openid: str, name: str, value: object, now: datetime) -> None:
        """Set (or, with ``None``, forget) a memory slot of a resident's conversation from
        outside their turn (a staff answer starts a live conversation with staff)."""
        conversation = self.load_for_update(openid, now)
        slots = dict(conversation.slots or {})
        if value is None:
            slots.pop(name, None)
        else:
            slots[name] = value
        conversation.slots = slots

    def get(self, openid: str) -> Conversation | None:
        return self.session.get(Conversation, openid)
