"""Whatever arrives at ``/wechat``, the answer is a clean 4xx or a polite 200 — never a 500,
never a hang, never a traceback in the log.

Property-based: hypothesis draws query strings, signatures, timestamps and nonces (unicode,
digits of every script, garbled hex), message XML of every shape (WeChat's fields with
right and wrong values, elements nested where words belong, markup that is not XML) in
plaintext and safe mode, and plain random bytes. Each example must finish within the
profile's deadline (tests/conftest.py); CI runs a derandomized profile.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from xml.sax.saxutils import escape

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bot.app import create_app
from bot.errors import BadMessage, BadSignature
from bot.runtime import Runtime
from bot.wechat.crypto import check_nonce, check_signature, check_timestamp
from bot.wechat.inbound import Inbound, parse_inbound
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.wechat_client import WeChatServer, sign, text_xml

# --- what hostile clients send -------------------------------------------------------------------
#: Digits of every script and other numerals: ``isdigit`` takes many of them (``¹²³``, ``１２３``),
#: ``int`` fewer.
any_digits = st.one_of(st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=14),
                       st.text("0123456789¹²³⁴⁵⁶⁷⁸⁹⁰１２３٤٥", min_size=1, max_size=14))
hex_digest = st.text("0123456789abcdefABCDEF", min_size=38, max_size=42)
garbled = st.one_of(st.text(max_size=60), any_digits, hex_digest, st.just(""))
now_stamp = st.builds(lambda: str(int(time.time())))
timestamps = st.one_of(garbled, now_stamp, st.integers(-10**15, 10**15).map(str))
nonces = st.one_of(garbled, st.integers(0, 10**10).map(str))
query_keys = st.one_of(st.sampled_from(["signature", "timestamp", "nonce", "echostr", "encrypt_type",
                                        "msg_signature", "openid"]), st.text(max_size=12))

#: WeChat's field names, and a few of its nested containers.
FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "MsgID", "Event", "EventKey",
          "Recognition", "PicUrl", "MediaId", "Format", "Location_X", "Location_Y", "Scale", "Label", "Title",
          "Description", "Url", "Ticket", "Latitude", "ScanCodeInfo", "SendPicsInfo", "PicList", "item", "Encrypt"]
KINDS = ["text", "voice", "image", "location", "link", "event", "video", "shortvideo", "file", "device_text"]
EVENTS = ["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION", "scancode_push", "pic_sysphoto",
          "TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH", "kf_create_session"]

words = st.text(max_size=40)
leaf = st.one_of(
    words.map(escape),                               # words, escaped as XML text
    words.map(lambda text: f"<![CDATA[{text}]]>"),   # words in CDATA (a stray "]]>" breaks it)
    words,                                           # raw: "<", "&" and all
    any_digits, st.sampled_from(KINDS + EVENTS), now_stamp,
)
tree = st.recursive(
    leaf,
    lambda inner: st.lists(st.tuples(st.sampled_from([*FIELDS, "b"]), inner), max_size=3).map(
        lambda children: "".join(f"<{name}>{value}</{name}>" for name, value in children)),
    max_leaves=12,
)
written = st.one_of(words.map(escape), words.map(lambda text: f"<![CDATA[{text.replace(']]>', '')}]]>"))
#: What each usual field holds in a message WeChat could send.
RIGHT = {
    "ToUserName": st.just("<![CDATA[gh_test]]>"),
    "FromUserName": st.from_regex(r"o_fuzz_[A-Za-z0-9_-]{1,20}", fullmatch=True).map(lambda o: f"<![CDATA[{o}]]>"),
    "CreateTime": st.one_of(now_stamp, st.integers(0, 2**32).map(str)),
    "MsgType": st.sampled_from(KINDS).map(lambda kind: f"<![CDATA[{kind}]]>"),
    "Content": written,
    "MsgId": st.integers(1, 2**64).map(str),
    "Event": st.sampled_from(EVENTS),
    "EventKey": written,
    "Recognition": written,
    "Location_X": st.floats(-90, 90).map(lambda degrees: f"{degrees:.6f}"),
}
#: Elements nested inside one another, up to thousands deep.
nested = st.integers(2, 6000).map(lambda depth: "<b>" * depth + "深" + "</b>" * depth)
wrong = st.one_of(st.none(), tree, garbled.map(escape), any_digits, nested)
#: Where a field is wrong, what it most likely holds.
WRONG = {"CreateTime": st.one_of(any_digits, wrong), "MsgId": st.one_of(any_digits, wrong),
         "Content": st.one_of(nested, wrong), "Location_X": st.one_of(any_digits, wrong)}


@st.composite
def messages(draw: st.DrawFn) -> str:
    """WeChat-shaped XML: the usual fields right, except a few that are missing or wrong
    (garbled words, digits of other scripts, elements where words belong), plus strays."""
    broken = draw(st.sets(st.sampled_from(sorted(RIGHT)), max_size=2))
    fields = []
    for name, right in RIGHT.items():
        value = draw(WRONG.get(name, wrong)) if name in broken else draw(right)
        if value is not None:
            fields.append((name, value))
    fields += draw(st.lists(st.tuples(st.sampled_from(FIELDS), tree), max_size=2))
    root = draw(st.sampled_from(["xml"] * 8 + ["XML", "message"]))
    return f"<{root}>" + "".join(f"<{name}>{value}</{name}>" for name, value in fields) + f"</{root}>"


OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- what a clean answer is ----------------------------------------------------------------------
def assert_clean(status: int, caplog: pytest.LogCaptureFixture) -> None:
    """A refusal is a 4xx with exactly one warning; nothing anywhere carries a traceback."""
    assert status < 500
    assert not [r.getMessage() for r in caplog.records if r.exc_info]
    if status >= 400:
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.name for r in warnings] == ["bot.webhook"], [r.getMessage() for r in warnings]


@pytest.fixture
def http(runtime: Runtime) -> Iterator[TestClient]:
    """The app, warmed up by one resident's message so no example pays for first loads."""
    with TestClient(create_app(runtime, background=False)) as client:
        assert WeChatServer(client, TOKEN, APPID, AES_KEY).say("o_warm", "你好").content
        yield client


