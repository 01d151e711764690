"""Start-up benchmark (``make bench-startup``): how soon a freshly started server answers.

Starts ``python -m bot serve`` several times on a migrated, seeded SQLite database (as
``make run`` leaves it), and measures from the moment the process is spawned until
``/healthz`` answers, until a plaintext ``你好`` is answered and until a safe-mode ``你好``
is answered; then the server's memory after a few hundred messages. Prints medians and
writes a dated section into bench/RESULTS.md.

    python -m bench.startup [--runs 5] [--no-write]
"""
from __future__ import annotations

import argparse
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.nlu import RESULTS, machine

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench_token"
APPID = "wxbench0000000001"
AES_KEY = base64.b64encode(b"b" * 32).decode()[:43]
TARGET_SECONDS = 3.0
TARGET_RSS_MB = 250.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run(env: dict[str, str], messages_for_memory: int = 0) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from tests.wechat_client import WeChatServer

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures: dict[str, float] = {}
    try:
        with httpx.Client(base_url=url, timeout=5) as http:
            while "ready" not in figures:
                if process.poll() is not None:
                    raise RuntimeError("the server exited during start-up")
                try:
                    if http.get("/healthz").status_code == 200:
                        figures["ready"] = time.monotonic() - started
                except httpx.TransportError:
                    time.sleep(0.01)
            server = WeChatServer(http, TOKEN, APPID, AES_KEY)
            if "邻里助手" not in server.say("o_bench", "你好").content:
                raise RuntimeError("no answer to 你好 in plaintext mode")
            figures["plain_answer"] = time.monotonic() - started
            if "邻里助手" not in server.say("o_bench", "你好", safe=True).content:
                raise RuntimeError("no answer to 你好 in safe mode")
            figures["safe_answer"] = time.monotonic() - started
            words = ["你好", "报修进度", "人工", "菜单", "我家厨房水管漏水了", "取消", "明天天气怎么样"]
            for n in range(messages_for_memory):
                server.say(f"o_mem_{n % 40}", words[n % len(words)], safe=n % 2 == 0)
            if messages_for_memory:
                figures["rss_mb"] = _rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", dest="write", action="store_false")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY,
               "DATABASE_URL": f"sqlite:///{Path(scratch) / 'bench.db'}"}
        subprocess.run([sys.executable, "-m", "nlu", "train", "--quiet"], cwd=REPO, check=True)
        subprocess.run([sys.executable, "-m", "bot", "seed-demo"], cwd=REPO, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        runs = [one_run(env, messages_for_memory=300 if n == 0 else 0) for n in range(args.runs)]
    median = {key: statistics.median(run[key] for run in runs) for key in ("ready", "plain_answer", "safe_answer")}
    rss = runs[0]["rss_mb"]
    info = machine()
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — {info['arch']}, {info['cpu']} "
        f"({info['cores']} cores), Python {info['python']}; {args.runs} starts, medians",
        "",
        f"spawn → /healthz ready                 {median['ready']:.2f} s",
        f"spawn → 你好 answered (plaintext)       {median['plain_answer']:.2f} s   "
        f"{'ok' if median['plain_answer'] <= TARGET_SECONDS else 'MISSED'} (target <= {TARGET_SECONDS:g} s)",
        f"spawn → 你好 answered (safe mode)       {median['safe_answer']:.2f} s   "
        f"{'ok' if median['safe_answer'] <= TARGET_SECONDS else 'MISSED'} (target <= {TARGET_SECONDS:g} s)",
        f"slowest start (safe-mode answer)       {max(run['safe_answer'] for run in runs):.2f} s",
        f"server RSS after 300 messages          {rss:.0f} MB   "
        f"{'ok' if rss <= TARGET_RSS_MB else 'MISSED'} (target <= {TARGET_RSS_MB:g} MB)",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        _write(table, info)
    return 0


def _write(table: str, info: dict[str, str]) -> None:
    marker = f"<!-- startup: {time.strftime('%Y-%m-%d')} {info['arch']} {info['cpu']} -->"
    heading = f"### Start-up — {time.strftime('%Y-%m-%d')}, {info['arch']}, {info['cpu']}"
    section = f"{marker}\n{heading}\n\n```\n{table}\n```\n"
    text = RESULTS.read_text(encoding="utf-8")
    if marker in text:
        start = text.index(marker)
        end = text.find("<!-- ", start + len(marker))
        text = text[:start] + section + ("\n" + text[end:] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
