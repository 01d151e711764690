"""What the events flow adds to the demo community, forgets about a person, and tells them it keeps."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from actions.events import flow
from actions.events.words import EventWords
from bot.dialogue import Context
from nlu.yamlio import safe_load
from store import Store
from store.events import EventRepository, NewEvent
from store.points import PointsRepository

DEMO_FILE = Path(__file__).with_name("demo.yml")
#: The demo community's clock (the default config's); demo times are written in it.
DEMO_ZONE = ZoneInfo("Asia/Shanghai")


@flow.demo
def demo_events(store: Store, today: date) -> int:
    """Upcoming events (one full with a waiting list, one for party members), a past one with
    a check-in; sign-ups on demo households. An event already there (by title) is left alone."""
    data: dict[str, Any] = safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    repo = store[EventRepository]
    added = 0
    for entry in data["events"]:
        if repo.find_by_title(str(entry["title"])) is not None:
            continue
        hour, minute = (int(part) for part in str(entry["time"]).split(":"))
        starts = datetime.combine(today + timedelta(days=int(entry["days"])), time(hour, minute), tzinfo=DEMO_ZONE)
        deadline = None
        if "deadline_days" in entry:
            deadline = datetime.combine(today + timedelta(days=int(entry["deadline_days"])), time(18), tzinfo=DEMO_ZONE)
        created = starts - timedelta(days=20)
        event = repo.create(NewEvent(title=str(entry["title"]), starts_at=starts, capacity=int(entry["capacity"]),
                                     description=str(entry.get("description", "")), place=str(entry.get("place", "")),
                                     signup_deadline=deadline, party_only=bool(entry.get("party_only", False))),
                            created)
        added += 1
        for number, signup in enumerate(entry.get("signups", []), start=1):
            household = store.households.at_label(str(signup["address"]))
            if household is None:
                continue
            result = repo.signup(event.id, household.id, None, int(signup["count"]),
                                 key=f"demo:signup:{event.id}:{household.id}", now=created + timedelta(hours=number))
            added += int(result.outcome in ("confirmed", "waitlist"))
        for checkin in entry.get("checkins", []):
            household = store.households.at_label(str(checkin["address"]))
            if household is None:
                continue
            record, recorded = repo.check_in(event.id, household.id, starts)
            if recorded and int(checkin.get("points", 0)) > 0:
                store[PointsRepository].post(household.id, int(checkin["points"]), str(checkin["reason"]),
                                             kind="checkin", key=f"event-checkin:{event.id}:{household.id}",
                                             now=starts)
                record.points = int(checkin["points"])
            added += int(recorded)
    return added


@flow.forget
def forget_signups(store: Store, openid: str, now: datetime) -> None:
    """Sign-ups stay with their household and count, without the person who made them."""
    store[EventRepository].forget(openid)


@flow.describe
def describe_signups(ctx: Context) -> list[str]:
    household = ctx.household
    if household is None:
        return []
    words = EventWords.in_dialogue(ctx)
    repo = ctx.store[EventRepository]
    lines: list[str] = []
    for signup, event in repo.active_for_household(household.id, ctx.now):
        state = ctx.say("events.describe_confirmed" if signup.status == "confirmed" else "events.describe_waiting")
        lines.append(ctx.say("events.describe", title=event.title, when=words.when(event.starts_at),
                             count=signup.count, state=state))
    return lines
