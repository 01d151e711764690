"""Load benchmark (``make bench``): WeChat's servers played against the bot, next to a bare echo.

A separate process posts what WeChat's servers would: signed (``signature``) and safe-mode
encrypted (``msg_signature``) messages from many residents — questions, menu digits, form
turns, binding, hand-offs and a few retries of the same MsgId (the mix is in
:mod:`bench.load_mix`) — N residents at once, each sending its next message when its last is
answered. It reports answered messages per second, latency percentiles, every wrong answer
and the server's memory.

``--suite`` (what ``make bench`` runs) starts everything itself and measures, with the same
load and in the same run, the bot on SQLite with one worker, the bot on PostgreSQL + Redis
with two workers (one when ``python -m bot serve`` has no ``--workers`` yet), the bare echo of
the same stack (:mod:`bench.echo`) and the generator's own ceiling against a canned server;
runs alternate between the servers and the medians are reported, so that other work on the
machine weighs on all of them alike. The table goes into bench/RESULTS.md under "Load".

    python -m bench.load --suite [--runs 5] [--duration 8] [--no-write]
    python -m bench.load --url http://127.0.0.1:8000 [--server-pid PID] [--duration 10 | --messages 5000]

Against a running server the credentials come from WECHAT_TOKEN / WECHAT_APPID /
WECHAT_AES_KEY, else from the file ``serve --dev`` writes (var/dev-credentials.env).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench.load_client import run_load
from bench.load_mix import Signer, residents
from bench.load_report import Memory, Summary, cpu_seconds, median_of, percentile, server_memory, summarise
from bench.nlu import RESULTS, machine
from bot.wechat.crypto import MessageCrypto

REPO = Path(__file__).resolve().parent.parent
DEV_CREDENTIALS = REPO / "var" / "dev-credentials.env"
TOKEN = "bench_token"
APPID = "wxbench0000000001"
AES_KEY = base64.b64encode(b"L" * 32).decode()[:43]
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/15"
#: Nothing the bot might send outside (customer-service messages, staff notices) leaves the machine.
NO_WECHAT_API = "http://127.0.0.1:9"

#: Issue 11 and SPEC §7, for SQLite with one worker at 50 concurrent residents.
TARGET_RATE = 500.0
TARGET_P99_MS = 50.0
TARGET_RSS_MB = 250.0


# --- servers ------------------------------------------------------------------------------------
@dataclass
class Server:
    """A server process this benchmark started, and what it is."""

    label: str
    workers: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    canned: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(server: Server, timeout: float = 90.0) -> None:
    """Until ``GET /healthz`` answers 200; the server's log tail is in the error otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.label} exited during start-up:\n{_tail(server.log)}")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"{server.label} was not ready after {timeout:.0f} s:\n{_tail(server.log)}")


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def started(label: str, workers: str, command: list[str], env: dict[str, str], scratch: Path,
            canned: bool = False) -> Iterator[Server]:
    port = free_port()
    log = scratch / f"{re.sub(r'[^a-z0-9]+', '-', label.lower())}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([*command, "--port", str(port)], cwd=REPO, env=env, stdout=sink, stderr=sink)
    server = Server(label, workers, process, port, log, canned)
    try:
        wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of a server this benchmark starts: its own credentials, no outside API."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WECHAT_", "DATABASE_URL", "REDIS_URL", "STAFF_API_TOKEN"))}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APPID=APPID, WECHAT_AES_KEY=AES_KEY, WECHAT_API_BASE_URL=NO_WECHAT_API)
    env.update(extra)
    return env


def bot_workers_option() -> bool:
    """Whether ``python -m bot serve`` takes ``--workers`` (multi-worker serving)."""
    help_text = subprocess.run([sys.executable, "-m", "bot", "serve", "--help"], cwd=REPO, capture_output=True,
                               text=True, timeout=60).stdout
    return "--workers" in help_text