# --- the properties ---------------------------------------------------------------------------------
@given(query=st.one_of(st.dictionaries(query_keys, garbled, max_size=6), st.text(max_size=120)))
def test_get_with_any_query_string_is_refused_cleanly(http: TestClient, caplog: pytest.LogCaptureFixture,
                                                      query: dict[str, str] | str) -> None:
    caplog.clear()
    response = http.get("/wechat", params=query)
    assert response.status_code == 403  # no drawn query carries the token's signature
    assert_clean(response.status_code, caplog)


@given(method=st.sampled_from(["GET", "POST"]), signature=garbled, timestamp=timestamps, nonce=nonces,
       signed=st.booleans(), safe=st.booleans(), msg_signature=garbled)
def test_any_signature_timestamp_and_nonce_get_a_clean_answer(
        http: TestClient, caplog: pytest.LogCaptureFixture, method: str, signature: str, timestamp: str,
        nonce: str, signed: bool, safe: bool, msg_signature: str) -> None:
    """Signed over a garbled timestamp or nonce, or garbled itself: 403, unless all of it is right."""
    caplog.clear()
    query = {"signature": sign(TOKEN, timestamp, nonce) if signed else signature,
             "timestamp": timestamp, "nonce": nonce, "echostr": "echo"}
    if safe:
        query.update(encrypt_type="aes", msg_signature=msg_signature)
    if method == "GET":
        response = http.get("/wechat", params=query)
    else:
        response = http.post("/wechat", params=query, content=text_xml("o_fuzz_sig", "你好").encode())
    assert_clean(response.status_code, caplog)
    if not signed:
        assert response.status_code == 403
    elif safe and method == "POST":  # right signature, but the body is not a safe-mode envelope
        assert response.status_code in (400, 403)
    else:
        assert response.status_code in (200, 403)
    if response.status_code == 200 and method == "GET":
        assert response.text == "echo"


@given(body=messages(), safe=st.booleans())
def test_any_message_shape_gets_a_clean_4xx_or_a_polite_reply(
        http: TestClient, caplog: pytest.LogCaptureFixture, body: str, safe: bool) -> None:
    caplog.clear()
    delivery = WeChatServer(http, TOKEN, APPID, AES_KEY).post(body, safe=safe)  # the reply is decrypted here
    assert_clean(delivery.status, caplog)
    assert delivery.status in (200, 400, 413)
    event(f"answered {delivery.status}{' with a reply' if delivery.reply else ''}")  # see --hypothesis-show-statistics
    if delivery.status == 200 and delivery.reply is not None:
        assert delivery.encrypted == safe
        assert delivery.reply["FromUserName"] and OPENID.fullmatch(delivery.reply["ToUserName"])
        assert delivery.reply["MsgType"] in ("text", "news")


@given(body=st.binary(max_size=2000), safe=st.booleans())
def test_random_bytes_get_a_clean_4xx(http: TestClient, caplog: pytest.LogCaptureFixture, body: bytes,
                                      safe: bool) -> None:
    caplog.clear()
    query = WeChatServer(http, TOKEN).signed_params()
    if safe:
        query.update(encrypt_type="aes", msg_signature=sign(TOKEN, query["timestamp"], query["nonce"], "x"))
    response = http.post("/wechat", params=query, content=body)
    assert_clean(response.status_code, caplog)
    assert response.status_code in (400, 403)


# --- the checks themselves, over many more inputs (no HTTP) -------------------------------------------
@given(signature=garbled, timestamp=timestamps, nonce=nonces)
def test_request_checks_raise_nothing_but_bad_signature(signature: str, timestamp: str, nonce: str) -> None:
    for check in (lambda: check_signature(TOKEN, signature, timestamp, nonce),
                  lambda: check_timestamp(timestamp, 300), lambda: check_timestamp(timestamp, 0),
                  lambda: check_nonce(nonce)):
        try:
            check()
        except BadSignature:
            pass


@given(body=st.one_of(messages(), st.text(max_size=300)))
def test_parsing_yields_a_message_or_bad_message(body: str) -> None:
    try:
        inbound = parse_inbound(body)
    except BadMessage:
        return
    assert isinstance(inbound, Inbound)
    assert len(inbound.key) <= 128  # fits the processed-message key column
    assert inbound.create_time >= 0 and inbound.openid.isascii()
