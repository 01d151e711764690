"""repair_cancel: a resident withdraws their own non-urgent report before it is assigned; staff
on duty are told; and a report nobody accepts in time is escalated once (repair_overdue)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.jobs import JobContext
from bot.runtime import Runtime
from store.clock import utcnow
from store.repairs import NewTicket, RepairRepository
from tests.talk import Resident


def tickets(store_of: Callable) -> list:
    with store_of() as store:
        return [(t.id, t.status) for t in store[RepairRepository].list()]


def open_ticket(store_of: Callable, openid: str, key: str, *, urgent: bool = False, status: str = "pending",
                category: str = "lighting", hours_ago: float = 0) -> int:
    when = utcnow() - timedelta(hours=hours_ago)
    with store_of() as store:
        repairs = store[RepairRepository]
        ticket, _ = repairs.open_ticket(NewTicket(openid=openid, category=category, location="5号楼楼道",
                                                  description="楼道灯不亮", urgent=urgent), key, when)
        if status != "pending":
            repairs.set_status(ticket, status, when)
        return ticket.id


def test_cancel_words_withdraw_a_pending_report_after_a_yes_and_staff_are_told(make_runtime, config_with,
                                                                                store_of) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    resident = Resident(runtime, "o_cancel")
    resident.say("你好")
    ticket_id = open_ticket(store_of, "o_cancel", "k1")
    question = resident.say("取消报修")
    assert str(ticket_id) in question and resident.options == ["确认取消", "不取消"]
    assert "已经取消" in resident.say("1")
    assert tickets(store_of) == [(ticket_id, "cancelled")]
    with store_of() as store:
        [notice] = store.outbox.for_openid("o_duty")
    assert "撤销" in notice.payload["content"] and str(ticket_id) in notice.payload["content"]


def test_saying_no_keeps_the_report(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_keep")
    resident.say("你好")
    ticket_id = open_ticket(store_of, "o_keep", "k-keep")
    resident.say("我要取消报修")
    resident.say("2")
    assert tickets(store_of) == [(ticket_id, "pending")]


def test_an_assigned_report_is_too_late_to_cancel_here(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_late")
    resident.say("你好")
    ticket_id = open_ticket(store_of, "o_late", "k-late", status="assigned")
    reply = resident.say("取消报修")
    assert "已派单" in reply and "021-6201-0000" in reply
    assert tickets(store_of) == [(ticket_id, "assigned")]


def test_an_urgent_report_is_never_cancelled_from_the_chat(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_urgent")
    resident.say("你好")
    ticket_id = open_ticket(store_of, "o_urgent", "k-urgent", urgent=True, category="gas")
    assert "紧急" in resident.say("取消报修")
    assert tickets(store_of) == [(ticket_id, "pending")]


def test_with_two_pending_reports_the_resident_picks_one_by_digit(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_two")
    resident.say("你好")
    first = open_ticket(store_of, "o_two", "k-a")
    second = open_ticket(store_of, "o_two", "k-b")
    resident.say("取消报修")
    assert len(resident.options) == 2 and str(second) in resident.options[0]
    resident.say("2")  # the older one
    assert resident.options == ["确认取消", "不取消"]
    resident.say("1")
    assert sorted(tickets(store_of)) == [(first, "cancelled"), (second, "pending")]


def test_nothing_to_cancel_and_a_report_in_progress_is_dropped(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_nothing")
    assert "没有可以取消" in resident.say("取消报修")
    resident.say("我要报修")
    assert "不提交" in resident.say("取消报修")
    assert tickets(store_of) == []


# --- not accepted in time ---------------------------------------------------------------------

def test_a_report_waiting_too_long_is_escalated_once(make_runtime, config_with, store_of) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}, repair={"accept_within_hours": 2}))
    with store_of() as store:
        repairs = store[RepairRepository]
        for key, hours, urgent, status in (("late", 3, False, "pending"), ("fresh", 1, False, "pending"),
                                           ("urgent", 5, True, "pending"), ("taken", 5, False, "assigned")):
            ticket, _ = repairs.open_ticket(NewTicket(openid=f"o_{key}", category="lighting", location="5号楼楼道",
                                                      description="楼道灯不亮", urgent=urgent), key,
                                            utcnow() - timedelta(hours=hours))
            if status != "pending":
                repairs.set_status(ticket, status, utcnow())
    [job] = [job for job in runtime.registry.jobs if job.id == "repair_overdue"]
    assert job.run(JobContext(runtime, utcnow())) == 1
    assert job.run(JobContext(runtime, utcnow())) == 0
    assert job.run(JobContext(runtime, utcnow() + timedelta(hours=1))) == 1  # now "fresh" waited too long
    with store_of() as store:
        escalations = store.escalations.list()
        notices = [row.payload["content"] for row in store.outbox.for_openid("o_duty")]
    assert sorted(e.openid for e in escalations) == ["o_fresh", "o_late"]
    assert {e.reason for e in escalations} == {"repair_overdue"}
    assert len(notices) == 2 and all("超时未受理" in notice for notice in notices)


def test_the_question_is_answered_in_words_too(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_words")
    resident.say("你好")
    kept = open_ticket(store_of, "o_words", "k-kept")
    resident.say("我要取消刚才的报修")
    assert "不取消" in resident.say("不")
    assert tickets(store_of) == [(kept, "pending")]
    resident.say("刚才的报修不要了")
    assert "已经取消" in resident.say("是的")
    assert tickets(store_of) == [(kept, "cancelled")]
