"""What a load run means: replies checked, latencies summarised, the server's memory read.

Replies are checked after the run, off the clock: every delivery must get a 200 with a
safe-mode reply whose ``MsgSignature`` is right, that opens with the account's key and is
addressed to the resident who wrote; a retry must get the same reply as its first delivery.
"""
from __future__ import annotations

import math
import os
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from bench.load_client import Exchange, RunTimes
from bot.errors import BadRequest
from bot.wechat.crypto import MessageCrypto

NO_ANSWER = "no answer (refused, dropped or timed out)"
SERVER_ERROR = "5xx"
NOT_OK = "other non-200"
SUCCESS_ONLY = "`success` where a reply was expected"
UNDECRYPTABLE = "reply that does not decrypt or verify"
WRONG_RESIDENT = "reply addressed to another resident"
RETRY_DIFFERS = "retry answered differently from its first delivery"

_CREATE_TIME = re.compile(r"<CreateTime>\d*</CreateTime>")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values`` by linear interpolation; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def open_reply(body: bytes, crypto: MessageCrypto) -> str:
    """The plaintext XML of a safe-mode reply; raises BadRequest or ParseError when it does not open."""
    envelope = ElementTree.fromstring(body)
    fields = {name: (envelope.findtext(name) or "").strip() for name in ("Encrypt", "MsgSignature", "TimeStamp",
                                                                       "Nonce")}
    plain, _ = crypto.decrypt(fields["Encrypt"], fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
    return plain


def check_replies(exchanges: Iterable[Exchange], crypto: MessageCrypto) -> list[tuple[Exchange, str]]:
    """Every wrong answer with what is wrong with it; empty when every answer was right."""
    problems: list[tuple[Exchange, str]] = []
    firsts: dict[tuple[str, int], str] = {}
    retries: list[tuple[Exchange, str]] = []
    for exchange in exchanges:
        problem, reply = judge(exchange, crypto)
        if problem:
            problems.append((exchange, problem))
        elif exchange.delivery == "first":
            firsts[(exchange.message.openid, exchange.message.msg_id)] = reply
        else:
            retries.append((exchange, reply))
    for exchange, reply in retries:
        first = firsts.get((exchange.message.openid, exchange.message.msg_id))
        if first is not None and first != reply:
            problems.append((exchange, RETRY_DIFFERS))
    return problems


def tally(problems: Iterable[tuple[Exchange, str]]) -> Counter[str]:
    """Problems counted under what is wrong and the delivery: "… [first]", "… [retry while]"."""
    return Counter(f"{problem} [{exchange.delivery}]" for exchange, problem in problems)


def judge(exchange: Exchange, crypto: MessageCrypto) -> tuple[str, str]:
    """(what is wrong, "") or ("", the reply's plaintext without its CreateTime — what a retry
    of the same message must get again)."""
    if exchange.status == 0:
        return NO_ANSWER, ""
    if exchange.status >= 500:
        return SERVER_ERROR, ""
    if exchange.status != 200:
        return NOT_OK, ""
    if exchange.body.strip() in (b"", b"success"):
        return SUCCESS_ONLY, ""
    try:
        plain = open_reply(exchange.body, crypto)
        to_user = ElementTree.fromstring(plain).findtext("ToUserName")
    except (BadRequest, ElementTree.ParseError, UnicodeDecodeError):
        return UNDECRYPTABLE, ""
    if to_user != exchange.message.openid:
        return WRONG_RESIDENT, ""
    return "", _CREATE_TIME.sub("", plain)


@dataclass
class Summary:
    """One run against one server, in the figures the benchmark reports."""

    rate: float                          #: answered deliveries per second inside the window
    p50: float                           #: milliseconds, first deliveries and retries alike
    p95: float
    p99: float
    requests: int                        #: deliveries sent inside the window
    problems: Counter[str]               #: wrong answers to deliveries sent inside the window
    warmup_problems: Counter[str]        #: … and during the warm-up (a cold server's first burst)
    by_kind: dict[str, list[float]] = field(default_factory=dict)   #: seconds, per message kind
    generator_cpu: float = math.nan      #: the generator's CPU seconds per answered delivery
    generator_busy: float = math.nan     #: share of one core the generator used
    server_cpu: float = math.nan         #: the server's CPU seconds per answered delivery
    prepared: int = 0                    #: bodies encrypted before the run …
    sealed_live: int = 0                 #: … and during it (the generator outran its preparation)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(self.problems.values())


def summarise(run: RunTimes, crypto: MessageCrypto | None) -> Summary:
    """Figures of ``run``; ``crypto`` None skips checking the replies (a server that answers
    canned bytes, to measure the generator alone)."""
    window = run.in_window()
    answered = [x for x in run.exchanges if x.status and run.window_start <= x.done <= run.window_end]
    span = run.window_end - run.window_start
    latencies = [x.seconds for x in window if x.status]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for exchange in window:
        if exchange.status:
            label = exchange.message.kind if exchange.delivery == "first" else exchange.delivery
            by_kind[label].append(exchange.seconds)
    if crypto is not None:
        found = check_replies(run.exchanges, crypto)
    else:
        found = [(x, NO_ANSWER) for x in run.exchanges if not x.status]
    rate = len(answered) / span if span > 0 else math.nan
    return Summary(
        rate=rate,
        p50=percentile(latencies, 50) * 1000, p95=percentile(latencies, 95) * 1000,
        p99=percentile(latencies, 99) * 1000,
        requests=len(window),
        problems=tally((x, p) for x, p in found if x.sent >= run.window_start),
        warmup_problems=tally((x, p) for x, p in found if x.sent < run.window_start),
        by_kind=dict(by_kind),
        generator_cpu=run.cpu_seconds / len(answered) if answered else math.nan,
        generator_busy=run.cpu_seconds / span if span > 0 else math.nan,
        server_cpu=run.server_cpu_seconds / len(answered) if answered else math.nan,
        prepared=run.prepared, sealed_live=run.sealed_live, notes=list(run.notes),
    )


def median_of(values: Iterable[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return statistics.median(finite) if finite else math.nan


# --- the server's memory ------------------------------------------------------------------------
def process_tree(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """``pid`` and all its descendants (uvicorn's workers are children of the main process)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        children[parent].append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def status_kib(pid: int, field_name: str, proc: Path = Path("/proc")) -> int:
    """A ``VmRSS`` / ``VmHWM`` line of /proc/<pid>/status in KiB (0 when the process is gone)."""
    try:
        for line in (proc / str(pid) / "status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def cpu_seconds(pid: int, proc: Path = Path("/proc")) -> float:
    """CPU time (user + system) used so far by ``pid`` and its descendants now alive."""
    ticks = 0
    for member in process_tree(pid, proc):
        try:
            stat = (proc / str(member) / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Memory:
    rss_mb: float            #: resident now, the whole process tree
    peak_mb: float           #: the largest peak (VmHWM) of any one process of the tree
    processes: int


def server_memory(pid: int, proc: Path = Path("/proc")) -> Memory:
    tree = process_tree(pid, proc)
    rss = sum(status_kib(p, "VmRSS", proc) for p in tree)
    peak = max((status_kib(p, "VmHWM", proc) for p in tree), default=0)
    return Memory(rss / 1024, peak / 1024, len(tree))
