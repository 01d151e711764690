"""The escalation inbox: open cases with the conversation around them, a reply box (the staff
API's answer, through the outbox), closing, answers held until the resident writes again
(outside WeChat's 48-hour window), and dead letters of the outbox with a retry button.

Property staff see the property cases (urgent repairs, repairs waiting too long); committee
staff and admins see every case.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import Form, Query
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from bot.api.escalations import close as api_close
from bot.api.escalations import reply as api_reply
from bot.api.schemas import StaffReplyIn
from bot.console.access import ConsoleError, Pages, Viewer, ViewerDep, allow, runtime_of
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.console import AuditRepository
from store.models import Escalation

pages = Pages("inbox", order=20)
INBOX_ROLES = allow("staff", "property")
#: The cases property staff handle.
PROPERTY_REASONS = frozenset({"urgent_repair", "repair_overdue", "repair_urge"})
#: How much of the conversation before the case is shown.
CONTEXT_BEFORE = timedelta(days=1)


def visible(viewer: Viewer, escalation: Escalation) -> bool:
    return viewer.role != "property" or escalation.reason in PROPERTY_REASONS


def _case(store: Store, viewer: Viewer, case_id: int) -> Escalation:
    escalation = store.escalations.get(case_id)
    if escalation is None:
        raise ConsoleError(404, "not_found")
    if not visible(viewer, escalation):
        raise ConsoleError(403, "forbidden")
    return escalation


@pages.get("/inbox", roles=INBOX_ROLES, nav=True)
def inbox(request: Request, viewer: ViewerDep,
          status: Annotated[str, Query(pattern="^(open|closed|all)?$")] = "open") -> Response:
    with work(request) as store:
        if status == "closed":
            cases = store.escalations.list("closed")
        elif status == "all":
            cases = store.escalations.list()
        else:
            cases = [case for case in store.escalations.list() if case.status in ("open", "replied")]
        cases = [case for case in cases if visible(viewer, case)]
        held = {row.openid for row in store.outbox.list("held") if row.purpose == "staff_reply"}
        dead = store.outbox.list("failed")
    return render(request, "inbox.html", cases=list(reversed(cases)), status=status or "open", held=held,
                  dead=dead)


@pages.get("/inbox/{case_id}", roles=INBOX_ROLES)
def case(request: Request, viewer: ViewerDep, case_id: int) -> Response:
    with work(request) as store:
        escalation = _case(store, viewer, case_id)
        messages = store.messages.since(escalation.openid, escalation.created_at - CONTEXT_BEFORE)
        deliveries = [row for row in store.outbox.for_openid(escalation.openid)
                      if row.purpose == "staff_reply" and row.created_at >= escalation.created_at]
        household = store.households.get(escalation.household_id) if escalation.household_id else None
        resident = store.residents.get(escalation.openid)
        address = household.address if household else ""
    return render(request, "case.html", case=escalation, messages=messages, deliveries=deliveries, address=address,
                  resident=resident, idempotency_key=uuid.uuid4().hex,
                  held=any(row.status == "held" for row in deliveries))


@pages.post("/inbox/{case_id}/reply", roles=INBOX_ROLES)
def reply(request: Request, viewer: ViewerDep, case_id: int, text: Annotated[str, Form()] = "",
          idempotency_key: Annotated[str, Form(pattern=r"^[0-9a-f]{32}$")] = "") -> Response:
    """The staff API's answer (``POST /api/escalations/{id}/reply``): queued once per form shown."""
    try:
        body = StaffReplyIn(text=text)
    except ValidationError:
        return redirect(f"/inbox/{case_id}", error="text")
    runtime = runtime_of(request)

    def answer(store: Store) -> None:
        _case(store, viewer, case_id)
        sent = api_reply(case_id, body, store, now(), runtime, f"console-{idempotency_key or uuid.uuid4().hex}")
        detail = f"outbox {sent.outbox_id}"
        if not any(entry.detail == detail for entry in store[AuditRepository].of("escalation", case_id)):
            audit(store, request, "case_reply", "escalation", case_id, detail=detail)  # not again for a resent form

    _, refused = attempt(request, answer)
    if refused is not None:
        return redirect(f"/inbox/{case_id}", error="closed" if refused.status_code == 409 else "refused")
    return redirect(f"/inbox/{case_id}", done="replied")


@pages.post("/inbox/{case_id}/close", roles=INBOX_ROLES)
def close(request: Request, viewer: ViewerDep, case_id: int) -> Response:
    """The staff API's close (``POST /api/escalations/{id}/close``): the resident is told once."""
    runtime = runtime_of(request)

    def close_it(store: Store) -> None:
        was_open = _case(store, viewer, case_id).status != "closed"
        api_close(case_id, store, now(), runtime)
        if was_open:
            audit(store, request, "case_close", "escalation", case_id)

    attempt(request, close_it)
    return redirect(f"/inbox/{case_id}", done="closed")


@pages.post("/outbox/{message_id}/retry", roles=INBOX_ROLES)
def retry(request: Request, viewer: ViewerDep, message_id: int) -> Response:
    """Send a dead letter again, with a fresh set of attempts."""
    with work(request) as store:
        message = store.outbox.get(message_id)
        if message is None:
            raise ConsoleError(404, "not_found")
        if store.outbox.retry(message, now()):
            audit(store, request, "outbox_retry", "outbox", message_id, detail=message.purpose)
    return redirect("/inbox", done="retried")
