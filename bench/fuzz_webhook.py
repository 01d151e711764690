"""Hostile-input run against a running server: every answer clean, none slow, no traceback.

Posts to ``/wechat`` what WeChat's servers send and what nobody should:

* **shapes** — every message and event shape exercised by the test suites of wechatpy and
  WeRoBot (text, image, voice with and without Recognition, video, location, link, unknown
  types; subscribe, scan, menu, mass-send and template results, scan-code and photo menus,
  customer-service sessions, subscription messages, cards, invoices, shake-around, Wi-Fi,
  devices…), written anew here from WeChat's message reference, in plaintext and in safe
  mode: each must be answered 200 (a reply or ``success``);
* **hostile** — non-ASCII and malformed signatures, timestamps, nonces, CreateTimes and
  MsgIds; elements nested thousands deep; DTDs, entity expansion, external entities;
  attribute floods; oversized, empty, non-UTF-8 and non-XML bodies; safe-mode envelopes
  that do not open; odd methods and query strings: each must be refused with a clean 4xx;
* **random** — seeded random bytes and byte-level mutations of the shapes: never a 5xx;
* **api** (``--api``) — the staff API without a token, with a wrong one and, when
  ``STAFF_API_TOKEN`` is set, with malformed bodies and ids: never a 5xx.

Everything goes over one keep-alive connection, as WeChat's servers keep theirs. Reported:
every 5xx or missing answer, every answer slower than ``--slow`` seconds, every dropped
connection, every answer other than the one expected, and — from the server's log
(``--server-log FILE``, or the log of the server ``--spawn`` starts) — every traceback and
whether each refusal logged exactly one line. Exit status 1 when anything is reported.

    python -m bench.fuzz_webhook --spawn
    python -m bot serve --dev --port 8123 2> server.log &
    python -m bench.fuzz_webhook --url http://127.0.0.1:8123 --server-log server.log

Credentials come from WECHAT_TOKEN / WECHAT_APPID / WECHAT_AES_KEY, else from the file
``serve --dev`` writes (var/dev-credentials.env).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from wechatpy.crypto import WeChatCrypto

REPO = Path(__file__).resolve().parent.parent
DEV_CREDENTIALS = REPO / "var" / "dev-credentials.env"


# --- one request and what it should get ---------------------------------------------------------
@dataclass
class Case:
    group: str
    name: str
    body: bytes = b""
    query: str = ""                 #: already percent-encoded
    method: str = "POST"
    path: str = "/wechat"
    expect: str = "answer"          #: "answer" (200), "refuse" (4xx) or "any" (anything but 5xx)
    headers: dict[str, str] = field(default_factory=dict)
    #: False where HTTP itself refuses the request (broken framing): the server closes the
    #: connection and the application, which never sees it, logs nothing.
    app: bool = True


@dataclass
class Outcome:
    case: Case
    status: int | None
    seconds: float
    dropped: bool
    error: str = ""
    body: str = ""

    @property
    def problems(self) -> list[str]:
        found = []
        if self.status is None:
            found.append(f"no answer ({self.error})")
        elif self.status >= 500:
            found.append(f"{self.status}")
        elif self.case.expect == "answer" and self.status != 200:
            found.append(f"refused a WeChat shape: {self.status} {self.body[:80]!r}")
        elif self.case.expect == "refuse" and not 400 <= self.status < 500:
            found.append(f"accepted hostile input: {self.status}")
        if self.dropped and self.case.app and self.status != 413:  # a body left unread may end it
            found.append("connection dropped")
        return found


class Signer:
    """Signs and encrypts like WeChat's servers."""

    def __init__(self, token: str, appid: str, aes_key: str) -> None:
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None

    @staticmethod
    def sign(*parts: str) -> str:
        return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()

    def query(self, timestamp: str | None = None, nonce: str | None = None, **extra: str) -> dict[str, str]:
        ts = str(int(time.time())) if timestamp is None else timestamp
        nonce = str(random.randint(10**8, 10**9)) if nonce is None else nonce
        return {"signature": self.sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}

    def ciphertext(self, xml: str, query: dict[str, str]) -> str:
        assert self.crypto is not None
        envelope = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        found = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", envelope)
        assert found is not None
        return found.group(1)

    def safe(self, xml: str, query: dict[str, str] | None = None) -> tuple[str, bytes]:
        """The query and the body of ``xml`` sent in safe mode."""
        query = query or self.query()
        ciphertext = self.ciphertext(xml, query)
        query = {**query, "encrypt_type": "aes",
                 "msg_signature": self.sign(self.token, query["timestamp"], query["nonce"], ciphertext)}
        return urlencode(query), f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>".encode()


# --- the shapes: WeChat's messages and events ----------------------------------------------------
Value = str | list[tuple[str, "Value"]]


