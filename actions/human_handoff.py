"""human_handoff (转人工): put the conversation in the staff inbox and say what happens next."""
from __future__ import annotations

from bot.dialogue import Context, Reply, Turn, action


@action("human_handoff")
def human_handoff(turn: Turn, ctx: Context) -> Reply:
    """Open an escalation (or add to the open one) and tell the resident honestly when staff answer."""
    _, opened = ctx.escalate(turn, "request")
    return Reply.text(ctx.say("handoff.queued" if opened else "handoff.already"), footer=True)
