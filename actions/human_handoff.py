"""human_handoff (转人工): put the conversation in the staff inbox and say honestly what happens next."""
from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from bot.cases import LIVE_CASE
from bot.dialogue import Context, Flow, FlowSettings, MenuEntry, Reply, Stage, Turn
from bot.dialogue.text import is_noise


class HandoffSettings(FlowSettings):
    #: After staff answer, the resident's own words go to them for this long (or until closed).
    live_hours: float = Field(24, gt=0)


flow: Flow[HandoffSettings] = Flow("handoff", settings=HandoffSettings, menu=[MenuEntry("human_handoff", order=90)])


@flow.action("human_handoff")
def human_handoff(turn: Turn, ctx: Context) -> Reply:
    """Open an escalation (or add to the open one). Staff answer here, in the chat; the reply
    says so, and gives the phone for anything urgent."""
    escalated = ctx.escalate(turn, "request")
    reply = ctx.reply("handoff.queued" if escalated.opened else "handoff.already", case=escalated.escalation.id)
    return reply.closing()  # a person takes it from here; what was said is in the case


@flow.trigger(Stage.FALLBACK)
def to_the_open_case(turn: Turn, ctx: Context) -> Reply | None:
    """While staff have the resident's case open, what the bot cannot answer goes to them (a
    reply to their question, more details) instead of "not understood"."""
    if is_noise(turn) or turn.tapped:
        return None
    case = ctx.store.escalations.open_for(turn.openid)
    if case is None:
        return None
    ctx.store.escalations.append(case, turn.text, ctx.now)
    ctx.notify_staff(ctx.say("handoff.forward_notice", case=case.id, who=ctx.who(), text=turn.text),
                     source_key=turn.msg_key)
    return ctx.reply("handoff.forwarded", case=case.id)


def _live_case(ctx: Context) -> int | None:
    """The case staff are talking to the resident about, when their answer is recent."""
    live = ctx.dialog.slots.get(LIVE_CASE)
    if not isinstance(live, dict):
        return None
    since = datetime.fromisoformat(str(live.get("at")))
    if ctx.now - since > timedelta(hours=flow.config(ctx).live_hours):
        return None
    return int(live["id"])


@flow.trigger(Stage.INTENT)
def live_conversation(turn: Turn, ctx: Context) -> Reply | None:
    """Staff answered: what the resident writes next is for them, until the case is closed."""
    case_id = _live_case(ctx)
    if case_id is None or is_noise(turn) or turn.tapped:
        return None
    case = ctx.store.escalations.get(case_id)
    if case is None or case.status == "closed":
        return None
    ctx.store.escalations.append(case, turn.text, ctx.now)
    ctx.notify_staff(ctx.say("handoff.forward_notice", case=case.id, who=ctx.who(), text=turn.text),
                     source_key=turn.msg_key)
    return ctx.reply("handoff.live", case=case.id)


@flow.on_cancel
def leave_live_conversation(turn: Turn, ctx: Context) -> Reply | None:
    """取消 during a live conversation: back to the bot; staff still follow the case up."""
    case_id = _live_case(ctx)
    if case_id is None or ctx.dialog.form is not None:
        return None
    return ctx.reply("handoff.left", case=case_id).with_slots(**{LIVE_CASE: None})
