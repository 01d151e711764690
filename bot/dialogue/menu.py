"""The number menu every resident can fall back on (0 / 菜单 / 帮助).

The first level is config.yml's ``menu`` (the operator's choice and order); every other
installed service (a flow's ``MenuEntry``) is one digit further, under "more services".
A service whose flow is not installed is not shown.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue.turn import Option, Reply

if TYPE_CHECKING:
    from bot.dialogue.context import Context
    from bot.dialogue.registry import Registry

MORE = "more"


def _installed(intents: list[str], registry: Registry) -> list[str]:
    return [intent for intent in intents if registry.get(intent) is not None]


def more_intents(ctx: Context, registry: Registry) -> list[str]:
    first = set(ctx.config.menu)
    return [entry.intent for entry in registry.menu
            if entry.intent not in first and registry.get(entry.intent) is not None]


def menu_options(ctx: Context, registry: Registry, group: str | None = None) -> list[Option]:
    if group == MORE:
        return [Option.intent(ctx.label_of(intent), intent) for intent in more_intents(ctx, registry)]
    options = [Option.intent(ctx.label_of(intent), intent) for intent in _installed(ctx.config.menu, registry)]
    if more_intents(ctx, registry):
        options.append(Option(ctx.say("menu.more"), {"menu": MORE}))
    return options


def main_menu(ctx: Context, registry: Registry, text: str | None = None, *, group: str | None = None) -> Reply:
    """``text`` (the menu title by default) with the numbered menu under it."""
    title = text if text is not None else ctx.say("menu.title" if group is None else "menu.more_title")
    return Reply.text(title, menu_options(ctx, registry, group))
