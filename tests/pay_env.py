"""WeChat Pay for a test: a merchant, the local fake pay API, and the environment variables
that point the app at it (``PUBLIC_BASE_URL`` is https://linli.test)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.pay.settings import _ALL_VARIABLES
from tests.fake_wechatpay import FakeWeChatPay, Merchant

PUBLIC_BASE_URL = "https://linli.test"
LINK_SECRET = "link-secret-for-tests-0123456789"


def without_pay(monkeypatch: pytest.MonkeyPatch) -> None:
    """No WeChat Pay setting in the environment, whatever the machine has."""
    for name in _ALL_VARIABLES:
        if name != "WECHAT_APPID":
            monkeypatch.delenv(name, raising=False)


@contextmanager
def wechat_pay(monkeypatch: pytest.MonkeyPatch, folder: Path, *, certificates: bool = False,
               **overrides: str) -> Iterator[FakeWeChatPay]:
    """The fake pay API running, and the app's environment pointing at it: WeChat Pay's public
    key (or, with ``certificates``, a folder where platform certificates are downloaded)."""
    without_pay(monkeypatch)
    merchant = Merchant(folder)
    with FakeWeChatPay(merchant) as fake:
        env = {
            "WECHATPAY_MCHID": merchant.mchid, "WECHATPAY_APPID": merchant.appid,
            "WECHATPAY_APIV3_KEY": merchant.apiv3_key, "WECHATPAY_CERT_SERIAL_NO": merchant.serial_no,
            "WECHATPAY_PRIVATE_KEY_PATH": str(merchant.key_path), "WECHATPAY_API_BASE_URL": fake.base_url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "PAY_LINK_SECRET": LINK_SECRET,
        }
        if certificates:
            fake.sign_as_certificate = True
            env["WECHATPAY_CERT_DIR"] = str(folder / "platform_certificates")
        else:
            key_path = folder / "pub_key.pem"
            key_path.write_text(fake.platform_public_pem(), encoding="utf-8")
            env.update({"WECHATPAY_PUBLIC_KEY_PATH": str(key_path), "WECHATPAY_PUBLIC_KEY_ID": fake.public_key_id})
        env.update(overrides)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield fake


def local_path(link: str) -> str:
    """The app's own path of a link the bot sent (https://linli.test/pay/… → /pay/…)."""
    assert link.startswith(PUBLIC_BASE_URL + "/"), link
    return urlsplit(link).path
