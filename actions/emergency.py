"""Emergencies (gas, fire, flooding, someone trapped): urgent at once, whatever else is going on.

The alarm is raised from any state — in the middle of another form, whatever the NLU made of
the words: an urgent ticket is opened (one per kind of emergency; the same alarm again soon
adds to its ticket), the case goes to the staff inbox, on-duty staff are told, and the reply
gives the emergency number. The reply says "值班人员已收到通知" only when a notice was really
queued to someone; otherwise it says the report is recorded and gives the number to call.
When the place is not known yet, it is asked (only that). A repair report under way that
the alarm stands for (nothing broken named yet, or the same thing) gives its place and is
closed: the urgent ticket is that report. An urgent report cannot be
cancelled from the chat: 取消 is answered with where it stands and the number again.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from actions.repair import flow as repair_flow
from actions.repair.reading import home, place
from actions.repair.report import RepairReport
from bot.dialogue import SKIPPED, Context, Flow, FlowSettings, Form, Reply, Stage, Turn
from nlu import detect_emergency
from store.repairs import NewTicket, RepairRepository, RepairTicket


class EmergencySettings(FlowSettings):
    #: An alarm of the same kind this soon after the first adds to the same ticket.
    repeat_minutes: int = Field(30, ge=1)
    #: The repair category an urgent ticket gets, by kind of emergency.
    categories: dict[str, str] = Field(default_factory=lambda: {
        "gas": "gas", "flooding": "water_leak", "trapped": "elevator", "fire": "fire"})
    #: Kinds whose place is the resident's own flat unless the words name another.
    at_home: list[str] = Field(default_factory=lambda: ["gas", "flooding", "fire"])


flow: Flow[EmergencySettings] = Flow("emergency", settings=EmergencySettings)


def detect(turn: Turn) -> str | None:
    """Which emergency these words raise, if any (nlu.detect_emergency: it reads through
    homophones, typos and paraphrase, and knows a gas bill from a gas leak)."""
    if not turn.text or turn.tapped:
        return None
    return detect_emergency(turn.text)


@flow.trigger(Stage.EMERGENCY)
def alarm(turn: Turn, ctx: Context) -> Reply | None:
    kind = detect(turn)
    if kind is None:
        return None
    if ctx.dialog.form == UrgentPlace.name and ctx.dialog.slots.get("emergency") == kind:
        return None  # more words about the emergency whose place was asked: the form takes them
    return raise_alarm(kind, turn, ctx)


def raise_alarm(kind: str, turn: Turn, ctx: Context) -> Reply:
    settings = flow.config(ctx)
    where = place(turn, ctx, repair_flow.config(ctx), requested=False) or _place_given_before(kind, ctx)
    if where is None and kind in settings.at_home:
        where = home(ctx)
    repairs = ctx.store[RepairRepository]
    ticket = repairs.open_emergency(turn.openid, kind, ctx.now - timedelta(minutes=settings.repeat_minutes))
    if ticket is None:
        ticket = _open(kind, where, turn, ctx)
        escalated = ctx.escalate(turn, "urgent_repair", text=turn.text)
        notified = escalated.notified
    else:
        notified = _add_words(ticket, turn.text, where, turn, ctx)
    reply = _urgent_reply(kind, ticket, notified, ctx)
    if where or ticket.location != ctx.say("repair.unknown_place"):
        return reply.closing() if ctx.dialog.form == UrgentPlace.name or _was_this_report(kind, ctx) else reply
    # Where is it? Keep only that question open; the answer goes straight to staff.
    return Reply.text(f"{reply.content}\n{ctx.say('emergency.ask_location')}").opening(
        UrgentPlace.name, "location", ticket_id=ticket.id, emergency=kind)


def _place_given_before(kind: str, ctx: Context) -> str | None:
    """The place the repair report this alarm stands for already has (小区东门, then 水管爆了)."""
    if not _was_this_report(kind, ctx):
        return None
    where = ctx.dialog.slots.get("location")
    return str(where) if where and where != SKIPPED else None


def _was_this_report(kind: str, ctx: Context) -> bool:
    """A repair report under way that the urgent ticket now stands for: it did not yet say
    what is broken, or said the same thing (水管漏水, then 水管爆了)."""
    if ctx.dialog.form != RepairReport.name:
        return False
    category = ctx.dialog.slots.get("repair_category")
    return category is None or category == flow.config(ctx).categories.get(kind)


def _open(kind: str, where: str | None, turn: Turn, ctx: Context) -> RepairTicket:
    household = ctx.household
    member = ctx.member if household else None
    category = flow.config(ctx).categories.get(kind, "other")
    new = NewTicket(openid=turn.openid, household_id=household.id if household else None, category=category,
                    location=where or ctx.say("repair.unknown_place"), description=turn.text,
                    phone=(member.phone if member else "") or "", urgent=True, emergency=kind)
    ticket, created = ctx.store[RepairRepository].open_ticket(new, source_key=turn.msg_key, now=ctx.now)
    if created:
        _notify(ticket, ctx, turn.msg_key)
    return ticket


def _add_words(ticket: RepairTicket, words: str, where: str | None, turn: Turn, ctx: Context) -> int:
    """A second alarm of the same kind: its words (and place, if new) join the ticket; staff hear it."""
    if words and words not in ticket.description:
        ticket.description = f"{ticket.description}\n{words}"
    if where and ticket.location == ctx.say("repair.unknown_place"):
        ticket.location = where
    ticket.updated_at = ctx.now
    return _notify(ticket, ctx, turn.msg_key)


def _notify(ticket: RepairTicket, ctx: Context, source_key: str) -> int:
    return ctx.notify_staff(ctx.say(
        "emergency.staff_notice", ticket=ticket.id, kind=ctx.say(f"emergency.kinds.{ticket.emergency}"),
        location=ticket.location, description=ticket.description, phone=ticket.phone or "—"),
        source_key=f"{source_key}:{ticket.id}")


def _phone(kind: str, ctx: Context) -> str:
    community = ctx.config.community
    special = {"gas": community.gas_emergency_phone, "trapped": community.elevator_emergency_phone}.get(kind)
    return special or community.emergency_phone


def _urgent_reply(kind: str, ticket: RepairTicket, notified: int, ctx: Context) -> Reply:
    advice_key = f"emergency.advice.{kind}"
    advice = ctx.say(advice_key) if ctx.responses.has(advice_key) else ""
    key = "emergency.reported_notified" if notified else "emergency.reported"
    return Reply.text(ctx.say(key, ticket=ticket.id, advice=advice, phone=_phone(kind, ctx)))


@flow.form
class UrgentPlace(Form):
    """Only the place of an urgent ticket already opened is asked."""

    name = "emergency"
    slots = ("location",)
    skippable = frozenset({"location"})
    words = "emergency"

    def extract_location(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        return place(turn, ctx, repair_flow.config(ctx), requested=requested)

    def validate_location(self, value: Any, turn: Turn, ctx: Context) -> Any:
        text = str(value).strip()
        return text[:200] if text else None

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        ticket = ctx.store[RepairRepository].get(int(ctx.dialog.slots["ticket_id"]))
        if ticket is None:
            return ctx.reply("channel.error")
        if not slots["location"]:  # skipped: the duty staff ask by phone
            return ctx.reply("emergency.no_location", ticket=ticket.id, phone=_phone(str(ticket.emergency), ctx))
        ticket.location = str(slots["location"])
        ticket.updated_at = ctx.now
        if turn.text and turn.text not in ticket.description:
            ticket.description = f"{ticket.description}\n{turn.text}"
        notified = _notify(ticket, ctx, turn.msg_key)
        key = "emergency.located_notified" if notified else "emergency.located"
        return ctx.reply(key, ticket=ticket.id, location=ticket.location,
                         phone=_phone(str(ticket.emergency), ctx))


@flow.on_cancel
def urgent_stays(turn: Turn, ctx: Context) -> Reply | None:
    """取消 right after an urgent report does not cancel it: say so, and give the number again."""
    if ctx.dialog.form not in (None, UrgentPlace.name):
        return None  # another form is open: 取消 is about that one
    since = ctx.now - timedelta(minutes=flow.config(ctx).repeat_minutes)
    urgent = ctx.store[RepairRepository].recent_urgent(turn.openid, since)
    if not urgent:
        return None
    ticket = urgent[0]
    return ctx.reply("emergency.not_cancelled", ticket=ticket.id, phone=_phone(str(ticket.emergency), ctx))