def seed(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "bot", "seed-demo"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=300)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one benchmark run, dropped afterwards."""
    name = f"linli_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


# --- one run ------------------------------------------------------------------------------------
@dataclass
class Measured:
    summary: Summary
    memory: Memory | None


def measure(url: str, token: str, appid: str, aes_key: str, *, server_pid: int | None, concurrency: int,
            duration: float | None, messages: int | None, warmup: float, retry_share: float, seed: int,
            check: bool = True) -> Measured:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    signer = Signer(token, appid, aes_key, host=f"{host}:{port}", path=(parts.path.rstrip("/") or "") + "/wechat")
    people = residents(concurrency, run_tag=uuid.uuid4().hex[:8], seed=seed, retry_share=retry_share)
    probe = (lambda: cpu_seconds(server_pid)) if server_pid else None
    run = asyncio.run(run_load(host, port, signer, people, duration=duration, messages=messages, warmup=warmup,
                               server_cpu=probe))
    memory = server_memory(server_pid) if server_pid else None
    crypto = MessageCrypto(token, appid, aes_key) if check else None
    return Measured(summarise(run, crypto), memory)


# --- the suite ----------------------------------------------------------------------------------
@dataclass
class Row:
    server: Server
    runs: list[Measured] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    alone: Summary | None = None         #: one resident at a time: each kind's own cost, no queueing

    def median(self, name: str) -> float:
        return median_of(getattr(m.summary, name) for m in self.runs)

    @property
    def errors(self) -> int:
        return sum(m.summary.errors for m in self.runs)

    @property
    def requests(self) -> int:
        return sum(m.summary.requests for m in self.runs)

    @property
    def peak_mb(self) -> float:
        return max((m.memory.peak_mb for m in self.runs if m.memory), default=math.nan)

    @property
    def rss_mb(self) -> float:
        return max((m.memory.rss_mb for m in self.runs if m.memory), default=math.nan)

    def pooled(self, kind: str) -> list[float]:
        return [s for m in self.runs for s in m.summary.by_kind.get(kind, [])]


def suite(args: argparse.Namespace) -> int:
    subprocess.run([sys.executable, "-m", "nlu", "train", "--quiet"], cwd=REPO, check=True, timeout=900)
    multi = bot_workers_option()
    notes: list[str] = []
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="linli-bench-")))
        servers: list[Server] = []
        env = bench_env()
        servers.append(stack.enter_context(started("bare echo (FastAPI + uvicorn + crypto)", "1",
                                                   [sys.executable, "-m", "bench.echo"], env, scratch)))
        sqlite_env = bench_env(DATABASE_URL=f"sqlite:///{scratch / 'bench.db'}")
        seed(sqlite_env)
        servers.append(stack.enter_context(started("bot, SQLite", "1", [sys.executable, "-m", "bot", "serve"],
                                                   sqlite_env, scratch)))
        database_url = ""
        if not reachable("127.0.0.1", 5432):
            notes.append("PostgreSQL is not running on 127.0.0.1:5432: its row was skipped.")
        else:
            try:
                database_url = stack.enter_context(postgres_database())
            except psycopg.Error as error:
                notes.append(f"PostgreSQL refused a benchmark database ({error}): its row was skipped.")
        if database_url:
            extra = {"DATABASE_URL": database_url}
            if reachable("127.0.0.1", 6379):
                extra["REDIS_URL"] = REDIS_URL
            else:
                notes.append("Redis is not running on 127.0.0.1:6379: the PostgreSQL row ran without REDIS_URL.")
            pg_env = bench_env(**extra)
            seed(pg_env)
            command = [sys.executable, "-m", "bot", "serve", *(["--workers", "2"] if multi else [])]
            label = "bot, PostgreSQL + Redis" if "REDIS_URL" in extra else "bot, PostgreSQL"
            servers.append(stack.enter_context(started(label, "2" if multi else "1*", command, pg_env, scratch)))
            if not multi:
                notes.append(f"* {label}: 1 worker (multi-worker not available yet: `python -m bot serve` "
                             "has no --workers option).")
        if not args.no_ceiling:
            servers.append(stack.enter_context(started("generator ceiling (canned answers)", "1",
                                                       [sys.executable, "-m", "bench.echo", "--canned"], env,
                                                       scratch, canned=True)))
        rows = [Row(server) for server in servers]
        for round_ in range(args.runs):
            echo_rate = math.nan
            for row in rows:
                measured = measure(row.server.url, TOKEN, APPID, AES_KEY, server_pid=row.server.process.pid,
                                   concurrency=args.residents, duration=args.duration, messages=None,
                                   warmup=args.warmup, retry_share=args.retry_share, seed=args.seed + round_,
                                   check=not row.server.canned)
                row.runs.append(measured)
                if row is rows[0]:
                    echo_rate = measured.summary.rate
                row.ratios.append(measured.summary.rate / echo_rate)
                print(f"  run {round_ + 1}/{args.runs}  {row.server.label:<40} {_line(measured.summary)}",
                      flush=True)
        if args.alone:
            for row in rows[1:]:
                if not row.server.canned:
                    row.alone = measure(row.server.url, TOKEN, APPID, AES_KEY, server_pid=row.server.process.pid,
                                        concurrency=1, duration=args.alone, messages=None, warmup=1.0,
                                        retry_share=args.retry_share, seed=args.seed).summary
                    print(f"  one resident  {row.server.label:<40} {_line(row.alone)}", flush=True)
    info = machine()
    table = report(rows, args, info, notes)
    print()
    print(table)
    if args.write:
        write_results(table, info)
    return 0


def _line(s: Summary) -> str:
    return (f"{s.rate:7.0f} msg/s  p50 {s.p50:6.1f}  p95 {s.p95:6.1f}  p99 {s.p99:7.1f} ms  "
            f"errors {s.errors}  server CPU {s.server_cpu * 1000:5.2f} ms/msg  "
            f"generator {s.generator_busy * 100:3.0f} % of a core")


def report(rows: list[Row], args: argparse.Namespace, info: dict[str, str], notes: list[str]) -> str:
    """The table for RESULTS.md: medians of the runs, targets beside the SQLite row."""
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — {info['arch']}, {info['cpu']} "
        f"({info['cores']} cores), Python {info['python']}",
        f"code at {_revision()}",
        f"{args.residents} concurrent residents, {args.runs} runs of {args.warmup:g} s warm-up + {args.duration:g} s "
        f"per server, servers alternating; medians of the runs (errors: summed over the measured requests)",
        "",
        f"{'setup':<40} {'workers':<7} {'msg/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>11} {'RSS MB':>6} {'peak MB':>7} {'CPU ms/msg':>10} {'× echo':>6}",
    ]
    for row in rows:
        errors = f"{row.errors}/{row.requests}" if not row.server.canned else "–"
        lines.append(
            f"{row.server.label:<40} {row.server.workers:<7} {row.median('rate'):6.0f} {row.median('p50'):7.1f} "
            f"{row.median('p95'):7.1f} {row.median('p99'):7.1f} {errors:>11} {row.rss_mb:6.0f} {row.peak_mb:7.0f} "
            f"{row.median('server_cpu') * 1000:10.2f} {median_of(row.ratios):6.2f}")
    lines += [note for note in notes if note.startswith("*")]
    bot = next((row for row in rows if row.server.label == "bot, SQLite"), None)
    if bot is not None:
        rate, p99, peak = bot.median("rate"), bot.median("p99"), bot.peak_mb
        lines += [
            "",
            f"targets, SQLite with 1 worker at {args.residents} concurrent residents (issue 11, SPEC §7):",
            f"  ≥ {TARGET_RATE:g} msg/s       {_verdict(rate >= TARGET_RATE)} ({rate:.0f})",
            f"  p99 ≤ {TARGET_P99_MS:g} ms       {_verdict(p99 <= TARGET_P99_MS)} ({p99:.0f})",
            f"  RSS ≤ {TARGET_RSS_MB:g} MB      {_verdict(peak <= TARGET_RSS_MB)} ({peak:.0f} peak)",
        ]
    echo = rows[0]
    echo_cpu = echo.median("server_cpu")
    lines += ["", "server CPU per message (steadier than msg/s on a shared machine): " + "; ".join(
        f"{row.server.label} {row.median('server_cpu') * 1000:.2f} ms"
        + (f" ({row.median('server_cpu') / echo_cpu:.1f}× the echo)" if row is not echo else "")
        + f", ≈ {1 / row.median('server_cpu'):.0f} msg/s per core"
        for row in rows if not row.server.canned)]
    ceiling = next((row for row in rows if row.server.canned), None)
    gen = f"generator: {echo.median('generator_cpu') * 1e6:.0f} µs CPU per message, " \
          f"{echo.median('generator_busy') * 100:.0f} % of a core while driving the echo"
    if ceiling is not None:
        live = max(m.summary.sealed_live / max(m.summary.sealed_live + m.summary.prepared, 1) for m in ceiling.runs)
        gen += f"; {ceiling.median('rate'):.0f} msg/s against canned answers " \
               f"({ceiling.median('generator_busy') * 100:.0f} % of a core" \
               + (f", encrypting up to {live * 100:.0f} % of the bodies on the way)" if live else ")")
    lines.append(gen)
    for row in rows:
        if row.server.canned or row is echo:
            continue
        kinds = sorted({kind for m in row.runs for kind in m.summary.by_kind},
                       key=lambda k: -percentile(row.pooled(k), 50))
        parts = [f"{kind} {percentile(row.pooled(kind), 50) * 1000:.0f}/{percentile(row.pooled(kind), 99) * 1000:.0f}"
                 f" (n={len(row.pooled(kind))})" for kind in kinds]
        lines.append(f"by kind, p50/p99 ms — {row.server.label}: " + ", ".join(parts))
        if row.alone is not None:
            alone = row.alone.by_kind
            order = sorted(alone, key=lambda k: -percentile(alone[k], 50))
            lines.append(f"one resident at a time, p50 ms — {row.server.label}: " + ", ".join(
                f"{kind} {percentile(alone[kind], 50) * 1000:.1f} (n={len(alone[kind])})" for kind in order))
    for row in rows:
        if row.server.canned:
            continue
        for label, attribute in (("errors", "problems"), ("errors in the warm-up", "warmup_problems")):
            problems: Counter[str] = Counter()
            for m in row.runs:
                problems.update(getattr(m.summary, attribute))
            if problems:
                lines.append(f"{label} — {row.server.label}: " + "; ".join(f"{n} {p}" for p, n in problems.items()))
    for row in rows:
        for note in sorted({note for m in row.runs for note in m.summary.notes}):
            lines.append(f"note — {row.server.label}: {note}")
    lines += [f"note: {note}" for note in notes if not note.startswith("*")]
    return "\n".join(textwrap.fill(line, 118, subsequent_indent="    ", break_on_hyphens=False)
                     if len(line) > 118 and not line.startswith(("setup ", *(r.server.label for r in rows))) else line
                     for line in lines)


#: What is measured: a change anywhere else (the benchmark itself, tests, docs) changes no figure.
PRODUCT = ("bot", "actions", "store", "nlu", "config.yml", "responses.yml", "pyproject.toml")


def _revision() -> str:
    """The commit measured, and whether the bot's code had changes besides it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *PRODUCT], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "an unknown revision"
    return (commit or "an unknown revision") + (" with uncommitted changes to the bot" if dirty else "")


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# --- RESULTS.md ---------------------------------------------------------------------------------
SECTION_MARKER = "<!-- load -->"
RUNS_MARKER = "<!-- load-runs -->"
SECTION_INTRO = f"""{SECTION_MARKER}
## Load

`make bench` (`python -m bench.load --suite`) plays WeChat's servers against the bot from a
separate process — signed, safe-mode encrypted messages from many residents, a mix of
questions, menu digits, form turns, binding, hand-offs and ~3 % retries of the same MsgId
(bench/load_mix.py), each resident sending its next message when its last is answered — and
measures in the same run the bot on SQLite with one worker, the bot on PostgreSQL + Redis, a
bare echo of the same stack (bench/echo.py: FastAPI + uvicorn + the same signature checks and
AES, no dialogue, no database) and the generator against a server that answers canned bytes
(its own ceiling). Runs alternate between the servers; the table gives medians. *errors*: a
delivery without a 200, answered `success` where a reply was due (the reply budget ran out),
with a reply that does not decrypt or verify or is addressed to someone else, or a retry
answered differently from its first delivery. *RSS*: the server's process tree after a run;
*peak*: the highest VmHWM of one of its processes. *CPU ms/msg*: the server's user + system
time (from /proc) per answered message inside the measured window. *× echo*: messages/s over
the echo's in the same round, median of the rounds. Each run adds (or, the same day,
replaces) a section below.

{RUNS_MARKER}
"""


