"""`/api/escalations`: the inbox of conversations handed to staff — list, answer, close.

A staff answer goes to the resident through the outbox (purpose ``staff_reply``), which
delivers it with the customer-service API inside WeChat's window and retries it; a POST
repeated with the same ``Idempotency-Key`` queues it once.
"""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query
from pydantic import BeforeValidator

from bot.api.deps import NowDep, RuntimeDep, StoreDep, not_found
from bot.api.errors import conflict
from bot.api.schemas import (
    ErrorBody,
    EscalationOut,
    EscalationStatus,
    StaffReplyIn,
    StaffReplyOut,
    blank_is_none,
)
from bot.cases import answer_case, close_case
from store import Store
from store.models import Escalation

router = APIRouter(prefix="/escalations", tags=["escalations"])

IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$",
    description="repeat a POST with the same key and the answer is queued once")]
StatusFilter = Annotated[EscalationStatus | None, BeforeValidator(blank_is_none), Query()]


@router.get("")
def list_escalations(store: StoreDep, status: StatusFilter = None) -> list[EscalationOut]:
    """Escalations oldest first; ``status`` is open, replied or closed."""
    return [_out(escalation) for escalation in store.escalations.list(status)]


@router.post("/{escalation_id}/reply", responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def reply(escalation_id: int, body: StaffReplyIn, store: StoreDep, now: NowDep, runtime: RuntimeDep,
          idempotency_key: IdempotencyKey = None) -> StaffReplyOut:
    """Send a staff answer to the resident (through the outbox) and mark the case replied; the
    resident's next messages stay with this case until it is closed."""
    escalation = _get(store, escalation_id)
    dedup_key = f"staff_reply:{escalation.id}:{idempotency_key or uuid.uuid4().hex}"
    queued = store.outbox.by_dedup_key(dedup_key)
    if queued is None:
        if escalation.status == "closed":
            conflict("status", f"escalation {escalation.id} is closed; the resident can no longer be answered here")
        answer_case(store, runtime.responses, escalation, body.text, now, dedup_key)
        queued = store.outbox.by_dedup_key(dedup_key)
    assert queued is not None  # inserted above, or by the request this one repeats
    expected = runtime.responses.text("handoff.staff_answer", case=escalation.id, text=body.text)
    if queued.payload.get("content") != expected:
        conflict("idempotency_key", "this Idempotency-Key was already used for a different answer")
    return StaffReplyOut(**_out(escalation).model_dump(), outbox_id=queued.id)


@router.post("/{escalation_id}/close", responses={404: {"model": ErrorBody}})
def close(escalation_id: int, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> EscalationOut:
    """Close the case and tell the resident (closing a closed case changes nothing)."""
    escalation = _get(store, escalation_id)
    close_case(store, runtime.responses, escalation, now)
    return _out(escalation)


def _get(store: Store, escalation_id: int) -> Escalation:
    escalation = store.escalations.get(escalation_id)
    if escalation is None:
        not_found("escalation", escalation_id)
    return escalation


def _out(escalation: Escalation) -> EscalationOut:
    return EscalationOut(id=escalation.id, openid=escalation.openid, reason=escalation.reason,
                         text=escalation.text, status=escalation.status,
                         created_at=escalation.created_at)
