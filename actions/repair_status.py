"""repair_status (报修进度): where the resident's repairs stand."""
from __future__ import annotations

from bot.dialogue import Context, Reply, Turn, action
from store.models import RepairTicket


@action("repair_status")
def repair_status(turn: Turn, ctx: Context) -> Reply:
    """The newest tickets this resident reported, or their household did (nobody else's)."""
    household = ctx.household
    tickets = ctx.store.repairs.for_resident(turn.openid, household.id if household else None)
    if not tickets:
        return Reply.text(ctx.say("repair_status.none"), footer=True)
    lines = [ctx.say("repair_status.header")] + [_line(ticket, ctx) for ticket in tickets]
    return Reply.text("\n".join(lines), footer=True)


def _line(ticket: RepairTicket, ctx: Context) -> str:
    local = ticket.created_at.astimezone(ctx.timezone)
    return ctx.say(
        "repair_status.line",
        ticket=ticket.id,
        category=ctx.config.repair.categories.get(ticket.category, ticket.category),
        location=ticket.location,
        status=ctx.say(f"repair_status.statuses.{ticket.status}"),
        date=f"{local.month}月{local.day}日",
    )
