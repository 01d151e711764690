"""Repair tickets and their lifecycle."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import RepairTicket

#: The lifecycle: pending (待受理) → assigned (已派单) → in_progress (处理中) → completed (已完成)
#: → rated (已评价); or cancelled (已取消) before completion.
STATUSES = ("pending", "assigned", "in_progress", "completed", "rated", "cancelled")
OPEN_STATUSES = ("pending", "assigned", "in_progress")


@dataclass(frozen=True, slots=True)
class NewTicket:
    openid: str
    category: str
    location: str
    description: str
    phone: str = ""
    household_id: int | None = None
    urgent: bool = False
    photo_url: str | None = None
    photo_media_id: str | None = None


class RepairRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_ticket(self, ticket: NewTicket, source_key: str, now: datetime) -> tuple[RepairTicket, bool]:
        """Create the ticket for ``source_key`` once; returns (ticket, created)."""
        existing = self.session.scalars(
            select(RepairTicket).where(RepairTicket.source_key == source_key)).first()
        if existing is not None:
            return existing, False
        row = RepairTicket(
            openid=ticket.openid, household_id=ticket.household_id, category=ticket.category,
            location=ticket.location, description=ticket.description, phone=ticket.phone,
            photo_url=ticket.photo_url, photo_media_id=ticket.photo_media_id, urgent=ticket.urgent,
            status="pending", source_key=source_key, created_at=now, updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row, True

    def get(self, ticket_id: int) -> RepairTicket | None:
        return self.session.get(RepairTicket, ticket_id)

    def for_resident(self, openid: str, household_id: int | None, limit: int = 5) -> list[RepairTicket]:
        """The newest tickets the resident reported, or their household reported."""
        condition = RepairTicket.openid == openid
        if household_id is not None:
            condition = condition | (RepairTicket.household_id == household_id)
        query = select(RepairTicket).where(condition).order_by(RepairTicket.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def recent_urgent(self, openid: str, since: datetime) -> RepairTicket | None:
        """The resident's urgent ticket opened since ``since`` and not yet dealt with, if any."""
        query = (select(RepairTicket)
                 .where(RepairTicket.openid == openid, RepairTicket.urgent.is_(True),
                        RepairTicket.created_at >= since, RepairTicket.status.in_(OPEN_STATUSES))
                 .order_by(RepairTicket.id.desc()))
        return self.session.scalars(query).first()

    def list(self) -> list[RepairTicket]:
        return list(self.session.scalars(select(RepairTicket).order_by(RepairTicket.id)))

    def set_status(self, ticket: RepairTicket, status: str, now: datetime) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown repair status {status!r}")
        ticket.status = status
        ticket.updated_at = now
