"""Conversation state: the active form and its slots, keyed by openid, never in memory.

A resident's turn reads and writes its row as a plain record (:class:`ConversationRow`)
with single statements — the hot path of every message — and writes it back only when
something changed; the ORM model serves everything else.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from store.models import Conversation
from store.repositories._prepared import Prepared
from store.repositories._sql import insert_ignoring_conflicts, locks_rows

_TABLE: Table = Conversation.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class ConversationRow:
    openid: str
    form: str | None
    slots: dict[str, Any]
    requested_slot: str | None
    options: list[Any]
    misses: int
    pending_intent: str | None
    form_started_at: datetime | None
    updated_at: datetime


_COLUMNS = [_TABLE.c[f.name] for f in fields(ConversationRow)]
# Built once: every message runs one of them (SQLAlchemy then finds its compiled form at once).
_READ = select(*_COLUMNS).where(_TABLE.c.openid == bindparam("openid"))
_LOCK = _READ.with_for_update()
_WRITE = Prepared(update(_TABLE).where(_TABLE.c.openid == bindparam("key_openid"))
                  .values({c.name: bindparam(c.name) for c in _COLUMNS if c.name != "openid"}))
_READ_ROW, _LOCK_ROW = Prepared(_READ), Prepared(_LOCK)


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- a resident's turn ---------------------------------------------------------------------
    def lock_row(self, openid: str) -> ConversationRow | None:
        """The resident's conversation, locked for this unit of work; None when there is none."""
        query = _LOCK_ROW if locks_rows(self.session) else _READ_ROW
        rows = query.rows(self.session.connection(), {"openid": openid})
        return ConversationRow(*rows[0]) if rows else None

    def create_row(self, openid: str, now: datetime) -> ConversationRow:
        """A first message: the row is made (or found, when another delivery made it) and locked."""
        insert_ignoring_conflicts(self.session, _TABLE,
                                  {"openid": openid, "slots": {}, "options": [], "misses": 0, "updated_at": now})
        row = self.lock_row(openid)
        assert row is not None
        return row

    def save_row(self, before: ConversationRow, values: dict[str, Any]) -> bool:
        """Write the row back when something changed since ``before`` (nothing when nothing did)."""
        if all(getattr(before, name) == value for name, value in values.items()):
            return False
        row = {f.name: values.get(f.name, getattr(before, f.name)) for f in fields(ConversationRow)}
        row["key_openid"] = row.pop("openid")
        _WRITE.run(self.session.connection(), row)
        return True

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
