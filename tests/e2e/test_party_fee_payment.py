"""Paying the party fee inside WeChat, end to end through ``POST /wechat`` and the local fake of
WeChat Pay: the member asks, opens the link, the page places a JSAPI order, and the signed
notification marks exactly that month paid and thanks the member — once, however often it comes."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from store.party_fees import PartyFeeRepository
from store.payments import PaymentRepository
from tests.bills_data import label, month
from tests.community_support import household_at
from tests.fake_wechatpay import FakeWeChatPay
from tests.love_support import LI, ZHANG, add_fee, pushes
from tests.pay_env import local_path, wechat_pay
from tests.wechat_client import WeChatServer

OPENID = "o_party_payer"
LINK = re.compile(r'href="(https://linli\.test/pay/[^"]+)"')


@pytest.fixture
def fake_pay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeWeChatPay]:
    with wechat_pay(monkeypatch, tmp_path) as fake:
        yield fake


def paid(store_of: Callable, fee_id: int) -> tuple[bool, str | None, list[str]]:
    with store_of() as store:
        fee = store[PartyFeeRepository].get(fee_id)
        assert fee is not None
        return fee.paid, fee.paid_via, [o.status for o in store[PaymentRepository].for_reference("party_fee", fee_id)]


def test_a_member_pays_a_month_and_a_repeated_notification_records_it_once(
        client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay, store_of) -> None:
    home = household_at(store_of, "5-1-301")
    this, before = add_fee(store_of, home, "李四", month(), 3000), add_fee(store_of, home, "李四", month(-1), 3000)
    assert "绑定成功" in wechat.say(OPENID, LI, safe=True).content
    reply = wechat.say(OPENID, "交党费", safe=True).content
    links = LINK.findall(reply)
    assert len(links) == 2 and "点这里交" in reply and "微信里交" in reply
    assert reply.index(label(month(-1))) < reply.index(label(month()))  # the older month first
    page = client.get(local_path(links[1]))
    assert page.status_code == 200 and "getBrandWCPayRequest" in page.text and "30.00" in page.text
    out_trade_no, order = fake_pay.only_order()
    assert (order.amount, order.openid) == (3000, OPENID) and "党费" in order.body["description"]
    headers, body = fake_pay.notification(out_trade_no)
    for _ in range(4):
        answer = client.post("/pay/notify", content=body, headers=headers)
        assert answer.status_code == 200 and answer.json()["code"] == "SUCCESS"
    assert paid(store_of, this) == (True, "wechat", ["paid"])
    assert paid(store_of, before)[0] is False
    thanks = [text for text in pushes(store_of, OPENID) if "收到您交的党费" in text]
    assert len(thanks) == 1 and "30.00" in thanks[0] and label(month()) in thanks[0]
    after = wechat.say(OPENID, "党费", safe=True).content
    assert f"{label(month())} 30.00元，已交" in after and len(LINK.findall(after)) == 1


def test_a_link_is_only_for_the_members_household(client: TestClient, wechat: WeChatServer,
                                                  fake_pay: FakeWeChatPay, store_of) -> None:
    add_fee(store_of, household_at(store_of, "5-1-301"), "李四", month(), 3000)
    wechat.say(OPENID, LI, safe=True)
    [link] = LINK.findall(wechat.say(OPENID, "党费", safe=True).content)
    wechat.say(OPENID, ZHANG, safe=True)  # re-bound to another flat since: the old link is no longer theirs
    wechat.say(OPENID, "1", safe=True)
    assert client.get(local_path(link)).status_code == 404 and fake_pay.orders == {}
