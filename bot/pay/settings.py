"""WeChat Pay merchant settings, from the process environment (secrets never live in config.yml).

Paying inside WeChat is on when the merchant settings are there, and off when none of them
is; half of them is a mistake worth stopping for (:class:`~bot.errors.SettingsError`, one
sentence naming what to fix). The names:

=============================  ==============================================================
WECHATPAY_MCHID                the merchant number (商户号)
WECHATPAY_APPID                the official account's AppID bound to it (default: WECHAT_APPID)
WECHATPAY_APIV3_KEY            the APIv3 key (32 characters; 商户平台 → API安全)
WECHATPAY_CERT_SERIAL_NO       the serial number of the merchant API certificate
WECHATPAY_PRIVATE_KEY_PATH     the merchant API private key (apiclient_key.pem)
WECHATPAY_PUBLIC_KEY_PATH      WeChat Pay's public key (微信支付公钥, pub_key.pem) …
WECHATPAY_PUBLIC_KEY_ID        … and its id (PUB_KEY_ID_…), or instead:
WECHATPAY_CERT_DIR             a folder where the platform certificates are downloaded and kept
WECHATPAY_NOTIFY_URL           where payment notifications go (default: PUBLIC_BASE_URL/pay/notify)
WECHATPAY_API_BASE_URL         the pay API (default https://api.mch.weixin.qq.com; tests: a fake)
PUBLIC_BASE_URL                this app's https address (the payment page's links live under it)
PAY_LINK_SECRET                the secret that signs payment links (at least 16 characters)
=============================  ==============================================================
"""
from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.errors import SettingsError

OFFICIAL_PAY_API = "https://api.mch.weixin.qq.com"
#: The variables that make up the merchant settings (their presence turns paying on).
MERCHANT_VARIABLES = ("WECHATPAY_MCHID", "WECHATPAY_APIV3_KEY", "WECHATPAY_CERT_SERIAL_NO",
                      "WECHATPAY_PRIVATE_KEY_PATH")
_ALL_VARIABLES = (*MERCHANT_VARIABLES, "WECHATPAY_APPID", "WECHAT_APPID", "WECHATPAY_PUBLIC_KEY_PATH",
                  "WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_CERT_DIR", "WECHATPAY_NOTIFY_URL", "WECHATPAY_API_BASE_URL",
                  "PUBLIC_BASE_URL", "PAY_LINK_SECRET")
PAGE_PATH = "/pay"
NOTIFY_PATH = "/pay/notify"


@dataclass(frozen=True, slots=True)
class PaySettings:
    mchid: str
    appid: str
    apiv3_key: str
    cert_serial_no: str
    private_key: str
    #: WeChat Pay's public key (PEM) and its id; empty in platform-certificate mode.
    public_key: str
    public_key_id: str
    #: Where platform certificates are kept (platform-certificate mode).
    cert_dir: str
    notify_url: str
    api_base_url: str
    public_base_url: str
    link_secret: str
    #: Seconds to connect and to read, for every call to the pay API.
    timeout: tuple[float, float] = (3.0, 5.0)

    def page_url(self, token: str) -> str:
        """The payment page a link opens."""
        return f"{self.public_base_url}{PAGE_PATH}/{token}"


