"""Repair tickets (物业报修) and their lifecycle.

待受理 ``pending`` → 已派单 ``assigned`` → 处理中 ``in_progress`` → 已完成 ``done``, or 已取消
``cancelled``; a done ticket may carry the resident's ``rating`` (1–5). An urgent ticket
records which ``emergency`` it is (gas, fire, flooding, trapped), so that a second alarm of
the same kind adds to it and another kind gets a ticket of its own.

Staff move a ticket along :data:`TRANSITIONS` (a done or cancelled ticket stays so: a new
fault is a new ticket). The repository keeps the once-only facts with the database's help:
a ticket is rated once (``UPDATE … WHERE rating IS NULL``) and escalated for waiting too
long once (``escalated_at``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared
from store.repositories._sql import rowcount

STATUSES = ("pending", "assigned", "in_progress", "done", "cancelled")
OPEN_STATUSES = ("pending", "assigned", "in_progress")
#: Where staff may move a ticket from each status (staying where it is is always allowed).
#: Back one step is allowed while work has not finished (a worker handed back, reassigned);
#: a done or cancelled ticket is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("assigned", "in_progress", "done", "cancelled"),
    "assigned": ("pending", "in_progress", "done", "cancelled"),
    "in_progress": ("assigned", "done", "cancelled"),
    "done": (),
    "cancelled": (),
}
#: What a ticket's ``openid`` becomes when its reporter asks to be forgotten.


class TransitionRefused(ValueError):
    """A status change that makes no sense for the ticket (done → pending)."""

    def __init__(self, ticket: RepairTicket, status: str) -> None:
        allowed = TRANSITIONS.get(ticket.status, ())
        where = f"it can go to {', '.join(allowed)}" if allowed else "it is final"
        super().__init__(f"ticket {ticket.id} is {ticket.status}; it cannot go to {status} ({where})")
        self.current = ticket.status
        self.wanted = status


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
    #: When the resident was asked to rate the finished repair, and when they did.
    rating_asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: When staff were told the ticket waited too long to be accepted (once).
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    source_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """What a resident is told about one of their tickets (报修进度), read without the ORM."""

    id: int
    category: str
    location: str
    status: str
    urgent: bool
    assigned_to: str | None
    created_at: datetime


_SUMMARY = (RepairTicket.id, RepairTicket.category, RepairTicket.location, RepairTicket.status,
            RepairTicket.urgent, RepairTicket.assigned_to, RepairTicket.created_at)
_NEWEST = RepairTicket.id.desc()
_SUMMARIES_OF_RESIDENT = Prepared(
    select(*_SUMMARY).where(RepairTicket.openid == bindparam("openid")).order_by(_NEWEST).limit(bindparam("n")))
_SUMMARIES_OF_HOUSEHOLD = Prepared(
    select(*_SUMMARY).where((RepairTicket.openid == bindparam("openid"))
                            | (RepairTicket.household_id == bindparam("household")))
    .order_by(_NEWEST).limit(bindparam("n")))


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


# A repair report is written on the driver (see ByKey): the ORM's flush of one new row costs more.
_LOADER = ByKey(RepairTicket)
_BY_SOURCE = Prepared(_LOADER.select().where(RepairTicket.source_key == bindparam("source_key")))


class RepairRepository(Repository):
    def open_ticket(self, ticket: NewTicket, source_key: str, now: datetime) -> tuple[RepairTicket, bool]:
        """Create the ticket for ``source_key`` once; returns (ticket, created)."""
        existing = _LOADER.first(self.session, _BY_SOURCE, {"source_key": source_key})
        if existing is not None:
            return existing, False
        return _LOADER.add(self.session, {
            "openid": ticket.openid, "household_id": ticket.household_id, "category": ticket.category,
            "location": ticket.location, "description": ticket.description, "phone": ticket.phone,
            "photo_url": ticket.photo_url, "photo_media_id": ticket.photo_media_id, "urgent": ticket.urgent,
            "emergency": ticket.emergency, "status": "pending", "source_key": source_key, "created_at": now,
            "updated_at": now,
        }), True

    def get(self, ticket_id: int) -> RepairTicket | None:
        return self.session.get(RepairTicket, ticket_id)

    def for_resident(self, openid: str, household_id: int | None, limit: int = 5) -> list[RepairTicket]:
        """The newest tickets the resident reported, or their household reported."""
        condition = RepairTicket.openid == openid
        if household_id is not None:
            condition = condition | (RepairTicket.household_id == household_id)
        query = select(RepairTicket).where(condition).order_by(RepairTicket.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def summaries_for_resident(self, openid: str, household_id: int | None, limit: int) -> list[TicketSummary]:
        """As :meth:`for_resident`, only what the resident is told of each (asked often, so
        read straight off the rows)."""
        self.session.flush()  # as a query would: a ticket of this unit of work is counted
        connection = self.session.connection()
        if household_id is None:
            rows = _SUMMARIES_OF_RESIDENT.rows(connection, {"openid": openid, "n": limit})
        else:
            rows = _SUMMARIES_OF_HOUSEHOLD.rows(connection, {"openid": openid, "household": household_id, "n": limit})
        return [TicketSummary(*row) for row in rows]

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

    # --- the lifecycle ---------------------------------------------------------------------
    def set_status(self, ticket: RepairTicket, status: str, now: datetime) -> bool:
        """Move the ticket to ``status``; True when it changed. Raises TransitionRefused for a
        move :data:`TRANSITIONS` does not allow."""
        if status not in STATUSES:
            raise ValueError(f"unknown repair status {status!r}")
        if status == ticket.status:
            return False
        if status not in TRANSITIONS[ticket.status]:
            raise TransitionRefused(ticket, status)
        ticket.status = status
        ticket.updated_at = now
        return True

    def assign(self, ticket: RepairTicket, who: str | None, now: datetime) -> bool:
        """Record who is sent (None: nobody yet); True when it changed."""
        if ticket.assigned_to == who:
            return False
        ticket.assigned_to = who
        ticket.updated_at = now
        return True

    def overdue(self, cutoff: datetime) -> list[RepairTicket]:
        """Non-urgent tickets still waiting to be accepted since before ``cutoff`` that staff
        were not yet told about (urgent ones reach staff the moment they are reported)."""
        query = (select(RepairTicket)
                 .where(RepairTicket.status == "pending", RepairTicket.urgent.is_(False),
                        RepairTicket.escalated_at.is_(None), RepairTicket.created_at < cutoff)
                 .order_by(RepairTicket.id))
        return list(self.session.scalars(query))

    def mark_escalated(self, ticket: RepairTicket, now: datetime) -> bool:
        """Record that staff were told the ticket waits too long; False when another worker
        did it first (so it is told once)."""
        result = self.session.execute(
            update(RepairTicket).where(RepairTicket.id == ticket.id, RepairTicket.escalated_at.is_(None))
            .values(escalated_at=now).execution_options(synchronize_session=False))
        self.session.refresh(ticket)
        return rowcount(result) == 1

    # --- the resident's rating -------------------------------------------------------------
    def ask_rating(self, ticket: RepairTicket, now: datetime) -> None:
        ticket.rating_asked_at = now

    def awaiting_rating(self, openid: str, since: datetime) -> RepairTicket | None:
        """The resident's newest finished ticket they were asked to rate since ``since`` and
        have not rated."""
        query = (select(RepairTicket)
                 .where(RepairTicket.openid == openid, RepairTicket.status == "done",
                        RepairTicket.rating.is_(None), RepairTicket.rating_asked_at >= since)
                 .order_by(RepairTicket.rating_asked_at.desc(), RepairTicket.id.desc()))
        return self.session.scalars(query).first()

    def rate(self, ticket: RepairTicket, score: int, comment: str | None, now: datetime) -> bool:
        """Store the resident's rating once; False when the ticket was already rated."""
        if not 1 <= score <= 5:
            raise ValueError(f"a rating is 1 to 5, not {score}")
        result = self.session.execute(
            update(RepairTicket).where(RepairTicket.id == ticket.id, RepairTicket.rating.is_(None))
            .values(rating=score, rating_comment=comment, rated_at=now)
            .execution_options(synchronize_session=False))
        self.session.refresh(ticket)
        return rowcount(result) == 1

    def add_comment(self, ticket: RepairTicket, comment: str) -> None:
        """Words the resident adds to their rating after giving it."""
        ticket.rating_comment = f"{ticket.rating_comment}；{comment}" if ticket.rating_comment else comment

    def list(self, status: str | None = None, household_id: int | None = None,
             urgent: bool | None = None) -> list[RepairTicket]:
        """Tickets oldest first, optionally only those of a status, a household, an urgency."""
        query = select(RepairTicket).order_by(RepairTicket.id)
        if status is not None:
            query = query.where(RepairTicket.status == status)
        if household_id is not None:
            query = query.where(RepairTicket.household_id == household_id)
        if urgent is not None:
            query = query.where(RepairTicket.urgent.is_(urgent))
        return list(self.session.scalars(query))
