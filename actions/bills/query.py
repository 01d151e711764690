"""bill_query (账单查询): what the resident's household owes, in short lines an elderly reader
can follow — a month, a year, a kind of fee, or only what is still unpaid (我欠费吗) — with
totals, paid and unpaid in words, and what to do next as numbered choices.

Private: only a bound household's bills, and only its own. An unbound resident binds first
and then gets the answer to the question they asked.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from actions.bills import flow
from actions.bills.reading import (
    Question,
    day_label,
    lines_reply,
    money,
    month_label,
    read_question,
    shift_month,
    this_month,
)
from bot.dialogue import Context, Option, Reply, Stage, Turn
from bot.dialogue.text import mentions, plain_set
from store.bills import BILL_TYPES, Bill, BillRepository, type_order
from store.models import Household


@flow.action("bill_query")
def bill_query(turn: Turn, ctx: Context) -> Reply:
    household = ctx.require_household(turn)
    settings = flow.config(ctx)
    question = read_question(turn, ctx.today, settings.unbilled_fees, ctx.dialog.slots.get("_choice"),
                             own_flat=(household.building, household.room))
    question = _as_follow_up(question, turn, ctx)
    repo = ctx.store[BillRepository]
    owed = repo.unpaid(household.id)
    if question.bad_month:
        return Reply.text(ctx.say("bills.bad_month", month=question.bad_month),
                          _choices(ctx, owed, this_month(ctx.today), question))
    if question.unbilled and not question.types:
        return Reply.text(ctx.say("bills.unbilled", fee=question.unbilled, types="、".join(BILL_TYPES)),
                          _choices(ctx, owed, this_month(ctx.today), question, recent=True))
    reply = _answer(question, household, owed, repo, ctx).with_slots(
        **{ASKED: {"types": list(question.types), "at": ctx.now.isoformat()}})
    if question.other_flat:
        reply = reply.prefixed(ctx.say("bills.only_own", address=household.address))
    if not turn.tapped and mentions(turn.text, settings.doubt_words):
        return _with_a_person(reply, ctx)
    return reply


ASKED = "_bills_asked"  # which fees the last answer was about, and when


@flow.trigger(Stage.INTENT)
def follow_up(turn: Turn, ctx: Context) -> Reply | None:
    """付了没有 just after a bill answer is about those bills, whatever the NLU read of two words."""
    if turn.intent == "bill_query" or turn.tapped or _asked_before(turn, ctx) is None:
        return None
    return Reply.route("bill_query")


def _asked_before(turn: Turn, ctx: Context) -> tuple[str, ...] | None:
    """The fees the last answer was about, when this message only follows it up (交了吗, 欠多少)
    within ``follow_up_minutes`` and nothing else was asked in between; None otherwise."""
    settings = flow.config(ctx)
    asked = ctx.dialog.slots.get(ASKED)
    if not isinstance(asked, dict) or not asked.get("types") or turn.plain not in plain_set(settings.follow_up_words):
        return None
    try:
        at = datetime.fromisoformat(str(asked.get("at")))
    except ValueError:
        return None
    if ctx.now - at > timedelta(minutes=settings.follow_up_minutes):
        return None
    last = ctx.dialog.last_activity
    if last is not None and last > at:  # another answer came since: the conversation has moved on
        return None
    return tuple(str(t) for t in asked["types"] if str(t) in BILL_TYPES)


def _as_follow_up(question: Question, turn: Turn, ctx: Context) -> Question:
    """交了吗 / 欠多少 just after 水费多少: about the water bills again, not every bill."""
    if question.types or question.periods or turn.tapped:
        return question
    types = _asked_before(turn, ctx)
    return replace(question, types=types) if types else question


def _with_a_person(reply: Reply, ctx: Context) -> Reply:
    """A bill the resident doubts: someone who can check it is one more choice."""
    options = ctx.with_a_person(reply.options)
    person = next(i for i, o in enumerate(options) if o.value.get("intent") == "human_handoff")
    note = ctx.say("bills.doubt", number=person + 1)
    return replace(reply, content=f"{reply.content}\n{note}", options=tuple(options))


def _answer(question: Question, household: Household, owed: list[Bill], repo: BillRepository,
            ctx: Context) -> Reply:
    address = household.address
    if question.unpaid_only:
        wanted = [b for b in owed if not question.types or b.bill_type in question.types]
        wanted = [b for b in wanted if not question.periods or b.period in question.periods]
        if not wanted:
            return Reply.text(ctx.say("bills.no_arrears", address=address),
                              _choices(ctx, owed, this_month(ctx.today), question, recent=True))
        lines: list[str] = [ctx.say("bills.header_unpaid", address=address), *_lines(wanted, ctx)]
        lines.append(ctx.say("bills.owed", count=len(wanted), total=money(sum(b.amount_fen for b in wanted))))
        return lines_reply(lines, _choices(ctx, owed, _newest(wanted), question))
    if question.periods:
        bills = repo.for_household(household.id, periods=question.periods, types=question.types)
        scope = "、".join(month_label(p, ctx.today) for p in question.periods) + _types_scope(question.types)
        header: str = ctx.say("bills.header_month", address=address, scope=scope)
        reference = question.periods[0]
        not_yet = (_not_billed_yet(question, household, owed, repo, ctx)
                   if not bills and question.periods == (this_month(ctx.today),) else None)
        if not_yet is not None:
            return not_yet
    elif question.year is not None:
        bills = repo.for_household(household.id, year=question.year, types=question.types)
        scope = f"{question.year}年" + _types_scope(question.types)
        if bills:
            return _year(bills, ctx.say("bills.header_year", address=address, scope=scope), owed, question, ctx)
        header, reference = "", this_month(ctx.today)
    elif question.types:
        bills = _recent_of_types(repo.for_household(household.id, types=question.types),
                                 flow.config(ctx).recent_months)
        scope = "、".join(question.types)
        header = ctx.say("bills.header_types", address=address, scope=scope)
        reference = _newest(bills) if bills else this_month(ctx.today)
    else:
        latest = repo.latest_period(household.id)
        if latest is None:
            return ctx.reply("bills.none_at_all", address=address)
        bills = [*repo.for_household(household.id, periods=(latest,)), *(b for b in owed if b.period != latest)]
        scope = month_label(latest, ctx.today)
        header = ctx.say("bills.header_recent", address=address, scope=scope)
        reference = latest
    if not bills:
        return Reply.text(ctx.say("bills.none_for", address=address, scope=scope),
                          _choices(ctx, owed, reference, question, recent=True))
    lines = [header, *_lines(bills, ctx), _totals(bills, ctx)]
    return lines_reply(lines, _choices(ctx, owed, reference, question))


def _not_billed_yet(question: Question, household: Household, owed: list[Bill], repo: BillRepository,
                    ctx: Context) -> Reply | None:
    """这个月水费 before this month is billed: said so, with the latest bills of those kinds."""
    latest = repo.latest_period(household.id)
    if latest is None or latest >= question.periods[0]:
        return None
    bills = repo.for_household(household.id, periods=(latest,), types=question.types)
    if not bills:
        return None
    scope = month_label(latest, ctx.today) + _types_scope(question.types)
    lines = [ctx.say("bills.not_billed_yet", month=month_label(question.periods[0], ctx.today)),
             ctx.say("bills.header_month", address=household.address, scope=scope), *_lines(bills, ctx),
             _totals(bills, ctx)]
    return lines_reply(lines, _choices(ctx, owed, latest, question))


def _types_scope(types: Sequence[str]) -> str:
    return "、".join(types)


def _recent_of_types(bills: list[Bill], months: int) -> list[Bill]:
    """The newest ``months`` months of each kind of fee asked about, and whatever is unpaid."""
    kept: list[Bill] = []
    seen: dict[str, int] = {}
    for bill in bills:  # newest month first
        seen[bill.bill_type] = seen.get(bill.bill_type, 0) + 1
        if seen[bill.bill_type] <= months or not bill.paid:
            kept.append(bill)
    return kept


def _newest(bills: Sequence[Bill]) -> str:
    return max(bill.period for bill in bills)


def _status(bill: Bill, ctx: Context) -> str:
    due = day_label(bill.due_date, ctx.today)
    if bill.paid:
        return ctx.say("bills.status_paid")
    if bill.overdue(ctx.today):
        return ctx.say("bills.status_overdue", due=due)
    return ctx.say("bills.status_unpaid", due=due)


def _lines(bills: Sequence[Bill], ctx: Context) -> list[str]:
    limit = flow.config(ctx).max_lines
    lines: list[str] = [ctx.say("bills.line", month=month_label(b.period, ctx.today), bill_type=b.bill_type,
                     amount=money(b.amount_fen), status=_status(b, ctx)) for b in bills[:limit]]
    if len(bills) > limit:
        lines.append(ctx.say("bills.more", count=len(bills) - limit))
    return lines


def _totals(bills: Sequence[Bill], ctx: Context) -> str:
    total = sum(b.amount_fen for b in bills)
    unpaid = sum(b.amount_fen for b in bills if not b.paid)
    if unpaid == 0:
        return ctx.say("bills.total_paid", total=money(total))
    if unpaid == total:
        return ctx.say("bills.total_unpaid", total=money(total))
    return ctx.say("bills.total_mixed", total=money(total), paid=money(total - unpaid), unpaid=money(unpaid))


def _year(bills: list[Bill], header: str, owed: list[Bill], question: Question, ctx: Context) -> Reply:
    """A whole year, one line per kind of fee: a year of months would be too long to follow."""
    lines = [header]
    for bill_type in sorted({b.bill_type for b in bills}, key=type_order):
        of_type = [b for b in bills if b.bill_type == bill_type]
        unpaid = sum(b.amount_fen for b in of_type if not b.paid)
        status = ctx.say("bills.year_paid") if unpaid == 0 else ctx.say("bills.year_unpaid", amount=money(unpaid))
        lines.append(ctx.say("bills.line_year", bill_type=bill_type, count=len(of_type),
                             amount=money(sum(b.amount_fen for b in of_type)), status=status))
    lines.append(_totals(bills, ctx))
    return lines_reply(lines, _choices(ctx, owed, _newest(bills), question, recent=True))


def _choices(ctx: Context, owed: list[Bill], reference: str, question: Question, *,
             recent: bool = False) -> list[Option]:
    """What to do next: pay (when something is owed), the month before, only the unpaid, the latest."""
    options: list[Option] = []
    if owed:
        options.append(Option.intent(ctx.say("bills.choice_pay"), "bill_pay"))
    previous = shift_month(reference, -1)
    options.append(_ask(ctx.say("bills.choice_month", month=month_label(previous, ctx.today)), period=previous))
    if owed and not question.unpaid_only:
        options.append(_ask(ctx.say("bills.choice_unpaid"), unpaid=True))
    if recent or question.unpaid_only:
        options.append(_ask(ctx.say("bills.choice_recent"), recent=True))
    return options[:4]


def _ask(label: str, **about: Any) -> Option:
    return Option.intent(label, "bill_query", slots=about)