def render(fields: list[tuple[str, Value]], *, spaced: bool = False) -> str:
    """Fields as WeChat writes them: words in CDATA, numbers bare, containers nested."""
    parts = []
    for name, value in fields:
        if isinstance(value, list):
            inner = render(value, spaced=spaced)
        elif value.isascii() and value.replace(".", "", 1).isdigit():
            inner = value
        else:
            inner = f" <![CDATA[{value}]]> " if spaced else f"<![CDATA[{value}]]>"
        parts.append(f"<{name}>{inner}</{name}>")
    return "\n".join(parts)


def message(openid: str, kind: str, fields: list[tuple[str, Value]], *, create_time: int | None = None,
            spaced: bool = False) -> str:
    head: list[tuple[str, Value]] = [("ToUserName", "gh_fuzz_account"), ("FromUserName", openid),
                                     ("CreateTime", str(create_time or int(time.time()))), ("MsgType", kind)]
    return f"<xml>\n{render(head + fields, spaced=spaced)}\n</xml>"


def event(openid: str, name: str, fields: list[tuple[str, Value]] | None = None, **options: bool) -> str:
    return message(openid, "event", [("Event", name), *(fields or [])], **options)


def msg_id() -> str:
    return str(random.randint(10**17, 9 * 10**17))


PICS: list[tuple[str, Value]] = [("Count", "2"), ("PicList", [
    ("item", [("PicMd5Sum", "1b5f7c23b5bf75682a53e7b6d163e185")]),
    ("item", [("PicMd5Sum", "7d5bb9ae1d1c4a1f4e3b5f3c9f8f9e2a")])])]
SCAN_INFO: list[tuple[str, Value]] = [("ScanCodeInfo", [("ScanType", "qrcode"), ("ScanResult", "1")])]
BEACON: list[tuple[str, Value]] = [("Uuid", "FDA50693-A4E2-4FB1"), ("Major", "10001"), ("Minor", "10002"),
                                   ("Distance", "0.057")]


