"""points_balance (爱心银行): the household's points and what changed them, in plain words.

"我有多少积分" gives the balance and the latest few entries, newest first
(``11月3日 捐赠旧衣物 +50``, ``11月20日 换购 毛巾 -30``), any rewards waiting to be collected
with their pickup codes, and the next steps a digit away: exchange, donate, every entry.
"积分明细" / "全部记录" (or that choice) lists every entry. Only a bound household has points:
an unbound resident binds first, then gets the answer.
"""
from __future__ import annotations

from datetime import datetime

from actions.bills.reading import lines_reply
from actions.points import flow
from bot.dialogue import Context, Option, Reply, Turn
from bot.dialogue.text import mentions
from store.points import PointsEntry, PointsRepository
from store.rewards import RewardRepository


@flow.action("points_balance")
def points_balance(turn: Turn, ctx: Context) -> Reply:
    household = ctx.require_household(turn)
    settings = flow.config(ctx)
    ledger = ctx.store[PointsRepository]
    choice = ctx.dialog.slots.get("_choice") or {}
    everything = bool(choice.get("all")) or (not turn.tapped and mentions(turn.text, settings.history_words))
    limit = settings.all_entries if everything else settings.recent_entries
    entries = ledger.entries(household.id, newest_first=True, limit=limit + 1)
    shown = entries[:limit]
    lines: list[str] = [ctx.say("points.balance", address=household.address, balance=ledger.balance(household.id))]
    if not shown:
        lines.append(ctx.say("points.none_yet"))
    else:
        if everything:
            total = len(ledger.entries(household.id))
            lines.append(ctx.say("points.all", count=total) if total <= limit
                         else ctx.say("points.all_cut", count=total, shown=limit))
        else:
            lines.append(ctx.say("points.recent"))
        lines += [entry_line(entry, ctx) for entry in shown]
    place, hours = pickup(ctx)
    for waiting in ctx.store[RewardRepository].pending_for_household(household.id):
        lines.append(ctx.say("points.waiting", reward=waiting.reward_name, code=waiting.code, place=place,
                             hours=hours))
    options = [Option.intent(ctx.say("points.choice_redeem"), "points_redeem")]
    if ctx.registry.get("donate") is not None:
        options.append(Option.intent(ctx.say("points.choice_donate"), "donate"))
    if not everything and len(entries) > limit:
        options.append(Option.intent(ctx.say("points.choice_all"), "points_balance", slots={"all": True}))
    return lines_reply(lines, options)


def entry_line(entry: PointsEntry, ctx: Context) -> str:
    """``11月3日 捐赠旧衣物 +50``."""
    return ctx.say("points.entry", date=day_of(entry.created_at, ctx), reason=entry.reason,
                   delta=f"+{entry.delta}" if entry.delta > 0 else str(entry.delta))


def day_of(moment: datetime, ctx: Context) -> str:
    local = moment.astimezone(ctx.timezone)
    if local.year != ctx.today.year:
        return f"{local.year}年{local.month}月{local.day}日"
    return f"{local.month}月{local.day}日"


def pickup(ctx: Context) -> tuple[str, str]:
    """Where and when rewards are collected."""
    settings = flow.config(ctx)
    community = ctx.config.community
    return settings.pickup_place or community.property_office, settings.pickup_hours or community.office_hours
