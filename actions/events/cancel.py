"""event_cancel (取消报名): a household withdraws its sign-up; the places go to those waiting.

"不去了，取消太极拳" names the event; with one sign-up it is that one; with several they are
offered as numbered choices. A confirmation comes first. Freed places go to the waiting
households in arrival order, and each is told at once.
"""
from __future__ import annotations

from dataclasses import replace

from actions.events import flow
from actions.events.words import EventWords, named_events
from bot.dialogue import Context, Option, Reply, Turn
from store.events import Event, EventRepository, EventSignup


@flow.action("event_cancel")
def event_cancel(turn: Turn, ctx: Context) -> Reply:
    reply = _cancel(turn, ctx)
    # Asked in the middle of a sign-up, it replaces that sign-up (its choices must stay).
    return reply.closing() if ctx.dialog.form == "event_signup" else reply


def _cancel(turn: Turn, ctx: Context) -> Reply:
    household = ctx.require_household(turn)
    repo = ctx.store[EventRepository]
    words = EventWords.in_dialogue(ctx)
    mine = repo.active_for_household(household.id, ctx.now)
    if _drops_new_signup(turn, ctx, mine, words):
        dropped = ctx.reply("events.signup_dropped")
        return replace(dropped, content=dropped.content + ctx.say("events.signup_others_kept")) if mine else dropped
    if not mine:
        return Reply.text(ctx.say("events.cancel_none"), [Option.intent(ctx.label_of("event_list"), "event_list")])
    choice = ctx.dialog.slots.get("_choice") or {}
    if choice.get("event"):
        picked = [(s, e) for s, e in mine if e.id == int(choice["event"])]
        if not picked:
            return ctx.reply("events.cancel_gone")
    else:
        named = {e.id for e in named_events(turn, [e for _, e in mine], words, flow.config(ctx).filler_words)}
        picked = [(s, e) for s, e in mine if e.id in named] or mine
    if len(picked) > 1:
        return Reply.text(ctx.say("events.cancel_which"), [
            Option.intent(words.label(e, ctx.now, s, queue=repo.place_in_queue(s) if s.status == "waitlist" else None),
                          "event_cancel", slots={"event": e.id}) for s, e in picked])
    signup, event = picked[0]
    if not choice.get("confirm"):
        question = ctx.say("events.cancel_confirm", title=event.title, when=words.when(event.starts_at),
                           count=signup.count)
        return Reply.text(question, [
            Option.intent(ctx.say("events.cancel_yes"), "event_cancel", slots={"event": event.id, "confirm": True},
                          yes=True),
            Option.answer(ctx.say("events.cancel_no"), "no"),
        ])
    promoted = repo.cancel(signup, ctx.now)
    words.tell_promoted(ctx.store, event, promoted, turn.msg_key, ctx.now)
    return ctx.reply("events.cancelled", title=event.title, when=words.when(event.starts_at))


def _drops_new_signup(turn: Turn, ctx: Context, mine: list[tuple[EventSignup, Event]], words: EventWords) -> bool:
    """取消报名 in the middle of signing up for an event the household is not signed up for,
    naming none it is: the resident stops this sign-up (nothing was submitted)."""
    if ctx.dialog.form != "event_signup" or (ctx.dialog.slots.get("_choice") or {}).get("event"):
        return False
    signing = ctx.dialog.slots.get("event")
    if signing is not None and any(e.id == int(signing) for _, e in mine):
        return False  # a change of count: 取消报名 withdraws the sign-up it would change
    return not named_events(turn, [e for _, e in mine], words, flow.config(ctx).filler_words)