def shapes(user: str) -> Iterator[tuple[str, str, str]]:
    """(source, name, xml) for each message and event shape; ``user`` makes openids unique."""
    o = lambda n: f"o{user}_{n}"  # noqa: E731
    yield "wechatpy", "text", message(o(1), "text", [("Content", "this is a test"), ("MsgId", msg_id())])
    yield "wechatpy", "image", message(o(2), "image", [("PicUrl", "http://mmbiz.qpic.cn/x.png"),
                                                       ("MediaId", "media_id"), ("MsgId", msg_id())])
    yield "wechatpy", "voice without Recognition", message(o(3), "voice", [("MediaId", "m"), ("Format", "amr"),
                                                                           ("MsgId", msg_id())])
    yield "werobot", "voice with Recognition", message(o(4), "voice", [("MediaId", "m"), ("Format", "amr"),
                                                                       ("Recognition", "喵~"), ("MsgId", msg_id())])
    yield "wechatpy", "video", message(o(5), "video", [("MediaId", "m"), ("ThumbMediaId", "t"), ("MsgId", msg_id())])
    yield "wechatpy", "shortvideo", message(o(6), "shortvideo", [("MediaId", "m"), ("ThumbMediaId", "t"),
                                                                 ("MsgId", msg_id())])
    yield "wechatpy", "location", message(o(7), "location", [("Location_X", "23.134521"),
                                                             ("Location_Y", "113.358803"), ("Scale", "20"),
                                                             ("Label", "位置信息"), ("MsgId", msg_id())])
    yield "wechatpy", "link", message(o(8), "link", [("Title", "公众平台官网链接"), ("Description", "公众平台官网链接"),
                                                     ("Url", "https://mp.weixin.qq.com"), ("MsgId", msg_id())])
    yield "wechatpy", "unknown type", message(o(9), "notsure", [("MsgId", msg_id())])
    yield "werobot", "unknown type with fields", message(o(10), "unknown", [("Title", "t"), ("Url", "u"),
                                                                            ("MsgId", msg_id())])
    yield "wechatpy", "device_text", message(o(11), "device_text", [
        ("MsgId", msg_id()), ("OpenID", "123"), ("DeviceID", "d1"), ("DeviceType", "gh_dev"),
        ("SessionID", "9"), ("Content", "MTIz")])
    yield "wechatpy", "device_event bind", message(o(12), "device_event", [
        ("Event", "bind"), ("MsgId", msg_id()), ("OpenID", "123"), ("DeviceID", "d1"), ("DeviceType", "gh_dev"),
        ("SessionID", "9"), ("Content", "MTIz")])
    yield "wechatpy", "subscribe", event(o(13), "subscribe")
    yield "wechatpy", "subscribe by scene", event(o(14), "subscribe", [("EventKey", "qrscene_123123"),
                                                                       ("Ticket", "TICKET")])
    yield "wechatpy", "subscribe by barcode", event(o(15), "subscribe", [("EventKey", "scanbarcode|keystandard|k")])
    yield "wechatpy", "subscribe by image", event(o(16), "subscribe", [("EventKey", "scanimage|keystandard|k")])
    yield "wechatpy", "subscribe, last trade", event(o(17), "subscribe", [
        ("EventKey", "last_trade_no_4008072001201701105817415015")])
    yield "wechatpy", "unsubscribe", event(o(18), "unsubscribe")
    yield "wechatpy", "SCAN", event(o(19), "SCAN", [("EventKey", "SCENE_VALUE"), ("Ticket", "TICKET")])
    yield "wechatpy", "LOCATION", event(o(20), "LOCATION", [("Latitude", "23.137466"), ("Longitude", "113.352425"),
                                                             ("Precision", "119.385040")])
    yield "wechatpy", "CLICK", event(o(21), "CLICK", [("EventKey", "EVENTKEY")])
    yield "wechatpy", "VIEW", event(o(22), "VIEW", [("EventKey", "www.qq.com")])
    yield "wechatpy", "MASSSENDJOBFINISH", event(o(23), "MASSSENDJOBFINISH", [
        ("MsgID", "1000001625"), ("Status", "err(30003)"), ("TotalCount", "0"), ("FilterCount", "0"),
        ("SentCount", "0"), ("ErrorCount", "0"),
        ("CopyrightCheckResult", [("Count", "2"), ("ResultList", [
            ("item", [("ArticleIdx", "1"), ("UserDeclareState", "0"), ("AuditState", "2"),
                      ("OriginalArticleUrl", "Url_1"), ("OriginalArticleType", "1"), ("CanReprint", "1"),
                      ("NeedReplaceContent", "1"), ("NeedShowReprintSource", "1")]),
            ("item", [("ArticleIdx", "2"), ("UserDeclareState", "0"), ("AuditState", "2"),
                      ("OriginalArticleUrl", "Url_2"), ("OriginalArticleType", "1"), ("CanReprint", "1"),
                      ("NeedReplaceContent", "1"), ("NeedShowReprintSource", "1")])]), ("CheckState", "2")]),
        ("ArticleUrlResult", [("Count", "1"), ("ResultList", [("item", [("ArticleIdx", "1"),
                                                                          ("ArticleUrl", "Url")])])])])
    yield "werobot", "TEMPLATESENDJOBFINISH success", event(o(24), "TEMPLATESENDJOBFINISH", [
        ("MsgID", "200163836"), ("Status", "success")])
    yield "werobot", "TEMPLATESENDJOBFINISH failed", event(o(25), "TEMPLATESENDJOBFINISH", [
        ("MsgID", "200163840"), ("Status", "failed: system failed")])
    yield "wechatpy", "scancode_push", event(o(26), "scancode_push", [("EventKey", "6"), *SCAN_INFO])
    yield "wechatpy", "scancode_waitmsg", event(o(27), "scancode_waitmsg", [("EventKey", "6"), *SCAN_INFO])
    for name in ("pic_sysphoto", "pic_photo_or_album", "pic_weixin"):
        yield "wechatpy", name, event(o(28), name, [("EventKey", "6"), ("SendPicsInfo", PICS)])
    yield "werobot", "pic_sysphoto, one photo", event(o(29), "pic_sysphoto", [("EventKey", "6"), ("SendPicsInfo", [
        ("Count", "1"), ("PicList", [("item", [("PicMd5Sum", "1b5f7c23b5bf75682a53e7b6d163e185")])])])])
    yield "wechatpy", "location_select", event(o(30), "location_select", [("EventKey", "6"), ("SendLocationInfo", [
        ("Location_X", "23"), ("Location_Y", "113"), ("Scale", "15"), ("Label", "广州市海珠区客村艺苑路 106号"),
        ("Poiname", "")])])
    yield "wechatpy", "merchant_order", event(o(31), "merchant_order", [
        ("OrderId", "test_order_id"), ("OrderStatus", "2"), ("ProductId", "p"), ("SkuInfo", "10001:1000012")])
    yield "wechatpy", "kf_create_session", event(o(32), "kf_create_session", [("KfAccount", "test1@test")])
    yield "wechatpy", "kf_close_session", event(o(33), "kf_close_session", [("KfAccount", "test1@test")])
    yield "wechatpy", "kf_switch_session", event(o(34), "kf_switch_session", [
        ("FromKfAccount", "test1@test"), ("ToKfAccount", "test2@test")])
    yield "wechatpy", "subscribe_msg_popup_event", event(o(35), "subscribe_msg_popup_event", [
        ("SubscribeMsgPopupEvent", [
            ("List", [("TemplateId", "VRR0UEO9VJOLs0MHlU0OilqX6MVF"), ("SubscribeStatusString", "accept"),
                      ("PopupScene", "2")]),
            ("List", [("TemplateId", "9nLIlbOQZC5Y89AZteFEux3WCXRR"), ("SubscribeStatusString", "reject"),
                      ("PopupScene", "2")])])])
    yield "wechatpy", "subscribe_msg_change_event", event(o(36), "subscribe_msg_change_event", [
        ("SubscribeMsgChangeEvent", [("List", [("TemplateId", "VRR0UEO9VJOLs0MHlU0OilqX6MVF"),
                                               ("SubscribeStatusString", "reject")])])])
    yield "wechatpy", "subscribe_msg_sent_event", event(o(37), "subscribe_msg_sent_event", [
        ("SubscribeMsgSentEvent", [("List", [("TemplateId", "VRR0UEO9VJOLs0MHlU0OilqX6MVF"),
                                             ("MsgID", "1700827132819554304"), ("ErrorCode", "0"),
                                             ("ErrorStatus", "success")])])])
    yield "wechatpy", "ShakearoundUserShake", event(o(38), "ShakearoundUserShake", [
        ("ChosenBeacon", BEACON), ("AroundBeacons", [("AroundBeacon", BEACON), ("AroundBeacon", BEACON)])])
    yield "wechatpy", "WifiConnected", event(o(39), "WifiConnected", [
        ("ConnectTime", "0"), ("ExpireTime", "0"), ("VendorId", "3001224419"), ("PlaceId", "1234"),
        ("DeviceNo", "00:1f:7a:ad:5c:a8")])
    for name, extra in (("qualification_verify_success", [("ExpiredTime", "1442401156")]),
                        ("qualification_verify_fail", [("FailTime", "1442401122"), ("FailReason", "by time")]),
                        ("naming_verify_success", [("ExpiredTime", "1442401093")]),
                        ("naming_verify_fail", [("FailTime", "1442401061"), ("FailReason", "by time")]),
                        ("annual_renew", [("ExpiredTime", "1442401004")]),
                        ("verify_expired", [("ExpiredTime", "1442400900")])):
        yield "wechatpy", name, event(o(40), name, extra)  # type: ignore[arg-type]
    yield "wechatpy", "user_authorize_invoice", event(o(41), "user_authorize_invoice", [
        ("SuccOrderId", "1202933957956"), ("FailOrderId", ""), ("AppId", "wx1234567887654321"), ("Source", "web")])
    yield "wechatpy", "update_invoice_status", event(o(42), "update_invoice_status", [
        ("Status", "INVOICE_REIMBURSE_INIT"), ("CardId", "pjZ8Yt7Um2jYxzneP8GomnxoVFWo"), ("Code", "186921658591")])
    yield "wechatpy", "submit_invoice_title", event(o(43), "submit_invoice_title", [
        ("title", "样例公司抬头"), ("tax_no", "1486715661"), ("addr", "abc"), ("phone", "13313331333"),
        ("bank_type", "bt"), ("bank_no", "bn"), ("attach", "at"), ("title_type", "InvoiceUserTitleBusinessType")])
    card = [("CardId", "pZI8Fjwsy5fVPRBeD78J4RmqVvBc"), ("UserCardCode", "226009850808")]
    for name, extra, spaced in (
            ("card_pass_check", [("CardId", "cardid"), ("RefuseReason", "非法代制")], False),
            ("card_not_pass_check", [("CardId", "cardid"), ("RefuseReason", "非法代制")], False),
            ("user_get_card", [*card, ("IsGiveByFriend", "0"), ("FriendUserName", ""), ("OuterId", "0"),
                               ("OldUserCardCode", ""), ("OuterStr", "12b"), ("IsRestoreMemberCard", "0")], True),
            ("user_gifting_card", [*card, ("IsReturnBack", "0"), ("FriendUserName", "obLatjlNerkb62HtSdQUx66C4NTU"),
                                   ("IsChatRoom", "0")], False),
            ("user_del_card", card, False),
            ("user_consume_card", [*card, ("ConsumeSource", "FROM_API"), ("LocationName", ""),
                                   ("StaffOpenId", "oZI8Fj040-be6rlDohc6gkoPOQTQ"), ("VerifyCode", ""),
                                   ("RemarkAmount", ""), ("OuterStr", "xxxxx")], True),
            ("user_pay_from_pay_cell", [*card, ("TransId", "10022403432015000000000"), ("LocationId", "291710000"),
                                        ("Fee", "10000"), ("OriginalFee", "10000")], False),
            ("user_view_card", [*card, ("OuterStr", "12b")], True),
            ("user_enter_session_from_card", card, False),
            ("update_member_card", [*card, ("ModifyBonus", "3"), ("ModifyBalance", "0")], False),
            ("card_sku_remind", [("CardId", "pa3LFuAh2P65"), ("Detail", "the card's quantity is equal to 0")], False),
            ("card_pay_order", [("OrderId", "404091456"), ("Status", "ORDER_STATUS_FINANCE_SUCC"),
                                ("CreateOrderTime", "1453295737"), ("PayFinishTime", "0"), ("Desc", ""),
                                ("FreeCoinCount", "200"), ("PayCoinCount", "0"), ("Memo", "开通账户奖励")], False),
            ("submit_membercard_user_info", card, False)):
        yield "werobot", name, event(o(44), name, extra, spaced=spaced)  # type: ignore[arg-type]
    product = [("KeyStandard", "ean13"), ("KeyStr", "6901481811083")]
    for name, extra in (
            ("user_scan_product", [*product, ("Country", "中国"), ("Province", "广东"), ("City", "揭阳"),
                                   ("Sex", "1"), ("Scene", "2"), ("ExtInfo", "123")]),
            ("user_scan_product_enter_session", [*product, ("ExtInfo", "")]),
            ("user_scan_product_async", [*product, ("ExtInfo", "123"), ("RegionCode", "440105")]),
            ("user_scan_product_verify_action", [*product, ("Result", "verify_ok"), ("ReasonMsg", "")])):
        yield "werobot", name, event(o(45), name, extra)  # type: ignore[arg-type]
    yield "werobot", "unknown event", event(o(46), "unknown")
    yield "werobot", "CDATA with spaces around it", message(o(47), "text", [("Content", "你好"),
                                                                            ("MsgId", msg_id())], spaced=True)


