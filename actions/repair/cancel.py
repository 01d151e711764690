"""repair_cancel (取消报修): a resident withdraws their own report before staff assign it.

Said while a report is being filled in, it drops that report. With several reports that may
still be withdrawn, the resident picks one by its number. An urgent report is never
cancelled here: it stays with the duty staff, and the resident is given the number to call.
Staff on duty are told of every withdrawal. "取消报修" and the like always mean this, whatever
the NLU reads (config ``repair.cancel_words``).
"""
from __future__ import annotations

from actions.repair import flow
from bot.dialogue import Context, Option, Reply, Stage, Turn
from bot.dialogue.text import mentions
from store.repairs import OPEN_STATUSES, RepairRepository, RepairTicket, TransitionRefused

#: At most this many reports are offered to choose from.
CHOICES = 5


@flow.trigger(Stage.COMMAND)
def cancel_words(turn: Turn, ctx: Context) -> Reply | None:
    if turn.tapped or not turn.text or not mentions(turn.text, flow.config(ctx).cancel_words):
        return None
    return Reply.route("repair_cancel")


@flow.action("repair_cancel")
def repair_cancel(turn: Turn, ctx: Context) -> Reply:
    if ctx.dialog.form == "repair_report":
        return ctx.reply("repair.cancel_unsent").closing()
    repairs = ctx.store[RepairRepository]
    choice = ctx.dialog.slots.get("_choice") or {}
    household = ctx.household
    settings = flow.config(ctx)
    if "ticket" in choice:
        ticket = repairs.get(int(choice["ticket"]))
        mine = ticket is not None and (ticket.openid == turn.openid or (
            household is not None and ticket.household_id == household.id))
        if ticket is None or not mine:
            return ctx.reply("repair.cancel_none")
    else:
        open_tickets = [t for t in repairs.for_resident(turn.openid, household.id if household else None, 20)
                        if t.status in OPEN_STATUSES]
        if not open_tickets:
            return ctx.reply("repair.cancel_none")
        cancellable = [t for t in open_tickets if not t.urgent and t.status in settings.cancellable_statuses]
        if len(cancellable) > 1:
            return Reply.text(ctx.say("repair.cancel_which"), [Option.intent(
                ctx.say("repair.cancel_choice", ticket=t.id, category=_label(t, ctx), location=t.location),
                "repair_cancel", slots={"ticket": t.id}) for t in cancellable[:CHOICES]])
        ticket = cancellable[0] if cancellable else open_tickets[0]
    if ticket.status == "cancelled":
        return ctx.reply("repair.cancelled", ticket=ticket.id)
    if ticket.urgent:
        return ctx.reply("repair.cancel_urgent", ticket=ticket.id, phone=ctx.config.community.emergency_phone)
    if ticket.status not in settings.cancellable_statuses:
        return _too_late(ticket, ctx)
    if not choice.get("confirm"):
        question = ctx.say("repair.cancel_confirm", ticket=ticket.id, category=_label(ticket, ctx),
                           location=ticket.location)
        return Reply.text(question, [
            Option.intent(ctx.say("repair.cancel_yes"), "repair_cancel", slots={"ticket": ticket.id, "confirm": True}),
            Option.answer(ctx.say("repair.cancel_no"), "no"),
        ])
    try:
        repairs.set_status(ticket, "cancelled", ctx.now)
    except TransitionRefused:
        return _too_late(ticket, ctx)
    ctx.notify_staff(ctx.say("repair.staff_notice_cancelled", ticket=ticket.id, category=_label(ticket, ctx),
                             location=ticket.location), source_key=f"repair-cancel:{ticket.id}", role="property")
    return ctx.reply("repair.cancelled", ticket=ticket.id)


def _too_late(ticket: RepairTicket, ctx: Context) -> Reply:
    return ctx.reply("repair.cancel_too_late", ticket=ticket.id, status=ctx.say(f"repair.statuses.{ticket.status}"))


def _label(ticket: RepairTicket, ctx: Context) -> str:
    key = f"repair.categories.{ticket.category}"
    return ctx.say(key) if ctx.responses.has(key) else ticket.category
