"""The webhook obeys WeChat's protocol (SPEC §5) for every message shape and every bad request."""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from tests.bot.test_crypto import (
    OFFICIAL_APPID,
    OFFICIAL_CIPHERTEXT,
    OFFICIAL_KEY,
    OFFICIAL_MSG_SIGNATURE,
    OFFICIAL_NONCE,
    OFFICIAL_TIMESTAMP,
    OFFICIAL_TOKEN,
)
from tests.conftest import AES_KEY, APPID, PREVIOUS_AES_KEY, TOKEN
from tests.wechat_client import (
    WeChatServer,
    event_xml,
    image_xml,
    link_xml,
    location_xml,
    sign,
    text_xml,
    voice_xml,
)


# --- GET verification -------------------------------------------------------------------------
def test_get_with_a_valid_signature_echoes_echostr(client: TestClient, wechat: WeChatServer) -> None:
    response = client.get("/wechat", params={**wechat.signed_params(), "echostr": "8135226716412813374"})
    assert response.status_code == 200
    assert response.text == "8135226716412813374"


def test_get_with_a_wrong_signature_is_403(client: TestClient) -> None:
    ts = str(int(time.time()))
    response = client.get("/wechat", params={"signature": sign("wrong", ts, "1"), "timestamp": ts,
                                             "nonce": "1", "echostr": "x"})
    assert response.status_code == 403
    assert "x" not in response.text


def test_get_without_parameters_is_403(client: TestClient) -> None:
    assert client.get("/wechat").status_code == 403


# --- the three modes ------------------------------------------------------------------------
def test_plaintext_mode_answers_in_plaintext(wechat: WeChatServer) -> None:
    delivery = wechat.say("o_plain", "你好")
    assert delivery.status == 200 and not delivery.encrypted
    assert delivery.reply["MsgType"] == "text"
    assert delivery.reply["ToUserName"] == "o_plain" and delivery.reply["FromUserName"] == "gh_test"
    assert delivery.content


def test_safe_mode_reply_is_encrypted_and_signed(wechat: WeChatServer) -> None:
    delivery = wechat.post(text_xml("o_safe", "你好"), safe=True)
    assert delivery.status == 200 and delivery.encrypted
    assert "你好" not in delivery.body and "邻里助手" not in delivery.body
    assert delivery.reply["ToUserName"] == "o_safe" and delivery.content


def test_compatible_mode_is_answered_encrypted(wechat: WeChatServer) -> None:
    delivery = wechat.post(text_xml("o_compat", "你好"), compatible=True)
    assert delivery.status == 200 and delivery.encrypted and delivery.content


def test_official_safe_mode_sample_is_accepted(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(WECHAT_TOKEN=OFFICIAL_TOKEN, WECHAT_APPID=OFFICIAL_APPID,
                           WECHAT_AES_KEY=OFFICIAL_KEY, WECHAT_MAX_CLOCK_SKEW="0")
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, OFFICIAL_TOKEN, OFFICIAL_APPID, OFFICIAL_KEY)
        params = {"signature": sign(OFFICIAL_TOKEN, OFFICIAL_TIMESTAMP, OFFICIAL_NONCE),
                  "timestamp": OFFICIAL_TIMESTAMP, "nonce": OFFICIAL_NONCE, "encrypt_type": "aes",
                  "msg_signature": OFFICIAL_MSG_SIGNATURE}
        body = (f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
                f"<Encrypt><![CDATA[{OFFICIAL_CIPHERTEXT}]]></Encrypt></xml>")
        delivery = server.read(http.post("/wechat", params=params, content=body), encrypted=True)
    assert delivery.status == 200
    assert delivery.reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert delivery.reply["FromUserName"] == "gh_10f6c3c3ac5a"


