"""greet: say hello and show what the bot can do."""
from __future__ import annotations

from bot.dialogue import Context, Flow, Reply, Turn
from bot.dialogue.menu import main_menu

flow: Flow = Flow("greet")


@flow.action("greet")
def greet(turn: Turn, ctx: Context) -> Reply:
    """Hello, with the number menu so that the next step is one digit away."""
    return main_menu(ctx, ctx.registry, ctx.say("greet.hello"))
