"""The cost of one message inside the server, measured without the network or the machine's noise.

The load benchmark (:mod:`bench.load`) measures from outside, where a shared machine's
scheduler decides much of the figure. This one drives the real ASGI app in process — the
same routes, signature checks, AES, XML, dedup, NLU, dialogue, SQLite store, rendering and
encryption as ``python -m bot serve`` — with the load mix's messages (:mod:`bench.load_mix`,
50 residents taking turns, ~3 % retries), one request after another, and reports the CPU
time per message. Under ``valgrind --tool=callgrind --instr-atstart=no`` it switches the
instruction counting on for the measured messages only, which gives a figure that does not
move with the machine's load.

    python -m bench.hotpath [--messages 3000] [--warmup 300] [--profile out.pstats] [--dump replies.txt]
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \\
        python -m bench.hotpath --messages 300 --warmup 100 --callgrind

``--dump`` writes every reply's text in order, so two versions of the code can be compared
message by message (the replies must not change when only the cost does).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvloop

from bench.load import AES_KEY, APPID, TOKEN, bench_env
from bench.load_mix import Message, Sealed, Signer, residents, sign
from bench.load_report import open_reply
from bot.wechat.crypto import MessageCrypto


def plan(count: int, seed: int, concurrency: int = 50) -> list[Message]:
    """``count`` deliveries: the residents take turns, as a closed loop would interleave them;
    a retried message is delivered twice in a row."""
    people = residents(concurrency, run_tag="hp", seed=seed)
    streams = [iter(person) for person in people]
    out: list[Message] = []
    for stream in itertools.cycle(streams):
        message = next(stream)
        out.append(message)
        if message.retry:
            out.append(message)
        if len(out) >= count:
            return out[:count]
    return out


def environment(scratch: Path) -> None:
    """The load benchmark's server environment, on a fresh SQLite file."""
    os.environ.clear()
    os.environ.update(bench_env(DATABASE_URL=f"sqlite:///{scratch / 'hotpath.db'}",
                                WEATHER_API_BASE_URL="http://127.0.0.1:9"))


def build_app() -> Any:
    from bot.__main__ import _seed
    from bot.app import create_app
    from bot.runtime import build_runtime
    from bot.settings import load_settings

    with contextlib.redirect_stdout(io.StringIO()):
        _seed(load_settings(None), if_empty=False)
    settings = load_settings(None, require_token=True)
    return create_app(build_runtime(settings), background=False)


async def post(app: Any, signer: Signer, sealed: Sealed) -> tuple[int, bytes]:
    ts = str(int(time.time()))
    nonce = str(next(signer.nonces))
    query = (f"signature={sign(signer.token, ts, nonce)}&timestamp={ts}&nonce={nonce}"
             f"&openid={sealed.message.openid}&encrypt_type=aes"
             f"&msg_signature={sign(signer.token, ts, nonce, sealed.ciphertext)}").encode("ascii")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/wechat", "raw_path": b"/wechat", "query_string": query, "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"text/xml"),
                    (b"content-length", str(len(sealed.body)).encode("ascii"))],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": sealed.body, "more_body": False}

    status = 0
    chunks: list[bytes] = []

    async def send(event: dict[str, Any]) -> None:
        nonlocal status
        if event["type"] == "http.response.start":
            status = event["status"]
        elif event["type"] == "http.response.body":
            chunks.append(event.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def callgrind(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], check=True,
                   stdout=subprocess.DEVNULL)


async def drive(app: Any, signer: Signer, requests: list[Sealed], hook: Callable[[], None] | None = None,
                chunk: int = 0) -> list[tuple[int, bytes]]:
    out = []
    started = time.process_time()
    for n, sealed in enumerate(requests, start=1):
        out.append(await post(app, signer, sealed))
        if chunk and n % chunk == 0:
            now = time.process_time()
            print(f"  messages {n - chunk + 1}–{n}: CPU {(now - started) / chunk * 1000:.3f} ms/msg", file=sys.stderr)
            started = now
    if hook is not None:
        hook()
    return out


