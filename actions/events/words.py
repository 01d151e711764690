"""How the events flow speaks of an event (date, places, a resident's sign-up), finds the event a
resident names, and tells households what changed for them — in the dialogue, in jobs and in
the staff API alike."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogue.context import Context
from bot.dialogue.responses import Responses
from bot.dialogue.text import plain
from bot.dialogue.turn import Reply, Said, Turn
from bot.notify import Template, push
from store import Store
from store.events import Event, EventSignup


@dataclass(frozen=True, slots=True)
class EventWords:
    """The events section of responses.yml and the community's clock."""

    responses: Responses
    zone: ZoneInfo

    @classmethod
    def of(cls, responses: Responses, timezone: str | ZoneInfo) -> EventWords:
        return cls(responses, timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone))

    @classmethod
    def in_dialogue(cls, ctx: Context) -> EventWords:
        return cls(ctx.responses, ctx.timezone)

    def say(self, key: str, **values: Any) -> Said:
        return Said(self.responses.text(key, **values), key)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def when(self, moment: datetime) -> str:
        """3月15日（周六）09:30"""
        local = moment.astimezone(self.zone)
        weekdays = self.responses.raw("events.weekdays")
        return self.responses.text("events.when", month=local.month, day=local.day,
                                   weekday=weekdays[local.weekday()], time=f"{local:%H:%M}")

    def day(self, moment: datetime | date) -> str:
        """3月15日"""
        local = moment.astimezone(self.zone) if isinstance(moment, datetime) else moment
        return self.responses.text("events.day", month=local.month, day=local.day)

    def place(self, event: Event) -> str:
        return event.place or self.responses.text("events.place_unknown")

    def places(self, event: Event, now: datetime) -> str:
        """Where the event's places stand, for a list: 还剩 3 个名额 / 已满，可候补 / 报名已截止."""
        if not event.open_at(now):
            return self.say("events.state_closed")
        if event.places_left <= 0:
            return self.say("events.state_full")
        return self.say("events.state_left", left=event.places_left)

    def label(self, event: Event, now: datetime, signup: EventSignup | None = None, *,
              queue: int | None = None) -> str:
        """One line of a list: date, title, places (and the household's own sign-up)."""
        party = self.say("events.party_mark") if event.party_only else ""
        state: str
        if signup is not None and signup.status == "confirmed":
            state = self.say("events.state_mine", count=signup.count)
        elif signup is not None and signup.status == "waitlist":
            state = self.say("events.state_mine_waiting", count=signup.count, place=queue or 1)
        else:
            state = self.places(event, now)
        return self.say("events.list_line", day=self.day(event.starts_at), title=event.title, party=party,
                        state=state)

    def tell(self, store: Store, signup: EventSignup, key: str, now: datetime, reply: Reply,
             template: Template | None = None) -> bool:
        """Queue a message for whoever made the sign-up (nobody when they were forgotten)."""
        if not signup.openid:
            return False
        return push(store, signup.openid, reply, now, key=key, template=template)

    def tell_promoted(self, store: Store, event: Event, promoted: Iterable[EventSignup], cause: str,
                      now: datetime) -> int:
        """Each household that got a place from the waiting list is told at once."""
        told = 0
        for signup in promoted:
            text = self.say("events.promoted", title=event.title, when=self.when(event.starts_at),
                            place=self.place(event), count=signup.count)
            template = Template("event_promoted", {"first": text, "keyword1": event.title,
                                                   "keyword2": self.when(event.starts_at)})
            told += self.tell(store, signup, f"event-promoted:{signup.id}:{cause}", now,
                              Reply.text(text, footer=True), template)
        return told


def title_overlap(words: str, title: str, filler: Sequence[str]) -> int:
    """How much of an event's title the resident's words name: the longest run of characters
    they share, after the words that name no event (报名, 活动 …) are taken out. Two
    characters at least, so that one shared character never picks an event."""
    said = plain(words)
    for word in sorted(filler, key=len, reverse=True):
        said = said.replace(plain(word), " ")
    name = plain(title)
    best = 0
    for start in range(len(said)):
        for end in range(start + best + 1, len(said) + 1):
            piece = said[start:end]
            if " " in piece or piece not in name:
                break
            best = end - start
    return best if best >= 2 else 0


def named_events(turn: Turn, events: Sequence[Event], words: EventWords, filler: Sequence[str]) -> list[Event]:
    """The events a message names: by words of the title, by date (the ``date`` entity), or
    both; when the two disagree the title wins (a weekday is easily misremembered)."""
    scored = [(title_overlap(turn.text, e.title, filler), e) for e in events]
    best = max((score for score, _ in scored), default=0)
    by_title = [e for score, e in scored if best and score == best]
    day = turn.entity("date")
    on_day = [e for e in events if words.local_day(e.starts_at).isoformat() == str(day)] if day else []
    both = [e for e in by_title if e in on_day]
    return both or by_title or on_day
