"""Judging a load run: wrong answers are found, percentiles are right, memory is read."""
from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, cast

import pytest

from bench.echo import reply_xml
from bench.load import Measured, Row, Server, insert_run, report
from bench.load_client import Exchange, RunTimes
from bench.load_mix import Message
from bench.load_report import (
    NO_ANSWER,
    RETRY_DIFFERS,
    SERVER_ERROR,
    SUCCESS_ONLY,
    UNDECRYPTABLE,
    WRONG_RESIDENT,
    Memory,
    Summary,
    check_replies,
    cpu_seconds,
    percentile,
    process_tree,
    server_memory,
    summarise,
    tally,
)
from bot.wechat.crypto import MessageCrypto

TOKEN, APPID = "report_token", "wxreport000000001"
AES_KEY = base64.b64encode(b"r" * 32).decode()[:43]
CRYPTO = MessageCrypto(TOKEN, APPID, AES_KEY)


def message(openid: str = "o_alice", msg_id: int = 1, kind: str = "question") -> Message:
    return Message(openid, msg_id, "报修进度", kind, "questions")


def answer(to: str, content: str, create_time: int = 1_700_000_000) -> bytes:
    return CRYPTO.encrypt(reply_xml(to, "gh_account", content, create_time), "123", "1700000000").encode()


def exchange(msg: Message, body: bytes, status: int = 200, delivery: str = "first", sent: float = 1.0,
             done: float = 1.01) -> Exchange:
    return Exchange(msg, delivery, sent, done, status, body)


def test_a_right_reply_and_its_identical_retry_are_no_problem() -> None:
    msg = message()
    found = check_replies([exchange(msg, answer("o_alice", "没有查到您的报修记录")),
                           exchange(msg, answer("o_alice", "没有查到您的报修记录", create_time=1_700_000_009),
                                    delivery="retry after")], CRYPTO)
    assert found == []


@pytest.mark.parametrize(("status", "body", "problem"), [
    (0, b"", NO_ANSWER),
    (500, b"oops", SERVER_ERROR),
    (200, b"success", SUCCESS_ONLY),
    (200, b"", SUCCESS_ONLY),
    (200, b"<xml><Encrypt><![CDATA[bm90IGEgY2lwaGVy]]></Encrypt></xml>", UNDECRYPTABLE),
    (200, b"not xml at all", UNDECRYPTABLE),
])
def test_each_kind_of_wrong_answer_is_named(status: int, body: bytes, problem: str) -> None:
    msg = message()
    assert check_replies([exchange(msg, body, status=status)], CRYPTO) == [
        (exchange(msg, body, status=status), problem)]


def test_a_reply_signed_with_another_token_does_not_verify() -> None:
    forged = MessageCrypto("another_token", APPID, AES_KEY).encrypt(
        reply_xml("o_alice", "gh", "hi", 1), "1", "1").encode()
    assert [p for _, p in check_replies([exchange(message(), forged)], CRYPTO)] == [UNDECRYPTABLE]


def test_a_reply_meant_for_another_resident_is_caught() -> None:
    found = check_replies([exchange(message("o_alice"), answer("o_bob", "您的报修单号 3"))], CRYPTO)
    assert [p for _, p in found] == [WRONG_RESIDENT]


def test_a_retry_answered_differently_from_its_first_delivery_is_caught() -> None:
    msg = message(msg_id=42)
    found = check_replies([exchange(msg, answer("o_alice", "报修已提交，单号 1")),
                           exchange(msg, answer("o_alice", "报修已提交，单号 2"), delivery="retry while")], CRYPTO)
    assert [(x.delivery, p) for x, p in found] == [("retry while", RETRY_DIFFERS)]
    assert tally(found) == Counter({f"{RETRY_DIFFERS} [retry while]": 1})


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 99) == 3.0
    assert percentile(list(reversed(values)), 0) == 1.0


def test_a_summary_counts_only_the_window_and_sorts_problems_by_phase() -> None:
    alice, bob = message("o_alice", 1), message("o_bob", 2, kind="menu digit")
    run = RunTimes(
        exchanges=[
            exchange(alice, b"success", sent=0.5, done=4.6),                          # warm-up, too slow
            exchange(bob, answer("o_bob", "菜单"), sent=2.0, done=2.010),
            exchange(message("o_carol", 3), answer("o_carol", "好的"), sent=3.0, done=3.030),
            exchange(message("o_dave", 4), b"", status=503, sent=4.0, done=4.001),
        ],
        started=0.0, window_start=1.0, window_end=5.0, cpu_seconds=0.2, server_cpu_seconds=0.4,
        prepared=4, sealed_live=0)
    s = summarise(run, CRYPTO)
    assert s.requests == 3
    assert s.rate == pytest.approx(4 / 4.0)   # answered inside the window, the 503 included
    assert s.problems == Counter({f"{SERVER_ERROR} [first]": 1})
    assert s.warmup_problems == Counter({f"{SUCCESS_ONLY} [first]": 1})
    assert s.by_kind["menu digit"] == [pytest.approx(0.010)]
    assert s.p50 == pytest.approx(10.0)
    assert s.server_cpu == pytest.approx(0.1)


