"""help: the number menu."""
from __future__ import annotations

from bot.dialogue import Context, Reply, Turn, action
from bot.dialogue.menu import main_menu


@action("help")
def help_menu(turn: Turn, ctx: Context) -> Reply:
    """The menu (0 / 菜单 / 帮助 reach it from anywhere)."""
    return main_menu(ctx)
