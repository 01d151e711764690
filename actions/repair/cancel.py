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
from bot.dialogue.engine import DIGRESSION_CONFIDENCE
from bot.dialogue.text import affirms, mentions, plain_set
from store.repairs import OPEN_STATUSES, RepairRepository, RepairTicket, TransitionRefused

#: At most this many reports are offered to choose from.
CHOICES = 5


#: A message longer than this is about more than withdrawing a report.
_SHORT = 16


@flow.trigger(Stage.COMMAND)
def cancel_words(turn: Turn, ctx: Context) -> Reply | None:
    if turn.tapped or not turn.text:
        return None
    settings = flow.config(ctx)
    named = mentions(turn.text, settings.cancel_words) or (
        len(turn.plain) <= _SHORT and mentions(turn.text, settings.cancel_verbs)
        and mentions(turn.text, settings.cancel_objects))
    return Reply.route("repair_cancel") if named else None


@flow.trigger(Stage.COMMAND)
def cancel_answer(turn: Turn, ctx: Context) -> Reply | None:
    """是的 / 不 to "确定取消单号 7 吗？" (the digits and the tapped choices work by themselves)."""
    if turn.tapped or not turn.text:
        return None
    asked = next((slots for slots in (option.value.get("slots") or {} for option in ctx.dialog.options
                                      if option.value.get("intent") == "repair_cancel") if slots.get("confirm")), None)
    if asked is None:
        return None
    sure = turn.confidence >= DIGRESSION_CONFIDENCE
    if turn.plain in plain_set(ctx.config.dialogue.keywords.agree) or affirms(turn, DIGRESSION_CONFIDENCE):
        ticket = ctx.store[RepairRepository].get(int(asked["ticket"]))
        return ctx.reply("repair.cancel_none") if ticket is None else withdraw(ticket, turn, ctx)
    if turn.intent == "deny" and sure:
        return ctx.reply("repair.cancel_kept", ticket=asked["ticket"])
    return None


@flow.action("repair_cancel")
def repair_cancel(turn: Turn, ctx: Context) -> Reply:
    if ctx.dialog.form == "repair_report":
        return ctx.reply("repair.cancel_unsent").closing()
    repairs = ctx.store[RepairRepository]
    choice = ctx.dialog.slots.get("_choice") or {}
    if "ticket" in choice:
        ticket = repairs.get(int(choice["ticket"]))
        if ticket is None:
            return ctx.reply("repair.cancel_none")
    else:
        household = ctx.household
        open_tickets = [t for t in repairs.for_resident(turn.openid, household.id if household else None, 20)
                        if t.status in OPEN_STATUSES]
        if not open_tickets:
            return ctx.reply("repair.cancel_none")
        cancellable = [t for t in open_tickets if _refusal(t, turn, ctx) is None]
        if len(cancellable) > 1:
            return Reply.text(ctx.say("repair.cancel_which"), [Option.intent(
                ctx.say("repair.cancel_choice", ticket=t.id, category=_label(t, ctx), location=t.location),
                "repair_cancel", slots={"ticket": t.id}) for t in cancellable[:CHOICES]])
        ticket = cancellable[0] if cancellable else open_tickets[0]
    refusal = _refusal(ticket, turn, ctx)
    if refusal is not None:
        return refusal
    if not choice.get("confirm"):
        question = ctx.say("repair.cancel_confirm", ticket=ticket.id, category=_label(ticket, ctx),
                           location=ticket.location)
        return Reply.text(question, [
            Option.intent(ctx.say("repair.cancel_yes"), "repair_cancel", slots={"ticket": ticket.id, "confirm": True},
                          yes=True),
            Option.answer(ctx.say("repair.cancel_no"), "no"),
        ])
    return withdraw(ticket, turn, ctx)


def withdraw(ticket: RepairTicket, turn: Turn, ctx: Context) -> Reply:
    """Cancel the resident's own ticket (confirmed) and tell the staff on duty."""
    refusal = _refusal(ticket, turn, ctx)
    if refusal is not None:
        return refusal
    try:
        ctx.store[RepairRepository].set_status(ticket, "cancelled", ctx.now)
    except TransitionRefused:
        return _too_late(ticket, ctx)
    ctx.notify_staff(ctx.say("repair.staff_notice_cancelled", ticket=ticket.id, category=_label(ticket, ctx),
                             location=ticket.location), source_key=f"repair-cancel:{ticket.id}", role="property")
    return ctx.reply("repair.cancelled", ticket=ticket.id)


def _refusal(ticket: RepairTicket, turn: Turn, ctx: Context) -> Reply | None:
    """Why this ticket cannot be withdrawn here, or None when it can: another household's,
    already cancelled, urgent (it stays with the duty staff), or already taken on."""
    household = ctx.household
    if ticket.openid != turn.openid and (household is None or ticket.household_id != household.id):
        return ctx.reply("repair.cancel_none")
    if ticket.status == "cancelled":
        return ctx.reply("repair.cancelled", ticket=ticket.id)
    if ticket.urgent:
        return ctx.reply("repair.cancel_urgent", ticket=ticket.id, phone=ctx.config.community.emergency_phone)
    if ticket.status not in flow.config(ctx).cancellable_statuses:
        return _too_late(ticket, ctx)
    return None


def _too_late(ticket: RepairTicket, ctx: Context) -> Reply:
    return ctx.reply("repair.cancel_too_late", ticket=ticket.id, status=ctx.say(f"repair.statuses.{ticket.status}"))


def _label(ticket: RepairTicket, ctx: Context) -> str:
    key = f"repair.categories.{ticket.category}"
    return ctx.say(key) if ctx.responses.has(key) else ticket.category
