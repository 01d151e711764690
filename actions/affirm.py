"""affirm outside any question: acknowledge it and point at the menu."""
from __future__ import annotations

from bot.dialogue import Context, Reply, Turn, action


@action("affirm")
def affirm(turn: Turn, ctx: Context) -> Reply:
    return Reply.text(ctx.say("acknowledge.affirm"), footer=True)