def write_results(table: str, info: dict[str, str], path: Path = RESULTS) -> None:
    date = time.strftime("%Y-%m-%d")
    key = f"{date} {info['arch']} {info['cpu']}"
    section = (f"<!-- load-run: {key} -->\n### Load — {date}, {info['arch']}, {info['cpu']}\n\n"
               f"```\n{table}\n```\n<!-- end load-run -->\n")
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    text = insert_run(text, key, section)
    path.write_text(text, encoding="utf-8")


def insert_run(text: str, key: str, section: str) -> str:
    """``text`` with ``section`` as the newest load run: a run of the same key is replaced, older
    runs are kept; the "Load" section is made (before "## Runs") the first time."""
    pattern = re.compile(rf"<!-- load-run: {re.escape(key)} -->.*?<!-- end load-run -->\n", re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: section, text, count=1)
    if RUNS_MARKER not in text:
        if "\n## Runs\n" in text:
            at = text.index("\n## Runs\n") + 1
            text = text[:at] + SECTION_INTRO + text[at:]
        else:
            text = text.rstrip("\n") + "\n\n" + SECTION_INTRO
    return text.replace(RUNS_MARKER + "\n", RUNS_MARKER + "\n" + section + "\n", 1)


# --- command line -------------------------------------------------------------------------------
def credentials() -> tuple[str, str, str]:
    env = dict(os.environ)
    if not env.get("WECHAT_TOKEN") and DEV_CREDENTIALS.is_file():
        for line in DEV_CREDENTIALS.read_text().splitlines():
            if "=" in line:
                name, value = line.split("=", 1)
                env.setdefault(name.strip(), value.strip())
    if not (env.get("WECHAT_TOKEN") and env.get("WECHAT_AES_KEY") and env.get("WECHAT_APPID")):
        raise SystemExit("WECHAT_TOKEN, WECHAT_APPID and WECHAT_AES_KEY are needed (safe mode), from the "
                         "environment or var/dev-credentials.env")
    return env["WECHAT_TOKEN"], env["WECHAT_APPID"], env["WECHAT_AES_KEY"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--suite", action="store_true", help="start the servers and compare them (make bench)")
    target.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's process, for its memory")
    parser.add_argument("--residents", type=int, default=50, help="concurrent residents (default 50)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--duration", type=float, help="seconds measured per run, after the warm-up (default 8)")
    length.add_argument("--messages", type=int, help="with --url: send this many messages (retries not counted)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds sent before measuring (default 2)")
    parser.add_argument("--runs", type=int, default=5, help="with --suite: runs per server (default 5)")
    parser.add_argument("--retry-share", type=float, default=0.03, help="share of messages retried (default 0.03)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-ceiling", action="store_true", help="with --suite: skip the canned-answer server")
    parser.add_argument("--alone", type=float, default=10.0,
                        help="with --suite: seconds of one resident at a time per bot, for each kind's own "
                             "latency (0: skip; default 10)")
    parser.add_argument("--no-write", dest="write", action="store_false", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    if args.residents < 1 or args.runs < 1:
        parser.error("--residents and --runs must be at least 1")
    if args.suite:
        if args.messages is not None:
            parser.error("--suite runs for a duration")
        args.duration = args.duration or 8.0
        return suite(args)
    if args.duration is None and args.messages is None:
        args.duration = 8.0
    token, appid, aes_key = credentials()
    try:
        measured = measure(args.url, token, appid, aes_key, server_pid=args.server_pid, concurrency=args.residents,
                           duration=args.duration, messages=args.messages, warmup=args.warmup,
                           retry_share=args.retry_share, seed=args.seed)
    except OSError as error:
        print(f"python -m bench.load: cannot reach {args.url}: {error}", file=sys.stderr)
        return 2
    s = measured.summary
    print(_line(s))
    for kind, seconds in sorted(s.by_kind.items(), key=lambda item: -percentile(item[1], 50)):
        print(f"  {kind:<14} n={len(seconds):<6} p50 {percentile(seconds, 50) * 1000:6.1f} ms  "
              f"p99 {percentile(seconds, 99) * 1000:7.1f} ms")
    for problem, count in s.problems.items():
        print(f"  error: {count} {problem}")
    for problem, count in s.warmup_problems.items():
        print(f"  error in the warm-up: {count} {problem}")
    for note in s.notes:
        print(f"  note: {note}")
    if s.sealed_live:
        print(f"  note: {s.sealed_live} bodies were encrypted during the run ({s.prepared} before it)")
    if measured.memory:
        print(f"  server: {measured.memory.rss_mb:.0f} MB resident now ({measured.memory.processes} processes), "
              f"{measured.memory.peak_mb:.0f} MB peak of one process")
    return 1 if s.errors or s.warmup_problems else 0


if __name__ == "__main__":
    sys.exit(main())
