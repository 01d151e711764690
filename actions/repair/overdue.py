"""A ticket nobody accepted in time (still 待受理 ``accept_within_hours`` after it was reported)
goes to the staff inbox and the staff on duty are told — once per ticket, however often the
job runs and however many workers run it."""
from __future__ import annotations

from datetime import timedelta

from actions.repair import flow
from bot.cases import tell_staff
from bot.jobs import JobContext
from store.repairs import RepairRepository


@flow.job("repair_overdue", "interval", minutes=10)
def escalate_overdue(jobs: JobContext) -> int:
    """Escalate every ticket waiting too long to be accepted; returns how many were escalated."""
    hours = flow.config(jobs).accept_within_hours
    with jobs.store() as store:
        waiting = [ticket.id for ticket in store[RepairRepository].overdue(jobs.now - timedelta(hours=hours))]
    escalated = 0
    for ticket_id in waiting:
        with jobs.store() as store:  # one ticket, one unit of work: a failure loses no other
            repairs = store[RepairRepository]
            ticket = repairs.get(ticket_id)
            if ticket is None or ticket.status != "pending" or not repairs.mark_escalated(ticket, jobs.now):
                continue
            label_key = f"repair.categories.{ticket.category}"
            category = jobs.say(label_key) if jobs.runtime.responses.has(label_key) else ticket.category
            text = jobs.say("repair.staff_notice_overdue", ticket=ticket.id, category=category,
                            location=ticket.location, description=ticket.description, phone=ticket.phone or "—",
                            hours=f"{hours:g}")
            store.escalations.open(ticket.openid, "repair_overdue", text, jobs.now, household_id=ticket.household_id,
                                   source_key=f"repair-overdue:{ticket.id}")
            tell_staff(store, jobs.runtime.settings.config, text, f"repair-overdue:{ticket.id}", jobs.now,
                       role="property")
            escalated += 1
    return escalated
