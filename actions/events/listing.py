"""event_list (社区活动): upcoming events with the places left, numbered so a digit signs up.

"周六有什么活动" lists that day's, "党员活动" the party members' ones, "有讲座吗" the ones whose
title says so, "我报了哪些活动" the household's own; otherwise every upcoming event, soonest
first. A household's own sign-ups show in the list (已报名 2 人 / 候补第 1 位), with a way to
cancel.
"""
from __future__ import annotations

from datetime import date

from actions.events import flow
from actions.events.words import EventWords, named_events
from bot.dialogue import Context, Option, Reply, Stage, Turn
from bot.dialogue.text import mentions
from store.events import Event, EventRepository, EventSignup


@flow.action("event_list")
def event_list(turn: Turn, ctx: Context) -> Reply:
    reply = _list(turn, ctx)
    # Asked in the middle of a sign-up, the list replaces it: each item starts a sign-up again.
    return reply.closing() if ctx.dialog.form == "event_signup" else reply


@flow.trigger(Stage.COMMAND)
def own_signups(turn: Turn, ctx: Context) -> Reply | None:
    """我的报名 / 查看我的报名, read as a wish to sign up: the household's own sign-ups are shown
    instead. Words that name an event (我报名了义诊，要改成两个人) are about that event and go on
    as the NLU read them."""
    if ctx.dialog.form not in (None, "event_signup") or turn.tapped or turn.intent != "event_signup":
        return None
    settings = flow.config(ctx)
    if not mentions(turn.text, settings.mine_words):
        return None
    events = ctx.store[EventRepository].upcoming(ctx.now)
    if named_events(turn, events, EventWords.in_dialogue(ctx), settings.filler_words):
        return None
    return Reply.route("event_list")


def _list(turn: Turn, ctx: Context) -> Reply:
    settings = flow.config(ctx)
    words = EventWords.in_dialogue(ctx)
    events = ctx.store[EventRepository].upcoming(ctx.now)
    if not events:
        return ctx.reply("events.none")
    shown, header = events, ctx.say("events.list_header")
    named: list[Event] = []
    if not turn.tapped and ctx.household is not None and mentions(turn.text, settings.mine_words):
        return _mine(events, ctx, words)
    if not turn.tapped:
        party = [e for e in events if e.party_only]
        named = named_events(turn, events, words, settings.filler_words)
        if party and mentions(turn.text, settings.party_words):
            shown, header = party, ctx.say("events.list_header_party")
        elif named:
            shown = named
        elif turn.entity("date"):
            header = ctx.say("events.list_none_that_day", day=words.day(date.fromisoformat(str(turn.entity("date")))))
    shown = shown[:settings.list_limit]
    reply = Reply.text(header, options_for(shown, ctx, words))
    if turn.tapped or not mentions(turn.text, settings.detail_words):
        return reply
    return reply.prefixed("\n".join(
        words.say("events.detail_line", title=e.title, when=words.when(e.starts_at), place=words.place(e))
        for e in named or _signed_up(shown, ctx) or shown))


def _mine(events: list[Event], ctx: Context, words: EventWords) -> Reply:
    """我报了哪些活动: the household's sign-ups with their time and place, or, when it has
    none, that said and the list to sign up from."""
    mine = _signed_up(events, ctx)
    if not mine:
        return Reply.text(ctx.say("events.list_none_mine"),
                          options_for(events[:flow.config(ctx).list_limit], ctx, words))
    details = "\n".join(words.say("events.detail_line", title=e.title, when=words.when(e.starts_at),
                                  place=words.place(e)) for e in mine)
    return Reply.text(f"{ctx.say('events.list_header_mine')}\n{details}", options_for(mine, ctx, words))


def _signed_up(events: list[Event], ctx: Context) -> list[Event]:
    """Those of ``events`` the resident's household has signed up for."""
    household = ctx.household
    if household is None:
        return []
    mine = {event.id for _, event in ctx.store[EventRepository].active_for_household(household.id, ctx.now)}
    return [e for e in events if e.id in mine]


def options_for(events: list[Event], ctx: Context, words: EventWords) -> list[Option]:
    """Each event as a numbered choice that starts a sign-up for it; then a way to cancel when
    the household has sign-ups."""
    household = ctx.household
    repo = ctx.store[EventRepository]
    mine: dict[int, EventSignup] = {}
    if household is not None:
        mine = {signup.event_id: signup for signup, _ in repo.active_for_household(household.id, ctx.now)}
    options = []
    for event in events:
        signup = mine.get(event.id)
        queue = repo.place_in_queue(signup) if signup is not None and signup.status == "waitlist" else None
        options.append(Option.intent(words.label(event, ctx.now, signup, queue=queue), "event_signup",
                                     slots={"event": event.id}))
    if mine:
        options.append(Option.intent(ctx.say("events.cancel_option"), "event_cancel"))
    return options
