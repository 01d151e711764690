"""Repair tickets (物业报修) and their lifecycle.

待受理 ``pending`` → 已派单 ``assigned`` → 处理中 ``in_progress`` → 已完成 ``done``, or 已取消
``cancelled``; a done ticket may carry the resident's ``rating`` (1–5). An urgent ticket
records which ``emergency`` it is (gas, fire, flooding, trapped), so that a second alarm of
the same kind adds to it and another kind gets a ticket of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository

STATUSES = ("pending", "assigned", "in_progress", "done", "cancelled")
OPEN_STATUSES = ("pending", "assigned", "in_progress")


class RepairTicket(Base):
    """A repair report and where it stands."""

    __tablename__ = "repair_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True, default=None
    )
    category: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    photo_url: Mapped[str | None] = mapped_column(Text, default=None)
    photo_media_id: Mapped[str | None] = mapped_column(String(128), default=None)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency: Mapped[str | None] = mapped_column(String(16), default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    assigned_to: Mapped[str | None] = mapped_column(String(64), default=None)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    rating_comment: Mapped[str | None] = mapped_column(Text, default=None)
    source_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


@dataclass(frozen=True, slots=True)
class NewTicket:
    openid: str
    category: str
    location: str
    description: str
    phone: str = ""
    household_id: int | None = None
    urgent: bool = False
    emergency: str | None = None
    photo_url: str | None = None
    photo_media_id: str | None = None


class RepairRepository(Repository):
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
            emergency=ticket.emergency, status="pending", source_key=source_key, created_at=now, updated_at=now,
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

    def open_emergency(self, openid: str, emergency: str, since: datetime) -> RepairTicket | None:
        """The resident's open urgent ticket of this kind opened since ``since``, if any."""
        query = (select(RepairTicket)
                 .where(RepairTicket.openid == openid, RepairTicket.urgent.is_(True),
                        RepairTicket.emergency == emergency, RepairTicket.created_at >= since,
                        RepairTicket.status.in_(OPEN_STATUSES))
                 .order_by(RepairTicket.id.desc()))
        return self.session.scalars(query).first()

    def recent_urgent(self, openid: str, since: datetime) -> list[RepairTicket]:
        """The resident's open urgent tickets opened since ``since``, newest first."""
        query = (select(RepairTicket)
                 .where(RepairTicket.openid == openid, RepairTicket.urgent.is_(True),
                        RepairTicket.created_at >= since, RepairTicket.status.in_(OPEN_STATUSES))
                 .order_by(RepairTicket.id.desc()))
        return list(self.session.scalars(query))

    def list(self) -> list[RepairTicket]:
        return list(self.session.scalars(select(RepairTicket).order_by(RepairTicket.id)))

    def set_status(self, ticket: RepairTicket, status: str, now: datetime) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown repair status {status!r}")
        ticket.status = status
        ticket.updated_at = now
