"""party_fee (党费缴纳): what a party member owes per month, what is paid, and paying it.

A bound resident whose roster member is marked ``party_member`` sees their own fees: the
unpaid months first (each with a link to pay in WeChat when WeChat Pay is configured, otherwise
where and when the party office takes it), then the latest paid ones. A resident who is not a
member is told kindly that the party fee is a members' matter — never an amount. A month asked
about (这个月党费交了吗) is answered first. WeChat Pay's notification marks the fee paid, once,
and thanks the payer; unpaid fees are recalled to their members once, from the configured day
of the month on.
"""
from __future__ import annotations

from datetime import timedelta

from actions.bills.reading import lines_reply, money, month_label, this_month
from actions.party import flow, office_of
from bot.dialogue import Context, Option, Reply, Turn
from bot.jobs import JobContext
from bot.notify import Template, push
from bot.pay import Payable, PayableKind, payment_link, register
from store import Store
from store.party_fees import PartyFee, PartyFeeRepository
from store.payments import PaymentOrder, PaymentRepository

#: At most this many unpaid months get a payment link in one reply.
MAX_LINKS = 6


@flow.action("party_fee")
def party_fee(turn: Turn, ctx: Context) -> Reply:
    household = ctx.require_household(turn)
    settings = flow.config(ctx)
    office, hours = office_of(settings, ctx.config.community)
    member = ctx.member
    contacts = Option.intent(ctx.label_of("party_contact"), "party_contact")
    if member is None or not member.party_member:
        return Reply.text(ctx.say("party.not_member", office=office, hours=hours), [contacts])
    fees = ctx.store[PartyFeeRepository].of_member(household.id, member.name)
    if not fees:
        return Reply.text(ctx.say("party.none_recorded", name=member.name, office=office, hours=hours), [contacts])
    lines: list[str] = [ctx.say("party.head", name=member.name)]
    asked = str(turn.entity("period") or "")
    if asked and not any(fee.period == asked for fee in fees):
        lines.append(ctx.say("party.none_for", month=month_label(asked, ctx.today)))
    unpaid = sorted((fee for fee in fees if not fee.paid), key=lambda fee: fee.period)
    paid = [fee for fee in fees if fee.paid]
    shown_paid = [fee for fee in paid if fee.period == asked]  # the month asked about, then the latest
    shown_paid += [fee for fee in paid if fee not in shown_paid][:settings.paid_months_shown]
    links = [payment_link("party_fee", fee.id, turn.openid, ctx.now, timedelta(hours=settings.pay_link_hours))
             for fee in unpaid[:MAX_LINKS]]
    online = bool(unpaid) and all(links)
    if online:
        lines += [ctx.say("party.line_link", month=month_label(fee.period, ctx.today), amount=money(fee.amount_fen),
                          link=link) for fee, link in zip(unpaid[:MAX_LINKS], links, strict=True)]
    else:
        lines += [_line(fee, ctx) for fee in unpaid[:MAX_LINKS]]
    lines += [_line(fee, ctx) for fee in sorted(shown_paid, key=lambda fee: fee.period, reverse=True)]
    if unpaid:
        lines.append(ctx.say("party.owed", count=len(unpaid), total=money(sum(fee.amount_fen for fee in unpaid))))
        lines.append(ctx.say("party.online_note", hours=settings.pay_link_hours) if online
                     else ctx.say("party.offline", office=office, hours=hours))
    else:
        lines.append(ctx.say("party.all_paid"))
    return lines_reply(lines, [contacts])


def _line(fee: PartyFee, ctx: Context) -> str:
    status = ctx.say("party.status_paid") if fee.paid else ctx.say("party.status_unpaid")
    return ctx.say("party.line", month=month_label(fee.period, ctx.today), amount=money(fee.amount_fen),
                   status=status)


# --- the party fee as something WeChat Pay can pay ----------------------------------------------

def load_fee(jobs: JobContext, store: Store, fee_id: int, openid: str) -> Payable | None:
    """The fee, when it is the household of ``openid``'s to pay (a resident who unbound since the
    link was sent can no longer use it)."""
    fee = store[PartyFeeRepository].get(fee_id)
    resident = store.residents.get(openid)
    if fee is None or resident is None or resident.household_id != fee.household_id:
        return None
    description = jobs.say("party.pay_description", name=fee.member_name, month=month_label(fee.period, jobs.today))
    return Payable("party_fee", fee.id, fee.amount_fen, description, fee.household_id, fee.paid)


def settle_fee(jobs: JobContext, store: Store, order: PaymentOrder) -> bool:
    """WeChat Pay confirmed the order: the fee is paid, and the payer is thanked (once)."""
    repo = store[PartyFeeRepository]
    fee = repo.get(order.reference_id, for_update=True)
    if fee is None or not repo.mark_paid(fee, jobs.now, "wechat"):
        return False
    store[PaymentRepository].close_open("party_fee", fee.id)
    if order.openid:
        thanks = jobs.say("party.paid_thanks", name=fee.member_name, month=month_label(fee.period, jobs.today),
                          amount=money(fee.amount_fen))
        push(store, order.openid, Reply.text(thanks, footer=True), jobs.now, key=f"party-fee:{fee.id}:paid:{order.id}")
    return True


register(PayableKind("party_fee", load=load_fee, settle=settle_fee))


# --- reminders -----------------------------------------------------------------------------------

@flow.job("party_fee_reminders", "cron", hour=9, minute=40)
def remind_unpaid_fees(jobs: JobContext) -> int:
    """From ``reminder_day`` of each month: every unpaid fee up to this month is recalled to its
    member (the residents bound as that member), once per fee. Returns how many were told."""
    settings = flow.config(jobs)
    today = jobs.today
    if today.day < settings.reminder_day:
        return 0
    with jobs.store() as store:
        due = [fee.id for fee in store[PartyFeeRepository].to_remind(this_month(today))]
    told = 0
    for fee_id in due:
        with jobs.store() as store:
            repo = store[PartyFeeRepository]
            fee = repo.get(fee_id, for_update=True)
            if fee is None or fee.paid or fee.reminded_at is not None:
                continue
            told += _remind(jobs, store, fee)
    return told


def _remind(jobs: JobContext, store: Store, fee: PartyFee) -> int:
    month = month_label(fee.period, jobs.today)
    text = jobs.say("party.reminder", name=fee.member_name, month=month, amount=money(fee.amount_fen))
    told = 0
    for resident in store[PartyFeeRepository].residents_of_member(fee.household_id, fee.member_name):
        link = payment_link("party_fee", fee.id, resident.openid, jobs.now,
                            timedelta(hours=flow.config(jobs).pay_link_hours)) or ""
        template = Template("party_fee_due", {"first": jobs.say("party.template_reminder_first"),
                                              "keyword1": fee.member_name, "keyword2": month,
                                              "keyword3": f"{money(fee.amount_fen)}元",
                                              "remark": jobs.say("party.template_remark")}, url=link)
        if push(store, resident.openid, Reply.text(text, footer=True), jobs.now,
                key=f"party-fee:{fee.id}:reminder:{resident.openid}", template=template):
            told += 1
    if told:
        fee.reminded_at = jobs.now
    return told


def unpaid_of(store: Store, household_id: int, member_name: str) -> list[PartyFee]:
    return [fee for fee in store[PartyFeeRepository].of_member(household_id, member_name) if not fee.paid]

