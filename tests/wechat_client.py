"""A client that talks to the webhook the way WeChat's servers do.

It signs every request (sha1 of the sorted token, timestamp and nonce), encrypts the body
in safe mode with the account's EncodingAESKey and checks ``msg_signature``, posts the
XML, and decrypts and parses the reply — so tests see exactly what a resident would.
"""
from __future__ import annotations

import hashlib
import itertools
import random
import re
import time
from dataclasses import dataclass
from typing import Any

import xmltodict
from wechatpy.crypto import WeChatCrypto

_ids = itertools.count(random.randint(10**17, 9 * 10**17))


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def text_xml(openid: str, content: str, msg_id: int | None = None, create_time: int | None = None) -> str:
    return _envelope(openid, create_time, "text", f"<Content><![CDATA[{content}]]></Content>", msg_id)


def voice_xml(openid: str, recognition: str | None, msg_id: int | None = None) -> str:
    body = "<MediaId><![CDATA[media_voice]]></MediaId><Format><![CDATA[amr]]></Format>"
    if recognition is not None:
        body += f"<Recognition><![CDATA[{recognition}]]></Recognition>"
    return _envelope(openid, None, "voice", body, msg_id)


def image_xml(openid: str, url: str = "http://mmbiz.qpic.cn/sim/photo.jpg", msg_id: int | None = None) -> str:
    body = f"<PicUrl><![CDATA[{url}]]></PicUrl><MediaId><![CDATA[media_photo]]></MediaId>"
    return _envelope(openid, None, "image", body, msg_id)


def location_xml(openid: str, label: str, msg_id: int | None = None) -> str:
    body = (f"<Location_X>31.2412</Location_X><Location_Y>121.3988</Location_Y><Scale>15</Scale>"
            f"<Label><![CDATA[{label}]]></Label>")
    return _envelope(openid, None, "location", body, msg_id)


def link_xml(openid: str, title: str, msg_id: int | None = None) -> str:
    body = (f"<Title><![CDATA[{title}]]></Title><Description><![CDATA[desc]]></Description>"
            f"<Url><![CDATA[https://example.org/a]]></Url>")
    return _envelope(openid, None, "link", body, msg_id)


def event_xml(openid: str, event: str, key: str = "", create_time: int | None = None, extra: str = "") -> str:
    stamp = int(time.time()) if create_time is None else create_time
    return (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{stamp}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>{extra}</xml>")


def _envelope(openid: str, create_time: int | None, kind: str, body: str, msg_id: int | None) -> str:
    stamp = int(time.time()) if create_time is None else create_time
    ident = next(_ids) if msg_id is None else msg_id
    return (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{stamp}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{body}"
            f"<MsgId>{ident}</MsgId></xml>")


def new_msg_id() -> int:
    return next(_ids)


@dataclass
class Delivery:
    status: int
    body: str
    reply: dict[str, Any] | None
    plain_xml: str | None
    encrypted: bool

    @property
    def content(self) -> str:
        return str((self.reply or {}).get("Content", ""))


class WeChatServer:
    """Plays WeChat's servers against ``http`` (a Starlette TestClient or an httpx.Client)."""

    def __init__(self, http: Any, token: str, appid: str = "", aes_key: str = "", path: str = "/wechat") -> None:
        self.http = http
        self.token = token
        self.appid = appid
        self.aes_key = aes_key
        self.path = path
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None

    def signed_params(self, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        ts = timestamp or str(int(time.time()))
        nonce = nonce or str(random.randint(10**8, 10**9))
        return {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}

    def post(self, xml: str, *, safe: bool = False, compatible: bool = False,
             params: dict[str, str] | None = None) -> Delivery:
        query = params or self.signed_params()
        body = xml
        if safe or compatible:
            assert self.crypto is not None, "safe mode needs an AES key"
            envelope = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            ciphertext = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", envelope).group(1)  # type: ignore[union-attr]
            query = {**query, "encrypt_type": "aes",
                     "msg_signature": sign(self.token, query["timestamp"], query["nonce"], ciphertext)}
            if compatible:  # the plaintext fields travel next to <Encrypt>
                body = xml.replace("</xml>", f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>")
            else:
                body = (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
                        f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>")
        response = self.http.post(self.path, params=query, content=body.encode("utf-8"),
                                  headers={"Content-Type": "text/xml"})
        return self.read(response, encrypted=safe or compatible)

    def read(self, response: Any, *, encrypted: bool) -> Delivery:
        text = response.text
        if response.status_code != 200 or text.strip() in ("", "success"):
            return Delivery(response.status_code, text, None, None, False)
        plain = text
        was_encrypted = "<Encrypt>" in text
        if encrypted:
            assert was_encrypted, f"safe-mode request got a plaintext reply: {text[:200]}"
            envelope = xmltodict.parse(text)["xml"]
            plain = self.crypto.decrypt_message(  # type: ignore[union-attr]
                text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return Delivery(response.status_code, text, xmltodict.parse(plain)["xml"], plain, was_encrypted)

    def say(self, openid: str, content: str, *, safe: bool = False, msg_id: int | None = None) -> Delivery:
        return self.post(text_xml(openid, content, msg_id), safe=safe)
