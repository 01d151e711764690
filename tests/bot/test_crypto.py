"""Signatures and safe-mode crypto, including WeChat's own published sample."""
from __future__ import annotations

import base64
import os
import re

import pytest

from bot.errors import BadMessage, BadSignature
from bot.wechat.crypto import MessageCrypto, check_nonce, check_signature, check_timestamp, sign

# The sample of WeChat's WXBizMsgCrypt demo (token, EncodingAESKey, AppID, request and result).
OFFICIAL_TOKEN = "spamtest"
OFFICIAL_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OFFICIAL_APPID = "wx2c2769f8efd9abc2"
OFFICIAL_TIMESTAMP = "1409735669"
OFFICIAL_NONCE = "1320562132"
OFFICIAL_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
OFFICIAL_CIPHERTEXT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFm"
    "OD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8d"
    "KOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5"
    "RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNP"
    "fUM669WuMyVWQLCzpu9GhglF2PE="
)
OFFICIAL_PLAINTEXT = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    "<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
)


def random_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()[:43]


def test_official_sample_decrypts_to_the_published_plaintext() -> None:
    crypto = MessageCrypto(OFFICIAL_TOKEN, OFFICIAL_APPID, OFFICIAL_KEY)
    plaintext, key_index = crypto.decrypt(OFFICIAL_CIPHERTEXT, OFFICIAL_MSG_SIGNATURE,
                                          OFFICIAL_TIMESTAMP, OFFICIAL_NONCE)
    assert plaintext == OFFICIAL_PLAINTEXT
    assert key_index == 0


def test_official_sample_with_a_wrong_msg_signature_is_refused() -> None:
    crypto = MessageCrypto(OFFICIAL_TOKEN, OFFICIAL_APPID, OFFICIAL_KEY)
    with pytest.raises(BadSignature):
        crypto.decrypt(OFFICIAL_CIPHERTEXT, "0" * 40, OFFICIAL_TIMESTAMP, OFFICIAL_NONCE)


def test_official_sample_for_another_appid_is_refused() -> None:
    crypto = MessageCrypto(OFFICIAL_TOKEN, "wx_someone_else", OFFICIAL_KEY)
    with pytest.raises(BadMessage):
        crypto.decrypt(OFFICIAL_CIPHERTEXT, OFFICIAL_MSG_SIGNATURE, OFFICIAL_TIMESTAMP, OFFICIAL_NONCE)


def test_encrypted_reply_round_trips_and_is_signed() -> None:
    key = random_key()
    crypto = MessageCrypto("tok", "wxapp", key)
    envelope = crypto.encrypt("<xml><Content><![CDATA[回复]]></Content></xml>", "n1", "1700000000")
    ciphertext = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", envelope).group(1)
    signature = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", envelope).group(1)
    assert signature == sign("tok", "1700000000", "n1", ciphertext)
    plaintext, _ = crypto.decrypt(ciphertext, signature, "1700000000", "n1")
    assert "回复" in plaintext


def test_previous_key_still_opens_messages_during_rotation() -> None:
    old, new = random_key(), random_key()
    sender = MessageCrypto("tok", "wxapp", old)
    envelope = sender.encrypt("<xml>old key</xml>", "n", "1")
    ciphertext = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", envelope).group(1)
    receiver = MessageCrypto("tok", "wxapp", new, old)
    plaintext, key_index = receiver.decrypt(ciphertext, sign("tok", "1", "n", ciphertext), "1", "n")
    assert plaintext == "<xml>old key</xml>" and key_index == 1
    with pytest.raises(BadMessage):
        MessageCrypto("tok", "wxapp", new).decrypt(ciphertext, sign("tok", "1", "n", ciphertext), "1", "n")


def test_signature_check_accepts_only_the_right_token() -> None:
    check_signature("tok", sign("tok", "123", "abc"), "123", "abc")
    with pytest.raises(BadSignature):
        check_signature("other", sign("tok", "123", "abc"), "123", "abc")
    with pytest.raises(BadSignature):
        check_signature("tok", "", "123", "abc")


@pytest.mark.parametrize(("timestamp", "skew", "ok"), [
    ("1000", 300, True), ("1299", 300, True), ("1301", 300, False), ("699", 300, False),
    ("1", 0, True), ("abc", 0, False), ("", 300, False),
])
def test_timestamp_window(timestamp: str, skew: int, ok: bool) -> None:
    if ok:
        check_timestamp(timestamp, skew, now=1000)
    else:
        with pytest.raises(BadSignature):
            check_timestamp(timestamp, skew, now=1000)


# --- shapes anyone can send: refused as a BadSignature, never another exception ----------------
#: Digits ``str.isdigit`` accepts and ``int`` refuses, or that are no ASCII: superscripts,
#: full-width, Arabic-Indic and Devanagari.
NON_ASCII_DIGITS = ["¹²³", "１７００００００００", "١٧٠٠٠٠٠٠٠٠", "१७००००००००"]


@pytest.mark.parametrize("signature", [
    "é" * 40, "签" * 40, "１" * 40, sign("tok", "123", "abc")[:-1] + "é", sign("tok", "123", "abc")[:-1] + "١",
    sign("tok", "123", "abc") + "\n", " " + sign("tok", "123", "abc"), sign("tok", "123", "abc")[:39], "\ud800" * 40,
])
def test_signature_of_any_other_shape_is_a_bad_signature(signature: str) -> None:
    with pytest.raises(BadSignature):
        check_signature("tok", signature, "123", "abc")


def test_signature_in_upper_case_hex_is_accepted() -> None:
    check_signature("tok", sign("tok", "123", "abc").upper(), "123", "abc")


def test_msg_signature_that_is_not_ascii_is_a_bad_signature() -> None:
    crypto = MessageCrypto(OFFICIAL_TOKEN, OFFICIAL_APPID, OFFICIAL_KEY)
    with pytest.raises(BadSignature):
        crypto.decrypt(OFFICIAL_CIPHERTEXT, "签名" * 20, OFFICIAL_TIMESTAMP, OFFICIAL_NONCE)


@pytest.mark.parametrize("timestamp", [*NON_ASCII_DIGITS, "1" * 13, "9" * 5000, "-1", "+1000", "1000 ", "1e3"])
def test_timestamp_that_is_not_ascii_digits_is_a_bad_signature(timestamp: str) -> None:
    for skew in (0, 300):
        with pytest.raises(BadSignature):
            check_timestamp(timestamp, skew, now=1000)


@pytest.mark.parametrize(("nonce", "ok"), [
    ("1320562132", True), ("n1", True), ("", True), ("n" * 64, True),
    ("n" * 65, False), ("]]><x>", False), ("１２３", False), ("a b", False),
])
def test_nonce_must_be_a_plain_token(nonce: str, ok: bool) -> None:
    if ok:
        check_nonce(nonce)
    else:
        with pytest.raises(BadSignature):
            check_nonce(nonce)


def test_encrypted_reply_opens_with_wechatpys_own_crypto() -> None:
    from wechatpy.crypto import PrpCrypto

    key = random_key()
    envelope = MessageCrypto("tok", "wxapp", key).encrypt("<xml>回复</xml>", "n1", "1700000000")
    ciphertext = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", envelope).group(1)
    assert PrpCrypto(base64.b64decode(key + "=")).decrypt(ciphertext, "wxapp") == "<xml>回复</xml>"
