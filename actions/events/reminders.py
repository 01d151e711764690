"""The day-before reminder: every confirmed sign-up of tomorrow's events, once.

The job runs every hour and sends from ``events.reminder_hour`` (local time), so that a
household that signs up in the evening before is reminded too; each sign-up is reminded at
most once (``reminded_at``, and a delivery key of its own in the outbox).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from actions.events import flow
from actions.events.words import EventWords
from bot.dialogue import Reply
from bot.jobs import JobContext
from bot.notify import Template
from store.events import EventRepository


@flow.job("event_reminders", "cron", minute=5)
def send_reminders(jobs: JobContext) -> int:
    """Remind those confirmed for tomorrow's events; returns how many were reminded."""
    settings = flow.config(jobs)
    zone = jobs.timezone
    local = jobs.now.astimezone(zone)
    if local.hour < settings.reminder_hour:
        return 0
    start = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    words = EventWords.of(jobs.runtime.responses, zone)
    reminded = 0
    with jobs.store() as store:
        for signup, event in store[EventRepository].to_remind(start, start + timedelta(days=1)):
            text = words.say("events.reminder", title=event.title, when=words.when(event.starts_at),
                             place=words.place(event), count=signup.count)
            template = Template("event_reminder", {"first": text, "keyword1": event.title,
                                                   "keyword2": words.when(event.starts_at),
                                                   "keyword3": words.place(event)})
            key = f"event-reminder:{signup.id}:{int(signup.created_at.timestamp())}"
            words.tell(store, signup, key, jobs.now, Reply.text(text, footer=True), template)
            signup.reminded_at = jobs.now
            reminded += 1
    return reminded
