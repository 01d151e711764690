"""What the property flows keep about a resident: said in 我的信息, and forgotten on request —
the community keeps the tickets, complaints and scores without the person."""
from __future__ import annotations

from bot.dialogue import Context
from bot.dialogue.turn import DialogView, FormState
from bot.runtime import Runtime
from store.clock import utcnow
from store.complaints import ComplaintRepository
from store.ratings import RatingRepository
from store.repairs import RepairRepository
from tests.talk import Resident

FLOWS = ("repair", "complaint", "rate_service")


def test_a_residents_records_are_described_then_forgotten_but_kept(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_private")
    resident.say("绑定 3-502 张三 1234")
    resident.say("我家厨房水管漏水了")
    resident.say("1")
    resident.say("楼上天天半夜装修太吵了，我要投诉")
    resident.say("很满意，物业服务越来越好")
    with store_of() as store:
        ctx = Context(store=store, config=runtime.settings.config, responses=runtime.responses, now=utcnow(),
                      today=utcnow().date(), resident=store.residents.get("o_private"),  # type: ignore[arg-type]
                      dialog=DialogView.of(FormState()), registry=runtime.registry, sections=runtime.sections)
        lines = [line for name in FLOWS for describe in runtime.registry.flows[name].describes
                 for line in describe(ctx)]
    assert len(lines) == 3 and all("1" in line for line in lines)
    with store_of() as store:
        for name in FLOWS:
            for forget in runtime.registry.flows[name].forgets:
                forget(store, "o_private", utcnow())
    with store_of() as store:
        [ticket] = store[RepairRepository].list()
        [complaint] = store[ComplaintRepository].list()
        [rating] = store[RatingRepository].list()
    assert (ticket.openid, ticket.phone, ticket.category) == ("", "", "water_leak")
    assert (complaint.openid, complaint.household_id) == ("forgotten", None) and "装修" in complaint.text
    assert (rating.openid, rating.score) == ("forgotten", 5)
