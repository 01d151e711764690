"""The number menu every resident can fall back on (0 / 菜单 / 帮助)."""
from __future__ import annotations

from bot.dialogue.context import Context
from bot.dialogue.turn import Option, Reply


def menu_options(ctx: Context) -> list[Option]:
    return [Option.intent(item.label, item.intent) for item in ctx.config.menu]


def main_menu(ctx: Context, text: str | None = None) -> Reply:
    """``text`` (the menu title by default) with the numbered menu under it."""
    return Reply.text(text if text is not None else ctx.say("menu.title"), menu_options(ctx))