def test_message_under_the_previous_aes_key_is_still_answered(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(WECHAT_AES_KEY=AES_KEY, WECHAT_AES_KEY_PREVIOUS=PREVIOUS_AES_KEY)
    with TestClient(create_app(runtime, background=False)) as http:
        old_sender = WeChatServer(http, TOKEN, APPID, PREVIOUS_AES_KEY)
        delivery = old_sender.post(text_xml("o_rotation", "你好"), safe=True)
    assert delivery.status == 200 and delivery.content  # decrypted with the previous key by the client


# --- bad requests: clean 4xx, never a 500 -------------------------------------------------------
def test_wrong_signature_is_403(client: TestClient) -> None:
    ts = str(int(time.time()))
    params = {"signature": sign("not-the-token", ts, "7"), "timestamp": ts, "nonce": "7"}
    assert client.post("/wechat", params=params, content=text_xml("o_x", "你好")).status_code == 403


def test_wrong_msg_signature_is_403(client: TestClient, wechat: WeChatServer) -> None:
    params = wechat.signed_params()
    envelope = wechat.crypto.encrypt_message(text_xml("o_x", "你好"), params["nonce"], params["timestamp"])
    ciphertext = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    params.update(encrypt_type="aes", msg_signature="0" * 40)
    body = f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
    assert client.post("/wechat", params=params, content=body).status_code == 403


def test_stale_timestamp_is_403(client: TestClient, wechat: WeChatServer) -> None:
    stale = str(int(time.time()) - 3600)
    response = client.post("/wechat", params=wechat.signed_params(timestamp=stale), content=text_xml("o_x", "你好"))
    assert response.status_code == 403


def test_clock_skew_zero_turns_the_window_off(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(WECHAT_MAX_CLOCK_SKEW="0")
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        stale = str(int(time.time()) - 86400 * 30)
        delivery = server.post(text_xml("o_old", "你好"), params=server.signed_params(timestamp=stale))
    assert delivery.status == 200 and delivery.content


@pytest.mark.parametrize("body", [
    "", "not xml at all", "<xml><ToUserName>", "<html></html>", "<xml></xml>",
    "<xml><FromUserName>o_a</FromUserName></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o_a</FromUserName><CreateTime>abc</CreateTime>"
    "<MsgType>text</MsgType></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o a b</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o_a</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><MsgId>12abc</MsgId></xml>",
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml>&lol2;</xml>',
])
def test_malformed_bodies_are_400(client: TestClient, wechat: WeChatServer, body: str) -> None:
    response = client.post("/wechat", params=wechat.signed_params(), content=body.encode())
    assert response.status_code == 400


def test_non_utf8_body_is_400(client: TestClient, wechat: WeChatServer) -> None:
    response = client.post("/wechat", params=wechat.signed_params(), content=b"<xml>\xff\xfe</xml>")
    assert response.status_code == 400


def test_oversized_body_is_413(client: TestClient, wechat: WeChatServer) -> None:
    body = text_xml("o_big", "很" * 40000)
    assert client.post("/wechat", params=wechat.signed_params(), content=body.encode()).status_code == 413


def test_safe_mode_message_that_cannot_be_decrypted_is_400(client: TestClient, wechat: WeChatServer) -> None:
    params = wechat.signed_params()
    ciphertext = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbCwgbm90IGV2ZW4gY2xvc2U="
    params.update(encrypt_type="aes", msg_signature=sign(TOKEN, params["timestamp"], params["nonce"], ciphertext))
    body = f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
    assert client.post("/wechat", params=params, content=body).status_code == 400


def test_safe_mode_without_a_configured_key_is_400(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime(WECHAT_AES_KEY="", WECHAT_APPID="")
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        assert server.post(text_xml("o_x", "你好"), safe=True).status == 400


def test_bad_requests_are_logged(client: TestClient, wechat: WeChatServer, caplog: pytest.LogCaptureFixture) -> None:
    client.post("/wechat", params=wechat.signed_params(), content=b"garbage")
    assert any("refused POST /wechat" in record.getMessage() for record in caplog.records)


def test_no_request_shape_gets_a_500(client: TestClient, wechat: WeChatServer) -> None:
    rng = random.Random(7)
    pieces = ["<xml>", "</xml>", "<MsgType>text</MsgType>", "<FromUserName>o_f</FromUserName>",
              "<ToUserName>gh</ToUserName>", "<CreateTime>1</CreateTime>", "<Content>你好</Content>",
              "<MsgId>1</MsgId>", "<Encrypt>abc</Encrypt>", "<Event>subscribe</Event>", "&amp;", "]]>",
              "<![CDATA[", "\x00", "💥", "<MsgType>event</MsgType>"]
    for _ in range(200):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        params = wechat.signed_params() if rng.random() < 0.8 else {"timestamp": "x"}
        if rng.random() < 0.3:
            params["encrypt_type"] = "aes"
            params["msg_signature"] = "abc"
        response = client.post("/wechat", params=params, content=body.encode("utf-8", "surrogatepass"))
        assert response.status_code < 500, (body, response.status_code)


# --- hostile input: a clean 4xx, one log line, and the same client is served next -----------------
#: Digits ``str.isdigit`` accepts that are no ASCII (``int`` refuses the first).
NON_ASCII_DIGITS = ["¹²³", "１７００００００００", "١٧٠٠٠٠٠٠٠٠"]
NON_ASCII_SIGNATURES = ["é" * 40, "签名" * 20, "１" * 40]


def assert_refused_cleanly(status: int, expected: int, caplog: pytest.LogCaptureFixture) -> None:
    """The status, exactly one warning (the refusal) and no traceback anywhere in the log."""
    assert status == expected
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warnings] == ["bot.webhook"], [r.getMessage() for r in warnings]
    assert "refused" in warnings[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)


def assert_still_served(client: TestClient, wechat: WeChatServer) -> None:
    assert client.get("/wechat", params={**wechat.signed_params(), "echostr": "42"}).text == "42"
    assert wechat.say("o_after_hostile", "你好").content


def ciphertext_of(wechat: WeChatServer, xml: str, params: dict[str, str]) -> str:
    envelope = wechat.crypto.encrypt_message(xml, params["nonce"], params["timestamp"])
    return envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]


@pytest.mark.parametrize("signature", NON_ASCII_SIGNATURES)
def test_non_ascii_signature_on_get_is_a_clean_403(client: TestClient, wechat: WeChatServer,
                                                    caplog: pytest.LogCaptureFixture, signature: str) -> None:
    params = {**wechat.signed_params(), "signature": signature, "echostr": "secret-echo"}
    response = client.get("/wechat", params=params)
    assert_refused_cleanly(response.status_code, 403, caplog)
    assert "secret-echo" not in response.text
    assert_still_served(client, wechat)


@pytest.mark.parametrize("signature", NON_ASCII_SIGNATURES)
def test_non_ascii_signature_on_post_is_a_clean_403(client: TestClient, wechat: WeChatServer,
                                                     caplog: pytest.LogCaptureFixture, signature: str) -> None:
    params = {**wechat.signed_params(), "signature": signature}
    response = client.post("/wechat", params=params, content=text_xml("o_x", "你好"))
    assert_refused_cleanly(response.status_code, 403, caplog)
    assert_still_served(client, wechat)


@pytest.mark.parametrize("msg_signature", NON_ASCII_SIGNATURES)
def test_non_ascii_msg_signature_is_a_clean_403(client: TestClient, wechat: WeChatServer,
                                                caplog: pytest.LogCaptureFixture, msg_signature: str) -> None:
    params = wechat.signed_params()
    body = f"<xml><Encrypt><![CDATA[{ciphertext_of(wechat, text_xml('o_x', '你好'), params)}]]></Encrypt></xml>"
    params.update(encrypt_type="aes", msg_signature=msg_signature)
    assert_refused_cleanly(client.post("/wechat", params=params, content=body).status_code, 403, caplog)
    assert_still_served(client, wechat)


@pytest.mark.parametrize("timestamp", [*NON_ASCII_DIGITS, "9" * 5000])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_timestamp_that_is_not_ascii_digits_is_a_clean_403(
        make_runtime: Callable[..., Runtime], caplog: pytest.LogCaptureFixture, timestamp: str, method: str) -> None:
    runtime = make_runtime(WECHAT_MAX_CLOCK_SKEW="0")  # no window: only the timestamp's shape can refuse it
    with TestClient(create_app(runtime, background=False)) as http:
        wechat = WeChatServer(http, TOKEN, APPID, AES_KEY)
        caplog.clear()  # start-up's own warnings
        params = wechat.signed_params(timestamp=timestamp)  # correctly signed over that timestamp
        response = (http.get("/wechat", params={**params, "echostr": "e"}) if method == "GET"
                    else http.post("/wechat", params=params, content=text_xml("o_x", "你好")))
        assert_refused_cleanly(response.status_code, 403, caplog)
        assert_still_served(http, wechat)


@pytest.mark.parametrize("create_time", [*NON_ASCII_DIGITS, "9" * 5000])
@pytest.mark.parametrize("safe", [False, True])
def test_create_time_that_is_not_ascii_digits_is_a_clean_400(
        client: TestClient, wechat: WeChatServer, caplog: pytest.LogCaptureFixture, create_time: str,
        safe: bool) -> None:
    xml = text_xml("o_x", "你好", create_time=1).replace("<CreateTime>1</CreateTime>",
                                                        f"<CreateTime>{create_time}</CreateTime>")
    assert_refused_cleanly(wechat.post(xml, safe=safe).status, 400, caplog)
    assert_still_served(client, wechat)


@pytest.mark.parametrize("field", ["MsgId", "Location_X"])
def test_number_fields_of_another_shape_are_400(client: TestClient, wechat: WeChatServer,
                                               caplog: pytest.LogCaptureFixture, field: str) -> None:
    if field == "MsgId":
        xml = text_xml("o_x", "你好", msg_id=1).replace("<MsgId>1</MsgId>", f"<MsgId>{'1' * 5000}</MsgId>")
    else:
        xml = location_xml("o_x", "阳光花苑").replace("31.2412", "３１.２４")
    assert_refused_cleanly(wechat.post(xml).status, 400, caplog)


def nested(depth: int) -> str:
    return "<b>" * depth + "深" + "</b>" * depth


@pytest.mark.parametrize("depth", [1, 20, 5000])
@pytest.mark.parametrize("safe", [False, True])
def test_elements_inside_content_are_a_clean_400(client: TestClient, wechat: WeChatServer,
                                                caplog: pytest.LogCaptureFixture, depth: int, safe: bool) -> None:
    xml = text_xml("o_x", "x").replace("<Content><![CDATA[x]]></Content>", f"<Content>{nested(depth)}</Content>")
    assert_refused_cleanly(wechat.post(xml, safe=safe).status, 400, caplog)
    assert_still_served(client, wechat)


def test_deep_nesting_anywhere_is_refused_before_it_is_built(client: TestClient, wechat: WeChatServer,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    xml = text_xml("o_x", "你好").replace("</xml>", f"<Extra>{nested(8000)}</Extra></xml>")
    response = client.post("/wechat", params=wechat.signed_params(), content=xml.encode())
    assert_refused_cleanly(response.status_code, 400, caplog)
    assert "nested deeper" in response.text


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                  + ']><xml><ToUserName>gh_test</ToUserName><FromUserName>o_x</FromUserName>'
                  '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&j;</Content><MsgId>1</MsgId></xml>')


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS,
    '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><Content>x</Content></xml>',
    '<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><xml/>',
    "<xml><Content>&undefined;</Content></xml>",
    "<xml " + " ".join(f'a{i}="{i}"' for i in range(3000)) + "><MsgType>text</MsgType></xml>",
    text_xml("o_x", "x").replace("<Content>", '<Content a="1" b="2" c="3" d="4" e="5">'),
])
@pytest.mark.parametrize("safe", [False, True])
def test_entities_dtds_and_attribute_floods_are_a_clean_400(client: TestClient, wechat: WeChatServer,
                                                           caplog: pytest.LogCaptureFixture, body: str,
                                                           safe: bool) -> None:
    assert_refused_cleanly(wechat.post(body, safe=safe).status, 400, caplog)



