"""affirm and deny outside any question: acknowledge them and point at the menu."""
from __future__ import annotations

from bot.dialogue import Context, Flow, Reply, Turn

flow: Flow = Flow("acknowledge")


@flow.action("affirm")
def affirm(turn: Turn, ctx: Context) -> Reply:
    return ctx.reply("acknowledge.affirm")


@flow.action("deny")
def deny(turn: Turn, ctx: Context) -> Reply:
    return ctx.reply("acknowledge.deny")