def shape_cases(signer: Signer, user: str) -> list[Case]:
    cases = []
    for source, name, xml in shapes(user):
        cases.append(Case(source, f"{name} (plaintext)", xml.encode(), urlencode(signer.query())))
        if signer.crypto is not None:
            query, body = signer.safe(xml)
            cases.append(Case(source, f"{name} (safe mode)", body, query))
    return cases


# --- the hostile set ------------------------------------------------------------------------------
NON_ASCII_DIGITS = {"superscript": "¹²³⁴⁵⁶⁷⁸⁹⁰", "full-width": "１７００００００００", "Arabic-Indic": "١٧٠٠٠٠٠٠٠٠"}
NON_ASCII_SIGNATURES = {"accented": "é" * 40, "Chinese": "签名" * 20, "full-width": "１" * 40}


def nested(depth: int) -> str:
    return "<b>" * depth + "深" + "</b>" * depth


def hostile_cases(signer: Signer, user: str) -> list[Case]:
    def text_xml(content: str = "你好", **replace: str) -> str:
        xml = message(f"o{user}_hostile", "text", [("Content", content), ("MsgId", msg_id())])
        for old, new in replace.items():
            xml = re.sub(rf"<{old}>.*?</{old}>", f"<{old}>{new}</{old}>", xml, flags=re.S)
        return xml

    def signed(**extra: str) -> str:
        return urlencode(signer.query(**extra))

    def bad(name: str, body: bytes, query: str, method: str = "POST", *, headers: dict[str, str] | None = None,
            app: bool = True) -> Case:
        return Case("hostile", name, body, query, method, expect="refuse", headers=headers or {}, app=app)

    def plain(name: str, xml: str, expect: str = "refuse") -> Case:
        return Case("hostile", name, xml.encode("utf-8"), signed(), expect=expect)

    cases: list[Case] = []
    body = text_xml().encode()
    for label, value in NON_ASCII_SIGNATURES.items():
        cases.append(bad(f"GET, {label} signature", b"",
                          urlencode({**signer.query(), "signature": value, "echostr": "e"}), "GET"))
        cases.append(bad(f"POST, {label} signature", body,
                          urlencode({**signer.query(), "signature": value})))
        if signer.crypto is not None:
            query = signer.query()
            ciphertext = signer.ciphertext(text_xml(), query)
            cases.append(bad(f"{label} msg_signature",
                              f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>".encode(),
                              urlencode({**query, "encrypt_type": "aes", "msg_signature": value})))
    for label, digits in {**NON_ASCII_DIGITS, "5000 digits": "9" * 5000, "negative": "-1700000000",
                          "an hour old": str(int(time.time()) - 3600)}.items():
        query = signer.query(timestamp=digits)  # signed over exactly that timestamp
        cases.append(bad(f"GET, timestamp of {label}", b"", urlencode({**query, "echostr": "e"}), "GET"))
        cases.append(bad(f"POST, timestamp of {label}", body, urlencode(query)))
    for label, nonce in {"CDATA breaker": "]]><x>", "Chinese": "随机数", "long": "n" * 200}.items():
        cases.append(bad(f"nonce, {label}", body, urlencode(signer.query(nonce=nonce))))
    cases.append(bad("signature repeated", body,
                      urlencode(signer.query()) + "&signature=" + "0" * 40))
    for label, digits in {**NON_ASCII_DIGITS, "5000 digits": "9" * 5000}.items():
        cases.append(plain(f"CreateTime of {label}", text_xml(CreateTime=digits)))
        cases.append(plain(f"MsgId of {label}", text_xml(MsgId=digits)))
    for depth in (1, 50, 1000, 8000):
        cases.append(plain(f"Content holding elements {depth} deep", text_xml(Content=nested(depth))))
    cases.append(plain("a field 8000 deep", text_xml().replace("</xml>", f"<Extra>{nested(8000)}</Extra></xml>")))
    cases.append(plain("markup a resident types", text_xml(Content="<![CDATA[<!DOCTYPE x><b>&lt;]]>"), "answer"))
    laughs = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")
    cases.append(plain("billion laughs", laughs + text_xml(Content="&j;")))
    cases.append(plain("quadratic blow-up", '<!DOCTYPE xml [<!ENTITY a "' + "x" * 20000 + '">]>'
                       + text_xml(Content="&a;" * 1000)))
    cases.append(plain("external entity", '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                       + text_xml(Content="&e;")))
    cases.append(plain("parameter entity", '<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
                       + text_xml()))
    cases.append(plain("undefined entity", text_xml(Content="&nobody;")))
    cases.append(plain("NUL character reference", text_xml(Content="&#0;")))
    attributes = " ".join(f'a{i}="{i}"' for i in range(5000))
    cases.append(plain("5000 attributes", text_xml().replace("<xml>", f"<xml {attributes}>", 1)))
    cases.append(plain("duplicate attribute", text_xml().replace("<xml>", '<xml a="1" a="2">', 1)))
    cases.append(plain("10000 sibling elements", text_xml().replace("</xml>", "<i/>" * 10000 + "</xml>"), "any"))
    cases.append(plain("no <xml> root", text_xml().replace("xml>", "message>")))
    cases.append(plain("two roots", text_xml() + text_xml()))
    cases.append(plain("fields missing", "<xml><Content>你好</Content></xml>"))
    cases.append(plain("masked openid", text_xml(FromUserName="oa3LFuBvWb7*********")))
    cases.append(plain("XML declared GBK", '<?xml version="1.0" encoding="GBK"?>' + text_xml(), "any"))
    cases.append(bad("UTF-16 body", text_xml().encode("utf-16"), signed()))
    cases.append(bad("not UTF-8", b"<xml>\xff\xfe\xfa</xml>", signed()))
    cases.append(bad("empty body", b"", signed()))
    cases.append(bad("JSON body", json.dumps({"MsgType": "text"}).encode(), signed()))
    cases.append(bad("100 KB body", text_xml(Content="很" * 35000).encode(), signed()))
    cases.append(bad("Content-Length that is not a number", body, signed(),
                      headers={"Content-Length": "¹²³"}, app=False))
    if signer.crypto is not None:
        safe_query, _ = signer.safe(text_xml())
        cases.append(bad("safe mode, no <Encrypt>", body, safe_query))
        junk = base64.b64encode(os.urandom(64)).decode()
        query_junk = signer.query()
        query_junk.update(encrypt_type="aes", msg_signature=signer.sign(signer.token, query_junk["timestamp"],
                                                                          query_junk["nonce"], junk))
        cases.append(bad("safe mode, ciphertext that does not open",
                          f"<xml><Encrypt><![CDATA[{junk}]]></Encrypt></xml>".encode(), urlencode(query_junk)))
        for name, xml in (("Content 8000 deep", text_xml(Content=nested(8000 // 2))),
                          ("billion laughs", laughs + text_xml(Content="&j;")),
                          ("CreateTime of superscripts", text_xml(CreateTime="¹²³"))):
            safe_query, safe_body = signer.safe(xml)
            cases.append(bad(f"safe mode, {name} inside", safe_body, safe_query))
    cases.append(bad("GET without parameters", b"", "", "GET"))
    cases.append(bad("query of percent-encoded garbage", body, "signature=%FF%FE&timestamp=%00&nonce=%"))
    cases.append(Case("hostile", "8 KB of extra query parameters", body,
                      urlencode({**signer.query(), "openid": "o", "x": "y" * 8000}), expect="answer"))
    cases.append(bad("PUT", body, signed(), "PUT"))
    cases.append(bad("DELETE", b"", signed(), "DELETE"))
    return cases


# --- seeded noise -----------------------------------------------------------------------------------
INSERTS = [b"<", b">", b"]]>", b"&", b"<b>", b"\x00", "¹".encode(), b"<![CDATA[", b"<!DOCTYPE x>"]


def random_cases(signer: Signer, user: str, count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    xmls = [xml for _, _, xml in shapes(user)]
    cases = []
    for n in range(count):
        if n % 2:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 600)))
            cases.append(Case("random", f"random bytes #{n}", data, urlencode(signer.query()), expect="any"))
            continue
        mutated = bytearray(rng.choice(xmls).encode())
        for _ in range(rng.randint(1, 8)):
            where = rng.randrange(len(mutated))
            action = rng.random()
            if action < 0.4:
                mutated[where] = rng.randrange(256)
            elif action < 0.7:
                del mutated[where:where + rng.randint(1, 12)]
            else:
                mutated[where:where] = rng.choice(INSERTS)
        cases.append(Case("random", f"mutated shape #{n}", bytes(mutated), urlencode(signer.query()), expect="any"))
    return cases


def api_cases(token: str) -> list[Case]:
    """The staff API (SPEC §6) without a token, with a wrong one, and with malformed requests."""
    lists = ["households", "bills", "events", "repairs", "escalations", "points", "announcements", "complaints",
             "merchants", "posts", "rewards", "redemptions", "donations", "party-fees", "staff", "outbox"]
    creates = ["households", "bills", "events", "points", "announcements", "merchants", "rewards", "party-fees",
               "staff"]
    ids = ["0", "-1", "9" * 5000, "%00", "１２３", "1%20OR%201=1", quote("签名")]
    bad_bodies = [b"", b"{", b"[]", b"null", json.dumps({"x": "y" * 70000}).encode(),
                  json.dumps({"building": "¹²³", "room": ["a"], "members": "x", "household_id": 10**40,
                              "amount": "NaN", "capacity": -1, "delta": 1e308, "period": "２０２６-１"}).encode()]
    cases = []
    for name in lists:
        cases.append(Case("api", f"GET /api/{name} without a token", method="GET", path=f"/api/{name}",
                          expect="refuse"))
        cases.append(Case("api", f"GET /api/{name} with a wrong token", method="GET", path=f"/api/{name}",
                          expect="refuse", headers={"Authorization": "Bearer 签名"}))
    if not token:
        return cases
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for name in creates:
        for n, body in enumerate(bad_bodies):
            cases.append(Case("api", f"POST /api/{name}, malformed body #{n}", body, method="POST",
                              path=f"/api/{name}", expect="refuse", headers=auth))
    for resource in ("repairs", "escalations/{id}/reply", "events/{id}/signups", "posts/{id}/publish"):
        for ident in ids:
            path = "/api/" + (resource.replace("{id}", ident) if "{id}" in resource else f"{resource}/{ident}")
            method = "PATCH" if resource == "repairs" else ("GET" if "signups" in resource else "POST")
            cases.append(Case("api", f"{method} {path[:60]}", b'{"status": "done"}', method=method, path=path,
                              expect="refuse", headers=auth))
    cases.append(Case("api", "GET /api/bills?household_id=¹²³", method="GET", path="/api/bills",
                      query=urlencode({"household_id": "¹²³"}), expect="refuse", headers=auth))
    return cases


# --- running ------------------------------------------------------------------------------------------
class Connection:
    """One keep-alive HTTP connection; notices when the server drops it."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname or "127.0.0.1", parts.port or 80, timeout
        self.http: http.client.HTTPConnection | None = None
        self.served = 0  #: requests answered on the current connection

    def run(self, cases: list[Case]) -> list[Outcome]:
        """Each case in turn. A server that drops the connection after answering shows only
        when the next request fails on it: that answer is marked dropped and the next request
        is sent again on a new connection."""
        outcomes: list[Outcome] = []
        for case in cases:
            reused = self.served > 0
            outcome = self.send(case)
            if outcome.status is None and reused and outcomes:
                outcomes[-1].dropped = True
                outcome = self.send(case)
            outcomes.append(outcome)
        self.close()
        return outcomes

    def send(self, case: Case) -> Outcome:
        if self.http is None:
            self.http = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.served = 0
        target = case.path + (f"?{case.query}" if case.query else "")
        target = quote(target, safe="/?=&%:;+,@!$'()*~")  # a request line is ASCII: non-ASCII goes percent-encoded
        headers = {"Content-Type": "text/xml", "Host": f"{self.host}:{self.port}", **case.headers}
        started = time.monotonic()
        try:
            self.http.putrequest(case.method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                self.http.putheader(name, value.encode("utf-8"))
            if "Content-Length" not in case.headers:
                self.http.putheader("Content-Length", str(len(case.body)))
            self.http.endheaders(case.body or None)
            response = self.http.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Outcome(case, None, time.monotonic() - started, True, f"{error.__class__.__name__}: {error}")
        seconds = time.monotonic() - started
        self.served += 1
        dropped = bool(response.will_close)
        if dropped:
            self.close()
        return Outcome(case, response.status, seconds, dropped, body=text)

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
        self.http = None


def credentials() -> tuple[str, str, str]:
    env = dict(os.environ)
    if not env.get("WECHAT_TOKEN") and DEV_CREDENTIALS.is_file():
        for line in DEV_CREDENTIALS.read_text().splitlines():
            if "=" in line:
                name, value = line.split("=", 1)
                env.setdefault(name.strip(), value.strip())
    if not env.get("WECHAT_TOKEN"):
        raise SystemExit("no WECHAT_TOKEN in the environment and no var/dev-credentials.env: "
                         "start the server with `python -m bot serve --dev` first, or use --spawn")
    return env["WECHAT_TOKEN"], env.get("WECHAT_APPID", ""), env.get("WECHAT_AES_KEY", "")


def spawn(log_path: Path, scratch: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m bot serve`` on a free port and a scratch SQLite database, logging to ``log_path``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    token, appid, aes_key = "fuzz_token", "wxfuzz0000000001", base64.b64encode(b"f" * 32).decode()[:43]
    os.environ.update(WECHAT_TOKEN=token, WECHAT_APPID=appid, WECHAT_AES_KEY=aes_key)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch / 'fuzz.db'}"}
    log = log_path.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=REPO, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited during start-up; see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("the server did not start within 60 s")


def read_log(path: Path | None, offset: int) -> str:
    if path is None or not path.is_file():
        return ""
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", "replace")


def report(outcomes: list[Outcome], log: str | None, slow: float, verbose: bool = False) -> int:
    if verbose:
        for outcome in outcomes:
            if outcome.case.group != "random":
                closed = "closed " if outcome.dropped else ""
                print(f"{outcome.status or '---'} {outcome.seconds * 1000:6.1f} ms  {closed}"
                      f"[{outcome.case.group}] {outcome.case.name}")
    problems: list[str] = []
    for outcome in outcomes:
        found = outcome.problems + ([f"slow: {outcome.seconds:.2f} s"] if outcome.seconds > slow else [])
        problems += [f"[{outcome.case.group}] {outcome.case.name}: {p}" for p in found]
    by_group: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        by_group.setdefault(outcome.case.group, Counter())[str(outcome.status or "none")] += 1
    times = sorted(outcome.seconds for outcome in outcomes)
    print(f"{len(outcomes)} requests on one keep-alive connection; slowest {times[-1] * 1000:.0f} ms, "
          f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.0f} ms, median {times[len(times) // 2] * 1000:.1f} ms")
    for group, statuses in by_group.items():
        print(f"  {group:10} " + ", ".join(f"{status}×{count}" for status, count in sorted(statuses.items())))
    if log is not None:
        refused = sum(1 for o in outcomes if o.case.path == "/wechat" and o.case.app and o.status in (400, 403, 413))
        logged = log.count("refused ")
        tracebacks = log.count("Traceback (most recent call last)")
        print(f"server log: {len(log.splitlines())} lines, {logged} refusal lines for {refused} refused "
              f"/wechat requests, {tracebacks} tracebacks")
        if tracebacks:
            problems.append(f"{tracebacks} tracebacks in the server log")
        if logged != refused:
            problems.append(f"{logged} refusal lines in the server log for {refused} refused requests")
    else:
        print("server log: not given (--server-log), tracebacks not checked")
    if problems:
        print(f"\n{len(problems)} problems:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("no 5xx, no missing answer, no dropped connection, no slow answer, every answer as expected")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_webhook", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--server-log", type=Path, help="the server's log file, to look for tracebacks")
    parser.add_argument("--spawn", action="store_true", help="start `python -m bot serve` on a scratch database")
    parser.add_argument("--random", type=int, default=400, help="how many random and mutated bodies")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--slow", type=float, default=1.0, help="seconds above which an answer counts as slow")
    parser.add_argument("--api", action="store_true", help="also fuzz the staff API (STAFF_API_TOKEN if set)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every request but the random ones")
    args = parser.parse_args(argv)
    random.seed(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        process = None
        log_path = args.server_log
        if args.spawn:
            log_path = Path(scratch) / "server.log"
            process, args.url = spawn(log_path, Path(scratch))
        try:
            signer = Signer(*credentials())
            user = f"_fuzz{random.randint(0, 10**6)}"
            cases = (shape_cases(signer, user) + hostile_cases(signer, user)
                     + random_cases(signer, user, args.random, args.seed))
            if args.api:
                cases += api_cases(os.environ.get("STAFF_API_TOKEN", ""))
            offset = log_path.stat().st_size if log_path is not None and log_path.is_file() else 0
            outcomes = Connection(args.url, timeout=10).run(cases)
            time.sleep(0.2)  # the last log lines
            log = read_log(log_path, offset) if log_path is not None else None
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
        return report(outcomes, log, args.slow, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
