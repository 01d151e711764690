"""The daily digest to staff: once a day from its time, to every bound staff member and the
on-duty openids, with only what is waiting; nothing waiting, nothing sent."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs import JobContext
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.db import transaction
from store.repairs import NewTicket, RepairRepository
from store.staff import StaffRepository

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int, days: int = 0) -> datetime:
    local = datetime.now(SHANGHAI).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local + timedelta(days=days)


def store_of_runtime(runtime: Runtime) -> Callable[[], Iterator[Store]]:
    @contextmanager
    def open_store() -> Iterator[Store]:
        with transaction(runtime.factory) as session:
            yield Store(session)

    return open_store


def digest(runtime: Runtime, moment: datetime) -> int:
    [job] = [job for job in runtime.registry.jobs if job.id == "staff_digest"]
    return int(job.run(JobContext(runtime, moment)))


def notices(store_of: Callable, openid: str) -> list[str]:
    with store_of() as store:
        return [row.payload["content"] for row in store.outbox.for_openid(openid) if row.purpose == "staff_notice"]


def test_what_is_waiting_goes_to_each_staff_member_once_a_day(
        make_runtime: Callable[..., Runtime], config_with: Callable) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    store_of = store_of_runtime(runtime)
    with store_of() as store:
        member = store[StaffRepository].create("李红", "property", utcnow())
        store[StaffRepository].bind(member.bind_code, "o_property", utcnow())
        store.escalations.open("o_resident", "request", "想问问停车位", utcnow())
        store[RepairRepository].open_ticket(NewTicket(openid="o_resident", category="lighting",
                                                      location="5号楼楼道", description="楼道灯不亮", urgent=False),
                                            "digest-test", utcnow())
    assert digest(runtime, at(7, 0)) == 0             # before its time
    assert digest(runtime, at(8, 35)) == 2            # the bound member and the on-duty openid
    assert digest(runtime, at(8, 45)) == 0            # once a day
    [text] = notices(store_of, "o_property")
    assert "每日待办" in text and "人工会话 1 个" in text and "待受理 1 个" in text and "帖子" not in text
    assert notices(store_of, "o_duty") == [text]
    assert digest(runtime, at(8, 35, days=1)) == 2    # the next morning again


def test_nothing_waiting_sends_nothing(make_runtime: Callable[..., Runtime], config_with: Callable) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    assert digest(runtime, at(8, 35)) == 0
    assert notices(store_of_runtime(runtime), "o_duty") == []


def test_it_can_be_switched_off(make_runtime: Callable[..., Runtime], config_with: Callable) -> None:
    runtime = make_runtime(config_with(staff_digest={"enabled": False}))
    assert "staff_digest" not in {job.id for job in runtime.registry.jobs}
