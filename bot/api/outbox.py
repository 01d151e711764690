"""`/api/outbox`: what waits to be delivered to residents and staff, and what could not be."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from bot.api.deps import StoreDep
from bot.api.schemas import OutboxOut, OutboxStatus, blank_is_none
from store.models import OutboxMessage

router = APIRouter(prefix="/outbox", tags=["outbox"])

StatusFilter = Annotated[OutboxStatus | None, BeforeValidator(blank_is_none), Query()]


@router.get("")
def list_outbox(store: StoreDep, status: StatusFilter = None) -> list[OutboxOut]:
    """Deliveries oldest first; ``status`` is pending, sending, sent, held (outside WeChat's
    48-hour window or quota) or failed (gave up after the last retry)."""
    return [_out(message) for message in store.outbox.list(status)]


def _out(message: OutboxMessage) -> OutboxOut:
    return OutboxOut(id=message.id, openid=message.openid, purpose=message.purpose,
                     status=message.status,
                     attempts=message.attempts, last_error=message.last_error,
                     created_at=message.created_at, sent_at=message.sent_at)
