"""event_signup (活动报名): which event, how many people, a confirmation → one sign-up per household.

"报名周六的太极拳，我和老伴两个人" names the event (by its date and words of its title) and
the head count, so only a confirmation is asked; a tapped list item or "报名" alone asks the
rest with numbered choices. Only bound households sign up (binding first, then the sign-up
resumes with what was said). A household that signed up already changes its count with the
same words, never getting a second row. When the places left are fewer than the group, the
confirmation says it will wait, and the sign-up goes to the waiting list in arrival order.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from actions.events import flow
from actions.events.listing import options_for
from actions.events.words import EventWords, named_events
from actions.memory import keep, recall
from bot.dialogue import Context, Form, Option, Reply, Turn
from bot.dialogue.text import is_noise, mentions
from store.events import ACTIVE_SIGNUPS, Event, EventRepository

_NUMERALS = {"一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "仨": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10}
_NUMBER = r"(\d{1,2}|[一二两俩三仨四五六七八九十])"
#: 本人加两个家属, 我带一个家人: the resident and that many more.
_WITH_FAMILY = re.compile(r"(?:本人|我|自己)(?:加上?|和|带上?|\+|再加|外加)" + _NUMBER
                          + r"(?:个|位|名)?(?:家属|家人|亲属|亲戚)")
#: A bare head count: 2, 两个, 3人, 三位, 四口人.
_BARE = re.compile(r"^(?:一共|总共|共)?" + _NUMBER + r"(?:个人|个|人|位|口人|口|名)?(?:吧|啊|呀|哦)?$")
#: The resident alone: 本人, 就我自己, 我一个人.
_ALONE = re.compile(r"^(?:就|只有|只|仅)?(?:本人|我自己|自己|我一个人|我一个|我)(?:一个人|一个)?"
                    r"(?:去|参加|报名)?(?:吧|啊)?$")


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUMERALS[token]


def _is_party_member(ctx: Context) -> bool:
    member = ctx.member
    return bool(member is not None and member.party_member)


@flow.form
class Signup(Form):
    name = "event_signup"
    slots = ("event", "count")
    numeric_slots = frozenset({"count"})
    confirm = True
    words = "events"

    # --- start -----------------------------------------------------------------------------
    def prefill(self, turn: Turn, ctx: Context) -> dict[str, Any]:
        """A tapped list item names the event. A resident who must bind first keeps what they
        asked for in the conversation's memory, and gets it back once bound."""
        known: dict[str, Any] = {}
        choice = ctx.dialog.slots.get("_choice") or {}
        if choice.get("event"):
            known["event"] = int(choice["event"])
        elif not turn.tapped and (shown := self._only_one_shown(ctx)) is not None:
            known["event"] = shown  # 我要报名 right after a list of one (党员活动): that one, unless named
        if ctx.resident.household_id is None:
            asked = {"event": known.get("event") or self._named(turn, ctx),
                     "count": None if turn.tapped else self._count_in(turn, ctx, requested=False)}
            if any(asked.values()):
                return {**known, **keep(ctx.dialog.slots, "_event_wanted", asked)}
            return {**known, **recall(ctx.dialog.slots, "_event_wanted")[1]}  # nothing said: nothing kept
        wanted, forget = recall(ctx.dialog.slots, "_event_wanted")
        known.update(forget)
        if isinstance(wanted, dict):
            if wanted.get("event") and "event" not in known:
                known["event"] = int(wanted["event"])
            if wanted.get("count"):
                known["count"] = int(wanted["count"])
        return known

    def _only_one_shown(self, ctx: Context) -> int | None:
        """The event of the list just shown, when it showed one."""
        shown = {int(o.value["slots"]["event"]) for o in ctx.dialog.options
                 if o.value.get("intent") == self.name and (o.value.get("slots") or {}).get("event")}
        return shown.pop() if len(shown) == 1 else None

    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        household = ctx.require_household(turn)
        repo = ctx.store[EventRepository]
        if "event" not in slots:
            if not self._eligible(ctx):
                return ctx.reply("events.none_to_sign")
            return None
        event = repo.get(int(slots["event"]))
        refusal = self._refusal(event, ctx)
        if refusal is not None:
            return refusal
        assert event is not None
        existing = repo.for_household(event.id, household.id)
        if existing is not None and existing.status in ACTIVE_SIGNUPS and "count" not in slots:
            words = EventWords.in_dialogue(ctx)
            state = (ctx.say("events.already_confirmed", count=existing.count) if existing.status == "confirmed"
                     else ctx.say("events.already_waiting", count=existing.count,
                                  place=repo.place_in_queue(existing)))
            note = ctx.say("events.already", title=event.title, when=words.when(event.starts_at),
                           place=words.place(event), state=state)
            return Reply.text(ctx.say("events.ask_count_change"), self.options_count(slots, ctx)) \
                .prefixed(note).asking("count")
        return None

    def aside(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> str | None:
        """几点开始 / 在哪里 while signing up: the chosen event's time and place."""
        if "event" not in slots or not mentions(turn.text, flow.config(ctx).detail_words):
            return None
        event = ctx.store[EventRepository].get(int(slots["event"]))
        if event is None:
            return None
        words = EventWords.in_dialogue(ctx)
        return words.say("events.detail_line", title=event.title, when=words.when(event.starts_at),
                         place=words.place(event))

    def _eligible(self, ctx: Context) -> list[Event]:
        """Upcoming events this resident can still sign up for."""
        party = _is_party_member(ctx)
        return [e for e in ctx.store[EventRepository].upcoming(ctx.now)
                if e.open_at(ctx.now) and (party or not e.party_only)][:flow.config(ctx).list_limit]

    def _refusal(self, event: Event | None, ctx: Context) -> Reply | None:
        """Why this resident cannot sign up for ``event`` now, with the events they can."""
        words = EventWords.in_dialogue(ctx)
        if event is None or event.status != "active" or event.starts_at <= ctx.now:
            note = ctx.say("events.gone")
        elif not event.open_at(ctx.now):
            note = ctx.say("events.closed", title=event.title, deadline=words.when(event.closes_at))
        elif event.party_only and not _is_party_member(ctx):
            note = ctx.say("events.party_only", title=event.title)
        else:
            return None
        others = [e for e in self._eligible(ctx) if event is None or e.id != event.id]
        if not others:
            return Reply.text(note, footer=True)
        return Reply.text(ctx.say("events.other_events"), options_for(others, ctx, words)).prefixed(note)

    # --- which event -------------------------------------------------------------------------
    def _named(self, turn: Turn, ctx: Context) -> int | None:
        if turn.tapped or not turn.text:
            return None
        events = ctx.store[EventRepository].upcoming(ctx.now)
        found = named_events(turn, events, EventWords.in_dialogue(ctx), flow.config(ctx).filler_words)
        return found[0].id if len(found) == 1 else None

    def extract_event(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        return self._named(turn, ctx)

    def validate_event(self, value: Any, turn: Turn, ctx: Context) -> Any:
        """Any event at the start (``begin`` says why one cannot be signed up for); once the
        question is asked, only one this resident can sign up for is an answer."""
        try:
            event = ctx.store[EventRepository].get(int(value))
        except (TypeError, ValueError):
            return None
        if event is None:
            return None
        if ctx.dialog.requested_slot is not None and self._refusal(event, ctx) is not None:
            return None
        return event.id

    def options_event(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        words = EventWords.in_dialogue(ctx)
        return [Option.slot(words.label(e, ctx.now), "event", e.id) for e in self._eligible(ctx)]

    # --- how many people ---------------------------------------------------------------------
    def _count_in(self, turn: Turn, ctx: Context, *, requested: bool) -> int | None:
        family = _WITH_FAMILY.search(turn.plain)
        if family:
            return 1 + _number(family.group(1))
        count = turn.entity("count")
        if count is not None:
            try:
                return int(count)
            except (TypeError, ValueError):
                return None
        if requested and not is_noise(turn):
            bare = _BARE.match(turn.plain)
            if bare:
                return _number(bare.group(1))
            if _ALONE.match(turn.plain):
                return 1
        return None

    def extract_count(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        return self._count_in(turn, ctx, requested=requested)

    def validate_count(self, value: Any, turn: Turn, ctx: Context) -> Any:
        try:
            count = int(value)
        except (TypeError, ValueError):
            return None
        return count if 1 <= count <= flow.config(ctx).max_per_household else None

    def options_count(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        most = min(flow.config(ctx).max_per_household, 4)
        return [Option.slot(ctx.say("events.count_self" if n == 1 else "events.count_option", count=n), "count", n)
                for n in range(1, most + 1)]

    def invalid(self, slot: str, ctx: Context) -> str:
        if slot == "count":
            return ctx.say("events.invalid_count", most=flow.config(ctx).max_per_household)
        return super().invalid(slot, ctx)

    # --- confirm and submit --------------------------------------------------------------------
    def wants_confirmation(self, slots: Mapping[str, Any], ctx: Context) -> bool:
        """Nothing to confirm when the household is already signed up with that many people."""
        household = ctx.household
        if household is None or "event" not in slots or "count" not in slots:
            return True
        existing = ctx.store[EventRepository].for_household(int(slots["event"]), household.id)
        unchanged = existing is not None and existing.status in ACTIVE_SIGNUPS and existing.count == int(slots["count"])
        return not unchanged

    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        words = EventWords.in_dialogue(ctx)
        repo = ctx.store[EventRepository]
        event = repo.get(int(slots["event"]))
        assert event is not None
        count = int(slots["count"])
        lines = [ctx.say("events.summary", title=event.title, when=words.when(event.starts_at),
                         place=words.place(event), count=count)]
        household = ctx.household
        existing = repo.for_household(event.id, household.id) if household is not None else None
        if existing is not None and existing.status in ACTIVE_SIGNUPS:
            same = existing.count == count
            lines.append(ctx.say("events.summary_same" if same else "events.summary_change", old=existing.count,
                                 count=count))
        elif event.places_left <= 0:
            lines.append(ctx.say("events.summary_full"))
        elif event.places_left < count:
            lines.append(ctx.say("events.summary_too_few", left=event.places_left, count=count))
        return "\n".join(lines)

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.require_household(turn)
        repo = ctx.store[EventRepository]
        words = EventWords.in_dialogue(ctx)
        event = repo.get(int(slots["event"]))
        refusal = self._refusal(event, ctx)
        if refusal is not None:
            return refusal
        assert event is not None
        count = int(slots["count"])
        result = repo.signup(event.id, household.id, turn.openid, count, key=turn.msg_key, now=ctx.now)
        words.tell_promoted(ctx.store, event, result.promoted, turn.msg_key, ctx.now)
        signup = result.signup
        details = {"title": event.title, "when": words.when(event.starts_at), "place": words.place(event),
                   "count": count, "left": event.places_left, "capacity": event.capacity}
        if result.outcome in ("confirmed", "changed", "unchanged") and signup is not None \
                and signup.status == "waitlist":
            details["place_in_queue"] = repo.place_in_queue(signup)
        if result.outcome == "confirmed":
            return ctx.reply("events.signed_up", **details)
        if result.outcome == "waitlist":
            assert signup is not None
            key = "events.waitlisted_group" if event.places_left > 0 else "events.waitlisted"
            return ctx.reply(key, **details, place_in_queue=repo.place_in_queue(signup))
        if result.outcome == "changed":
            assert signup is not None
            key = "events.changed" if signup.status == "confirmed" else "events.changed_waiting"
            return ctx.reply(key, **details)
        if result.outcome == "unchanged":
            assert signup is not None
            key = "events.unchanged" if signup.status == "confirmed" else "events.unchanged_waiting"
            return ctx.reply(key, **{**details, "count": signup.count})
        if result.outcome == "change_refused":
            assert signup is not None
            return ctx.reply("events.change_refused", **details, old=signup.count)
        if result.outcome == "too_many":
            return ctx.reply("events.too_many", **details)
        if result.outcome == "closed":
            return ctx.reply("events.closed", title=event.title, deadline=words.when(event.closes_at))
        return ctx.reply("events.gone")
