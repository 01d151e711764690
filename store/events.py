"""Community events (社区活动, 讲座, 团购报名, 党员活动), their sign-ups and check-ins.

A household signs up once per event (a unique constraint): asking again changes the count of
the one row, or changes nothing. Places are counted on the event row itself (``confirmed``),
so that capacity is a fact the database keeps:

- every sign-up, change and cancellation first locks the event row (``SELECT … FOR UPDATE``
  on PostgreSQL; SQLite lets one writer in at a time), so they take turns in arrival order;
- places are taken with a conditional ``UPDATE … WHERE confirmed + n <= capacity``, which
  cannot race, and a CHECK constraint backs it up;
- a group that does not fit the places left waits, in arrival order (``position``); freed
  places go to the waiting households in that order, skipping a group still too big for them.

Sign-up status: ``confirmed`` → ``cancelled``, or ``waitlist`` → ``confirmed`` / ``cancelled``.
An event is ``active`` or ``cancelled``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared
from store.repositories._sql import insert_ignoring_conflicts, locks_rows

SIGNUP_STATUSES = ("confirmed", "waitlist", "cancelled")
ACTIVE_SIGNUPS = ("confirmed", "waitlist")


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="ck_events_capacity_positive"),
        CheckConstraint("confirmed >= 0 AND confirmed <= capacity", name="ck_events_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    #: Places taken by confirmed sign-ups (people, not households).
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    #: Sign-ups close then; without one, when the event starts.
    signup_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    party_only: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def closes_at(self) -> datetime:
        return self.signup_deadline or self.starts_at

    def open_at(self, now: datetime) -> bool:
        """Whether sign-ups are still taken."""
        return self.status == "active" and now < self.closes_at


class EventSignup(Base):
    """One household's sign-up for one event: how many people, where it stands."""

    __tablename__ = "event_signups"
    __table_args__ = (
        UniqueConstraint("event_id", "household_id", name="uq_event_signup_household"),
        CheckConstraint("count >= 1", name="ck_event_signups_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    #: Who signed up (None once they asked to be forgotten; the sign-up stays for the count).
    openid: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    #: Arrival number on the waiting list (the smaller, the sooner); None once confirmed first time.
    position: Mapped[int | None] = mapped_column(Integer, default=None)
    #: The message (or request) that last changed it: a retry of it changes nothing.
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class EventCheckin(Base):
    """A household came (recorded by staff), once per event, with the points it was given."""

    __tablename__ = "event_checkins"
    __table_args__ = (UniqueConstraint("event_id", "household_id", name="uq_event_checkin_household"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    checked_in_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


@dataclass(frozen=True, slots=True)
class NewEvent:
    title: str
    starts_at: datetime
    capacity: int
    description: str = ""
    place: str = ""
    signup_deadline: datetime | None = None
    party_only: bool = False


@dataclass(frozen=True, slots=True)
class SignupResult:
    """What asking to sign up did.

    ``outcome``: ``confirmed`` / ``waitlist`` (a new sign-up), ``changed`` (the count of the
    household's sign-up), ``unchanged`` (signed up already with that count, or a retry),
    ``change_refused`` (more people than the places left; the sign-up stays as it was),
    ``too_many`` (more people than the event has places), ``closed`` (past the deadline),
    ``gone`` (no such event, or cancelled).
    """

    outcome: str
    signup: EventSignup | None = None
    event: Event | None = None
    #: Households promoted from the waiting list by this change (a smaller count frees places).
    promoted: list[EventSignup] = field(default_factory=list)


# The events list is read on every such question: rows on the driver (see ByKey).
_LOADER = ByKey(Event)
_UPCOMING = Prepared(_LOADER.select()
                     .where(Event.status == "active", Event.starts_at > bindparam("now"))
                     .order_by(Event.starts_at, Event.id))


class EventRepository(Repository):
    # --- events ------------------------------------------------------------------------------
    def create(self, new: NewEvent, now: datetime) -> Event:
        event = Event(title=new.title, description=new.description, place=new.place, starts_at=new.starts_at,
                      capacity=new.capacity, confirmed=0, signup_deadline=new.signup_deadline,
                      party_only=new.party_only, status="active", created_at=now)
        self.session.add(event)
        self.session.flush()
        return event

    def get(self, event_id: int) -> Event | None:
        return self.session.get(Event, event_id)

    def all(self) -> list[Event]:
        """Every event, soonest first (past and cancelled ones too)."""
        return list(self.session.scalars(select(Event).order_by(Event.starts_at, Event.id)))

    def upcoming(self, now: datetime, limit: int | None = None) -> list[Event]:
        """Active events that have not started, soonest first."""
        found = _LOADER.all(self.session, _UPCOMING, {"now": now})
        return found if limit is None else found[:limit]

    def find_by_title(self, title: str) -> Event | None:
        return self.session.scalars(select(Event).where(Event.title == title).order_by(Event.id)).first()

    def _lock(self, event_id: int) -> Event | None:
        """The event, locked for this unit of work (sign-ups of one event take turns)."""
        query = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
        if locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def _take(self, event: Event, people: int) -> bool:
        """Take ``people`` places if they are free — a check the database makes in the update."""
        taken = self.session.execute(
            update(Event).where(Event.id == event.id, Event.confirmed + people <= Event.capacity)
            .values(confirmed=Event.confirmed + people).returning(Event.confirmed)
            .execution_options(synchronize_session=False)).scalar()
        if taken is None:
            return False
        set_committed_value(event, "confirmed", int(taken))  # what the database holds now
        return True

    def _release(self, event: Event, people: int) -> None:
        freed = self.session.execute(
            update(Event).where(Event.id == event.id).values(confirmed=Event.confirmed - people)
            .returning(Event.confirmed).execution_options(synchronize_session=False)).scalar_one()
        set_committed_value(event, "confirmed", int(freed))

    # --- sign-ups ----------------------------------------------------------------------------
    def signup(self, event_id: int, household_id: int, openid: str | None, count: int, *, key: str,
               now: datetime) -> SignupResult:
        """Sign a household up for ``count`` people, or change the count of its sign-up."""
        if count < 1:
            raise ValueError("a sign-up is for one person or more")
        event = self._lock(event_id)
        if event is None or event.status != "active":
            return SignupResult("gone", event=event)
        retried = self.session.scalars(select(EventSignup).where(EventSignup.source_key == key)).first()
        if retried is not None:
            return SignupResult("unchanged", retried, event)
        if not event.open_at(now):
            return SignupResult("closed", event=event)
        row = self.for_household(event.id, household_id)
        if row is not None and row.status in ACTIVE_SIGNUPS:
            return self._change(event, row, count, key, now)
        if count > event.capacity:
            return SignupResult("too_many", row, event)
        confirmed = self._take(event, count)
        status = "confirmed" if confirmed else "waitlist"
        position = None if confirmed else self._next_position(event.id)
        if row is None:
            row = EventSignup(event_id=event.id, household_id=household_id, openid=openid, count=count,
                              status=status, position=position, source_key=key, created_at=now, updated_at=now)
            self.session.add(row)
        else:  # signed up before and cancelled: the same row, back in the queue as a newcomer
            row.openid, row.count, row.status, row.position = openid, count, status, position
            row.source_key, row.created_at, row.updated_at, row.reminded_at = key, now, now, None
        self.session.flush()
        return SignupResult(status, row, event)

    def _change(self, event: Event, row: EventSignup, count: int, key: str, now: datetime) -> SignupResult:
        if row.count == count:
            return SignupResult("unchanged", row, event)
        if count > event.capacity:
            return SignupResult("too_many", row, event)
        if row.status == "confirmed" and count > row.count and not self._take(event, count - row.count):
            return SignupResult("change_refused", row, event)
        if row.status == "confirmed" and count < row.count:
            self._release(event, row.count - count)
        row.count, row.source_key, row.updated_at = count, key, now
        self.session.flush()
        promoted = self._promote(event, now)
        return SignupResult("changed", row, event, promoted)

    def _next_position(self, event_id: int) -> int:
        last = self.session.scalar(select(func.max(EventSignup.position)).where(EventSignup.event_id == event_id))
        return int(last or 0) + 1

    def _promote(self, event: Event, now: datetime) -> list[EventSignup]:
        """Freed places go to the waiting households in arrival order; a group too big for
        what is left keeps its place in the queue."""
        promoted = []
        for waiting in self.waiting(event.id):
            if event.places_left <= 0:
                break
            if waiting.count <= event.places_left and self._take(event, waiting.count):
                waiting.status, waiting.updated_at = "confirmed", now
                promoted.append(waiting)
        self.session.flush()
        return promoted

    def cancel(self, signup: EventSignup, now: datetime) -> list[EventSignup]:
        """Cancel a sign-up; returns the households promoted into the places it freed."""
        event = self._lock(signup.event_id)
        self.session.refresh(signup)
        if event is None or signup.status not in ACTIVE_SIGNUPS:
            return []
        freed = signup.status == "confirmed"
        signup.status, signup.updated_at = "cancelled", now
        if freed:
            self._release(event, signup.count)
        self.session.flush()
        return self._promote(event, now) if event.status == "active" else []

    def cancel_event(self, event_id: int, now: datetime) -> tuple[Event | None, list[EventSignup]]:
        """Call the event off; returns it and the sign-ups to tell (empty when it was off already)."""
        event = self._lock(event_id)
        if event is None or event.status == "cancelled":
            return event, []
        event.status, event.cancelled_at = "cancelled", now
        self.session.flush()
        return event, [s for s in self.signups(event.id) if s.status in ACTIVE_SIGNUPS]

    def for_household(self, event_id: int, household_id: int) -> EventSignup | None:
        return self.session.scalars(select(EventSignup).where(
            EventSignup.event_id == event_id, EventSignup.household_id == household_id)).first()

    def signups(self, event_id: int) -> list[EventSignup]:
        """Confirmed first, then the waiting list in its order, then the cancelled ones."""
        rows = list(self.session.scalars(select(EventSignup).where(EventSignup.event_id == event_id)
                                         .order_by(EventSignup.id)))
        rank = {status: index for index, status in enumerate(SIGNUP_STATUSES)}
        return sorted(rows, key=lambda s: (rank.get(s.status, 9), (s.position or 0) if s.status == "waitlist" else 0,
                                           s.id))

    def waiting(self, event_id: int) -> list[EventSignup]:
        return list(self.session.scalars(select(EventSignup).where(
            EventSignup.event_id == event_id, EventSignup.status == "waitlist")
            .order_by(EventSignup.position, EventSignup.id)))

    def place_in_queue(self, signup: EventSignup) -> int:
        """1 for the first waiting household."""
        ahead = self.session.scalar(select(func.count()).select_from(EventSignup).where(
            EventSignup.event_id == signup.event_id, EventSignup.status == "waitlist",
            EventSignup.position < (signup.position or 0)))
        return int(ahead or 0) + 1

    def active_for_household(self, household_id: int, now: datetime) -> list[tuple[EventSignup, Event]]:
        """The household's confirmed and waiting sign-ups for events still to come, soonest first."""
        query = (select(EventSignup, Event).join(Event, Event.id == EventSignup.event_id)
                 .where(EventSignup.household_id == household_id, EventSignup.status.in_(ACTIVE_SIGNUPS),
                        Event.status == "active", Event.starts_at > now)
                 .order_by(Event.starts_at, Event.id))
        return [(signup, event) for signup, event in self.session.execute(query).all()]

    def counts(self, event_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """Per event: (households confirmed, households waiting)."""
        if not event_ids:
            return {}
        query = (select(EventSignup.event_id, EventSignup.status, func.count())
                 .where(EventSignup.event_id.in_(event_ids), EventSignup.status.in_(ACTIVE_SIGNUPS))
                 .group_by(EventSignup.event_id, EventSignup.status))
        found: dict[int, list[int]] = {event_id: [0, 0] for event_id in event_ids}
        for event_id, status, number in self.session.execute(query).all():
            found[event_id][0 if status == "confirmed" else 1] = int(number)
        return {event_id: (pair[0], pair[1]) for event_id, pair in found.items()}

    # --- reminders ---------------------------------------------------------------------------
    def to_remind(self, starting_after: datetime, starting_before: datetime) -> list[tuple[EventSignup, Event]]:
        """Confirmed sign-ups not yet reminded, of active events starting in the window."""
        query = (select(EventSignup, Event).join(Event, Event.id == EventSignup.event_id)
                 .where(EventSignup.status == "confirmed", EventSignup.reminded_at.is_(None),
                        EventSignup.openid.is_not(None), Event.status == "active",
                        Event.starts_at >= starting_after, Event.starts_at < starting_before)
                 .order_by(Event.starts_at, EventSignup.id))
        return [(signup, event) for signup, event in self.session.execute(query).all()]

    # --- check-in ----------------------------------------------------------------------------
    def check_in(self, event_id: int, household_id: int, now: datetime) -> tuple[EventCheckin, bool]:
        """Record that the household came (once); returns the record and whether it is new."""
        created = insert_ignoring_conflicts(self.session, EventCheckin.__table__,  # type: ignore[arg-type]
                                            {"event_id": event_id, "household_id": household_id, "points": 0,
                                             "checked_in_at": now})
        found = self.session.scalars(select(EventCheckin).where(
            EventCheckin.event_id == event_id, EventCheckin.household_id == household_id)
            .execution_options(populate_existing=True)).one()
        return found, created

    def checkins(self, event_id: int) -> list[EventCheckin]:
        return list(self.session.scalars(select(EventCheckin).where(EventCheckin.event_id == event_id)
                                         .order_by(EventCheckin.id)))

    # --- privacy -----------------------------------------------------------------------------
    def of_openid(self, openid: str) -> list[tuple[EventSignup, Event]]:
        query = (select(EventSignup, Event).join(Event, Event.id == EventSignup.event_id)
                 .where(EventSignup.openid == openid).order_by(Event.starts_at))
        return [(signup, event) for signup, event in self.session.execute(query).all()]

    def forget(self, openid: str) -> int:
        """Sign-ups keep their household and count, without the person who made them."""
        result = self.session.execute(update(EventSignup).where(EventSignup.openid == openid).values(openid=None)
                                      .execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)
