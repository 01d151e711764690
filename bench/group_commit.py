"""Would group commit pay? The load mix's own write transactions, replayed on SQLite one per
COMMIT and several per COMMIT.

Group commit — one COMMIT for the messages the event loop has in hand, each in a savepoint of
its own — was the next step proposed for the server on SQLite (bench/RESULTS.md). Before
building it, this measures what it could save at most: the statements the load mix's
messages really send to SQLite are recorded in process (the ASGI app of :mod:`bench.hotpath`,
SQLite's own trace of the writers' connection), the database is copied as it was before
them, and the recorded transactions are replayed on copies of it straight through the driver:

- ``1``: each message's transaction as recorded (BEGIN IMMEDIATE … COMMIT);
- ``k``: k messages per BEGIN IMMEDIATE … COMMIT, each between SAVEPOINT and RELEASE, as group
  commit would run them.

The difference is what SQLite itself saves per message (fewer commits, fewer pages written
twice to the write-ahead log); it is reported next to the CPU time a whole message costs in
process (measured without the trace). The ORM's own begin and commit work is left out, so
the figure is the database's share only; a savepoint per message would cost the ORM about
what a transaction costs it now.

    python -m bench.group_commit [--messages 2000] [--warmup 300] [--rounds 15]
"""
from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvloop

from bench.hotpath import build_app, drive, environment, plan
from bench.load import AES_KEY, APPID, TOKEN
from bench.load_mix import Signer
from store import db

BATCHES = (1, 2, 4, 8)


def writer_connection(app: Any) -> sqlite3.Connection:
    """The DB-API connection the server's writers share (open once a message has been taken)."""
    held = app.state.runtime.assistant.factory.kw["info"][db._WRITER]
    if held[0] is None:
        raise SystemExit("the writers' connection is not open: warm up with a few messages first")
    connection: sqlite3.Connection = held[0].connection.dbapi_connection
    return connection


def transactions(statements: list[str]) -> list[list[str]]:
    """The recorded statements cut into write transactions (BEGIN IMMEDIATE … COMMIT), without
    those two and without the connection's PRAGMAs."""
    out: list[list[str]] = []
    current: list[str] | None = None
    for sql in statements:
        head = sql.lstrip().upper()
        if head.startswith("BEGIN"):
            current = []
        elif head.startswith(("COMMIT", "ROLLBACK")):
            if current is not None and head.startswith("COMMIT"):
                out.append(current)
            current = None
        elif current is not None and not head.startswith("PRAGMA"):
            current.append(sql)
    return out


def chunks(items: list[list[str]], size: int) -> Iterator[list[list[str]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def replay(snapshot: Path, work: Path, recorded: list[list[str]], batch: int) -> float:
    """CPU seconds per message to replay ``recorded`` on a fresh copy of ``snapshot``."""
    copy = work / f"replay-{batch}.db"
    for leftover in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        leftover.unlink(missing_ok=True)
    with sqlite3.connect(snapshot) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    connection = sqlite3.connect(copy, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       f"wal_autocheckpoint={db.WAL_BACKSTOP_PAGES}"):
            connection.execute(f"PRAGMA {pragma}")
        started = time.process_time()
        for group in chunks(recorded, batch):
            connection.execute("BEGIN IMMEDIATE")
            for statements in group:
                if batch > 1:
                    connection.execute("SAVEPOINT message")
                for sql in statements:
                    connection.execute(sql).fetchall()
                if batch > 1:
                    connection.execute("RELEASE message")
            connection.execute("COMMIT")
        return (time.process_time() - started) / len(recorded)
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages recorded (default 2000)")
    parser.add_argument("--warmup", type=int, default=300, help="messages before anything is measured (default 300)")
    parser.add_argument("--rounds", type=int, default=15, help="replays of each batch size, alternating (default 15)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="linli-group-commit-") as scratch:
        return measure(args, Path(scratch))


def measure(args: argparse.Namespace, scratch: Path) -> int:
    environment(scratch)
    app = build_app()
    messages = plan(args.warmup + 2 * args.messages, args.seed)
    signer = Signer(TOKEN, APPID, AES_KEY, host="127.0.0.1")
    created = int(time.time())
    sealed = [signer.seal(message, created) for message in messages]
    warm = sealed[:args.warmup]
    timed = sealed[args.warmup:args.warmup + args.messages]
    traced = sealed[args.warmup + args.messages:]
    loop = uvloop.new_event_loop()
    loop.run_until_complete(drive(app, signer, warm))

    started = time.process_time()  # a whole message, untraced
    loop.run_until_complete(drive(app, signer, timed))
    whole = (time.process_time() - started) / len(timed)

    connection = writer_connection(app)
    snapshot = scratch / "before.db"
    with sqlite3.connect(snapshot) as target:
        connection.backup(target)
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    loop.run_until_complete(drive(app, signer, traced))
    connection.set_trace_callback(None)
    recorded = transactions(statements)
    per_message = sum(len(t) for t in recorded) / len(recorded)

    costs: dict[int, list[float]] = {batch: [] for batch in BATCHES}
    for round_ in range(args.rounds):  # the order alternates, so that no size is always first
        for batch in (BATCHES if round_ % 2 == 0 else BATCHES[::-1]):
            costs[batch].append(replay(snapshot, scratch, recorded, batch))
    print(f"{len(recorded)} write transactions recorded from {len(traced)} deliveries, "
          f"{per_message:.1f} statements each besides BEGIN and COMMIT")
    print(f"a whole message in process: {whole * 1e6:.0f} µs of CPU")
    print(f"messages per COMMIT   SQLite CPU per message   saved against 1 in the same round   "
          f"share of a whole message   (medians of {args.rounds} rounds)")
    for batch in BATCHES:
        saved = statistics.median(one - other for one, other in zip(costs[1], costs[batch], strict=True))
        print(f"{batch:>19}   {statistics.median(costs[batch]) * 1e6:>19.1f} µs   {saved * 1e6:>30.1f} µs   "
              f"{saved / whole:>23.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
