"""Services the bot understands but cannot yet do online: offer a person instead.

Each of these intents gets its own module when its flow is built; until then the
resident is told plainly and offered the escalation inbox (one digit away).
"""
from __future__ import annotations

from bot.dialogue import Context, Option, Reply, Turn, action

REFERRED_INTENTS = (
    "bill_query", "bill_pay", "weather", "event_list", "event_signup", "event_cancel",
    "points_balance", "points_redeem", "donate", "notice", "rate_service", "party_fee", "merchant",
)


@action(*REFERRED_INTENTS)
def staff_referral(turn: Turn, ctx: Context) -> Reply:
    label = ctx.config.label_of(turn.intent or "")
    return Reply.text(
        ctx.say("referral.offer", label=label),
        [Option.intent(ctx.config.label_of("human_handoff"), "human_handoff")],
        footer=True,
    )
