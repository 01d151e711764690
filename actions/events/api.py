"""`/api/events`: staff create events, read them and their sign-ups, check households in (with
love-bank points, once) and call an event off (everyone signed up is told)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field

from actions.events import flow
from actions.events.words import EventWords
from bot.api.deps import NowDep, RuntimeDep, StoreDep, not_found
from bot.api.errors import conflict, invalid
from bot.api.schemas import ApiModel, Created, ErrorBody, Text, Timestamp
from bot.dialogue import Reply
from bot.notify import Template
from bot.runtime import Runtime
from store import Store
from store.events import Event, EventRepository, NewEvent
from store.points import PointsRepository

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "no such event"}}


def _whole(value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("应为整数")
    return value


class EventIn(ApiModel):
    title: Annotated[Text, Field(max_length=100)]
    starts_at: datetime = Field(description="ISO 8601; without an offset it is the community's local time")
    capacity: Annotated[int, BeforeValidator(_whole), Field(ge=1, le=100_000, description="places (people)")]
    signup_deadline: datetime | None = Field(None, description="sign-ups close then (default: when it starts)")
    party_only: bool = Field(False, description="only party members may sign up (党员活动)")
    description: Annotated[str, Field(max_length=2000)] = ""
    place: Annotated[str, Field(max_length=100)] = ""


class EventOut(ApiModel):
    id: int
    title: str
    description: str
    place: str
    starts_at: Timestamp
    capacity: int
    signup_deadline: Timestamp | None
    party_only: bool
    status: str = Field(description="active or cancelled")
    confirmed: int = Field(description="people confirmed")
    places_left: int
    waitlist: int = Field(description="households on the waiting list")
    created_at: Timestamp


class SignupOut(ApiModel):
    household_id: int
    openid: str | None
    count: int
    status: str = Field(description="confirmed, waitlist or cancelled")


class CheckinIn(ApiModel):
    household_id: Annotated[int, BeforeValidator(_whole), Field(ge=1)]


class CheckinOut(ApiModel):
    event_id: int
    household_id: int
    checked_in_at: Timestamp
    points: int = Field(description="love-bank points this attendance earned")
    balance: int = Field(description="the household's points now")
    recorded: bool = Field(description="false when the household had been checked in already")


def _zone(runtime: Runtime) -> ZoneInfo:
    return ZoneInfo(runtime.settings.config.community.timezone)


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _get(store: Store, event_id: int) -> Event:
    event = store[EventRepository].get(event_id)
    if event is None:
        not_found("event", event_id)
    return event


def _out(event: Event, waiting: int) -> EventOut:
    return EventOut(id=event.id, title=event.title, description=event.description, place=event.place,
                    starts_at=event.starts_at, capacity=event.capacity, signup_deadline=event.signup_deadline,
                    party_only=event.party_only, status=event.status, confirmed=event.confirmed,
                    places_left=event.places_left, waitlist=waiting, created_at=event.created_at)


@flow.api.post("/events", status_code=201, tags=["events"])
def create_event(body: EventIn, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> Created:
    """Add an event residents can sign up for."""
    zone = _zone(runtime)
    starts = _aware(body.starts_at, zone)
    deadline = _aware(body.signup_deadline, zone) if body.signup_deadline is not None else None
    if deadline is not None and deadline > starts:
        invalid("signup_deadline", "报名截止时间不能晚于活动开始时间（starts_at）")
    event = store[EventRepository].create(NewEvent(
        title=body.title, starts_at=starts, capacity=body.capacity, description=body.description.strip(),
        place=body.place.strip(), signup_deadline=deadline, party_only=body.party_only), now)
    return Created(id=event.id)


@flow.api.get("/events", tags=["events"])
def list_events(store: StoreDep) -> list[EventOut]:
    """Every event, soonest first (past and cancelled ones too)."""
    repo = store[EventRepository]
    events = repo.all()
    counts = repo.counts([e.id for e in events])
    return [_out(event, counts[event.id][1]) for event in events]


@flow.api.get("/events/{event_id}", tags=["events"], responses=_NOT_FOUND)
def get_event(event_id: int, store: StoreDep) -> EventOut:
    event = _get(store, event_id)
    return _out(event, store[EventRepository].counts([event.id])[event.id][1])


@flow.api.get("/events/{event_id}/signups", tags=["events"], responses=_NOT_FOUND)
def list_signups(event_id: int, store: StoreDep) -> list[SignupOut]:
    """Who signed up: confirmed first, then the waiting list in its order, then the cancelled."""
    event = _get(store, event_id)
    return [SignupOut(household_id=s.household_id, openid=s.openid, count=s.count, status=s.status)
            for s in store[EventRepository].signups(event.id)]


@flow.api.post("/events/{event_id}/checkin", tags=["events"], responses={
    404: {"model": ErrorBody, "description": "no such event or household"},
    409: {"model": ErrorBody, "description": "the event was cancelled"}})
def check_in(event_id: int, body: CheckinIn, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> CheckinOut:
    """Record that a household came (once), and give it the configured love-bank points (once)."""
    event = _get(store, event_id)
    if store.households.get(body.household_id) is None:
        not_found("household", body.household_id)
    if event.status != "active":
        conflict("status", f"event {event.id} was cancelled")
    checkin, recorded = store[EventRepository].check_in(event.id, body.household_id, now)
    points = flow.config(runtime).checkin_points
    ledger = store[PointsRepository]
    if recorded and points > 0:
        reason = runtime.responses.text("events.checkin_reason", title=event.title)
        ledger.post(body.household_id, points, reason, kind="checkin", key=f"event-checkin:{event.id}:"
                    f"{body.household_id}", now=now)
        checkin.points = points
    return CheckinOut(event_id=event.id, household_id=body.household_id, checked_in_at=checkin.checked_in_at,
                      points=checkin.points, balance=ledger.balance(body.household_id), recorded=recorded)


@flow.api.delete("/events/{event_id}", tags=["events"], responses=_NOT_FOUND)
def cancel_event(event_id: int, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> EventOut:
    """Call the event off and tell every household signed up (confirmed or waiting), once."""
    _get(store, event_id)
    repo = store[EventRepository]
    event, signed = repo.cancel_event(event_id, now)
    assert event is not None
    words = EventWords.of(runtime.responses, _zone(runtime))
    for signup in signed:
        text = words.say("events.event_cancelled", title=event.title, when=words.when(event.starts_at))
        words.tell(store, signup, f"event-cancelled:{event.id}:{signup.id}", now, Reply.text(text, footer=True),
                   Template("event_cancelled", {"first": text, "keyword1": event.title}))
    return _out(event, repo.counts([event.id])[event.id][1])
