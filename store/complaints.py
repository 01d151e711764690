"""Complaints and suggestions (投诉建议 / 批评建议), and the moderated versions residents read.

A complaint is kept in the resident's own words with their household (``open``); staff may
publish a moderated text of it for every resident to read (``published``: ``published_text``
is what residents see, never who wrote it), or close it (``closed``). One row per source
message, so a retried message records one complaint.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, bindparam, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared
from store.repositories._sql import insert_ignoring_conflicts, rowcount

STATUSES = ("open", "published", "closed")
FORGOTTEN = "forgotten"


class Complaint(Base):
    """A resident's complaint or suggestion, and its published version."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), default=None)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    published_text: Mapped[str | None] = mapped_column(Text, default=None)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="SET NULL"), default=None)
    source_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# A complaint is read back by its message key on the driver (see ByKey).
_LOADER = ByKey(Complaint)
_BY_SOURCE = Prepared(_LOADER.select().where(Complaint.source_key == bindparam("source_key")))


class ComplaintRepository(Repository):
    def record(self, openid: str, text: str, source_key: str, now: datetime, *,
               household_id: int | None = None, escalation_id: int | None = None) -> tuple[Complaint, bool]:
        """Keep the complaint once per ``source_key``; returns (complaint, created)."""
        created = insert_ignoring_conflicts(self.session, Complaint.__table__, {  # type: ignore[arg-type]
            "openid": openid, "household_id": household_id, "text": text, "status": "open",
            "escalation_id": escalation_id, "source_key": source_key, "created_at": now, "updated_at": now,
        })
        (row,) = _LOADER.all(self.session, _BY_SOURCE, {"source_key": source_key})
        return row, created

    def get(self, complaint_id: int) -> Complaint | None:
        return self.session.get(Complaint, complaint_id)

    def published(self, limit: int | None = None) -> list[Complaint]:
        """What residents may read, newest first."""
        query = (select(Complaint).where(Complaint.status == "published")
                 .order_by(Complaint.published_at.desc(), Complaint.id.desc()))
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def publish(self, complaint: Complaint, text: str, now: datetime) -> None:
        """Let residents read ``text`` (staff's moderated words, or the original)."""
        complaint.published_text = text
        complaint.status = "published"
        complaint.published_at = now
        complaint.updated_at = now

    def close(self, complaint: Complaint, now: datetime) -> None:
        """Dealt with, and not (or no longer) for residents to read."""
        complaint.status = "closed"
        complaint.updated_at = now

    def forget(self, openid: str) -> int:
        """The resident asked to be forgotten: the community keeps what was said, not who said it."""
        result = self.session.execute(
            update(Complaint).where(Complaint.openid == openid)
            .values(openid=FORGOTTEN, household_id=None).execution_options(synchronize_session=False))
        return rowcount(result)


    def latest_by(self, openid: str, limit: int) -> list[Complaint]:
        """The resident's own complaints, newest first."""
        query = select(Complaint).where(Complaint.openid == openid).order_by(Complaint.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def count_by(self, openid: str) -> int:
        """How many complaints the resident made (for 我的信息)."""
        return self.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.openid == openid)) or 0

    def list(self, status: str | None = None) -> list[Complaint]:
        """Complaints oldest first, optionally of one status."""
        query = select(Complaint).order_by(Complaint.id)
        if status is not None:
            query = query.where(Complaint.status == status)
        return list(self.session.scalars(query))
