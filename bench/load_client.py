"""The load benchmark's client: simulated residents posting to ``/wechat`` over keep-alive HTTP/1.1.

Kept as cheap per request as Python allows, so that the generator is not what is measured:
a bare :class:`asyncio.Protocol` per connection (no HTTP library), bodies encrypted before the
clock runs, and replies only stored during the run — they are decrypted and checked after it
(:mod:`bench.load_report`). A closed loop: each resident sends its next message as soon as
its previous one is answered, as WeChat's servers forward a busy chat.
"""
from __future__ import annotations

import asyncio
import collections
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bench.load_mix import Message, Resident, Sealed, Signer

#: WeChat gives up after 5 s; a request unanswered this long is counted as not answered.
REQUEST_TIMEOUT = 10.0


@dataclass(slots=True)
class Exchange:
    """One delivery and its answer (``status`` 0: no answer — refused, dropped or timed out)."""

    message: Message
    delivery: str          #: "first", "retry while" or "retry after"
    sent: float
    done: float
    status: int
    body: bytes
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.done - self.sent


@dataclass
class RunTimes:
    """Everything one run recorded; ``window`` is the measured part (after the warm-up)."""

    exchanges: list[Exchange]
    started: float
    window_start: float
    window_end: float
    cpu_seconds: float           #: the generator's own CPU time inside the window
    server_cpu_seconds: float    #: the server's CPU time inside the window (nan when not known)
    prepared: int                #: bodies encrypted before the clock ran
    sealed_live: int             #: bodies that had to be encrypted during the run
    reconnects: int = 0          #: connections opened again (after an error or a keep-alive timeout)
    notes: list[str] = field(default_factory=list)

    def in_window(self) -> list[Exchange]:
        return [x for x in self.exchanges if self.window_start <= x.sent < self.window_end]


class HttpConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time, responses with Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes, float]] | None = None
        self.since = 0.0             #: when the request now waiting was sent
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        parsed = parse_response(self.buffer)
        if parsed is None:
            return
        status, body, consumed = parsed
        del self.buffer[:consumed]
        self.waiter = None
        waiter.set_result((status, body, time.perf_counter()))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed by the server"))

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes, float]]:
        if self.lost or self.transport is None:
            raise ConnectionError("connection is closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.since = time.perf_counter()
        self.transport.write(request)
        return self.waiter

    def expire(self, now: float, timeout: float) -> None:
        """Give up on a request unanswered for ``timeout`` seconds (one timer for all connections
        is cheaper than one per request)."""
        waiter = self.waiter
        if waiter is not None and not waiter.done() and now - self.since > timeout:
            waiter.set_exception(TimeoutError(f"no answer in {timeout:g} s"))
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def parse_response(buffer: bytes | bytearray) -> tuple[int, bytes, int] | None:
    """(status, body, bytes consumed) of the first complete response in ``buffer``, or None.

    Only what uvicorn sends is understood: a status line, headers and a Content-Length body."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = bytes(buffer[:head_end]).lower()
    status = int(head[9:12])
    length = 0
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        line_end = head.find(b"\r\n", marker + 2)
        length = int(head[marker + 17:line_end if line_end >= 0 else len(head)].strip())
    total = head_end + 4 + length
    if len(buffer) < total:
        return None
    return status, bytes(buffer[head_end + 4:total]), total


class Feeder:
    """One resident's messages, encrypted ahead of time as far as ``prepare`` says."""

    def __init__(self, resident: Resident, signer: Signer, prepare: int) -> None:
        self.stream: Iterator[Message] = iter(resident)
        self.signer = signer
        now = int(time.time())
        self.ready: collections.deque[Sealed] = collections.deque(
            signer.seal(next(self.stream), now) for _ in range(prepare))
        self.prepared = len(self.ready)
        self.live = 0

    def next(self) -> Sealed:
        if self.ready:
            return self.ready.popleft()
        self.live += 1
        return self.signer.seal(next(self.stream), int(time.time()))


async def _connect(host: str, port: int) -> HttpConnection:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(HttpConnection, host, port)
    return protocol


async def run_load(host: str, port: int, signer: Signer, residents: list[Resident], *,
                   duration: float | None = None, messages: int | None = None, warmup: float = 2.0,
                   prepare_rate: float = 4000.0, server_cpu: Callable[[], float] | None = None) -> RunTimes:
    """Drive ``residents`` against the server for ``duration`` seconds (after ``warmup``), or
    until ``messages`` first deliveries have been sent in all. Each resident keeps one
    connection for its messages; a retry sent while the first delivery is being answered
    comes on a new connection, as WeChat's would. ``server_cpu`` (the server's CPU seconds so
    far) is read when the window opens and when it closes."""
    if (duration is None) == (messages is None):
        raise ValueError("give a duration or a number of messages")
    if messages is not None:
        per_resident = math.ceil(messages / len(residents))
    else:
        assert duration is not None
        per_resident = math.ceil((duration + warmup) * prepare_rate / len(residents))
    feeders = [Feeder(resident, signer, per_resident) for resident in residents]
    main = [await _connect(host, port) for _ in residents]
    exchanges: list[Exchange] = []
    budget = [messages if messages is not None else -1]
    started = time.perf_counter()
    window_start = started + warmup
    stop_at = window_start + duration if duration is not None else math.inf
    reconnects = [0]
    open_spares: set[HttpConnection] = set()

    async def deliver(connections: list[HttpConnection], index: int, sealed: Sealed, delivery: str) -> None:
        sent = time.perf_counter()
        try:
            if connections[index].lost:  # closed by the server while idle (keep-alive timeout): not an error
                connections[index] = await _connect(host, port)
                reconnects[0] += 1
            request = signer.request(sealed, int(time.time()))
            sent = time.perf_counter()
            status, body, done = await connections[index].send(request)
        except (ConnectionError, OSError, TimeoutError) as error:
            exchanges.append(Exchange(sealed.message, delivery, sent, time.perf_counter(), 0, b"",
                                      error.__class__.__name__))
            connections[index].close()
            try:
                connections[index] = await _connect(host, port)
                reconnects[0] += 1
            except OSError:
                await asyncio.sleep(0.1)
            return
        exchanges.append(Exchange(sealed.message, delivery, sent, done, status, body))

    async def retry_meanwhile(sealed: Sealed) -> None:
        """WeChat's retry while the first delivery is being answered, on a connection of its own."""
        try:
            spare = [await _connect(host, port)]
        except OSError as error:
            now = time.perf_counter()
            exchanges.append(Exchange(sealed.message, "retry while", now, now, 0, b"", error.__class__.__name__))
            return
        open_spares.add(spare[0])
        await deliver(spare, 0, sealed, "retry while")
        open_spares.discard(spare[0])
        spare[0].close()

    async def watchdog() -> None:
        while True:
            await asyncio.sleep(0.5)
            now = time.perf_counter()
            for connection in (*main, *open_spares):
                connection.expire(now, REQUEST_TIMEOUT)

    async def resident_loop(index: int) -> None:
        feeder = feeders[index]
        while time.perf_counter() < stop_at:
            if budget[0] == 0:
                return
            if budget[0] > 0:
                budget[0] -= 1
            sealed = feeder.next()
            retry = sealed.message.retry
            if retry == "while":
                first = asyncio.ensure_future(deliver(main, index, sealed, "first"))
                await asyncio.sleep(0)  # the first delivery is written before its retry
                await retry_meanwhile(sealed)
                await first
            else:
                await deliver(main, index, sealed, "first")
            if retry == "after":
                await deliver(main, index, sealed, "retry after")

    read_server = server_cpu or (lambda: math.nan)
    cpu_before, server_before = os.times(), read_server()

    async def mark_window() -> None:
        nonlocal cpu_before, server_before
        await asyncio.sleep(max(window_start - time.perf_counter(), 0))
        cpu_before, server_before = os.times(), read_server()

    marker = asyncio.ensure_future(mark_window())
    guard = asyncio.ensure_future(watchdog())
    await asyncio.gather(*(resident_loop(n) for n in range(len(residents))))
    guard.cancel()
    window_end = min(time.perf_counter(), stop_at)
    cpu_after, server_after = os.times(), read_server()
    notes = []
    if not marker.done():
        marker.cancel()
        notes.append("the run ended inside its warm-up: nothing measured")
    for connection in main:
        connection.close()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return RunTimes(exchanges, started, window_start, window_end, cpu, server_after - server_before,
                    prepared=sum(f.prepared for f in feeders), sealed_live=sum(f.live for f in feeders),
                    reconnects=reconnects[0], notes=notes)
