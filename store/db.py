"""Connections, sessions and schema migration.

SQLite is the embedded default; PostgreSQL (``postgresql+psycopg://…``) is production.
SQLite runs in WAL mode and every transaction begins IMMEDIATE, so two workers that
change the same conversation take turns instead of losing an update; PostgreSQL gets
row locks from the repositories (``SELECT … FOR UPDATE``).
"""
from __future__ import annotations

import logging
import re
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from store.repositories._prepared import driver_sql

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = "linli_read_only"
#: Execution option of a transaction that must not wait for SQLite's write lock (see :func:`transaction`).
NO_WAIT = "linli_no_wait"
#: Milliseconds a SQLite writer waits for another process's write to finish.
BUSY_TIMEOUT_MS = 30000
_BUSY_TIMEOUT = "linli_busy_timeout"  # a connection's own setting, in its pool record's info
#: Seconds to wait for a PostgreSQL connection (and for a free one in the pool).
CONNECT_TIMEOUT = 3
#: Pages of write-ahead log after which a SQLite writer copies the log into the database
#: itself while a :class:`Checkpointer` does it for the process (a backstop, should the
#: checkpointer fall behind); SQLite's own default is 1,000.
WAL_BACKSTOP_PAGES = 20000
_AUTOCHECKPOINT = "linli_wal_autocheckpoint"  # a connection's own setting, in its pool record's info
_DEFAULT_AUTOCHECKPOINT = 1000
#: Databases (by file) whose writers leave checkpoints to a running :class:`Checkpointer`.
_checkpointed: set[str] = set()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` with the settings each backend needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: the connection used last is used next; its page cache is still warm (another
        # connection's commit empties it).
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_use_lifo=True)
        _tune_sqlite(engine)
        return engine
    # A server that does not answer costs a connection attempt CONNECT_TIMEOUT seconds, not a hang.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         pool_timeout=CONNECT_TIMEOUT, connect_args={"connect_timeout": CONNECT_TIMEOUT})


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached or used right now (down,
    restarting, the pool exhausted) — as opposed to a mistake in what was asked of it."""
    from sqlalchemy import exc

    return isinstance(error, (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError))


def _tune_sqlite(engine: Engine) -> None:
    database = _database_file(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()
        record.info[_BUSY_TIMEOUT] = BUSY_TIMEOUT_MS

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front (no deadlocked upgrades); readers never wait in WAL mode.
        options = connection.get_execution_options()
        if options.get(NO_WAIT, False):
            _begin_without_waiting(connection, database)
            return
        _busy_timeout(connection, BUSY_TIMEOUT_MS)
        if options.get(READ_ONLY, False):
            driver_sql(connection, "BEGIN")  # on the driver
            return
        _autocheckpoint(connection, database)
        driver_sql(connection, "BEGIN IMMEDIATE")


def _begin_without_waiting(connection: Any, database: str | None) -> None:
    """BEGIN IMMEDIATE, or :class:`WriterBusy` at once when another process is writing."""
    _busy_timeout(connection, 0)
    _autocheckpoint(connection, database)
    try:
        connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE")
    except connection.dialect.loaded_dbapi.OperationalError as error:
        raise WriterBusy(str(error)) from error


def _busy_timeout(connection: Any, milliseconds: int) -> None:
    """How long this connection's statements wait for another writer (the event loop's
    transactions never wait, the writer thread's do; each connection keeps its own)."""
    _pragma(connection, "busy_timeout", milliseconds, _BUSY_TIMEOUT)


def _autocheckpoint(connection: Any, database: str | None) -> None:
    """The size of write-ahead log at which this connection's commits copy it into the
    database: SQLite's default, or only a backstop while a :class:`Checkpointer` runs."""
    pages = WAL_BACKSTOP_PAGES if database in _checkpointed else _DEFAULT_AUTOCHECKPOINT
    _pragma(connection, "wal_autocheckpoint", pages, _AUTOCHECKPOINT, default=_DEFAULT_AUTOCHECKPOINT)


def _pragma(connection: Any, name: str, value: int, key: str, default: int | None = None) -> None:
    """A connection's own setting, issued only when it changes (kept in its pool record's info
    under ``key``; ``default``: what a connection has before it is ever set)."""
    info = connection.connection.info
    if info.get(key, default) != value:
        driver_sql(connection, f"PRAGMA {name}={value}")
        info[key] = value


def _database_file(engine: Engine) -> str | None:
    """The file of a SQLite database (None in memory or for another backend)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return str(Path(database).resolve())


class Checkpointer:
    """Copies SQLite's write-ahead log into the database file from a thread of its own.

    Left to itself, SQLite has the writer whose commit takes the log past 1,000 pages do the
    copy, two ``fdatasync`` calls included: on the server that writer is the event loop, and
    every reply waits while the disk syncs (a few milliseconds each time, several times a
    second under load, and over 100 ms when the disk is busy; bench/RESULTS.md). Here a thread
    runs a PASSIVE checkpoint every ``every`` seconds, which never waits for or blocks a writer
    or a reader, with the interpreter lock released while SQLite works; the writers keep their
    own checkpoint only as a backstop (:data:`WAL_BACKSTOP_PAGES`). A database in memory, or
    not on SQLite, has nothing to do and no thread."""

    def __init__(self, engine: Engine, every: float = 0.1) -> None:
        self.database = _database_file(engine)
        self.every = every
        #: checkpoints that found pages to copy
        self.runs = 0
        self._last: tuple[int, int] = (0, 0)  # the log's pages and those copied, as last seen
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.database is None or self.every <= 0 or self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(self.database,), name="wal-checkpoint",
                                        daemon=True)
        _checkpointed.add(self.database)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        self._thread = None
        if self.database is not None:
            _checkpointed.discard(self.database)

    def _run(self, database: str) -> None:
        connection: sqlite3.Connection | None = None
        failed = ""
        try:
            while not self._stop.wait(self.every):
                try:
                    if connection is None:
                        connection = sqlite3.connect(database, timeout=0, isolation_level=None,
                                                     check_same_thread=False)
                    self._checkpoint(connection)
                    failed = ""
                except sqlite3.Error as error:  # the writers' own backstop keeps the log in bounds meanwhile
                    if str(error) != failed:
                        log.warning("WAL checkpoint of %s failed: %s", database, error)
                        failed = str(error)
                    if connection is not None:
                        connection.close()
                        connection = None
        finally:
            if connection is not None:
                connection.close()
            _checkpointed.discard(database)

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        _busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if copied > 0 and (logged, copied) != self._last:
            self.runs += 1
        self._last = (logged, copied)


def make_sessionmaker(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for units of work; ``read_only`` ones never wait for SQLite's write lock.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps (its
    busy handler), which under load turns into seconds of waiting. Writers of one process
    therefore queue on a lock of ours instead, and get the database as soon as it is free."""
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    info: dict[str, Any] = {}
    if engine.dialect.name == "sqlite" and not read_only:
        info[WRITE_LOCK] = _sqlite_write_lock(engine)
        info[_WRITER] = [None, None]  # the writers' connection and the pool it came from
    factory = sessionmaker(bind, expire_on_commit=False, info=info)
    if _WRITER in info:
        weakref.finalize(factory, _let_go, info[_WRITER])
    return factory


WRITE_LOCK = "linli_write_lock"
_WRITER = "linli_writer_connection"
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _sqlite_write_lock(engine: Engine) -> threading.Lock:
    with _write_locks_guard:
        return _write_locks.setdefault(str(engine.url), threading.Lock())


class WriterBusy(Exception):
    """A transaction asked not to wait found SQLite's writer busy (or no open connection at
    hand); nothing was done."""


@contextmanager
def transaction(factory: sessionmaker[Session], *, wait: bool = True) -> Iterator[Session]:
    """One unit of work: commit when the block returns, roll back when it raises.

    ``wait=False`` (SQLite only) is for a caller that must not block, the event loop: the
    transaction starts only if it can start at once (no other writer of this process or
    another, a connection open at hand), and raises :class:`WriterBusy` otherwise.

    On SQLite the writers of a process take turns on one connection the factory keeps open
    (:func:`_writer_connection`), instead of taking one from the pool and giving it back for
    every message (a third of the cost of an empty transaction)."""
    lock: threading.Lock | None = factory.kw.get("info", {}).get(WRITE_LOCK)
    if lock is None:
        if not wait:
            raise WriterBusy("only SQLite's writer can be asked not to wait")
        with factory() as session, session.begin():
            yield session
        return
    if not lock.acquire(blocking=wait):
        raise WriterBusy("another writer holds the database")
    try:
        connection = _writer_connection(factory, wait=wait)
        if connection.get_execution_options().get(NO_WAIT) is not (not wait):  # read by BEGIN (_on_begin)
            connection.execution_options(**{NO_WAIT: not wait})
        try:
            with factory(bind=connection) as session, session.begin():
                session.connection()  # BEGIN IMMEDIATE now, or WriterBusy
                yield session
        except BaseException:
            _let_go(factory.kw["info"][_WRITER])  # whatever went wrong, the next writer starts afresh
            raise
    finally:
        lock.release()


def _writer_connection(factory: sessionmaker[Session], *, wait: bool) -> Connection:
    """The connection this factory's writers share (only ever used under the write lock): the
    one kept, unless the engine's pool was disposed since (its connections are done with)."""
    engine: Engine = factory.kw["bind"]
    held: list[Any] = factory.kw["info"][_WRITER]
    connection, pool = held
    if connection is not None and (pool is not engine.pool or connection.closed or connection.invalidated):
        _let_go(held)
        connection = None
    if connection is None:
        if not wait and not _has_open_connection(factory):
            raise WriterBusy("no open connection at hand")
        connection = engine.connect()
        held[:] = [connection, engine.pool]
    return connection


def _let_go(held: list[Any]) -> None:
    """Give the kept connection back to its pool (a connection that broke is simply let go)."""
    connection, held[:] = held[0], [None, None]
    if connection is not None:
        with suppress(Exception):
            connection.close()


def release(factory: sessionmaker[Session]) -> None:
    """Give back the connection the factory's writers kept (before the engine is disposed; a
    factory that is thrown away gives it back by itself)."""
    held: list[Any] | None = factory.kw.get("info", {}).get(_WRITER)
    if held is not None:
        _let_go(held)


def _has_open_connection(factory: sessionmaker[Session]) -> bool:
    """Whether the pool holds an open connection (opening one is work that may take time)."""
    pool: Any = factory.kw["bind"].pool
    checkedin = getattr(pool, "checkedin", None)
    return checkedin is not None and checkedin() > 0


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the schema is only ever made by migrating). ``head``
    means every branch's newest migration: each area of the store (a flow's data) keeps its
    migrations on a branch of its own, labelled with its name, starting from ``0001``.

    A database already at the newest migration is recognised without loading Alembic,
    which keeps the server's start-up short."""
    if revision == "head" and _recorded_revisions(engine) == head_revisions():
        return
    from alembic import command

    config = alembic_config(engine)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Several workers may start at once: one migrates, the others wait for it.
            connection.exec_driver_sql("SELECT pg_advisory_lock(718204)")
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads" if revision == "head" else revision)
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_unlock(718204)")
                connection.commit()


def load_models() -> None:
    """Import every module of the store, so that each area's models are in the metadata."""
    import importlib
    import pkgutil

    import store

    for info in pkgutil.walk_packages(store.__path__, prefix="store."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)


def head_revisions() -> set[str]:
    """The newest migration(s), read from the migration files themselves."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", source, re.M)
        parent = re.search(r"^down_revision(?:: [^=]+)? = ['\"]([^'\"]+)['\"]", source, re.M)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.add(parent.group(1))
    return revisions - parents


def _recorded_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    return _recorded_revisions(engine) == head_revisions()
