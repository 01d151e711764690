"""stop with no flow open: nothing to leave, so say so kindly (and forget a waiting request).

(Inside a form, 取消/算了 and a confident ``stop`` are handled by the engine, which closes
the form before any action runs.)
"""
from __future__ import annotations

from bot.dialogue import Context, Flow, Reply, Turn
from bot.dialogue.menu import main_menu

flow: Flow = Flow("stop")


@flow.action("stop")
def stop(turn: Turn, ctx: Context) -> Reply:
    return main_menu(ctx, ctx.registry, ctx.say("stop.nothing")).forgetting_pending()
