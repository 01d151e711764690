"""Dedup of WeChat's retries: one row per message key, holding the reply it got.

WeChat retries a message it got no answer to after 5 seconds, three times. The first
delivery claims the key; a retry finds the stored reply (and gets the very same answer),
or finds the message still being worked on, or deferred to the outbox.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store.models import ProcessedMessage
from store.repositories._sql import insert_ignoring_conflicts, rowcount


class ClaimState(enum.Enum):
    NEW = "new"            # this worker owns the message now
    DONE = "done"          # answered before: here is the reply
    BUSY = "processing"    # another worker is on it right now
    DEFERRED = "deferred"  # the answer goes out through the outbox


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    reply: dict[str, Any] | None = None


class ProcessedMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, key: str, openid: str, now: datetime, stale_after: timedelta) -> Claim:
        """Take the message, or say who has it. A claim left by a crashed worker goes stale."""
        values = {"key": key, "openid": openid, "status": ClaimState.BUSY.value, "claimed_at": now}
        if insert_ignoring_conflicts(self.session, ProcessedMessage.__table__, values):  # type: ignore[arg-type]
            return Claim(ClaimState.NEW)
        row = self.session.get(ProcessedMessage, key, populate_existing=True)
        if row is None:  # purged between the two statements
            return self.claim(key, openid, now, stale_after)
        state = ClaimState(row.status)
        if state is ClaimState.BUSY and now - row.claimed_at > stale_after:
            taken = rowcount(self.session.execute(
                update(ProcessedMessage)
                .where(ProcessedMessage.key == key, ProcessedMessage.status == ClaimState.BUSY.value,
                       ProcessedMessage.claimed_at == row.claimed_at)
                .values(claimed_at=now)
            ))
            if taken:
                return Claim(ClaimState.NEW)
        return Claim(state, row.reply)

    def finish(self, key: str, reply: dict[str, Any], now: datetime, *, deferred: bool = False) -> bool:
        """Store the reply; ``deferred`` when the webhook stopped waiting and the outbox carries it.
        False when this worker no longer owns the message."""
        status = ClaimState.DEFERRED if deferred else ClaimState.DONE
        return bool(rowcount(self.session.execute(
            update(ProcessedMessage)
            .where(ProcessedMessage.key == key, ProcessedMessage.status == ClaimState.BUSY.value)
            .values(status=status.value, reply=reply, finished_at=now)
        )))

    def get(self, key: str) -> ProcessedMessage | None:
        return self.session.scalars(
            select(ProcessedMessage).where(ProcessedMessage.key == key)
            .execution_options(populate_existing=True)
        ).first()

    def purge(self, older_than: datetime) -> int:
        """Drop keys WeChat can no longer retry (it gives up after about 15 seconds)."""
        return rowcount(self.session.execute(
            delete(ProcessedMessage).where(ProcessedMessage.claimed_at < older_than,
                                           ProcessedMessage.status != ClaimState.BUSY.value)
        ))
