"""A stand-in for WeChat Pay's API v3 (api.mch.weixin.qq.com) on localhost.

It checks the merchant's request signatures (``Authorization: WECHATPAY2-SHA256-RSA2048 …``),
takes JSAPI orders, signs its answers with its own platform key (``Wechatpay-Signature`` …),
serves the platform certificate encrypted with the APIv3 key (``GET /v3/certificates``), and
makes payment notifications exactly as WeChat Pay sends them: the transaction encrypted with
AEAD_AES_256_GCM under the APIv3 key, the body signed with the platform key. Tests point
WECHATPAY_API_BASE_URL at it, script failures, and read what the bot sent.
"""
from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

MCHID = "1900000109"
APPID = "wx0123456789abcdef"
APIV3_KEY = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026110100000000000001"
_transactions = itertools.count(4200002026110100000)


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(public_key: Any, message: str, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def aes_encrypt(key: str, nonce: str, associated_data: str, plaintext: str) -> str:
    return base64.b64encode(AESGCM(key.encode()).encrypt(nonce.encode(), plaintext.encode(),
                                                         associated_data.encode())).decode()


@dataclass
class Merchant:
    """The merchant's side: its API key pair (the private key in a PEM file) and settings."""

    folder: Path
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    mchid: str = MCHID
    appid: str = APPID
    apiv3_key: str = APIV3_KEY
    serial_no: str = MERCHANT_SERIAL

    @property
    def key_path(self) -> Path:
        path = self.folder / "apiclient_key.pem"
        if not path.exists():
            path.write_text(private_pem(self.key), encoding="utf-8")
        return path


@dataclass
class Order:
    body: dict[str, Any]
    prepay_id: str
    state: str = "NOTPAY"

    @property
    def amount(self) -> int:
        return int(self.body["amount"]["total"])

    @property
    def openid(self) -> str:
        return str(self.body["payer"]["openid"])


class FakeWeChatPay:
    def __init__(self, merchant: Merchant) -> None:
        self.merchant = merchant
        self.platform_key = new_key()
        self.public_key_id = PUBLIC_KEY_ID
        self.certificate = self._certificate()
        self.orders: dict[str, Order] = {}
        self.order_requests = 0
        self.certificate_requests = 0
        #: Scripted trouble for the next JSAPI orders: "http500", "hang", "unsigned", "badsign".
        self.next_errors: list[str] = []
        #: Answers are signed as the platform certificate (True) or the public key (False).
        self.sign_as_certificate = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: dict[str, Any], *, signed: bool = True,
                        bad_signature: bool = False) -> None:
                body = json.dumps(payload, ensure_ascii=False)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                if signed:
                    for name, value in fake.signature_headers(body, forge=bad_signature).items():
                        self.send_header(name, value)
                encoded = body.encode()
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def _authorized(self, body: str) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("WECHATPAY2-SHA256-RSA2048 "):
                    return False
                parts = dict(re.findall(r'(\w+)="([^"]*)"', header))
                message = f"{self.command}\n{self.path}\n{parts.get('timestamp')}\n{parts.get('nonce_str')}\n{body}\n"
                return (parts.get("mchid") == fake.merchant.mchid and parts.get("serial_no") == fake.merchant.serial_no
                        and rsa_verify(fake.merchant.key.public_key(), message, parts.get("signature", "")))

            def do_GET(self) -> None:  # noqa: N802
                if not self._authorized(""):
                    self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
                    return
                url = urlsplit(self.path)
                if url.path == "/v3/certificates":
                    fake.certificate_requests += 1
                    self._answer(200, fake.certificates())
                    return
                found = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)", url.path)
                if found and parse_qs(url.query).get("mchid") == [fake.merchant.mchid]:
                    order = fake.orders.get(found.group(1))
                    if order is None:
                        self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
                        return
                    self._answer(200, {"out_trade_no": found.group(1), "trade_state": order.state,
                                       "amount": {"total": order.amount, "currency": "CNY"}})
                    return
                self._answer(404, {"code": "NOT_FOUND", "message": "无此接口"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if not self._authorized(body):
                    self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
                    return
                if urlsplit(self.path).path != "/v3/pay/transactions/jsapi":
                    self._answer(404, {"code": "NOT_FOUND", "message": "无此接口"})
                    return
                fake.order_requests += 1
                if fake.next_errors:
                    error = fake.next_errors.pop(0)
                    if error == "hang":
                        time.sleep(3)
                    if error in ("http500", "hang"):
                        self._answer(500, {"code": "SYSTEM_ERROR", "message": "系统错误"})
                        return
                    self._answer(200, {"prepay_id": "wx_unsigned"}, signed=error != "unsigned",
                                 bad_signature=error == "badsign")
                    return
                status, payload = fake.place(json.loads(body))
                self._answer(status, payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- the platform's key -----------------------------------------------------------------
    def _certificate(self) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (fake)")])
        now = datetime.now(UTC)
        return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.platform_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                .sign(self.platform_key, hashes.SHA256()))

    @property
    def certificate_serial(self) -> str:
        return format(self.certificate.serial_number, "X")

    def platform_public_pem(self) -> str:
        return public_pem(self.platform_key)

    def certificates(self) -> dict[str, Any]:
        pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode()
        nonce = secrets.token_hex(6)
        return {"data": [{
            "serial_no": self.certificate_serial,
            "effective_time": self.certificate.not_valid_before_utc.isoformat(),
            "expire_time": self.certificate.not_valid_after_utc.isoformat(),
            "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": "certificate",
                                    "ciphertext": aes_encrypt(self.merchant.apiv3_key, nonce, "certificate", pem)},
        }]}

    def signature_headers(self, body: str, *, key: rsa.RSAPrivateKey | None = None, forge: bool = False,
                          timestamp: int | None = None) -> dict[str, str]:
        """Wechatpay-* headers for ``body``: signed with the platform key (or ``key``)."""
        stamp = str(timestamp or int(time.time()))
        nonce = secrets.token_hex(16)
        signer = key or (new_key() if forge else self.platform_key)
        serial = self.certificate_serial if self.sign_as_certificate else self.public_key_id
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": serial,
                "Wechatpay-Signature": rsa_sign(signer, f"{stamp}\n{nonce}\n{body}\n"),
                "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}

    # --- orders -------------------------------------------------------------------------------
    def place(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """JSAPI下单, with the checks WeChat Pay makes on what matters here."""
        problems = []
        if body.get("mchid") != self.merchant.mchid or body.get("appid") != self.merchant.appid:
            problems.append("mchid/appid")
        if not re.fullmatch(r"[A-Za-z0-9_\-|*]{6,32}", str(body.get("out_trade_no", ""))):
            problems.append("out_trade_no")
        amount = body.get("amount") or {}
        if not isinstance(amount.get("total"), int) or amount["total"] <= 0:
            problems.append("amount.total")
        if not (body.get("payer") or {}).get("openid"):
            problems.append("payer.openid")
        if not str(body.get("notify_url", "")).startswith("https://"):
            problems.append("notify_url")
        if not body.get("description") or len(str(body["description"])) > 127:
            problems.append("description")
        if problems:
            return 400, {"code": "PARAM_ERROR", "message": f"参数错误: {', '.join(problems)}"}
        existing = self.orders.get(body["out_trade_no"])
        if existing is not None:
            if existing.body != body:
                return 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}
            return 200, {"prepay_id": existing.prepay_id}
        order = Order(body, f"wx{datetime.now(UTC):%d%H%M%S}{secrets.token_hex(12)}")
        self.orders[body["out_trade_no"]] = order
        return 200, {"prepay_id": order.prepay_id}

    def only_order(self) -> tuple[str, Order]:
        [(out_trade_no, order)] = self.orders.items()
        return out_trade_no, order

    # --- notifications -------------------------------------------------------------------------
    def notification(self, out_trade_no: str, *, total: int | None = None, trade_state: str = "SUCCESS",
                     transaction_id: str | None = None, openid: str | None = None, mchid: str | None = None,
                     apiv3_key: str | None = None, key: rsa.RSAPrivateKey | None = None,
                     tamper: bool = False) -> tuple[dict[str, str], bytes]:
        """支付通知 for an order, as WeChat Pay would POST it: (headers, body). Anything given
        replaces what the order says; ``key`` signs with another key (a forger), ``apiv3_key``
        encrypts with another key, ``tamper`` changes the body after it was signed."""
        order = self.orders[out_trade_no]
        paid_total = order.amount if total is None else total
        transaction = {
            "mchid": mchid or self.merchant.mchid, "appid": self.merchant.appid, "out_trade_no": out_trade_no,
            "transaction_id": transaction_id or str(next(_transactions)), "trade_type": "JSAPI",
            "trade_state": trade_state, "trade_state_desc": "支付成功" if trade_state == "SUCCESS" else "未支付",
            "bank_type": "OTHERS", "attach": "",
            "success_time": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
            "payer": {"openid": openid or order.openid},
            "amount": {"total": paid_total, "payer_total": paid_total, "currency": "CNY", "payer_currency": "CNY"},
        }
        nonce = secrets.token_hex(6)
        ciphertext = aes_encrypt(apiv3_key or self.merchant.apiv3_key, nonce, "transaction",
                                 json.dumps(transaction, ensure_ascii=False))
        envelope = {
            "id": str(uuid.uuid4()), "create_time": datetime.now(UTC).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
                         "associated_data": "transaction", "nonce": nonce},
        }
        body = json.dumps(envelope, ensure_ascii=False)
        headers = {**self.signature_headers(body, key=key), "Content-Type": "application/json"}
        if tamper:
            body = body.replace('"summary": "支付成功"', '"summary": "支付成功!"')
        if trade_state == "SUCCESS":
            order.state = "SUCCESS"
        return headers, body.encode()

    # --- running -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeWeChatPay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
