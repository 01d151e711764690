"""The load generator's client: HTTP framing, the closed loop, retries, and a real run against the echo."""
from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.echo import CANNED_RESPONSE, complete_requests
from bench.load import free_port, main, measure
from bench.load_client import parse_response, run_load
from bench.load_mix import Signer, residents

REPO = Path(__file__).resolve().parents[2]
TOKEN, APPID = "client_token", "wxclient000000001"
AES_KEY = base64.b64encode(b"c" * 32).decode()[:43]


def test_a_response_is_read_only_once_its_whole_body_is_there() -> None:
    raw = b"HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\nContent-Length: 12\r\n\r\n<xml>a</xml>"
    assert parse_response(raw[:30]) is None
    assert parse_response(raw[:-2]) is None
    assert parse_response(raw + b"HTTP/1.1 403") == (200, b"<xml>a</xml>", len(raw))


def test_back_to_back_responses_are_taken_one_at_a_time() -> None:
    two = bytearray(CANNED_RESPONSE + b"HTTP/1.1 403 Forbidden\r\ncontent-length: 9\r\n\r\nforbidden")
    status, body, used = parse_response(two) or (0, b"", 0)
    assert (status, body) == (200, b"success")
    del two[:used]
    assert parse_response(two) == (403, b"forbidden", len(two))


def test_the_canned_server_answers_only_whole_requests() -> None:
    request = b"POST /wechat?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
    buffer = bytearray(request * 2 + request[:20])
    assert complete_requests(buffer) == 2
    assert bytes(buffer) == request[:20]
    buffer += request[20:]
    assert complete_requests(buffer) == 1 and not buffer


async def _serve(handler: type[asyncio.Protocol]) -> tuple[asyncio.Server, int]:
    server = await asyncio.get_running_loop().create_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


class _Canned(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.transport.write(CANNED_RESPONSE * complete_requests(self.buffer))  # type: ignore[attr-defined]


class _HangsUp(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.close()


def test_a_fixed_number_of_messages_is_sent_with_every_retry_delivered_twice() -> None:
    async def go() -> list[tuple[str, int]]:
        server, port = await _serve(_Canned)
        async with server:
            signer = Signer(TOKEN, APPID, AES_KEY, host=f"127.0.0.1:{port}")
            run = await run_load("127.0.0.1", port, signer, residents(8, "c1", retry_share=0.2),
                                 messages=400, warmup=0)
        return [(x.delivery, x.status) for x in run.exchanges]

    deliveries = Counter(delivery for delivery, _ in asyncio.run(go()))
    assert deliveries["first"] == 400
    assert 40 < deliveries["retry while"] + deliveries["retry after"] < 130
    assert deliveries["retry while"] and deliveries["retry after"]


def test_a_server_that_hangs_up_gives_unanswered_deliveries_not_a_crash() -> None:
    async def go() -> list[int]:
        server, port = await _serve(_HangsUp)
        async with server:
            signer = Signer(TOKEN, APPID, AES_KEY, host=f"127.0.0.1:{port}")
            run = await run_load("127.0.0.1", port, signer, residents(3, "c2", retry_share=0), messages=9, warmup=0)
        return [x.status for x in run.exchanges]

    assert asyncio.run(go()) == [0] * 9


def test_a_run_needs_either_a_duration_or_a_number_of_messages() -> None:
    signer = Signer(TOKEN, APPID, AES_KEY, host="h")
    with pytest.raises(ValueError):
        asyncio.run(run_load("127.0.0.1", 9, signer, residents(1, "c3"), duration=1, messages=1))


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY}
    process = subprocess.Popen([sys.executable, "-m", "bench.echo", "--port", str(port)], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            try:
                asyncio.run(asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1))
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(process.stderr.read().decode() if process.stderr else "echo exited")
                subprocess.run(["sleep", "0.05"], check=True)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_short_run_against_the_echo_gets_every_reply_right(echo: tuple[str, int]) -> None:
    url, pid = echo
    measured = measure(url, TOKEN, APPID, AES_KEY, server_pid=pid, concurrency=5, duration=None, messages=150,
                       warmup=0, retry_share=0.1, seed=2)
    s = measured.summary
    assert s.errors == 0 and not s.warmup_problems
    assert s.requests > 150                      # the retries come on top
    assert s.p50 > 0 and s.p99 >= s.p95 >= s.p50
    assert {"question", "menu digit", "form turn"} <= set(s.by_kind)
    assert measured.memory is not None and measured.memory.rss_mb > 20


def test_a_run_against_the_echo_with_the_wrong_key_shows_every_request_refused(echo: tuple[str, int]) -> None:
    url, pid = echo
    measured = measure(url, "wrong_token", APPID, AES_KEY, server_pid=pid, concurrency=2, duration=None,
                       messages=10, warmup=0, retry_share=0, seed=2)
    assert measured.summary.problems == Counter({"other non-200 [first]": 10})


def test_no_server_at_the_url_is_one_sentence_and_exit_status_2(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY}.items():
        monkeypatch.setenv(name, value)
    assert main(["--url", f"http://127.0.0.1:{free_port()}", "--messages", "5"]) == 2
    assert "cannot reach" in capsys.readouterr().err
