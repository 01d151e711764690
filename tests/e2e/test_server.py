"""The real server process, as an operator starts it and as WeChat's servers call it."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from tests.conftest import AES_KEY, APPID, TOKEN
from tests.wechat_client import WeChatServer, new_msg_id, text_xml

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str, understanding) -> Iterator[tuple[str, float]]:
    """`python -m bot serve` on a free port; yields its URL and how long it took to be ready.

    What the server logs goes to ``server.log`` in the test's temporary directory."""
    port = free_port()
    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY,
           "DATABASE_URL": sqlite_url}
    started = time.monotonic()
    output = (tmp_path / "server.log").open("w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=output, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    ready_after = None
    try:
        while time.monotonic() - started < 30:
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                    ready_after = time.monotonic() - started
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        assert ready_after is not None, (tmp_path / "server.log").read_text(encoding="utf-8")
        yield url, ready_after
    finally:
        process.terminate()
        process.wait(timeout=10)
        output.close()


def test_server_answers_hello_in_plaintext_and_safe_mode_soon_after_start(server: tuple[str, float]) -> None:
    url, ready_after = server
    with httpx.Client(base_url=url, timeout=5) as http:
        client = WeChatServer(http, TOKEN, APPID, AES_KEY)
        plain = client.say("o_e2e", "你好")
        safe = client.say("o_e2e", "你好", safe=True)
    assert "邻里助手" in plain.content and not plain.encrypted
    assert "邻里助手" in safe.content and safe.encrypted
    # Generous here (the test machine is busy); the 3-second start-up is measured in bench/.
    assert ready_after < 10


def test_server_dedups_retries_across_requests(server: tuple[str, float]) -> None:
    url, _ = server
    with httpx.Client(base_url=url, timeout=5) as http:
        client = WeChatServer(http, TOKEN, APPID, AES_KEY)
        msg_id = new_msg_id()
        first = client.post(text_xml("o_e2e_retry", "人工", msg_id))
        second = client.post(text_xml("o_e2e_retry", "人工", msg_id))
    assert first.body == second.body and "工作人员" in first.content


def hostile_requests() -> list[tuple[str, dict[str, str], str, int]]:
    """(method, query, body, expected status): each once answered 200 and dropped the connection."""
    wechat = WeChatServer(None, TOKEN, APPID, AES_KEY)
    signed = wechat.signed_params()
    envelope = wechat.crypto.encrypt_message(text_xml("o_e2e_x", "你好"), signed["nonce"], signed["timestamp"])
    ciphertext = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    superscript = wechat.signed_params(timestamp="¹²³")
    deep = text_xml("o_e2e_x", "x").replace("<![CDATA[x]]>", "<b>" * 5000 + "</b>" * 5000)
    create_time = text_xml("o_e2e_x", "你好", create_time=1).replace(">1</CreateTime>", ">¹²³</CreateTime>")
    return [
        ("GET", {**signed, "signature": "签名" * 20, "echostr": "e"}, "", 403),
        ("POST", {**signed, "signature": "é" * 40}, text_xml("o_e2e_x", "你好"), 403),
        ("POST", {**signed, "encrypt_type": "aes", "msg_signature": "１" * 40},
         f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>", 403),
        ("GET", {**superscript, "echostr": "e"}, "", 403),
        ("POST", superscript, text_xml("o_e2e_x", "你好"), 403),
        ("POST", signed, create_time, 400),
        ("POST", signed, deep, 400),
    ]


def test_hostile_requests_get_a_clean_4xx_one_log_line_each_and_keep_the_connection(
        server: tuple[str, float], tmp_path: Path) -> None:
    url, _ = server
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=5)
    requests = hostile_requests()
    try:
        first_socket = None
        for method, query, body, status in requests:
            connection.request(method, f"/wechat?{urlencode(query)}", body=body.encode("utf-8") or None,
                               headers={"Content-Type": "text/xml"})
            response = connection.getresponse()
            response.read()
            assert (response.status, response.will_close) == (status, False), (method, query, body[:80])
            first_socket = first_socket or connection.sock
            assert connection.sock is first_socket  # the same keep-alive connection throughout
        params = WeChatServer(None, TOKEN).signed_params()
        connection.request("POST", f"/wechat?{urlencode(params)}", body=text_xml("o_e2e_after", "你好").encode())
        response = connection.getresponse()
        assert response.status == 200 and "邻里助手" in response.read().decode()
        assert connection.sock is first_socket
    finally:
        connection.close()
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert log.count("refused ") == len(requests), log
    assert "Traceback" not in log and "Exception in ASGI" not in log, log
