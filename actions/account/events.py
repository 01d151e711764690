"""Following, scanning a building's QR code, unfollowing.

A new follower gets one short message: what the account does in three lines, how to bind
(a tap away), and a short number menu. Someone following again is welcomed back — with their
household still bound, if it was. A building's QR code (scene ``b3`` / ``b5-1``, see
:mod:`bot.wechat.scene`) is remembered on the resident, so that binding asks only for the room
and a repair report offers that building. Unfollowing stops every push at once: whatever
waits in the outbox for them is dropped (and :func:`bot.notify.push` queues nothing more).
"""
from __future__ import annotations

from actions.account import flow
from bot.dialogue import Context, Option, Reply, Stage, Turn
from bot.dialogue.menu import main_menu
from bot.wechat.scene import MAX_SCENE, Building, building_of
from store.account import AccountRepository

#: What a new (or returning, unbound) follower is offered under the greeting, when installed.
GREETING_CHOICES = ("bind_household", "help", "human_handoff", "privacy_notice")


@flow.trigger(Stage.COMMAND, kinds=("event",))
def follow_events(turn: Turn, ctx: Context) -> Reply | None:
    if turn.event == "unsubscribe":
        ctx.store.outbox.drop_for(turn.openid)
        return Reply.nothing()
    if turn.event not in ("subscribe", "subscribe_scan", "scan"):
        return None
    building = _remember_scene(turn, ctx)
    household = ctx.household
    if turn.event == "scan":  # only a follower can scan: they are back, not new
        if household is not None:
            return main_menu(ctx, ctx.registry, ctx.say("account.scan_bound", address=household.address))
        return _unbound(ctx.say("account.scan"), building, ctx)
    if household is not None:  # following again, and the household is still theirs
        return main_menu(ctx, ctx.registry, ctx.say("account.welcome_back_bound", address=household.address))
    returning = ctx.resident.first_seen_at < ctx.now
    return _unbound(ctx.say("account.welcome_back" if returning else "account.welcome"), building, ctx)


def _remember_scene(turn: Turn, ctx: Context) -> Building | None:
    """Keep the QR code's scene: where the resident came from, and their building when it names
    one. A code that names no building never replaces one that did."""
    scene = turn.event_key.strip()[:MAX_SCENE]
    if turn.event not in ("subscribe_scan", "scan") or not scene:
        return None
    building = building_of(scene)
    if building is not None or building_of(ctx.resident.scene) is None:
        ctx.store[AccountRepository].remember_scene(ctx.resident, building.scene if building is not None else scene)
    return building


def _unbound(welcome: str, building: Building | None, ctx: Context) -> Reply:
    """The greeting of someone not bound yet: what the account does, how to bind, a few choices."""
    choices = [Option.intent(ctx.label_of(intent), intent)
               for intent in GREETING_CHOICES if ctx.registry.get(intent) is not None]
    reply = Reply.text(ctx.say("account.how_to_bind"), choices)
    if building is not None:
        reply = reply.prefixed(ctx.say("account.scanned_building", place=building.place))
    return reply.prefixed(welcome)
