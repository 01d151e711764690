"""Paying a bill inside WeChat, end to end: the resident asks through ``POST /wechat``, opens the
link the bot sent, the page places a JSAPI order with the (local, fake) pay API, and WeChat Pay's
signed, encrypted notification marks the bill paid and thanks the resident — once, however
often it is repeated. Forged, tampered and wrong notifications change nothing; without merchant
settings the resident is told where and how to pay."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from bot.errors import SettingsError
from bot.pay.links import PayLink, make_token
from bot.runtime import Runtime
from store.bills import BillRepository
from store.clock import utcnow
from store.payments import PaymentRepository
from tests.bills_data import bill, household, month
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.fake_wechatpay import FakeWeChatPay, new_key, rsa_verify
from tests.pay_env import LINK_SECRET, local_path, wechat_pay, without_pay
from tests.wechat_client import WeChatServer, new_msg_id, text_xml

OPENID = "o_payer"
LINK = re.compile(r'href="(https://linli\.test/pay/[^"]+)"')


@pytest.fixture
def fake_pay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeWeChatPay]:
    with wechat_pay(monkeypatch, tmp_path) as fake:
        yield fake


@pytest.fixture
def bills(store_of) -> dict[str, int]:
    """88-101 owes this month's property fee and last month's water."""
    home = household(store_of, "88", "101", name="王小明", phone="13900001234")
    return {"home": home, "property": bill(store_of, home, month(), "物业费", 35000),
            "water": bill(store_of, home, month(-1), "水费", 5810)}


def bound(wechat: WeChatServer, openid: str = OPENID) -> None:
    assert "绑定成功" in wechat.say(openid, "绑定 88-101 王小明 1234").content


def open_page(client: TestClient, wechat: WeChatServer, asked: str = "交这个月的物业费") -> TestClient:
    [link] = LINK.findall(wechat.say(OPENID, asked).content)
    return client.get(local_path(link))


def state(store_of: Callable, bill_id: int) -> tuple[bool, str | None, list[str]]:
    with store_of() as store:
        found = store[BillRepository].get(bill_id)
        orders = store[PaymentRepository].for_reference("bill", bill_id)
        return found.paid, found.paid_via, [order.status for order in orders]


def thanks(store_of: Callable, openid: str = OPENID) -> list[str]:
    with store_of() as store:
        return [row.payload["content"] for row in store.outbox.for_openid(openid)
                if row.purpose == "push" and "收到您的缴费" in row.payload["content"]]


def test_a_resident_pays_in_two_taps_and_a_notification_repeated_five_times_pays_once(
        client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay, bills: dict[str, int], store_of) -> None:
    bound(wechat)
    reply = wechat.say(OPENID, "交这个月的物业费").content
    [link] = LINK.findall(reply)  # the property fee asked about: one link, for exactly that bill
    assert "350.00" in reply and "58.10" not in reply
    page = client.get(local_path(link))
    assert page.status_code == 200 and "getBrandWCPayRequest" in page.text and "350.00" in page.text
    out_trade_no, order = fake_pay.only_order()
    assert (order.amount, order.openid) == (35000, OPENID)
    assert order.body["notify_url"] == "https://linli.test/pay/notify" and "88-101" in order.body["description"]
    params = json.loads(re.search(r"var params = (\{.*?\});", page.text).group(1))  # type: ignore[union-attr]
    assert params["package"] == f"prepay_id={order.prepay_id}" and params["signType"] == "RSA"
    signed = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert rsa_verify(fake_pay.merchant.key.public_key(), signed, params["paySign"])
    assert state(store_of, bills["property"]) == (False, None, ["created"])

    headers, body = fake_pay.notification(out_trade_no)
    for _ in range(5):
        answer = client.post("/pay/notify", content=body, headers=headers)
        assert answer.status_code == 200 and answer.json()["code"] == "SUCCESS"
    assert state(store_of, bills["property"]) == (True, "wechat", ["paid"])
    assert len(thanks(store_of)) == 1 and "350.00" in thanks(store_of)[0]
    assert state(store_of, bills["water"])[0] is False
    assert "已交" in wechat.say(OPENID, "这个月物业费多少").content
    again = client.get(local_path(link))
    assert again.status_code == 200 and "已经交过了" in again.text and fake_pay.order_requests == 1


def test_every_unpaid_bill_gets_its_own_link(client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay,
                                             bills: dict[str, int]) -> None:
    bound(wechat)
    reply = wechat.say(OPENID, "缴费").content
    assert len(LINK.findall(reply)) == 2 and "408.10" in reply


def test_opening_the_page_again_reuses_the_order(client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay,
                                                 bills: dict[str, int], store_of) -> None:
    bound(wechat)
    [link] = LINK.findall(wechat.say(OPENID, "交这个月的物业费").content)
    first = client.get(local_path(link))
    second = client.get(local_path(link))
    assert first.status_code == second.status_code == 200
    assert fake_pay.order_requests == 1 and len(fake_pay.orders) == 1
    assert state(store_of, bills["property"])[2] == ["created"]


@pytest.mark.parametrize("trouble", ["forged", "tampered", "other_apiv3_key", "wrong_amount", "other_payer",
                                     "other_merchant"])
def test_a_notification_that_is_not_right_is_refused_and_changes_nothing(
        client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay, bills: dict[str, int], store_of,
        trouble: str) -> None:
    bound(wechat)
    assert open_page(client, wechat).status_code == 200
    out_trade_no, _ = fake_pay.only_order()
    options = {"forged": {"key": new_key()}, "tampered": {"tamper": True},
               "other_apiv3_key": {"apiv3_key": "z" * 32}, "wrong_amount": {"total": 1},
               "other_payer": {"openid": "o_someone_else"}, "other_merchant": {"mchid": "1900000999"}}[trouble]
    headers, body = fake_pay.notification(out_trade_no, **options)  # type: ignore[arg-type]
    answer = client.post("/pay/notify", content=body, headers=headers)
    assert 400 <= answer.status_code < 500 and answer.json()["code"] == "FAIL"
    assert state(store_of, bills["property"]) == (False, None, ["created"])
    assert thanks(store_of) == []


def test_unsigned_garbage_and_unknown_orders_are_refused(client: TestClient, fake_pay: FakeWeChatPay) -> None:
    assert client.post("/pay/notify", content=b"{}", headers={"Content-Type": "application/json"}).status_code == 401
    assert client.post("/pay/notify", content=b"\x00\xff", headers={"Wechatpay-Signature": "x"}).status_code == 401
    fake_pay.place({"mchid": fake_pay.merchant.mchid, "appid": fake_pay.merchant.appid, "description": "别处的订单",
                    "out_trade_no": "OTHER20261101000000", "notify_url": "https://linli.test/pay/notify",
                    "amount": {"total": 100}, "payer": {"openid": OPENID}})
    headers, body = fake_pay.notification("OTHER20261101000000")
    assert client.post("/pay/notify", content=body, headers=headers).status_code == 404
    assert client.post("/pay/notify", content=b"x" * 70_000).status_code == 413


def test_a_payment_that_did_not_succeed_is_acknowledged_and_records_nothing(
        client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay, bills: dict[str, int], store_of) -> None:
    bound(wechat)
    open_page(client, wechat)
    out_trade_no, _ = fake_pay.only_order()
    headers, body = fake_pay.notification(out_trade_no, trade_state="PAYERROR")
    assert client.post("/pay/notify", content=body, headers=headers).status_code == 200
    assert state(store_of, bills["property"]) == (False, None, ["created"])


def test_links_that_expired_were_forged_or_are_not_the_residents_are_refused(
        client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay, bills: dict[str, int]) -> None:
    bound(wechat)
    now = utcnow()
    expired = make_token(LINK_SECRET, PayLink("bill", bills["property"], OPENID, now - timedelta(minutes=1)))
    response = client.get(f"/pay/{expired}")
    assert response.status_code == 410 and "过期" in response.text
    good = make_token(LINK_SECRET, PayLink("bill", bills["property"], OPENID, now + timedelta(hours=1)))
    assert client.get(f"/pay/{good[:-2]}xx").status_code == 403
    other = make_token(LINK_SECRET, PayLink("bill", bills["water"] + 1, OPENID, now + timedelta(hours=1)))
    assert client.get(f"/pay/{other}").status_code in (403, 404)
    stranger = make_token(LINK_SECRET, PayLink("bill", bills["property"], "o_stranger", now + timedelta(hours=1)))
    assert client.get(f"/pay/{stranger}").status_code == 404
    signed_elsewhere = make_token("another-secret-0123456789", PayLink("bill", bills["property"], OPENID,
                                                                      now + timedelta(hours=1)))
    assert client.get(f"/pay/{signed_elsewhere}").status_code == 403
    assert client.get("/pay/not-a-token").status_code == 403
    assert fake_pay.orders == {}


@pytest.mark.parametrize("trouble", ["http500", "unsigned", "badsign"])
def test_when_the_pay_api_fails_the_page_says_so_and_nothing_is_paid(
        client: TestClient, wechat: WeChatServer, fake_pay: FakeWeChatPay, bills: dict[str, int], store_of,
        trouble: str) -> None:
    bound(wechat)
    fake_pay.next_errors = [trouble]
    page = open_page(client, wechat)
    assert page.status_code == 503 and "暂时连不上" in page.text and "getBrandWCPayRequest" not in page.text
    assert state(store_of, bills["property"])[:2] == (False, None)


def test_a_bill_paid_at_the_office_meanwhile_is_refunded_by_staff(
        make_runtime: Callable[..., Runtime], config_with, fake_pay: FakeWeChatPay, store_of) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}))
    with TestClient(create_app(runtime, background=False)) as client:
        server = WeChatServer(client, TOKEN, APPID, AES_KEY)
        home = household(_store(runtime), "88", "102", name="周大海", phone="13900005555")
        bill_id = bill(_store(runtime), home, month(), "物业费", 35000)
        server.say(OPENID, "绑定 88-102 周大海 5555")
        [link] = LINK.findall(server.say(OPENID, "缴费").content)
        assert client.get(local_path(link)).status_code == 200
        with _store(runtime)() as store:
            repo = store[BillRepository]
            repo.mark_paid(repo.get(bill_id), utcnow(), "office")
        out_trade_no, _ = fake_pay.only_order()
        headers, body = fake_pay.notification(out_trade_no)
        assert client.post("/pay/notify", content=body, headers=headers).status_code == 200
        with _store(runtime)() as store:
            assert store[BillRepository].get(bill_id).paid_via == "office"
            [order] = store[PaymentRepository].for_reference("bill", bill_id)
            assert order.status == "paid" and order.transaction_id
            [notice] = store.outbox.for_openid("o_duty")
            assert "重复缴费" in notice.payload["content"] and out_trade_no in notice.payload["content"]
            assert [r for r in store.outbox.for_openid(OPENID) if "收到您的缴费" in r.payload.get("content", "")] == []


def test_platform_certificates_are_downloaded_and_check_notifications(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: TestClient, wechat: WeChatServer,
        bills: dict[str, int], store_of) -> None:
    with wechat_pay(monkeypatch, tmp_path, certificates=True) as fake:
        bound(wechat)
        assert open_page(client, wechat).status_code == 200
        assert fake.certificate_requests >= 1 and list((tmp_path / "platform_certificates").glob("*.pem"))
        out_trade_no, _ = fake.only_order()
        headers, body = fake.notification(out_trade_no)
        assert client.post("/pay/notify", content=body, headers=headers).status_code == 200
        forged_headers, forged_body = fake.notification(out_trade_no, key=new_key())
        assert client.post("/pay/notify", content=forged_body, headers=forged_headers).status_code == 401
    assert state(store_of, bills["property"]) == (True, "wechat", ["paid"])


def test_a_retried_message_asking_to_pay_gets_the_same_reply_and_places_no_order(
        wechat: WeChatServer, fake_pay: FakeWeChatPay, bills: dict[str, int]) -> None:
    bound(wechat)
    msg_id = new_msg_id()
    first = wechat.post(text_xml(OPENID, "缴费", msg_id)).content
    again = wechat.post(text_xml(OPENID, "缴费", msg_id)).content
    assert LINK.findall(first) and again == first and fake_pay.orders == {}


# --- without WeChat Pay -------------------------------------------------------------------------

def test_without_merchant_settings_the_resident_is_told_where_and_how_to_pay(
        monkeypatch: pytest.MonkeyPatch, client: TestClient, wechat: WeChatServer, bills: dict[str, int],
        store_of) -> None:
    without_pay(monkeypatch)
    bound(wechat)
    reply = wechat.say(OPENID, "缴费").content
    assert "物业服务中心" in reply and "8:30" in reply and "408.10" in reply
    assert "href=\"http" not in reply and "成功" not in reply
    assert state(store_of, bills["property"]) == (False, None, [])
    assert client.get("/pay/anything").status_code == 404
    assert client.post("/pay/notify", content=b"{}").status_code == 404


def test_a_payment_link_from_config_is_offered_without_wechat_pay(
        monkeypatch: pytest.MonkeyPatch, make_runtime: Callable[..., Runtime], config_with, store_of) -> None:
    without_pay(monkeypatch)
    runtime = make_runtime(config_with(bills={"pay_link": "https://pay.example.org/linli"}))
    with TestClient(create_app(runtime, background=False)) as client:
        server = WeChatServer(client, TOKEN, APPID, AES_KEY)
        household(_store(runtime), "88", "103", name="钱多多", phone="13900007777")
        server.say(OPENID, "绑定 88-103 钱多多 7777")
        bill(_store(runtime), runtime_household(runtime, "103"), month(), "水费", 4200)
        reply = server.say(OPENID, "我要交水费").content
        assert "https://pay.example.org/linli" in reply and "42.00" in reply


def test_half_the_merchant_settings_stop_the_app_with_a_sentence(
        monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> None:
    without_pay(monkeypatch)
    monkeypatch.setenv("WECHATPAY_MCHID", "1900000109")
    with pytest.raises(SettingsError, match="WECHATPAY_APIV3_KEY"):
        create_app(runtime, background=False)


# --- helpers ------------------------------------------------------------------------------------

def _store(runtime: Runtime) -> Callable:
    from contextlib import contextmanager

    from store import Store
    from store.db import transaction

    @contextmanager
    def open_store() -> Iterator[Store]:
        with transaction(runtime.factory) as session:
            yield Store(session)

    return open_store


def runtime_household(runtime: Runtime, room: str) -> int:
    with _store(runtime)() as store:
        found = store.households.at_address("88", room)
        assert found is not None
        return found.id
