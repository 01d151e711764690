"""The outbox: messages waiting for the customer-service API, retried until delivered."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from store.models import OutboxMessage
from store.repositories._sql import insert_ignoring_conflicts, locks_rows, rowcount

_TABLE: Table = OutboxMessage.__table__  # type: ignore[assignment]
# Built once: a resident whose window had closed runs it with their first message.
_RELEASE = (update(_TABLE).where(_TABLE.c.openid == bindparam("key_openid"), _TABLE.c.status == "held")
            .values(status="pending", next_attempt_at=bindparam("now")))


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, openid: str, purpose: str, payload: dict[str, Any], now: datetime,
                dedup_key: str | None = None, template: dict[str, Any] | None = None) -> bool:
        """Queue a delivery; a second enqueue with the same ``dedup_key`` does nothing.
        ``template`` is the template message to send instead outside the 48-hour window."""
        values = {
            "openid": openid, "purpose": purpose, "payload": payload, "dedup_key": dedup_key,
            "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
            "template": template,
        }
        return insert_ignoring_conflicts(self.session, OutboxMessage.__table__, values)  # type: ignore[arg-type]

    def claim_due(self, now: datetime, lease: timedelta, limit: int = 20) -> list[OutboxMessage]:
        """Take due rows for sending: pending ones, and ``sending`` ones whose lease ran out
        (their worker died). Locked rows are skipped, so two workers never take one row."""
        due = or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= now),
        )
        query = select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
        if locks_rows(self.session):
            query = query.with_for_update(skip_locked=True)
        rows = list(self.session.scalars(query))
        for row in rows:
            row.status = "sending"
            row.next_attempt_at = now + lease
        return rows

    def get(self, message_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, message_id)

    def by_dedup_key(self, dedup_key: str) -> OutboxMessage | None:
        return self.session.scalars(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)).first()

    def for_openid(self, openid: str) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.openid == openid).order_by(OutboxMessage.id)
        return list(self.session.scalars(query))

    def count_by_status(self) -> dict[str, int]:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        return {str(status): int(count) for status, count in self.session.execute(query)}

    def pending_count(self) -> int:
        query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        return self.session.scalar(query) or 0

    def mark_sent(self, message: OutboxMessage, now: datetime) -> None:
        message.status = "sent"
        message.attempts += 1
        message.sent_at = now
        message.last_error = None

    def mark_retry(self, message: OutboxMessage, error: str, next_attempt_at: datetime,
                   max_attempts: int) -> None:
        message.attempts += 1
        message.last_error = error[:500]
        if message.attempts >= max_attempts:
            message.status = "failed"
        else:
            message.status = "pending"
            message.next_attempt_at = next_attempt_at

    def mark_held(self, message: OutboxMessage, reason: str) -> None:
        message.status = "held"
        message.last_error = reason[:500]

    def mark_dropped(self, message: OutboxMessage, reason: str) -> None:
        """Never to be sent (the resident unfollowed the account)."""
        message.status = "dropped"
        message.last_error = reason[:500]

    def retry(self, message: OutboxMessage, now: datetime) -> bool:
        """Staff send a dead letter (``failed``) again: it gets a fresh set of attempts; False for
        any other status (nothing to retry)."""
        if message.status != "failed":
            return False
        message.status = "pending"
        message.attempts = 0
        message.next_attempt_at = now
        return True

    def release_held(self, openid: str, now: datetime) -> int:
        """The resident wrote again (a new 48-hour window): what was held for them goes out."""
        self.session.flush()  # a plain statement: what this unit of work queued goes first
        return rowcount(self.session.connection().execute(_RELEASE, {"key_openid": openid, "now": now}))

    def drop_for(self, openid: str, purposes: tuple[str, ...] | None = None) -> int:
        """Nothing more goes to this resident (they unfollowed, or asked to be forgotten)."""
        query = update(OutboxMessage).where(
            OutboxMessage.openid == openid, OutboxMessage.status.in_(("pending", "held", "failed")))
        if purposes is not None:
            query = query.where(OutboxMessage.purpose.in_(purposes))
        return rowcount(self.session.execute(query.values(status="dropped")))

    def list(self, status: str | None = None) -> list[OutboxMessage]:
        """Deliveries for staff to watch, oldest first; ``status`` narrows them."""
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if status:
            query = query.where(OutboxMessage.status == status)
        return list(self.session.scalars(query))
