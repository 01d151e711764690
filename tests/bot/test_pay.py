"""The payment machinery on its own: signed links, merchant settings from the environment, and
the pay API client against the local fake (orders, paySign, unsigned answers, time-outs)."""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.pay.client import PayClient, PayError
from bot.pay.links import LinkError, PayLink, make_token, read_token
from bot.pay.settings import PaySettings, current, load_pay_settings
from tests.fake_wechatpay import FakeWeChatPay, rsa_verify
from tests.pay_env import wechat_pay

SECRET = "a-secret-of-enough-length"
NOW = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


# --- links ------------------------------------------------------------------------------------

def test_a_link_names_what_to_pay_for_whom_until_when() -> None:
    link = PayLink("bill", 42, "o_abc-_123", NOW + timedelta(hours=24))
    token = make_token(SECRET, link)
    assert read_token(SECRET, token, NOW) == link
    assert len(token) < 120 and all(ch.isalnum() or ch in "-_." for ch in token)


def test_an_expired_link_is_refused() -> None:
    token = make_token(SECRET, PayLink("bill", 42, "o_abc", NOW + timedelta(hours=1)))
    with pytest.raises(LinkError) as refused:
        read_token(SECRET, token, NOW + timedelta(hours=1))
    assert refused.value.reason == "expired"


@pytest.mark.parametrize("change", ["other_secret", "other_bill", "truncated", "garbage", "empty"])
def test_a_forged_or_altered_link_is_refused(change: str) -> None:
    token = make_token(SECRET, PayLink("bill", 42, "o_abc", NOW + timedelta(hours=1)))
    payload, signature = token.split(".")
    forged = {
        "other_secret": make_token("another-secret-of-length", PayLink("bill", 42, "o_abc", NOW + timedelta(hours=1))),
        "other_bill": make_token(SECRET, PayLink("bill", 43, "o_abc", NOW + timedelta(hours=1))).split(".")[0]
        + "." + signature,
        "truncated": f"{payload}.{signature[:-3]}",
        "garbage": "%%%.###",
        "empty": "",
    }[change]
    with pytest.raises(LinkError) as refused:
        read_token(SECRET, forged, NOW)
    assert refused.value.reason == "forged"


# --- settings ---------------------------------------------------------------------------------

@pytest.fixture
def merchant_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, str]]:
    with wechat_pay(monkeypatch, tmp_path) as fake:
        import os

        yield {name: value for name, value in os.environ.items()
               if name.startswith(("WECHATPAY_", "PAY_", "PUBLIC_"))} | {"_base": fake.base_url}


def test_no_merchant_setting_means_paying_in_wechat_is_off() -> None:
    assert load_pay_settings({}) is None
    assert load_pay_settings({"PAY_LINK_SECRET": "x" * 20, "PUBLIC_BASE_URL": "https://a.b"}) is None


def test_complete_settings_are_read(merchant_env: dict[str, str]) -> None:
    settings = load_pay_settings(merchant_env)
    assert settings is not None and settings.notify_url == "https://linli.test/pay/notify"
    assert settings.public_key_id.startswith("PUB_KEY_ID_") and settings.api_base_url == merchant_env["_base"]
    assert current(merchant_env) == settings


