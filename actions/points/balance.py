"""points_balance (爱心银行): the household's points and what changed them, in plain words.

"我有多少积分" gives the balance and the latest few entries, newest first
(``11月3日 捐赠旧衣物 +50``, ``11月20日 换购 毛巾 -30``), any rewards waiting to be collected
with their pickup codes, and the next steps a digit away: exchange, donate, every entry.
"积分明细" / "全部记录" (or that choice) lists every entry. Only a bound household has points:
an unbound resident binds first, then gets the answer.
"""
from __future__ import annotations

from datetime import datetime

from actions.bills.reading import lines_reply, month_label
from actions.points import flow
from bot.dialogue import Context, Option, Reply, Stage, Turn
from bot.dialogue.text import mentions
from store.points import PointsEntry, PointsRepository
from store.rewards import RewardRepository


@flow.action("points_balance")
def points_balance(turn: Turn, ctx: Context) -> Reply:
    household = ctx.require_household(turn)
    settings = flow.config(ctx)
    ledger = ctx.store[PointsRepository]
    choice = ctx.dialog.slots.get("_choice") or {}
    words = turn.text if not turn.tapped else ""
    everything = bool(choice.get("all")) or mentions(words, settings.history_words)
    limit = settings.all_entries if everything else settings.recent_entries
    entries = ledger.entries(household.id, newest_first=True, limit=limit + 1)
    shown = entries[:limit]
    lines: list[str] = [ctx.say("points.balance", address=household.address, balance=ledger.balance(household.id))]
    period = str(turn.entity("period") or "") if words else ""
    if period:  # 上个月加了多少积分: that month's entries and what they came to
        that_month = [entry for entry in ledger.entries(household.id, newest_first=True)
                      if month_of(entry.created_at, ctx) == period]
        label = month_label(period, ctx.today)
        if not that_month:
            lines.append(ctx.say("points.month_none", month=label))
        else:
            total = sum(e.delta for e in that_month)
            lines.append(ctx.say("points.month", month=label, total=f"+{total}" if total > 0 else str(total)))
            lines += [entry_line(entry, ctx) for entry in that_month]
    elif not shown:
        lines.append(ctx.say("points.none_yet"))
    else:
        if everything:
            total = len(ledger.entries(household.id))
            lines.append(ctx.say("points.all", count=total) if total <= limit
                         else ctx.say("points.all_cut", count=total, shown=limit))
        else:
            lines.append(ctx.say("points.recent"))
        lines += [entry_line(entry, ctx) for entry in shown]
    if shown and mentions(words, settings.earn_words):
        lines.append(ctx.say("points.how_to_earn"))
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


def month_of(moment: datetime, ctx: Context) -> str:
    local = moment.astimezone(ctx.timezone)
    return f"{local.year:04d}-{local.month:02d}"


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


@flow.trigger(Stage.COMMAND)
def code_words(turn: Turn, ctx: Context) -> Reply | None:
    """"我的取货码" / "取货码忘了" / "我的换购": the rewards waiting to be collected, whatever the NLU read
    (never inside a form, where the form reads the words)."""
    if ctx.dialog.form is not None or turn.tapped or not turn.text:
        return None
    settings = flow.config(ctx)
    return Reply.route("points_redeem") if mentions(turn.text, [*settings.code_words, *settings.mine_words]) else None


def waiting_reply(ctx: Context) -> Reply:
    """Where and when to collect, with every reward the household has waiting and its code."""
    household = ctx.household
    assert household is not None
    place, hours = pickup(ctx)
    waiting = ctx.store[RewardRepository].pending_for_household(household.id)
    if not waiting:
        return Reply.text(ctx.say("points.nothing_waiting", place=place, hours=hours),
                          [Option.intent(ctx.say("points.choice_redeem"), "points_redeem")])
    lines = [ctx.say("points.waiting", reward=w.reward_name, code=w.code, place=place, hours=hours) for w in waiting]
    return lines_reply(lines, [Option.intent(ctx.label_of("points_balance"), "points_balance")])
