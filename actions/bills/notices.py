"""账单推送: residents hear of a new bill, and once more a few days before it is due.

Both go through :func:`bot.notify.push`: a customer-service message inside WeChat's 48-hour
window, the ``bill_issued`` / ``bill_due`` template message outside it when the operator
configured one (``wechat.templates``), otherwise the message waits for the resident's next
message. Each is keyed on the bill and the resident, so a retried request or a job that runs
twice never tells anyone twice; residents who unfollowed get nothing.

Template fields (choose a template with these in the official account's 模板消息 page):
``first``, ``keyword1`` (the flat), ``keyword2`` (month and fee), ``keyword3`` (amount, yuan),
``keyword4`` (due date), ``remark``.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from actions.bills import flow
from actions.bills.reading import day_label, money, month_label
from bot.dialogue import Reply
from bot.jobs import JobContext
from bot.notify import Template, push
from bot.pay import payment_link
from store import Store
from store.bills import Bill, BillRepository

#: A link in a template message may be tapped days later: it works until the bill is due.
MAX_TEMPLATE_LINK = timedelta(days=31)


def announce(jobs: JobContext, store: Store, bill: Bill) -> int:
    """Tell the household's residents of a new unpaid bill; returns how many were told."""
    if bill.paid:
        return 0
    return _tell(jobs, store, bill, "issued")


@flow.job("bill_reminders", "cron", hour=9, minute=30)
def remind_due_bills(jobs: JobContext) -> int:
    """Every morning: unpaid bills due within ``reminder_days`` are recalled to their residents
    once. A bill issued inside that time needs no reminder: its notice already said when."""
    days = flow.config(jobs).reminder_days
    today = jobs.today
    with jobs.store() as store:
        due = [bill.id for bill in store[BillRepository].due_between(today, today + timedelta(days=days))]
    told = 0
    for bill_id in due:
        with jobs.store() as store:
            bill = store[BillRepository].get(bill_id)
            if bill is None or bill.paid:
                continue
            issued_on = bill.created_at.astimezone(jobs.timezone).date()
            if issued_on >= bill.due_date - timedelta(days=days):
                continue
            told += _tell(jobs, store, bill, "reminder")
    return told


def _tell(jobs: JobContext, store: Store, bill: Bill, what: str) -> int:
    household = store.households.get(bill.household_id)
    if household is None:
        return 0
    today = jobs.today
    values = {"address": household.address, "month": month_label(bill.period, today), "bill_type": bill.bill_type,
              "amount": money(bill.amount_fen), "due": day_label(bill.due_date, today)}
    text = jobs.say("bills.issued", **values) if what == "issued" else jobs.say("bills.reminder", **values)
    first = jobs.say("bills.template_issued_first") if what == "issued" else jobs.say("bills.template_reminder_first")
    told = 0
    for resident in store[BillRepository].residents_of(household.id):
        template = Template("bill_issued" if what == "issued" else "bill_due", {
            "first": first, "keyword1": household.address, "keyword2": f"{values['month']}{bill.bill_type}",
            "keyword3": f"{values['amount']}元", "keyword4": values["due"], "remark": jobs.say("bills.template_remark"),
        }, url=_link(jobs, bill, resident.openid))
        if push(store, resident.openid, Reply.text(text), jobs.now, key=f"bill:{bill.id}:{what}:{resident.openid}",
                template=template):
            told += 1
    return told


def _link(jobs: JobContext, bill: Bill, openid: str) -> str:
    """The payment page for the template's tap, working until the end of the due day."""
    end_of_due_day = datetime.combine(bill.due_date + timedelta(days=1), time(), jobs.timezone)
    hours = flow.config(jobs).pay_link_hours
    lifetime = min(max(end_of_due_day - jobs.now, timedelta(hours=hours)), MAX_TEMPLATE_LINK)
    return payment_link("bill", bill.id, openid, jobs.now, lifetime) or ""
