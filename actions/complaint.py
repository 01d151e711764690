"""complaint (投诉建议): complaints always reach a person."""
from __future__ import annotations

from bot.dialogue import Context, Reply, Turn, action


@action("complaint")
def complaint(turn: Turn, ctx: Context) -> Reply:
    """Escalate with the resident's own words, and tell them who will answer."""
    _, opened = ctx.escalate(turn, "complaint")
    return Reply.text(ctx.say("complaint.received" if opened else "handoff.already"), footer=True)