def test_the_memory_and_cpu_of_a_process_tree_include_its_children() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(40 * 2**20); time.sleep(30)"])
    try:
        for _ in range(100):
            if server_memory(child.pid).rss_mb > 40:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert child.pid in process_tree(os.getpid())
        mine = server_memory(os.getpid())
        assert mine.processes >= 2
        assert mine.rss_mb > server_memory(child.pid).rss_mb > 40
        assert mine.peak_mb >= server_memory(child.pid).peak_mb
        assert cpu_seconds(os.getpid()) > 0
    finally:
        child.kill()
        child.wait()


def test_a_process_that_is_gone_has_no_memory() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert server_memory(gone.pid).rss_mb == 0


RESULTS = """# Benchmark results

## How the engine was chosen

text

## Runs

<!-- runs -->
<!-- run: 2026-11-27 x86_64 AMD EPYC -->
nlu run
<!-- end run -->
"""


def test_the_first_load_run_makes_a_load_section_before_the_other_runs() -> None:
    text = insert_run(RESULTS, "2026-11-30 x86_64 Xeon", "<!-- load-run: 2026-11-30 x86_64 Xeon -->\nA\n"
                                                          "<!-- end load-run -->\n")
    assert text.index("## Load") < text.index("\nA\n") < text.index("## Runs") < text.index("nlu run")
    assert text.startswith("# Benchmark results\n\n## How the engine was chosen")


def test_a_same_day_load_run_replaces_the_earlier_one_and_older_days_stay() -> None:
    def run(day: str, body: str) -> tuple[str, str]:
        key = f"{day} x86_64 Xeon"
        return key, f"<!-- load-run: {key} -->\n{body}\n<!-- end load-run -->\n"

    text = insert_run(RESULTS, *run("2026-11-29", "older"))
    text = insert_run(text, *run("2026-11-30", "first try"))
    text = insert_run(text, *run("2026-11-30", "second try"))
    assert "first try" not in text
    assert text.count("## Load") == 1
    assert text.index("second try") < text.index("older") < text.index("## Runs")


def test_results_file_without_runs_heading_gets_the_section_at_the_end() -> None:
    text = insert_run("# Benchmark results\n", "k", "<!-- load-run: k -->\nX\n<!-- end load-run -->\n")
    assert text.rstrip().endswith("<!-- end load-run -->")
    assert "## Load" in text


def _row(label: str, rates: list[float], p99: float, peak: float, canned: bool = False) -> Row:
    server = Server(label, "1", cast(Any, None), 1, Path("log"), canned)
    runs = [Measured(Summary(rate=rate, p50=p99 / 4, p95=p99 / 2, p99=p99, requests=int(rate * 8),
                             problems=Counter(), warmup_problems=Counter(), server_cpu=1 / max(rate, 1)),
                     Memory(peak * 0.9, peak, 1)) for rate in rates]
    return Row(server, runs, ratios=[])


def test_the_report_puts_the_targets_beside_the_sqlite_row() -> None:
    args = argparse.Namespace(residents=50, runs=3, warmup=2.0, duration=8.0)
    info = {"arch": "x86_64", "cpu": "Xeon", "cores": "2", "python": "3.11.7"}
    echo = _row("bare echo (FastAPI + uvicorn + crypto)", [3000, 2900, 3100], 30, 60)
    slow = _row("bot, SQLite", [200, 231, 250], 1986, 140)
    slow.ratios = [200 / 3000, 231 / 2900, 250 / 3100]
    table = report([echo, slow], args, info, [])
    assert "≥ 500 msg/s       MISSED (231)" in table
    assert "p99 ≤ 50 ms       MISSED (1986)" in table
    assert "RSS ≤ 250 MB      ok (140 peak)" in table
    sqlite_line = next(line for line in table.splitlines() if line.startswith("bot, SQLite "))
    assert sqlite_line.split()[-1] == "0.08"          # × echo: the median of the same-run ratios

    fast = _row("bot, SQLite", [600, 620, 640], 40, 260)
    table = report([echo, fast], args, info, [])
    assert "≥ 500 msg/s       ok (620)" in table and "p99 ≤ 50 ms       ok (40)" in table
    assert "RSS ≤ 250 MB      MISSED (260 peak)" in table