def load_pay_settings(env: Mapping[str, str]) -> PaySettings | None:
    """The merchant settings in ``env``, or None when paying in WeChat is not configured."""
    value = {name: env.get(name, "").strip() for name in _ALL_VARIABLES}
    if not any(value[name] for name in MERCHANT_VARIABLES):
        return None
    for name in MERCHANT_VARIABLES:
        if not value[name]:
            given = next(n for n in MERCHANT_VARIABLES if value[n])
            raise SettingsError(f"{given} is set but {name} is not: WeChat Pay needs all of "
                                f"{', '.join(MERCHANT_VARIABLES)}.")
    appid = value["WECHATPAY_APPID"] or value["WECHAT_APPID"]
    if not appid:
        raise SettingsError("WeChat Pay needs the official account's AppID: set WECHATPAY_APPID (or WECHAT_APPID).")
    if len(value["WECHATPAY_APIV3_KEY"].encode()) != 32:
        raise SettingsError("WECHATPAY_APIV3_KEY must be the 32-character APIv3 key from the merchant platform.")
    private_key = _read_pem("WECHATPAY_PRIVATE_KEY_PATH", value["WECHATPAY_PRIVATE_KEY_PATH"], "PRIVATE KEY")
    public_key, public_key_id, cert_dir = _platform_key(value)
    public_base_url = _url("PUBLIC_BASE_URL", value["PUBLIC_BASE_URL"], required=True)
    secret = value["PAY_LINK_SECRET"]
    if len(secret) < 16:
        raise SettingsError("PAY_LINK_SECRET must be set to a random string of at least 16 characters: it signs "
                            "the payment links the bot sends.")
    notify_url = _url("WECHATPAY_NOTIFY_URL", value["WECHATPAY_NOTIFY_URL"]) or f"{public_base_url}{NOTIFY_PATH}"
    return PaySettings(
        mchid=value["WECHATPAY_MCHID"], appid=appid, apiv3_key=value["WECHATPAY_APIV3_KEY"],
        cert_serial_no=value["WECHATPAY_CERT_SERIAL_NO"], private_key=private_key, public_key=public_key,
        public_key_id=public_key_id, cert_dir=cert_dir, notify_url=notify_url,
        api_base_url=_url("WECHATPAY_API_BASE_URL", value["WECHATPAY_API_BASE_URL"]) or OFFICIAL_PAY_API,
        public_base_url=public_base_url, link_secret=secret)


def _platform_key(value: Mapping[str, str]) -> tuple[str, str, str]:
    """WeChat Pay's public key and its id, or else the folder of platform certificates."""
    path, key_id, cert_dir = value["WECHATPAY_PUBLIC_KEY_PATH"], value["WECHATPAY_PUBLIC_KEY_ID"], value[
        "WECHATPAY_CERT_DIR"]
    if bool(path) != bool(key_id):
        raise SettingsError("WECHATPAY_PUBLIC_KEY_PATH and WECHATPAY_PUBLIC_KEY_ID go together: set both "
                            "(WeChat Pay's public key and its PUB_KEY_ID_…).")
    if path:
        return _read_pem("WECHATPAY_PUBLIC_KEY_PATH", path, "PUBLIC KEY"), key_id, ""
    if not cert_dir:
        raise SettingsError("WeChat Pay needs its platform key to check notifications: set "
                            "WECHATPAY_PUBLIC_KEY_PATH and WECHATPAY_PUBLIC_KEY_ID, or WECHATPAY_CERT_DIR.")
    return "", "", cert_dir


def _read_pem(name: str, path: str, kind: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{name} names {path}, which cannot be read: {error.__class__.__name__}.") from None
    if f"-----BEGIN {kind}-----" not in text and f"-----BEGIN RSA {kind}-----" not in text:
        raise SettingsError(f"{name} names {path}, which is not a PEM {kind.lower()}.")
    return text


def _url(name: str, value: str, *, required: bool = False) -> str:
    if not value:
        if required:
            raise SettingsError(f"WeChat Pay needs {name}: the https address where this app is reached "
                                "(its payment page is registered as 支付授权目录).")
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, not {value!r}.")
    return value.rstrip("/")


_cache_lock = threading.Lock()
_cache: dict[tuple[str, ...], PaySettings | None] = {}


def current(env: Mapping[str, str] | None = None) -> PaySettings | None:
    """The merchant settings of this process (read once per distinct environment)."""
    source = os.environ if env is None else env
    key = tuple(source.get(name, "") for name in _ALL_VARIABLES)
    with _cache_lock:
        if key not in _cache:
            _cache.clear()  # one environment at a time: a changed setting replaces the old one
            _cache[key] = load_pay_settings(source)
        return _cache[key]
