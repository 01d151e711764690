"""The group-commit benchmark replays what the writers really sent, cut into their transactions."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.group_commit import replay, transactions


def test_recorded_statements_are_cut_into_committed_transactions() -> None:
    recorded = [
        "PRAGMA busy_timeout=0", "BEGIN IMMEDIATE", "SELECT 1", "INSERT INTO t VALUES (1)", "COMMIT",
        "BEGIN", "SELECT 2", "ROLLBACK",  # rolled back: not replayed
        "BEGIN IMMEDIATE", "PRAGMA wal_autocheckpoint=20000", "UPDATE t SET v = 2", "COMMIT",
        "SELECT 3",  # outside any transaction
    ]
    assert transactions(recorded) == [["SELECT 1", "INSERT INTO t VALUES (1)"], ["UPDATE t SET v = 2"]]


def test_every_batch_size_leaves_the_same_database(tmp_path: Path) -> None:
    snapshot = tmp_path / "before.db"
    with sqlite3.connect(snapshot) as connection:
        connection.execute("CREATE TABLE t (v INTEGER)")
    recorded = [[f"INSERT INTO t VALUES ({n})", "SELECT count(*) FROM t"] for n in range(7)]
    for batch in (1, 2, 4, 8):
        assert replay(snapshot, tmp_path, recorded, batch) >= 0
        with sqlite3.connect(tmp_path / f"replay-{batch}.db") as copy:
            assert [v for (v,) in copy.execute("SELECT v FROM t ORDER BY v")] == list(range(7))