_CONTENT = re.compile(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", re.S)


def reply_text(body: bytes, crypto: MessageCrypto) -> str:
    if body in (b"success", b""):
        return "success"
    plain = open_reply(body, crypto)
    found = _CONTENT.search(plain)
    return found.group(1) if found else re.sub(r"<CreateTime>\d+</CreateTime>", "", plain)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="measured deliveries (default 3000)")
    parser.add_argument("--warmup", type=int, default=300, help="deliveries before measuring (default 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the measured part here (pstats)")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions of the measured part only (run under callgrind, --instr-atstart=no)")
    parser.add_argument("--statements", action="store_true",
                        help="count the SQL statements of the measured part that go through SQLAlchemy "
                             "(not those store/repositories/_prepared.py sends to the driver)")
    parser.add_argument("--chunk", type=int, default=0, help="also report the CPU time of every CHUNK messages")
    parser.add_argument("--dump", type=Path, help="write each reply's text here, one delivery per line")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="linli-hotpath-") as scratch:
        return measure(args, Path(scratch))


def measure(args: argparse.Namespace, scratch: Path) -> int:
    environment(scratch)
    started = time.perf_counter()
    app = build_app()
    print(f"start-up {time.perf_counter() - started:.1f} s", file=sys.stderr)
    messages = plan(args.warmup + args.messages, args.seed)
    signer = Signer(TOKEN, APPID, AES_KEY, host="127.0.0.1")
    created = int(time.time())
    sealed = [signer.seal(message, created) for message in messages]
    warm, measured = sealed[:args.warmup], sealed[args.warmup:]

    loop = uvloop.new_event_loop()
    results = loop.run_until_complete(drive(app, signer, warm))
    statements: Counter[str] = Counter()
    if args.statements:
        from sqlalchemy import event

        @event.listens_for(app.state.runtime.database, "before_cursor_execute")
        def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            statements[" ".join(statement.split())[:150]] += 1

    if args.callgrind:
        callgrind(True)
    profiler = cProfile.Profile() if args.profile else None
    worker_profiler = cProfile.Profile() if args.profile else None
    if worker_profiler is not None:  # a turn in the writer thread is missed by a profile of this one
        assistant = app.state.runtime.assistant
        take = assistant.take
        main_thread = threading.get_ident()

        def profiled_take(*a: Any, **kw: Any) -> Any:
            assert worker_profiler is not None
            if threading.get_ident() == main_thread:  # on the event loop: the loop's profile sees it
                return take(*a, **kw)
            worker_profiler.enable()
            try:
                return take(*a, **kw)
            finally:
                worker_profiler.disable()

        assistant.take = profiled_take
    times = os.times()
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    results += loop.run_until_complete(drive(app, signer, measured, hook=profiler.disable if profiler else None,
                                                 chunk=args.chunk))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    user, system = os.times().user - times.user, os.times().system - times.system
    if args.callgrind:
        callgrind(False)
    if profiler is not None and worker_profiler is not None:
        profiler.dump_stats(str(args.profile))
        worker_profiler.dump_stats(str(args.profile.with_suffix(".worker.pstats")))

    crypto = MessageCrypto(TOKEN, APPID, AES_KEY)
    statuses = Counter(status for status, _ in results)
    texts = [reply_text(body, crypto) for _, body in results]
    silent = sum(text == "success" for text in texts)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for message, text in zip(messages, texts, strict=True):
                out.write(f"{message.openid}\t{message.text}\t{text!r}\n")
    n = len(measured)
    print(f"{n} messages: CPU {cpu / n * 1000:.3f} ms/msg (user {user / n * 1000:.3f}, "
          f"system {system / n * 1000:.3f}), wall {wall / n * 1000:.3f} ms/msg; "
          f"statuses {dict(statuses)}, `success` {silent}")
    if statements:
        print(f"{sum(statements.values()) / n:.2f} SQL statements per message")
        for sql, times in statements.most_common(40):
            print(f"{times / n:7.3f}  {sql}")
    return 0 if set(statuses) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
