"""thanks: a short, warm answer."""
from __future__ import annotations

from bot.dialogue import Context, Reply, Turn, action


@action("thanks")
def thanks(turn: Turn, ctx: Context) -> Reply:
    return Reply.text(ctx.say("thanks.reply"), footer=True)
