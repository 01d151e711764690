"""The repair board: tickets with filters (status, overdue), who is sent, status changes (the
staff API's ``PATCH /api/repairs/{id}``: the same transitions, and the reporter is told each
step), the reporter's photo, overdue tickets marked."""
from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actions.repair.staff import RepairPatch, change_repair
from bot.console.access import Pages, ViewerDep, allow, runtime_of
from bot.console.overdue import accept_within, is_overdue
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.repairs import STATUSES, TRANSITIONS, RepairRepository
from store.staff import StaffRepository

pages = Pages("repairs", flow="repair", order=30)
REPAIR_ROLES = allow("property")


@pages.get("/repairs", roles=REPAIR_ROLES, nav=True)
def board(request: Request, viewer: ViewerDep,
          status: Annotated[str, Query(pattern=f"^({'|'.join(STATUSES)}|open)?$")] = "",
          overdue: Annotated[str, Query(pattern="^(1)?$")] = "") -> Response:
    runtime, moment = runtime_of(request), now()
    limit = accept_within(runtime)
    with work(request) as store:
        tickets = store[RepairRepository].list(status=status if status in STATUSES else None)
        if status == "open":
            tickets = [ticket for ticket in tickets if ticket.status in ("pending", "assigned", "in_progress")]
        late = {ticket.id for ticket in tickets if is_overdue(ticket, moment, limit)}
        if overdue:
            tickets = [ticket for ticket in tickets if ticket.id in late]
        workers = sorted({member.name for member in store[StaffRepository].list()
                          if member.active and member.role in ("property", "admin")})
        households = {ticket.household_id: store.households.get(ticket.household_id)
                      for ticket in tickets if ticket.household_id}
    categories = {ticket.category: _category(runtime.responses, ticket.category) for ticket in tickets}
    return render(request, "repairs.html", tickets=list(reversed(tickets)), late=late, status=status,
                  overdue=overdue, workers=workers, transitions=TRANSITIONS, statuses=STATUSES,
                  categories=categories, households=households, hours=limit.total_seconds() / 3600)


@pages.post("/repairs/{ticket_id}", roles=REPAIR_ROLES)
def change(request: Request, viewer: ViewerDep, ticket_id: int, status: Annotated[str, Form()] = "",
           assigned_to: Annotated[str, Form(max_length=64)] = "", back: Annotated[str, Form()] = "") -> Response:
    """Assign and/or move a ticket with the staff API's own rules; the reporter hears of it."""
    fields: dict[str, object] = {}
    if status:
        fields["status"] = status
    if assigned_to.strip() and status != "pending":  # handed back: nobody is sent (the API's rule)
        fields["assigned_to"] = assigned_to.strip()
    try:
        patch = RepairPatch(**fields)
    except ValidationError:
        return _back(back, error="status")
    runtime = runtime_of(request)

    def apply(store: Store) -> None:
        ticket = change_repair(ticket_id, patch, store, now(), runtime)
        audit(store, request, "repair_update", "repair", ticket_id,
              detail=f"{ticket.status} {ticket.assigned_to or ''}".strip())

    _, refused = attempt(request, apply)
    if refused is not None:
        return _back(back, error="not_found" if refused.status_code == 404 else str(refused.body.get("field", "")))
    return _back(back, done="saved", ticket=ticket_id)


def _back(query: str, **values: object) -> Response:
    """Back to the board with the filters it had."""
    from urllib.parse import parse_qsl

    kept = {name: value for name, value in parse_qsl(query) if name in ("status", "overdue")}
    return redirect("/repairs", **kept, **values)


def _category(responses: object, code: str) -> str:
    from bot.dialogue.responses import Responses

    assert isinstance(responses, Responses)
    key = f"repair.categories.{code}"
    return responses.text(key) if responses.has(key) else code
