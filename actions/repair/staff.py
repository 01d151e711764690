"""`/api/repairs`: staff list tickets and move them along; the reporter hears of each step.

``PATCH /api/repairs/{id}`` ``{"status"?, "assigned_to"?}`` moves a ticket along
:data:`store.repairs.TRANSITIONS` (409 for a move that makes no sense, such as done →
pending). Naming a worker for a pending ticket assigns it; handing a ticket back to pending
clears who was sent. Each change that matters to the reporter is pushed to them
(:mod:`bot.notify`, once per change): who is coming (已派单), work started (处理中), finished
(已完成 — with the 1–5 rating question), cancelled by staff.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BeforeValidator, Field

from actions.rate_service import ask_after_repair
from actions.repair import flow
from bot.api.deps import NowDep, RuntimeDep, StoreDep, not_found
from bot.api.errors import conflict, invalid
from bot.api.schemas import ApiModel, ErrorBody, Timestamp, blank_is_none
from bot.dialogue import Reply
from bot.jobs import JobContext
from bot.notify import Template, push
from bot.runtime import Runtime
from store import Store
from store.repairs import RepairRepository, RepairTicket, TransitionRefused

RepairStatus = Literal["pending", "assigned", "in_progress", "done", "cancelled"]
StatusFilter = Annotated[RepairStatus | None, BeforeValidator(blank_is_none), Query()]
#: Statuses that end a ticket's life: who did the work may still be recorded, nothing else.
FINAL = ("done", "cancelled")


class RepairOut(ApiModel):
    id: int
    openid: str
    household_id: int | None
    category: str
    location: str
    description: str
    status: RepairStatus
    urgent: bool
    created_at: Timestamp
    rating: int | None = Field(description="the reporter's score once the repair is done: 1–5, or null")
    assigned_to: str | None
    phone: str = Field(description="the phone the reporter left (empty when they chose WeChat)")
    photo_url: str | None = Field(description="the photo the reporter sent, if any")
    rating_comment: str | None
    updated_at: Timestamp


class RepairPatch(ApiModel):
    status: RepairStatus | None = None
    assigned_to: str | None = Field(None, max_length=64, description="who is sent; null to clear")


@flow.api.get("/repairs", tags=["repairs"])
def list_repairs(store: StoreDep, status: StatusFilter = None, household_id: int | None = None,
                 urgent: bool | None = None) -> list[RepairOut]:
    """Tickets oldest first; filter by ``status``, ``household_id``, ``urgent``."""
    tickets = store[RepairRepository].list(status=status, household_id=household_id, urgent=urgent)
    return [_out(ticket) for ticket in tickets]


@flow.api.get("/repairs/{ticket_id}", tags=["repairs"], responses={404: {"model": ErrorBody}})
def get_repair(ticket_id: int, store: StoreDep) -> RepairOut:
    return _out(_get(store, ticket_id))


_REFUSED = {"model": ErrorBody, "description": "a move that makes no sense (done → pending)"}


@flow.api.patch("/repairs/{ticket_id}", tags=["repairs"], responses={404: {"model": ErrorBody}, 409: _REFUSED})
def change_repair(ticket_id: int, body: RepairPatch, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> RepairOut:
    """Change a ticket's status and/or who is sent, and tell the reporter what changed."""
    given = body.model_fields_set
    if not given & {"status", "assigned_to"} or (body.status is None and "assigned_to" not in given):
        invalid("status", "give a status (pending, assigned, in_progress, done, cancelled) or assigned_to")
    repairs = store[RepairRepository]
    ticket = _get(store, ticket_id)
    before = (ticket.status, ticket.assigned_to)
    worker = (body.assigned_to or None) if "assigned_to" in given else ticket.assigned_to
    status = body.status
    if status is None and worker and ticket.status == "pending":
        status = "assigned"  # naming who goes is assigning the ticket
    if status == "pending":
        if "assigned_to" in given and worker:
            invalid("assigned_to", "a pending ticket has nobody assigned: send status assigned with the worker")
        worker = None  # handed back: nobody is coming yet
    if before[0] in FINAL and worker != ticket.assigned_to and status in (None, before[0]):
        conflict("assigned_to", f"ticket {ticket.id} is {ticket.status}; it can no longer be reassigned")
    if status is not None:
        try:
            repairs.set_status(ticket, status, now)
        except TransitionRefused as refused:
            conflict("status", str(refused))
    repairs.assign(ticket, worker, now)
    tell_reporter(store, ticket, before, now, runtime)
    return _out(ticket)


def tell_reporter(store: Store, ticket: RepairTicket, before: tuple[str, str | None], now: datetime,
                  runtime: Runtime) -> bool:
    """Push the change that matters to the reporter, once per change; False when there was
    nothing to tell (or nobody to tell: they unfollowed, or reported through staff)."""
    words = JobContext(runtime, now)
    status, worker = ticket.status, ticket.assigned_to
    label = _category(ticket, words)
    who = worker or words.say("repair.worker")
    if status == "assigned" and (before[0] != "assigned" or worker != before[1]):
        reply_key, key = "repair.push_assigned", f"repair:{ticket.id}:assigned:{worker or ''}"
    elif status in ("in_progress", "cancelled") and before[0] != status:
        reply_key, key = f"repair.push_{status}", f"repair:{ticket.id}:{status}"
    elif status == "done" and before[0] != "done":
        reply_key, key = "repair.push_done", f"repair:{ticket.id}:done"
    else:
        return False
    text = words.say(reply_key, ticket=ticket.id, category=label, location=ticket.location, who=who)
    template = Template("repair_status", {
        "first": text, "keyword1": str(ticket.id), "keyword2": words.say(f"repair.statuses.{status}"),
        "remark": words.say("repair.push_remark")})
    reply = Reply.text(text, footer=True)
    if status == "done" and runtime.registry.get("rate_service") is not None and store.residents.get(ticket.openid):
        timeout = timedelta(minutes=runtime.settings.config.dialogue.form_timeout_minutes)
        reply = Reply.text(text).followed_by(ask_after_repair(store, ticket, words.say, now, timeout))
    return push(store, ticket.openid, reply, now, key=key, template=template)


def _get(store: Store, ticket_id: int) -> RepairTicket:
    ticket = store[RepairRepository].get(ticket_id)
    if ticket is None:
        not_found("repair", ticket_id)
    return ticket


def _category(ticket: RepairTicket, words: JobContext) -> str:
    key = f"repair.categories.{ticket.category}"
    return words.say(key) if words.runtime.responses.has(key) else ticket.category


def _out(ticket: RepairTicket) -> RepairOut:
    return RepairOut(
        id=ticket.id, openid=ticket.openid, household_id=ticket.household_id, category=ticket.category,
        location=ticket.location, description=ticket.description, status=ticket.status,
        urgent=ticket.urgent, created_at=ticket.created_at, rating=ticket.rating, assigned_to=ticket.assigned_to,
        phone=ticket.phone, photo_url=ticket.photo_url, rating_comment=ticket.rating_comment,
        updated_at=ticket.updated_at)

