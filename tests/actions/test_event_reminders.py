"""The day-before reminder: every confirmed sign-up of tomorrow's events, once."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from actions.events.reminders import send_reminders
from bot.jobs import JobContext
from bot.runtime import Runtime
from store.clock import utcnow
from store.events import EventRepository
from tests.community_support import LI, ZHANG, add_event, bound, household_at, queued_for

ZONE = ZoneInfo("Asia/Shanghai")


def at(days: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(utcnow().astimezone(ZONE).date() + timedelta(days=days), time(hour, minute), tzinfo=ZONE)


def sign_up(store_of, event: int, address: str, openid: str) -> str:
    household = household_at(store_of, address)
    with store_of() as store:
        return store[EventRepository].signup(event, household, openid, 1,
                                             key=f"seed:{event}:{openid}", now=utcnow()).outcome


def test_confirmed_signups_of_tomorrows_events_are_reminded_once(runtime: Runtime, store_of) -> None:
    bound(runtime, "o_zhang", ZHANG)
    bound(runtime, "o_li", LI)
    tomorrow = add_event(store_of, "太极拳健身讲座", starts_at=at(1, 9, 30), capacity=1)
    later = add_event(store_of, "社区义诊", starts_at=at(3, 9))
    assert sign_up(store_of, tomorrow, "3-502", "o_zhang") == "confirmed"
    assert sign_up(store_of, tomorrow, "5-1-301", "o_li") == "waitlist"
    sign_up(store_of, later, "5-1-301", "o_li")

    assert send_reminders(JobContext(runtime, at(0, 8))) == 0  # before the reminder hour
    assert send_reminders(JobContext(runtime, at(0, 10))) == 1
    assert send_reminders(JobContext(runtime, at(0, 11))) == 0  # once
    [reminder] = queued_for(store_of, "o_zhang")
    assert "明天" in reminder and "太极拳健身讲座" in reminder and "09:30" in reminder
    assert queued_for(store_of, "o_li") == []  # waiting, and the other event is not tomorrow


def test_the_job_is_declared_by_the_flow(runtime: Runtime) -> None:
    assert "event_reminders" in {job.id for job in runtime.registry.jobs}
