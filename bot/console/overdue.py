"""Which repair tickets are overdue: still waiting to be accepted (待受理) longer than the
repair flow's ``accept_within_hours`` — the same limit after which its job escalates them."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.runtime import Runtime
from store.repairs import RepairTicket


def accept_within(runtime: Runtime) -> timedelta:
    from actions.repair import RepairSettings

    section = runtime.sections.get("repair")
    hours = section.accept_within_hours if isinstance(section, RepairSettings) else RepairSettings().accept_within_hours
    return timedelta(hours=hours)


def is_overdue(ticket: RepairTicket, now: datetime, limit: timedelta) -> bool:
    return ticket.status == "pending" and ticket.created_at < now - limit
