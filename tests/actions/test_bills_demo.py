"""The demo community's bills: several fees and months around today, some unpaid and overdue,
loaded once however often seed-demo runs."""
from __future__ import annotations

from bot.demo import seed_community
from store.bills import BillRepository
from tests.bills_data import today


def test_demo_bills_are_loaded_once_with_a_mix_a_newcomer_can_try(runtime, store_of) -> None:
    with store_of() as store:
        added = seed_community(store, today(), runtime.registry)
    with store_of() as store:
        assert seed_community(store, today(), runtime.registry) == 0
        bills = store[BillRepository].list()
    assert added >= len(bills) > 10
    assert {b.bill_type for b in bills} == {"物业费", "停车费", "水费", "电费", "燃气费"}
    assert any(b.paid for b in bills) and any(not b.paid for b in bills)
    assert any(b.overdue(today()) for b in bills) and any(not b.paid and not b.overdue(today()) for b in bills)
    assert len({b.period for b in bills}) >= 3
