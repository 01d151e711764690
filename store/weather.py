"""Who asked for the weather every morning (每天早上提醒我天气), and on which day they last got it.

One row per resident: asking twice keeps one subscription, and ``last_sent_on`` makes the
morning job send at most once per resident per day, however often it runs.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._sql import insert_ignoring_conflicts, rowcount


class WeatherSubscription(Base):
    """A resident who wants the day's weather pushed to them in the morning."""

    __tablename__ = "weather_subscriptions"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: The local day the morning weather was last queued for this resident.
    last_sent_on: Mapped[date | None] = mapped_column(Date(), default=None)


class WeatherRepository(Repository):
    def subscribe(self, openid: str, now: datetime) -> bool:
        """Start the morning weather for ``openid``; False when it was already on."""
        values = {"openid": openid, "created_at": now, "last_sent_on": None}
        return insert_ignoring_conflicts(self.session, WeatherSubscription.__table__, values)  # type: ignore[arg-type]

    def unsubscribe(self, openid: str) -> bool:
        """Stop it; False when there was nothing to stop."""
        result = self.session.execute(delete(WeatherSubscription).where(WeatherSubscription.openid == openid))
        return rowcount(result) > 0

    def is_subscribed(self, openid: str) -> bool:
        return self.session.get(WeatherSubscription, openid) is not None

    def due(self, day: date) -> list[str]:
        """Subscribers who have not had ``day``'s weather yet, oldest subscription first."""
        query = (select(WeatherSubscription.openid)
                 .where(or_(WeatherSubscription.last_sent_on.is_(None), WeatherSubscription.last_sent_on < day))
                 .order_by(WeatherSubscription.created_at, WeatherSubscription.openid))
        return list(self.session.scalars(query))

    def mark_sent(self, openid: str, day: date) -> bool:
        """Record that ``day``'s weather went to ``openid``; False when it already had (a second
        run of the job, or another worker, got there first)."""
        result = self.session.execute(
            update(WeatherSubscription)
            .where(WeatherSubscription.openid == openid,
                   or_(WeatherSubscription.last_sent_on.is_(None), WeatherSubscription.last_sent_on < day))
            .values(last_sent_on=day))
        return rowcount(result) > 0

    def count(self) -> int:
        return len(list(self.session.scalars(select(WeatherSubscription.openid))))
