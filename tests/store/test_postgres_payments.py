"""Payments on PostgreSQL: one notification delivered several times at the same moment is
recorded once (the order row is locked), and the resident is thanked once."""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from bot.pay.client import client_for
from bot.pay.settings import current
from bot.pay.web import _notification
from store import Store
from store.bills import BillRepository
from store.clock import utcnow
from store.db import transaction
from store.payments import PaymentRepository
from tests.bills_data import month, today
from tests.pay_env import wechat_pay
from tests.store.test_postgres_flow import pg_runtime  # noqa: F401  (the fixture)
from tests.talk import Resident


def test_concurrent_deliveries_of_one_notification_pay_once(pg_runtime, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                                            tmp_path: Path) -> None:
    with wechat_pay(monkeypatch, tmp_path) as fake:
        settings = current()
        assert settings is not None
        assert "绑定成功" in Resident(pg_runtime, "o_pg_payer").say("绑定 3-502 张三 1234")
        now = utcnow()
        with transaction(pg_runtime.factory) as session:
            store = Store(session)
            household = store.households.at_address("3", "502")
            bill = store[BillRepository].add(household.id, month(), "物业费", 35000, today() + timedelta(days=9), now)
            order = store[PaymentRepository].create("bill", bill.id, "o_pg_payer", 35000, "3-502 物业费", now,
                                                    now + timedelta(hours=2), household_id=household.id)
            bill_id, out_trade_no = bill.id, order.out_trade_no
        client_for(settings).place_jsapi_order(out_trade_no, "3-502 物业费", 35000, "o_pg_payer",
                                               now + timedelta(hours=2))
        headers, body = fake.notification(out_trade_no)
        barrier = threading.Barrier(5)
        answers: list[int] = []

        def deliver() -> None:
            barrier.wait()
            answers.append(_notification(pg_runtime, settings, headers, body).status_code)

        threads = [threading.Thread(target=deliver) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answers == [200] * 5
    with transaction(pg_runtime.factory) as session:
        store = Store(session)
        assert store[BillRepository].get(bill_id).paid_via == "wechat"
        assert [o.status for o in store[PaymentRepository].for_reference("bill", bill_id)] == ["paid"]
        thanks = [row for row in store.outbox.for_openid("o_pg_payer") if "收到您的缴费" in str(row.payload)]
        assert len(thanks) == 1
