"""The community's records, as SQLAlchemy 2 declarative models.

The schema is created and changed only by Alembic migrations (``store/migrations``);
these classes describe it for queries. Invariants that matter (one binding per openid,
one ticket per source message, one outbox row per delivery key) are database
constraints, not conventions.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.clock import UtcDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Household(Base):
    """A flat on the staff-imported roster: building, optional unit, room."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("building", "unit", "room", name="uq_household_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16), default="")
    room: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    members: Mapped[list[Member]] = relationship(
        back_populates="household", order_by="Member.id", cascade="all, delete-orphan"
    )

    @property
    def address(self) -> str:
        """How residents write it: 3-502, or 5-1-301 when there is a unit."""
        return "-".join(part for part in (self.building, self.unit, self.room) if part)


class Member(Base):
    """A person living in a household, as on the roster."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32), default="")
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    bind_code: Mapped[str | None] = mapped_column(String(16), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    household: Mapped[Household] = relationship(back_populates="members")


class Resident(Base):
    """A WeChat follower (openid), bound to a household once they proved who they are."""

    __tablename__ = "residents"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True, default=None
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    scene: Mapped[str | None] = mapped_column(String(64), default=None)
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    bind_failures: Mapped[int] = mapped_column(Integer, default=0)
    bind_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The customer-service window: WeChat lets us message a resident for 48 hours after
    # their last message, and only a few times in that window.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    window_sends: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    household: Mapped[Household | None] = relationship()
    member: Mapped[Member | None] = relationship()


class Conversation(Base):
    """Where one resident is in the dialogue: the active form, its slots, the offered choices."""

    __tablename__ = "conversations"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str | None] = mapped_column(String(64), default=None)
    slots: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_slot: Mapped[str | None] = mapped_column(String(64), default=None)
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    pending_intent: Mapped[str | None] = mapped_column(String(64), default=None)
    form_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class MessageLog(Base):
    """Every message in and out, for staff and for audits."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_openid_created", "openid", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str | None] = mapped_column(String(64), default=None)
    msg_key: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ProcessedMessage(Base):
    """A message already taken: its dedup key, where it got to, and the reply it got.

    status: ``processing`` (a worker owns it), ``done`` (reply stored), ``deferred`` (the
    webhook answered ``success`` and the reply goes out through the outbox).
    """

    __tablename__ = "processed_messages"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class OutboxMessage(Base):
    """A message to deliver through the customer-service API; survives restarts.

    status: ``pending`` → ``sending`` (leased to a worker) → ``sent``; ``held`` when WeChat's
    48-hour window or quota forbids it and there is no template message to send instead (it
    goes out when the resident next writes); ``failed`` after the last attempt (the dead
    letters staff see); ``dropped`` when the resident unfollowed or asked to be forgotten.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_openid_status", "openid", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(32))  # reply | staff_notice | staff_reply | push
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Outside the 48-hour window this template message goes instead, when one is configured:
    #: ``{"template": name, "data": {...}, "url": ...}``.
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    dedup_key: Mapped[str | None] = mapped_column(String(160), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Escalation(Base):
    """A conversation handed to staff (转人工): why, what the resident said, where it stands."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | replied | closed
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
