"""help: the number menu (0 / 菜单 / 帮助 reach it from anywhere)."""
from __future__ import annotations

from bot.dialogue import Context, Flow, Reply, Turn
from bot.dialogue.menu import main_menu

flow: Flow = Flow("help", words="menu")


@flow.action("help")
def help_menu(turn: Turn, ctx: Context) -> Reply:
    return main_menu(ctx, ctx.registry)
