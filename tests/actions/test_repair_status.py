"""repair_status: residents see their own and their household's tickets, nobody else's."""
from __future__ import annotations

from bot.runtime import Runtime
from store.repairs import RepairRepository
from tests.talk import Resident


def test_no_tickets_yet(runtime: Runtime) -> None:
    assert "没有查到" in Resident(runtime, "o_none").say("我的报修怎么样了")


def test_progress_lists_the_household_tickets_with_their_status(runtime: Runtime, store_of) -> None:
    reporter = Resident(runtime, "o_reporter")
    reporter.say("绑定 3-502 张三 1234")
    reporter.say("我家厨房水管漏水了")
    reporter.say("1")
    with store_of() as store:
        ticket = store[RepairRepository].list()[0]
        store[RepairRepository].set_status(ticket, "assigned", ticket.created_at)
    spouse = Resident(runtime, "o_spouse")
    spouse.say("绑定 3-502 李梅 5502")
    reply = spouse.say("报修进度")
    assert "水管漏水" in reply and "派给" in reply
    stranger = Resident(runtime, "o_stranger")
    stranger.say("绑定 5-1-301 李四 5678")
    assert "没有查到" in stranger.say("报修进度")


def _open_ticket(runtime: Runtime, openid: str) -> Resident:
    resident = Resident(runtime, openid)
    resident.say("绑定 3-502 张三 1234")
    resident.say("3号楼电梯坏了")
    assert "报修已提交" in resident.say("确认")
    return resident


def _urges(store_of) -> list[tuple[str, str, int | None]]:
    with store_of() as store:
        return [(case.reason, case.text, case.household_id) for case in store.escalations.list()]


def test_hurrying_a_repair_tells_the_property_staff_once_a_day(make_runtime, config_with, store_of) -> None:
    from tests.love_support import staff_notices

    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    resident = _open_ticket(runtime, "o_hurry")
    reply = resident.say("帮我催催")
    assert "已经帮您催了物业" in reply and "电梯" in reply
    [(reason, text, household)] = _urges(store_of)
    assert reason == "repair_urge" and household is not None
    assert "3-502 张三" in text and "电梯" in text and "待受理" in text and "13912341234" in text  # staff call back
    [notice] = [n for n in staff_notices(store_of, "o_duty") if "催报修" in n]
    assert notice == text and "回复 " in notice
    again = resident.say("能不能快点，催一下")
    assert "今天已经帮您催过" in again
    assert len(_urges(store_of)) == 1
    assert len([n for n in staff_notices(store_of, "o_duty") if "催报修" in n]) == 1


def test_the_progress_of_an_open_repair_offers_to_hurry_it(runtime: Runtime, store_of) -> None:
    resident = _open_ticket(runtime, "o_hurry_digit")
    resident.say("报修进度")
    assert resident.options == ["催一下物业"]
    reply = resident.say("1")  # nobody on duty: it waits in the inbox, and the resident is told so
    assert "记到物业的待办里" in reply and "已经帮您催了" not in reply
    assert [case[0] for case in _urges(store_of)] == ["repair_urge"]


def test_a_finished_repair_is_not_hurried(runtime: Runtime, store_of) -> None:
    resident = _open_ticket(runtime, "o_hurry_done")
    with store_of() as store:
        ticket = store[RepairRepository].list()[0]
        store[RepairRepository].set_status(ticket, "done", ticket.created_at)
    reply = resident.say("催一下")
    assert "已经修好了" in reply and resident.options == []
    assert _urges(store_of) == []
