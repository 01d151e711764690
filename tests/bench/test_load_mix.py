"""The load benchmark's residents and requests: what it sends is what WeChat's servers send."""
from __future__ import annotations

import base64
from collections import Counter
from itertools import islice
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest

from bench.load_mix import SCRIPTS, Signer, residents
from bot.errors import BadSignature
from bot.wechat.crypto import MessageCrypto, check_signature, check_timestamp

TOKEN, APPID = "mix_token", "wxmix000000000001"
AES_KEY = base64.b64encode(b"m" * 32).decode()[:43]


def test_every_message_of_a_run_has_its_own_msgid() -> None:
    people = residents(20, run_tag="t1", seed=3)
    ids = [m.msg_id for person in people for m in islice(iter(person), 200)]
    assert len(ids) == len(set(ids)) == 4000


def test_each_conversation_comes_from_a_new_openid_and_keeps_it() -> None:
    person = residents(1, run_tag="t2")[0]
    first, second = person.conversation(), person.conversation()
    assert len({m.openid for m in first}) == 1 and len({m.openid for m in second}) == 1
    assert first[0].openid != second[0].openid


def test_the_same_seed_replays_the_same_conversations() -> None:
    def texts(seed: int) -> list[str]:
        return [m.text for m in islice(iter(residents(3, run_tag="t3", seed=seed)[1]), 50)]

    assert texts(7) == texts(7)
    assert texts(7) != texts(8)


def test_the_mix_follows_the_script_weights_and_retries_a_few_percent() -> None:
    people = residents(10, run_tag="t4", seed=5, retry_share=0.03)
    scripts: Counter[str] = Counter()
    retries: Counter[str] = Counter()
    messages = 0
    for person in people:
        for _ in range(300):
            conversation = person.conversation()
            scripts[conversation[0].script] += 1
            for message in conversation:
                messages += 1
                retries[message.retry] += 1
    total = sum(scripts.values())
    for script in SCRIPTS:
        assert scripts[script.name] / total == pytest.approx(script.weight / 100, abs=0.03)
    share = (retries["while"] + retries["after"]) / messages
    assert 0.02 < share < 0.04
    assert retries["while"] and retries["after"]


def test_binding_uses_the_demo_roster_and_menus_send_digits() -> None:
    texts = {m.text for person in residents(5, run_tag="t5", seed=1) for m in islice(iter(person), 400)}
    assert "绑定 3-502 张三 1234" in texts
    assert {"0", "1", "2"} <= texts


def test_a_signed_request_passes_the_bots_own_checks_and_decrypts_to_the_message() -> None:
    signer = Signer(TOKEN, APPID, AES_KEY, host="127.0.0.1:8000")
    message = next(iter(residents(1, run_tag="t6")[0]))
    sealed = signer.seal(message, create_time=1_700_000_000)
    raw = signer.request(sealed, timestamp=1_700_000_123)

    head, body = raw.split(b"\r\n\r\n", 1)
    request_line, *headers = head.decode("ascii").split("\r\n")
    method, target, _ = request_line.split(" ")
    assert method == "POST" and urlsplit(target).path == "/wechat"
    assert f"Content-Length: {len(body)}" in headers
    query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    assert query["encrypt_type"] == "aes" and query["openid"] == message.openid
    check_timestamp(query["timestamp"], 300, now=1_700_000_123)
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    ciphertext = ElementTree.fromstring(body).findtext("Encrypt") or ""
    plain, _ = MessageCrypto(TOKEN, APPID, AES_KEY).decrypt(ciphertext, query["msg_signature"],
                                                             query["timestamp"], query["nonce"])
    sent = ElementTree.fromstring(plain)
    assert sent.findtext("Content") == message.text
    assert sent.findtext("FromUserName") == message.openid
    assert sent.findtext("MsgId") == str(message.msg_id)


def test_a_retry_is_signed_anew_but_carries_the_same_message() -> None:
    signer = Signer(TOKEN, APPID, AES_KEY, host="h")
    sealed = signer.seal(next(iter(residents(1, run_tag="t7")[0])), create_time=1)
    first, again = signer.request(sealed, 100), signer.request(sealed, 101)
    assert first != again
    assert first.split(b"\r\n\r\n")[1] == again.split(b"\r\n\r\n")[1]


def test_a_request_signed_with_another_token_is_refused_by_the_bots_check() -> None:
    signer = Signer("other_token", APPID, AES_KEY, host="h")
    sealed = signer.seal(next(iter(residents(1, run_tag="t8")[0])), create_time=1)
    target = signer.request(sealed, 100).split(b" ")[1].decode()
    query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    with pytest.raises(BadSignature):
        check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
