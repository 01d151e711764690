"""The real server process, as an operator starts it and as WeChat's servers call it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
    """`python -m bot serve` on a free port; yields its URL and how long it took to be ready."""
    port = free_port()
    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY,
           "DATABASE_URL": sqlite_url}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
        assert ready_after is not None, process.stdout.read() if process.poll() is not None else "not ready"
        yield url, ready_after
    finally:
        process.terminate()
        process.wait(timeout=10)


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
