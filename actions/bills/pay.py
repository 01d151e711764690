"""bill_pay (账单缴费): what is owed and how to pay it.

With WeChat Pay configured, each unpaid bill comes with a link to this app's payment page
(:mod:`bot.pay.web`): tapping it starts a JSAPI payment for exactly that bill, and WeChat Pay's
notification marks the bill paid and thanks the resident. Without it, the reply says where,
when and how to pay (config.yml ``bills``) — it never pretends a payment happened.

Bills are a payable kind (``bill``) of :mod:`bot.pay.kinds`; the party fee will be another.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from actions.bills import flow
from actions.bills.reading import day_label, lines_reply, money, month_label, read_question
from bot.dialogue import Context, Option, Reply, Turn
from bot.jobs import JobContext
from bot.notify import push
from bot.pay import Payable, PayableKind, payment_link, register
from store import Store
from store.bills import Bill, BillRepository
from store.payments import PaymentOrder, PaymentRepository

#: At most this many bills get a payment link in one reply (a text message has room for them).
MAX_LINKS = 5


@flow.action("bill_pay")
def bill_pay(turn: Turn, ctx: Context) -> Reply:
    household = ctx.require_household(turn)
    settings = flow.config(ctx)
    question = read_question(turn, ctx.today, settings.unbilled_fees, ctx.dialog.slots.get("_choice"))
    owed = ctx.store[BillRepository].unpaid(household.id)
    details = Option.intent(ctx.say("bills.choice_details"), "bill_query")
    if not owed:
        return Reply.text(ctx.say("bills.pay_nothing", address=household.address), [details])
    wanted = [b for b in owed if (not question.types or b.bill_type in question.types)
              and (not question.periods or b.period in question.periods)]
    note = ""
    if question.unbilled and not question.types:
        note = ctx.say("bills.pay_unbilled", fee=question.unbilled)
    elif not wanted:
        scope = "、".join([*(month_label(p, ctx.today) for p in question.periods), *question.types])
        note = ctx.say("bills.pay_nothing_of", address=household.address, scope=scope)
    wanted = wanted or owed
    lines: list[str] = [ctx.say("bills.pay_head", address=household.address, count=len(wanted),
                                total=money(sum(b.amount_fen for b in wanted)))]
    lifetime = timedelta(hours=settings.pay_link_hours)
    links = [payment_link("bill", b.id, turn.openid, ctx.now, lifetime) for b in wanted[:MAX_LINKS]]
    if all(links):
        shown = zip(wanted[:MAX_LINKS], links, strict=True)
        lines += [ctx.say("bills.pay_line_link", link=link, **_values(b, ctx)) for b, link in shown]
        if len(wanted) > MAX_LINKS:
            lines.append(ctx.say("bills.more", count=len(wanted) - MAX_LINKS))
        lines.append(ctx.say("bills.pay_online_note", hours=settings.pay_link_hours))
    else:
        lines += [ctx.say("bills.pay_line", **_values(b, ctx)) for b in wanted[:MAX_LINKS]]
        if len(wanted) > MAX_LINKS:
            lines.append(ctx.say("bills.more", count=len(wanted) - MAX_LINKS))
        lines += _offline(ctx)
    reply = lines_reply(lines, [details, Option.intent(ctx.label_of("human_handoff"), "human_handoff")])
    return reply.prefixed(note)


def _values(bill: Bill, ctx: Context) -> dict[str, str]:
    due = day_label(bill.due_date, ctx.today)
    status = ctx.say("bills.pay_overdue", due=due) if bill.overdue(ctx.today) else ctx.say("bills.pay_due", due=due)
    return {"month": month_label(bill.period, ctx.today), "bill_type": bill.bill_type,
            "amount": money(bill.amount_fen), "status": status}


def _offline(ctx: Context) -> list[str]:
    """Where, when and how to pay when WeChat Pay is not set up."""
    settings = flow.config(ctx)
    community = ctx.config.community
    lines: list[str] = [ctx.say("bills.pay_offline", office=settings.pay_office or community.property_office,
                     hours=settings.pay_hours or community.office_hours, methods=settings.pay_methods)]
    if settings.pay_link:
        lines.append(ctx.say("bills.pay_offline_link", link=settings.pay_link))
    lines.append(ctx.say("bills.pay_offline_phone"))
    return lines


# --- bills as something WeChat Pay can pay ------------------------------------------------------

def load_bill(jobs: JobContext, store: Store, bill_id: int, openid: str) -> Payable | None:
    """The bill, when it is the household of ``openid``'s to pay (a resident who unbound since
    the link was sent can no longer use it)."""
    bill = store[BillRepository].get(bill_id)
    resident = store.residents.get(openid)
    if bill is None or resident is None or resident.household_id != bill.household_id:
        return None
    household = store.households.get(bill.household_id)
    address = household.address if household else ""
    description = jobs.say("bills.pay_description", address=address, month=month_label(bill.period, jobs.today),
                           bill_type=bill.bill_type)
    return Payable("bill", bill.id, bill.amount_fen, description, bill.household_id, bill.paid)


def settle_bill(jobs: JobContext, store: Store, order: PaymentOrder) -> bool:
    """WeChat Pay confirmed the order: the bill is paid, and the payer is thanked (once)."""
    repo = store[BillRepository]
    bill = repo.get_for_update(order.reference_id)
    if bill is None or not repo.mark_paid(bill, jobs.now, "wechat"):
        return False
    store[PaymentRepository].close_open("bill", bill.id)
    household = store.households.get(bill.household_id)
    if order.openid:
        thanks = jobs.say("bills.paid_thanks", address=household.address if household else "",
                          month=month_label(bill.period, jobs.today), bill_type=bill.bill_type,
                          amount=money(bill.amount_fen))
        push(store, order.openid, Reply.text(thanks, footer=True), jobs.now, key=f"bill:{bill.id}:paid:{order.id}")
    return True


register(PayableKind("bill", load=load_bill, settle=settle_bill))


@flow.forget
def forget_payer(store: Store, openid: str, now: datetime) -> int:
    """Payments stay in the community's accounts; who paid them (the openid) does not."""
    return store[PaymentRepository].forget(openid)


@flow.describe
def describe_payments(ctx: Context) -> list[str]:
    """我的信息: the bills this resident paid in WeChat (the bills are the household's)."""
    paid = ctx.store[PaymentRepository].paid_by(ctx.resident.openid)
    if not paid:
        return []
    return [ctx.say("bills.describe_payments", count=len(paid), total=money(sum(o.amount_fen for o in paid)))]
