"""Which worker runs the scheduled jobs: exactly one at a time, whatever runs how many workers.

Each worker asks before a job runs; the first to take the lock keeps it while it lives, and
when it dies the lock is free for the next one to take:

- PostgreSQL: a session advisory lock on a connection kept for this purpose;
- SQLite (one machine): an exclusive ``flock`` on a file next to the database.
"""
from __future__ import annotations

import fcntl
import logging
import threading
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: The advisory-lock key of the scheduler (any constant of the project's own).
LOCK_KEY = 718205


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._connection: Any = None
        self._file: IO[str] | None = None

    def held(self) -> bool:
        """True when this worker leads (taking the lead when it is free)."""
        with self._lock:
            try:
                return self._postgres() if self.engine.dialect.name == "postgresql" else self._sqlite()
            except Exception as error:  # a database hiccup: not the leader this time, ask again later
                log.warning("scheduler leadership unknown: %s", error.__class__.__name__)
                self._drop()
                return False

    def _postgres(self) -> bool:
        if self._connection is not None:
            cursor = self._connection.cursor()
            cursor.execute("SELECT 1")  # still alive, so still holding the session lock
            cursor.close()
            return True
        connection = self.engine.raw_connection()
        connection.detach()  # its own session: closing it must really end it (and free the lock)
        cursor = connection.cursor()
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
        row = cursor.fetchone()
        taken = bool(row and row[0])
        cursor.close()
        connection.commit()
        if taken:
            self._connection = connection
            log.info("this worker now runs the scheduled jobs")
        else:
            connection.close()
        return taken

    def _sqlite(self) -> bool:
        if self._file is not None:
            return True
        database = self.engine.url.database or ""
        path = Path(f"{database}.scheduler.lock") if database and database != ":memory:" else None
        if path is None:
            return True  # an in-memory database has one process by definition
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        log.info("this worker now runs the scheduled jobs")
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # it is broken already
                log.debug("closing the leadership connection failed", exc_info=True)
        self._connection = None

    def release(self) -> None:
        with self._lock:
            self._drop()
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
                self._file.close()
                self._file = None
