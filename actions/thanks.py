"""thanks: a short, warm answer."""
from __future__ import annotations

from bot.dialogue import Context, Flow, Reply, Turn

flow: Flow = Flow("thanks")


@flow.action("thanks")
def thanks(turn: Turn, ctx: Context) -> Reply:
    return ctx.reply("thanks.reply")
