"""stop with no flow open: nothing to leave, so say so kindly.

(Inside a form, 取消/算了 and a confident ``stop`` are handled by the engine, which closes
the form before any action runs.)
"""
from __future__ import annotations

from bot.dialogue import Context, Reply, Turn, action


@action("stop")
def stop(turn: Turn, ctx: Context) -> Reply:
    ctx.state.pending_intent = None
    return Reply.text(ctx.say("stop.nothing"), footer=True)
