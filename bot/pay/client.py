"""WeChat Pay API v3 through ``wechatpayv3``: JSAPI orders, the page's signed invocation,
and payment notifications verified and decrypted.

The official APIs called: JSAPI下单 (``POST /v3/pay/transactions/jsapi``), and, in
platform-certificate mode, 下载平台证书 (``GET /v3/certificates``), which wechatpayv3 calls to
keep the certificates current. 调起支付 (``WeixinJSBridge getBrandWCPayRequest``) needs
``paySign``: RSA-SHA256 over appId, timeStamp, nonceStr and package, with the merchant key.
支付通知 is checked against WeChat Pay's public key (or platform certificate) and its
``resource`` decrypted with the APIv3 key (AEAD_AES_256_GCM).
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core

from bot.pay.errors import PayError
from bot.pay.settings import PaySettings

log = logging.getLogger(__name__)

__all__ = ["PayClient", "PayError", "client_for"]

SIGNATURE_HEADER = "wechatpay-signature"
SERIAL_HEADER = "wechatpay-serial"


class _Core(Core):
    """wechatpayv3's core, talking to ``gateway`` from its very first request.

    wechatpayv3 fixes its gateway to api.mch.weixin.qq.com and, in platform-certificate mode,
    downloads the certificates while it is being built; WECHATPAY_API_BASE_URL (a proxy, or a
    local fake in tests) must already apply then."""

    def __init__(self, gateway: str, **options: Any) -> None:
        self._gateway = gateway
        super().__init__(**options)
        self._gate_way = gateway

    def _init_certificates(self) -> None:
        self._gate_way = self._gateway
        super()._init_certificates()


class _WeChatPay(WeChatPay):
    """wechatpayv3's client for a direct merchant's JSAPI payments, with :class:`_Core`.

    Sets the fields ``WeChatPay.__init__`` sets, but builds the core with our gateway."""

    def __init__(self, settings: PaySettings) -> None:
        self._type = WeChatPayType.JSAPI
        self._mchid = settings.mchid
        self._appid = settings.appid
        self._notify_url = settings.notify_url
        self._partner_mode = False
        self._core = _Core(settings.api_base_url, mchid=settings.mchid, cert_serial_no=settings.cert_serial_no,
                           private_key=settings.private_key, apiv3_key=settings.apiv3_key,
                           cert_dir=settings.cert_dir or None, logger=None, proxy=None, timeout=settings.timeout,
                           public_key=settings.public_key or None, public_key_id=settings.public_key_id or None)


class PayClient:
    """One merchant's client, built on first use (certificate mode downloads at that point)."""

    def __init__(self, settings: PaySettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._pay: Any = None

    def _client(self) -> Any:
        with self._lock:
            if self._pay is None:
                try:
                    self._pay = _WeChatPay(self.settings)
                except requests.RequestException as error:
                    raise PayError(f"the pay API cannot be reached: {error.__class__.__name__}") from None
                except Exception as error:  # wechatpayv3 raises bare Exceptions for bad keys or no certificate
                    raise PayError(f"the WeChat Pay client cannot start: {error}") from None
            return self._pay

    def place_jsapi_order(self, out_trade_no: str, description: str, amount_fen: int, openid: str,
                          expires_at: datetime) -> str:
        """JSAPI下单: the ``prepay_id`` of an order for ``openid`` to pay ``amount_fen``."""
        pay = self._client()
        try:
            code, message = pay.pay(description=description, out_trade_no=out_trade_no,
                                    amount={"total": amount_fen, "currency": "CNY"}, payer={"openid": openid},
                                    time_expire=expires_at.isoformat(timespec="seconds"),
                                    pay_type=WeChatPayType.JSAPI)
        except requests.RequestException as error:
            raise PayError(f"the pay API did not answer: {error.__class__.__name__}") from None
        except Exception as error:  # wechatpayv3: an answer whose signature does not verify
            raise PayError(f"the pay API's answer was refused: {error}") from None
        try:
            answer = json.loads(message) if isinstance(message, str) else {}
        except ValueError:
            answer = {}
        prepay_id = answer.get("prepay_id") if isinstance(answer, dict) else None
        if code != 200 or not prepay_id:
            raise PayError(f"the pay API refused the order {out_trade_no}: {code} {str(message)[:200]}")
        return str(prepay_id)

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """What the page hands to ``getBrandWCPayRequest``, signed with the merchant key."""
        params = {"appId": self.settings.appid, "timeStamp": str(int(time.time())),
                  "nonceStr": secrets.token_hex(16), "package": f"prepay_id={prepay_id}", "signType": "RSA"}
        pay = self._client()
        params["paySign"] = pay.sign([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]])
        return params

    def read_notification(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
        """A payment notification's decrypted ``resource`` (with ``event_type``), or None when it
        is not signed by WeChat Pay or cannot be decrypted."""
        lowered = {name.lower(): value for name, value in headers.items()}
        if not lowered.get(SIGNATURE_HEADER):
            return None
        if self.settings.public_key_id and lowered.get(SERIAL_HEADER) != self.settings.public_key_id:
            return None  # public-key mode: another key's serial means another signer
        try:
            text = body.decode("utf-8")
            result = self._client().callback(lowered, text)
        except (UnicodeDecodeError, ValueError):
            return None
        except PayError:
            raise
        except Exception as error:  # wechatpayv3 raises bare Exceptions for unknown algorithms
            log.warning("payment notification refused: %s", error)
            return None
        if not isinstance(result, dict) or not isinstance(result.get("resource"), dict):
            return None
        return {**result["resource"], "event_type": result.get("event_type", "")}


_clients_lock = threading.Lock()
_clients: dict[PaySettings, PayClient] = {}


def client_for(settings: PaySettings) -> PayClient:
    """The one client of these settings in this process."""
    with _clients_lock:
        client = _clients.get(settings)
        if client is None:
            _clients.clear()
            client = _clients[settings] = PayClient(settings)
        return client