def test_an_unforeseen_failure_reading_a_request_is_still_a_400(
        client: TestClient, wechat: WeChatServer, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A reading bug is logged once with its traceback, and the client still gets an answer."""
    def broken(xml: str) -> None:
        raise RecursionError("a parser bug")

    monkeypatch.setattr("bot.webhook.parse_inbound", broken)
    response = client.post("/wechat", params=wechat.signed_params(), content=text_xml("o_x", "你好").encode())
    assert response.status_code == 400
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.exc_info is not None and "could not be read" in record.getMessage()
    monkeypatch.undo()
    assert_still_served(client, wechat)

def test_markup_a_resident_types_is_only_words(wechat: WeChatServer) -> None:
    delivery = wechat.say("o_typist", '<!DOCTYPE x [<!ENTITY a "b">]><b><b>你好</b></b>')
    assert delivery.status == 200 and delivery.content


@pytest.mark.parametrize("event", [
    # the shapes of WeChat's menu, mass-send and subscription events that nest deepest
    "<Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[SCAN_1]]></EventKey>"
    "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>",
    "<Event><![CDATA[pic_photo_or_album]]></Event><EventKey><![CDATA[PHOTO]]></EventKey><SendPicsInfo>"
    "<Count>2</Count><PicList><item><PicMd5Sum><![CDATA[aa]]></PicMd5Sum></item>"
    "<item><PicMd5Sum><![CDATA[bb]]></PicMd5Sum></item></PicList></SendPicsInfo>",
    "<Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>1000001625</MsgID><Status><![CDATA[send success]]></Status>"
    "<CopyrightCheckResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
    "<OriginalArticleUrl><![CDATA[u]]></OriginalArticleUrl></item></ResultList><CheckState>2</CheckState>"
    "</CopyrightCheckResult>",
    "<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent><List>"
    "<TemplateId><![CDATA[t1]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
    "</List><List><TemplateId><![CDATA[t2]]></TemplateId></List></SubscribeMsgPopupEvent>",
])
def test_events_with_nested_fields_are_answered(wechat: WeChatServer, event: str) -> None:
    xml = event_xml("o_nested", "x").replace("<Event><![CDATA[x]]></Event><EventKey><![CDATA[]]></EventKey>", event)
    assert wechat.post(xml, safe=True).status == 200


# --- every message and event type --------------------------------------------------------------
def test_voice_with_recognition_is_understood_as_text(wechat: WeChatServer) -> None:
    delivery = wechat.post(voice_xml("o_voice", "我要报修"), safe=True)
    assert delivery.content and "什么坏了" in delivery.content


@pytest.mark.parametrize("recognition", ["", None])
def test_voice_without_recognition_asks_to_type_or_tap(wechat: WeChatServer, recognition: str | None) -> None:
    delivery = wechat.post(voice_xml("o_voice2", recognition))
    assert "语音" in delivery.content and "1." in delivery.content


def test_image_outside_a_form_offers_a_repair(wechat: WeChatServer) -> None:
    delivery = wechat.post(image_xml("o_img"))
    assert "照片" in delivery.content and "报修" in delivery.content


def test_location_message_is_acknowledged(wechat: WeChatServer) -> None:
    delivery = wechat.post(location_xml("o_loc", "上海市普陀区阳光花苑"))
    assert "阳光花苑" in delivery.content


def test_link_message_gets_a_polite_reply(wechat: WeChatServer) -> None:
    delivery = wechat.post(link_xml("o_link", "一篇文章"))
    assert "一篇文章" in delivery.content


def test_unknown_message_type_gets_a_polite_reply(wechat: WeChatServer) -> None:
    xml = text_xml("o_video", "x").replace("<MsgType><![CDATA[text]]></MsgType>",
                                           "<MsgType><![CDATA[video]]></MsgType>")
    delivery = wechat.post(xml)
    assert delivery.status == 200 and delivery.content


def test_the_longest_unknown_message_type_is_answered_and_logged(wechat: WeChatServer, store_of) -> None:
    """Names up to the message log's column (32 characters) are kept there on every database."""
    name = "t" * 32
    xml = text_xml("o_long_type", "x").replace("<MsgType><![CDATA[text]]></MsgType>",
                                               f"<MsgType><![CDATA[{name}]]></MsgType>")
    delivery = wechat.post(xml)
    assert delivery.status == 200 and "只能看懂" in delivery.content
    with store_of() as store:
        assert [row.kind for row in store.messages.recent("o_long_type")] == [name, "text"]


def test_a_message_type_longer_than_any_wechat_sends_is_400(client: TestClient, wechat: WeChatServer,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    xml = text_xml("o_longer_type", "x").replace("<MsgType><![CDATA[text]]></MsgType>",
                                                 f"<MsgType><![CDATA[{'t' * 33}]]></MsgType>")
    assert_refused_cleanly(wechat.post(xml).status, 400, caplog)


def test_subscribe_event_greets_with_a_number_menu(wechat: WeChatServer) -> None:
    delivery = wechat.post(event_xml("o_new", "subscribe"), safe=True)
    assert "欢迎" in delivery.content and "1." in delivery.content and "weixin://bizmsgmenu" in delivery.content


def test_subscribe_by_qr_scene_records_the_scene(wechat: WeChatServer, store_of) -> None:
    delivery = wechat.post(event_xml("o_scene", "subscribe", "qrscene_building3",
                                     extra="<Ticket><![CDATA[t]]></Ticket>"))
    assert "欢迎" in delivery.content
    with store_of() as store:
        assert store.residents.get("o_scene").scene == "building3"


def test_unsubscribe_gets_success_and_is_recorded(wechat: WeChatServer, store_of) -> None:
    wechat.say("o_leaving", "你好")
    delivery = wechat.post(event_xml("o_leaving", "unsubscribe"))
    assert delivery.status == 200 and delivery.body == "success"
    with store_of() as store:
        assert store.residents.get("o_leaving").subscribed is False


def test_click_event_runs_the_configured_intent(wechat: WeChatServer) -> None:
    delivery = wechat.post(event_xml("o_click", "CLICK", "REPAIR"))
    assert "什么坏了" in delivery.content


def test_click_with_an_unknown_key_shows_the_menu(wechat: WeChatServer) -> None:
    delivery = wechat.post(event_xml("o_click2", "CLICK", "NO_SUCH_KEY"))
    assert "1." in delivery.content


def test_scan_event_welcomes_back(wechat: WeChatServer) -> None:
    delivery = wechat.post(event_xml("o_scan", "SCAN", "123", extra="<Ticket><![CDATA[t]]></Ticket>"))
    assert "欢迎回来" in delivery.content


@pytest.mark.parametrize("event", ["VIEW", "LOCATION", "TEMPLATESENDJOBFINISH"])
def test_events_with_nothing_to_say_get_success(wechat: WeChatServer, event: str) -> None:
    extra = ("<Latitude>31.2</Latitude><Longitude>121.4</Longitude><Precision>30</Precision>"
             if event == "LOCATION" else "")
    delivery = wechat.post(event_xml("o_quiet", event, "https://example.org", extra=extra))
    assert delivery.status == 200 and delivery.body == "success"


def test_unknown_user_event_gets_a_polite_reply(wechat: WeChatServer) -> None:
    delivery = wechat.post(event_xml("o_odd", "scancode_push", "SCAN_KEY"))
    assert delivery.status == 200 and delivery.content


def test_health_check_reports_ready(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_metrics_count_messages_and_intents_without_anything_personal(client: TestClient, wechat: WeChatServer) -> None:
    wechat.say("o_metrics_13912345678", "我的报修怎么样了")
    client.post("/wechat", params={"signature": "0" * 40, "timestamp": "1", "nonce": "n"}, content=b"<xml/>")
    page = client.get("/metrics")
    assert page.status_code == 200 and "text/plain" in page.headers["content-type"]
    body = page.text
    assert 'linli_messages_total{outcome="answered"}' in body and 'linli_messages_total{outcome="refused"}' in body
    assert 'linli_intents_total{intent="repair_status"}' in body and "linli_reply_seconds_bucket" in body
    assert "linli_outbox{" in body or "linli_outbox " in body or "# HELP linli_outbox" in body
    assert "o_metrics" not in body and "13912345678" not in body and "报修" not in body


def test_readiness_says_when_the_schema_is_current(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ready"}


def test_other_methods_on_the_webhook_get_the_routers_answers(client: TestClient, wechat: WeChatServer) -> None:
    """GET and POST go straight to the webhook; anything else still meets the routes as registered."""
    query = wechat.signed_params()
    assert client.put("/wechat", params=query, content=b"<xml/>").status_code == 405
    assert client.delete("/wechat", params=query).status_code == 405
    head = client.head("/wechat", params=query | {"echostr": "abc"})
    assert head.status_code == 200 and head.content == b""
