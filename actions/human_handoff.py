"""human_handoff (转人工): put the conversation in the staff inbox and say honestly what happens next."""
from __future__ import annotations

from bot.dialogue import Context, Flow, MenuEntry, Reply, Turn

flow: Flow = Flow("handoff", menu=[MenuEntry("human_handoff", order=90)])


@flow.action("human_handoff")
def human_handoff(turn: Turn, ctx: Context) -> Reply:
    """Open an escalation (or add to the open one). Staff answer here, in the chat; the reply
    says so, and gives the phone for anything urgent."""
    escalated = ctx.escalate(turn, "request")
    return ctx.reply("handoff.queued" if escalated.opened else "handoff.already", case=escalated.escalation.id)
