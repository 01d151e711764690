"""repair_cancel (取消报修): a resident withdraws their own report before staff assign it.

Said while a report is being filled in, it drops that report. An urgent report is never
cancelled here: it stays with the duty staff, and the resident is given the number to call.
"""
from __future__ import annotations

from actions.repair import flow
from bot.dialogue import Context, Option, Reply, Turn
from store.repairs import OPEN_STATUSES, RepairRepository


@flow.action("repair_cancel")
def repair_cancel(turn: Turn, ctx: Context) -> Reply:
    if ctx.dialog.form == "repair_report":
        return ctx.reply("repair.cancel_unsent").closing()
    repairs = ctx.store[RepairRepository]
    choice = ctx.dialog.slots.get("_choice") or {}
    household = ctx.household
    if "ticket" in choice:
        ticket = repairs.get(int(choice["ticket"]))
        mine = ticket is not None and (ticket.openid == turn.openid or (
            household is not None and ticket.household_id == household.id))
        if ticket is None or not mine:
            return ctx.reply("repair.cancel_none")
    else:
        open_tickets = [t for t in repairs.for_resident(turn.openid, household.id if household else None, 10)
                        if t.status in OPEN_STATUSES]
        if not open_tickets:
            return ctx.reply("repair.cancel_none")
        ticket = open_tickets[0]
    label = ctx.say(f"repair.categories.{ticket.category}") if ctx.responses.has(
        f"repair.categories.{ticket.category}") else ticket.category
    if ticket.urgent:
        return ctx.reply("repair.cancel_urgent", ticket=ticket.id, phone=ctx.config.community.emergency_phone)
    if ticket.status not in flow.config(ctx).cancellable_statuses:
        return ctx.reply("repair.cancel_too_late", ticket=ticket.id,
                         status=ctx.say(f"repair.statuses.{ticket.status}"))
    if not choice.get("confirm"):
        question = ctx.say("repair.cancel_confirm", ticket=ticket.id, category=label, location=ticket.location)
        return Reply.text(question, [
            Option.intent(ctx.say("repair.cancel_yes"), "repair_cancel", slots={"ticket": ticket.id, "confirm": True},
                          yes=True),
            Option.answer(ctx.say("repair.cancel_no"), "no"),
        ])
    repairs.set_status(ticket, "cancelled", ctx.now)
    ctx.notify_staff(ctx.say("repair.staff_notice_cancelled", ticket=ticket.id, category=label,
                             location=ticket.location), source_key=f"repair-cancel:{ticket.id}")
    return ctx.reply("repair.cancelled", ticket=ticket.id)
