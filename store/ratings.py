"""Ratings of the property service (打分点评): 1 to 5, with the resident's words if they add any.

A rating comes from a resident at any time (``source`` ``service``) or after a repair is
finished (``repair``, with its ticket — once per ticket). Each is keyed on where it came
from (the message, or the ticket), so a retried message never rates twice. Staff read the
average by month, months counted in the community's time zone.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._sql import insert_ignoring_conflicts, rowcount

SOURCES = ("service", "repair")
SCORES = (1, 2, 3, 4, 5)
FORGOTTEN = "forgotten"


class ServiceRating(Base):
    """One resident's score for the property service."""

    __tablename__ = "service_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="ck_service_ratings_score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), default=None)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[str] = mapped_column(String(16), default="service")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("repair_tickets.id", ondelete="SET NULL"), default=None)
    source_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


@dataclass(frozen=True, slots=True)
class NewRating:
    openid: str
    score: int
    household_id: int | None = None
    comment: str | None = None
    source: str = "service"
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class MonthSummary:
    """How a month was rated: ``month`` is ``YYYY-MM``; ``average`` is None without ratings."""

    month: str
    count: int
    average: float | None
    scores: dict[int, int] = field(default_factory=dict)


class RatingRepository(Repository):
    def record(self, rating: NewRating, source_key: str, now: datetime) -> tuple[ServiceRating, bool]:
        """Store the rating once per ``source_key``; returns (rating, created)."""
        if rating.score not in SCORES:
            raise ValueError(f"a rating is 1 to 5, not {rating.score}")
        if rating.source not in SOURCES:
            raise ValueError(f"unknown rating source {rating.source!r}")
        created = insert_ignoring_conflicts(self.session, ServiceRating.__table__, {  # type: ignore[arg-type]
            "openid": rating.openid, "household_id": rating.household_id, "score": rating.score,
            "comment": rating.comment, "source": rating.source, "ticket_id": rating.ticket_id,
            "source_key": source_key, "created_at": now,
        })
        row = self.session.scalars(select(ServiceRating).where(ServiceRating.source_key == source_key)).one()
        return row, created

    def get(self, rating_id: int) -> ServiceRating | None:
        return self.session.get(ServiceRating, rating_id)

    def for_ticket(self, ticket_id: int) -> ServiceRating | None:
        return self.session.scalars(select(ServiceRating).where(ServiceRating.ticket_id == ticket_id)).first()

    def latest_of(self, openid: str) -> ServiceRating | None:
        """The resident's most recent score."""
        query = (select(ServiceRating).where(ServiceRating.openid == openid)
                 .order_by(ServiceRating.created_at.desc(), ServiceRating.id.desc()))
        return self.session.scalars(query).first()

    def add_comment(self, rating: ServiceRating, comment: str) -> None:
        """Words the resident adds after giving the score."""
        rating.comment = f"{rating.comment}；{comment}" if rating.comment else comment

    def monthly(self, zone: ZoneInfo, source: str | None = None) -> list[MonthSummary]:
        """The count and average score of each month that has ratings, newest month first."""
        months: dict[str, Counter[int]] = {}
        for rating in self.list(source):
            month = rating.created_at.astimezone(zone).strftime("%Y-%m")
            months.setdefault(month, Counter())[rating.score] += 1
        return [summarise(month, scores) for month, scores in sorted(months.items(), reverse=True)]

    def forget(self, openid: str) -> int:
        """The resident asked to be forgotten: their scores still count, without them."""
        result = self.session.execute(
            update(ServiceRating).where(ServiceRating.openid == openid)
            .values(openid=FORGOTTEN, household_id=None).execution_options(synchronize_session=False))
        return rowcount(result)


    def count_by(self, openid: str) -> int:
        """How many scores the resident gave (for 我的信息)."""
        query = select(func.count()).select_from(ServiceRating).where(ServiceRating.openid == openid)
        return self.session.scalar(query) or 0

    def list(self, source: str | None = None) -> list[ServiceRating]:
        """Every rating, newest first (optionally of one source)."""
        query = select(ServiceRating).order_by(ServiceRating.created_at.desc(), ServiceRating.id.desc())
        if source is not None:
            query = query.where(ServiceRating.source == source)
        return list(self.session.scalars(query))


def summarise(month: str, scores: Counter[int]) -> MonthSummary:
    count = sum(scores.values())
    average = round(sum(score * n for score, n in scores.items()) / count, 2) if count else None
    return MonthSummary(month, count, average, {score: scores.get(score, 0) for score in SCORES})
