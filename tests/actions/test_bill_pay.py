"""bill_pay: what is owed and how to pay it — asked in words or by digits, unbound, or for a fee
that is not owed; links to the payment page only when WeChat Pay is configured."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime import Runtime
from tests.bills_data import bill, household, month
from tests.fake_wechatpay import FakeWeChatPay
from tests.pay_env import wechat_pay, without_pay
from tests.talk import Resident

LINK = re.compile(r'href="(https://linli\.test/pay/[^"]+)"')


@pytest.fixture
def home(store_of) -> int:
    flat = household(store_of, "90", "101", name="王小明", phone="13900001234")
    bill(store_of, flat, month(), "物业费", 35000)
    bill(store_of, flat, month(-1), "水费", 5810, due_in_days=-3)
    return flat


@pytest.fixture
def fake_pay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeWeChatPay]:
    with wechat_pay(monkeypatch, tmp_path) as fake:
        yield fake


def test_unbound_residents_bind_first_and_then_see_what_to_pay(runtime: Runtime, home: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    without_pay(monkeypatch)
    resident = Resident(runtime, "o_pay_unbound")
    assert "绑定" in resident.say("我要交物业费")
    reply = resident.say("绑定 90-101 王小明 1234")
    assert "绑定成功" in reply and "bills.pay_head" in resident.last.keys
    assert "350.00" in reply and "58.10" not in reply  # the fee asked about


def test_the_offline_answer_lists_what_is_owed_and_where_to_pay(runtime: Runtime, home: int,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    without_pay(monkeypatch)
    resident = Resident(runtime, "o_pay_offline")
    resident.say("绑定 90-101 王小明 1234")
    reply = resident.say("怎么交费")
    assert "bills.pay_offline" in resident.last.keys and "bills.pay_line_link" not in resident.last.keys
    assert "408.10" in reply and "已过期" in reply and "021-6201-0000" in reply
    assert resident.options == ["看账单明细", "人工服务"]
    assert "90-101" in resident.say("1") and "bills.header_recent" in resident.last.keys


def test_a_fee_that_is_not_owed_says_so_and_shows_what_is(runtime: Runtime, home: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    without_pay(monkeypatch)
    resident = Resident(runtime, "o_pay_parking")
    resident.say("绑定 90-101 王小明 1234")
    reply = resident.say("交停车费")
    assert resident.last.keys[0] == "bills.pay_nothing_of" and "408.10" in reply


def test_nothing_owed(runtime: Runtime, store_of) -> None:
    flat = household(store_of, "90", "102", name="周大海", phone="13900005555")
    bill(store_of, flat, month(), "物业费", 35000, paid=True)
    resident = Resident(runtime, "o_pay_nothing")
    resident.say("绑定 90-102 周大海 5555")
    assert "都交清了" in resident.say("缴费") and resident.last.keys[0] == "bills.pay_nothing"


def test_with_wechat_pay_each_bill_has_its_link_and_a_long_list_is_cut(runtime: Runtime, store_of,
                                                                       fake_pay: FakeWeChatPay) -> None:
    flat = household(store_of, "90", "103", name="钱多多", phone="13900007777")
    for back in range(7):
        bill(store_of, flat, month(-back), "水费", 1000 + back)
    resident = Resident(runtime, "o_pay_many")
    resident.say("绑定 90-103 钱多多 7777")
    reply = resident.say("缴费")
    assert len(LINK.findall(reply)) == 5 and "还有 2 笔" in reply and "共 7 笔" not in reply
    assert "7 笔没交" in reply and "bills.pay_online_note" in resident.last.keys
    assert fake_pay.orders == {}  # a link places nothing until it is opened


def test_a_resident_forgotten_leaves_the_payments_without_their_openid(runtime: Runtime, store_of, home: int) -> None:
    from store.clock import utcnow
    from store.payments import PaymentRepository

    now = utcnow()
    with store_of() as store:
        orders = store[PaymentRepository]
        order = orders.create("bill", 1, "o_forget_me", 35000, "x", now, now)
        PaymentRepository.mark_paid(order, "4200000001", now)
    flow = runtime.registry.flows["bills"]
    with store_of() as store:
        from bot.dialogue.context import Context
        from bot.dialogue.turn import DialogView

        resident = store.residents.get_or_create("o_forget_me", now)
        ctx = Context(store=store, config=runtime.settings.config, responses=runtime.responses, now=now,
                      today=now.date(), resident=resident, dialog=DialogView(None, {}, None, (), None),
                      registry=runtime.registry, sections=runtime.sections)
        [line] = [line for describe in flow.describes for line in describe(ctx)]
        assert "1 笔" in line and "350.00" in line
        assert sum(forget(store, "o_forget_me", now) for forget in flow.forgets) == 1
    with store_of() as store:
        [kept] = store[PaymentRepository].for_reference("bill", 1)
        assert kept.openid == "" and kept.status == "paid" and kept.amount_fen == 35000


def test_a_fee_we_do_not_bill_is_said_so_before_what_is_owed(runtime: Runtime, home: int,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    without_pay(monkeypatch)
    resident = Resident(runtime, "o_pay_heating")
    resident.say("绑定 90-101 王小明 1234")
    reply = resident.say("暖气费怎么交")
    assert resident.last.keys[0] == "bills.pay_unbilled" and "“暖气费”" in reply and "408.10" in reply
