"""Dedup of WeChat's retries: one row per message key, holding the reply it got.

WeChat retries a message it got no answer to after 5 seconds, three times. A message is
taken in the same transaction that answers it, after the resident's conversation row is
locked (SQLite: the one writer at a time; PostgreSQL: ``SELECT … FOR UPDATE``): a retry that
arrives while the first delivery is being answered waits for that lock, then finds the
stored reply here and gets the very same answer — or learns that the outbox carries it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from store.models import ProcessedMessage
from store.repositories._prepared import Prepared
from store.repositories._sql import insert_ignoring_conflicts, rowcount

_GET = Prepared(select(ProcessedMessage.status, ProcessedMessage.reply)
                .where(ProcessedMessage.key == bindparam("key")))


class ClaimState(enum.Enum):
    DONE = "done"          # answered before: here is the reply
    DEFERRED = "deferred"  # the answer goes out through the outbox
    UNAVAILABLE = "unavailable"  # the database could not be used: nothing was kept, take it again later


@dataclass(frozen=True, slots=True)
class Processed:
    status: str
    reply: dict[str, Any] | None


class ProcessedMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> Processed | None:
        """The status and reply stored for ``key`` (a plain row: nothing to track or flush)."""
        rows = _GET.rows(self.session.connection(), {"key": key})
        return Processed(str(rows[0][0]), rows[0][1]) if rows else None

    def record(self, key: str, openid: str, reply: dict[str, Any], now: datetime, *,
               deferred: bool = False) -> bool:
        """Store the reply a message got (``deferred``: the outbox carries it); False when the
        key was recorded already."""
        status = ClaimState.DEFERRED if deferred else ClaimState.DONE
        return insert_ignoring_conflicts(self.session, ProcessedMessage.__table__, {  # type: ignore[arg-type]
            "key": key, "openid": openid, "status": status.value, "reply": reply,
            "claimed_at": now, "finished_at": now})

    def purge(self, older_than: datetime) -> int:
        """Drop keys WeChat can no longer retry (it gives up after about 15 seconds)."""
        return rowcount(self.session.execute(
            delete(ProcessedMessage).where(ProcessedMessage.claimed_at < older_than)))