@pytest.mark.parametrize(("change", "named"), [
    ({"WECHATPAY_APIV3_KEY": ""}, "WECHATPAY_APIV3_KEY"),
    ({"WECHATPAY_APIV3_KEY": "short"}, "WECHATPAY_APIV3_KEY"),
    ({"WECHATPAY_PRIVATE_KEY_PATH": "/nonexistent/key.pem"}, "WECHATPAY_PRIVATE_KEY_PATH"),
    ({"WECHATPAY_PUBLIC_KEY_ID": ""}, "WECHATPAY_PUBLIC_KEY_ID"),
    ({"WECHATPAY_PUBLIC_KEY_PATH": "", "WECHATPAY_PUBLIC_KEY_ID": ""}, "WECHATPAY_CERT_DIR"),
    ({"PAY_LINK_SECRET": "short"}, "PAY_LINK_SECRET"),
    ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
    ({"PUBLIC_BASE_URL": "linli.test"}, "PUBLIC_BASE_URL"),
    ({"WECHATPAY_APPID": "", "WECHAT_APPID": ""}, "WECHATPAY_APPID"),
])
def test_incomplete_or_wrong_settings_name_what_to_fix(merchant_env: dict[str, str], change: dict[str, str],
                                                       named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_pay_settings({**merchant_env, **change})


def test_a_private_key_file_that_is_not_a_key_is_refused(merchant_env: dict[str, str], tmp_path: Path) -> None:
    wrong = tmp_path / "not_a_key.pem"
    wrong.write_text("hello", encoding="utf-8")
    with pytest.raises(SettingsError, match="not a PEM private key"):
        load_pay_settings({**merchant_env, "WECHATPAY_PRIVATE_KEY_PATH": str(wrong)})


# --- the client against the fake pay API ------------------------------------------------------

@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeWeChatPay]:
    with wechat_pay(monkeypatch, tmp_path) as running:
        yield running


@pytest.fixture
def client(fake: FakeWeChatPay) -> PayClient:
    settings = current()
    assert settings is not None
    return PayClient(settings)


def test_an_order_is_placed_signed_and_its_invocation_signed(client: PayClient, fake: FakeWeChatPay) -> None:
    prepay_id = client.place_jsapi_order("BILL20261105090000AB12", "3-502 11月物业费", 35000, "o_payer",
                                         datetime.now(UTC) + timedelta(hours=2))
    out_trade_no, order = fake.only_order()
    assert out_trade_no == "BILL20261105090000AB12" and order.prepay_id == prepay_id
    assert order.body["amount"] == {"total": 35000, "currency": "CNY"} and order.body["time_expire"]
    params = client.jsapi_params(prepay_id)
    assert params["appId"] == fake.merchant.appid and params["package"] == f"prepay_id={prepay_id}"
    message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert rsa_verify(fake.merchant.key.public_key(), message, params["paySign"])


@pytest.mark.parametrize("trouble", ["http500", "unsigned", "badsign"])
def test_a_refused_or_unsigned_answer_is_an_error(client: PayClient, fake: FakeWeChatPay, trouble: str) -> None:
    fake.next_errors = [trouble]
    with pytest.raises(PayError):
        client.place_jsapi_order("BILL20261105090000CD34", "x", 100, "o_payer", datetime.now(UTC) + timedelta(hours=2))


def test_an_api_that_hangs_is_given_up_on_in_time(fake: FakeWeChatPay) -> None:
    settings = current()
    assert isinstance(settings, PaySettings)
    hurried = PayClient(dataclasses.replace(settings, timeout=(1.0, 1.0)))
    fake.next_errors = ["hang"]
    started = time.monotonic()
    with pytest.raises(PayError):
        hurried.place_jsapi_order("BILL20261105090000EF56", "x", 100, "o_payer", datetime.now(UTC) + timedelta(hours=2))
    assert time.monotonic() - started < 2.5


def test_a_notification_signed_by_the_platform_is_read_and_one_signed_otherwise_is_not(
        client: PayClient, fake: FakeWeChatPay) -> None:
    client.place_jsapi_order("BILL20261105090000GH78", "x", 100, "o_payer", datetime.now(UTC) + timedelta(hours=2))
    headers, body = fake.notification("BILL20261105090000GH78")
    resource = client.read_notification(headers, body)
    assert resource is not None and resource["out_trade_no"] == "BILL20261105090000GH78"
    assert resource["amount"]["total"] == 100 and resource["event_type"] == "TRANSACTION.SUCCESS"
    assert client.read_notification({**headers, "Wechatpay-Serial": "PUB_KEY_ID_OTHER"}, body) is None
    assert client.read_notification({**headers, "Wechatpay-Signature-Type": "HMAC"}, body) is None
    assert client.read_notification({}, body) is None
