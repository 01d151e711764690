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
